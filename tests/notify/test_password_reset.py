"""Password reset by e-mail: no account enumeration, a single-use link that expires, every session ended."""
import re
from datetime import timedelta

import sqlalchemy as sa

from ipdesk.auth.models import PasswordResetToken
from ipdesk.auth.passwords import verify_password
from ipdesk.extensions import db
from ipdesk.notify.sender import send_pending
from tests.conftest import PASSWORD, running_app
from tests.notify.conftest import mail_settings

NEW_PASSWORD = "a brand new passphrase 2026"


def _link(smtp_server, address: str) -> str:
    (mail,) = smtp_server.to(address)
    return re.search(r"http://ipdesk\.test(/password/reset/\S+)", mail.get_content()).group(1)


def _without_tokens(page: str) -> str:
    return re.sub(r'(name="csrf_token"[^>]*value=")[^"]*', r"\1", page)


def test_the_answer_is_the_same_whether_or_not_the_address_has_an_account(client, factories, smtp_server):
    user = factories.exporter(locale="en", email="alice@areum.example")
    known = client.post("/password/forgot", data={"email": user.email}, follow_redirects=True)
    unknown = client.post("/password/forgot", data={"email": "nobody@areum.example"}, follow_redirects=True)
    assert known.status_code == unknown.status_code == 200
    # the same page but for the form's CSRF token, which is signed with the second it is made in
    assert _without_tokens(known.get_data(as_text=True)) == _without_tokens(unknown.get_data(as_text=True))
    assert "If an account uses this address" in known.get_data(as_text=True)
    send_pending()
    assert sorted(m["To"] for m in smtp_server.messages()) == [user.email, "nobody@areum.example"]
    (mail,) = smtp_server.to(user.email)
    assert mail["Subject"] == "Reset your ipdesk password" and mail["Content-Language"] == "en"
    assert "within 60 minutes" in mail.get_content()
    (other,) = smtp_server.to("nobody@areum.example")  # its owner hears that no account uses it
    assert other["Subject"] == mail["Subject"]
    assert "no active account uses it" in other.get_content() and "/password/reset/" not in other.get_content()


def test_a_deactivated_account_gets_no_link(client, factories, smtp_server):
    user = factories.exporter(is_active=False)
    assert client.post("/password/forgot", data={"email": user.email}).status_code == 302
    send_pending()
    (mail,) = smtp_server.to(user.email)
    assert "/password/reset/" not in mail.get_content()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken)) == 0


def test_the_link_sets_a_new_password_once_and_ends_every_session(client, make_client, login, factories,
                                                                  smtp_server):
    user = factories.exporter(locale="en", email="alice@areum.example")
    elsewhere = make_client()
    assert login(elsewhere, user).status_code == 302
    assert elsewhere.get("/").status_code == 200
    client.post("/password/forgot", data={"email": "  Alice@Areum.example "})
    send_pending()
    link = _link(smtp_server, user.email)
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "short", "password_confirm": "short"})
    assert weak.status_code == 422
    done = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    db.session.refresh(user)
    assert verify_password(user.password_hash, NEW_PASSWORD)
    assert elsewhere.get("/").status_code == 302  # the other browser was signed out
    again = client.post(link, data={"password": "yet another passphrase", "password_confirm": "yet another passphrase"})
    assert again.status_code == 404 and "This link is not valid" in again.get_data(as_text=True)
    assert login(client, user).status_code == 200  # the old password no longer works
    assert login(client, user, password=NEW_PASSWORD).status_code == 302


def test_an_expired_link_does_nothing(client, factories, smtp_server):
    user = factories.exporter(locale="en")
    client.post("/password/forgot", data={"email": user.email})
    send_pending()
    link = _link(smtp_server, user.email)
    reset = db.session.scalar(sa.select(PasswordResetToken))
    reset.expires_at = reset.created_at - timedelta(seconds=1)
    db.session.commit()
    assert client.get(link).status_code == 404
    assert client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 404
    db.session.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_a_newer_link_retires_older_ones_once_used(client, factories, smtp_server):
    user = factories.exporter(locale="en")
    client.post("/password/forgot", data={"email": user.email})
    client.post("/password/forgot", data={"email": user.email})
    send_pending()
    first, second = (re.search(r"(/password/reset/\S+)", m.get_content()).group(1) for m in smtp_server.messages())
    assert client.post(second, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD}).status_code == 302
    assert client.get(first).status_code == 404


def test_tokens_are_stored_hashed(client, factories, smtp_server):
    user = factories.exporter(locale="en")
    client.post("/password/forgot", data={"email": user.email})
    send_pending()
    token = _link(smtp_server, user.email).rsplit("/", 1)[1]
    stored = db.session.scalar(sa.select(PasswordResetToken.token_hash))
    assert token not in stored and len(stored) == 64


def test_asking_for_links_is_rate_limited_for_every_address_alike(database_url, smtp_server, factories):
    with running_app(database_url, **mail_settings(smtp_server), PASSWORD_RESET_RATE_LIMIT="1000 per hour",
                     PASSWORD_RESET_ACCOUNT_RATE_LIMIT="2 per hour") as app:
        user = factories.exporter()
        client = app.test_client()
        known = [client.post("/password/forgot", data={"email": user.email}).status_code for _ in range(3)]
        unknown = [client.post("/password/forgot", data={"email": "x@y.example"}).status_code for _ in range(3)]
        assert known == unknown == [302, 302, 429]
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PasswordResetToken)) == 2


def test_signed_in_users_change_their_password_instead(client, login_as, factories):
    login_as(factories.staff())
    assert client.get("/password/forgot").headers["Location"].endswith("/account/password")
    assert client.get("/password/reset/whatever").status_code == 302


def test_the_sign_in_page_offers_the_reset(client):
    assert 'href="/password/forgot"' in client.get("/login").get_data(as_text=True)
