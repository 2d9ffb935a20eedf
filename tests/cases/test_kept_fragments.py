"""Parts of the case list and the case page are rendered once and kept (``{% kept %}`` and ``render_kept``,
``ipdesk.core.fragments``): the list's rows and filter form, the case page's evidence table, moves, routing and
timeline. Each viewer still sees what a page
rendered afresh would show them: every change shows at once, in their language, with their own CSRF token, and a
form sent back with errors keeps what was typed."""
import re

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Case, Stage
from ipdesk.core.fragments import fragments
from ipdesk.evidence.models import CustodyEvent, CustodyKind
from ipdesk.extensions import db
from tests.conftest import PASSWORD, running_app
from tests.factories import make_case, make_evidence_file, reason_id

pytestmark = pytest.mark.csrf


@pytest.fixture
def csrf_app(database_url):
    with running_app(database_url, WTF_CSRF_ENABLED=True) as app:
        fragments.clear()
        yield app
        fragments.clear()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(app, user):
    browser = app.test_client()
    token = _token(browser.get("/login").get_data(as_text=True))
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}) \
        .status_code == 302
    return browser


def _row(page: str, reference: str) -> str:
    start = page.rindex("<tr>", 0, page.index(f">{reference}</a>"))
    return page[start:page.index("</tr>", start)]


def _kept(where: str) -> int:
    return sum(1 for key in fragments._kept if str(key[0]).startswith(where))


def test_list_rows_and_filters_kept_show_every_change_in_each_language_and_side(csrf_app, factories):
    exporter = factories.exporter()
    staff = factories.staff(hub_codes=("cn-north",))
    case = make_case("intake", company=exporter.company, author=exporter, country="CN", title="Fake serum on Taobao")
    db.session.commit()
    reference = case.reference

    browser = _sign_in(csrf_app, staff)
    first = browser.get("/cases").get_data(as_text=True)
    again = browser.get("/cases").get_data(as_text=True)
    assert _kept("cases/list.html") >= 2  # the form and the row
    assert _row(again, reference) == _row(first, reference)
    assert "Fake serum on Taobao" in _row(again, reference) and "Nobody" not in _row(again, reference)

    # what the row shows changes, one thing at a time: its title, company name, assignee and stage
    case.title = "Fake toner on Lazada"
    db.session.commit()
    row = _row(browser.get("/cases").get_data(as_text=True), reference)
    assert "Fake toner on Lazada" in row and "Fake serum on Taobao" not in row
    case.company.name_en = "Renamed Beauty Co."
    db.session.commit()
    assert "Renamed Beauty Co." in _row(browser.get("/cases").get_data(as_text=True), reference)
    case.assignee_id = staff.id
    db.session.commit()
    assert staff.name in _row(browser.get("/cases").get_data(as_text=True), reference)
    db.session.get(Case, case.id).stage = Stage.evidence
    db.session.commit()
    row = _row(browser.get("/cases").get_data(as_text=True), reference)
    assert "Collect evidence" in row and "Review the intake" not in row

    # the exporter's side: no company, hub or assignee columns, and the exporter's next step
    exporter_row = _row(_sign_in(csrf_app, exporter).get("/cases").get_data(as_text=True), reference)
    assert "Renamed Beauty Co." not in exporter_row and staff.name not in exporter_row
    assert "Evidence is being collected" in exporter_row

    # the filter form shows what was asked, each time: typed text, a choice, an error in the user's language
    searched = browser.get("/cases?q=toner&country=CN").get_data(as_text=True)
    assert 'value="toner"' in searched and re.search(r'<option selected value="CN">', searched)
    plain = browser.get("/cases").get_data(as_text=True)
    assert 'value="toner"' not in plain and not re.search(r'<option selected value="CN">', plain)
    wrong = browser.get("/cases?date_from=2026-13-45").get_data(as_text=True)
    assert 'value="2026-13-45"' in wrong and "is-invalid" in wrong
    browser.post("/language", data={"lang": "ko", "csrf_token": _token(plain)})
    korean = browser.get("/cases?date_from=2026-13-45").get_data(as_text=True)
    assert "is-invalid" in korean and 'value="2026-13-45"' in korean
    assert "증거 수집" in _row(korean, reference) and "Collect evidence" not in korean


