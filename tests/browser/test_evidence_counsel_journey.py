"""In a real browser: staff record a test purchase with photos, a consultation with its fee, and a
Chinese trademark opposition whose deadline comes from the rule; the exporter sees their case's
record but none of staff's tools or internal notes."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in
from tests.evidence.conftest import image_bytes

# one device is enough: staff build the record at a desk; the exporter's side of a case on a phone is the case
# journey's
VIEWPORTS = ("desktop",)


def test_staff_build_the_record_and_the_exporter_sees_only_theirs(live_server, new_page, tmp_path):
    exporter = new_page("en")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "en")
    exporter.get_by_role("link", name="Report an IP dispute").click()
    exporter.get_by_label("Short title").fill("Squatter filed our serum brand at CNIPA")
    exporter.get_by_label("Country", exact=True).select_option(label="China")
    exporter.get_by_label("Product sector").select_option(label="K-beauty / cosmetics")
    exporter.get_by_label("IP right").select_option(label="Trademark")
    exporter.get_by_label("Dispute type").select_option(label="Trademark squatting / bad-faith filing")
    exporter.get_by_label("Where it was found").fill("CNIPA gazette, application 78234561")
    exporter.get_by_label("Infringer's name").fill("广州美丽日化有限公司")
    exporter.get_by_label("First noticed on").fill("2026-11-25")
    exporter.get_by_label("Description").fill("A distributor filed our brand in class 3.")
    exporter.get_by_role("button", name="Submit to the IP centre").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Intake")
    case_url = exporter.url
    reference = re.search(r"CN-\d{4}-\d{5}", exporter.content()).group(0)

    staff = new_page("en")
    sign_in(staff, live_server, "staff.china@ipdesk.example", "en")
    staff.goto(case_url)
    staff.get_by_role("button", name="Accept and start collecting evidence").click()
    # a test purchase with two photos
    front, receipt = tmp_path / "包装 正面.png", tmp_path / "영수증.jpg"
    front.write_bytes(image_bytes("PNG", (640, 480)))
    receipt.write_bytes(image_bytes("JPEG", (480, 640)))
    staff.locator("#evidence").get_by_role("link", name="Add evidence").click()  # on a page of its own
    staff.get_by_label("Kind of evidence").select_option(label="Test purchase")
    staff.get_by_label("What it shows").fill("Test purchase from the squatter's Tmall shop, order 2026-1125-7781")
    staff.get_by_label("Files").set_input_files([front, receipt])
    staff.get_by_role("button", name="Add evidence").click()
    evidence = staff.locator("#evidence")
    expect(evidence.get_by_text("包装 正面.png")).to_be_visible()
    expect(evidence.get_by_text("영수증.jpg")).to_be_visible()
    expect(evidence.get_by_text(re.compile(r"SHA-256"))).to_have_count(2)
    staff.get_by_role("button", name="Move on to legal consultation").click()
    # the consultation, with counsel's fee in yuan at the day's rate
    staff.locator("#consultations").get_by_role("link", name="Record a consultation").click()  # a page of its own
    expect(staff.get_by_role("heading", level=1)).to_have_text("Record a consultation")
    consultation = staff.locator("#main form")
    consultation.get_by_label("Law firm").fill("北京知识产权律师事务所")
    consultation.get_by_label("Date of the advice").fill("2026-11-26")
    consultation.get_by_label("Summary of the advice").fill("Oppose the application before the period ends.")
    consultation.get_by_label("Recommended route").select_option(label="Administrative action")
    consultation.get_by_label("Cost", exact=True).fill("3000")
    consultation.get_by_label("Currency of the cost").select_option("CNY")
    consultation.get_by_label("Rate to won (KRW per unit)").fill("190.5")
    consultation.get_by_role("button", name="Record consultation").click()
    expect(staff.locator("#costs")).to_contain_text("₩571,500")
    expect(staff.get_by_text("Subsidy due: ₩400,050")).to_be_visible()
    staff.get_by_role("button", name="Move on to action").click()
    # the opposition: the deadline comes from the CN rule, counted from the publication
    staff.get_by_role("link", name="Record an administrative action").click()
    expect(staff.get_by_role("heading", level=1)).to_have_text("Record an administrative action")
    form = staff.locator("#main form")
    form.get_by_label("Kind of action").select_option(label="Opposition at the trademark office")
    form.get_by_label("Authority", exact=True).fill("CNIPA 国家知识产权局商标局")
    form.get_by_label("Publication or notice date the time limit counts from").fill("2026-11-30")
    form.get_by_label("Compute the deadline with the rule").select_option(
        label="CN · Trademark opposition · publication of the preliminary approval (初步审定公告) in the Trademark "
              "Gazette + 3 months (to be confirmed with counsel)")
    form.get_by_role("button", name="Save the action").click()
    expect(staff.get_by_text("Deadline computed from the rule: Feb 28, 2027.")).to_be_visible()
    expect(staff.locator("#deadlines")).to_contain_text("Feb 28, 2027")
    expect(staff.locator("#deadlines")).to_contain_text("Trademark Law of the PRC (2019 amendment), Art. 33")
    staff.locator("#messages").get_by_label("Message").fill("Squatter linked to three other filings.")
    staff.get_by_label("Internal note: staff only, never shown to the exporter").check()
    staff.get_by_role("button", name="Send").click()
    staff.get_by_role("link", name="Update status and result").click()
    staff.get_by_label("Status").select_option(label="Filed, pending")
    staff.get_by_label("Filing date").fill("2027-01-20")
    staff.get_by_role("button", name="Save the action").click()
    expect(staff.locator("#actions")).to_contain_text("Filed, pending")

    exporter.goto(case_url)
    menu(exporter)
    exporter.get_by_role("button", name="한국어").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("조치")
    expect(exporter.locator("#evidence")).to_contain_text("包装 正面.png")
    expect(exporter.locator("#consultations")).to_contain_text("北京知识产权律师事务所")
    expect(exporter.locator("#actions")).to_contain_text("상표청 이의신청")
    expect(exporter.locator("#actions")).to_contain_text("제출됨, 진행 중")
    expect(exporter.locator("#deadlines")).to_contain_text("2027. 2. 28.")
    expect(exporter.get_by_text("지급할 지원금: ₩400,050")).to_be_visible()
    page = exporter.content()
    assert "Squatter linked to three other filings." not in page
    staff_tools = ("행정 조치 기록", "소송 기록", "비용 추가", "기한 추가", "상태와 결과 갱신",
                   "침해자 기록", "일치 후보")
    for staff_tool in staff_tools:
        assert staff_tool not in page
    edit_url = re.search(r'href="(/cases/\d+/actions/\d+)"', staff.content()).group(1)
    response = exporter.goto(live_server + edit_url)
    assert response.status == 403
    assert reference in staff.content()
