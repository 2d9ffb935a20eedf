"""Administrative actions with rule-computed deadlines, suits with hearings: recording, editing, who sees what."""
from datetime import date

import sqlalchemy as sa

from ipdesk.actions.models import ActionKind, ActionStatus, AdministrativeAction, Hearing, Litigation
from ipdesk.audit.models import AuditEntry
from ipdesk.deadlines.models import Deadline, DeadlineRule, DeadlineSource, RuleProcedure
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.extensions import db
from tests.factories import make_case


def _cn_rule() -> DeadlineRule:
    load_shipped_rules()
    db.session.commit()
    return db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.jurisdiction == "CN",
                                                           DeadlineRule.procedure_kind == RuleProcedure.opposition))


def _opposition(rule_id, **changes) -> dict:
    data = {"action-kind": "opposition", "action-authority": "CNIPA 国家知识产权局", "action-status": "planned",
            "action-reference": "", "action-trigger_on": "2026-11-30", "action-deadline_rule_id": str(rule_id),
            "action-result": "", "action-penalty_currency": ""}
    data.update(changes)
    return data


def test_staff_record_a_cn_opposition_whose_deadline_comes_from_the_rule(client, factories, login_as):
    rule = _cn_rule()
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/cases/{case.id}/actions", data=_opposition(rule.id))
    assert response.status_code == 302
    action = db.session.scalar(sa.select(AdministrativeAction))
    deadline = db.session.get(Deadline, action.deadline_id)
    assert deadline.due_on == date(2027, 2, 28)  # 30 Nov + 3 months clamps to the end of February
    assert deadline.source is DeadlineSource.rule and deadline.rule_id == rule.id and deadline.case_id == case.id
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Opposition at the trademark office · CNIPA 国家知识产权局" in page
    assert page.count("Feb 28, 2027") >= 2  # on the action and in the deadlines
    korean = client.get(f"/cases/{case.id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "행정 조치" in korean and "2027. 2. 28." in korean
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "action.added"))
    assert entry.data["deadline_id"] == deadline.id and entry.data["kind"] == "opposition"


def test_a_rule_without_its_trigger_date_is_refused_and_the_input_kept(client, factories, login_as):
    rule = _cn_rule()
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/cases/{case.id}/actions", data=_opposition(
        rule.id, **{"action-trigger_on": "", "action-penalty_amount": "5000", "action-authority": "上海市场监管局"}))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the date the rule counts from." in page and "Choose the currency of the penalty." in page
    assert 'value="上海市场监管局"' in page and 'value="5000"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdministrativeAction)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deadline)) == 0


def test_a_number_that_is_not_one_is_refused_in_the_readers_language_each_time(client, factories, login_as):
    """WTForms' own messages come in the language of each request, Korean then English then Korean again from the
    same process (their catalogue is read once per language and kept)."""
    rule = _cn_rule()
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    data = _opposition(rule.id, **{"action-quantity_seized": "많이"})
    for language, message in (("ko", "올바르지 않은 정수 값입니다."), ("en", "Not a valid integer value."),
                              ("ko", "올바르지 않은 정수 값입니다.")):
        response = client.post(f"/cases/{case.id}/actions", data=data, headers={"Accept-Language": language})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page and 'value="많이"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdministrativeAction)) == 0


