"""Two-factor sign-in with TOTP (required for managers and admins, optional for others), recovery codes,
and a bounded "remember me"."""
import re
import time
from datetime import timedelta

import pyotp
import pytest
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.auth.models import RecoveryCode, User, UserSession
from ipdesk.auth.twofactor import decrypt_secret, encrypt_secret
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from tests.conftest import PASSWORD, running_app

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.fixture
def app(database_url):
    with running_app(database_url, TOTP_REQUIRED_ROLES="manager,admin", LOGIN_RATE_LIMIT="30 per minute",
                     LOGIN_ACCOUNT_RATE_LIMIT="5 per hour") as app:
        yield app


def _with_totp(user: User, secret: str = SECRET) -> User:
    user.totp_secret_encrypted, user.totp_enabled_at = encrypt_secret(secret), utcnow()
    db.session.commit()
    return user


def _code(secret: str = SECRET, offset: int = 0) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(time.time() + offset * 30)


def _password(client, user, remember=False):
    data = {"email": user.email, "password": PASSWORD}
    if remember:
        data["remember"] = "y"
    return client.post("/login", data=data)


def _signed_in(client) -> bool:
    return client.get("/account").status_code == 200


def test_a_manager_without_two_factor_must_set_it_up_first(client, factories):
    manager = factories.manager()
    assert _password(client, manager).status_code == 302
    for url in ("/", "/cases", "/dashboard", "/reports"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/account/two-factor")
    assert client.post("/reports/pack", data={}).status_code == 403
    page = client.get("/account/two-factor").get_data(as_text=True)
    assert "<svg" in page and "Your role needs two-factor sign-in" in page
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    wrong = client.post("/account/two-factor", data={"code": "000000"})
    assert wrong.status_code == 422 and "not the one your app shows" in wrong.get_data(as_text=True)
    done = client.post("/account/two-factor", data={"code": _code(secret)})
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", done.get_data(as_text=True))
    assert done.status_code == 200 and len(codes) == 10
    assert client.get("/cases").status_code == 200
    db.session.expire_all()
    stored = db.session.get(User, manager.id)
    assert decrypt_secret(stored.totp_secret_encrypted) == secret and stored.has_two_factor
    assert db.session.scalar(sa.select(sa.func.count()).select_from(RecoveryCode)) == 10
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "auth.2fa_enabled")) is not None


def test_sign_in_takes_a_fresh_code_after_the_password(client, make_client, factories):
    staff = _with_totp(factories.staff())
    response = _password(client, staff)
    assert response.headers["Location"].endswith("/login/code")
    assert not _signed_in(client)  # the password alone signs nobody in
    bad = client.post("/login/code", data={"code": "123456"})
    assert "That code is not correct" in bad.get_data(as_text=True) and not _signed_in(client)
    code = _code()
    assert client.post("/login/code", data={"code": code}).status_code == 302
    assert _signed_in(client)
    replay = make_client()  # the same code, seen over someone's shoulder, does not work again
    _password(replay, staff)
    replay.post("/login/code", data={"code": code})
    assert not _signed_in(replay)


def test_a_recovery_code_works_once(client, make_client, factories):
    exporter = factories.exporter()
    client.post("/login", data={"email": exporter.email, "password": PASSWORD})
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>",
                       client.post("/account/two-factor", data={"code": _code(secret)}).get_data(as_text=True))
    first = make_client()
    _password(first, exporter)
    assert first.post("/login/code", data={"code": codes[3].upper()}).status_code == 302 and _signed_in(first)
    second = make_client()
    _password(second, exporter)
    second.post("/login/code", data={"code": codes[3]})
    assert not _signed_in(second)
    assert db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "auth.2fa_recovery_used"))


def test_the_second_step_expires_and_is_rate_limited(app, client, factories, monkeypatch):
    staff = _with_totp(factories.staff())
    _password(client, staff)
    later = time.time() + 301
    monkeypatch.setattr("ipdesk.auth.views.time.time", lambda: later)
    response = client.post("/login/code", data={"code": _code()})
    assert response.headers["Location"].endswith("/login") and not _signed_in(client)
    monkeypatch.undo()
    _password(client, staff)
    statuses = [client.post("/login/code", data={"code": "000000"}).status_code for _ in range(6)]
    assert statuses[:5] == [200] * 5 and statuses[5] == 429


def test_others_may_turn_it_off_but_managers_may_not(client, make_client, factories):
    exporter = _with_totp(factories.exporter())
    _password(client, exporter)
    client.post("/login/code", data={"code": _code()})
    client.post("/account/two-factor/off", data={"code": "999999"})
    db.session.expire_all()
    assert db.session.get(User, exporter.id).has_two_factor
    client.post("/account/two-factor/off", data={"code": _code(offset=1)})
    db.session.expire_all()
    assert not db.session.get(User, exporter.id).has_two_factor

    manager = _with_totp(factories.manager())
    other = make_client()
    _password(other, manager)
    other.post("/login/code", data={"code": _code()})
    response = other.post("/account/two-factor/off", data={"code": _code(offset=1)}, follow_redirects=True)
    assert "required for your role and cannot be turned off" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(User, manager.id).has_two_factor


def _session_cookie(response) -> str:
    (cookie,) = [c for c in response.headers.getlist("Set-Cookie") if c.startswith("ipdesk_session=")]
    return cookie


def test_remember_me_outlives_idle_time_but_is_bounded(app, client, make_client, factories):
    staff = factories.staff()
    response = _password(client, staff, remember=True)
    cookie = _session_cookie(response)
    assert "Expires=" in cookie  # kept through a browser restart...
    row = db.session.scalar(sa.select(UserSession))
    assert timedelta(days=13) < row.remember_until - utcnow() <= timedelta(days=app.config["REMEMBER_DAYS"])
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(hours=5)))
    db.session.commit()
    assert _signed_in(client)  # ...and through idle time...
    db.session.execute(sa.update(UserSession).values(remember_until=utcnow() - timedelta(seconds=1)))
    db.session.commit()
    assert not _signed_in(client)  # ...but not past its end

    plain = make_client()
    assert "Expires=" not in _session_cookie(_password(plain, staff))  # a browser session only
    db.session.execute(sa.update(UserSession).where(UserSession.remember_until.is_(None))
                       .values(last_seen_at=utcnow() - timedelta(hours=1)))
    db.session.commit()
    assert not _signed_in(plain)
