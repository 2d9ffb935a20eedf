"""Documents: the case file PDF for anyone who may see the case; country summaries and the all-country
pack for managers."""
from typing import BinaryIO

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.core.db import reads_first
from ipdesk.core.i18n import country_choices, local_today
from ipdesk.core.pagination import paginate
from ipdesk.core.transaction import begin_writing, outside_transaction
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from ipdesk.network.models import Country
from ipdesk.policy import get_case, get_country, requires
from ipdesk.reports.context import case_file_context
from ipdesk.reports.forms import CountrySummaryForm, PackAgainForm, PackForm, year_to_date
from ipdesk.reports.jobs import fail_dead_job, is_dead, request_pack
from ipdesk.reports.models import JobStatus, ReportJob
from ipdesk.reports.pdf import render_pdf
from ipdesk.reports.summary import country_summary_html

bp = Blueprint("documents", __name__)


def pdf_response(pdf: bytes | BinaryIO, filename: str, *, attachment: bool = True, size: int | None = None) -> Response:
    """A PDF we made (or one stored, open for reading: streamed, and closed once sent, ``size`` bytes long); a case
    file opens in the browser to be read and printed, reports are saved."""
    if isinstance(pdf, bytes):
        response = Response(pdf, mimetype="application/pdf")
    else:
        response = send_file(pdf, mimetype="application/pdf", conditional=False, etag=False)
        response.content_length = size
    response.headers["Content-Disposition"] = f'{"attachment" if attachment else "inline"}; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/cases/<int:case_id>/case-file.pdf")
@login_required
def case_file(case_id: int):
    case = get_case(case_id, "case.view")
    context, images = case_file_context(case, current_user)
    html = render_template("reports/pdf/case_file.html", **context)
    with outside_transaction():  # the audit entry below is the request's one write, made after the render
        pdf = render_pdf(html, images=images)
    log_event("case.printed", actor=current_user, obj=case,
              data={"staff_side": context["staff_side"], "bytes": len(pdf)})
    name = case.reference or f"draft-{case.id}"
    return pdf_response(pdf, f"{name}.pdf", attachment=False)


# --- country summaries and the all-country pack (managers) ------------------------------------

def _summary_form(**kwargs) -> CountrySummaryForm:
    """The summary's choices from the query string; its language is the reader's unless the link names one."""
    codes = db.session.scalars(sa.select(Country.code).where(Country.is_active)).all()
    return CountrySummaryForm(request.args, country_choices=country_choices(codes), lang=str(get_locale()), **kwargs)


@bp.get("/reports")
@login_required
@requires("report.view")
def reports():
    today = local_today()
    summary_form = _summary_form(data=year_to_date(today))
    pack_form = PackForm(formdata=None, data={**year_to_date(today), "lang": str(get_locale())})
    return _reports_page(summary_form, pack_form)


def _reports_page(summary_form, pack_form, status: int = 200):
    jobs = paginate(sa.select(ReportJob).where(ReportJob.requested_by_id == current_user.id)
                    .order_by(ReportJob.created_at.desc()))
    return render_template("reports/index.html", summary_form=summary_form, pack_form=pack_form, jobs=jobs), status


@bp.get("/reports/country-summary.pdf")
@login_required
@requires("report.view")
def country_summary():
    form = _summary_form()
    if not form.validate():
        pack_form = PackForm(formdata=None, data={**year_to_date(local_today()), "lang": str(get_locale())})
        return _reports_page(form, pack_form, 422)
    code, lang = get_country(form.country.data, "report.view").code, form.lang.data
    with force_locale(lang):  # the document's language, whatever the pages around it are in
        html = country_summary_html(code, form.start.data, form.end.data)
    with outside_transaction():
        pdf = render_pdf(html)
    log_event("report.country_printed", actor=current_user, data={"country": code, "start": form.start.data.isoformat(),
                                        "end": form.end.data.isoformat(), "lang": lang})
    return pdf_response(pdf, f"ipdesk-{code}-{form.start.data.isoformat()}-{form.end.data.isoformat()}-{lang}.pdf")


@bp.post("/reports/pack")
@login_required
@requires("report.view")
def make_pack():
    form = PackForm()
    if not form.validate_on_submit():
        return _reports_page(_summary_form(data=year_to_date(local_today())), form, 422)
    job = request_pack(current_user, form.start.data, form.end.data, form.lang.data)
    flash(_("The all-country pack is being made. This page shows how far it got."), "info")
    return redirect(url_for("documents.pack_job", job_id=job.id))


def _own_job(job_id: str) -> ReportJob:
    job = db.session.get(ReportJob, job_id)
    if job is None or job.requested_by_id != current_user.id:
        abort(404)
    return job


@bp.get("/reports/jobs/<job_id>")
@login_required
@requires("report.view")
def pack_job(job_id: str):
    job = _own_job(job_id)
    if is_dead(job):  # its process died: say so, once, instead of "being made" for ever
        begin_writing()
        job = _own_job(job_id)
        if is_dead(job):
            fail_dead_job(job)
    return render_template("reports/job.html", job=job, again_form=PackAgainForm())


@bp.post("/reports/jobs/<job_id>/again")
@login_required
@requires("report.view")
def pack_again(job_id: str):
    """Make a failed pack, or one no longer kept, again, as a new job of the same period and language."""
    job = _own_job(job_id)
    if not PackAgainForm().validate_on_submit():
        abort(400)
    if job.status is not JobStatus.failed and not (job.status is JobStatus.done and not job.is_kept):
        flash(_("Only a pack that could not be made can be made again."), "warning")
        return redirect(url_for("documents.pack_job", job_id=job.id))
    again = request_pack(current_user, job.period_start, job.period_end, job.lang, again=job)
    flash(_("The all-country pack is being made. This page shows how far it got."), "info")
    return redirect(url_for("documents.pack_job", job_id=again.id))


@bp.get("/reports/jobs/<job_id>/pack.pdf")
@login_required
@requires("report.view")
@reads_first
def pack_download(job_id: str):
    """The finished pack, streamed from the storage the worker put it in (whichever node made it)."""
    job = _own_job(job_id)
    if not job.is_kept:
        abort(404)
    key = job.result_key
    with outside_transaction():  # the store is asked with no transaction open
        try:
            handle = get_storage().open(key)
        except FileNotFoundError:
            handle = None
    if handle is None:  # gone from the storage (a restore from a backup, which holds no packs): offer to make it again
        job = _own_job(job_id)
        if job.result_key == key:
            job.result_key = None
            log_event("report.pack_missing", actor=current_user, obj=job)
        return redirect(url_for("documents.pack_job", job_id=job.id))
    try:
        job = _own_job(job_id)  # read again: replaced meanwhile is not served
        if job.result_key != key:
            abort(404)
        log_event("report.pack_downloaded", actor=current_user, obj=job)
        return pdf_response(handle, f"ipdesk-all-countries-{job.period_start.isoformat()}-"
                                    f"{job.period_end.isoformat()}-{job.lang}.pdf", size=job.result_size)
    except BaseException:
        handle.close()
        raise
