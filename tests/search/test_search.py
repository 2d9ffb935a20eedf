"""Search as its users meet it: a word of anything they may open finds it, in every script; nothing they may not
open is ever found or counted; the index follows every change in the same transaction."""
import re

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Message
from ipdesk.evidence.models import EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from ipdesk.infringers.models import Infringer
from ipdesk.search import query as search_query
from ipdesk.search.index import insert_entries
from ipdesk.search.models import SearchEntry
from ipdesk.search.query import Scopes, small_scope
from ipdesk.search.registry import KINDS
from tests.conftest import IS_POSTGRES
from tests.factories import CompanyFactory, make_case, make_enquiry


def _found(client, q, **args) -> str:
    response = client.get("/search", query_string={"q": q, **args})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def _titles(page: str) -> list[str]:
    """The hits' titles as the page shows them, in order."""
    return [re.sub(r"<[^>]+>", "", t) for t in re.findall(r'<a class="fw-semibold" href="[^"]*">(.*?)</a>', page)]


@pytest.fixture(autouse=True, params=["terms", "scope"])
def path(request, app):
    """Each test both ways a search is read: from the engine's terms (a viewer who sees many cases) and from the
    viewer's own cases (one who sees few: ipdesk.search.query.small_scope)."""
    app.config["SEARCH_SCOPE_CASES"] = 0 if request.param == "terms" else 10_000
    return request.param


@pytest.fixture
def arum(factories):
    """A case of 아름코스메틱 in China, with a message, an internal note and an evidence item."""
    company = CompanyFactory(name_ko="아름코스메틱", name_en="Areum Cosmetic")
    exporter = factories.exporter(company=company)
    case = make_case("evidence", company=company, author=exporter, title="Counterfeit cushion compact",
                     infringer_name="深圳市假货贸易有限公司", infringer_shop_id="ＳＨＯＰ-８８１",
                     infringer_urls="https://Shopee.vn/ban-hang/881?ref=x#top",
                     description="Bán hàng giả ở Hà Nội; ร้านค้าปลอม")
    staff = factories.staff()  # cn-north, China's hub
    db.session.add_all([
        Message(case_id=case.id, author_id=exporter.id, body="The seller moved to a warehouse in Dongguan."),
        Message(case_id=case.id, author_id=staff.id, body="Counsel suspects a repeat offender.", is_internal=True),
        EvidenceItem(case_id=case.id, kind=EvidenceKind.test_purchase, created_by_id=staff.id,
                     description="Test purchase receipt from the Guangzhou market"),
    ])
    db.session.commit()
    return case, exporter, staff


@pytest.mark.parametrize("typed", [
    "아름",  # a fragment of the company's Korean name
    "코스메",
    "Areum",
    "假货",  # Chinese without spaces
    "shop-881",  # full-width forms typed half-width
    "shopee.vn/ban-hang/881",  # the web address without its scheme, www. and fragment
    "SHOPEE.VN",
    "http://shopee.vn/ban-hang/881/",  # another scheme, a trailing slash
    "www.shopee.vn/ban-hang/881",
    "ban hang gia",  # Vietnamese without diacritics
    "Bán hàng",
    "ค้าปลอม",  # Thai
    "cushion",
])
def test_staff_find_the_case_by_any_of_its_words(client, login_as, arum, typed):
    case, _exporter, staff = arum
    login_as(staff)
    page = _found(client, typed)
    assert case.reference in " ".join(_titles(page))
    assert "<mark>" in page


def test_the_matching_words_are_marked_as_written(client, login_as, arum):
    _case, _exporter, staff = arum
    login_as(staff)
    page = _found(client, "ha noi")
    assert "<mark>Hà</mark> <mark>Nội</mark>" in page
    assert "<mark>아름</mark>코스메틱" in _found(client, "아름")


def test_messages_evidence_and_companies_are_found_by_their_words(client, login_as, arum):
    case, _exporter, staff = arum
    login_as(staff)
    assert 'id="hits-message"' in _found(client, "Dongguan")
    assert 'id="hits-message"' in _found(client, "repeat offender")  # staff of the hub read internal notes
    assert 'id="hits-evidence"' in _found(client, "Guangzhou")
    page = _found(client, "아름코")
    assert 'id="hits-company"' in page and "Areum Cosmetic" in _titles(page)


