"""In a real browser: a visitor without an account asks the Thai centre a question in Korean, confirms it from the
mailed link, and the Thai officer answers it (the answer is mailed to the asker); in English, a registered exporter
asks about China and the China officer turns the question into a draft case, linked both ways."""
import email
import email.policy
import re
import time

from playwright.sync_api import expect

from tests.browser.conftest import MAIL_FOLDERS, mailed_link, menu, sign_in

VIEWPORTS = ("desktop",)  # the forms are the case intake's; the phone layout is covered there


def _mail_to(base: str, address: str, subject_part: str, timeout: float = 20) -> str:
    """The text of the latest e-mail to ``address`` whose subject holds ``subject_part``, once it is sent."""
    deadline = time.monotonic() + timeout
    while True:
        for path in sorted(MAIL_FOLDERS[base].glob("*.eml"), key=lambda p: p.stat().st_mtime, reverse=True):
            mail = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
            if mail["To"] == address and subject_part in mail["Subject"]:
                return mail.get_content()
        if time.monotonic() > deadline:
            raise AssertionError(f"no e-mail to {address} about {subject_part!r}")
        time.sleep(0.2)


def test_a_visitor_asks_without_an_account_and_the_centre_answers(live_server, new_page):
    visitor = new_page("ko")
    visitor.goto(live_server + "/login")
    visitor.get_by_role("link", name="계정 없이 센터에 질문하기").click()
    visitor.get_by_label("기업명", exact=True).fill("바다식품")
    visitor.get_by_label("이름", exact=True).fill("정바다")
    visitor.get_by_label("이메일", exact=True).fill("bada@bada-food.example")
    visitor.get_by_label("해당 국가").select_option(label="태국")
    visitor.get_by_label("주제").select_option(label="예방(분쟁 전 권리 보호)")
    visitor.get_by_label("질문", exact=True).fill("방콕 박람회에 김 제품을 출품합니다. 먼저 상표를 출원해야 하나요?")
    visitor.get_by_role("button", name="질문 보내기").click()
    expect(visitor.get_by_text("개인정보 처리방침에 동의해야 합니다")).to_be_visible()  # kept, and told why
    expect(visitor.get_by_label("기업명", exact=True)).to_have_value("바다식품")
    visitor.get_by_label(re.compile("개인정보 처리방침에 동의합니다")).check()
    visitor.get_by_role("button", name="질문 보내기").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("이메일을 확인하세요")
    visitor.goto(mailed_link(live_server, "bada@bada-food.example"))
    visitor.get_by_role("button", name="질문 보내기").click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text("질문을 보냈습니다")
    reference = re.search(r"Q-\d{6}", visitor.content()).group(0)

    officer = new_page("ko")
    sign_in(officer, live_server, "staff.thailand@ipdesk.example", "ko")
    menu(officer)
    officer.get_by_role("link", name="문의", exact=True).click()
    officer.get_by_role("link", name=reference).click()
    expect(officer.get_by_text("바다식품")).not_to_have_count(0)
    answer = officer.get_by_role("textbox", name="답변", exact=True)
    answer.fill("네, 박람회 전에 태국 상표를 출원하세요. 출원 서류를 안내해 드리겠습니다.")
    officer.get_by_label("소요 시간(분)").fill("20")
    officer.get_by_role("button", name="답변 보내기").click()
    expect(officer.get_by_test_id("answer")).to_contain_text("박람회 전에 태국 상표를 출원하세요")
    mail = _mail_to(live_server, "bada@bada-food.example", reference)
    assert "박람회 전에 태국 상표를 출원하세요" in mail and "방콕 박람회에 김 제품을" in mail


def test_an_exporters_question_becomes_a_case(live_server, new_page):
    exporter = new_page("en")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "en")
    menu(exporter)
    exporter.get_by_role("link", name="Enquiries", exact=True).click()
    exporter.get_by_role("link", name="Ask a question").click()
    exporter.get_by_label("Country it is about").select_option(label="China")
    exporter.get_by_label("Topic").select_option(label="A dispute over an IP right")
    exporter.get_by_label("IP right").select_option(label="Trademark")
    exporter.get_by_label("Question", exact=True).fill("A Taobao shop sells our cushion compact with our logo. "
                                                       "Is this something the centre can act on?")
    exporter.get_by_role("button", name="Send the question").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Enquiry Q-")
    enquiry_url = exporter.url

    officer = new_page("en")
    sign_in(officer, live_server, "staff.china@ipdesk.example", "en")
    officer.goto(enquiry_url)
    expect(officer.get_by_label("Short title of the case")).to_have_value(
        "A Taobao shop sells our cushion compact with our logo. Is this something the centre can act on?")
    officer.get_by_label("Short title of the case").fill("Fake cushion compact on Taobao")
    officer.get_by_role("button", name="Open a case from it").click()
    expect(officer.get_by_label("Short title")).to_have_value("Fake cushion compact on Taobao")  # the draft intake
    officer.goto(enquiry_url)
    expect(officer.locator("section", has_text="Case").get_by_text("Draft")).not_to_have_count(0)
    officer.get_by_role("link", name=re.compile(r"Draft #\d+")).click()
    expect(officer.get_by_role("link", name=re.compile(r"Enquiry Q-\d{6}"))).to_be_visible()  # and back
