"""Admins keep the list of refusal reasons: add, edit (409 on a stale edit), stop offering one; never delete."""
import sqlalchemy as sa

from ipdesk.extensions import db
from ipdesk.refusals.models import RefusalReason, RefusalScope
from tests.factories import make_case

NEW = {"scope": "case", "code": "counterfeit_not_shown", "label_ko": "위조 여부 확인 불가",
       "label_en": "Counterfeit not shown", "is_active": "y"}


def _reason(code: str) -> RefusalReason:
    return db.session.scalar(sa.select(RefusalReason).where(RefusalReason.code == code))


def test_admins_add_edit_and_stop_offering_a_reason(client, make_client, factories, login_as, login):
    login_as(factories.admin())
    listing = client.get("/admin/refusal-reasons").get_data(as_text=True)
    assert "Missing proof of rights" in listing and "사업자등록번호 확인 불가" in listing
    bad = client.post("/admin/refusal-reasons/new", data={**NEW, "code": "Not a code!", "label_en": ""})
    assert bad.status_code == 422
    assert "위조 여부 확인 불가" in bad.get_data(as_text=True)  # what was typed comes back
    assert client.post("/admin/refusal-reasons/new", data=NEW).status_code == 302
    duplicate = client.post("/admin/refusal-reasons/new", data={**NEW, "label_en": "Again"})
    assert duplicate.status_code == 422 and "Another reason already has this code." in duplicate.get_data(as_text=True)
    reason = _reason("counterfeit_not_shown")
    assert (reason.scope, reason.label_ko, reason.is_active) == (RefusalScope.case, "위조 여부 확인 불가", True)

    officer = make_client()
    login(officer, factories.staff(hub_codes=("cn-north",)))
    case = make_case("intake")
    assert "Counterfeit not shown" in officer.get(f"/cases/{case.id}").get_data(as_text=True)

    edit = {"label_ko": "위조품임을 입증하지 못함", "label_en": "Counterfeit not proven",
            "version": str(reason.version)}
    assert client.post(f"/admin/refusal-reasons/{reason.id}", data={**edit, "is_active": "y"}).status_code == 302
    assert client.post(f"/admin/refusal-reasons/{reason.id}", data=edit).status_code == 409  # stale
    db.session.refresh(reason)
    assert (reason.label_en, reason.is_active) == ("Counterfeit not proven", True)
    # stop offering it: a fresh edit that unticks "offered"; what it is given for and its code cannot change
    fresh = {**edit, "version": str(reason.version), "scope": "company", "code": "changed"}
    assert client.post(f"/admin/refusal-reasons/{reason.id}", data=fresh).status_code == 302
    db.session.refresh(reason)
    assert (reason.is_active, reason.scope, reason.code) == (False, RefusalScope.case, "counterfeit_not_shown")
    assert "Counterfeit not proven" not in officer.get(f"/cases/{case.id}").get_data(as_text=True)
    refused = officer.post(f"/cases/{case.id}/move", data={"transition": "return", "version": str(case.version),
                                                          "note": "Send proof", "reason_id": str(reason.id)})
    assert refused.status_code == 422
    assert "No longer offered" in client.get("/admin/refusal-reasons").get_data(as_text=True)


def test_only_admins_keep_the_list(client, factories, login_as):
    login_as(factories.manager())
    assert client.get("/admin/refusal-reasons").status_code == 403
    assert client.post("/admin/refusal-reasons/new", data=NEW).status_code == 403
    assert _reason("counterfeit_not_shown") is None


def test_the_list_speaks_korean(client, factories, login_as):
    login_as(factories.admin(locale="ko"))
    reason = _reason("outside_scope")
    page = client.get(f"/admin/refusal-reasons/{reason.id}").get_data(as_text=True)
    assert "· 지원 사업 대상 아님</h1>" in page  # its label in the reader's language