def test_an_exporter_finds_their_own_but_never_an_internal_note(client, login_as, arum):
    case, exporter, _staff = arum
    login_as(exporter)
    assert case.reference in " ".join(_titles(_found(client, "Dongguan")))
    page = _found(client, "repeat offender")
    assert "hits-message" not in page and "Nothing found" in page


def test_another_company_finds_nothing_of_it_not_even_a_count(client, factories, login_as, arum):
    case, _exporter, _staff = arum
    login_as(factories.exporter())
    for typed in ("아름", "Areum", "Dongguan", "Guangzhou", "假货", case.reference, "repeat offender"):
        page = _found(client, typed)
        assert _titles(page) == [] and "Nothing found" in page, typed
        assert "badge" not in page.split('id="main"')[1], typed


def test_staff_of_another_hub_and_admins_find_nothing_of_the_case(client, factories, login_as, arum):
    case, _exporter, _staff = arum
    login_as(factories.staff(hub_codes=("th",)))
    page = _found(client, "Dongguan")
    assert _titles(page) == []
    assert "Areum Cosmetic" in _titles(_found(client, "아름"))  # companies are every staff member's to open
    assert case.reference not in _found(client, "아름")


def test_infringer_records_are_found_by_staff_only(client, factories, login_as, arum):
    _case, exporter, staff = arum
    db.session.add(Infringer(name="Guangzhou Mimic Trading", shop_ids="mimic-store-01", created_by_id=staff.id))
    db.session.commit()
    login_as(staff)
    assert 'id="hits-infringer"' in _found(client, "mimic")
    client.post("/logout")
    login_as(exporter)
    assert "hits-infringer" not in _found(client, "mimic")


def test_a_query_too_short_to_search_says_so_and_keeps_what_was_typed(client, login_as, arum):
    _case, _exporter, staff = arum
    login_as(staff)
    response = client.get("/search?q=a", headers={"Accept-Language": "ko"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="a"' in page and "두 글자" in page
    assert _titles(_found(client, "假")) != []  # one Chinese character is a word


def test_the_index_follows_a_company_renamed_in_the_same_transaction(client, login_as, arum):
    case, _exporter, staff = arum
    case.company.name_ko = "다온뷰티"
    db.session.commit()
    login_as(staff)
    assert case.reference in " ".join(_titles(_found(client, "다온")))
    assert case.reference not in " ".join(_titles(_found(client, "아름")))


def test_a_rolled_back_record_leaves_no_entry_and_a_deleted_one_takes_its_entry_away(app, arum):
    case, _exporter, staff = arum
    db.session.add(Message(case_id=case.id, author_id=staff.id, body="never sent"))
    db.session.flush()
    db.session.rollback()
    entries = sa.select(sa.func.count()).select_from(SearchEntry).where(SearchEntry.text.contains("never sent"))
    assert db.session.scalar(entries) == 0
    item = db.session.scalar(sa.select(EvidenceItem).where(EvidenceItem.case_id == case.id))
    db.session.delete(item)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry).where(
        SearchEntry.kind == "evidence", SearchEntry.record_id == item.id)) == 0


def test_a_savepoint_rolled_back_keeps_what_was_written_before_it(client, login_as, arum):
    """A service that tries a write in a savepoint (linking a new infringer record, say) and rolls that back
    loses only what the savepoint held: the rest of the transaction is indexed when it commits."""
    case, _exporter, staff = arum
    db.session.add(Message(case_id=case.id, author_id=staff.id, body="Warehouse raid planned in Yiwu."))
    db.session.flush()
    with db.session.begin_nested() as savepoint:
        db.session.add(Message(case_id=case.id, author_id=staff.id, body="Draft that Pingxiang never saw."))
        db.session.flush()
        savepoint.rollback()
    db.session.commit()
    login_as(staff)
    assert "Warehouse raid planned in" in _found(client, "Yiwu")
    assert "Draft that" not in _found(client, "Pingxiang")


