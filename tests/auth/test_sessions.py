"""Sessions: a new id at sign-in, real sign-out, revocation on password change and deactivation, idle expiry."""
from datetime import timedelta

import sqlalchemy as sa

from ipdesk.auth.models import UserSession
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from tests.conftest import PASSWORD


def session_cookie(client):
    cookie = client.get_cookie("ipdesk_session", domain="ipdesk.test")
    return cookie.value if cookie else None


def clone(make_client, client):
    """A second browser holding a copy of ``client``'s session cookie."""
    other = make_client()
    other.set_cookie("ipdesk_session", session_cookie(client), domain="ipdesk.test")
    return other


def test_session_id_changes_at_sign_in(client, factories, login):
    user = factories.staff()
    client.get("/login")
    with client.session_transaction() as sess:
        sess["planted"] = "by an attacker"
    login(client, user)
    with client.session_transaction() as sess:
        assert "planted" not in sess
        first_sid = sess["sid"]
    client.post("/logout")
    login(client, user)
    with client.session_transaction() as sess:
        assert sess["sid"] != first_sid


def test_cookie_flags(client, factories, login):
    user = factories.staff()
    response = login(client, user)
    header = response.headers["Set-Cookie"]
    assert "HttpOnly" in header
    assert "SameSite=Lax" in header
    assert "Secure" not in header  # plain HTTP here


def test_cookie_is_secure_over_https(client, factories):
    user = factories.staff()
    response = client.post("/login", data={"email": user.email, "password": PASSWORD}, base_url="https://ipdesk.test")
    assert "Secure" in response.headers["Set-Cookie"]


def test_logout_ends_the_session_and_a_copied_cookie_stops_working(client, make_client, factories, login):
    user = factories.staff()
    login(client, user)
    thief = clone(make_client, client)
    assert thief.get("/").status_code == 200
    client.post("/logout")
    assert client.get("/").status_code == 302
    stolen = thief.get("/")
    assert stolen.status_code == 302 and "/login" in stolen.headers["Location"]


def test_password_change_ends_every_other_session(client, make_client, factories, login):
    user = factories.staff()
    other_device = make_client()
    login(other_device, user)
    login(client, user)
    copy = clone(make_client, client)
    response = client.post("/account/password", data={
        "current_password": PASSWORD,
        "password": "a brand new passphrase",
        "password_confirm": "a brand new passphrase",
    })
    assert response.status_code == 302
    assert client.get("/").status_code == 200  # this browser goes on, with a new session
    assert other_device.get("/").status_code == 302
    assert copy.get("/").status_code == 302
    assert login(make_client(), user, password="a brand new passphrase").status_code == 302


def test_password_change_with_wrong_current_password(client, factories, login):
    user = factories.staff()
    login(client, user)
    response = client.post("/account/password", data={
        "current_password": "not my password", "password": "a brand new passphrase",
        "password_confirm": "a brand new passphrase"}, headers={"Accept-Language": "en"})
    assert response.status_code == 422
    assert "Your current password is not correct." in response.get_data(as_text=True)


def test_deactivation_ends_all_sessions(client, make_client, factories, login):
    user = factories.staff()
    login(client, user)
    admin_client = make_client()
    login(admin_client, factories.admin())
    assert admin_client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
    assert client.get("/").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).where(UserSession.user_id == user.id,
                                                              UserSession.revoked_at.is_(None))) == 0


def test_idle_session_expires(app, client, factories, login):
    user = factories.staff()
    login(client, user)
    assert client.get("/").status_code == 200
    idle = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - idle))
    db.session.commit()
    response = client.get("/", headers={"Accept-Language": "en"})
    assert response.status_code == 302
    page = client.get(response.headers["Location"], headers={"Accept-Language": "en"})
    assert "Your session has ended" in page.get_data(as_text=True)


def test_a_form_posted_after_a_pause_is_accepted(app, client, factories, login):
    """Refreshing the session's last activity must not deadlock with the request's own write."""
    user = factories.staff()
    login(client, user)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    response = client.post("/language", data={"lang": "ko"})
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.locale == "ko"
    row = db.session.scalar(sa.select(UserSession))
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_a_form_posted_after_the_session_ended_leads_back_to_its_page(app, client, factories, login):
    user = factories.staff()
    login(client, user)
    db.session.execute(sa.update(UserSession).values(revoked_at=utcnow()))
    db.session.commit()
    response = client.post("/account", data={"name": "x"}, headers={"Referer": "http://ipdesk.test/account"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/login?next=/account")
    page = client.get(response.headers["Location"])
    assert "Your session has ended. Please sign in again." in page.get_data(as_text=True)


def test_activity_keeps_a_session_alive(app, client, factories, login):
    user = factories.staff()
    login(client, user)
    almost = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - almost))
    db.session.commit()
    assert client.get("/").status_code == 200
    row = db.session.scalar(sa.select(UserSession))
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)


def test_a_form_sent_back_with_errors_still_keeps_the_session_alive(app, client, factories, login):
    """A refused request commits nothing of its change, but the user was active: typing into a form that
    comes back with an error must not let the session run out while they correct it."""
    user = factories.staff()
    login(client, user)
    almost = timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] - 1)
    db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - almost))
    db.session.commit()
    assert client.post("/account", data={"name": ""}).status_code == 422
    row = db.session.scalar(sa.select(UserSession))
    db.session.refresh(row)
    assert utcnow() - row.last_seen_at < timedelta(minutes=1)
