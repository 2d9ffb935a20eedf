"""Deadlines: computation from rules (month-end clamping), on the case page, overdue in lists."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ipdesk.core.errors import ServiceError
from ipdesk.deadlines.models import Deadline, DeadlineRule, DeadlineSource, RuleProcedure
from ipdesk.deadlines.rules import add_months, due_date, load_shipped_rules, read_shipped_rules
from ipdesk.deadlines.services import add_deadline
from ipdesk.extensions import db
from tests.factories import make_case


@pytest.mark.db_independent
@pytest.mark.parametrize("start, months, days, expected", [
    (date(2026, 1, 31), 1, 0, date(2026, 2, 28)),   # clamps to the shorter month
    (date(2028, 1, 31), 1, 0, date(2028, 2, 29)),   # leap year
    (date(2026, 11, 30), 3, 0, date(2027, 2, 28)),  # across a year, clamped
    (date(2026, 3, 15), 3, 0, date(2026, 6, 15)),
    (date(2026, 12, 31), 2, 0, date(2027, 2, 28)),
    (date(2026, 8, 31), 0, 30, date(2026, 9, 30)),  # days only (the US 30 days)
    (date(2026, 5, 31), 1, 1, date(2026, 7, 1)),    # months first, then days
])
def test_due_dates(start, months, days, expected):
    assert due_date(start, months, days) == expected


@pytest.mark.db_independent
def test_add_months_keeps_the_day_when_it_exists():
    assert add_months(date(2026, 1, 15), 13) == date(2027, 2, 15)


def test_shipped_rules_are_loaded_once(app):
    assert load_shipped_rules() == len(read_shipped_rules()) > 40 * 5
    assert load_shipped_rules() == 0
    opposition = sa.select(DeadlineRule).where(DeadlineRule.procedure_kind == RuleProcedure.opposition)
    cn = db.session.scalar(opposition.where(DeadlineRule.jurisdiction == "CN"))
    assert (cn.months, cn.days) == (3, 0) and "33" in cn.source_en and "제33조" in cn.source_ko
    us = db.session.scalar(opposition.where(DeadlineRule.jurisdiction == "US"))
    assert (us.months, us.days) == (0, 30)


def test_staff_add_a_cn_opposition_deadline_computed_from_the_rule(client, make_client, factories, login_as,
                                                                      login):
    load_shipped_rules()
    db.session.commit()
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    cn = db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.jurisdiction == "CN",
                                                         DeadlineRule.procedure_kind == RuleProcedure.opposition))
    assert f'href="/cases/{case.id}/deadlines"' in client.get(f"/cases/{case.id}").get_data(as_text=True)
    form_page = client.get(f"/cases/{case.id}/deadlines", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "기한 추가" in form_page and "CN · 상표 이의신청" in form_page  # the rules, in the reader's language
    response = client.post(f"/cases/{case.id}/deadlines", data={"rule_id": str(cn.id), "trigger_on": "2026-11-30"})
    assert response.status_code == 302
    deadline = db.session.scalar(sa.select(Deadline))
    assert deadline.due_on == date(2027, 2, 28) and deadline.source is DeadlineSource.rule
    assert deadline.what == "CN · Trademark opposition"
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Feb 28, 2027" in page and "Art. 33" in page
    korean = client.get(f"/cases/{case.id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "2027. 2. 28." in korean
    # the exporter sees the deadline but cannot add one
    exporter_client = make_client()
    login(exporter_client, exporter)
    exporter_page = exporter_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Feb 28, 2027" in exporter_page and "Add a deadline" not in exporter_page
    assert exporter_client.get(f"/cases/{case.id}/deadlines").status_code == 403
    assert exporter_client.post(f"/cases/{case.id}/deadlines", data={"what": "x", "due_on": "2027-01-01"}
                                ).status_code == 403


def test_manual_deadline_needs_what_and_when(client, factories, login_as):
    case = make_case("evidence")
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/cases/{case.id}/deadlines", data={"what": "Answer the court", "due_on": ""})
    assert response.status_code == 422  # back on the deadline's own page, with what was typed
    page = response.get_data(as_text=True)
    assert "<h1 class=\"h3\">Add a deadline</h1>" in page and 'id="messages"' not in page
    assert 'value="Answer the court"' in page
    assert '<div class="invalid-feedback d-block" id="due_on-error">Give the due date.</div>' in page
    assert client.post(f"/cases/{case.id}/deadlines", data={"what": "Answer the court",
                                                            "due_on": "2027-01-15"}).status_code == 302
    deadline = db.session.scalar(sa.select(Deadline))
    assert deadline.source is DeadlineSource.manual and deadline.due_on == date(2027, 1, 15)


def test_overdue_deadlines_stand_out_and_filter_the_list(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    late = make_case("action", title="Late case")
    fine = make_case("action", title="Fine case")
    officer_id = late.created_by_id
    db.session.add_all([
        Deadline(case_id=late.id, what="Opposition", due_on=date.today() - timedelta(days=3),
                 source=DeadlineSource.manual, created_by_id=officer_id),
        Deadline(case_id=fine.id, what="Hearing", due_on=date.today() + timedelta(days=30),
                 source=DeadlineSource.manual, created_by_id=officer_id),
    ])
    db.session.commit()
    page = client.get(f"/cases/{late.id}").get_data(as_text=True)
    assert "Overdue" in page
    listing = client.get("/cases?overdue=y").get_data(as_text=True)
    assert "Late case" in listing and "Fine case" not in listing
    deadline = db.session.scalar(sa.select(Deadline).where(Deadline.case_id == late.id))
    assert client.post(f"/cases/{late.id}/deadlines/{deadline.id}/done").status_code == 302
    assert "Late case" not in client.get("/cases?overdue=y").get_data(as_text=True)


def test_my_deadlines_and_home_show_only_visible_cases(client, make_client, factories, login_as, login):
    officer = factories.staff(hub_codes=("cn-north",))
    login_as(officer)
    mine = make_case("action", title="Mine", assignee_id=officer.id)
    other_hub = make_case("action", country="TH", title="Bangkok")
    for case, days in ((mine, -2), (other_hub, 5)):
        db.session.add(Deadline(case_id=case.id, what=f"Due for {case.title}", due_on=date.today() + timedelta(days),
                                source=DeadlineSource.manual, created_by_id=officer.id))
    db.session.commit()
    page = client.get("/deadlines").get_data(as_text=True)
    assert "Due for Mine" in page and "Overdue" in page and "Due for Bangkok" not in page
    assert "Due for Mine" in client.get("/deadlines?mine=1").get_data(as_text=True)
    home = client.get("/").get_data(as_text=True)
    assert "Coming deadlines" in home and "Due for Mine" in home and "Due for Bangkok" not in home
    outsider = make_client()
    login(outsider, factories.exporter())
    assert "Due for" not in outsider.get("/deadlines").get_data(as_text=True)


RULE = {"jurisdiction": "VN", "procedure_kind": "opposition", "procedure_ko": "상표 이의신청",
        "procedure_en": "Trademark opposition",
        "trigger_ko": "공고일", "trigger_en": "publication", "months": "0", "days": "0",
        "source_en": "Vietnam IP Law, Art. 112a", "source_ko": "베트남 지식재산법 제112a조", "is_active": "y"}


def test_a_case_is_offered_the_rules_of_its_country_and_refused_another_countrys(client, factories, login_as):
    """China's case: China's rule only; Germany's: the EU's (its regional office); a Japanese rule posted anyway is
    refused in words, and nothing is added."""
    load_shipped_rules()
    db.session.commit()
    exporter = factories.exporter()
    china = make_case("action", company=exporter.company, author=exporter, country="CN")
    germany = make_case("action", company=exporter.company, author=exporter, country="DE")
    login_as(factories.manager())
    offered = client.get(f"/cases/{china.id}/deadlines").get_data(as_text=True)
    assert "CN · Trademark opposition" in offered
    assert not any(f"{code} · Trademark opposition" in offered for code in ("EU", "JP", "US"))
    offered = client.get(f"/cases/{germany.id}/deadlines").get_data(as_text=True)
    assert "EU · Trademark opposition" in offered and "CN · Trademark opposition" not in offered
    japan = db.session.scalar(sa.select(DeadlineRule.id).where(DeadlineRule.jurisdiction == "JP"))
    response = client.post(f"/cases/{china.id}/deadlines", data={"rule_id": str(japan), "trigger_on": "2026-11-30"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deadline)) == 0
    with client.application.test_request_context():
        case = db.session.get(type(china), china.id)
        with pytest.raises(ServiceError, match=r"\(JP\)"):
            add_deadline(case, {"rule_id": japan, "trigger_on": date(2026, 11, 30)}, factories.manager())


def test_admin_edits_deadline_rules(client, factories, login_as):
    login_as(factories.admin())
    refused = client.post("/admin/deadline-rules/new", data=RULE)
    assert refused.status_code == 422
    assert "Give a period of at least one day or one month." in refused.get_data(as_text=True)
    assert 'value="Vietnam IP Law, Art. 112a"' in refused.get_data(as_text=True)
    assert client.post("/admin/deadline-rules/new", data={**RULE, "months": "5"}).status_code == 302
    duplicate = client.post("/admin/deadline-rules/new", data={**RULE, "months": "5"})
    assert duplicate.status_code == 422 and "already has a rule" in duplicate.get_data(as_text=True)
    rule = db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.jurisdiction == "VN"))
    assert (rule.months, rule.days) == (5, 0)
    edit = {**RULE, "months": "4", "version": str(rule.version)}
    assert client.post(f"/admin/deadline-rules/{rule.id}", data=edit).status_code == 302
    assert client.post(f"/admin/deadline-rules/{rule.id}", data=edit).status_code == 409  # stale
    db.session.refresh(rule)
    assert rule.months == 4
    listing = client.get("/admin/deadline-rules", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "4개월" in listing and "상표 이의신청" in listing


def test_admin_records_an_announced_change_of_the_law_that_gives_the_earlier_date(client, factories, login_as):
    """The day a change of the law applies from and its period: a date counted from that day is the earlier of the
    two; a change without its day (or its period) comes back with the reason and what was typed."""
    login_as(factories.admin())
    assert client.post("/admin/deadline-rules/new", data={**RULE, "months": "5"}).status_code == 302
    rule = db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.jurisdiction == "VN"))
    edit = {**RULE, "months": "5", "version": str(rule.version)}
    refused = client.post(f"/admin/deadline-rules/{rule.id}", data={**edit, "change_months": "3"})
    assert refused.status_code == 422 and "Give the day the change of the law applies from." in refused.get_data(
        as_text=True) and 'name="change_months" type="number" value="3"' in refused.get_data(as_text=True)
    refused = client.post(f"/admin/deadline-rules/{rule.id}", data={**edit, "change_from": "2026-04-01"})
    assert refused.status_code == 422 and "Give the changed period" in refused.get_data(as_text=True)
    saved = client.post(f"/admin/deadline-rules/{rule.id}", data={**edit, "change_from": "2026-04-01",
                                                                   "change_months": "3"})
    assert saved.status_code == 302
    db.session.refresh(rule)
    assert (rule.change_from, rule.change_months, rule.change_days) == (date(2026, 4, 1), 3, 0)
    assert rule.due_from(date(2026, 3, 13)) == date(2026, 8, 13)  # before the change: 5 months
    assert rule.due_from(date(2027, 3, 15)) == date(2027, 6, 15)  # from it: 3 months, the earlier
    page = client.get(f"/admin/deadline-rules/{rule.id}").get_data(as_text=True)
    assert 'value="2026-04-01"' in page
    cleared = client.post(f"/admin/deadline-rules/{rule.id}", data={**edit, "version": str(rule.version)})
    assert cleared.status_code == 302
    db.session.refresh(rule)
    assert (rule.change_from, rule.change_months) == (None, None)
    assert rule.due_from(date(2027, 3, 15)) == date(2027, 8, 15)


def test_only_admins_edit_rules(client, factories, login_as):
    login_as(factories.manager())
    assert client.get("/admin/deadline-rules").status_code == 403
    assert client.post("/admin/deadline-rules/new", data={**RULE, "months": "1"}).status_code == 403


def test_calendar_feed_by_secret_link(client, make_client, factories, login_as):
    import re

    from icalendar import Calendar

    officer = factories.staff(hub_codes=("cn-north",))
    login_as(officer)
    visible = make_case("action", title="Visible")
    hidden = make_case("action", country="TH", title="Hidden")
    for case in (visible, hidden):
        db.session.add(Deadline(case_id=case.id, what=f"Opposition {case.title}", due_on=date(2027, 2, 28),
                                source=DeadlineSource.manual, created_by_id=officer.id))
    db.session.commit()
    page = client.post("/account/calendar").get_data(as_text=True)
    link = re.search(r'id="calendar-link"[^>]*value="([^"]+)"', page).group(1).replace("http://ipdesk.test", "")
    stranger = make_client()  # the feed needs no sign-in, only the secret
    feed = stranger.get(link)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    events = [c for c in Calendar.from_ical(feed.get_data()).walk("VEVENT")]
    assert [str(e["summary"]) for e in events] == [f"{visible.reference}: Opposition Visible"]
    assert events[0].decoded("dtstart") == date(2027, 2, 28)
    client.post("/account/calendar")  # a new link: the old one stops working
    assert stranger.get(link).status_code == 404
    assert stranger.get("/calendar/not-a-token.ics").status_code == 404
