"""In a real browser: a registered exporter asks about China in the app and the China officer turns the question
into a draft case, linked both ways. A question asked without an account, answered and made a case, in both
languages: test_programme_journey.py."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in

VIEWPORTS = ("desktop",)  # the forms are the case intake's; the phone layout is covered there


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
