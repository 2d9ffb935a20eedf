"""In a real browser, once in Korean and once in English, the day's work of issue 23 from end to end: someone of a
registered company, without an account of their own, asks a centre a question online and confirms it from the
mailed link; the country's officer answers it (the answer is mailed), links it to the company its registration
number names, and opens a case from it; the officer plans a seminar, the company's exporter registers, the
seminar takes place, the officer marks who came, and the exporter prints a certificate; the manager's country
summary then counts the enquiry, the case it became and the seminar with its attendee.

Korean in Thailand, English in China: each language has a country (and a hub row in its summary) of its own, so
the two runs, which share one server, count only what they did."""
import io
import re
import sqlite3
from dataclasses import dataclass
from datetime import timedelta

import pytest
from babel.support import Translations
from playwright.sync_api import expect
from pypdf import PdfReader

from ipdesk.config import PROJECT_ROOT
from ipdesk.core.db import utcnow
from tests.browser.conftest import MAIL_FOLDERS, mail_to, mailed_link, menu, sign_in

VIEWPORTS = ("desktop",)
KOREAN = Translations.load(PROJECT_ROOT / "translations", ["ko"])


@dataclass(frozen=True)
class Run:
    lang: str
    country: str  # as the menus name it in ``lang``
    hub: str  # the hub that holds the seminar and answers the country's questions, as the summary names it
    officer: str
    exporter: str  # an exporter of the asker's company
    company: str  # as the asker types it
    registration_number: str
    asker: str
    address: str
    question: str
    answer: str
    title_ko: str
    title_en: str
    time_zone: str

    def t(self, text: str, context: str | None = None) -> str:
        """``text`` as the app shows it in this run's language (the English is the message id)."""
        if self.lang == "en":
            return text
        return KOREAN.pgettext(context, text) if context else KOREAN.gettext(text)


RUNS = {
    "ko": Run("ko", "태국", "태국 해외지식재산센터", "staff.thailand@ipdesk.example", "exporter.food@ipdesk.example",
              "한솔푸드", "201-81-00029", "정바다", "bada@hansol-foods.example",
              "방콕 박람회에 김 제품을 출품합니다. 먼저 상표를 출원해야 하나요?",
              "네, 박람회 전에 태국 상표를 출원하세요. 출원 서류를 안내해 드리겠습니다.",
              "방콕 박람회 전 상표 점검 세미나", "Checking your marks before the Bangkok fair", "Asia/Bangkok"),
    "en": Run("en", "China", "China (North) IP Centre", "staff.china@ipdesk.example", "exporter@ipdesk.example",
              "Areum Cosmetics", "101-81-00016", "Mina Seo", "mina@areum-cosmetics.example",
              "A Taobao shop sells our cushion compact with our logo. Can the centre act on it?",
              "Yes: send us the shop's address and a test purchase; we will open a case with you.",
              "타오바오 위조품 대응 세미나", "Acting against fakes on Taobao", "Asia/Shanghai"),
}


def _database(base: str) -> str:
    return str(MAIL_FOLDERS[base].parent / "live.sqlite3")  # the live server's folder (conftest.live_server)


def _a_day_passes(base: str, title_en: str) -> None:
    """The seminar planned for tomorrow takes place: it began two hours ago and ended one hour ago. (The one thing
    a browser cannot do is wait for a day; the server reads the time the session holds.)"""
    began = utcnow() - timedelta(hours=2)
    with sqlite3.connect(_database(base), timeout=30) as db:
        changed = db.execute("UPDATE education_sessions SET starts_at = ?, ends_at = ? WHERE title_en = ?",
                             (f"{began:%Y-%m-%d %H:%M:%S.%f}", f"{began + timedelta(hours=1):%Y-%m-%d %H:%M:%S.%f}",
                              title_en)).rowcount
    assert changed == 1


def _pdf_text(page, href: str) -> str:
    response = page.request.get(href)
    assert response.ok and response.headers["content-type"] == "application/pdf"
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)


