"""With CSRF protection on, every state-changing route refuses a request without a token."""

import pytest
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.extensions import db
from tests.conftest import PASSWORD, running_app

pytestmark = pytest.mark.csrf

PLACEHOLDERS = {
    "rule_id": 1,
    "cost_rule_id": 1,
    "reason_id": 1,
    "action_id": 1,
    "suit_id": 1,
    "cost_id": 1,
    "job_id": "0" * 32,
    "deadline_id": 1,
    "infringer_id": 1,
    "enquiry_id": 1,
    "right_id": 1,
    "guide_id": 1,
    "session_id": 1,
    "registration_id": 1,
    "attachment_id": 1,
    "lang": "en",
    "notification_id": 1,
    "file_id": 1,
    "case_id": 1,
    "company_id": 1,
    "invitation_id": 1,
    "user_id": 1,
    "hub_id": 1,
    "code": "CN",
    "region_code": "CN-GD",
    "token": "x",
    "import_id": 1,
    "alert_id": 1,
    "kind": "csv",
}


@pytest.fixture
def csrf_app(database_url):
    with running_app(database_url, WTF_CSRF_ENABLED=True) as app:
        yield app


def state_changing_urls(app) -> list[str]:
    with app.test_request_context():
        from flask import url_for

        return [
            url_for(rule.endpoint, **{a: PLACEHOLDERS[a] for a in rule.arguments})
            for rule in app.url_map.iter_rules()
            if rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        ]


def test_every_post_route_is_found(csrf_app):
    urls = state_changing_urls(csrf_app)
    assert "/login" in urls and "/logout" in urls and "/language" in urls and len(urls) >= 15


def test_every_post_without_a_token_is_refused(csrf_app, factories):
    admin = factories.admin()
    client = csrf_app.test_client()
    # sign in with a real token, then try every state-changing route without one
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" type="hidden" value="', 1)[1].split('"', 1)[0]
    signed_in = client.post("/login", data={"email": admin.email, "password": PASSWORD, "csrf_token": token})
    assert signed_in.status_code == 302
    before = db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry))
    for url in state_changing_urls(csrf_app):
        response = client.post(url, data={"email": "x@y.example", "lang": "en", "active": "0", "reason": "r"})
        assert response.status_code == 400, url
        assert "The form was too old or came from elsewhere" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEntry)) == before
    assert client.get("/").status_code == 200  # the POST /logout without a token did not sign out


def test_a_form_with_its_token_works(csrf_app):
    client = csrf_app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]  # the language form's token
    assert client.post("/language", data={"lang": "ko", "csrf_token": token}).status_code == 302
