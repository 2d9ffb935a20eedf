"""Every change to user accounts: sign-in records, passwords, profiles and administration."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_request_context, request
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ipdesk.audit.services import log_event
from ipdesk.auth.devices import remember_device
from ipdesk.auth.models import PasswordResetToken, Role, User
from ipdesk.auth.passwords import hash_password, needs_rehash, verify_password
from ipdesk.auth.sessions import revoke_all_sessions, start_session
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.transaction import record_despite_refusal
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.notify.services import password_reset_for_no_account, password_reset_requested


def authenticate(email: str, password: str) -> User | None:
    """The active user with these credentials, or None; every attempt is audited."""
    email = (email or "").strip().lower()
    user = db.session.scalar(sa.select(User).where(User.email == email))
    ok = verify_password(user.password_hash if user else None, password or "")
    if not ok or not user.is_active:
        data = {"user_id": user.id if user else None, "reason": "inactive" if ok else "credentials"}
        record_despite_refusal(lambda: log_event("auth.login_failed", data=data, personal={"email": email[:254]},
                                                 about=user))
        return None
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def sign_in(user: User, *, remember: bool = False) -> None:
    start_session(user, remember=remember)
    remember_device(user.email)  # failed attempts of others on this account no longer hold this browser
    # bookkeeping, not an edit: a plain UPDATE that leaves the row's version alone
    db.session.execute(sa.update(User).where(User.id == user.id).values(last_login_at=utcnow()))
    log_event("auth.login", actor=user, obj=user,
              data={"remember": remember, "two_factor": user.has_two_factor})


def change_password(user: User, current: str, new: str) -> None:
    """Change the password, end every session of the user, and start a fresh one here."""
    if not verify_password(user.password_hash, current):
        raise ServiceError(_("Your current password is not correct."), field="current_password")
    user.password_hash = hash_password(new)
    revoke_all_sessions(user)
    db.session.flush()
    start_session(user)
    log_event("auth.password_changed", actor=user, obj=user)


def _reset_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def request_password_reset(email: str, *, language: str | None = None) -> None:
    """Mail a single-use reset link to the active account with this address; to an address without one, a
    note that no account uses it.

    Both ways make and hash a token and put one e-mail in the outbox, so the caller's answer and its timing
    are the same whether or not there is an account: the page must not tell who has one.
    """
    email = (email or "").strip().lower()[:254]
    user = db.session.scalar(sa.select(User).where(User.email == email, User.is_active))
    log_event("auth.password_reset_requested", actor=user, obj=user, data={"user_id": user.id if user else None},
              personal={"email": email}, about=user)
    token = secrets.token_urlsafe(32)
    token_hash = _reset_hash(token)
    if user is None:
        if _mailable(email):
            password_reset_for_no_account(email, language=language)
        return
    now = utcnow()
    db.session.add(PasswordResetToken(
        user_id=user.id, token_hash=token_hash, created_at=now,
        expires_at=now + timedelta(minutes=current_app.config["PASSWORD_RESET_MINUTES"]),
        ip_address=request.remote_addr if has_request_context() else None))
    db.session.flush()
    password_reset_requested(user, token)


def _mailable(email: str) -> bool:
    try:
        validate_email(email, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


def find_password_reset(token: str) -> PasswordResetToken | None:
    """The open reset of this link (not used, not expired, its account active), or None."""
    reset = db.session.scalar(sa.select(PasswordResetToken).where(PasswordResetToken.token_hash == _reset_hash(token)))
    if reset is None or not reset.is_open(utcnow()) or not reset.user.is_active:
        return None
    return reset


def complete_password_reset(reset: PasswordResetToken, new_password: str) -> bool:
    """Set the new password and end every session of the account; False if the link was used meanwhile."""
    now = utcnow()
    # the link works once, even for two submissions at the same moment: only one UPDATE finds it unused
    unused = sa.update(PasswordResetToken).where(PasswordResetToken.used_at.is_(None)).values(used_at=now) \
        .execution_options(synchronize_session=False)
    if not db.session.execute(unused.where(PasswordResetToken.id == reset.id)).rowcount:
        return False
    db.session.execute(unused.where(PasswordResetToken.user_id == reset.user_id))  # older links die too
    user = reset.user
    user.password_hash = hash_password(new_password)
    revoke_all_sessions(user)
    db.session.flush()
    log_event("auth.password_reset", actor=user, obj=user,
              data={"reset_id": reset.id})
    return True


def update_profile(user: User, data: dict) -> None:
    user.name = data["name"].strip()
    user.locale = data["locale"] or None
    user.timezone = data["timezone"]
    bump_version(user)
    db.session.flush()
    log_event("user.profile_updated", actor=user, obj=user)


def _hubs(hub_ids) -> list[Hub]:
    if not hub_ids:
        return []
    return list(db.session.scalars(sa.select(Hub).where(Hub.id.in_(hub_ids)).order_by(Hub.code)))


def _check_staff_hubs(role: Role, hubs: list[Hub]) -> None:
    if role is Role.staff and not hubs:
        raise ServiceError(_("Staff must belong to at least one hub."), field="hub_ids")


def create_staff_user(data: dict, actor: User) -> User:
    """Create a staff member, manager or admin (exporters register themselves or are invited)."""
    role = data["role"]
    if role is Role.exporter:
        raise ServiceError(_("Exporters register themselves or are invited by their company."), field="role")
    hubs = _hubs(data.get("hub_ids")) if role is Role.staff else []
    _check_staff_hubs(role, hubs)
    user = User(
        email=data["email"].strip().lower(),
        name=data["name"].strip(),
        password_hash=hash_password(data["password"]),
        role=role,
        hubs=hubs,
        locale=data.get("locale") or None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(user)
    except IntegrityError:
        raise ServiceError(_("An account with this e-mail address already exists."), field="email") from None
    log_event("user.created", actor=actor, obj=user, data={"role": role.name, "hub_ids": [h.id for h in hubs]},
              personal={"email": user.email})
    return user


def update_user(user: User, data: dict, actor: User) -> None:
    """Change a user's name, role (staff side only) and hubs."""
    before = {"role": user.role.name, "hub_ids": [h.id for h in user.hubs]}
    name_before = user.name
    if user.role is Role.exporter:
        if data.get("role") not in (None, Role.exporter):
            raise ServiceError(_("An exporter's role cannot be changed."), field="role")
        role = Role.exporter
    else:
        role = data["role"]
        if role is Role.exporter:
            raise ServiceError(_("A staff account cannot become an exporter."), field="role")
    if user.id == actor.id and role is not user.role:
        raise ServiceError(_("You cannot change your own role."), field="role")
    hubs = _hubs(data.get("hub_ids")) if role is Role.staff else []
    _check_staff_hubs(role, hubs)
    user.name = data["name"].strip()
    user.role = role
    user.hubs = hubs
    bump_version(user)
    db.session.flush()
    after = {"role": user.role.name, "hub_ids": [h.id for h in hubs]}
    log_event("user.updated", actor=actor, obj=user, data={"before": before, "after": after},
              personal={"email": user.email, "name_before": name_before, "name_after": user.name})


def set_user_active(user: User, active: bool, actor: User) -> None:
    """Deactivate (ending every session) or reactivate an account."""
    if user.id == actor.id and not active:
        raise ServiceError(_("You cannot deactivate your own account."))
    if user.is_active == active:
        return
    user.is_active = active
    bump_version(user)
    if not active:
        revoke_all_sessions(user)
    db.session.flush()
    action = "user.activated" if active else "user.deactivated"
    log_event(action, actor=actor, obj=user, personal={"email": user.email})
