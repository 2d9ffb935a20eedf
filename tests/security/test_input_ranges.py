"""Ids, dates and numbers from a request are range-checked (issue 19, point 8): ids beyond 64 bits, dates such as
9999-12-31 and days that do not exist get a 404 or a message next to the field, never a 500; and one row with
a date at the calendar's end breaks no page or calendar feed of anyone who sees it."""
from datetime import date

import icalendar
import pytest
import sqlalchemy as sa
from flask import url_for

from ipdesk.actions.models import AdministrativeAction, Litigation
from ipdesk.cases.models import Case
from ipdesk.costs.models import Cost
from ipdesk.deadlines.models import Deadline, DeadlineRule, DeadlineSource
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.evidence.models import EvidenceItem
from ipdesk.extensions import db
from tests.cases.test_intake import FULL
from tests.factories import make_case

TOO_BIG = (str(2**63), str(10**30), "9" * 5000)  # just past 64 bits, far past, and past Python's digit limit
OUT_OF_RANGE = "Give a date from the year 1900 to the year 2199."
NOT_A_DATE = "Not a date: write it as year-month-day, such as 2026-03-31."


@pytest.fixture
def people(factories):
    return {"staff": factories.staff(hub_codes=("cn-north",)), "manager": factories.manager(),
            "admin": factories.admin(), "exporter": factories.exporter()}


WORDS = {"lang": "en", "code": "CN", "region_code": "CN-GD", "token": "x", "job_id": "0" * 32}


def test_an_id_beyond_64_bits_in_any_route_is_a_404(app, people, make_client, login):
    """Every route with an id, as each kind of user: every id too big, and only the last one too big."""
    case = make_case("action", company=people["exporter"].company, author=people["exporter"], country="CN")
    clients = {}
    for name, user in people.items():
        clients[name] = make_client()
        assert login(clients[name], user).status_code == 302
    checked = 0
    for rule in app.url_map.iter_rules():
        ids = sorted(a for a in rule.arguments if f"<int:{a}>" in rule.rule)
        if not ids:
            continue
        # url_for refuses a too big id itself: build the URL with stand-ins, then put the digits in
        stand_ins = {a: 7_000_001 + i for i, a in enumerate(ids)}
        words = {a: WORDS[a] for a in rule.arguments if a not in ids}  # a guide's PDF names its language
        with app.test_request_context():
            url = url_for(rule.endpoint, **stand_ins, **words, _external=False)
        for too_big in TOO_BIG:
            for chosen in ({a: too_big for a in ids}, {a: case.id for a in ids} | {ids[-1]: too_big}):
                path = url
                for a, stand_in in stand_ins.items():
                    path = path.replace(str(stand_in), str(chosen[a]))
                for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                    for name, client in clients.items():
                        response = client.open(path, method=method)
                        assert response.status_code == 404, f"{method} {path[:80]} as {name}"
                        checked += 1
    assert checked > 500


def test_an_id_beyond_64_bits_in_a_query_or_a_form_is_refused(client, people, login_as):
    case = make_case("action", company=people["exporter"].company, author=people["exporter"], country="CN")
    login_as(people["staff"])
    for too_big in TOO_BIG:
        assert client.get(f"/infringers?case={too_big}").status_code == 200  # no such case to link to
        assert client.get(f"/cases?page={too_big}").status_code in (404, 200)  # past the end, or not a number
        response = client.post(f"/cases/{case.id}/infringers", data={"infringer_id": too_big})
        assert response.status_code == 422 and "Choose a record to link." in response.get_data(as_text=True)
        response = client.post(f"/cases/{case.id}/move", data={"transition": "to_consultation", "reason_id": too_big,
                                                              "version": str(case.version)})
        assert response.status_code in (302, 422)