def test_a_new_publication_date_moves_the_open_deadline_and_a_stale_edit_is_refused(client, factories, login_as):
    rule = _cn_rule()
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    client.post(f"/cases/{case.id}/actions", data=_opposition(rule.id))
    action = db.session.scalar(sa.select(AdministrativeAction))
    url = f"/cases/{case.id}/actions/{action.id}"
    form = client.get(url).get_data(as_text=True)
    assert 'value="2026-11-30"' in form
    changed = _opposition(rule.id, **{"action-trigger_on": "2026-12-15", "action-status": "filed",
                                      "action-filed_on": "2027-01-10", "action-reference": "异议 No. 52811",
                                      "action-version": str(action.version)})
    assert client.post(url, data=changed).status_code == 302
    db.session.expire_all()
    action = db.session.get(AdministrativeAction, action.id)
    assert action.status is ActionStatus.filed and action.reference == "异议 No. 52811"
    assert db.session.get(Deadline, action.deadline_id).due_on == date(2027, 3, 15)
    stale = client.post(url, data={**changed, "action-status": "failed"})  # still the first version
    assert stale.status_code == 409 and "reload" in stale.get_data(as_text=True).lower()
    db.session.expire_all()
    assert db.session.get(AdministrativeAction, action.id).status is ActionStatus.filed


def test_suits_take_hearings_judgment_and_damages(client, factories, login_as, make_client, login):
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    assert client.post(f"/cases/{case.id}/litigation", data={
        "suit-court": "北京知识产权法院", "suit-court_case_number": "(2026)京73民初1234号", "suit-status": "pending",
        "suit-filed_on": "2026-06-01", "suit-damages_currency": ""}).status_code == 302
    suit = db.session.scalar(sa.select(Litigation))
    url = f"/cases/{case.id}/litigation/{suit.id}"
    assert client.post(f"{url}/hearings", data={"hearing-held_on": "2026-09-14",
                                                 "hearing-note": "Evidence exchange"}).status_code == 302
    bad = client.post(f"{url}/hearings", data={"hearing-held_on": "", "hearing-note": "Second hearing"})
    assert bad.status_code == 422 and "Second hearing" in bad.get_data(as_text=True)
    response = client.post(url, data={
        "suit-court": "北京知识产权法院", "suit-court_case_number": "(2026)京73民初1234号", "suit-status": "won",
        "suit-judgment": "Infringement found; injunction.", "suit-judged_on": "2026-11-02",
        "suit-damages_currency": "CNY", "suit-damages_awarded": "500000", "suit-damages_recovered": "120000",
        "suit-version": str(suit.version)})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hearing)) == 1
    own = make_client()
    login(own, exporter)
    page = own.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "北京知识产权法院" in page and "CN¥500,000.00" in page and "CN¥120,000.00" in page
    assert "Sep 14, 2026" in page and "Evidence exchange" in page
    assert "Record a suit" not in page and url not in page  # the exporter follows, staff record
    assert f'href="/cases/{case.id}/litigation"' not in page
    assert own.get(f"/cases/{case.id}/litigation").status_code == 403
    assert own.post(f"/cases/{case.id}/litigation", data={"suit-court": "x", "suit-status": "pending"}
                    ).status_code == 403
    assert own.get(url).status_code == 403


def test_closed_cases_take_no_new_actions(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("closed", company=exporter.company, author=exporter, country="CN", closed_from="action")
    login_as(factories.manager())
    response = client.post(f"/cases/{case.id}/actions", data=_opposition(""))
    assert response.status_code == 422
    assert "Actions can be recorded only on a submitted, open case." in response.get_data(as_text=True)


def test_the_case_page_costs_the_same_queries_with_many_actions(client, factories, login_as, count_queries):
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    staff = factories.staff(hub_codes=("cn-north",))
    login_as(staff)

    def add(n):
        for i in range(n):
            suit = Litigation(case_id=case.id, court=f"Court {i}", created_by_id=staff.id)
            db.session.add_all([AdministrativeAction(case_id=case.id, kind=ActionKind.raid, authority=f"AMR {i}",
                                                     created_by_id=staff.id), suit])
            db.session.flush()
            db.session.add(Hearing(litigation_id=suit.id, held_on=date(2026, 1, 1), created_by_id=staff.id))
        db.session.commit()

    add(1)
    with count_queries() as few:
        assert client.get(f"/cases/{case.id}").status_code == 200
    add(20)
    with count_queries() as many:
        assert "AMR 19" in client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert many.count == few.count, many.statements
