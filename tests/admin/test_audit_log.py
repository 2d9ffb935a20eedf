"""The audit log browser: who, what, which case (with its child objects) and when, paged with its filters."""
import re
from datetime import UTC, datetime

import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.audit.services import insert_entries, log_event
from ipdesk.extensions import db
from tests.factories import make_case, make_evidence_file


def actions_on(page: str) -> list[str]:
    return re.findall(r"<code>([a-z_.]+)</code>", page)


def test_filters_by_who_what_case_and_period(client, factories, login_as):
    admin = factories.admin()
    officer = factories.staff()
    case, other = make_case("evidence"), make_case("evidence")
    file = make_evidence_file(case, officer)
    log_event("case.stage_changed", actor=officer, obj=case)
    log_event("evidence.uploaded", actor=officer, obj=file)  # a child object of the case
    log_event("infringer.linked", actor=officer, obj=officer, data={"case_id": case.id})
    log_event("case.stage_changed", actor=officer, obj=other)
    log_event("company.approved", actor=admin, obj=case.company)
    insert_entries([{"created_at": datetime(2026, 3, 1, 14, 59, tzinfo=UTC), "action": "old.before",  # 23:59 Seoul
                     "data": {}},
                    {"created_at": datetime(2026, 3, 1, 15, 0, tzinfo=UTC), "action": "old.inside",  # 00:00 Seoul
                     "data": {}}])
    db.session.commit()
    login_as(admin)

    def shown(query: str) -> list[str]:
        response = client.get(f"/admin/audit?{query}")
        assert response.status_code == 200
        return sorted(actions_on(response.get_data(as_text=True)))

    about_case = ["case.stage_changed", "evidence.uploaded", "infringer.linked"]
    assert shown(f"case={case.reference}") == about_case
    assert shown(f"case={case.reference.lower()}") == about_case
    assert shown(f"case={case.id}") == about_case
    assert shown("case=CN-1999-00001") == []
    assert shown(f"actor={officer.email.upper()}") == ["case.stage_changed", "case.stage_changed",
                                                       "evidence.uploaded", "infringer.linked"]
    assert shown(f"actor={admin.id}&action=company.") == ["company.approved"]
    assert shown(f"actor={officer.id}&case={other.id}") == ["case.stage_changed"]
    assert shown("date_from=2026-03-02&date_to=2026-03-02") == ["old.inside"]  # the admin's day, in Seoul
    assert shown("date_to=2026-03-01") == ["old.before"]
    page = client.get("/admin/audit?date_from=2026-03-02&date_to=2026-03-01").get_data(as_text=True)
    assert "The end of the period is before its start." in page
    assert client.get("/admin/audit?date_from=not-a-date").status_code == 200
    assert shown("case=99999999999999999999") == shown("actor=99999999999999999999") == []


def test_pages_keep_their_filters(client, factories, login_as):
    admin = factories.admin()
    case = make_case("evidence")
    insert_entries([{"created_at": datetime(2026, 5, 1, tzinfo=UTC), "action": "case.note", "case_id": case.id,
                     "data": {"n": n}} for n in range(30)])
    db.session.commit()
    login_as(admin)
    page = client.get(f"/admin/audit?case={case.reference}&action=case.").get_data(as_text=True)
    assert "30 in all" in page and len(actions_on(page)) == 25
    assert f'href="/admin/audit?case={case.reference}&amp;action=case.&amp;page=2"' in page
    second = client.get(f"/admin/audit?case={case.reference}&action=case.&page=2").get_data(as_text=True)
    assert len(actions_on(second)) == 5


def test_a_page_costs_the_same_queries_for_few_and_many_entries(client, factories, login_as, count_queries):
    admin = factories.admin()
    login_as(admin)
    log_event("test.one", actor=admin, obj=make_case("evidence"))
    db.session.commit()
    query = "/admin/audit?action=test.&date_from=2020-01-01"
    with count_queries() as few:
        assert client.get(query).status_code == 200
    for _ in range(30):  # other actors and other cases on every row
        log_event("test.many", actor=factories.staff(), obj=make_case("evidence"))
    db.session.commit()
    with count_queries() as many:
        page = client.get(query).get_data(as_text=True)
    assert "31 in all" in page
    assert many.count == few.count, many.statements


def test_every_filtered_column_is_indexed(app):
    indexed = {tuple(index["column_names"]) for index in sa.inspect(db.engine).get_indexes("audit_entries")}
    for column in ("actor_id", "action", "case_id", "object_type", "created_at"):
        assert (column,) in indexed, column
    assert AuditEntry.__table__.c.case_id.index
