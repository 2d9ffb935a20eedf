"""In a real browser: in Korean, an exporter registers for a coming webinar, sees its link once seated and gives
the seat back; in English, an exporter finds Viet Nam's guide, prints it, and the intake form links the guide of
the country chosen. Attendance and certificates, in both languages: test_programme_journey.py."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in

VIEWPORTS = ("desktop",)


def _education(page, item: str) -> None:
    menu(page)
    page.get_by_role("button", name=re.compile("^(교육|Education)$")).click()  # the menu's education entry
    page.get_by_role("link", name=item, exact=True).click()


def test_an_exporter_registers_sees_the_link_and_gives_the_seat_back(live_server, new_page):
    exporter = new_page("ko")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "ko")
    _education(exporter, "교육 행사")
    expect(exporter.get_by_role("heading", level=1)).to_have_text("교육 행사")
    exporter.get_by_role("link", name=re.compile("미국 콘텐츠 저작권 보호 웨비나")).click()
    expect(exporter.get_by_text("(America/New_York)")).to_be_visible()  # its own time zone, and the reader's
    expect(exporter.get_by_text(re.compile("내 시간: "))).to_be_visible()
    expect(exporter.get_by_text("참석이 확정된 분께 보입니다.")).to_be_visible()  # the webinar's link: seats only
    exporter.get_by_role("button", name="신청", exact=True).click()
    expect(exporter.get_by_text("신청되었습니다. 행사 전에 알림을 보내 드립니다.")).to_be_visible()
    expect(exporter.get_by_role("link", name=re.compile("webinar.example.org"))).to_be_visible()
    exporter.get_by_role("button", name="신청 취소").click()
    expect(exporter.get_by_text("신청을 취소했습니다.")).to_be_visible()
    expect(exporter.get_by_role("button", name="신청", exact=True)).to_be_visible()


def test_an_exporter_finds_and_prints_a_guide_and_the_intake_links_it(live_server, new_page):
    page = new_page("en")
    sign_in(page, live_server, "exporter@ipdesk.example", "en")
    _education(page, "Country guides")
    page.get_by_label("Country").select_option(label="Vietnam")
    page.get_by_role("button", name="Filter").click()
    page.get_by_role("link", name=re.compile("Protecting your brand in Vietnam")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Protecting your brand in Vietnam")
    expect(page.get_by_role("heading", name="Before you export")).to_be_visible()  # Markdown, rendered
    pdf = page.request.get(live_server + page.get_by_role("link", name="PDF (English)").get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")

    page.goto(live_server + "/cases/new")
    guides = page.locator("#country-guides")
    expect(guides.get_by_role("link")).to_have_count(0)
    page.get_by_label("Country", exact=True).select_option(label="Thailand")
    expect(guides.get_by_role("link", name="Protecting your brand in Thailand")).to_be_visible()
    page.get_by_label("Country", exact=True).select_option(label="China")
    expect(guides.get_by_role("link", name="Protecting your brand in China")).to_be_visible()
    expect(guides.get_by_role("link", name="Protecting your brand in Thailand")).to_have_count(0)
