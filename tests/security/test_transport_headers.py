"""Transport headers: HSTS over HTTPS (direct or through a trusted proxy), no-store on pages that hold a secret, one
charset in every Content-Type; and every single-line field refuses line breaks."""
import re
from email.message import Message

import pyotp
import pytest
import sqlalchemy as sa
from flask import url_for
from flask_wtf import FlaskForm

from ipdesk.auth.models import User
from ipdesk.auth.services import _reset_hash
from ipdesk.auth.twofactor import encrypt_secret
from ipdesk.cases.models import Case
from ipdesk.companies.services import invite_colleague
from ipdesk.core.db import utcnow
from ipdesk.core.forms import Form
from ipdesk.extensions import db
from tests.conftest import PASSWORD, mailed_link, running_app
from tests.factories import make_case, make_evidence_file
from tests.security.test_routes import PLACEHOLDERS, rules

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


# --- HSTS ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("proxies", "scheme", "forwarded", "hsts"), [
    (0, "https", None, True),  # TLS straight to the app
    (0, "http", None, False),
    (0, "http", "https", False),  # anyone can send the header: without a trusted proxy it means nothing
    (1, "http", "https", True),  # the trusted proxy ended TLS
    (1, "http", "http", False),
])
def test_hsts_is_sent_exactly_when_the_request_came_over_https(database_url, proxies, scheme, forwarded, hsts):
    with running_app(database_url, TRUSTED_PROXY_COUNT=proxies) as app:
        headers = {"X-Forwarded-Proto": forwarded, "X-Forwarded-For": "203.0.113.9"} if forwarded else {}
        for url in ("/login", "/does-not-exist", "/bootstrap/static/css/bootstrap.min.css"):
            response = app.test_client().get(url, base_url=f"{scheme}://ipdesk.test", headers=headers)
            response.close()
            if hsts:
                assert response.headers["Strict-Transport-Security"] == "max-age=31536000", url
            else:
                assert "Strict-Transport-Security" not in response.headers, url


# --- no-store -----------------------------------------------------------------------------------

@pytest.fixture
def app(database_url):
    with running_app(database_url, TOTP_REQUIRED_ROLES="manager,admin") as app:
        yield app


def _no_store(response) -> bool:
    return response.headers.get("Cache-Control") == "no-store"


def test_pages_holding_a_secret_are_never_cached(app, client, make_client, factories):
    # a password-reset link, opened by someone not signed in
    exporter = factories.exporter()
    db.session.add(_reset_token(exporter, "reset-token-for-the-test"))
    invite_colleague(exporter.company, "colleague@example.com", exporter, language="en")
    db.session.commit()
    reset = client.get("/password/reset/reset-token-for-the-test")
    assert reset.status_code == 200 and _no_store(reset)
    assert _no_store(client.post("/password/reset/reset-token-for-the-test", data={"password": "short"}))
    invitation = client.get(mailed_link("colleague@example.com", "invitation"))
    assert invitation.status_code == 200 and _no_store(invitation)
    # the second step of signing in
    staff = factories.staff()
    staff.totp_secret_encrypted, staff.totp_enabled_at = encrypt_secret(SECRET), utcnow()
    db.session.commit()
    client.post("/login", data={"email": staff.email, "password": PASSWORD})
    assert _no_store(client.get("/login/code"))
    assert _no_store(client.post("/login/code", data={"code": "000000"}))
    # setting two-factor sign-in up, and the recovery codes it shows
    manager = factories.manager()
    browser = make_client()
    browser.post("/login", data={"email": manager.email, "password": PASSWORD})
    setup = browser.get("/account/two-factor")
    assert _no_store(setup)
    secret = re.search(r'<code class="user-select-all">([A-Z2-7]+)</code>', setup.get_data(as_text=True)).group(1)
    codes = browser.post("/account/two-factor", data={"code": pyotp.TOTP(secret).now()})
    assert "<li>" in codes.get_data(as_text=True) and _no_store(codes)


def _reset_token(user: User, token: str):
    from datetime import timedelta

    from ipdesk.auth.models import PasswordResetToken

    return PasswordResetToken(user_id=user.id, token_hash=_reset_hash(token), expires_at=utcnow() + timedelta(hours=1))


