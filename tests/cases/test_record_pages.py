"""The staff record forms of a case on their own pages: who reaches them, what a refused form shows, and the
case page's links to them."""
import re

import pytest
import sqlalchemy as sa

from ipdesk.extensions import db
from ipdesk.network.models import Hub
from tests.factories import make_case

# the page's path under the case, and its heading: also the text of the case page's link to it
PAGES = [
    ("deadlines", "Add a deadline"),
    ("consultations", "Record a consultation"),
    ("actions", "Record an administrative action"),
    ("litigation", "Record a suit"),
    ("costs", "Add a cost"),
    ("transfer", "Transfer to another hub"),
]


@pytest.fixture
def china_case(factories):
    """A case of exporter A's company in China (two hubs cover it), with its exporter and the hubs' staff."""
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    return {"case": case, "exporter": exporter, "staff": factories.staff(hub_codes=("cn-north",)),
            "other_hub": factories.staff(hub_codes=("th",)), "manager": factories.manager()}


@pytest.mark.parametrize("path, heading", PAGES)
@pytest.mark.parametrize("who, status", [("staff", 200), ("manager", 200), ("exporter", 403), ("other_hub", 404)])
def test_staff_of_the_hub_and_managers_open_the_page(client, login_as, china_case, path, heading, who, status):
    case = china_case["case"]
    login_as(china_case[who])
    response = client.get(f"/cases/{case.id}/{path}")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert f'<h1 class="h3">{heading}</h1>' in page
        assert f'<a href="/cases/{case.id}#' in page and f"{case.reference} · {case.title}</a>" in page
        assert 'name="csrf_token"' in page and "novalidate" in page


