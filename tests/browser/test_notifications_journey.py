"""In a real browser: an exporter files a case and sees the bell count go up, first with the receipt,
then when staff move the case; the notification leads to the case."""
import re

from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in

VIEWPORTS = ("phone",)  # one device is enough: the bell as an exporter sees it on the go, behind the folded menu


def test_the_exporter_sees_the_bell_count_go_up_when_staff_move_the_case(live_server, new_page):
    exporter = new_page("en")
    sign_in(exporter, live_server, "exporter@ipdesk.example", "en")
    menu(exporter)
    exporter.get_by_role("button", name="English").click()  # a saved choice: mail and the bell speak it too
    bell = exporter.locator("#bell-count")
    before = int(bell.inner_text())

    exporter.get_by_role("link", name="Report an IP dispute").click()
    exporter.get_by_label("Short title").fill("Counterfeit cushion compact on Pinduoduo")
    exporter.get_by_label("Country", exact=True).select_option(label="China")
    exporter.get_by_label("Product sector").select_option(label="K-beauty / cosmetics")
    exporter.get_by_label("IP right").select_option(label="Trademark")
    exporter.get_by_label("Dispute type").select_option(label="Counterfeit goods")
    exporter.get_by_label("Where it was found").fill("Pinduoduo shop 美妆小铺")
    exporter.get_by_label("First noticed on").fill("2026-10-12")
    exporter.get_by_label("Description").fill("Fake compacts with our logo.")
    exporter.get_by_role("button", name="Save draft").click()
    exporter.get_by_role("button", name="Submit the case").click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Intake")
    reference = re.search(r"CN-\d{4}-\d{5}", exporter.content()).group(0)
    expect(bell).to_have_text(str(before + 1))  # the receipt

    staff = new_page("en")
    sign_in(staff, live_server, "staff.china@ipdesk.example", "en")
    staff.get_by_role("link", name=reference).click()
    staff.get_by_role("button", name="Accept and start collecting evidence").click()
    expect(staff.get_by_role("heading", level=1)).to_contain_text("Evidence collection")

    exporter.reload()
    expect(bell).to_have_text(str(before + 2))
    expect(exporter.locator("#bell")).to_have_attribute("aria-label", f"Notifications: {before + 2} unread")
    exporter.locator("#bell").click()
    entry = exporter.get_by_role("link", name=f"Case {reference} is now at the stage: Evidence collection")
    expect(entry).to_be_visible()
    expect(exporter.get_by_role("link", name=re.compile(f"Case {reference} received"))).to_be_visible()
    entry.click()
    expect(exporter.get_by_role("heading", level=1)).to_contain_text("Evidence collection")

    exporter.go_back()
    exporter.get_by_role("button", name="Mark all as read").click()
    expect(bell).to_have_text("0")
