"""Posting fields a user may not set (stage, company, hub, version, role, active flag and more) to every
kind of form changes none of them: forms never copy the request onto a model."""
import sqlalchemy as sa

from ipdesk.auth.models import Role, User
from ipdesk.cases.models import Case, Stage
from ipdesk.companies.models import Company, CompanyStatus
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from tests.auth.test_registration import VALID
from tests.conftest import confirm_registration
from tests.factories import make_case


def _smuggled(other_company, other_hub) -> dict:
    return {"stage": "closed", "outcome": "won", "company_id": str(other_company.id), "hub_id": str(other_hub.id),
            "version": "999", "role": "admin", "is_active": "", "reference": "CN-1999-00001",
            "created_by_id": "1", "assignee_id": "1", "status": "approved", "filed_on_behalf": "y",
            "totp_secret_encrypted": "AAAAAAAAAAAAAAAA",
            "totp_pending_secret_encrypted": "AAAAAAAAAAAAAAAA", "closed_from": "action"}


def _case_state(case_id: int) -> tuple:
    db.session.expire_all()
    case = db.session.get(Case, case_id)
    return case.stage, case.company_id, case.hub_id, case.reference, case.assignee_id, case.outcome, case.version


def test_intake_forms_cannot_set_company_hub_or_stage(client, factories, login_as):
    exporter = factories.exporter()
    other = factories.CompanyFactory()
    thai_hub = db.session.scalar(sa.select(Hub).where(Hub.code == "th"))
    login_as(exporter)
    intake = {"title": "Fake serum on Taobao", "country_code": "CN", "urgency": "normal", "save": "y"}
    response = client.post("/cases/new", data={**intake, **_smuggled(other, thai_hub)})
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.company_id == exporter.company_id and case.stage is Stage.draft
    assert case.hub.code == "cn-north" and case.reference is None and not case.filed_on_behalf
    before = _case_state(case.id)
    client.post(f"/cases/{case.id}/edit", data={**intake, **_smuggled(other, thai_hub), "version": str(case.version)})
    after = _case_state(case.id)
    assert after[:6] == before[:6]  # the title may change; nothing else may


def test_forms_on_a_case_leave_the_case_alone(client, factories, login_as):
    load_shipped_rules()
    db.session.commit()
    exporter = factories.exporter()
    case = make_case("consultation", company=exporter.company, author=exporter, country="CN")
    other = factories.CompanyFactory()
    thai_hub = db.session.scalar(sa.select(Hub).where(Hub.code == "th"))
    login_as(factories.staff(hub_codes=("cn-north",)))
    before = _case_state(case.id)
    forms = {
        "messages": {"body": "Please send the receipt."},
        "evidence": {"kind": "screenshot", "description": "Listing"},
        "consultations": {"firm": "Firm", "consulted_on": "2026-11-20", "summary": "Advice",
                          "recommended_route": "administrative", "cost_payer": "company"},
        "deadlines": {"what": "Reply", "due_on": "2027-01-31"},
        "actions": {"action-kind": "raid", "action-authority": "AMR", "action-status": "planned"},
        "litigation": {"suit-court": "Court", "suit-status": "pending"},
        "costs": {"cost-category": "counsel", "cost-payer": "company", "cost-amount": "100", "cost-currency": "KRW",
                  "cost-incurred_on": "2026-11-20"},
    }
    for path, data in forms.items():
        response = client.post(f"/cases/{case.id}/{path}", data={**data, **_smuggled(other, thai_hub)})
        assert response.status_code == 302, (path, response.status_code)
        assert _case_state(case.id) == before, path


def test_account_and_registration_forms_cannot_set_role_activity_or_approval(client, factories, login_as):
    exporter = factories.exporter()
    other = factories.CompanyFactory()
    hub = db.session.scalar(sa.select(Hub).where(Hub.code == "th"))
    login_as(exporter)
    response = client.post("/account", data={"name": "New name", "locale": "en", "timezone": "Asia/Seoul",
                                             "version": str(exporter.version), **_smuggled(other, hub)})
    assert response.status_code in (200, 302)
    db.session.expire_all()
    user = db.session.get(User, exporter.id)
    assert (user.role, user.is_active, user.company_id, user.totp_secret_encrypted,
            user.totp_pending_secret_encrypted) == (Role.exporter, True, exporter.company_id, None, None)
    client.post("/logout")
    response = client.post("/register", data={**VALID, **_smuggled(other, hub)})
    assert response.status_code == 302
    assert confirm_registration(client, VALID["email"]).status_code == 302
    newcomer = db.session.scalar(sa.select(User).where(User.email == VALID["email"].lower()))
    assert newcomer.role is Role.exporter and newcomer.company_id != other.id
    assert db.session.get(Company, newcomer.company_id).status is CompanyStatus.pending