def test_the_pages_speak_korean(client, login_as, china_case):
    case = china_case["case"]
    login_as(china_case["staff"])
    page = client.get(f"/cases/{case.id}/actions", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "행정 조치 기록" in page and "조치 유형" in page


# the form as a user typed it, what must come back of it, and the field whose error shows
REFUSED = {
    "deadlines": ({"what": "Answer the Beijing court", "due_on": ""},
                  'value="Answer the Beijing court"', "due_on", "Give the due date."),
    "consultations": ({"firm": "北京知识产权律师事务所", "consulted_on": "", "summary": "Oppose the filing.",
                       "recommended_route": "administrative", "cost_payer": "company"},
                      'value="北京知识产权律师事务所"', "consulted_on", "This field is required."),
    "actions": ({"action-kind": "raid", "action-authority": "上海市市场监督管理局", "action-status": "done",
                 "action-penalty_amount": "50000", "action-penalty_currency": ""},
                'value="上海市市场监督管理局"', "action-penalty_currency", "Choose the currency of the penalty."),
    "litigation": ({"suit-court": "北京知识产权法院", "suit-status": "won", "suit-damages_awarded": "500000",
                    "suit-damages_currency": ""},
                   'value="北京知识产权法院"', "suit-damages_currency", "Choose the currency of the damages."),
    "costs": ({"cost-category": "counsel", "cost-description": "Cease-and-desist letter", "cost-payer": "company",
               "cost-amount": "3000", "cost-currency": "CNY", "cost-krw_rate": "", "cost-incurred_on": "2026-05-04"},
              'value="Cease-and-desist letter"', "cost-krw_rate",
              "Give the rate that converts the amount to won (KRW per 1 CNY)."),
    "transfer": ({"hub_id": "{hub}", "reason": "", "version": "{version}"},
                 'selected value="{hub}"', "reason", "This field is required."),
}


@pytest.mark.parametrize("path", REFUSED)
def test_a_refused_form_comes_back_on_its_page_as_typed(client, login_as, china_case, path):
    case = china_case["case"]
    login_as(china_case["staff"])
    data, typed, field, message = REFUSED[path]
    south = {"hub": db.session.scalar(sa.select(Hub.id).where(Hub.code == "cn-south")), "version": case.version}
    response = client.post(f"/cases/{case.id}/{path}", data={k: v.format(**south) for k, v in data.items()})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'<h1 class="h3">{dict(PAGES)[path]}</h1>' in page and 'id="messages"' not in page  # not the case page
    assert typed.format(**south) in page
    assert f'<div class="invalid-feedback d-block" id="{field}-error">{message}</div>' in page


def test_a_refusal_about_the_case_itself_shows_above_the_form(client, login_as, factories):
    case = make_case("closed", country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/cases/{case.id}/costs", data={
        "cost-category": "counsel", "cost-payer": "company", "cost-amount": "1000", "cost-currency": "KRW",
        "cost-incurred_on": "2026-05-04"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<div class="alert alert-danger" role="alert">Costs can be added only to a submitted, open case.</div>' \
        in page and 'value="1000"' in page


def _links(page: str, case) -> set[str]:
    return {path for path, _heading in PAGES if f'href="/cases/{case.id}/{path}"' in page}


@pytest.mark.parametrize("stage, who, expected", [
    ("intake", "staff", {p for p, _h in PAGES}),
    ("action", "staff", {p for p, _h in PAGES}),
    ("action", "manager", {p for p, _h in PAGES}),
    ("action", "exporter", set()),  # the exporter follows; staff record
    ("closed", "staff", set()),  # a closed case is neither recorded on nor routed (assigned, transferred)
])
def test_the_case_page_links_to_the_pages_its_reader_may_use(client, login_as, factories, stage, who, expected):
    exporter = factories.exporter()
    case = make_case(stage, company=exporter.company, author=exporter, country="CN")
    people = {"exporter": exporter, "staff": factories.staff(hub_codes=("cn-north",)), "manager": factories.manager()}
    login_as(people[who])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert _links(page, case) == expected
    for path, heading in PAGES:
        assert (heading in page) == (path in expected)


def test_a_case_in_a_country_with_one_hub_links_to_no_transfer(client, login_as, factories):
    case = make_case("action", country="JP")
    login_as(factories.staff(hub_codes=("jp",)))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert _links(page, case) == {p for p, _h in PAGES} - {"transfer"}


@pytest.mark.parametrize("who, status", [("exporter", 200), ("staff", 200), ("manager", 200), ("other_hub", 404)])
def test_evidence_is_added_on_a_page_of_its_own(client, login_as, china_case, who, status):
    """Exporters and the hub's staff both add evidence: the case page links to the upload form's page."""
    case = china_case["case"]
    login_as(china_case[who])
    response = client.get(f"/cases/{case.id}/evidence")
    assert response.status_code == status
    if status == 200:
        page = response.get_data(as_text=True)
        assert '<h1 class="h3">Add evidence</h1>' in page and 'enctype="multipart/form-data"' in page
        assert 'type="file"' in page and f'<a href="/cases/{case.id}#evidence">' in page
        case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        assert f'href="/cases/{case.id}/evidence">Add evidence</a>' in case_page
        assert 'name="description"' not in case_page  # the form itself is not on the case page


def test_a_refused_evidence_item_comes_back_as_typed(client, login_as, china_case):
    case = china_case["case"]
    login_as(china_case["exporter"])
    response = client.post(f"/cases/{case.id}/evidence", data={
        "kind": "test_purchase", "description": "", "collected_by": "김민지", "source": "https://shop.example/x"},
        headers={"Accept-Language": "ko"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert '<h1 class="h3">증거 추가</h1>' in page and 'id="messages"' not in page
    assert 'value="김민지"' in page and 'value="https://shop.example/x"' in page
    assert 'selected value="test_purchase"' in page
    assert 'id="description-error"' in page


def test_a_closed_case_takes_no_evidence(client, login_as, factories):
    case = make_case("closed", country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    assert f'href="/cases/{case.id}/evidence"' not in client.get(f"/cases/{case.id}").get_data(as_text=True)
    response = client.get(f"/cases/{case.id}/evidence", follow_redirects=True)
    assert response.request.path == f"/cases/{case.id}"
    assert "Evidence cannot be added to a closed case." in response.get_data(as_text=True)
    refused = client.post(f"/cases/{case.id}/evidence", data={"kind": "photo", "description": "Late photo"})
    assert refused.status_code == 422 and "Evidence cannot be added to a closed case." in refused.get_data(
        as_text=True) and "Late photo" in refused.get_data(as_text=True)


def test_a_closed_case_offers_no_assignment_or_transfer(client, factories, login_as):
    """Issue 16, point 2: a closed case is not worked on, so it is neither assigned nor moved to another hub."""
    from ipdesk.cases.models import CaseTransfer

    manager = factories.manager()
    case = make_case("closed", country="CN")
    login_as(manager)
    page = client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f'action="/cases/{case.id}/assign"' not in page and f'href="/cases/{case.id}/transfer"' not in page
    assert client.get(f"/cases/{case.id}/transfer").status_code == 302
    other = db.session.scalar(sa.select(Hub).where(Hub.code == "cn-south"))
    refused = client.post(f"/cases/{case.id}/transfer", data={"hub_id": other.id, "reason": "closer",
                                                              "version": case.version})
    assert refused.status_code == 422 and db.session.scalar(sa.select(CaseTransfer)) is None
    assert client.post(f"/cases/{case.id}/assign", data={"assignee_id": 0, "version": case.version}
                       ).status_code == 422


def test_korean_pages_write_four_digit_years_and_korean_day_periods(client, login_as, factories):
    """The case list and the case page in Korean read `2026. 12. 6.` and `2026. 12. 6. 오전 5:29` where the
    reader is (Seoul): never `26. 12. 6.` or AM/PM."""
    from datetime import UTC, datetime

    from ipdesk.cases.models import Message

    staff = factories.staff(hub_codes=("cn-north",), timezone="Asia/Seoul", locale="ko")
    case = make_case("evidence", country="CN", submitted_at=datetime(2026, 12, 5, 20, 29, tzinfo=UTC))
    db.session.add(Message(case_id=case.id, author_id=staff.id, body="Seller replied.",
                           created_at=datetime(2026, 12, 6, 8, 29, tzinfo=UTC)))
    db.session.commit()
    login_as(staff)
    listing = client.get("/cases").get_data(as_text=True)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "2026. 12. 6." in listing and "2026. 12. 6. 오후 5:29" in page
    for text in (listing, page):
        assert " AM " not in text and " PM " not in text and ">26. " not in text and " 26. 12." not in text


# a stage whose move a guard holds back, and the page of the form that lets it go ahead
GUARDED = [("evidence", "Add at least one evidence item", "evidence", "Add evidence"),
           ("consultation", "Record at least one consultation", "consultations", "Record a consultation")]


@pytest.mark.parametrize("stage, refusal, path, link", GUARDED)
def test_a_guard_links_to_the_form_that_satisfies_it(client, login_as, factories, stage, refusal, path, link):
    exporter = factories.exporter()
    case = make_case(stage, company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    panel = page[page.index('id="next"'):page.index('id="timeline"')]
    assert refusal in panel
    assert f'href="/cases/{case.id}/{path}">{link}</a>' in panel
    assert client.get(f"/cases/{case.id}/{path}").status_code == 200


def test_an_incomplete_draft_links_its_author_to_the_intake(client, login_as, factories):
    exporter = factories.exporter()
    case = make_case("draft", company=exporter.company, author=exporter, country="CN", sector=None)
    login_as(exporter)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    panel = page[page.index('id="next"'):page.index('id="timeline"')]
    assert "Fill in every required field" in panel and f'href="/cases/{case.id}/edit">Edit the intake</a>' in panel


def test_the_case_page_links_to_each_of_its_sections(client, login_as, china_case):
    case = china_case["case"]
    login_as(china_case["staff"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    toc = page[page.index('<nav class="case-toc'):page.index("</nav>", page.index('<nav class="case-toc'))]
    anchors = re.findall(r'href="#([a-z]+)"', toc)
    assert anchors[:2] == ["next", "summary"] and {"evidence", "consultations", "costs", "timeline"} <= set(anchors)
    assert all(re.search(f'<section[^>]* id="{anchor}"', page) for anchor in anchors)  # each leads somewhere
