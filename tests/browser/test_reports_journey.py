"""In a real browser: a manager looks at the dashboard, prints a country summary and makes the all-country
pack in the background, in Korean, and gets PDFs with the contents and a bookmark per country; the pack's page
follows the job without loading itself again."""
import io

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.conftest import menu, sign_in

# one device is enough: a manager prints summaries at a desk; the pages' phone layout is test_phone_layout's
VIEWPORTS = ("desktop",)


def test_a_manager_prints_a_summary_and_makes_the_pack(live_server, new_page):
    page = new_page("ko")
    sign_in(page, live_server, "manager@ipdesk.example", "ko")
    menu(page)
    page.get_by_role("link", name="대시보드").click()
    expect(page.locator("svg[role=img]:visible").first).to_be_visible()  # each chart is drawn wide and narrow

    menu(page)
    page.get_by_role("link", name="보고서", exact=True).click()
    summary = page.locator("form", has=page.get_by_role("button", name="국가 요약 출력"))
    summary.get_by_label("국가").select_option(label="중국")
    summary.get_by_label("시작일").fill("2025-01-01")
    summary.get_by_label("종료일").fill("2026-12-31")
    with page.expect_download() as download:
        summary.get_by_role("button", name="국가 요약 출력").click()
    reader = PdfReader(download.value.path())
    assert "국가 요약: 중국" in reader.pages[0].extract_text()

    pack = page.locator("form", has=page.get_by_role("button", name="전체 국가 보고서 묶음 만들기"))
    pack.get_by_label("시작일").fill("2025-01-01")
    pack.get_by_label("종료일").fill("2026-12-31")
    pack.get_by_label("언어").select_option("ko")
    pack.get_by_role("button", name="전체 국가 보고서 묶음 만들기").click()
    expect(page.get_by_role("heading", name="전체 국가 보고서 묶음")).to_be_visible()
    page.evaluate("window.sameDocument = true")  # gone if the page is loaded again
    link = page.get_by_role("link", name="보고서 묶음 내려받기(PDF)")
    expect(link).to_be_visible(timeout=240_000)  # the page follows the job until the pack is ready
    assert page.evaluate("window.sameDocument === true"), "the progress page reloaded itself"
    response = page.request.get(live_server + link.get_attribute("href"))
    assert response.ok and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    titles = [item.title for item in reader.outline]
    # the contents, the network overview, then every one of the 40 countries
    assert titles[:2] == ["목차", "네트워크 개요"] and "중국" in titles and "태국" in titles and len(titles) == 42
