"""Country guide pages: the list with its filters, a guide in the reader's language with its files and PDF, and
for whoever writes it, a new guide, its revisions, publishing and withdrawing it, and its files."""
import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.core.db import reads_first, utcnow
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.i18n import country_choices, current_locale
from ipdesk.core.pagination import paginate
from ipdesk.core.transaction import outside_transaction
from ipdesk.core.views import form_error
from ipdesk.education import search as _search  # noqa: F401  (registers guides with search)
from ipdesk.education.forms import AttachForm, GuideFilterForm, GuideForm, PublishForm, RemoveFileForm, WithdrawForm
from ipdesk.education.guides import attach_file, create_guide, publish_guide, remove_file, revise_guide, withdraw_guide
from ipdesk.education.markdown import plain, render
from ipdesk.education.models import Guide, GuideAttachment, GuideRevision
from ipdesk.evidence.serving import checked_file_response
from ipdesk.evidence.uploads import UploadRefused
from ipdesk.extensions import db
from ipdesk.network.services import active_country_codes
from ipdesk.policy import can, get_guide, requires, visible_guides_clause, writes_guides_for
from ipdesk.reports.context import page_header
from ipdesk.reports.documents import pdf_response
from ipdesk.reports.pdf import render_pdf

bp = Blueprint("education", __name__)
LANGUAGES = ("ko", "en")


def _writable_countries() -> list[tuple[str, str]]:
    """The countries the user writes guides for: every one for a manager, their hubs' for staff."""
    codes = active_country_codes()
    if not can(current_user, "guide.create"):
        return country_choices(codes)
    return country_choices([code for code in codes if writes_guides_for(current_user, code)])


# --- the list ------------------------------------------------------------------------------

@bp.get("/guides")
@login_required
@requires("guide.list")
def list_guides():
    form = GuideFilterForm(request.args, country_choices=country_choices(active_country_codes()))
    form.validate()
    stmt = sa.select(Guide).where(visible_guides_clause(current_user))
    if form.country.data and not form.country.errors:
        stmt = stmt.where(Guide.country_code == form.country.data)
    if form.sector.data and not form.sector.errors:
        stmt = stmt.where(sa.or_(Guide.sector.is_(None), Guide.sector == form.sector.data))
    if form.ip_right.data and not form.ip_right.errors:
        stmt = stmt.where(sa.or_(Guide.ip_right.is_(None), Guide.ip_right == form.ip_right.data))
    page = paginate(stmt.order_by(Guide.published_at.desc().nulls_last(), Guide.id.desc()))
    # each guide with the revision its reader sees: the published one, or the latest for whoever writes it
    revisions = {}
    for revision in db.session.scalars(sa.select(GuideRevision).where(
            GuideRevision.guide_id.in_([guide.id for guide in page.items])).order_by(GuideRevision.number)):
        revisions.setdefault(revision.guide_id, {})[revision.number] = revision
    rows = []
    for guide in page.items:
        mine = revisions.get(guide.id, {})
        shown = mine.get(guide.published_number)
        if can(current_user, "guide.edit", guide) and mine:
            shown = mine[max(mine)]
        if shown is not None:
            rows.append((guide, shown))
    return render_template("education/list.html", form=form, page=page, rows=rows, summary=plain,
                           language=str(current_locale()))


# --- writing -------------------------------------------------------------------------------

@bp.route("/guides/new", methods=["GET", "POST"])
@login_required
@requires("guide.create")
def new_guide():
    form = GuideForm(country_choices=_writable_countries())
    if form.validate_on_submit():
        try:
            guide = create_guide(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "education/edit.html", guide=None)
        flash(_("The guide is saved as revision 1. Publish it when it is ready."), "success")
        return redirect(url_for("education.view_guide", guide_id=guide.id))
    if request.method == "GET" and request.args.get("country"):
        form.country_code.data = request.args["country"]
    return render_template("education/edit.html", form=form, guide=None), 422 if form.errors else 200


@bp.route("/guides/<int:guide_id>/edit", methods=["GET", "POST"])
@login_required
def edit_guide(guide_id: int):
    guide = get_guide(guide_id, "guide.edit")
    choices = country_choices([guide.country_code])  # a guide stays about its country
    if request.method == "GET":
        latest = guide.latest
        form = GuideForm(formdata=None, country_choices=choices, data={
            "country_code": guide.country_code, "sector": guide.sector, "ip_right": guide.ip_right,
            "title_ko": latest.title_ko, "title_en": latest.title_en, "body_ko": latest.body_ko,
            "body_en": latest.body_en, "version": guide.version})
        return render_template("education/edit.html", form=form, guide=guide)
    form = GuideForm(country_choices=choices)
    if not form.validate_on_submit():
        return render_template("education/edit.html", form=form, guide=guide), 422
    check_version(guide, form.version.data, url_for("education.edit_guide", guide_id=guide.id))
    try:
        revision = revise_guide(guide, form.data, current_user)
    except ServiceError as error:
        return form_error(form, error, "education/edit.html", guide=guide)
    flash(_("Revision %(n)d is saved. Readers see the published revision until you publish this one.",
            n=revision.number), "success")
    return redirect(url_for("education.view_guide", guide_id=guide.id, revision=revision.number))


# --- a guide -------------------------------------------------------------------------------

def _shown_revision(guide: Guide, writer: bool) -> GuideRevision:
    """The revision a reader sees, the published one; whoever writes the guide, the latest or the one they ask
    for (``?revision=``)."""
    if not writer:
        return guide.published  # the guide is published, or the policy had answered 404
    wanted = request.args.get("revision", type=int)
    return next((r for r in guide.revisions if r.number == wanted), None) or guide.latest


