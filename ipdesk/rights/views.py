"""A company's register of rights: the list, a right with the cases relying on it, the form, the mark's picture;
and the enforceability warning's dismissal on a case."""
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.cases.models import Case
from ipdesk.cases.views import case_page
from ipdesk.core.db import reads_first
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.i18n import local_today
from ipdesk.core.pagination import paginate
from ipdesk.core.views import form_error
from ipdesk.evidence.serving import checked_file_response
from ipdesk.evidence.uploads import UploadRefused
from ipdesk.extensions import db
from ipdesk.policy import can, get_case, get_company, get_right, visible_cases_clause
from ipdesk.rights import notifications as _notifications  # noqa: F401  (registers the renewal reminders)
from ipdesk.rights import search as _search  # noqa: F401  (registers rights with search)
from ipdesk.rights.forms import DismissForm, RemoveRightForm, RightForm
from ipdesk.rights.models import CaseRight, CompanyRight
from ipdesk.rights.services import (
    case_rights,
    case_warning,
    create_right,
    delete_right,
    dismiss_warning,
    update_right,
)

bp = Blueprint("rights", __name__)


@bp.get("/companies/<int:company_id>/rights")
@login_required
def list_rights(company_id: int):
    company = get_company(company_id, "right.view")
    page = paginate(sa.select(CompanyRight).where(CompanyRight.company_id == company.id)
                    .order_by(CompanyRight.office, CompanyRight.kind, CompanyRight.number, CompanyRight.id))
    return render_template("rights/list.html", company=company, page=page, today=local_today(),
                           can_manage=can(current_user, "right.manage", company))


def _form_page(form, company, right, status=200):
    return render_template("rights/form.html", form=form, company=company, right=right), status


@bp.route("/companies/<int:company_id>/rights/new", methods=["GET", "POST"])
@login_required
def new_right(company_id: int):
    company = get_company(company_id, "right.manage")
    form = RightForm()
    if form.validate_on_submit():
        try:
            right = create_right(company, form.data, current_user, image=form.image.data or None)
        except UploadRefused as refused:
            form.image.errors = [refused.message]
            return _form_page(form, company, None, refused.status)
        except ServiceError as error:
            return form_error(form, error, "rights/form.html", company=company, right=None)
        flash(_("%(number)s is in the register.", number=right.number), "success")
        return redirect(url_for("rights.view_right", right_id=right.id))
    return _form_page(form, company, None, 422 if form.errors else 200)


@bp.get("/rights/<int:right_id>")
@login_required
def view_right(right_id: int):
    right = get_right(right_id)
    cases = list(relying_cases(right))
    return render_template("rights/detail.html", right=right, cases=cases, today=local_today(),
                           can_manage=can(current_user, "right.manage", right))


def relying_cases(right: CompanyRight):
    """The cases relying on ``right`` that the viewer may see, newest first."""
    return db.session.scalars(sa.select(Case).join(CaseRight, CaseRight.case_id == Case.id)
                              .where(CaseRight.right_id == right.id, visible_cases_clause(current_user))
                              .order_by(Case.id.desc()))


@bp.route("/rights/<int:right_id>/edit", methods=["GET", "POST"])
@login_required
def edit_right(right_id: int):
    right = get_right(right_id, "right.manage")
    form = RightForm(obj=right if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = right.version
    if form.validate_on_submit():
        check_version(right, form.version.data, url_for("rights.edit_right", right_id=right.id))
        try:
            update_right(right, form.data, current_user, image=form.image.data or None)
        except UploadRefused as refused:
            form.image.errors = [refused.message]
            return _form_page(form, right.company, right, refused.status)
        except ServiceError as error:
            return form_error(form, error, "rights/form.html", company=right.company, right=right)
        flash(_("%(number)s is saved.", number=right.number), "success")
        return redirect(url_for("rights.view_right", right_id=right.id))
    return _form_page(form, right.company, right, 422 if form.errors else 200)


@bp.post("/rights/<int:right_id>/delete")
@login_required
def remove_right(right_id: int):
    right = get_right(right_id, "right.manage")
    form = RemoveRightForm()
    company_id = right.company_id
    if not form.validate_on_submit():
        flash(_("The form expired: remove the right again."), "danger")
        return redirect(url_for("rights.view_right", right_id=right.id))
    check_version(right, form.version.data, url_for("rights.view_right", right_id=right.id))
    try:
        delete_right(right, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return redirect(url_for("rights.view_right", right_id=right_id))
    flash(_("%(number)s is no longer in the register.", number=right.number), "success")
    return redirect(url_for("rights.list_rights", company_id=company_id))


@bp.get("/rights/<int:right_id>/image")
@login_required
@reads_first
def image(right_id: int):
    """The mark's picture, once its hash matches the one recorded at upload (checked with no transaction open)."""
    right = get_right(right_id)
    if right.image_key is None:
        return render_template("errors/error.html", code=404, title=_("Not found"),
                               message=_("This right has no picture of its mark.")), 404
    return checked_file_response(
        right.image_key, right.image_sha256, name=f"mark-{right.id}", content_type=right.image_type,
        size=right.image_size, mismatch=_("The stored picture of %(number)s no longer matches the SHA-256 recorded at "
                                          "upload, or is missing. It is not served.", number=right.number))


@bp.post("/cases/<int:case_id>/enforceability/dismiss")
@login_required
def dismiss(case_id: int):
    case = get_case(case_id, "enforceability.dismiss")
    form = DismissForm()
    if not form.validate_on_submit():
        flash(_("Say why enforcement is possible nonetheless."), "danger")
        return case_page(case, 422)
    try:
        dismiss_warning(case, case_warning(case, case_rights(case.id), local_today()), form.code.data,
                        form.reason.data, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return case_page(case, 409)
    flash(_("The warning is dismissed; your reason is kept with the case."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="rights"))
