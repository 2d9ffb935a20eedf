"""In a real browser: an exporter files a case in Korean against a seller in Guangdong, which goes to the
southern China centre; staff triage it in English, ask for more information, the exporter answers, and staff
take the case through every stage to closed."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in


def test_case_from_intake_to_closed(live_server, new_page):
    exporter = new_page("ko")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "ko")
    exporter.get_by_role("link", name="지식재산 분쟁 신고").click()
    exporter.get_by_label("제목").fill("타오바오 위조 세럼 판매")
    exporter.get_by_label("국가", exact=True).select_option(label="중국")
    exporter.get_by_label("제품 업종").select_option(label="K-뷰티·화장품")
    exporter.get_by_label("지식재산권").select_option(label="상표")
    exporter.get_by_label("분쟁 유형").select_option(label="위조품")
    exporter.get_by_label("발견 장소").fill("타오바오 상점 美妆旗舰店")
    exporter.get_by_label("침해자 이름").fill("深圳市美妆贸易有限公司")
    # Shenzhen is in Guangdong: the menu lists China's provinces under "중국", in Korean
    region = exporter.get_by_label("침해자 활동 지역")
    expect(region.locator("optgroup[label='중국'] option", has_text="광둥성")).to_have_count(1)
    region.select_option(label="광둥성")
    exporter.get_by_label("최초 인지일").fill("2026-10-01")
    exporter.get_by_label("설명").fill("저희 세럼의 위조품이 판매되고 있습니다.")
    # a form with an error keeps what was typed
    exporter.get_by_label("추정 피해액").fill("5000")
    exporter.get_by_role("button", name="센터에 제출").click()
    expect(exporter.locator("#damages_currency-error")).to_be_visible()
    expect(exporter.get_by_label("침해자 이름")).to_have_value("深圳市美妆贸易有限公司")
    expect(exporter.get_by_label("침해자 활동 지역")).to_have_value("CN-GD")
    exporter.get_by_label("피해액 통화").select_option("CNY")
    exporter.get_by_role("button", name="센터에 제출").click()
    # nothing chosen from the register: no registration in force in China, says the computed warning
    expect(exporter.get_by_text("중국에서 유효한 등록이 없습니다").first).to_be_visible()
    heading = exporter.get_by_role("heading", level=1)
    expect(heading).to_contain_text("타오바오 위조 세럼 판매")
    expect(exporter.get_by_text("중국 남부 해외지식재산센터 (광저우)")).to_be_visible()  # routed by its region
    expect(exporter.get_by_text("광둥성")).to_be_visible()
    case_url = exporter.url
    reference = re.search(r"CN-\d{4}-\d{5}", exporter.content()).group(0)

    staff = new_page("en")
    sign_in(staff, live_server, "staff.china@ipdesk.example", "en")
    staff.get_by_role("link", name=reference).click()
    expect(staff.get_by_text("China (South) IP Centre (Guangzhou)")).to_be_visible()
    staff.locator("summary", has_text="Ask the exporter for more information").click()
    staff.locator("details", has_text="Ask the exporter for more information").get_by_label("Reason").select_option(
        label="Missing proof of rights")
    staff.locator("details", has_text="Ask the exporter for more information").get_by_label("Note").fill(
        "Please send a photo of the counterfeit packaging.")
    staff.locator("details", has_text="Ask the exporter for more information").get_by_role("button").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Returned for information")

    exporter.goto(case_url)
    request_for_information = exporter.locator("#messages").get_by_text("Please send a photo of the counterfeit")
    expect(request_for_information).to_be_visible()
    menu(exporter)
    exporter.get_by_role("button", name="English").click()  # switching language mid-journey
    exporter.get_by_role("link", name="Edit the intake").click()
    exporter.get_by_label("Description").fill("Counterfeit serum; photo of the packaging sent by message.")
    exporter.get_by_role("button", name="Resubmit to the IP centre").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Intake")

    staff.goto(case_url)
    staff.get_by_role("button", name="Accept and start collecting evidence").click()
    expect(staff.get_by_text("Add at least one evidence item")).to_be_visible()
    staff.locator("#next").get_by_role("link", name="Add evidence").click()  # the guard links to its form
    staff.get_by_label("Kind of evidence").select_option(label="Test purchase")
    staff.get_by_label("What it shows").fill("Test purchase of the fake serum, order 2026-1122")
    staff.get_by_role("button", name="Add evidence").click()
    staff.get_by_role("button", name="Move on to legal consultation").click()
    expect(staff.locator("#next")).to_contain_text("Record at least one consultation before moving on to action.")
    staff.locator("#next").get_by_role("link", name="Record a consultation").click()
    staff.get_by_label("Law firm").fill("北京知识产权律师事务所")
    staff.get_by_label("Date of the advice").fill("2026-11-20")
    staff.get_by_label("Summary of the advice").fill("Complain to the market regulator and the platform.")
    staff.get_by_role("button", name="Record consultation").click()
    # the case page with the consultation on it, before its next move (not the form page still unloading)
    expect(staff.locator("#consultations")).to_contain_text("Complain to the market regulator and the platform.")
    staff.get_by_role("button", name="Move on to action").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Action")
    # a complaint filed with the regulator is still pending when the platform removes the listings
    staff.get_by_role("link", name="Record an administrative action").click()
    staff.get_by_label("Kind of action").select_option(label="Complaint to a market regulator")
    staff.get_by_label("Authority", exact=True).fill("Shenzhen market regulation bureau")
    staff.get_by_label("Status").select_option(label="Filed, pending")
    staff.get_by_role("button", name="Save the action").click()
    action = staff.locator("#actions")
    expect(action.get_by_text("Filed, pending")).to_be_visible()

    staff.locator("summary", has_text="Close with an outcome").click()
    closing = staff.locator("details", has_text="Close with an outcome")
    closing.get_by_label("Outcome").select_option(label="Listing removed")
    closing.get_by_label("Note").fill("The platform removed 14 listings.")
    open_action = "Administrative action: Complaint to a market regulator · Shenzhen market regulation bureau"
    expect(closing.get_by_label(open_action)).to_be_visible()  # the open complaint is listed, with no end chosen
    closing.get_by_role("button").click()
    closing = staff.locator("details", has_text="Close with an outcome")
    expect(closing.get_by_text("Choose how this ends.")).to_be_visible()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Action")  # not closed
    expect(closing.get_by_label("Note")).to_have_value("The platform removed 14 listings.")
    closing.get_by_label(open_action).select_option(label="Carried on by counsel")
    closing.get_by_role("button").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Closed")
    expect(staff.get_by_text("The platform removed 14 listings.").first).to_be_visible()
    expect(staff.locator("#actions").get_by_text("Carried on by counsel")).to_be_visible()
    expect(staff.get_by_text("Filed, pending")).to_have_count(0)

    exporter.goto(case_url)  # in English since the switch
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Listing removed")
    expect(exporter.get_by_text("Carried on by counsel").first).to_be_visible()
    expect(exporter.get_by_text("Filed, pending")).to_have_count(0)


def test_english_exporter_and_korean_staff_triage(live_server, new_page):
    exporter = new_page("en")
    sign_in(exporter, live_server, "exporter.food@ipdesk.example", "en")
    exporter.get_by_role("link", name="Report an IP dispute").click()
    exporter.get_by_label("Short title").fill("Gochujang squatter in Vietnam")
    exporter.get_by_label("Country", exact=True).select_option(label="Vietnam")
    exporter.get_by_label("Product sector").select_option(label="K-food")
    exporter.get_by_label("IP right").select_option(label="Trademark")
    exporter.get_by_label("Dispute type").select_option(label="Trademark squatting / bad-faith filing")
    exporter.get_by_label("Where it was found").fill("IP Vietnam gazette, application 4-2026-12345")
    exporter.get_by_label("Infringer's name").fill("Công ty TNHH Thương mại Sao Vàng")
    # the company's register offers its Korean registration, which does not reach Vietnam
    exporter.get_by_label(re.compile("40-1588201")).check()
    exporter.get_by_label("Nice classes of the goods").fill("30")
    exporter.get_by_label("First noticed on").fill("2026-09-30")
    exporter.get_by_label("Description").fill("Our brand was filed by a distributor.")
    exporter.get_by_role("button", name="Save draft").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Draft")
    exporter.get_by_role("button", name="Submit the case").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Intake")
    expect(exporter.locator("#enforceability")).to_contain_text(
        "No registration in force in Vietnam among the rights this case relies on")
    reference = re.search(r"VN-\d{4}-\d{5}", exporter.content()).group(0)

    staff = new_page("ko")
    sign_in(staff, live_server, "manager@ipdesk.example", "ko")
    menu(staff)
    staff.get_by_role("link", name="사건", exact=True).click()
    staff.get_by_label("검색", exact=True).fill(reference)
    staff.get_by_role("button", name="필터 적용", exact=True).click()
    staff.get_by_role("link", name=reference).click()
    staff.get_by_role("button", name="접수하고 증거 수집 시작").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("증거 수집")
    exporter.reload()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Evidence collection")