# --- one charset --------------------------------------------------------------------------------

def _charsets(content_type: str) -> list[str]:
    message = Message()
    message["Content-Type"] = content_type
    return [value for key, value in message.get_params() if key.lower() == "charset"]


def test_every_answer_names_one_charset(client, factories, login_as):
    """Every GET page of the app, as an officer with a case and an evidence file to show, and the CSV export and the
    calendar feed: text names exactly one charset, anything else none or one."""
    officer = factories.staff()
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    make_evidence_file(case, officer)
    login_as(officer)
    link = client.post("/account/calendar").get_data(as_text=True)
    feed = re.search(r"http://ipdesk\.test(/calendar/[^\"<\s]+\.ics)", link).group(1)
    urls = {"/cases/export.csv", feed, "/does-not-exist"}
    for rule in rules(client.application):
        if "GET" in rule.methods and rule.endpoint not in ("auth.logout", "main.set_language"):
            with client.application.test_request_context():
                urls.add(url_for(rule.endpoint, **{a: PLACEHOLDERS[a] for a in rule.arguments}))
    seen = {}
    for url in sorted(urls):
        response = client.get(url)
        content_type = response.headers.get("Content-Type", "")
        response.close()
        seen[url] = content_type
        charsets = _charsets(content_type)
        if content_type.startswith("text/"):
            assert charsets == ["utf-8"], (url, content_type)
        else:
            assert len(charsets) <= 1, (url, content_type)
    assert seen["/cases/export.csv"] == "text/csv; charset=utf-8"
    assert seen[feed] == "text/calendar; charset=utf-8"
    assert len(seen) > 40


# --- single-line fields -------------------------------------------------------------------------

def _every_form_class(cls=FlaskForm) -> set[type]:
    found = set()
    for sub in cls.__subclasses__():
        found |= {sub} | _every_form_class(sub)
    return found


def test_every_form_of_the_app_refuses_line_breaks_in_its_single_line_fields(app):
    """Each form of the app derives from the base that adds the check, so a new field or form cannot miss it."""
    forms = {form for form in _every_form_class() if form.__module__.startswith("ipdesk.")} - {Form}
    assert len(forms) > 30
    assert sorted(f"{form.__module__}.{form.__name__}" for form in forms if not issubclass(form, Form)) == []


@pytest.mark.parametrize(("lang", "message"), [("en", "Keep this on one line: remove the line breaks."),
                                               ("ko", "한 줄로 입력하세요. 줄바꿈은 지워 주세요.")])
def test_a_line_break_in_a_single_line_field_is_refused_with_what_was_typed_kept(client, factories, login_as,
                                                                                 lang, message):
    exporter = factories.exporter()
    case = make_case("draft", company=exporter.company, author=exporter, country="CN")
    login_as(exporter)
    headers = {"Accept-Language": lang}
    for name in ("Kim\nLee", "Kim\r\nLee", "Kim\u2028Lee"):
        response = client.post("/account", headers=headers, data={
            "name": name, "locale": "", "timezone": "Asia/Seoul", "version": str(exporter.version)})
        assert response.status_code == 422 and message in response.get_data(as_text=True), repr(name)
    db.session.expire_all()
    assert db.session.get(User, exporter.id).name == exporter.name
    edit = {"title": "Fake serum\nsold on two sites", "country_code": "CN", "urgency": "normal",
            "description": "First line.\nSecond line.", "version": str(case.version)}
    response = client.post(f"/cases/{case.id}/edit", headers=headers, data=edit)
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert "First line.\nSecond line." in page  # what was typed is shown again, the text area's lines too
    assert db.session.scalar(sa.select(Case.title).where(Case.id == case.id)) == case.title
    edit["title"] = "Fake serum"  # a text area keeps its lines
    assert client.post(f"/cases/{case.id}/edit", headers=headers, data=edit).status_code == 302
    assert db.session.scalar(sa.select(Case.description).where(Case.id == case.id)) == "First line.\nSecond line."
