"""In a real browser, in Korean and in English: a China officer finds cases from the box in the header by a
fragment of a company's Korean name, by a Chinese seller's name, by a word of a message and by a listing's web
address, with the words marked; an exporter searching another company's name finds nothing of it."""
import pytest
from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in

VIEWPORTS = ("desktop",)  # one device is enough: the search page's phone layout is test_phone_layout's

LIVE_DEMO_CASES = 60  # the seeded demo cases (China's include 아름코스메틱's, sold by 深圳市…美妆贸易有限公司)

HEADINGS = {"ko": {"case": "사건", "message": "메시지"}, "en": {"case": "Cases", "message": "Messages"}}


def _search(page, typed: str) -> None:
    """Type ``typed`` into the header's search box and send it, as a user does."""
    menu(page)
    box = page.locator("#nav-search")
    box.fill(typed)
    box.press("Enter")
    page.wait_for_url("**/search?**")


def _group(page, kind: str):
    return page.locator(f"#hits-{kind}")


@pytest.mark.parametrize("lang", ["ko", "en"])
def test_an_officer_finds_cases_by_any_of_their_words(live_server, new_page, lang):
    page = new_page(lang)
    sign_in(page, live_server, "staff.china@ipdesk.example", lang)

    _search(page, "코스메")  # a fragment of 아름코스메틱
    cases = _group(page, "case")
    expect(cases.get_by_role("heading", name=HEADINGS[lang]["case"])).to_be_visible()
    expect(cases.locator("mark").first).to_have_text("코스메")
    first = cases.locator("a.fw-semibold").first
    reference = first.inner_text().split(" · ")[0]
    first.click()
    page.wait_for_url("**/cases/*")
    expect(page.locator("main")).to_contain_text(reference)

    _search(page, "美妆贸易")  # a Chinese seller's name, without spaces
    expect(_group(page, "case").locator("mark").first).to_have_text("美妆贸易")

    _search(page, "HTTPS://shop.example/lucky646/")  # a listing's web address, as pasted
    expect(_group(page, "case").locator("a.fw-semibold")).to_have_count(1)
    expect(_group(page, "case")).to_contain_text("CN-2024-00005")

    _search(page, "검토하고")  # a word of the centre's messages
    expect(_group(page, "message").get_by_role("heading", name=HEADINGS[lang]["message"])).to_be_visible()

    # the case list filters what search found: only the cases in the stage chosen
    _search(page, "코스메")
    _group(page, "case").get_by_role("link", name={"ko": "사건 목록에서 이 사건들을 필터링",
                                                  "en": "Filter these cases in the case list"}[lang]).click()
    page.wait_for_url("**/cases?**")
    expect(page.locator("#q")).to_have_value("코스메")


def test_an_exporter_finds_nothing_of_another_company(live_server, new_page):
    page = new_page("ko")
    sign_in(page, live_server, "exporter@ipdesk.example", "ko")  # 아름코스메틱
    _search(page, "한솔푸드")  # another company of the demo, with cases in China
    expect(page.get_by_text("“한솔푸드”에 대한 검색 결과가 없습니다.")).to_be_visible()
    expect(page.locator("[id^=hits-]")).to_have_count(0)
    _search(page, "美妆贸易")  # sellers of its own cases and of others': its own only
    expect(_group(page, "case")).to_be_visible()
    expect(page.locator("body")).not_to_contain_text("한솔푸드")
