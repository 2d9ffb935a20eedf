"""The case list and its CSV export: who sees what, filters, sorting, paging, queries and Excel safety."""
import csv
import io
import re

import pytest
import sqlalchemy as sa
from sqlalchemy.sql import operators

from ipdesk.cases.listing import SORT_ORDERS
from ipdesk.cases.models import Case, Stage
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from tests.factories import make_case


def csv_rows(response):
    raw = response.get_data()
    assert raw.startswith("\ufeff".encode()), "UTF-8 with a byte-order mark, so Excel reads Hangul"
    return list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))


@pytest.fixture
def two_companies(factories):
    a, b = factories.CompanyFactory(), factories.CompanyFactory()
    exporter_a, exporter_b = factories.exporter(company=a), factories.exporter(company=b)
    case_a = make_case("intake", company=a, author=exporter_a, country="CN", title="Fake serum in Shanghai")
    case_b = make_case("intake", company=b, author=exporter_b, country="TH", title="Bangkok pirated webtoon")
    return exporter_a, exporter_b, case_a, case_b


def test_exporters_see_only_their_company_cases(client, make_client, login, two_companies):
    exporter_a, exporter_b, case_a, case_b = two_companies
    login(client, exporter_a)
    listing = client.get("/cases").get_data(as_text=True)
    assert "Fake serum in Shanghai" in listing and "Bangkok pirated webtoon" not in listing
    rows = csv_rows(client.get("/cases/export.csv"))
    assert [r[1] for r in rows[1:]] == ["Fake serum in Shanghai"]
    for url in (f"/cases/{case_b.id}", f"/cases/{case_b.id}/edit"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/cases/{case_b.id}/messages", data={"body": "hi"}).status_code == 404
    assert client.post(f"/cases/{case_b.id}/move", data={"transition": "withdraw", "note": "x",
                                                          "version": "1"}).status_code == 404
    assert client.get("/cases?q=bangkok").get_data(as_text=True).count("Bangkok pirated webtoon") == 0


def test_staff_see_only_their_hubs_cases(client, factories, login, two_companies):
    _, _, case_a, case_b = two_companies
    login(client, factories.staff(hub_codes=("th",)))
    listing = client.get("/cases").get_data(as_text=True)
    assert "Bangkok pirated webtoon" in listing and "Fake serum in Shanghai" not in listing
    assert client.get(f"/cases/{case_a.id}").status_code == 404
    assert client.post(f"/cases/{case_a.id}/messages", data={"body": "hi"}).status_code == 404
    rows = csv_rows(client.get("/cases/export.csv"))
    assert [r[1] for r in rows[1:]] == ["Bangkok pirated webtoon"]


def test_managers_see_every_country_and_admins_no_cases(client, make_client, factories, login, two_companies):
    login(client, factories.manager())
    listing = client.get("/cases").get_data(as_text=True)
    assert "Bangkok pirated webtoon" in listing and "Fake serum in Shanghai" in listing
    admin = make_client()
    login(admin, factories.admin())
    assert admin.get("/cases").status_code == 403
    assert admin.get(f"/cases/{two_companies[2].id}").status_code == 404


def test_drafts_are_seen_only_by_their_authors_side(client, make_client, factories, login):
    exporter = factories.exporter()
    draft = make_case("draft", company=exporter.company, author=exporter, title="Unfinished draft")
    login(client, factories.manager())
    assert "Unfinished draft" not in client.get("/cases").get_data(as_text=True)
    assert client.get(f"/cases/{draft.id}").status_code == 404
    colleague = make_client()
    login(colleague, factories.exporter(company=exporter.company))
    assert "Unfinished draft" in colleague.get("/cases").get_data(as_text=True)


def test_filters_and_sorting(client, factories, login):
    login(client, factories.manager())
    make_case("intake", country="CN", title="Alpha case", infringer_name="Shenzhen Copy Ltd")
    make_case("evidence", country="VN", title="Beta case", sector=None)
    make_case("closed", country="TH", title="Gamma case")
    def titles(query):
        html = client.get("/cases?" + query).get_data(as_text=True)
        return [t for t in ("Alpha case", "Beta case", "Gamma case") if t in html]
    assert titles("country=VN") == ["Beta case"]
    assert titles("stage=closed") == ["Gamma case"]
    assert titles("q=shenzhen") == ["Alpha case"]
    assert titles("q=CN-2026") == ["Alpha case"]
    assert titles("sector=beauty") == ["Alpha case", "Gamma case"]
    japan = db.session.scalar(sa.select(Hub.id).where(Hub.code == "jp"))
    assert titles(f"hub={japan}") == []
    assert titles("hub=999") == ["Alpha case", "Beta case", "Gamma case"]  # not a hub: the filter is ignored
    assert titles("assignee=none") == ["Alpha case", "Beta case", "Gamma case"]
    assert titles("date_from=2000-01-01&date_to=2100-01-01") == ["Alpha case", "Beta case", "Gamma case"]
    html = client.get("/cases?sort=country").get_data(as_text=True)
    assert html.index("Alpha case") < html.index("Gamma case") < html.index("Beta case")
    assert client.get("/cases?date_from=not-a-date").status_code == 200


def test_csv_neutralises_formulas(client, factories, login):
    login(client, factories.manager())
    make_case("intake", title="=HYPERLINK(\"http://evil.example\")", infringer_name="+cmd|' /C calc'!A0")
    make_case("intake", title="@SUM(1)", infringer_name="-2+3")
    rows = csv_rows(client.get("/cases/export.csv"))
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=HYPERLINK(\"http://evil.example\")" in cells and "'+cmd|' /C calc'!A0" in cells
    assert "'@SUM(1)" in cells and "'-2+3" in cells
    assert not any(cell[:1] in "=+-@" for cell in cells if cell)


def test_csv_with_assigned_cases_and_columns_per_role(client, make_client, factories, login):
    exporter = factories.exporter()
    officer = factories.staff(hub_codes=("cn-north",))
    make_case("evidence", company=exporter.company, author=exporter, assignee_id=officer.id)
    login(client, officer)
    staff_rows = csv_rows(client.get("/cases/export.csv"))
    assert staff_rows[0][-2:] == ["Hub", "Assigned to"] and staff_rows[1][-1] == officer.name
    exporter_client = make_client()
    login(exporter_client, exporter)
    exporter_rows = csv_rows(exporter_client.get("/cases/export.csv"))
    assert "Assigned to" not in exporter_rows[0] and officer.name not in exporter_rows[1]


def test_odd_list_parameters_never_fail(client, factories, login):
    login(client, factories.manager())
    make_case("intake")
    for query in ("date_to=9999-12-31", "date_from=0001-01-01", "page=9223372036854775807", "page=-1",
                  "sort=nonsense", "stage=nonsense", "q=" + "x" * 500):
        response = client.get("/cases?" + query)
        assert response.status_code in (200, 404), query
        export = client.get("/cases/export.csv?" + query)
        export.close()  # a streamed answer not read: closed, so its request's context ends now, not when collected
        assert export.status_code == 200, query
    assert client.get("/cases?q=a%00b").status_code == 400


def test_csv_has_hangul_headers_in_korean(client, factories, login):
    login(client, factories.manager())
    make_case("intake")
    rows = csv_rows(client.get("/cases/export.csv", headers={"Accept-Language": "ko"}))
    assert rows[0][:3] == ["참조번호", "제목", "기업"]
    assert rows[1][3] == "중국"


def bulk_cases(n: int, company, author, year: int, *, variety=None) -> None:
    """n submitted cases at once (the list must not care how many there are).

    :param variety: (companies, assignees) to spread the rows over, so that a lazy load per row
        would show as extra queries.
    """
    template = make_case("intake", company=company, author=author)
    columns = {c.key: getattr(template, c.key) for c in Case.__table__.columns if c.key not in ("id", "reference")}
    companies, assignees = variety or ([company], [None])
    db.session.execute(sa.insert(Case), [
        {**columns, "reference": f"CN-{year}-{i:05d}", "title": f"Bulk case {i}",
         "company_id": companies[i % len(companies)].id, "hub_id": HUBS[i % len(HUBS)],
         "assignee_id": assignees[i % len(assignees)].id if assignees[i % len(assignees)] else None}
        for i in range(n - 1)])
    db.session.commit()


HUBS: list[int] = []


@pytest.mark.parametrize("role", ["manager", "staff", "exporter"])
def test_list_runs_the_same_number_of_queries_for_5_and_500_cases(client, factories, login, count_queries, role):
    company = factories.CompanyFactory()
    author = factories.exporter(company=company)
    officer = factories.staff(hub_codes=("cn-north",))
    north = officer.hubs[0].id
    HUBS[:] = [north]  # one hub, so a staff member of it sees every row
    viewer = {"manager": factories.manager, "staff": lambda: officer,
              "exporter": lambda: factories.exporter(company=company)}[role]()
    bulk_cases(5, company, author, 2024, variety=([company], [officer]))  # the same shapes as below, few rows
    login(client, viewer)
    with count_queries() as few:
        assert "5 in all" in client.get("/cases").get_data(as_text=True)
    # many companies, hubs and assignees: a lazy load per row would add queries
    others = [company] if role == "exporter" else [company, *(factories.CompanyFactory() for _ in range(30))]
    assignees = [None, officer, *(factories.staff(hub_codes=("cn-north",)) for _ in range(10))]
    if role == "manager":
        HUBS[:] = list(db.session.scalars(sa.select(Hub.id)))
    bulk_cases(496, company, author, 2025, variety=(others, assignees))
    with count_queries() as many:
        assert "501 in all" in client.get("/cases").get_data(as_text=True)
    assert many.count == few.count, many.statements


def test_list_paginates(client, factories, login):
    HUBS[:] = [db.session.scalar(sa.select(Hub.id).where(Hub.code == "cn-north"))]
    company = factories.CompanyFactory()
    bulk_cases(30, company, factories.exporter(company=company), 2025)
    login(client, factories.manager())
    first = client.get("/cases").get_data(as_text=True)
    assert "30 in all" in first and first.count("Bulk case") == 25
    second = client.get("/cases?page=2").get_data(as_text=True)
    assert second.count("Bulk case") + second.count("Counterfeit serum") == 5
    assert client.get("/cases?page=3").status_code == 404


@pytest.mark.parametrize("sort", ["newest", "oldest", "reference", "updated", "stage", "country"])
def test_reading_every_page_shows_every_case_once_in_the_sort_order(client, factories, login, sort):
    """Pages are picked by key first (``KeysFirstPagination``): read one after the other, they hold every case
    once, in the order of the sort, ties broken the same way on every page."""
    from datetime import UTC, datetime, timedelta

    from ipdesk.cases.listing import SORT_ORDERS

    HUBS[:] = [db.session.scalar(sa.select(Hub.id).where(Hub.code == "cn-north"))]
    company = factories.CompanyFactory()
    bulk_cases(60, company, factories.exporter(company=company), 2025)
    ids = db.session.scalars(sa.select(Case.id).order_by(Case.id)).all()
    start = datetime(2026, 3, 1, tzinfo=UTC)
    table = Case.__table__
    db.session.execute(sa.update(table).where(table.c.id == sa.bindparam("b_id")).values(
        submitted_at=sa.bindparam("b_when"), updated_at=sa.bindparam("b_updated"), stage=sa.bindparam("b_stage")),
        [{"b_id": case_id, "b_when": start - timedelta(days=n % 7), "b_updated": start + timedelta(hours=n % 5),
          "b_stage": ("intake", "evidence", "consultation")[n % 3]} for n, case_id in enumerate(ids)])
    db.session.commit()
    login(client, factories.manager())
    shown = []
    for number in (1, 2, 3):
        page = client.get(f"/cases?sort={sort}&page={number}").get_data(as_text=True)
        shown += list(dict.fromkeys(int(i) for i in re.findall(r'href="/cases/(\d+)"', page)))
    assert client.get(f"/cases?sort={sort}&page=4").status_code == 404
    assert shown == db.session.scalars(sa.select(Case.id).order_by(*SORT_ORDERS[sort])).all()


def test_stage_filter_uses_an_index():
    index_columns = {tuple(c.name for c in ix.columns) for ix in Case.__table__.indexes}
    for column in ("country_code", "hub_id", "stage", "sector", "ip_right", "dispute_type", "assignee_id",
                   "submitted_at", "updated_at", "company_id"):
        assert any(cols[0] == column for cols in index_columns), column
    assert Stage.closed.name == "closed"


def test_a_korean_csv_writes_times_as_spreadsheets_read_them(client, factories, login):
    """Submission times in the reader's zone as `2026-12-06 05:29`: a four-digit year and a 24-hour clock that
    every spreadsheet reads as a time and sorts, in Korean as in English (never AM/PM or `26.`)."""
    from datetime import UTC, datetime

    exporter = factories.exporter(timezone="Asia/Seoul", locale="ko")
    make_case("intake", company=exporter.company, author=exporter,
              submitted_at=datetime(2026, 12, 5, 20, 29, tzinfo=UTC))
    login(client, exporter)
    rows = csv_rows(client.get("/cases/export.csv"))
    assert rows[0][13] == "접수일" and rows[1][13] == "2026-12-06 05:29"


def test_the_export_streams_its_rows_as_they_are_read(app, factories, monkeypatch):
    """The file is sent in pieces of so many rows as the query yields them (constant memory at any size), the
    byte-order mark once at its start; the export is in the audit log before the first row is read. Read as a
    server thread reads it: no app context around the request, so the rows are read after its session ended."""
    import threading

    from flask.testing import FlaskClient

    from ipdesk.audit.models import AuditEntry
    from ipdesk.cases import listing
    from tests.conftest import PASSWORD

    monkeypatch.setattr(listing, "CSV_CHUNK_ROWS", 2)
    exporter = factories.exporter()
    for n in range(5):
        make_case("intake", company=exporter.company, author=exporter, title=f"Counterfeit cushion {n}")
    manager = factories.manager(timezone="Asia/Seoul")  # nothing before the rows asks for the time zone
    email = manager.email
    db.session.commit()
    seen = {}

    def server_thread():
        browser = FlaskClient(app, app.response_class)
        browser.post("/login", data={"email": email, "password": PASSWORD})
        response = browser.get("/cases/export.csv", buffered=False, headers={"Accept-Language": "en"})
        seen["status"], seen["streamed"] = response.status_code, response.is_streamed
        with app.app_context():
            exported = sa.select(sa.func.count()).select_from(AuditEntry).where(AuditEntry.action == "case.exported")
            seen["logged"] = db.session.scalar(exported)  # committed with the answer's headers, before the body
        seen["chunks"] = [chunk for chunk in response.response if chunk]
        response.close()

    reader = threading.Thread(target=server_thread)
    reader.start()
    reader.join()
    assert seen["status"] == 200 and seen["streamed"] and seen["logged"] == 1
    chunks = seen["chunks"]
    assert len(chunks) == 4  # the header line, then rows 1-2, 3-4 and 5
    assert chunks[0].startswith("\ufeff".encode()) and not any(c.startswith("\ufeff".encode()) for c in chunks[1:])
    rows = list(csv.reader(io.StringIO(b"".join(chunks).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Reference", "Title"]
    assert sorted(r[1] for r in rows[1:]) == [f"Counterfeit cushion {n}" for n in range(5)]


def test_the_count_comes_from_the_tallies_and_the_drafts_beside_them(client, make_client, factories, login,
                                                                      count_queries):
    officer = factories.staff(hub_codes=("cn-north",))
    for stage, country in [("intake", "CN"), ("evidence", "CN"), ("evidence", "CN"), ("closed", "CN"),
                           ("evidence", "TH")]:
        make_case(stage, country=country)
    make_case("draft", country="CN", author=officer)  # filed on the company's behalf: the hub's to see
    make_case("draft", country="CN")  # the company's own: nobody else's yet
    login(client, factories.manager())
    with count_queries() as listed:
        assert "6 in all" in client.get("/cases").get_data(as_text=True)
    counts = [s for s in listed.statements if s.lstrip().lower().startswith(("select count(", "select coalesce(sum("))]
    # the submitted cases from the tallies; the cases themselves only for the drafts
    assert counts and all("tallies" in s or "submitted_at IS NULL" in s for s in counts), counts
    assert "3 in all" in client.get("/cases?stage=evidence").get_data(as_text=True)
    assert "2 in all" in client.get("/cases?stage=evidence&country=CN").get_data(as_text=True)
    assert "1 in all" in client.get("/cases?stage=draft").get_data(as_text=True)
    staff = make_client()
    login(staff, officer)
    assert "5 in all" in staff.get("/cases").get_data(as_text=True)  # China's four and the draft filed for it
    assert "0 in all" in staff.get("/cases?country=TH").get_data(as_text=True)


def test_a_long_list_the_tallies_cannot_count_says_more_than(client, factories, login, monkeypatch):
    monkeypatch.setattr("ipdesk.cases.listing.COUNT_CAP", 30)
    HUBS[:] = [db.session.scalar(sa.select(Hub.id).where(Hub.code == "cn-north"))]
    company = factories.CompanyFactory()
    bulk_cases(60, company, factories.exporter(company=company), 2025)
    login(client, factories.manager())
    first = client.get("/cases?sector=beauty").get_data(as_text=True)
    assert "More than 30 in all" in first and first.count("Bulk case") == 25
    assert 'href="/cases?sector=beauty&amp;page=2"' in first
    # the third page is past the bound: it exists, it has a next page only if more follow
    third = client.get("/cases?sector=beauty&page=3").get_data(as_text=True)
    assert third.count("Bulk case") + third.count("Counterfeit serum") == 10
    assert 'class="page-item disabled">\n        <a class="page-link" href="/cases?sector=beauty&amp;page=3">Next' \
        in third
    assert client.get("/cases?sector=beauty&page=4").status_code == 404
    ko = client.get("/cases?sector=beauty", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "전체 30건 이상" in ko


@pytest.mark.parametrize("sort", sorted(SORT_ORDERS))
def test_every_sort_the_list_offers_has_an_index_in_its_order(sort):
    """Each sort's columns lead an index in the same directions, or all reversed (an index is read either way):
    the list reads its cases in order and never sorts them. The key may be left out where what comes before it is
    unique. At a million cases a sort no index matched took 290 ms for a page of 25 (bench/NOTES.md), and the bench
    line "the slowest of its 6 sorts" measures each."""
    def term(clause):  # (column name, descending) of an ORDER BY term, NULLS modifiers aside
        while getattr(clause, "modifier", None) in (operators.nulls_first_op, operators.nulls_last_op):
            clause = clause.element
        descending = getattr(clause, "modifier", None) is operators.desc_op
        return (clause.element if getattr(clause, "modifier", None) else clause).name, descending

    wanted = [term(clause) for clause in SORT_ORDERS[sort]]
    table = Case.__table__
    uniques = [[(column.name, False) for column in constraint.columns] for constraint in table.constraints
               if isinstance(constraint, sa.UniqueConstraint)]
    uniques += [[term(expression) for expression in index.expressions] for index in table.indexes if index.unique]
    indexes = uniques + [[term(expression) for expression in index.expressions] for index in table.indexes]

    def serves(columns, need):
        lead = columns[:len(need)]
        return [name for name, _ in lead] == [name for name, _ in need] and (
            [d for _, d in lead] == [d for _, d in need] or [not d for _, d in lead] == [d for _, d in need])

    assert any(serves(columns, wanted) for columns in indexes) or (
        wanted[-1][0] == "id" and any(serves(columns, wanted[:-1]) for columns in uniques
                                      if len(columns) == len(wanted) - 1)), f"no index in the order of {wanted}"
