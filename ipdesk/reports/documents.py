"""Downloading documents: the case file PDF of a case, for anyone who may see the case."""
from flask import Blueprint, Response, render_template
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.core.db import writes_on_get
from ipdesk.policy import get_case
from ipdesk.reports.context import case_file_context
from ipdesk.reports.pdf import render_pdf

bp = Blueprint("documents", __name__)


def pdf_response(pdf: bytes, filename: str) -> Response:
    response = Response(pdf, mimetype="application/pdf")
    response.headers["Content-Disposition"] = f'inline; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


@bp.get("/cases/<int:case_id>/case-file.pdf")
@login_required
@writes_on_get
def case_file(case_id: int):
    case = get_case(case_id, "case.view")
    context, images = case_file_context(case, current_user)
    pdf = render_pdf(render_template("reports/pdf/case_file.html", **context), images=images)
    log_event("case.printed", f"Case file PDF of {case.display_reference}", actor=current_user, obj=case,
              data={"staff_side": context["staff_side"], "bytes": len(pdf)})
    name = case.reference or f"draft-{case.id}"
    return pdf_response(pdf, f"{name}.pdf")
