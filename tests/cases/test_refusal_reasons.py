"""Returning or rejecting a case takes a reason from the admins' list and a note; the exporter is told the
reason in their language, the note stays on the case page."""
import re

import sqlalchemy as sa

from ipdesk.cases.models import Case, Outcome, Stage, StageChange
from ipdesk.extensions import db
from ipdesk.notify.models import Notification, NotificationKind
from ipdesk.refusals.models import RefusalReason
from tests.factories import make_case, reason_id


def move(client, case, transition, **data):
    return client.post(f"/cases/{case.id}/move", data={"transition": transition, "version": str(case.version),
                                                       **data})


def _changes(case) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(StageChange.case_id == case.id))


def test_the_refusal_forms_offer_the_active_case_reasons(client, factories, login_as):
    db.session.execute(sa.update(RefusalReason).where(RefusalReason.code == "duplicate_case").values(is_active=False))
    db.session.commit()
    login_as(factories.staff(hub_codes=("cn-north",)))
    page = client.get(f"/cases/{make_case('intake').id}").get_data(as_text=True)
    assert page.count("Missing proof of rights") == 2  # in the return form and in the reject form
    assert "Duplicate of another case" not in page  # no longer offered
    assert "Not a Korean exporting company" not in page  # a reason for companies


def test_returning_needs_a_reason_of_the_list_and_a_note(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("intake")
    missing = move(client, case, "return", note="Please send the certificate of registration.")
    assert missing.status_code == 422
    html = missing.get_data(as_text=True)
    assert "Choose a reason from the list." in html
    assert "Please send the certificate of registration." in html  # what was typed comes back
    db.session.refresh(case)
    for wrong in (reason_id("not_korean_exporter"), "999999", "abc"):  # another list's, unknown, not a number
        assert move(client, case, "return", note="Send it", reason_id=wrong).status_code == 422, wrong
    no_note = move(client, case, "return", reason_id=reason_id("missing_proof_of_rights"))
    assert no_note.status_code == 422
    chosen = re.search(r'<option selected value="(\d+)">Missing proof of rights<', no_note.get_data(as_text=True))
    assert chosen and chosen.group(1) == reason_id("missing_proof_of_rights")  # the choice comes back
    db.session.refresh(case)
    assert case.stage is Stage.intake and _changes(case) == 0
    db.session.execute(sa.update(RefusalReason).where(RefusalReason.code == "insufficient_evidence")
                       .values(is_active=False))
    db.session.commit()
    assert move(client, case, "return", note="Send it", reason_id=reason_id("insufficient_evidence")).status_code == 422
    assert move(client, case, "return", note="Please send the certificate of registration.",
                reason_id=reason_id("missing_proof_of_rights")).status_code == 302
    change = db.session.scalar(sa.select(StageChange).where(StageChange.case_id == case.id))
    assert change.transition == "return" and change.reason.code == "missing_proof_of_rights"


def test_a_rejection_tells_each_exporter_the_reason_in_their_language(client, make_client, factories, login_as,
                                                                      login):
    company = factories.CompanyFactory()
    alice = factories.exporter(company=company, locale="en")
    minji = factories.exporter(company=company, locale="ko")
    case = make_case("intake", company=company, author=alice)
    login_as(factories.staff(hub_codes=("cn-north",)))
    assert move(client, case, "reject", note="Counsel sees no IP right at stake.").status_code == 422
    assert move(client, case, "reject", note="Counsel sees no IP right at stake.",
                reason_id=reason_id("outside_scope")).status_code == 302
    case = db.session.get(Case, case.id)
    assert (case.stage, case.outcome) == (Stage.closed, Outcome.rejected)
    english, korean = (db.session.scalar(sa.select(Notification).where(
        Notification.user_id == user.id, Notification.kind == NotificationKind.stage_changed))
        for user in (alice, minji))
    assert "Reason: Outside the programme's scope" in english.body
    assert "지원 사업 대상 아님" in korean.body and "Outside the programme" not in korean.body
    for notification in (english, korean):
        assert "Counsel sees no IP right" not in notification.body  # a note is read on the case page
    exporter = make_client()
    login(exporter, alice)
    page = exporter.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Reason: Outside the programme&#39;s scope" in page and "Counsel sees no IP right at stake." in page


def test_a_request_for_information_carries_its_reason(client, factories, login_as):
    exporter = factories.exporter(locale="ko")
    case = make_case("intake", company=exporter.company, author=exporter)
    login_as(factories.staff(hub_codes=("cn-north",)))
    assert move(client, case, "return", note="등록증 사본을 보내 주세요.",
                reason_id=reason_id("not_registered_there")).status_code == 302
    request = db.session.scalar(sa.select(Notification).where(Notification.user_id == exporter.id))
    assert request.kind is NotificationKind.info_requested
    assert "해당 국가에 권리 미등록" in request.body


def test_other_moves_take_no_reason(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("intake")
    assert move(client, case, "accept", reason_id=reason_id()).status_code == 302
    change = db.session.scalar(sa.select(StageChange).where(StageChange.case_id == case.id))
    assert change.transition == "accept" and change.reason_id is None
