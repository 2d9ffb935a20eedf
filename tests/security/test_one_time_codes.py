"""A one-time code signs in once, even when many browsers send it at the same instant; the two-factor secret
never travels in the session cookie, is encrypted in the database, and its key can be rotated."""
import json
import re
import threading
import time

import pyotp
import pytest
import sqlalchemy as sa
from alembic.script import ScriptDirectory
from flask_migrate import upgrade

from ipdesk.auth import twofactor
from ipdesk.auth.models import User
from ipdesk.config import Config
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from tests.conftest import IS_POSTGRES, PASSWORD, create_database, make_app, running_app
from tests.reliability.server import Browser, csrf_token, gunicorn

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
BROWSERS = 12


@pytest.fixture
def app(database_url):
    with running_app(database_url, TOTP_REQUIRED_ROLES="manager,admin") as app:
        yield app


def _at_the_code_step(browsers: list[Browser], code: str) -> list[int]:
    """Every browser posts ``code`` to the second step of sign-in at the same instant; their statuses."""
    tokens = [csrf_token(browser.request("GET", "/login/code")[1]) for browser in browsers]
    barrier = threading.Barrier(len(browsers))
    statuses: list[int] = [0] * len(browsers)

    def send(i: int) -> None:
        barrier.wait()
        statuses[i] = browsers[i].request("POST", "/login/code", {"code": code, "csrf_token": tokens[i]})[0]

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(browsers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statuses


def _after_password(base: str, email: str) -> list[Browser]:
    browsers = []
    for _ in range(BROWSERS):
        browser = Browser(base)
        browser.sign_in(email, PASSWORD)  # the password is right: each now waits at the second step
        browsers.append(browser)
    return browsers


@pytest.mark.pg_once
def test_a_code_sent_by_many_browsers_at_once_signs_in_only_one(app, factories, tmp_path):
    """Twelve browsers that passed the password step send the same app code, then the same recovery code, at
    the same instant to a server of four processes: exactly one of each signs in."""
    with_app_code = factories.staff()
    with_app_code.totp_secret_encrypted, with_app_code.totp_enabled_at = twofactor.encrypt_secret(SECRET), utcnow()
    with_recovery = factories.staff()
    with_recovery.totp_pending_secret_encrypted = twofactor.encrypt_secret(SECRET)
    recovery_code = twofactor.enable(with_recovery, pyotp.TOTP(SECRET).now())[0]
    db.session.commit()
    emails, recovery_user_id = (with_app_code.email, with_recovery.email), with_recovery.id
    db.session.close()  # outside a request the test's session would hold SQLite's write lock
    with gunicorn(app.config["SQLALCHEMY_DATABASE_URI"], tmp_path,
                  TOTP_KEYS=",".join(app.config["TOTP_KEYS"]), NOTIFY_SENDER="cron") as (base, _log):
        for email, code in zip(emails, (pyotp.TOTP(SECRET).now(), recovery_code), strict=True):
            browsers = _after_password(base, email)
            statuses = _at_the_code_step(browsers, code)
            assert sorted(statuses) == [200] * (BROWSERS - 1) + [302], (email, statuses)
            signed_in = [browser.request("GET", "/account")[0] == 200 for browser in browsers]
            assert signed_in.count(True) == 1, (email, signed_in)
    assert twofactor.recovery_codes_left(db.session.get(User, recovery_user_id)) == 9


def test_two_transactions_using_one_code_cannot_both_succeed(app, factories):
    """The database decides: while one transaction has used a code and not yet committed, another one using it
    waits, and then finds it used (PostgreSQL re-checks the row; SQLite admits one writer at a time)."""
    user = factories.staff()
    user.totp_secret_encrypted, user.totp_enabled_at = twofactor.encrypt_secret(SECRET), utcnow()
    user_id = user.id
    db.session.commit()
    db.session.close()
    code = pyotp.TOTP(SECRET).now()
    first_used, results = threading.Event(), {}

    def use(name: str, before_commit) -> None:
        with app.app_context():
            results[name] = twofactor.check(db.session.get(User, user_id), code)
            before_commit()
            db.session.commit()

    first = threading.Thread(target=use, args=("first", lambda: (first_used.set(), time.sleep(1.0))))
    first.start()
    assert first_used.wait(10)
    second = threading.Thread(target=use, args=("second", lambda: None))
    second.start()
    first.join()
    second.join()
    assert results == {"first": True, "second": False}


def _session_of(app, client) -> dict:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"], domain="ipdesk.test")
    return app.session_interface.get_signing_serializer(app).loads(cookie.value)


def test_the_secret_being_set_up_is_kept_on_the_server_and_encrypted(app, client, factories):
    manager = factories.manager()
    client.post("/login", data={"email": manager.email, "password": PASSWORD})
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    assert secret not in json.dumps(_session_of(app, client))  # the browser can read its cookie
    again = client.get("/account/two-factor").get_data(as_text=True)
    assert f'<code class="user-select-all">{secret}</code>' in again  # the same set-up after a reload

    def stored() -> tuple:
        return db.session.execute(sa.text("SELECT totp_secret_encrypted, totp_pending_secret_encrypted FROM users "
                                          "WHERE id = :id"), {"id": manager.id}).one()

    assert stored()[0] is None and secret not in stored()[1]
    assert twofactor.decrypt_secret(stored()[1]) == secret
    done = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert done.status_code == 200 and len(re.findall(r"<li>[0-9a-f]{5}-[0-9a-f]{5}</li>", done.get_data(True))) == 10
    assert secret not in json.dumps(_session_of(app, client))
    sealed, pending = stored()
    assert pending is None and secret not in sealed and twofactor.decrypt_secret(sealed) == secret


def test_a_second_confirmation_sent_meanwhile_keeps_the_first_ones_recovery_codes(app, client, factories):
    manager = factories.manager()
    client.post("/login", data={"email": manager.email, "password": PASSWORD})
    page = client.get("/account/two-factor").get_data(as_text=True)
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', page).group(1)
    stale = db.session.get(User, manager.id)  # what a second window's request loaded before the first committed
    stale_pending = stale.totp_pending_secret_encrypted
    first = client.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    codes = re.findall(r"<li>([0-9a-f]{5}-[0-9a-f]{5})</li>", first.get_data(as_text=True))
    with app.test_request_context(headers={"Accept-Language": "en"}):
        stale = db.session.get(User, manager.id)
        for name, value in (("totp_enabled_at", None), ("totp_pending_secret_encrypted", stale_pending)):
            sa.orm.attributes.set_committed_value(stale, name, value)
        with pytest.raises(twofactor.ServiceError, match="switched on meanwhile"):
            twofactor.enable(stale, pyotp.TOTP(secret).now())
        db.session.rollback()
    assert twofactor.recovery_codes_left(db.session.get(User, manager.id)) == 10
    other = app.test_client()
    other.post("/login", data={"email": manager.email, "password": PASSWORD})
    assert other.post("/login/code", data={"code": codes[0]}).status_code == 302  # the codes shown still work


def test_the_key_of_stored_secrets_can_be_rotated(app, client, factories):
    old_key, new_key = app.config["TOTP_KEYS"][0], "rW0nRjbkBj8Cz6Q3Qx7Z6n8n1rjJwq5fGxV2Zq9lYUY="
    staff = factories.staff()
    staff.totp_secret_encrypted, staff.totp_enabled_at = twofactor.encrypt_secret(SECRET), utcnow()
    manager = factories.manager()
    manager.totp_pending_secret_encrypted = twofactor.encrypt_secret("KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF")
    db.session.commit()
    before = db.session.get(User, staff.id).totp_secret_encrypted

    app.config["TOTP_KEYS"] = (new_key, old_key)  # the new key first; the old one still decrypts
    result = app.test_cli_runner().invoke(args=["two-factor", "rotate-keys"])
    assert result.exit_code == 0 and "of 2 accounts re-encrypted" in result.output, result.output
    app.config["TOTP_KEYS"] = (new_key,)  # the old key retired
    db.session.expire_all()
    staff, manager = db.session.get(User, staff.id), db.session.get(User, manager.id)
    assert staff.totp_secret_encrypted != before and twofactor.decrypt_secret(staff.totp_secret_encrypted) == SECRET
    assert twofactor.decrypt_secret(manager.totp_pending_secret_encrypted) == "KRSXG5CTMVRXEZLUKN2XAZLSONSWG4TF"
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert client.post("/login/code", data={"code": pyotp.TOTP(SECRET).now()}).status_code == 302
    app.config["TOTP_KEYS"] = (old_key,)  # what the rotation made, the old key alone cannot open
    with pytest.raises(RuntimeError, match="cannot be decrypted"):
        twofactor.decrypt_secret(staff.totp_secret_encrypted)


@pytest.mark.db_independent
def test_production_refuses_to_start_without_a_valid_key(monkeypatch):
    monkeypatch.setenv("IPDESK_ENV", "production")
    monkeypatch.delenv("TOTP_KEYS", raising=False)
    with pytest.raises(RuntimeError, match="TOTP_KEYS is not set"):
        Config()
    monkeypatch.setenv("TOTP_KEYS", "not-a-key")
    with pytest.raises(RuntimeError, match="Key 1 of TOTP_KEYS is not a Fernet key"):
        Config()
    monkeypatch.setenv("TOTP_KEYS", "rW0nRjbkBj8Cz6Q3Qx7Z6n8n1rjJwq5fGxV2Zq9lYUY=, ")
    assert Config().TOTP_KEYS == ("rW0nRjbkBj8Cz6Q3Qx7Z6n8n1rjJwq5fGxV2Zq9lYUY=",)


def test_the_migration_encrypts_the_secrets_stored_before_it(tmp_path, worker):
    url = create_database(worker, "totp") if IS_POSTGRES else f"sqlite:///{tmp_path / 'totp.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        upgrade(revision=script.get_revision("0030").down_revision)  # the schema just before secrets were encrypted
        db.session.execute(sa.text(
            "INSERT INTO users (email, name, password_hash, role, is_active, timezone, created_at, version, "
            "totp_secret, totp_enabled_at) VALUES ('m@example.com', 'M', 'x', 'manager', true, 'Asia/Seoul', "
            ":now, 1, :secret, :now)"), {"now": utcnow(), "secret": SECRET})
        db.session.commit()
        upgrade()
        sealed = db.session.execute(sa.text("SELECT totp_secret_encrypted FROM users")).scalar_one()
        assert SECRET not in sealed and twofactor.decrypt_secret(sealed) == SECRET
        db.session.remove()
        db.engine.dispose()