def test_case_page_moves_routing_and_timeline_kept_carry_each_viewers_token_and_every_change(csrf_app, factories):
    exporter = factories.exporter()
    staff = factories.staff(hub_codes=("cn-north",), name="Kim Staff")
    colleague = factories.staff(hub_codes=("cn-north",), name="Lee Colleague")
    case = make_case("intake", company=exporter.company, author=exporter, country="CN")
    db.session.commit()
    url = f"/cases/{case.id}"

    browser = _sign_in(csrf_app, staff)
    browser.get(url)
    page = browser.get(url).get_data(as_text=True)
    assert _kept("cases/case.html") == 3  # moves, routing, timeline
    assert "Accept and start collecting evidence" in page

    # another viewer gets the same panels with their own token, good for a post
    other = _sign_in(csrf_app, colleague)
    their_page = other.get(url).get_data(as_text=True)
    assert _kept("cases/case.html") == 3
    move_token = re.search(r'action="/cases/\d+/move".*?name="csrf_token" value="([^"]+)"', their_page,
                           re.S).group(1)
    assert move_token != re.search(r'action="/cases/\d+/move".*?name="csrf_token" value="([^"]+)"', page,
                                   re.S).group(1)

    # a refusal without its reason comes back with the error and the note as typed
    refused = other.post(f"{url}/move", data={"csrf_token": move_token, "transition": "return", "version": "1",
                                             "note": "Send the registration certificate."})
    assert refused.status_code == 422
    refused_page = refused.get_data(as_text=True)
    assert "Choose a reason from the list." in refused_page and "Send the registration certificate." in refused_page
    assert "Choose a reason from the list." not in other.get(url).get_data(as_text=True)

    # a move made: the timeline shows it, the moves are those of the next stage
    moved = other.post(f"{url}/move", data={"csrf_token": move_token, "transition": "return", "version": "1",
                                           "note": "Send the registration certificate.", "reason_id": reason_id()})
    assert moved.status_code == 302
    after = browser.get(url).get_data(as_text=True)
    timeline = after[after.index('id="timeline"'):]
    assert "Lee Colleague" in timeline and "Send the registration certificate." in timeline
    assert "Accept and start collecting evidence" not in after

    # the routing form shows the assignee chosen, and a name changed shows in the timeline at once
    db.session.get(Case, case.id).stage = Stage.evidence
    db.session.commit()
    page = browser.get(url).get_data(as_text=True)
    assigned = browser.post(f"{url}/assign", data={"csrf_token": _token(page), "assignee_id": str(colleague.id),
                                                  "version": re.search(r'name="version" type="hidden" value="(\d+)"',
                                                                       page).group(1)})
    assert assigned.status_code == 302
    colleague.name = "Lee Renamed"
    db.session.commit()
    page = browser.get(url).get_data(as_text=True)
    assert re.search(rf'<option selected value="{colleague.id}">Lee Renamed</option>', page)
    timeline = page[page.index('id="timeline"'):]
    assert "Lee Renamed" in timeline and "Lee Colleague" not in timeline

    # in Korean, its own panels
    browser.post("/language", data={"lang": "ko", "csrf_token": _token(page)})
    korean = browser.get(url).get_data(as_text=True)
    assert "진행 이력" in korean and ">Timeline<" not in korean


def _evidence(page: str) -> str:
    return page[page.index('id="evidence-h"'):page.index("</section>", page.index('id="evidence-h"'))]


def test_each_viewer_gets_their_own_table_and_token_and_every_change_shows(csrf_app, factories):
    exporter = factories.exporter()
    staff = factories.staff(hub_codes=("cn-north",))
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    file = make_evidence_file(case, exporter, name="receipt.png")
    db.session.commit()
    url = f"/cases/{case.id}"

    staff_browser = _sign_in(csrf_app, staff)
    first = staff_browser.get(url).get_data(as_text=True)
    kept = staff_browser.get(url).get_data(as_text=True)  # from the kept table
    assert [key[0] for key in fragments._kept].count("cases/_evidence_table.html") == 1 and "receipt.png" in kept
    assert _evidence(kept).count("Record notarisation") == 1 and "csrf-" not in kept

    # the token in the kept table is this viewer's, good for a post
    form_token = re.search(r'evidence/files/\d+/custody".*?name="csrf_token" value="([^"]+)"', kept, re.S).group(1)
    recorded = staff_browser.post(f"/cases/{case.id}/evidence/files/{file.id}/custody",
                                  data={"csrf_token": form_token, "kind": "notarised", "note": "Seoul notary 42"})
    assert recorded.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustodyEvent)
                             .where(CustodyEvent.kind == CustodyKind.notarised)) == 1
    after = staff_browser.get(url).get_data(as_text=True)
    assert "Seoul notary 42" in _evidence(after) and "Seoul notary 42" not in _evidence(first)

    # the exporter may not record custody: no form, whatever the staff's table holds
    exporter_page = _sign_in(csrf_app, exporter).get(url).get_data(as_text=True)
    assert "receipt.png" in exporter_page and "Record notarisation" not in _evidence(exporter_page)

    # a name changed anywhere shows in the table at once
    exporter.name = "Renamed Uploader"
    db.session.commit()
    assert "Renamed Uploader" in _evidence(staff_browser.get(url).get_data(as_text=True))

    # another language: its own table
    staff_browser.post("/language", data={"lang": "ko", "csrf_token": _token(after)})
    korean = staff_browser.get(url).get_data(as_text=True)
    assert "공증 기록" in _evidence(korean) and "Record notarisation" not in _evidence(korean)