# in Korean, as the network's people use it (the other journeys run in English too)
@pytest.mark.parametrize("lang", ["ko"])
def test_a_question_a_case_a_seminar_and_the_summary_that_counts_them(live_server, new_page, lang):
    run = RUNS[lang]
    t = run.t

    # someone of a registered company, with no account, asks online and confirms from the mailed link
    visitor = new_page(lang)
    visitor.goto(live_server + "/login")
    visitor.get_by_role("link", name=t("Ask the IP centre without an account")).click()
    visitor.get_by_label(t("Company name"), exact=True).fill(run.company)
    visitor.get_by_label(t("Business registration number")).fill(run.registration_number)
    visitor.get_by_label(t("Your name"), exact=True).fill(run.asker)
    visitor.get_by_label(t("Your e-mail"), exact=True).fill(run.address)
    visitor.get_by_label(t("Country it is about")).select_option(label=run.country)
    visitor.get_by_label(t("Topic")).select_option(label=t("Prevention (protecting a right before a dispute)"))
    visitor.get_by_label(t("Question"), exact=True).fill(run.question)
    visitor.get_by_role("button", name=t("Send the question")).click()
    expect(visitor.get_by_text(t("You must agree to the privacy policy to send a question."))).to_be_visible()
    expect(visitor.get_by_label(t("Question"), exact=True)).to_have_value(run.question)  # nothing typed is lost
    visitor.get_by_label(t("I agree to the privacy policy: ipdesk keeps my name, e-mail and my company's details to "
                           "answer my question.")).check()
    visitor.get_by_role("button", name=t("Send the question")).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(t("Check your e-mail"))
    visitor.goto(mailed_link(live_server, run.address))
    visitor.get_by_role("button", name=t("Send my question")).click()
    expect(visitor.get_by_role("heading", level=1)).to_have_text(t("Your question is sent"))
    reference = re.search(r"Q-\d{6}", visitor.content()).group(0)

    # the country's officer answers it: the answer is mailed to the asker
    officer = new_page(lang)
    sign_in(officer, live_server, run.officer, lang)
    menu(officer)
    officer.get_by_role("link", name=t("Enquiries"), exact=True).click()
    officer.get_by_role("link", name=reference).click()
    officer.get_by_role("textbox", name=t("Answer"), exact=True).fill(run.answer)
    officer.get_by_label(t("Time spent (minutes)")).fill("20")
    officer.get_by_role("button", name=t("Send the answer")).click()
    expect(officer.get_by_test_id("answer")).to_contain_text(run.answer)
    mail = mail_to(live_server, run.address, reference)
    assert run.answer in mail and run.question in mail

    # the question is a matter for a case: the registration number the asker gave names the company
    enquiry_url = officer.url
    officer.get_by_role("link", name=t("Edit"), exact=True).click()
    expect(officer.locator("[data-matched]")).to_be_visible()
    officer.get_by_role("button", name=t("Save")).click()
    officer.get_by_label(t("Short title of the case")).fill(run.title_en)
    officer.get_by_role("button", name=t("Open a case from it")).click()
    expect(officer.get_by_label(t("Short title"))).to_have_value(run.title_en)  # the company's draft intake
    officer.goto(enquiry_url)
    officer.get_by_role("link", name=re.compile(r"#\d+")).first.click()
    expect(officer.get_by_role("link", name=re.compile(r"Q-\d{6}"))).to_be_visible()  # and back

    # the officer plans a seminar for tomorrow in the country's own time zone
    menu(officer)
    officer.get_by_role("button", name=t("Education"), exact=True).click()
    officer.get_by_role("link", name=t("Education sessions"), exact=True).click()
    officer.get_by_role("link", name=t("Plan a session")).click()
    officer.get_by_label(t("Held by")).select_option(label=run.hub)
    officer.get_by_label(t("Title in Korean")).fill(run.title_ko)
    officer.get_by_label(t("Title in English")).fill(run.title_en)
    officer.get_by_label(t("Date"), exact=True).fill(f"{utcnow().date() + timedelta(days=2):%Y-%m-%d}")
    officer.get_by_label(t("Starts at")).fill("10:00")
    officer.get_by_label(t("Ends at")).fill("12:00")
    officer.get_by_label(t("Time zone")).select_option(run.time_zone)
    officer.get_by_label(t("Place"), exact=True).fill("KOTRA")
    officer.get_by_label(t("Seats")).fill("30")
    officer.get_by_label(t("Country it is about")).select_option(label=run.country)
    officer.get_by_role("button", name=t("Save the session")).click()
    title = run.title_ko if lang == "ko" else run.title_en
    expect(officer.get_by_role("heading", level=1)).to_have_text(title)
    session_url = officer.url

    # the company's exporter registers
    exporter = new_page(lang)
    sign_in(exporter, live_server, run.exporter, lang)
    menu(exporter)
    # the language shown is chosen for the account too, so its mail and certificates come in it
    with exporter.expect_navigation():  # the page comes back in it (on a loaded machine the menu was opened first)
        exporter.locator(".language-switch").get_by_role("button", name={"ko": "한국어", "en": "English"}[lang]).click()
    menu(exporter)
    exporter.get_by_role("button", name=t("Education"), exact=True).click()
    exporter.get_by_role("link", name=t("Education sessions"), exact=True).click()
    exporter.get_by_role("link", name=re.compile(re.escape(title))).click()
    exporter.get_by_role("button", name=t("Register", "session"), exact=True).click()
    expect(exporter.locator("[data-status=registered]")).to_be_visible()

    # the seminar takes place; the officer marks that the exporter came
    _a_day_passes(live_server, run.title_en)
    officer.goto(session_url)
    officer.locator("#registrations input[type=checkbox]").check()
    officer.get_by_role("button", name=t("Save attendance")).click()
    expect(officer.get_by_text(t("Attendance is saved: %(n)d came.") % {"n": 1})).to_be_visible()

    # the exporter prints the certificate, in their language
    exporter.reload()
    certificate = exporter.get_by_role("link", name=t("Certificate of attendance (PDF)"))
    text = _pdf_text(exporter, live_server + certificate.get_attribute("href"))
    assert title in text and t("Certificate of attendance") in text

    # the manager's country summary counts the enquiry, the case it became and the seminar with its attendee
    manager = new_page(lang)
    sign_in(manager, live_server, "manager@ipdesk.example", lang)
    menu(manager)
    manager.get_by_role("link", name=t("Reports"), exact=True).click()
    summary = manager.locator("form", has=manager.get_by_role("button", name=t("Print the country summary")))
    summary.get_by_label(t("Country")).select_option(label=run.country)
    summary.get_by_label(t("From")).fill(f"{utcnow().date() - timedelta(days=7):%Y-%m-%d}")
    summary.get_by_label(t("To")).fill(f"{utcnow().date() + timedelta(days=1):%Y-%m-%d}")
    with manager.expect_download() as download:
        summary.get_by_role("button", name=t("Print the country summary")).click()
    text = "\n".join(p.extract_text() for p in PdfReader(download.value.path()).pages)
    assert t("The centre’s work in the period, per hub") in text
    # the hub's row: enquiries asked, became cases, supports given, sessions held, attendees, companies reached
    assert re.search(re.escape(run.hub[:12]) + r"[^\n]*?\s1\s+1\s+0\s+1\s+1\s+1\b", text), text