def _date_forms(people):
    """(who, URL, fields with {d} for the date, what a valid post would store) for every form with a date."""
    load_shipped_rules()
    db.session.commit()
    rule = db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.jurisdiction == "CN").limit(1))
    exporter = people["exporter"]
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    suit = Litigation(case_id=case.id, court="Beijing IP Court", created_by_id=people["staff"].id)
    db.session.add(suit)
    db.session.commit()
    cases = f"/cases/{case.id}"
    return [
        ("exporter", "/cases/new", {**FULL, "first_noticed_on": "{d}", "submit": "1"}, Case),
        ("exporter", f"{cases}/evidence", {"kind": "photo", "description": "Shelf photo", "collected_on": "{d}"},
         EvidenceItem),
        ("staff", f"{cases}/deadlines", {"what": "Reply to the seller", "due_on": "{d}"}, Deadline),
        ("staff", f"{cases}/deadlines", {"rule_id": str(rule.id), "trigger_on": "{d}"}, Deadline),
        ("staff", f"{cases}/actions", {"action-kind": "opposition", "action-authority": "CNIPA",
                                       "action-status": "filed", "action-filed_on": "{d}",
                                       "action-penalty_currency": ""}, AdministrativeAction),
        ("staff", f"{cases}/actions", {"action-kind": "opposition", "action-authority": "CNIPA",
                                       "action-status": "filed", "action-trigger_on": "{d}",
                                       "action-deadline_rule_id": str(rule.id), "action-penalty_currency": ""},
         AdministrativeAction),
        ("staff", f"{cases}/litigation", {"suit-court": "Shanghai IP Court", "suit-status": "pending",
                                          "suit-filed_on": "{d}", "suit-damages_currency": ""}, Litigation),
        ("staff", f"{cases}/litigation/{suit.id}/hearings", {"hearing-held_on": "{d}", "hearing-note": "First"},
         Deadline),
        ("staff", f"{cases}/costs", {"cost-category": "counsel", "cost-payer": "company", "cost-amount": "1000",
                                     "cost-currency": "KRW", "cost-incurred_on": "{d}"}, Cost),
        ("staff", f"{cases}/consultations", {"firm": "Firm", "consulted_on": "{d}", "summary": "File it.",
                                             "recommended_route": "administrative"}, None),
    ]


@pytest.mark.parametrize("typed, message", [("9999-12-31", OUT_OF_RANGE), ("0001-01-01", OUT_OF_RANGE),
                                            ("1899-12-31", OUT_OF_RANGE), ("2200-01-01", OUT_OF_RANGE),
                                            ("2026-02-30", NOT_A_DATE), ("2026-13-01", NOT_A_DATE)])
def test_a_date_out_of_range_or_not_a_day_is_refused_next_to_its_field(make_client, login, people, typed,
                                                                       message):
    clients = {}
    for name in ("exporter", "staff"):
        clients[name] = make_client()
        login(clients[name], people[name])
    for who, url, fields, stored in _date_forms(people):
        before = db.session.scalar(sa.select(sa.func.count()).select_from(stored)) if stored else None
        data = {k: v.format(d=typed) for k, v in fields.items()}
        field = next(k for k, v in fields.items() if v == "{d}")
        response = clients[who].post(url, data=data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422, f"{url} {fields}"
        # said next to the field, and only that (not "required"); what was typed is kept
        assert f'id="{field}-error">{message}</div>' in page, f"{url} {field}"
        assert f'value="{typed}"' in page, f"{url} {field}"
        if stored:
            assert db.session.scalar(sa.select(sa.func.count()).select_from(stored)) == before


@pytest.mark.parametrize("typed, message", [("9999-12-31", OUT_OF_RANGE), ("2026-02-30", NOT_A_DATE)])
def test_a_date_filter_out_of_range_says_so(make_client, login, people, typed, message):
    manager, admin = make_client(), make_client()
    login(manager, people["manager"])
    login(admin, people["admin"])
    for client, url in ((manager, f"/cases?date_from={typed}"), (manager, f"/cases?date_to={typed}"),
                        (admin, f"/admin/audit?date_to={typed}"),
                        (manager, f"/reports/country-summary.pdf?country=CN&start=2026-01-01&end={typed}")):
        response = client.get(url)
        assert response.status_code in (200, 422), url
        assert message in response.get_data(as_text=True), url


def test_a_deadline_at_the_calendars_end_breaks_no_page_or_feed(client, people, login_as):
    """A row stored before these checks (or by a script) at 9999-12-31 or 0001-01-01: the feed and pages of
    the people who see it still work, and show their other deadlines."""
    exporter = people["exporter"]
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    for day, what in ((date(9999, 12, 31), "End of time"), (date(1, 1, 1), "Start of time"),
                      (date(2026, 9, 1), "Reply to the seller")):
        db.session.add(Deadline(case_id=case.id, what=what, due_on=day, source=DeadlineSource.manual,
                                created_by_id=people["staff"].id))
    db.session.commit()
    login_as(people["staff"])
    page = client.post("/account/calendar").get_data(as_text=True)
    link = page.split('id="calendar-link"')[1].split('value="')[1].split('"')[0].replace("http://ipdesk.test", "")
    feed = client.get(link)
    assert feed.status_code == 200
    events = {str(e["summary"]).split(": ", 1)[1]: e for e in icalendar.Calendar.from_ical(feed.data).walk("VEVENT")}
    assert set(events) == {"End of time", "Start of time", "Reply to the seller"}
    assert events["End of time"].decoded("dtstart") == date(9999, 12, 31)
    for url in ("/", "/deadlines", f"/cases/{case.id}", "/dashboard"):
        response = client.get(url)
        assert response.status_code == 200, url
    assert "Reply to the seller" in client.get("/deadlines").get_data(as_text=True)
