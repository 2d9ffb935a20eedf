"""Enquiry pages: the list and its CSV, staff's record, an enquiry with its answer, the question asked online (signed
in, or without an account through a mailed link), and the step that turns an enquiry into a case."""
import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    stream_with_context,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.auth.models import Role
from ipdesk.companies.services import company_choices, registered_company
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.i18n import country_choices, local_today
from ipdesk.core.pagination import paginate
from ipdesk.core.views import form_error, mail_sent, no_store, signed_in
from ipdesk.enquiries import search as _search  # noqa: F401  (registers enquiries with search)
from ipdesk.enquiries.forms import (
    AnswerForm,
    AskForm,
    ConfirmPublicForm,
    ConvertForm,
    EnquiryFilterForm,
    EnquiryForm,
    FollowedUpForm,
    PublicAskForm,
)
from ipdesk.enquiries.listing import enquiry_count, enquiry_query, export_csv, with_list_columns
from ipdesk.enquiries.models import Enquiry
from ipdesk.enquiries.services import (
    answer_enquiry,
    ask_online,
    convert_to_case,
    file_public_enquiry,
    find_enquiry_request,
    mark_followed_up,
    record_enquiry,
    request_public_enquiry,
    update_enquiry,
)
from ipdesk.extensions import db, limiter
from ipdesk.network.models import Hub
from ipdesk.network.services import active_country_codes
from ipdesk.policy import can, get_enquiry, hub_ids, requires

bp = Blueprint("enquiries", __name__)


# --- the list ------------------------------------------------------------------------------

def _filter_form() -> EnquiryFilterForm:
    own = hub_ids(current_user)
    hubs = sorted(db.session.scalars(sa.select(Hub)), key=lambda hub: (hub.id not in own, hub.name))
    return EnquiryFilterForm(request.args, country_choices=country_choices(active_country_codes()),
                             hub_choices=[(hub.id, hub.name) for hub in hubs])


@bp.get("/enquiries")
@login_required
@requires("enquiry.list")
def list_enquiries():
    form = _filter_form()
    form.validate()
    stmt = enquiry_query(current_user, form)
    page = paginate(with_list_columns(stmt), counter=lambda: enquiry_count(stmt))
    return render_template("enquiries/list.html", page=page, form=form, today=local_today())


@bp.get("/enquiries/export.csv")
@login_required
@requires("enquiry.export")
def export_enquiries():
    form = _filter_form()
    form.validate()
    stmt = enquiry_query(current_user, form)
    filters = {name: request.args[name] for name, field in form._fields.items()
               if name in request.args and name != "q" and not field.errors}
    log_event("enquiry.exported", actor=current_user, data={"filters": filters},
              personal={"search": request.args.get("q", "")[:200] or None})
    return Response(stream_with_context(export_csv(stmt)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; filename=ipdesk-enquiries.csv"})


# --- recording and asking ------------------------------------------------------------------

def _enquiry_form(enquiry: Enquiry | None = None, **kwargs) -> EnquiryForm:
    return EnquiryForm(obj=enquiry if request.method == "GET" else None,
                       country_choices=country_choices(active_country_codes()), company_choices=company_choices(),
                       **kwargs)


@bp.route("/enquiries/new", methods=["GET", "POST"])
@login_required
@requires("enquiry.record")
def new_enquiry():
    form = _enquiry_form(language=str(get_locale()))
    if form.validate_on_submit():
        try:
            enquiry = record_enquiry(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "enquiries/form.html", enquiry=None)
        flash(_("Enquiry %(ref)s is recorded.", ref=enquiry.reference), "success")
        return redirect(url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))
    return render_template("enquiries/form.html", form=form, enquiry=None), 422 if form.errors else 200


@bp.route("/enquiries/<int:enquiry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_enquiry(enquiry_id: int):
    enquiry = get_enquiry(enquiry_id, "enquiry.edit")
    form = _enquiry_form(enquiry)
    matched = None
    if request.method == "GET":
        form.version.data = enquiry.version
        if enquiry.company_id is None and (matched := registered_company(enquiry.registration_number)):
            form.company_id.data = matched.id  # chosen for staff to confirm by saving
    if form.validate_on_submit():
        check_version(enquiry, form.version.data, url_for("enquiries.edit_enquiry", enquiry_id=enquiry.id))
        try:
            update_enquiry(enquiry, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "enquiries/form.html", enquiry=enquiry)
        flash(_("Enquiry %(ref)s is saved.", ref=enquiry.reference), "success")
        return redirect(url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))
    return (render_template("enquiries/form.html", form=form, enquiry=enquiry, matched=matched),
            422 if form.errors else 200)


@bp.route("/enquiries/ask", methods=["GET", "POST"])
@login_required
@requires("enquiry.ask")
def ask():
    form = AskForm(country_choices=country_choices(active_country_codes()))
    if form.validate_on_submit():
        try:
            enquiry = ask_online(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "enquiries/ask.html")
        flash(_("Your question %(ref)s is sent to %(hub)s. You will be told when it is answered.",
                ref=enquiry.reference, hub=enquiry.hub.name), "success")
        return redirect(url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))
    return render_template("enquiries/ask.html", form=form), 422 if form.errors else 200


# --- an enquiry ----------------------------------------------------------------------------

