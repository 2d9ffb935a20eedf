"""Guards, stale moves, reopening, routing and messages on the case page."""
import sqlalchemy as sa

from ipdesk.cases.models import Case, Message, Outcome, Stage, StageChange
from ipdesk.extensions import db
from tests.factories import make_case, reason_id


def move(client, case, transition, **data):
    return client.post(f"/cases/{case.id}/move", data={"transition": transition, "version": str(case.version),
                                                       **data})


def test_evidence_guard_and_consultation_guard(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("evidence")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Add at least one evidence item before moving on to legal consultation." in page
    refused = move(client, case, "to_consultation")
    assert refused.status_code == 422
    db.session.refresh(case)
    assert case.stage is Stage.evidence
    client.post(f"/cases/{case.id}/evidence", data={"kind": "screenshot", "description": "Listing screenshot"})
    db.session.refresh(case)
    assert move(client, case, "to_consultation").status_code == 302
    db.session.refresh(case)
    assert case.stage is Stage.consultation
    assert move(client, case, "to_action").status_code == 422
    client.post(f"/cases/{case.id}/consultations", data={
        "firm": "北京知识产权律师事务所", "consulted_on": "2026-11-20", "summary": "File a complaint with AMR.",
        "recommended_route": "administrative", "cost_amount": "3000", "cost_currency": "CNY",
        "cost_krw_rate": "190.5", "cost_payer": "company"})
    db.session.refresh(case)
    assert move(client, case, "to_action").status_code == 302
    db.session.refresh(case)
    assert case.stage is Stage.action


def test_a_stale_move_answers_409_and_changes_nothing(client, make_client, factories, login_as, login):
    officer = factories.staff(hub_codes=("cn-north",))
    login_as(officer)
    colleague = make_client()
    login(colleague, factories.staff(hub_codes=("cn-north",)))
    case = make_case("intake")
    stale_version = case.version
    assert move(colleague, case, "accept").status_code == 302
    response = client.post(f"/cases/{case.id}/move", data={"transition": "return", "note": "Need receipts",
                                                           "reason_id": reason_id(), "version": str(stale_version)})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "Someone else changed this while you were editing" in html
    assert f'href="/cases/{case.id}"' in html
    db.session.refresh(case)
    assert case.stage is Stage.evidence
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StageChange)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message)) == 0


def test_return_for_information_loop(client, make_client, factories, login_as, login):
    company = factories.CompanyFactory()
    exporter = factories.exporter(company=company)
    case = make_case("intake", company=company, author=exporter)
    login_as(factories.staff(hub_codes=("cn-north",)))
    assert move(client, case, "return", reason_id=reason_id()).status_code == 422  # a message is required
    assert move(client, case, "return", note="Please send the purchase receipt.",
                reason_id=reason_id()).status_code == 302
    exporter_client = make_client()
    login(exporter_client, exporter)
    page = exporter_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Please send the purchase receipt." in page and "Resubmit the case" in page
    db.session.refresh(case)
    reference = case.reference
    edit = exporter_client.post(f"/cases/{case.id}/edit", data={
        "title": case.title, "country_code": "CN", "sector": "beauty", "ip_right": "trademark",
        "dispute_type": "counterfeit", "found_where": "Tmall", "description": "Receipt attached to message.",
        "first_noticed_on": "2026-10-01", "urgency": "normal", "version": str(case.version), "submit": "1"})
    assert edit.status_code == 302
    db.session.refresh(case)
    assert case.stage is Stage.intake and case.reference == reference


def test_close_and_reopen_returns_to_the_stage_it_was_closed_from(client, make_client, factories, login_as, login):
    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("consultation")
    assert move(client, case, "close", note="Settled after a letter.").status_code == 422  # no outcome
    assert move(client, case, "close", outcome="settled", note="").status_code == 422  # no note
    assert move(client, case, "close", outcome="settled", note="Settled after a letter.").status_code == 302
    db.session.refresh(case)
    assert (case.stage, case.outcome, case.closed_from) == (Stage.closed, Outcome.settled, Stage.consultation)
    boss = make_client()
    login(boss, factories.manager())
    assert move(boss, case, "reopen", note="The seller is back.").status_code == 302
    db.session.refresh(case)
    assert case.stage is Stage.consultation and case.outcome is None and case.closed_at is None


def test_exporter_withdraws_with_a_reason(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter)
    login_as(exporter)
    assert move(client, case, "withdraw", note="Settled privately.").status_code == 302
    db.session.refresh(case)
    assert case.outcome is Outcome.withdrawn and case.closed_from is Stage.evidence


