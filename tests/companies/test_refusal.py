"""Refusing a pending company's registration: a reason of the list and a note, its users told in their
language and no longer able to sign in; final, unlike a suspension."""
import sqlalchemy as sa

from ipdesk.companies.models import CompanyRefusal, CompanyStatus
from ipdesk.extensions import db
from ipdesk.notify.models import Notification, NotificationKind
from tests.factories import reason_id

NOTE = "The national register has no company with this number."


def test_staff_refuse_a_pending_company_and_its_users_are_told(client, make_client, factories, login_as, login):
    company = factories.CompanyFactory(pending=True, name_en="Byeolbit Entertainment", name_ko="별빛엔터테인먼트")
    jisoo = factories.exporter(company=company, locale="ko")
    sam = factories.exporter(company=company, locale="en")
    waiting = make_client()
    login(waiting, sam)  # awaiting approval, signed in
    login_as(factories.staff())
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "Refuse registration" in page and "Business registration number could not be verified" in page
    assert "Missing proof of rights" not in page  # a reason for cases
    response = client.post(f"/companies/{company.id}/refuse",
                           data={"reason_id": reason_id("registration_number_unverifiable"), "note": NOTE})
    assert response.status_code == 302
    db.session.refresh(company)
    assert company.status is CompanyStatus.refused
    refusal = db.session.get(CompanyRefusal, company.id)
    assert refusal.reason.code == "registration_number_unverifiable" and refusal.note == NOTE
    korean, english = (db.session.scalar(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == NotificationKind.company_status))
        for user in (jisoo, sam))
    assert "사업자등록번호 확인 불가" in korean.body and "could not be verified" not in korean.body
    assert "별빛엔터테인먼트" in korean.subject
    assert "Reason: Business registration number could not be verified" in english.body
    assert NOTE in korean.body and NOTE in english.body  # they cannot sign in to read it anywhere else
    # signed out, and they can no longer sign in
    assert waiting.get("/").status_code == 302
    again = login(waiting, sam)
    assert again.status_code == 200 and "registration of your company was refused" in again.get_data(as_text=True)
    assert waiting.get("/cases").status_code == 302  # still to the sign-in page
    # final: nothing approves or reinstates it
    page = client.get(f"/companies/{company.id}").get_data(as_text=True)
    assert "Approve company" not in page and "Refuse registration</button>" not in page and NOTE in page
    assert "Only a company awaiting approval can be approved." in client.post(
        f"/companies/{company.id}/approve", follow_redirects=True).get_data(as_text=True)
    db.session.refresh(company)
    assert company.status is CompanyStatus.refused


def test_a_refusal_needs_a_reason_and_a_note_and_keeps_what_was_typed(client, factories, login_as):
    company = factories.CompanyFactory(pending=True)
    login_as(factories.manager())
    no_reason = client.post(f"/companies/{company.id}/refuse", data={"reason_id": "", "note": NOTE})
    assert no_reason.status_code == 422
    assert "Choose a reason from the list." in no_reason.get_data(as_text=True)
    assert NOTE in no_reason.get_data(as_text=True)
    case_reason = client.post(f"/companies/{company.id}/refuse", data={"reason_id": reason_id(), "note": NOTE})
    assert case_reason.status_code == 422  # a reason for cases, not for companies
    no_note = client.post(f"/companies/{company.id}/refuse",
                          data={"reason_id": reason_id("duplicate_account"), "note": " "})
    assert no_note.status_code == 422
    db.session.refresh(company)
    assert company.status is CompanyStatus.pending
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompanyRefusal)) == 0


def test_only_a_pending_company_can_be_refused_and_only_by_the_staff_side(client, make_client, factories, login_as,
                                                                          login):
    approved = factories.CompanyFactory()
    login_as(factories.staff())
    response = client.post(f"/companies/{approved.id}/refuse",
                           data={"reason_id": reason_id("duplicate_account"), "note": NOTE}, follow_redirects=True)
    assert "Only a company awaiting approval can be refused." in response.get_data(as_text=True)
    db.session.refresh(approved)
    assert approved.status is CompanyStatus.approved
    pending = factories.CompanyFactory(pending=True)
    exporter = make_client()
    login(exporter, factories.exporter())
    data = {"reason_id": reason_id("duplicate_account"), "note": NOTE}
    assert exporter.post(f"/companies/{pending.id}/refuse", data=data).status_code == 404
    db.session.refresh(pending)
    assert pending.status is CompanyStatus.pending
