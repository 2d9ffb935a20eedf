"""In a real browser, in Korean: an exporter registers; staff approve the company; the exporter files a case
with a photo and answers a request for more information; another company's exporter cannot reach the case;
a manager downloads the case file PDF and reads it."""
import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from ipdesk.companies.registration_number import check_digit
from tests.browser.conftest import DEMO_PASSWORD, mailed_link, menu, sign_in
from tests.evidence.conftest import image_bytes

# one device is enough: a founder registering from a phone; every page of it is also laid out on a desk by
# test_phone_layout
VIEWPORTS = ("phone",)

NEW_PASSWORD = "serum-brand-2026!"


def test_from_registration_to_an_answered_request(live_server, new_page, tmp_path):
    number = "220810004" + str(check_digit("220810004"))
    exporter = new_page("ko")
    exporter.goto(live_server + "/register")
    exporter.get_by_label("기업명(국문)").fill("달빛화장품")
    exporter.get_by_label("기업명(영문)").fill("Dalbit Cosmetics")
    exporter.get_by_label("사업자등록번호").fill(f"{number[:3]}-{number[3:5]}-{number[5:]}")
    exporter.get_by_label("기업 규모").select_option(label="중소기업")
    exporter.get_by_label("K-뷰티·화장품").check()
    exporter.get_by_label("중국", exact=True).check()
    exporter.get_by_label("태국", exact=True).check()
    exporter.get_by_label("이름", exact=True).fill("김달빛")
    exporter.get_by_label("이메일", exact=True).fill("founder@dalbit.example")
    exporter.get_by_label("비밀번호", exact=True).fill(NEW_PASSWORD)
    exporter.get_by_label("비밀번호 확인").fill("a different one")
    exporter.get_by_role("button", name="가입").click()
    expect(exporter.get_by_label("기업명(국문)")).to_have_value("달빛화장품")  # kept after the error
    expect(exporter.get_by_label("중국", exact=True)).to_be_checked()
    expect(exporter.get_by_label("태국", exact=True)).to_be_checked()
    exporter.get_by_label("비밀번호", exact=True).fill(NEW_PASSWORD)
    exporter.get_by_label("비밀번호 확인").fill(NEW_PASSWORD)
    exporter.get_by_label(re.compile("개인정보 처리방침에 동의합니다")).check()
    exporter.get_by_role("button", name="가입").click()
    expect(exporter.get_by_role("heading", level=1)).to_have_text("이메일을 확인하세요")
    exporter.goto(mailed_link(live_server, "founder@dalbit.example"))  # the link mailed to the address
    exporter.get_by_role("button", name="가입 마치기").click()
    expect(exporter.get_by_text("승인")).not_to_have_count(0)

    staff = new_page("ko")
    sign_in(staff, live_server, "staff.china@ipdesk.example", "ko")
    menu(staff)
    staff.get_by_role("link", name="기업", exact=True).click()
    staff.get_by_role("link", name=re.compile("달빛화장품")).click()
    expect(staff.locator("#export-countries")).to_have_text("중국, 태국")
    staff.get_by_role("button", name="기업 승인").click()

    exporter.goto(live_server + "/")
    exporter.get_by_role("link", name="지식재산 분쟁 신고").click()
    exporter.get_by_label("제목").fill("티몰 위조 쿠션 판매")
    exporter.get_by_label("국가", exact=True).select_option(label="중국")
    exporter.get_by_label("제품 업종").select_option(label="K-뷰티·화장품")
    exporter.get_by_label("지식재산권").select_option(label="상표")
    exporter.get_by_label("분쟁 유형").select_option(label="위조품")
    exporter.get_by_label("발견 장소").fill("티몰 상점 美妆旗舰店")
    exporter.get_by_label("최초 인지일").fill("2026-11-20")
    exporter.get_by_label("설명").fill("저희 쿠션의 위조품이 판매되고 있습니다.")
    photo = tmp_path / "위조품 사진.png"
    photo.write_bytes(image_bytes("PNG", (800, 600)))
    exporter.get_by_label("사진, 스크린샷, 영수증").set_input_files(photo)
    exporter.get_by_role("button", name="센터에 제출").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("티몰 위조 쿠션 판매")
    expect(exporter.locator("#evidence")).to_contain_text("위조품 사진.png")
    case_url = exporter.url
    reference = re.search(r"CN-\d{4}-\d{5}", exporter.content()).group(0)

    staff.goto(case_url)
    staff.locator("summary", has_text="수출기업에 보완 요청").click()
    request = staff.locator("details", has_text="수출기업에 보완 요청")
    request.get_by_label("사유", exact=True).select_option(label="침해 증거 불충분")
    request.get_by_label("메모").fill("영수증 사진을 보내 주세요.")
    request.get_by_role("button").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("보완 요청")

    exporter.goto(case_url)
    expect(exporter.locator("#messages")).to_contain_text("영수증 사진을 보내 주세요.")
    exporter.get_by_role("link", name="접수 내용 수정").click()
    exporter.get_by_label("설명").fill("위조 쿠션 판매. 영수증 사진을 첨부합니다.")
    exporter.get_by_role("button", name="센터에 다시 제출").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("접수")

    stranger = new_page("ko")
    sign_in(stranger, live_server, "exporter.food@ipdesk.example", "ko")
    response = stranger.goto(case_url)
    assert response.status == 404 and reference not in stranger.content()

    manager = new_page("en")
    sign_in(manager, live_server, "manager@ipdesk.example", "en")
    manager.goto(case_url)
    link = manager.get_by_role("link", name="Case file (PDF)")
    pdf = manager.request.get(live_server + link.get_attribute("href"))
    assert pdf.ok and pdf.headers["content-type"] == "application/pdf"
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.body())).pages)
    assert reference in text and "티몰 위조 쿠션 판매" in text and "Dalbit Cosmetics" in text
    compact = "".join(text.split())  # a narrow column wraps the file name
    assert "위조품사진.png" in compact and DEMO_PASSWORD not in text
