"""The exporter's own company and team; the company list and approval for staff."""
import sqlalchemy as sa
from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ipdesk.auth.models import User
from ipdesk.companies.forms import CompanyFilterForm, InvitationForm, RefuseForm, SuspendForm
from ipdesk.companies.models import Company, CompanyStatus, Invitation
from ipdesk.companies.registration_number import normalize_registration_number
from ipdesk.companies.services import (
    approve_company,
    invite_colleague,
    refuse_company,
    reinstate_company,
    revoke_invitation,
    suspend_company,
)
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.pagination import paginate
from ipdesk.core.views import attach_error
from ipdesk.extensions import db, limiter
from ipdesk.policy import can, get_company, get_invitation, requires
from ipdesk.refusals.models import RefusalScope
from ipdesk.refusals.services import active_reasons

bp = Blueprint("companies", __name__)


def _team_page(company: Company, invite_form: InvitationForm, status: int = 200):
    invitations = db.session.scalars(
        sa.select(Invitation).where(Invitation.company_id == company.id).order_by(Invitation.created_at.desc())
        .options(selectinload(Invitation.invited_by)).limit(50)
    ).all()
    return render_template("companies/mine.html", company=company, invite_form=invite_form,
                           invitations=invitations, now=utcnow()), status


@bp.get("/company")
@login_required
def my_company():
    if current_user.company_id is None:
        return redirect(url_for("companies.list_companies"))
    company = get_company(current_user.company_id)
    return _team_page(company, InvitationForm())


def _inviter_key() -> str:
    return f"invitation-sender:{current_user.get_id()}"


@bp.post("/company/invitations")
@limiter.limit(lambda: current_app.config["INVITATION_RATE_LIMIT"])
@limiter.limit(lambda: current_app.config["INVITATION_ACCOUNT_RATE_LIMIT"], key_func=_inviter_key,
               deduct_when=lambda response: response.status_code == 302)  # invitations sent
@login_required
def create_invitation():
    if current_user.company_id is None:
        return redirect(url_for("companies.list_companies"))
    company = get_company(current_user.company_id, "company.invite")
    form = InvitationForm()
    if not form.validate_on_submit():
        return _team_page(company, form, status=422)
    try:
        invite_colleague(company, form.email.data, current_user, language=str(get_locale()))
    except ServiceError as error:
        form.email.errors = [*form.email.errors, error.message]
        return _team_page(company, form, status=422)
    # the same answer whether or not the address has an account
    flash(_("Invitation sent to %(email)s. The link in it works once, for %(days)d days.",
            email=form.email.data.strip().lower(), days=current_app.config["INVITATION_DAYS"]), "success")
    return redirect(url_for("companies.my_company"))


@bp.post("/company/invitations/<int:invitation_id>/revoke")
@login_required
def revoke_invite(invitation_id: int):
    invitation = get_invitation(invitation_id, "invitation.revoke")
    try:
        revoke_invitation(invitation, current_user)
        flash(_("The invitation is revoked."), "success")
    except ServiceError as error:
        flash(error.message, "danger")
    return redirect(url_for("companies.my_company"))


@bp.get("/companies")
@login_required
@requires("company.list")
def list_companies():
    form = CompanyFilterForm(request.args)
    stmt = sa.select(Company).options(selectinload(Company.sector_rows)).order_by(Company.created_at.desc(),
                                                                                 Company.id.desc())
    if form.validate():
        if form.status.data:
            stmt = stmt.where(Company.status == CompanyStatus[form.status.data])
        if form.q.data:
            term = form.q.data.strip()
            number = normalize_registration_number(term)
            like = f"%{term.lower()}%"
            conditions = [sa.func.lower(Company.name_en).like(like), sa.func.lower(Company.name_ko).like(like)]
            if number.isdigit():
                conditions.append(Company.registration_number.like(f"%{number}%"))
            stmt = stmt.where(sa.or_(*conditions))
    page = paginate(stmt)
    return render_template("companies/list.html", page=page, form=form)


def _detail_page(company: Company, status: int = 200, *, suspend_form=None, refuse_form=None):
    """The company's page; a form that came back with errors keeps what was typed."""
    users = db.session.scalars(sa.select(User).where(User.company_id == company.id).order_by(User.name)).all()
    if refuse_form is None and can(current_user, "company.refuse", company):
        refuse_form = _refuse_form(formdata=None)
    return render_template("companies/detail.html", company=company, users=users,
                           suspend_form=suspend_form or SuspendForm(formdata=None), refuse_form=refuse_form), status


def _refuse_form(**kwargs) -> RefuseForm:
    return RefuseForm(reasons=[(r.id, r.label) for r in active_reasons(RefusalScope.company)], **kwargs)


@bp.get("/companies/<int:company_id>")
@login_required
def view_company(company_id: int):
    return _detail_page(get_company(company_id))


@bp.post("/companies/<int:company_id>/approve")
@login_required
def approve(company_id: int):
    company = get_company(company_id, "company.approve")
    try:
        approve_company(company, current_user)
    except ServiceError as error:
        return _refused(company, error)
    flash(_("%(company)s is approved. Its users can now sign in and file cases.", company=company.name), "success")
    return redirect(url_for("companies.view_company", company_id=company.id))


def _refused(company: Company, error: ServiceError):
    """The action does not fit the company's state (someone else may have acted first)."""
    flash(error.message, "warning")
    return redirect(url_for("companies.view_company", company_id=company.id))


@bp.post("/companies/<int:company_id>/suspend")
@login_required
def suspend(company_id: int):
    company = get_company(company_id, "company.suspend")
    form = SuspendForm()
    if not form.validate_on_submit():
        return _detail_page(company, 422, suspend_form=form)
    try:
        suspend_company(company, form.reason.data, current_user)
    except ServiceError as error:
        return _refused(company, error)
    flash(_("%(company)s is suspended and its users are signed out.", company=company.name), "success")
    return redirect(url_for("companies.view_company", company_id=company.id))


@bp.post("/companies/<int:company_id>/refuse")
@login_required
def refuse(company_id: int):
    company = get_company(company_id, "company.refuse")
    form = _refuse_form()
    if not form.validate_on_submit():
        return _detail_page(company, 422, refuse_form=form)
    try:
        refuse_company(company, form.reason_id.data, form.note.data, current_user)
    except ServiceError as error:
        if error.field is None:  # the company is no longer awaiting approval
            return _refused(company, error)
        attach_error(form, error.message, error.field)
        return _detail_page(company, 422, refuse_form=form)
    flash(_("The registration of %(company)s is refused; its users are told why and can no longer sign in.",
            company=company.name), "success")
    return redirect(url_for("companies.view_company", company_id=company.id))


@bp.post("/companies/<int:company_id>/reinstate")
@login_required
def reinstate(company_id: int):
    company = get_company(company_id, "company.reinstate")
    try:
        reinstate_company(company, current_user)
    except ServiceError as error:
        return _refused(company, error)
    flash(_("%(company)s is reinstated.", company=company.name), "success")
    return redirect(url_for("companies.view_company", company_id=company.id))