def test_the_page_offers_exactly_the_actions_of_the_user(client, make_client, factories, login_as, login):
    exporter = factories.exporter()
    case = make_case("intake", company=exporter.company, author=exporter)
    login_as(factories.staff(hub_codes=("cn-north",)))
    staff_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    for label in ("Accept and start collecting evidence", "Ask the exporter for more information", "Reject"):
        assert label in staff_page
    assert "Withdraw the case" not in staff_page and "Reopen" not in staff_page
    exporter_client = make_client()
    login(exporter_client, exporter)
    exporter_page = exporter_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Withdraw the case" in exporter_page
    assert "Accept and start collecting evidence" not in exporter_page and "Routing" not in exporter_page


def test_internal_notes_never_reach_the_exporter(client, make_client, factories, login_as, login):
    exporter = factories.exporter()
    case = make_case("intake", company=exporter.company, author=exporter)
    login_as(factories.staff(hub_codes=("cn-north",)))
    client.post(f"/cases/{case.id}/messages", data={"body": "Seller looks like a repeat offender.", "internal": "y"})
    client.post(f"/cases/{case.id}/messages", data={"body": "We are reviewing your case."})
    exporter_client = make_client()
    login(exporter_client, exporter)
    page = exporter_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "We are reviewing your case." in page
    assert "repeat offender" not in page and "Internal note" not in page
    # an exporter cannot post an internal note either
    exporter_client.post(f"/cases/{case.id}/messages", data={"body": "Thanks!", "internal": "y"})
    note = db.session.scalar(sa.select(Message).where(Message.body == "Thanks!"))
    assert note.is_internal is False


def test_a_move_note_that_is_too_long_comes_back_with_the_form(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("intake")
    response = move(client, case, "return", note="x" * 10_001, reason_id=reason_id())
    assert response.status_code == 422
    assert "Field cannot be longer than 10000 characters." in response.get_data(as_text=True)
    db.session.refresh(case)
    assert case.stage is Stage.intake


def test_assign_and_transfer(client, make_client, factories, login_as, login):
    north = factories.staff(hub_codes=("cn-north",))
    south = factories.staff(hub_codes=("cn-south",))
    login_as(north)
    case = make_case("intake", country="CN")
    assert client.post(f"/cases/{case.id}/assign", data={"assignee_id": str(south.id),
                                                          "version": str(case.version)}).status_code == 422
    assert client.post(f"/cases/{case.id}/assign", data={"assignee_id": str(north.id),
                                                          "version": str(case.version)}).status_code == 302
    db.session.refresh(case)
    assert case.assignee_id == north.id
    transfer_page = client.get(f"/cases/{case.id}/transfer").get_data(as_text=True)
    assert south.hubs[0].name_en in transfer_page
    assert f'name="version" type="hidden" value="{case.version}"' in transfer_page
    no_reason = client.post(f"/cases/{case.id}/transfer", data={"hub_id": str(south.hubs[0].id), "reason": "",
                                                                 "version": str(case.version)})
    assert no_reason.status_code == 422 and "Reason for the transfer" in no_reason.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/transfer", data={
        "hub_id": str(south.hubs[0].id), "reason": "Seller is in Shenzhen.", "version": str(case.version)})
    assert response.status_code == 302
    db.session.refresh(case)
    assert case.hub.code == "cn-south" and case.assignee_id is None
    assert client.get(f"/cases/{case.id}").status_code == 404  # no longer north's case
    south_client = make_client()
    login(south_client, south)
    page = south_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Seller is in Shenzhen." in page


def test_case_in_a_country_with_one_hub_offers_no_transfer(client, factories, login_as):
    login_as(factories.staff(hub_codes=("jp",)))
    case = make_case("intake", country="JP")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Transfer to another hub" not in page and f'href="/cases/{case.id}/transfer"' not in page
    assert db.session.get(Case, case.id).hub.code == "jp"


def test_a_deactivated_colleague_is_neither_offered_nor_assigned(client, factories, login_as):
    north = factories.staff(hub_codes=("cn-north",), name="Active Officer")
    gone = factories.staff(hub_codes=("cn-north",), name="Former Officer", is_active=False)
    login_as(north)
    case = make_case("intake", country="CN")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'<option value="{north.id}">Active Officer</option>' in page
    assert "Former Officer" not in page
    refused = client.post(f"/cases/{case.id}/assign", data={"assignee_id": str(gone.id), "version": str(case.version)})
    assert refused.status_code == 422 and 'id="assignee_id-error"' in refused.get_data(as_text=True)
    db.session.refresh(case)
    assert case.assignee_id is None
