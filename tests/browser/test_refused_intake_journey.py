"""In a real browser: an exporter's intake comes back with an error while a photo is attached. The photo is not
lost: the intake is kept as a draft with the photo filed, the form comes back with what was typed, and after
the fix the case is submitted with its photo."""
from playwright.sync_api import expect

from tests.browser.conftest import sign_in
from tests.evidence.conftest import image_bytes

VIEWPORTS = ("phone",)  # one device is enough: a photo taken and filed from a phone


def test_a_refused_intake_keeps_its_photo(live_server, new_page, tmp_path):
    photo = tmp_path / "위조품 포장.png"
    photo.write_bytes(image_bytes("PNG", (640, 480)))
    exporter = new_page("ko")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "ko")
    exporter.get_by_role("link", name="지식재산 분쟁 신고").click()
    exporter.get_by_label("제목").fill("쇼피 위조 쿠션 판매")
    exporter.get_by_label("국가", exact=True).select_option(label="베트남")
    exporter.get_by_label("침해자 이름").fill("Cửa hàng Mỹ phẩm Sao Vàng")
    exporter.get_by_label("사진, 스크린샷, 영수증").set_input_files(photo)
    exporter.get_by_role("button", name="센터에 제출").click()  # the required fields are still empty

    expect(exporter.get_by_text("첨부한 파일이 보관되도록 신고 내용을 임시 저장했습니다")).to_be_visible()
    expect(exporter.locator("#description-error")).to_be_visible()
    expect(exporter.get_by_label("침해자 이름")).to_have_value("Cửa hàng Mỹ phẩm Sao Vàng")
    exporter.get_by_label("제품 업종").select_option(label="K-뷰티·화장품")
    exporter.get_by_label("지식재산권").select_option(label="상표")
    exporter.get_by_label("분쟁 유형").select_option(label="위조품")
    exporter.get_by_label("발견 장소").fill("Shopee Việt Nam")
    exporter.get_by_label("최초 인지일").fill("2026-10-01")
    exporter.get_by_label("설명").fill("저희 쿠션의 위조품이 쇼피에서 판매되고 있습니다.")
    exporter.get_by_role("button", name="센터에 제출").click()

    expect(exporter.get_by_role("heading", level=1)).to_contain_text("쇼피 위조 쿠션 판매")
    expect(exporter.locator("#evidence").get_by_text("위조품 포장.png")).to_be_visible()
