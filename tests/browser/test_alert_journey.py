"""In a real browser: an officer imports a watch service's file of squatting alerts in Korean, sees the preview
(two rows matched to the demo exporter, one company unknown), creates the draft opposition cases; the exporter is
mailed, finds the alert on the home page and asks the centre to oppose with one click; a second upload of the same
file would add nothing."""
from datetime import timedelta

from playwright.sync_api import expect

from ipdesk.core.db import utcnow
from ipdesk.demo import DEMO_COMPANIES, demo_registration_number
from tests.browser.conftest import mail_to, sign_in

VIEWPORTS = ("desktop",)  # the officer's import is desk work; the exporter's click is the home page's one button


def _alert_file(folder):
    today = utcnow().date()
    areum = demo_registration_number(DEMO_COMPANIES[0][0])
    rows = [
        "관청,출원번호,상표,출원인,상품류,공고일,사업자등록번호,기업명,출처",
        # published 60 days ago: its deadline (3 months) is the nearest of the exporter's, the first on the home page
        f"CN,88123456,AREUM GLOW,广州美丽贸易有限公司,3,{(today - timedelta(days=60)).isoformat()},{areum},,KIPO",
        f"베트남,4-2026-55555,AREUM GLOW,Công ty Mỹ phẩm Hà Nội,3,{(today - timedelta(days=20)).isoformat()},,"
        "아름코스메틱,KIPO",
        f"TH,260199999,NOBODY,Someone,3,{today.isoformat()},,없는기업,KIPO",
    ]
    path = folder / "경보.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    return path


def _open_alerts(page) -> None:
    menu = page.get_by_role("navigation", name="주 메뉴")
    menu.get_by_role("button", name="침해자").or_(menu.get_by_role("link", name="침해자", exact=True)).click()
    menu.get_by_role("link", name="상표 선점 경보").click()


def test_an_officer_imports_alerts_and_the_exporter_asks_the_centre_to_act(live_server, new_page, tmp_path):
    alert_file = _alert_file(tmp_path)
    officer = new_page("ko")
    sign_in(officer, live_server, "staff.china@ipdesk.example", "ko")
    _open_alerts(officer)
    officer.get_by_role("link", name="경보 파일 가져오기").click()
    officer.get_by_label("경보 파일(CSV 또는 XLSX)").set_input_files(alert_file)
    officer.get_by_role("button", name="올리고 미리 보기").click()
    expect(officer.get_by_text("2행이 이의신청 사건 초안이 됩니다.")).to_be_visible()
    expect(officer.get_by_text("1행은 가져올 수 없습니다.")).to_be_visible()
    preview = officer.locator("#preview-good")
    expect(preview).to_contain_text("1456789")  # the Madrid registration of AREUM the mark contains
    expect(preview).to_contain_text("4-2026-55555")  # an office written as a country's name (베트남) is read
    officer.get_by_role("link", name="가져오지 않는 행 (1)").click()
    expect(officer.locator("#preview-problems")).to_contain_text("“없는기업”에 해당하는 기업이 없습니다.")
    officer.get_by_role("button", name="사건 초안 만들기").click()
    expect(officer.get_by_text("이의신청 사건 초안 2건을 만들고 기업에 알렸습니다.")).to_be_visible()

    mail = mail_to(live_server, "exporter@ipdesk.example", "상표 선점 경보")
    assert "AREUM GLOW" in mail and "88123456" in mail and "4-2026-55555" in mail

    exporter = new_page("ko")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "ko")
    alerts = exporter.locator("section", has_text="상표 선점 경보: 기한 전에 대응하세요")
    glow = alerts.locator("li", has_text="88123456")
    expect(glow).to_contain_text("AREUM GLOW")
    expect(glow).to_contain_text("이의신청 기한")
    glow.get_by_role("button", name="센터에 이의신청 요청").click()
    expect(exporter.get_by_text("센터에 AREUM GLOW 이의신청을 요청했습니다")).to_be_visible()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("AREUM GLOW")
    expect(exporter.locator("#deadlines")).to_contain_text("이의신청 기한: AREUM GLOW")

    # the same file again: both applications were imported before, nothing is offered
    _open_alerts(officer)
    officer.get_by_role("link", name="경보 파일 가져오기").click()
    officer.get_by_label("경보 파일(CSV 또는 XLSX)").set_input_files(alert_file)
    officer.get_by_role("button", name="올리고 미리 보기").click()
    expect(officer.get_by_text("0행이 이의신청 사건 초안이 됩니다.")).to_be_visible()
    expect(officer.get_by_role("button", name="사건 초안 만들기")).to_have_count(0)
