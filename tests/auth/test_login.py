"""Sign-in for every role, refusals, redirects and the login rate limit."""
import pytest
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.extensions import db
from tests.conftest import PASSWORD, make_app

ROLES = ["exporter", "staff", "manager", "admin"]


def make_user(factories, role):
    return {"exporter": factories.exporter, "staff": factories.staff, "manager": factories.manager,
            "admin": factories.admin}[role]()


@pytest.mark.parametrize("role", ROLES)
def test_every_role_signs_in_and_reaches_the_start_page(client, factories, login, role):
    user = make_user(factories, role)
    response = login(client, user)
    assert response.status_code == 302 and response.headers["Location"].endswith("/")
    home = client.get("/", headers={"Accept-Language": "en"})
    assert home.status_code == 200
    assert f"Welcome, {user.name}" in home.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "auth.login")) == 1


def test_anonymous_visitors_are_sent_to_sign_in(client):
    response = client.get("/companies")
    assert response.status_code == 302
    assert "/login?next=/companies" in response.headers["Location"]


def test_wrong_password_gives_one_message_and_is_audited(client, factories, login):
    user = factories.staff()
    response = login(client, user, password="wrong password here")
    assert response.status_code == 200
    assert "The e-mail address or the password is not correct." in response.get_data(as_text=True)
    unknown = login(client, "nobody@ipdesk.example", password="wrong password here")
    assert "The e-mail address or the password is not correct." in unknown.get_data(as_text=True)
    failures = db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == "auth.login_failed")).all()
    assert len(failures) == 2
    assert all("wrong password here" not in f"{entry.data} {[v.value for v in entry.personal_values]}"
               for entry in failures)


def test_deactivated_user_cannot_sign_in(client, factories, login):
    user = factories.staff(is_active=False)
    response = login(client, user)
    assert response.status_code == 200
    assert client.get("/").status_code == 302


def test_email_is_case_insensitive(client, factories, login):
    user = factories.staff(email="mixed@ipdesk.example")
    assert login(client, "MIXED@ipdesk.example").status_code == 302
    assert user.email == "mixed@ipdesk.example"


@pytest.mark.parametrize("target, expected", [
    ("/companies", "/companies"),
    ("https://evil.example/phish", "/"),
    ("//evil.example/phish", "/"),
    ("/\\evil.example", "/"),
    ("javascript:alert(1)", "/"),
])
def test_next_redirects_stay_on_this_site(client, factories, login, target, expected):
    user = factories.staff()
    response = login(client, user, next=target)
    assert response.status_code == 302
    location = response.headers["Location"]
    assert location == expected or location.endswith("ipdesk.test" + expected)


def test_language_switch_redirect_is_also_local(client):
    response = client.post("/language", data={"lang": "en", "next": "https://evil.example/"})
    assert response.status_code == 302
    assert "evil.example" not in response.headers["Location"]


def test_login_rate_limit_answers_429_past_the_limit(database_url, factories):
    app = make_app(database_url, LOGIN_RATE_LIMIT="5 per minute")
    client = app.test_client()
    with app.app_context():
        codes = [client.post("/login", data={"email": f"a{i}@x.example", "password": "wrong password"}).status_code
                 for i in range(6)]
        assert codes[:5] == [200] * 5
        assert codes[5] == 429
        page = client.post("/login", data={"email": "b@x.example", "password": "x"},
                           headers={"Accept-Language": "en"})
        assert page.status_code == 429
        assert "Too many attempts" in page.get_data(as_text=True)
        db.session.remove()
        db.engine.dispose()


def test_successful_sign_ins_do_not_count_against_the_account_limit(database_url, factories):
    app = make_app(database_url, LOGIN_ACCOUNT_RATE_LIMIT="2 per hour")
    with app.app_context():
        user = factories.staff()
        for _ in range(3):
            client = app.test_client()
            assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
        db.session.remove()
        db.engine.dispose()


def test_login_rate_limit_per_account_across_addresses(database_url):
    app = make_app(database_url, LOGIN_ACCOUNT_RATE_LIMIT="3 per hour")
    client = app.test_client()
    with app.app_context():
        codes = [client.post("/login", data={"email": "target@x.example", "password": "guess"},
                             environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code for i in range(4)]
        assert codes == [200, 200, 200, 429]
        db.session.remove()
        db.engine.dispose()
