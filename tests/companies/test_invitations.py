"""Colleagues join an approved company by a single-use invitation from one of its users."""
from datetime import timedelta

import sqlalchemy as sa

from ipdesk.auth.models import Role, User
from ipdesk.companies.models import Invitation
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from tests.conftest import PASSWORD, mailed_link


def invite(client, email="colleague@areum.example"):
    """Invite ``email``; the path of the link mailed to it (the inviter never sees it)."""
    response = client.post("/company/invitations", data={"email": email})
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Invitation sent to {email}" in page and "http://ipdesk.test/invitations/" not in page
    return mailed_link(email, "invitation")


def accept(client, path, **changes):
    data = {"user_name": "김동료", "password": PASSWORD, "password_confirm": PASSWORD, "privacy_consent": "y",
            **changes}
    return client.post(path, data={k: v for k, v in data.items() if v is not None})


def test_colleague_joins_by_invitation(client, make_client, factories, login_as, login):
    inviter = factories.exporter()
    login_as(inviter)
    path = invite(client)
    newcomer = make_client()
    form = newcomer.get(path)
    assert form.status_code == 200
    assert "colleague@areum.example" in form.get_data(as_text=True)
    assert accept(newcomer, path).status_code == 302
    colleague = db.session.scalar(sa.select(User).where(User.email == "colleague@areum.example"))
    assert colleague.company_id == inviter.company_id
    assert colleague.role is Role.exporter
    assert colleague.privacy_consent_at is not None
    assert newcomer.get("/").status_code == 200  # active at once: the company is approved
    # the link works only once
    assert make_client().get(path).status_code == 404


def test_invitation_form_keeps_input_and_requires_consent(client, make_client, factories, login_as):
    login_as(factories.exporter())
    path = invite(client)
    response = accept(make_client(), path, privacy_consent=None)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "You must agree to the privacy policy" in html
    assert 'value="김동료"' in html


def test_expired_and_revoked_invitations_do_not_work(client, make_client, factories, login_as):
    login_as(factories.exporter())
    path = invite(client, "late@areum.example")
    db.session.execute(sa.update(Invitation).values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert make_client().get(path).status_code == 404
    second = invite(client, "revoked@areum.example")
    invitation = db.session.scalar(sa.select(Invitation).where(Invitation.email == "revoked@areum.example"))
    assert client.post(f"/company/invitations/{invitation.id}/revoke").status_code == 302
    assert make_client().get(second).status_code == 404


def test_another_company_cannot_revoke_an_invitation(client, make_client, factories, login_as, login):
    login_as(factories.exporter())
    invite(client)
    invitation = db.session.scalar(sa.select(Invitation))
    outsider = make_client()
    login(outsider, factories.exporter())
    assert outsider.post(f"/company/invitations/{invitation.id}/revoke").status_code == 404
    db.session.refresh(invitation)
    assert invitation.revoked_at is None


def test_pending_company_cannot_invite(client, factories, login_as):
    user = factories.exporter(company=factories.CompanyFactory(pending=True))
    login_as(user)
    assert client.post("/company/invitations", data={"email": "x@y.example"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Invitation)) == 0


def test_inviting_a_member_is_refused(client, factories, login_as):
    me = factories.exporter()
    colleague = factories.exporter(company=me.company)
    login_as(me)
    response = client.post("/company/invitations", data={"email": colleague.email})
    assert response.status_code == 422
    assert "already a member of your company" in response.get_data(as_text=True)


def test_an_address_with_an_account_elsewhere_hears_it_has_one(client, factories, login_as):
    """Its owner is told by mail; the mail holds no invitation link (tests/security/test_account_secrecy.py
    checks that the inviter's page is the same)."""
    login_as(factories.exporter())
    outsider = factories.staff()
    path = invite(client, outsider.email)
    assert path == "/login"
    assert db.session.scalar(sa.select(sa.func.count()).where(User.email == outsider.email)) == 1
