"""Two-factor sign-in with an authenticator app (TOTP, RFC 6238) and one-time recovery codes.

Required for the roles in ``TOTP_REQUIRED_ROLES`` (managers and admins by default), optional for
everyone else. A code is accepted once, however many requests bring it at the same instant: the time step
it belongs to, and a recovery code's use, are recorded by a conditional UPDATE that only one transaction
can make. Secrets are stored encrypted under ``TOTP_KEYS`` (the newest key encrypts, every key decrypts),
and the secret of a set-up in progress is kept on the server, never in the session cookie.
"""
import hashlib
import secrets
import time

import pyotp
import segno
import sqlalchemy as sa
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import current_app
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm.attributes import set_committed_value

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


def _box() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in current_app.config["TOTP_KEYS"]])


def encrypt_secret(secret: str) -> str:
    """``secret`` as stored: a Fernet token under the newest of ``TOTP_KEYS``."""
    return _box().encrypt(secret.encode()).decode()


def decrypt_secret(token: str) -> str:
    try:
        return _box().decrypt(token.encode()).decode()
    except InvalidToken:
        raise RuntimeError("A two-factor secret cannot be decrypted with any key of TOTP_KEYS: a key still in "
                           "use was removed. Put it back (after the new one) and run `flask two-factor "
                           "rotate-keys`.") from None


def rotate_keys() -> int:
    """Re-encrypt every stored secret under the newest key, so older keys can be retired; returns how many
    users' secrets were re-encrypted."""
    box, count = _box(), 0
    for user in db.session.scalars(sa.select(User).where(sa.or_(User.totp_secret_encrypted.is_not(None),
                                                                User.totp_pending_secret_encrypted.is_not(None)))):
        for column in ("totp_secret_encrypted", "totp_pending_secret_encrypted"):
            token = getattr(user, column)
            if token is not None:
                setattr(user, column, box.rotate(token.encode()).decode())
        count += 1
    db.session.flush()
    return count


def pending_secret(user: User) -> str:
    """The secret ``user`` is setting up: kept on the server until confirmed, so reloading the set-up page
    shows the same QR code, and never sent to the browser but in that page."""
    if user.totp_pending_secret_encrypted is None:
        user.totp_pending_secret_encrypted = encrypt_secret(pyotp.random_base32())
        db.session.flush()
    return decrypt_secret(user.totp_pending_secret_encrypted)


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


def enable(user: User, code: str) -> list[str]:
    """Confirm the app shows the right code for the pending secret, switch two-factor sign-in on, and return
    new recovery codes."""
    sealed = user.totp_pending_secret_encrypted
    step = _matching_step(decrypt_secret(sealed), code) if sealed is not None else None
    if step is None:
        raise ServiceError(_("That code is not the one your app shows now. Check the app and try again."),
                           field="code")
    now = utcnow()
    # Only one of several confirmations sent at once switches it on; the others would otherwise replace the
    # recovery codes the first one showed.
    switched = db.session.execute(
        sa.update(User).where(User.id == user.id, User.totp_enabled_at.is_(None),
                              User.totp_pending_secret_encrypted == sealed)
        .values(totp_secret_encrypted=sealed, totp_pending_secret_encrypted=None, totp_enabled_at=now,
                totp_last_step=step)
        .execution_options(synchronize_session=False)).rowcount
    if switched != 1:
        raise ServiceError(_("Two-factor sign-in was switched on meanwhile, in another window. "
                             "Use the recovery codes shown there."), field="code")
    for name, value in (("totp_secret_encrypted", sealed), ("totp_pending_secret_encrypted", None),
                        ("totp_enabled_at", now), ("totp_last_step", step)):
        set_committed_value(user, name, value)
    codes = _new_recovery_codes(user)
    db.session.flush()
    log_event("auth.2fa_enabled", actor=user, obj=user)
    return codes


def disable(user: User, code: str) -> None:
    if required_for(user):
        raise ServiceError(_("Two-factor sign-in is required for your role and cannot be turned off."))
    if not check(user, code):
        raise ServiceError(_("That code is not correct."), field="code")
    user.totp_secret_encrypted = user.totp_pending_secret_encrypted = None
    user.totp_enabled_at = user.totp_last_step = None
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
    """Whether ``code`` is a fresh app code or an unused recovery code of ``user`` (which is then used up).

    Each use is one conditional UPDATE: of requests that bring the same code at once, the database lets
    exactly one change the row (PostgreSQL makes the others wait for it and re-check the condition; SQLite
    lets one writer in at a time), so only that one is answered "yes".
    """
    if not user.has_two_factor:
        return False
    step = _matching_step(decrypt_secret(user.totp_secret_encrypted), code)
    if step is not None:
        return _use_step(user, step)
    if len("".join(ch for ch in code or "" if ch.isalnum())) == 10:  # the shape of a recovery code
        used = db.session.execute(
            sa.update(RecoveryCode).where(RecoveryCode.user_id == user.id,
                                          RecoveryCode.code_hash == _recovery_hash(code),
                                          RecoveryCode.used_at.is_(None))
            .values(used_at=utcnow()).execution_options(synchronize_session=False)).rowcount
        if used == 1:
            log_event("auth.2fa_recovery_used", actor=user, obj=user)
            return True
    return False


def _use_step(user: User, step: int) -> bool:
    """Record ``step`` as the last one used, unless it (or a later one) already was."""
    claimed = db.session.execute(
        sa.update(User).where(User.id == user.id,
                              sa.or_(User.totp_last_step.is_(None), User.totp_last_step < step))
        .values(totp_last_step=step).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        return False  # replayed, or older than one already used
    set_committed_value(user, "totp_last_step", step)
    return True


def recovery_codes_left(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)
                             .where(RecoveryCode.user_id == user.id, RecoveryCode.used_at.is_(None)))
