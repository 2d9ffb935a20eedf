"""Squatting alerts: the list (a company's, or the centre's with its imports), the upload, the preview and its
confirmation, the exporter's one click that asks the centre to oppose, and the file format's page with samples."""
import io

import openpyxl
import sqlalchemy as sa
from flask import Blueprint, Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload, selectinload

from ipdesk.alerts import search as _search  # noqa: F401  (registers alerts with search)
from ipdesk.alerts.fileformat import COLUMNS, FormatError, read_alert_file, sample_rows
from ipdesk.alerts.forms import ConfirmForm, DiscardForm, RequestForm, UploadForm
from ipdesk.alerts.models import AlertImport, ImportStatus, SquattingAlert
from ipdesk.alerts.services import (
    alert_state,
    confirm_import,
    discard_import,
    preview,
    request_action,
    start_import,
)
from ipdesk.core.db import reads_first
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import local_today
from ipdesk.core.pagination import paginate, paginate_list
from ipdesk.core.spreadsheet import csv_chunks
from ipdesk.core.transaction import outside_transaction
from ipdesk.evidence.uploads import clean_name
from ipdesk.extensions import db
from ipdesk.policy import get_alert, get_alert_import, permits, requires, visible_alerts_clause

bp = Blueprint("alerts", __name__)
PREVIEW_ROWS = 50


@bp.get("/alerts")
@login_required
@requires("alert.list")
def list_alerts():
    page = paginate(sa.select(SquattingAlert).where(visible_alerts_clause(current_user))
                    .order_by(SquattingAlert.created_at.desc(), SquattingAlert.id.desc())
                    .options(joinedload(SquattingAlert.case), joinedload(SquattingAlert.company),
                             joinedload(SquattingAlert.right)))
    imports = []
    if permits(current_user, "alert.import"):
        imports = db.session.scalars(sa.select(AlertImport).options(selectinload(AlertImport.uploaded_by))
                                     .order_by(AlertImport.created_at.desc(), AlertImport.id.desc()).limit(10)).all()
    return render_template("alerts/list.html", page=page, imports=imports, today=local_today(),
                           state=alert_state, request_form=RequestForm())


@bp.route("/alerts/import", methods=["GET", "POST"])
@login_required
@requires("alert.import")
@reads_first
def upload():
    form = UploadForm()
    if not form.validate_on_submit():
        return render_template("alerts/upload.html", form=form, columns=COLUMNS), 422 if form.errors else 200
    upload_file = form.file.data
    data = upload_file.read()
    try:
        with outside_transaction():  # reading a large XLSX takes seconds: no write waits for it
            parsed = read_alert_file(io.BytesIO(data))
    except FormatError as error:
        form.file.errors = [error.message]
        return render_template("alerts/upload.html", form=form, columns=COLUMNS), 422
    alert_import = start_import(parsed, data, clean_name(upload_file.filename), current_user)
    if parsed.ignored:
        flash(_("These columns are not part of the format and were left out: %(columns)s.",
                columns=", ".join(parsed.ignored[:20])), "warning")
    return redirect(url_for("alerts.view_import", import_id=alert_import.id))


@bp.get("/alerts/imports/<int:import_id>")
@login_required
def view_import(import_id: int):
    return _import_page(get_alert_import(import_id))


def _import_page(alert_import: AlertImport, status: int = 200):
    """The preview of a file awaiting confirmation (its good rows or its problems, a page at a time), or what a
    confirmed file made."""
    shown = "problems" if request.args.get("show") == "problems" else "good"
    rows = preview(alert_import, local_today()) if alert_import.status is ImportStatus.previewed else None
    page = made = None
    if rows is not None:
        page = paginate_list(rows.good if shown == "good" else rows.problems, PREVIEW_ROWS)
    elif alert_import.status is ImportStatus.confirmed:
        made = paginate(sa.select(SquattingAlert).where(SquattingAlert.import_id == alert_import.id)
                        .order_by(SquattingAlert.id).options(joinedload(SquattingAlert.case),
                                                             joinedload(SquattingAlert.company)))
    return render_template("alerts/preview.html", alert_import=alert_import, preview=rows, page=page, shown=shown,
                           made=made, today=local_today(), confirm_form=ConfirmForm(),
                           discard_form=DiscardForm()), status


@bp.post("/alerts/imports/<int:import_id>/confirm")
@login_required
def confirm(import_id: int):
    alert_import = get_alert_import(import_id)
    if not ConfirmForm().validate_on_submit():
        flash(_("The form expired: confirm the import again."), "danger")
        return redirect(url_for("alerts.view_import", import_id=import_id))
    try:
        made = confirm_import(alert_import, current_user, local_today())
    except ServiceError as error:
        flash(error.message, "danger")
        return _import_page(alert_import, 409)
    flash(ngettext("%(num)d draft opposition case was created; the company is told.",
                   "%(num)d draft opposition cases were created; the companies are told.", made), "success")
    return redirect(url_for("alerts.view_import", import_id=import_id))


@bp.post("/alerts/imports/<int:import_id>/discard")
@login_required
def discard(import_id: int):
    alert_import = get_alert_import(import_id)
    if not DiscardForm().validate_on_submit():
        flash(_("The form expired: discard the file again."), "danger")
        return redirect(url_for("alerts.view_import", import_id=import_id))
    try:
        discard_import(alert_import, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return _import_page(alert_import, 409)
    flash(_("The file is discarded; nothing was imported."), "success")
    return redirect(url_for("alerts.list_alerts"))


@bp.post("/alerts/<int:alert_id>/request")
@login_required
def ask(alert_id: int):
    alert = get_alert(alert_id, "alert.request")
    if not RequestForm().validate_on_submit():
        flash(_("The form expired: ask again."), "danger")
        return redirect(url_for("alerts.list_alerts"))
    try:
        asked = request_action(alert, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return redirect(url_for("alerts.list_alerts"))
    if asked:
        flash(_("The centre is asked to oppose %(mark)s: case %(ref)s.", mark=alert.mark,
                ref=alert.case.display_reference), "success")
        return redirect(url_for("cases.view_case", case_id=alert.case_id))
    flash(_("The centre was asked already."), "info")
    return redirect(url_for("alerts.list_alerts"))


@bp.get("/alerts/format")
@login_required
@requires("alert.list")
def file_format():
    return render_template("alerts/format.html", columns=COLUMNS, sample=sample_rows())


@bp.get("/alerts/format/sample.<kind>")
@login_required
@requires("alert.list")
def sample(kind: str):
    if kind == "csv":
        return Response(b"".join(csv_chunks(sample_rows()[0], sample_rows()[1:])), mimetype="text/csv",
                        headers={"Content-Disposition": "attachment; filename=ipdesk-alerts-sample.csv"})
    if kind != "xlsx":
        return render_template("errors/error.html", code=404, title=_("Not found"),
                               message=_("The sample is a CSV or an XLSX file.")), 404
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in sample_rows():
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(buffer.getvalue(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": "attachment; filename=ipdesk-alerts-sample.xlsx"})
