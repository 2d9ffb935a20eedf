"""Browsers an account signed in on before: a signed cookie that lets their owner past the limits on failed
sign-ins, so someone guessing a password from elsewhere cannot keep the owner out."""
import hashlib
import hmac

from flask import after_this_request, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

COOKIE = "ipdesk_device"
KEPT = 5  # accounts remembered by one browser (an office's shared computer)


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="ipdesk.known-device")


def _tag(email: str) -> str:
    """A keyed hash of the address: the cookie says which accounts signed in here to this server only."""
    key = current_app.secret_key.encode()
    return hmac.new(key, email.strip().lower().encode(), hashlib.sha256).hexdigest()[:32]


def _known_tags() -> list[str]:
    try:
        tags = _serializer().loads(request.cookies.get(COOKIE) or "")
    except BadSignature:
        return []
    return [tag for tag in tags if isinstance(tag, str)][:KEPT] if isinstance(tags, list) else []


def known_device_tag(email: str) -> str | None:
    """The tag of ``email`` when this browser signed in to its account before, else None."""
    if not email:
        return None
    tag = _tag(email)
    return tag if tag in _known_tags() else None


def remember_device(email: str) -> None:
    """After a successful sign-in: this browser is known to the account from now on (most recent first)."""
    tag = _tag(email)
    value = _serializer().dumps([tag, *(known for known in _known_tags() if known != tag)][:KEPT])
    config = current_app.config
    secure = config["SESSION_COOKIE_SECURE"] if config["SESSION_COOKIE_SECURE"] is not None else request.is_secure

    @after_this_request
    def set_cookie(response):
        response.set_cookie(COOKIE, value, max_age=config["KNOWN_DEVICE_DAYS"] * 86400, secure=secure,
                            httponly=True, samesite="Lax")
        return response