def test_a_message_moved_to_another_case_is_found_with_that_case(client, factories, login_as, make_client, login,
                                                                  arum):
    """Who finds a record follows the case it belongs to: moved to a Thai case, the message is found by the Thai
    centre's staff and no longer by China's."""
    case, exporter, staff = arum
    thai = make_case("evidence", company=case.company, author=exporter, country="TH")
    message = db.session.scalar(sa.select(Message).where(Message.body.contains("Dongguan")))
    message.case_id = thai.id
    db.session.commit()
    login_as(staff)
    assert "warehouse in" not in _found(client, "Dongguan")
    thai_staff = make_client()
    login(thai_staff, factories.staff(hub_codes=("th",)))
    assert "warehouse in" in _found(thai_staff, "Dongguan")


def test_the_case_list_filters_what_search_finds(client, factories, login_as, arum):
    case, _exporter, staff = arum
    other = make_case("intake", title="Fake cushion in Beijing")  # no 아름 in it
    login_as(staff)
    page = client.get("/cases", query_string={"q": "아름"}).get_data(as_text=True)
    assert case.reference in page and other.reference not in page
    page = client.get("/cases", query_string={"q": "아름", "stage": "intake"}).get_data(as_text=True)
    assert case.reference not in page  # the list's other filters apply to the hits
    page = client.get("/cases", query_string={"q": "cushion"}).get_data(as_text=True)
    assert case.reference in page and other.reference in page
    page = client.get("/cases", query_string={"q": "   "}).get_data(as_text=True)  # spaces only: no query at all
    assert case.reference in page and other.reference in page


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite has one writer at a time: nobody writes an entry between "
                                            "a transaction's look and its write")
def test_an_entry_written_meanwhile_by_another_transaction_is_overwritten_not_a_failure(app, arum):
    """``flask search rebuild`` while people work on PostgreSQL: an entry another transaction wrote after this one
    looked for it is written over with the same record's text, not refused as a duplicate."""
    case, _exporter, _staff = arum
    connection = db.session.connection()
    insert_entries(connection, "case", [{"record_id": case.id, "case_id": case.id, "restricted": False,
                                         "text": "stale text"}])
    db.session.commit()
    assert db.session.scalar(sa.select(SearchEntry.text).where(SearchEntry.kind == "case",
                                                               SearchEntry.record_id == case.id)) == "stale text"


def test_rebuild_writes_the_same_entries_again(app, arum):
    def held():
        return sorted(db.session.execute(sa.select(SearchEntry.kind, SearchEntry.record_id, SearchEntry.text)).all())

    before = held()
    result = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert result.exit_code == 0, result.output
    assert held() == before and len(before) >= 5


def test_the_search_page_runs_the_same_number_of_queries_for_few_and_many_hits(client, factories, login_as,
                                                                                 count_queries, arum):
    case, exporter, staff = arum
    login_as(staff)
    _found(client, "Dongguan")  # PostgreSQL's statistics of the index are read once in a while, by the first search
    with count_queries() as few:
        _found(client, "Dongguan")
    for n in range(6):
        db.session.add(Message(case_id=make_case("intake", company=case.company, author=exporter).id,
                               author_id=staff.id, body=f"Dongguan warehouse {n}"))
    db.session.commit()
    with count_queries() as many:
        _found(client, "Dongguan")
    assert many.count == few.count


def test_a_viewer_who_sees_few_cases_is_searched_from_them(app, factories, arum, path):
    case, exporter, staff = arum
    make_case("intake", company=case.company, author=exporter)
    app.config["SEARCH_SCOPE_CASES"] = 1
    with app.test_request_context():
        assert not small_scope(staff)  # the hub's two cases are more than one
        assert small_scope(factories.exporter())  # a company without cases
        assert not small_scope(exporter)


def test_an_exporter_with_few_enquiries_is_searched_from_them(app, client, login_as, arum, path):
    """An exporter's enquiries are read from their company's (the engine's terms of a common word would hand over
    every company's): found the same, and another company's never."""
    case, exporter, staff = arum
    own = make_enquiry(case.company, question="Is our serum name taken in Vietnam?")
    make_enquiry(CompanyFactory(), question="Is our serum name taken in Thailand?")
    app.config["SEARCH_SCOPE_CASES"] = 1
    with app.test_request_context():
        assert Scopes(exporter)(KINDS["enquiry"])  # one enquiry of the company: few
        assert not Scopes(staff)(KINDS["enquiry"])  # China's two
    login_as(exporter)
    page = _found(client, "serum")
    assert [title for title in _titles(page) if title.startswith("Q-")] == [
        f"Q-{own.id:06d} · Is our serum name taken in Vietnam?"]