def enquiry_page(enquiry: Enquiry, status: int = 200, **forms):
    context = {"enquiry": enquiry, "today": local_today()}
    if can(current_user, "enquiry.answer", enquiry):
        context["answer_form"] = forms.get("answer_form") or AnswerForm(
            formdata=None, obj=enquiry if enquiry.answer else None, version=enquiry.version)
        context["answer_form"].version.data = enquiry.version
    if can(current_user, "enquiry.convert", enquiry) and enquiry.case_id is None:
        first_line = enquiry.question.strip().splitlines()[0][:200] if enquiry.question.strip() else ""
        context["convert_form"] = forms.get("convert_form") or ConvertForm(formdata=None, title=first_line,
                                                                           version=enquiry.version)
    if can(current_user, "enquiry.follow_up", enquiry) and enquiry.follow_up_on and not enquiry.followed_up_at:
        context["followed_up_form"] = FollowedUpForm(formdata=None, version=enquiry.version)
    return render_template("enquiries/enquiry.html", **context), status


@bp.get("/enquiries/<int:enquiry_id>")
@login_required
def view_enquiry(enquiry_id: int):
    return enquiry_page(get_enquiry(enquiry_id))


@bp.post("/enquiries/<int:enquiry_id>/answer")
@login_required
def answer(enquiry_id: int):
    enquiry = get_enquiry(enquiry_id, "enquiry.answer")
    form = AnswerForm()
    if not form.validate_on_submit():
        return enquiry_page(enquiry, 422, answer_form=form)
    check_version(enquiry, form.version.data, url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))
    try:
        answer_enquiry(enquiry, form.data, current_user)
    except ServiceError as error:
        form.answer.errors = [*form.answer.errors, error.message]
        return enquiry_page(enquiry, 422, answer_form=form)
    flash(_("The answer to %(ref)s is saved and sent.", ref=enquiry.reference), "success")
    return redirect(url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))


@bp.post("/enquiries/<int:enquiry_id>/followed-up")
@login_required
def followed_up(enquiry_id: int):
    enquiry = get_enquiry(enquiry_id, "enquiry.follow_up")
    form = FollowedUpForm()
    if not form.validate_on_submit():
        return enquiry_page(enquiry, 422)
    check_version(enquiry, form.version.data, url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))
    try:
        mark_followed_up(enquiry, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return enquiry_page(enquiry, 422)
    flash(_("The follow-up of %(ref)s is done.", ref=enquiry.reference), "success")
    return redirect(url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))


@bp.post("/enquiries/<int:enquiry_id>/convert")
@login_required
def convert(enquiry_id: int):
    enquiry = get_enquiry(enquiry_id, "enquiry.convert")
    form = ConvertForm()
    if not form.validate_on_submit():
        return enquiry_page(enquiry, 422, convert_form=form)
    check_version(enquiry, form.version.data, url_for("enquiries.view_enquiry", enquiry_id=enquiry.id))
    try:
        case = convert_to_case(enquiry, form.title.data, current_user)
    except ServiceError as error:
        form.title.errors = [*form.title.errors, error.message]
        return enquiry_page(enquiry, 422, convert_form=form)
    flash(_("A draft case is made from enquiry %(ref)s. Complete it and submit it for the company.",
            ref=enquiry.reference), "success")
    return redirect(url_for("cases.edit_case", case_id=case.id))


# --- asking without an account -------------------------------------------------------------

def _asker_address_key() -> str:
    return "enquiry-address:" + (request.form.get("contact_email") or "").strip().lower()[:254]


@bp.route("/ask", methods=["GET", "POST"])
# Each question mails its address: a few per client address and per e-mail address (forms sent back with errors
# mail nothing and do not count).
@limiter.limit(lambda: current_app.config["ENQUIRY_RATE_LIMIT"], methods=["POST"], deduct_when=mail_sent,
               exempt_when=signed_in)
@limiter.limit(lambda: current_app.config["ENQUIRY_ADDRESS_RATE_LIMIT"], methods=["POST"],
               key_func=_asker_address_key, deduct_when=mail_sent, exempt_when=signed_in)
def ask_public():
    if current_user.is_authenticated:  # a company's user asks in the app; others have no question to send here
        if current_user.role is Role.exporter:
            return redirect(url_for("enquiries.ask"))
        return redirect(url_for("main.index"))
    form = PublicAskForm(country_choices=country_choices(active_country_codes()))
    if form.validate_on_submit():
        try:
            request_public_enquiry(form.data, locale=str(get_locale()))
        except ServiceError as error:
            return form_error(form, error, "enquiries/ask_public.html")
        return redirect(url_for("enquiries.public_sent"))
    return render_template("enquiries/ask_public.html", form=form), 422 if form.errors else 200


@bp.get("/ask/sent")
def public_sent():
    return render_template("enquiries/public_sent.html", hours=current_app.config["ENQUIRY_CONFIRM_HOURS"])


@bp.route("/ask/confirm/<token>", methods=["GET", "POST"], endpoint="confirm_public")
@no_store
def confirm_public_link(token: str):
    """The link mailed to the asker: a button (mail scanners open links, they do not press buttons) that files the
    question in the hub of the country it is about."""
    waiting = find_enquiry_request(token)
    if waiting is None:
        return render_template("enquiries/public_invalid.html"), 404
    form = ConfirmPublicForm()
    if form.validate_on_submit():
        try:
            enquiry = file_public_enquiry(waiting)
        except ServiceError as error:  # the country asked about left the network meanwhile
            form.form_errors.append(error.message)
            return render_template("enquiries/confirm_public.html", form=form, waiting=waiting), 422
        if enquiry is None:
            return render_template("enquiries/public_invalid.html"), 404
        return render_template("enquiries/public_filed.html", enquiry=enquiry)
    return render_template("enquiries/confirm_public.html", form=form, waiting=waiting)
