"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238) and one-time recovery codes.

Required for the roles in ``TOTP_REQUIRED_ROLES`` (managers and admins by default), optional for
everyone else. A code is accepted once: the time step it belongs to is recorded.
"""
import hashlib
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup

from ipdesk.audit.services import log_event
from ipdesk.auth.models import RecoveryCode, User
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.extensions import db

RECOVERY_CODES = 10
STEP = 30  # seconds per code
DRIFT = 1  # steps of clock drift accepted either way


def required_for(user: User) -> bool:
    roles = {r.strip() for r in current_app.config["TOTP_REQUIRED_ROLES"].split(",") if r.strip()}
    return user.role.name in roles


def needs_enrolment(user: User) -> bool:
    """Whether ``user`` must set up two-factor sign-in before doing anything else."""
    return required_for(user) and not user.has_two_factor


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_uri(user: User, secret: str) -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=user.email, issuer_name=current_app.config["TOTP_ISSUER"])


def qr_svg(uri: str) -> Markup:
    """The otpauth URI as an inline SVG QR code (no script, nothing fetched)."""
    return Markup(segno.make(uri, error="m").svg_inline(scale=4, dark="#000", light="#fff", omitsize=True))


def _matching_step(secret: str, code: str, *, at: float | None = None) -> int | None:
    code = "".join(ch for ch in code or "" if ch.isdigit())
    if len(code) != 6:
        return None
    now_step = int((at or time.time()) // STEP)
    totp = pyotp.TOTP(secret)
    for step in range(now_step - DRIFT, now_step + DRIFT + 1):
        if secrets.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _recovery_hash(code: str) -> str:
    return hashlib.sha256("".join(ch for ch in code.lower() if ch.isalnum()).encode()).hexdigest()


def _new_recovery_codes(user: User) -> list[str]:
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = []
    for _i in range(RECOVERY_CODES):
        raw = secrets.token_hex(5)  # 40 bits each, single use
        codes.append(f"{raw[:5]}-{raw[5:]}")
        db.session.add(RecoveryCode(user_id=user.id, code_hash=_recovery_hash(raw)))
    return codes


def enable(user: User, secret: str, code: str) -> list[str]:
    """Confirm the app shows the right code, switch two-factor sign-in on, and return new recovery codes."""
    step = _matching_step(secret, code)
    if step is None:
        raise ServiceError(_("That code is not the one your app shows now. Check the app and try again."),
                           field="code")
    user.totp_secret, user.totp_enabled_at, user.totp_last_step = secret, utcnow(), step
    codes = _new_recovery_codes(user)
    db.session.flush()
    log_event("auth.2fa_enabled", actor=user, obj=user)
    return codes


def disable(user: User, code: str) -> None:
    if required_for(user):
        raise ServiceError(_("Two-factor sign-in is required for your role and cannot be turned off."))
    if not check(user, code):
        raise ServiceError(_("That code is not correct."), field="code")
    user.totp_secret = user.totp_enabled_at = user.totp_last_step = None
    db.session.execute(sa.delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    db.session.flush()
    log_event("auth.2fa_disabled", actor=user, obj=user)


def regenerate_recovery_codes(user: User, code: str) -> list[str]:
    if not check(user, code):
        raise ServiceError(_("That code is not correct."), field="code")
    codes = _new_recovery_codes(user)
    db.session.flush()
    log_event("auth.2fa_recovery_codes", actor=user, obj=user)
    return codes


def check(user: User, code: str) -> bool:
    """Whether ``code`` is a fresh app code or an unused recovery code of ``user`` (which is then used up)."""
    if not user.has_two_factor:
        return False
    step = _matching_step(user.totp_secret, code)
    if step is not None:
        if user.totp_last_step is not None and step <= user.totp_last_step:
            return False  # replayed, or older than one already used
        user.totp_last_step = step
        return True
    if len("".join(ch for ch in code or "" if ch.isalnum())) == 10:  # the shape of a recovery code
        row = db.session.scalar(sa.select(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                                              RecoveryCode.code_hash == _recovery_hash(code),
                                                              RecoveryCode.used_at.is_(None)))
        if row is not None:
            row.used_at = utcnow()
            log_event("auth.2fa_recovery_used", actor=user, obj=user)
            return True
    return False


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