def test_more_hits_than_counted_are_read_newest_first(client, login_as, monkeypatch, arum):
    """Beyond the count's cap the hits are read newest first without the index (PostgreSQL's dense reading)."""
    case, exporter, staff = arum
    newer = make_case("intake", company=case.company, author=exporter, title="Second cushion case")
    monkeypatch.setattr("ipdesk.search.query.COUNT_CAP", 1)
    login_as(staff)
    page = _found(client, "cushion")
    assert _titles(page)[:2] == [f"{newer.reference} · Second cushion case",
                                 f"{case.reference} · Counterfeit cushion compact"]
    assert "more than 1" in page


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's statistics tell a common word; SQLite's FTS5 table stops "
                                            "counting at the cap")
def test_a_common_word_is_counted_among_the_newest_entries_or_else_by_the_index(app, client, login_as, monkeypatch,
                                                                                 count_queries, arum, path):
    """A word ANALYZE finds in many of a kind's entries is counted among the kind's newest entries, where the count
    can stop at its cap; when they hold too few of its hits (the estimate was wrong), the index counts them all.
    The page is the same either way."""
    if path == "scope":
        pytest.skip("a viewer of few cases is read from them, never walked")
    case, exporter, staff = arum
    newer = [make_case("intake", company=case.company, author=exporter, title=f"Cushion case {n}") for n in range(4)]
    db.session.execute(sa.text("ANALYZE search_entries"))
    db.session.commit()
    search_query._statistics.clear()
    monkeypatch.setattr("ipdesk.search.query.COUNT_CAP", 3)
    monkeypatch.setattr("ipdesk.search.query.WALK_ROW_COST", 0.01)  # as at a million entries: walking pays
    login_as(staff)
    newest = [f"{c.reference} · Cushion case {n}" for n, c in reversed(list(enumerate(newer)))]
    pages, by_index = [], []
    for walk_most in (search_query.WALK_MOST, 1):  # then a window of one entry: too few hits in it
        monkeypatch.setattr("ipdesk.search.query.WALK_MOST", walk_most)
        with count_queries() as counted:
            pages.append(page := _found(client, "cushion"))
        assert _titles(page)[:5] == [*newest, f"{case.reference} · Counterfeit cushion compact"]
        assert "more than 3" in page or re.search(r"about \d", page)
        walked = [s for s in counted.statements if "search_entries.record_id >=" in s]
        assert len(walked) == 1, "the case entries are looked for in a window of the newest"
        by_index.append(len([s for s in counted.statements if "count(" in s and "@>" in s]))
    assert by_index[1] == by_index[0] + 1, "the index counts the cases only when the window held too few"
    assert "more than 3" in pages[1]  # counted by the index


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's statistics tell a common word; SQLite's FTS5 table stops "
                                            "counting at the cap")
def test_a_common_word_is_counted_about_from_its_newest_entries(app, client, login_as, monkeypatch, arum, path):
    """Found in every one of the newest entries sampled, a word of many entries is counted "about" as many as that
    density gives over all the kind's entries: the GIN index would hand over every hit to count them."""
    if path == "scope":
        pytest.skip("a viewer of few cases is read from them, never walked")
    case, exporter, staff = arum
    newer = [make_case("intake", company=case.company, author=exporter, title=f"Cushion case {n}") for n in range(9)]
    db.session.execute(sa.text("ANALYZE search_entries"))
    db.session.commit()
    search_query._statistics.clear()
    monkeypatch.setattr("ipdesk.search.query.COUNT_CAP", 5)
    monkeypatch.setattr("ipdesk.search.query.SAMPLE", 3)
    monkeypatch.setattr("ipdesk.search.query.WALK_ROW_COST", 0.01)
    monkeypatch.setattr("ipdesk.search.query.WALK_MOST", 4)  # four of the ten case entries: every one a hit
    login_as(staff)
    page = _found(client, "cushion")
    assert "about 10" in page  # 4 hits in the 4 newest of the 10 entries
    assert _titles(page)[:5] == [f"{c.reference} · Cushion case {n}" for n, c in reversed(list(enumerate(newer)))][:5]
    listed = _found(client, "cushion", kind="case")  # the pages step through the hits counted, at most the cap
    assert "about 10" in listed and "page=2" not in listed
