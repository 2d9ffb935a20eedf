"""Supports given: a case that reached evidence collection or a later stage, counted once, from the month it
first did, on the dashboard, in the country summary (per hub too) and in the figures' CSV."""
import csv
import io
import re
from datetime import date

import sqlalchemy as sa

from ipdesk.cases.models import Case, Outcome
from ipdesk.cases.services import move_case
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.reports import tallies
from ipdesk.reports.stats import country_summary, network_figures, network_overview
from tests.factories import make_case, make_enquiry
from tests.reports.conftest import at


def _hub(code: str) -> Hub:
    return db.session.scalar(sa.select(Hub).where(Hub.code == code))


def test_a_case_is_a_support_once_from_its_first_move_to_evidence_collection(app, factories):
    officer, manager = factories.staff(hub_codes=("cn-north",)), factories.manager()
    accepted, refused = make_case("intake", country="CN"), make_case("intake", country="CN")
    with app.test_request_context():
        move_case(accepted, "accept", officer)
        db.session.commit()
        db.session.refresh(accepted)
        first = accepted.supported_at
        assert first is not None
        for name in ("close", "reopen"):  # closed and reopened: still the one support
            move_case(accepted, name, manager if name == "reopen" else officer, note="Why.",
                      outcome=Outcome.settled if name == "close" else None,
                      ends={} if name == "close" else None)
            db.session.commit()
        move_case(refused, "withdraw", refused.created_by, note="Settled with the seller ourselves.", ends={})
        db.session.commit()
        db.session.refresh(accepted)
        db.session.refresh(refused)
        assert accepted.supported_at == first and refused.supported_at is None
        assert tallies.drift() == []
        overview = network_overview(manager, today=date.today())
        assert overview.supports == 1
        assert {row.key: row.supports for row in overview.by_country}["CN"] == 1


def test_the_country_summary_counts_supports_of_its_period_per_hub(app, factories, build):
    """Whole months from the tallies, the days around them from the cases: the same either way, per hub, and after
    the tallies are folded."""
    today = date(2026, 12, 7)
    south = _hub("cn-south")
    reached = [at(2026, 1, 31, 23), at(2026, 2, 1, 0, 30), at(2026, 3, 15), at(2026, 4, 2), at(2026, 4, 20)]
    for n, when in enumerate(reached):
        case = build.case("evidence", country="CN", **({"hub_id": south.id} if n == 2 else {}))
        build.history(case, ("intake", "evidence", when), ("evidence", "consultation", at(2026, 5, 1)))
    build.history(build.case("evidence", country="TH"), ("intake", "evidence", at(2026, 3, 1)))
    build.history(build.case("returned", country="CN"), ("intake", "returned", at(2026, 3, 1)))  # not a support
    make_enquiry(country="CN", created_at=at(2026, 3, 2), question="Asked in March")
    with app.test_request_context():
        for start, end, expected in ((date(2026, 2, 1), date(2026, 4, 10), 3),  # Feb, Mar and ten days
                                     (date(2026, 1, 31), date(2026, 3, 31), 3), (date(2026, 4, 3), today, 1)):
            assert country_summary("CN", start, end, today=today).supports == expected, (start, end)
        tallies.compact(today)
        summary = country_summary("CN", date(2026, 2, 1), date(2026, 4, 10), today=today)
        assert summary.supports == 3
        assert {h.key: (h.enquiries, h.supports) for h in summary.hubs} == {"cn-north": (1, 2), "cn-south": (0, 1)}
        figures = {(row.country_code, row.hub_code): row for row in network_figures(
            factories.manager(), date(2026, 2, 1), date(2026, 4, 10))}
        assert (figures["CN", "cn-south"].supports, figures["CN", "cn-north"].supports) == (1, 2)
        assert figures["TH", "th"].supports == 1 and figures["VN", "vn"].supports == 0  # every hub's country


def test_managers_and_staff_download_the_figures_of_a_period(client, factories, login_as, make_client, login, build):
    build.history(build.case("evidence", country="CN"), ("intake", "evidence", at(2026, 3, 1)))
    build.history(build.case("evidence", country="TH"), ("intake", "evidence", at(2026, 3, 2)))
    enquiry = make_enquiry(country="TH", created_at=at(2026, 3, 3), question="Thai question")
    make_enquiry(country="TH", created_at=at(2026, 3, 4), case_id=db.session.scalar(
        sa.select(Case.id).where(Case.country_code == "TH")), question="Became a case")
    assert enquiry.hub.code == "th"
    login_as(factories.manager())
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'action="/dashboard/figures.csv"' in dashboard and re.search(r'data-supports="total">2<', dashboard)
    response = client.get("/dashboard/figures.csv", query_string={"figures-start": "2026-03-01",
                                                                  "figures-end": "2026-03-31"},
                          headers={"Accept-Language": "ko"})
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "ipdesk-figures-2026-03-01-2026-03-31.csv" in response.headers["Content-Disposition"]
    text = response.get_data().decode("utf-8")
    assert text.startswith("\ufeff")  # Excel opens Hangul with it
    rows = list(csv.reader(io.StringIO(text[1:])))
    assert rows[0][:9] == ["국가", "국가 코드", "센터", "센터 코드", "시작일", "종료일", "접수 문의", "사건 전환",
                           "지원 건수"] and len(rows[0]) == 13
    by = {(row[1], row[3]): row for row in rows[1:]}
    assert by["TH", "th"][0] == "태국" and by["TH", "th"][4:9] == ["2026-03-01", "2026-03-31", "2", "1", "1"]
    assert by["CN", "cn-north"][6:] == ["0", "0", "1", "0", "0", "0", "0"]
    assert len(rows) - 1 == len(by) >= 40  # every country of the network, by each hub that covers it
    thai = make_client()
    login(thai, factories.staff(hub_codes=("th",)))
    mine = thai.get("/dashboard/figures.csv", query_string={"figures-start": "2026-03-01",
                                                            "figures-end": "2026-03-31"}).get_data().decode()
    assert [row[3] for row in csv.reader(io.StringIO(mine[1:]))][1:] == ["th"] * (len(mine.splitlines()) - 1)
    # a period that does not hold comes back on the dashboard with what was typed and why
    wrong = thai.get("/dashboard/figures.csv", query_string={"figures-start": "2026-03-31",
                                                             "figures-end": "2026-03-01"})
    page = wrong.get_data(as_text=True)
    assert wrong.status_code == 422 and "The period ends before it starts." in page
    assert 'value="2026-03-31"' in page and 'value="2026-03-01"' in page
    exporter = make_client()
    login(exporter, factories.exporter())
    assert exporter.get("/dashboard/figures.csv").status_code == 403
