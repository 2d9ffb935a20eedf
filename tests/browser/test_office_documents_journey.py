"""In a real browser: an exporter files an intake with the documents Korean firms keep (a Hangul HWP statement
and a Word DOCX), and the case lists them by kind in words; a Word file with macros is refused with a reason."""
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.evidence import office_samples as office

VIEWPORTS = ("desktop",)  # the upload itself is the same on a phone; the phone layout has its own journeys


def test_an_exporter_files_an_hwp_and_a_docx(live_server, new_page, tmp_path):
    statement, invoice, macro = tmp_path / "경위서.hwp", tmp_path / "invoice.docx", tmp_path / "견적서.docx"
    statement.write_bytes(office.hwp())
    invoice.write_bytes(office.docx("Invoice 2026-1122: 40 fake cushion compacts"))
    macro.write_bytes(office.docm())
    exporter = new_page("ko")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "ko")
    exporter.get_by_role("link", name="지식재산 분쟁 신고").click()
    exporter.get_by_label("제목").fill("라자다 위조 쿠션 판매")
    exporter.get_by_label("국가", exact=True).select_option(label="베트남")
    exporter.get_by_label("제품 업종").select_option(label="K-뷰티·화장품")
    exporter.get_by_label("지식재산권").select_option(label="상표")
    exporter.get_by_label("분쟁 유형").select_option(label="위조품")
    exporter.get_by_label("발견 장소").fill("Lazada Việt Nam")
    exporter.get_by_label("침해자 이름").fill("Cửa hàng Mỹ phẩm Sao Vàng")
    exporter.get_by_label("최초 인지일").fill("2026-10-01")
    exporter.get_by_label("설명").fill("저희 쿠션의 위조품이 라자다에서 판매되고 있습니다.")
    exporter.get_by_label("사진, 스크린샷, 영수증").set_input_files([statement, invoice, macro])
    exporter.get_by_role("button", name="센터에 제출").click()
    expect(exporter.get_by_text("견적서.docx 파일을 받을 수 없습니다").first).to_be_visible()  # the macros
    exporter.get_by_role("button", name="센터에 제출").click()  # the two good ones stay attached

    expect(exporter.get_by_role("heading", level=1)).to_contain_text("라자다 위조 쿠션 판매")
    evidence = exporter.locator("#evidence")
    expect(evidence.get_by_text("경위서.hwp")).to_be_visible()
    expect(evidence.get_by_text("invoice.docx")).to_be_visible()
    expect(evidence.get_by_text("한글 문서(HWP)")).to_be_visible()
    expect(evidence.get_by_text("Word 문서(DOCX)")).to_be_visible()
    expect(evidence.get_by_text("견적서.docx")).to_have_count(0)
