"""Every change to companies and invitations: rules, state, audit; flushes, never commits."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ipdesk.audit.services import log_event
from ipdesk.auth.models import Role, User
from ipdesk.auth.passwords import hash_password
from ipdesk.auth.sessions import revoke_all_sessions
from ipdesk.companies.models import (
    Company,
    CompanyExportCountry,
    CompanyRefusal,
    CompanySector,
    CompanySize,
    CompanyStatus,
    Invitation,
    RegistrationRequest,
    Sector,
)
from ipdesk.companies.registration_number import normalize_registration_number
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.extensions import db
from ipdesk.network.services import active_country_codes
from ipdesk.notify import services as notifications
from ipdesk.refusals.models import RefusalScope
from ipdesk.refusals.services import chosen_reason


def company_choices(only: int | None = None, *, approved: bool = True) -> list[tuple[int, str]]:
    """Companies as (id, "한글 · English") for a menu (the intake's, an enquiry's); ``only`` narrows them to one id.

    Columns, not objects, and all of them only when the menu is shown: with thousands of companies,
    loading and checking the whole menu was most of an intake submission's time (make bench).
    """
    stmt = sa.select(Company.id, Company.name_ko, Company.name_en).order_by(Company.name_ko)
    if approved:
        stmt = stmt.where(Company.status == CompanyStatus.approved)
    if only is not None:
        stmt = stmt.where(Company.id == only)
    return [(company_id, f"{name_ko} · {name_en}") for company_id, name_ko, name_en in db.session.execute(stmt)]


def registered_company(registration_number: str | None) -> Company | None:
    """The approved company with this business registration number (however it was typed), if there is one."""
    number = normalize_registration_number(registration_number or "")
    if not number:
        return None
    return db.session.scalar(sa.select(Company).where(Company.registration_number == number,
                                                      Company.status == CompanyStatus.approved))


def email_taken(email: str) -> bool:
    return db.session.scalar(sa.select(sa.func.count()).where(User.email == email.lower())) > 0


def registration_number_taken(number: str) -> bool:
    number = normalize_registration_number(number)
    return db.session.scalar(sa.select(sa.func.count()).where(Company.registration_number == number)) > 0


def _check_registration(data: dict) -> tuple[list[str], str]:
    """The export countries and the normalised registration number of a registration, or a ServiceError."""
    if not data.get("privacy_consent"):
        raise ServiceError(_("You must agree to the privacy policy to register."), field="privacy_consent")
    export_countries = list(dict.fromkeys(data.get("export_countries") or ()))
    if not export_countries or not set(export_countries) <= set(active_country_codes()):
        raise ServiceError(_("Choose at least one country you export to."), field="export_countries")
    number = normalize_registration_number(data["registration_number"])
    if registration_number_taken(number):
        raise ServiceError(
            _("A company with this business registration number is already registered. "
              "Ask one of its users to invite you."),
            field="registration_number",
        )
    return export_countries, number


def request_registration(data: dict, *, locale: str | None) -> None:
    """Mail the address of a registration: a link that creates the company and its first user, or, when the
    address has an account, a note to its owner. The caller answers the same either way, and both ways do
    the same work (a password hash, one e-mail in the outbox), so neither the page nor its timing tells
    whether the address has an account.

    :param data: the registration form's data (see ``register_company``).
    """
    _check_registration(data)
    email = data["email"].strip().lower()
    password_hash = hash_password(data["password"])
    now = utcnow()
    # expired requests go, with the personal data they hold
    db.session.execute(sa.delete(RegistrationRequest).where(RegistrationRequest.expires_at <= now))
    account = db.session.scalar(sa.select(User).where(User.email == email))
    log_event("company.registration_requested", data={"existing_account": account is not None},
              personal={"email": email}, about=account)
    if account is not None:
        notifications.registration_with_existing_address(account)
        return
    token = secrets.token_urlsafe(32)
    answers = {key: data[key] for key in REGISTRATION_FIELDS}
    answers["size"] = data["size"].name
    answers["sectors"] = [sector.name for sector in data["sectors"]]
    db.session.add(RegistrationRequest(
        email=email, token_hash=_token_hash(token), data=answers, password_hash=password_hash, locale=locale,
        created_at=now, expires_at=now + timedelta(hours=current_app.config["REGISTRATION_CONFIRM_HOURS"])))
    db.session.flush()
    notifications.registration_to_confirm(email, token, name=data["user_name"].strip(), language=locale)


REGISTRATION_FIELDS = ("name_ko", "name_en", "registration_number", "export_countries", "user_name",
                       "privacy_consent")


def find_registration_request(token: str) -> RegistrationRequest | None:
    """The registration waiting for this link, unless it expired."""
    request = db.session.scalar(sa.select(RegistrationRequest)
                                .where(RegistrationRequest.token_hash == _token_hash(token)))
    if request is None or request.expires_at <= utcnow():
        return None
    return request


def confirm_registration(request: RegistrationRequest) -> User | None:
    """Create the company and its first user of a registration whose link was opened; None if it was used
    meanwhile (the link works once, even twice at the same instant: only one DELETE finds the row)."""
    taken = db.session.execute(sa.delete(RegistrationRequest).where(RegistrationRequest.id == request.id)
                               .execution_options(synchronize_session=False))
    if not taken.rowcount:
        return None
    data = {**request.data, "email": request.email, "size": CompanySize[request.data["size"]],
            "sectors": [Sector[name] for name in request.data["sectors"]]}
    return register_company(data, locale=request.locale, password_hash=request.password_hash)


def register_company(data: dict, *, locale: str | None, password_hash: str) -> User:
    """Create a company awaiting approval and its first user (an exporter who consented and proved the
    address is theirs).

    :param data: name_ko, name_en, registration_number, size, sectors, export_countries (codes of the
        network's active countries), user_name, email, privacy_consent (validated by the form).
    :param password_hash: of the password chosen at registration.
    """
    export_countries, number = _check_registration(data)
    if email_taken(data["email"]):
        raise ServiceError(_("An account with this e-mail address already exists."), field="email")
    now = utcnow()
    company = Company(
        name_ko=data["name_ko"].strip(),
        name_en=data["name_en"].strip(),
        registration_number=number,
        size=data["size"],
        status=CompanyStatus.pending,
        sector_rows=[CompanySector(sector=s) for s in dict.fromkeys(data["sectors"])],
        export_country_rows=[CompanyExportCountry(country_code=code) for code in export_countries],
    )
    user = User(
        email=data["email"].strip().lower(),
        name=data["user_name"].strip(),
        password_hash=password_hash,
        role=Role.exporter,
        company=company,
        locale=locale,
        privacy_consent_at=now,
        privacy_policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
    )
    try:
        with db.session.begin_nested():  # two people registering the same number at once
            db.session.add_all([company, user])
    except IntegrityError:
        raise ServiceError(
            _("A company with this business registration number or an account with this e-mail "
              "address already exists."),
        ) from None
    log_event(
        "company.registered",
        actor=user,
        obj=company,
        data={"user_id": user.id, "export_countries": sorted(export_countries)},
        # a sole trader's business registration number identifies a person
        personal={"company": company.name_en, "email": user.email, "registration_number": number},
    )
    notifications.company_awaiting_approval(company)
    return user


def approve_company(company: Company, actor: User) -> None:
    if company.status is not CompanyStatus.pending:
        raise ServiceError(_("Only a company awaiting approval can be approved."))
    company.status = CompanyStatus.approved
    company.approved_at = utcnow()
    bump_version(company)
    db.session.flush()
    log_event("company.approved", actor=actor, obj=company, personal={"company": company.name_en}, about=None)
    notifications.company_status_changed(company, "approved")


def refuse_company(company: Company, reason_id: int | None, note: str, actor: User) -> CompanyRefusal:
    """Refuse a company awaiting approval, for good: a reason of the list and a note, told to its users,
    whose sessions end; they can no longer sign in (unlike a suspension, nothing undoes it).

    :param reason_id: an active reason for companies; the database cannot tie the status to the refusal
        row (another table), so this function is where a refused company always gets one.
    """
    if company.status is not CompanyStatus.pending:
        raise ServiceError(_("Only a company awaiting approval can be refused."))
    reason = chosen_reason(reason_id, RefusalScope.company)
    note = (note or "").strip()
    if not note:
        raise ServiceError(_("Write a note for the company: it is sent with the reason."), field="note")
    refusal = CompanyRefusal(company_id=company.id, reason=reason, note=note, refused_by_id=actor.id)
    db.session.add(refusal)
    company.status = CompanyStatus.refused
    bump_version(company)
    for user in company.users:
        revoke_all_sessions(user)
    db.session.flush()
    log_event("company.refused", actor=actor, obj=company, data={"reason": reason.code},
              personal={"company": company.name_en, "note": note}, about=None)
    notifications.company_status_changed(company, "refused", refusal=refusal)
    return refusal


def suspend_company(company: Company, reason: str, actor: User) -> None:
    """Suspend an approved company: its users are signed out and see a suspension page."""
    if company.status is not CompanyStatus.approved:
        raise ServiceError(_("Only an approved company can be suspended."))
    if not reason.strip():
        raise ServiceError(_("Give a reason for the suspension."), field="reason")
    company.status = CompanyStatus.suspended
    bump_version(company)
    company.suspended_at = utcnow()
    company.suspension_reason = reason.strip()
    for user in company.users:
        revoke_all_sessions(user)
    db.session.flush()
    log_event("company.suspended", actor=actor, obj=company,
              personal={"company": company.name_en, "reason": reason.strip()}, about=None)
    notifications.company_status_changed(company, "suspended")


def reinstate_company(company: Company, actor: User) -> None:
    if company.status is not CompanyStatus.suspended:
        raise ServiceError(_("Only a suspended company can be reinstated."))
    company.status = CompanyStatus.approved
    company.suspended_at = None
    bump_version(company)
    company.suspension_reason = None
    if company.approved_at is None:
        company.approved_at = utcnow()
        db.session.flush()
    log_event("company.reinstated", actor=actor, obj=company, personal={"company": company.name_en}, about=None)
    notifications.company_status_changed(company, "reinstated")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_colleague(company: Company, email: str, actor: User, *, language: str | None) -> Invitation:
    """Invite ``email`` into ``company`` and mail the invitation (its one-time link goes to the mailbox only).

    Only a colleague already in this company is refused here: saying so for other addresses would tell any
    exporter which addresses have an account. An address with an account elsewhere is invited like any other;
    its owner is told by mail that the address has an account, and the invitation can never be accepted.
    """
    email = email.strip().lower()
    member = db.session.scalar(sa.select(User.id).where(User.email == email, User.company_id == company.id))
    if member is not None:
        raise ServiceError(_("This colleague is already a member of your company."), field="email")
    now = utcnow()
    open_invite = db.session.scalar(
        sa.select(Invitation).where(
            Invitation.company_id == company.id,
            Invitation.email == email,
            Invitation.accepted_at.is_(None),
            Invitation.revoked_at.is_(None),
            Invitation.expires_at > now,
        )
    )
    if open_invite is not None:
        open_invite.revoked_at = now  # a new link replaces the old one
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        company=company,
        email=email,
        token_hash=_token_hash(token),
        invited_by=actor,
        expires_at=now + timedelta(days=current_app.config["INVITATION_DAYS"]),
    )
    db.session.add(invitation)
    db.session.flush()
    log_event("invitation.created", actor=actor, obj=invitation, data={"company_id": company.id},
              personal={"email": email}, about=None)  # no account has this address yet
    account = db.session.scalar(sa.select(User).where(User.email == email))
    notifications.invitation_sent(invitation, token, account=account, language=language)
    return invitation


def find_open_invitation(token: str) -> Invitation | None:
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.token_hash == _token_hash(token)))
    if invitation is None or not invitation.is_open(utcnow()) or not invitation.company.is_approved:
        return None
    if email_taken(invitation.email):  # the address has an account already: nothing to accept
        return None
    return invitation


def revoke_invitation(invitation: Invitation, actor: User) -> None:
    if invitation.accepted_at is not None or invitation.revoked_at is not None:
        raise ServiceError(_("This invitation is no longer open."))
    invitation.revoked_at = utcnow()
    db.session.flush()
    log_event("invitation.revoked", actor=actor, obj=invitation, personal={"email": invitation.email}, about=None)


def accept_invitation(invitation: Invitation, data: dict, *, locale: str | None) -> User:
    """Create the invited colleague's account in the inviting company."""
    if not data.get("privacy_consent"):
        raise ServiceError(_("You must agree to the privacy policy to register."), field="privacy_consent")
    if email_taken(invitation.email):
        raise ServiceError(_("An account with this e-mail address already exists."))
    now = utcnow()
    user = User(
        email=invitation.email,
        name=data["user_name"].strip(),
        password_hash=hash_password(data["password"]),
        role=Role.exporter,
        company_id=invitation.company_id,
        locale=locale,
        privacy_consent_at=now,
        privacy_policy_version=current_app.config["PRIVACY_POLICY_VERSION"],
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise ServiceError(_("An account with this e-mail address already exists.")) from None
    invitation.accepted_at = now
    invitation.accepted_user_id = user.id
    log_event("invitation.accepted", actor=user, obj=invitation, data={"company_id": invitation.company_id},
              personal={"email": user.email})
    return user
