"""Dates that cannot be (issue 16, point 4): a date in the future where only the past makes sense, a deadline
before its case began, an end before its start. Each comes back with a clear message next to its field,
in the reader's language, and what was typed is kept."""
from datetime import timedelta

import sqlalchemy as sa

from ipdesk.actions.models import Litigation
from ipdesk.cases.models import Case
from ipdesk.core.db import utcnow
from ipdesk.deadlines.models import Deadline
from ipdesk.extensions import db
from tests.cases.test_intake import FULL
from tests.factories import make_case

TOMORROW = (utcnow() + timedelta(days=2)).date().isoformat()  # tomorrow in every time zone


def test_an_intake_noticed_in_the_future_is_refused_next_to_the_field(client, factories, login_as):
    login_as(factories.exporter())
    response = client.post("/cases/new", data={**FULL, "first_noticed_on": TOMORROW, "submit": "1"},
                           headers={"Accept-Language": "ko"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "침해를 알게 된 날짜는 오늘 이후일 수 없습니다." in page
    assert FULL["description"] in page and TOMORROW in page  # what was typed is still there
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_evidence_collected_in_the_future_is_refused(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter)
    login_as(exporter)
    response = client.post(f"/cases/{case.id}/evidence", data={"kind": "photo", "description": "Shelf photo",
                                                               "collected_on": TOMORROW})
    assert response.status_code == 422
    assert "Evidence cannot have been collected after today." in response.get_data(as_text=True)


def test_a_deadline_before_the_case_began_is_refused(client, factories, login_as):
    case = make_case("evidence", country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    before = (case.created_at - timedelta(days=30)).date().isoformat()
    response = client.post(f"/cases/{case.id}/deadlines", data={"what": "Reply to the seller", "due_on": before})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "A deadline cannot be before the case began" in page and "Reply to the seller" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deadline)) == 0
    later = (case.created_at + timedelta(days=30)).date().isoformat()
    assert client.post(f"/cases/{case.id}/deadlines", data={"what": "Reply", "due_on": later}).status_code == 302


def test_a_judgment_before_the_suit_was_filed_is_refused(client, factories, login_as):
    case = make_case("action", country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/cases/{case.id}/litigation", data={
        "suit-court": "Beijing IP Court", "suit-status": "judged", "suit-filed_on": "2026-06-01",
        "suit-judged_on": "2026-05-01", "suit-damages_currency": ""})
    assert response.status_code == 422
    assert "The judgment cannot be before the suit was filed." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Litigation)) == 0


def test_a_case_list_period_that_ends_before_it_starts_says_so(client, factories, login_as):
    login_as(factories.manager())
    response = client.get("/cases?date_from=2026-06-01&date_to=2026-05-01", headers={"Accept-Language": "ko"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "기간의 끝이 시작보다 앞섭니다." in page and 'value="2026-05-01"' in page