def guide_page(guide: Guide, status: int = 200, **forms):
    """The guide as its reader sees it (the published revision, in their language), or for whoever writes it the
    latest revision or any other (``?revision=``), with its history and the forms that publish, withdraw and
    attach."""
    writer = can(current_user, "guide.edit", guide)
    revision = _shown_revision(guide, writer)
    language = str(current_locale())
    context = {"guide": guide, "revision": revision, "writer": writer, "language": language,
               "body": render(revision.body_in(language)), "title": revision.title_in(language),
               "other_language": not revision.has_language(language)}
    if writer:
        context.update(
            publish_form=forms.get("publish_form") or PublishForm(formdata=None, number=revision.number,
                                                                  version=guide.version),
            withdraw_form=WithdrawForm(formdata=None, version=guide.version),
            attach_form=forms.get("attach_form") or AttachForm(formdata=None),
            remove_form=RemoveFileForm(formdata=None))
    return render_template("education/guide.html", **context), status


@bp.get("/guides/<int:guide_id>")
@login_required
def view_guide(guide_id: int):
    return guide_page(get_guide(guide_id))


@bp.post("/guides/<int:guide_id>/publish")
@login_required
def publish(guide_id: int):
    guide = get_guide(guide_id, "guide.publish")
    form = PublishForm()
    if not form.validate_on_submit():
        return guide_page(guide, 422, publish_form=form)
    check_version(guide, form.version.data, url_for("education.view_guide", guide_id=guide.id))
    try:
        revision = publish_guide(guide, form.number.data, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return guide_page(guide, 422)
    flash(_("Revision %(n)d is published: readers see it now.", n=revision.number), "success")
    return redirect(url_for("education.view_guide", guide_id=guide.id))


@bp.post("/guides/<int:guide_id>/withdraw")
@login_required
def withdraw(guide_id: int):
    guide = get_guide(guide_id, "guide.publish")
    form = WithdrawForm()
    if not form.validate_on_submit():
        return guide_page(guide, 422)
    check_version(guide, form.version.data, url_for("education.view_guide", guide_id=guide.id))
    try:
        withdraw_guide(guide, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return guide_page(guide, 422)
    flash(_("The guide is withdrawn: only its writers see it now."), "success")
    return redirect(url_for("education.view_guide", guide_id=guide.id))


# --- files ---------------------------------------------------------------------------------

@bp.post("/guides/<int:guide_id>/files")
@login_required
def attach(guide_id: int):
    guide = get_guide(guide_id, "guide.attach")
    form = AttachForm()
    upload = request.files.get("file")
    if not form.validate_on_submit() or upload is None or not upload.filename:
        form.file.errors = [*form.file.errors, _("Choose a file to attach.")] if not form.file.errors else \
            form.file.errors
        return guide_page(guide, 422, attach_form=form)
    try:
        added = attach_file(guide, upload, current_user)
    except UploadRefused as refused:
        form.file.errors = [refused.message]
        return guide_page(guide, refused.status, attach_form=form)
    flash(_("%(name)s is attached to the guide.", name=added.original_name), "success")
    return redirect(url_for("education.view_guide", guide_id=guide.id, _anchor="files"))


def _attachment_of(guide: Guide, attachment_id: int) -> GuideAttachment:
    found = db.session.get(GuideAttachment, attachment_id)
    if found is None or found.guide_id != guide.id:
        abort(404)
    return found


@bp.post("/guides/<int:guide_id>/files/<int:attachment_id>/remove")
@login_required
def remove(guide_id: int, attachment_id: int):
    guide = get_guide(guide_id, "guide.attach")
    file = _attachment_of(guide, attachment_id)
    if not RemoveFileForm().validate_on_submit():
        return guide_page(guide, 422)
    remove_file(file, current_user)
    flash(_("%(name)s is removed from the guide.", name=file.original_name), "success")
    return redirect(url_for("education.view_guide", guide_id=guide.id, _anchor="files"))


@bp.get("/guides/<int:guide_id>/files/<int:attachment_id>")
@login_required
@reads_first
def download(guide_id: int, attachment_id: int):
    """The file, once its hash matches the one recorded when it was attached (checked with no transaction open)."""
    file = _attachment_of(get_guide(guide_id), attachment_id)
    return checked_file_response(
        file.storage_key, file.sha256, name=file.original_name, content_type=file.content_type, size=file.size,
        mismatch=_("The stored file %(name)s no longer matches the SHA-256 recorded at upload, or is missing. It is "
                   "not served.", name=file.original_name))


# --- the PDF -------------------------------------------------------------------------------

@bp.get("/guides/<int:guide_id>/guide-<lang>.pdf")
@login_required
def guide_pdf(guide_id: int, lang: str):
    """The guide as its reader sees it, printed in ``lang`` (the other language's text where it has none)."""
    if lang not in LANGUAGES:
        abort(404)
    guide = get_guide(guide_id)
    revision = _shown_revision(guide, can(current_user, "guide.edit", guide))
    with force_locale(lang):
        title = revision.title_in(lang)
        html = render_template("education/pdf/guide.html", guide=guide, revision=revision, title=title, lang=lang,
                               body=render(revision.body_in(lang)), now=utcnow(),
                               header=page_header(title[:80] + ("…" if len(title) > 80 else "")))
    with outside_transaction():
        pdf = render_pdf(html)
    log_event("guide.printed", actor=current_user, obj=guide, data={"revision": revision.number, "lang": lang})
    return pdf_response(pdf, f"ipdesk-guide-{guide.id}-{revision.number}-{lang}.pdf", attachment=False)
