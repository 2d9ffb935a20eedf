"""The dashboards: who may see them, what each role sees, and a query count that does not grow with the data."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Outcome, StageChange
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub
from tests.reports.conftest import at


def test_who_gets_a_dashboard(client, make_client, factories, login):
    assert client.get("/dashboard").status_code == 302  # to the sign-in page
    for user in (factories.exporter(), factories.staff(), factories.manager()):
        browser = make_client()
        login(browser, user)
        page = browser.get("/dashboard")
        assert page.status_code == 200, user
        assert 'href="/dashboard"' in browser.get("/").get_data(as_text=True)  # in the navigation
    admin = make_client()
    login(admin, factories.admin())
    assert admin.get("/dashboard").status_code == 403
    assert 'href="/dashboard"' not in admin.get("/").get_data(as_text=True)


@pytest.fixture
def network(app, build):
    today = date.today()
    cn = build.case("evidence", country="CN", title="Fake serum in Shanghai")
    build.case("intake", country="CN")
    th = build.case("action", country="TH")
    build.case("closed", country="TH", outcome=Outcome.takedown, closed_at=at(today.year, today.month, 1))
    build.deadline(cn, "Opposition", today - timedelta(days=5))
    build.deadline(th, "Appeal", today - timedelta(days=5))
    return cn, th


def test_a_manager_sees_the_network_by_country_and_by_hub(client, factories, login, network):
    login(client, factories.manager())
    page = client.get("/dashboard").get_data(as_text=True)
    assert page.count('class="chart-wide"') == page.count('class="chart-narrow"') == 4  # each drawn for phones too
    assert page.count('role="img"') == 8
    assert "China" in page and "Thailand" in page and "Listing removed" in page
    assert "/cases?stage=evidence&amp;country=CN\">1<" in page and "/cases?overdue=1&amp;country=TH\">1<" in page
    assert "Fake serum in Shanghai" not in page  # numbers, not cases
    by_hub = client.get("/dashboard?by=hub").get_data(as_text=True)
    for code in ("cn-north", "th"):
        name = db.session.scalar(sa.select(Hub.name_en).where(Hub.code == code))
        assert name in by_hub, name
    assert "Open cases by stage, per hub" in by_hub


def test_staff_see_their_hubs_only(client, factories, login, network):
    login(client, factories.staff(hub_codes=("th",)))
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Thailand" in page and "China" not in page and "The cases of my hubs" in page


def test_the_dashboard_speaks_korean(client, factories, login, network):
    login(client, factories.manager())
    page = client.get("/dashboard", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "중국" in page and "태국" in page
    assert f"{date.today().month}월" in page  # month names by Babel


def test_an_exporter_sees_only_their_company(client, factories, login, build):
    exporter = factories.exporter()
    mine = build.case("returned", company=exporter.company, author=exporter, title="Please send the receipt")
    build.case("evidence", company=exporter.company, author=exporter)
    build.deadline(mine, "Send the invoice", date.today() + timedelta(days=3))
    other = factories.exporter()
    theirs = build.case("evidence", company=other.company, author=other, title="Another company's case")
    build.deadline(theirs, "Their secret deadline", date.today() + timedelta(days=1))
    build.bulk(theirs, 36, "XX-2026", country_code="TH")  # 37 cases in evidence: a number to look for
    login(client, exporter)
    page = client.get("/dashboard").get_data(as_text=True)
    assert "Please send the receipt" in page and "Send the invoice" in page and mine.reference in page
    assert "Another company" not in page and "Their secret deadline" not in page and ">37<" not in page
    assert "Thailand" not in page and "XX-2026" not in page
    assert page.count('class="chart-wide"') == page.count('class="chart-narrow"') == 2
    assert page.count('role="img"') == 4


def spread(build, n: int, prefix: str, template, countries: list[str], hubs: list[int], closed_template):
    """n open and n closed cases over many countries and hubs, each open one with an overdue deadline."""
    build.bulk(template, n, prefix, country_code=lambda i: countries[i % len(countries)],
               hub_id=lambda i: hubs[i % len(hubs)], submitted_at=lambda i: at(2026, 1 + i % 12, 1))
    build.bulk(closed_template, n, prefix + "C", country_code=lambda i: countries[i % len(countries)],
               hub_id=lambda i: hubs[i % len(hubs)])


@pytest.mark.parametrize("role", ["manager", "staff", "exporter"])
def test_the_dashboard_runs_the_same_number_of_queries_for_few_and_many_cases(client, factories, login, build,
                                                                             count_queries, role):
    exporter = factories.exporter()
    company = exporter.company
    officer = factories.staff(hub_codes=("cn-north", "th"))
    viewer = {"manager": factories.manager, "staff": lambda: officer, "exporter": lambda: exporter}[role]()
    today = date.today()
    template = build.case("evidence", company=company, author=exporter)
    closed = build.case("closed", company=company, author=exporter, outcome=Outcome.won,
                        closed_at=at(today.year, today.month, 1))
    build.deadline(template, "Overdue", today - timedelta(days=2))
    build.history(template, ("draft", "intake", at(2026, 1, 1)), ("intake", "evidence", at(2026, 1, 2)))
    login(client, viewer)
    with count_queries() as few:
        assert client.get("/dashboard").status_code == 200
    countries = list(db.session.scalars(sa.select(Country.code)))
    hubs = [officer.hubs[0].id, officer.hubs[1].id] if role == "staff" else list(db.session.scalars(sa.select(Hub.id)))
    spread(build, 400, "BULK-2026", template, countries, hubs, closed)
    with count_queries() as many:
        page = client.get("/dashboard").get_data(as_text=True)
    assert "401" in page  # the many cases are counted
    if role == "manager":
        assert "Other countries (" in page  # the chart shows the fifteen largest; the table all
    assert many.count == few.count, many.statements


def test_the_dashboard_counts_refusals_by_reason(app, make_client, factories, login, build):
    """Returns and rejections of the viewer's cases and refused companies since the first month shown, per reason."""
    from ipdesk.cases.services import move_case
    from ipdesk.companies.services import refuse_company
    from ipdesk.core.db import utcnow
    from tests.factories import reason_id

    china = factories.staff(hub_codes=("cn-north",))
    cases = [build.case("intake", country="CN") for _ in range(4)]
    company = factories.CompanyFactory(pending=True)
    with app.test_request_context():  # as the pages would, with a request (the services' notifications read it)
        for case, (transition, code) in zip(cases, [("return", "missing_proof_of_rights"),
                                                    ("return", "missing_proof_of_rights"),
                                                    ("reject", "missing_proof_of_rights"), ("reject", "outside_scope")],
                                            strict=True):
            move_case(case, transition, china, note="Refused.", reason_id=int(reason_id(code)))
        refuse_company(company, int(reason_id("duplicate_account")), "Twice.", china)
        db.session.commit()
    old = build.case("returned", country="CN")  # returned before reasons were asked for
    build.history(old, ("intake", "returned", utcnow()))
    db.session.execute(sa.update(StageChange).where(StageChange.case_id == old.id).values(transition="return"))
    db.session.commit()

    manager = make_client()
    login(manager, factories.manager())
    page = manager.get("/dashboard").get_data(as_text=True)
    assert "Refusals by reason since" in page
    assert _refusal_row(page, "missing_proof_of_rights") == ["Missing proof of rights", "2", "1", "0"]
    assert _refusal_row(page, "outside_scope") == ["Outside the programme's scope", "0", "1", "0"]
    assert _refusal_row(page, "duplicate_account") == ["Duplicate of an existing account", "0", "0", "1"]
    assert _refusal_row(page, "none") == ["Not given", "1", "0", "0"]
    korean = manager.get("/dashboard", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert _refusal_row(korean, "missing_proof_of_rights")[0] == "권리 증빙 자료 누락"

    thailand = make_client()
    login(thailand, factories.staff(hub_codes=("th",)))
    page = thailand.get("/dashboard").get_data(as_text=True)
    assert _refusal_row(page, "missing_proof_of_rights") is None  # China's cases are not theirs
    assert _refusal_row(page, "duplicate_account") == ["Duplicate of an existing account", "0", "0", "1"]


def _refusal_row(page: str, key: str) -> list[str] | None:
    """The cells of the refusals table's row for the reason ``key``, as text."""
    import html
    import re

    row = re.search(rf'<tr data-reason="{key}">(.*?)</tr>', page, re.S)
    return [html.unescape(cell.strip()) for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row.group(1), re.S)] \
        if row else None
