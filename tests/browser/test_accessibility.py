"""Accessibility in the browser, on a desk and on a phone, in both languages (English on the public pages):
axe-core finds no serious or critical violation on every main page (its contrast rule asks 4.5:1), also with unread
notifications, overdue deadlines and forms sent back with errors; required fields are marked for the eye and for
screen readers; the keyboard's focus is always visible."""
import json
from pathlib import Path

import pytest

from ipdesk.config import PROJECT_ROOT
from tests.browser.conftest import sign_in
from tests.browser.tour import TOUR, resolve

LIVE_DEMO_CASES = 60
LIVE_SEED = True  # unread notifications and overdue deadlines (tests/browser/seed.py)
AXE = next(iter(sorted((PROJECT_ROOT / ".cache").glob("axe-core-*/axe.min.js"))), None) \
    if (PROJECT_ROOT / ".cache").exists() else None
WHO = sorted({who for who, _path, _name in TOUR}, key=lambda w: w or "")
# pages with a form: each is also checked after sending it back empty (with its errors showing)
FORMS = {"register", "intake", "add-evidence", "add-deadline", "record-consultation", "record-action",
         "record-suit", "add-cost", "transfer"}
SERIOUS = """async () => {
    const r = await axe.run(document, {resultTypes: ['violations']});
    return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
        .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
}"""
# every visible control a user must fill: its label (or legend) shows the mark, and the control says so to
# screen readers; a label that shows the mark belongs to such a control
UNMARKED = """() => {
    const shown = (el) => el.checkVisibility() && !el.closest('.visually-hidden');
    const problems = [];
    for (const control of document.querySelectorAll('main input, main select, main textarea')) {
        if (!shown(control) || control.type === 'hidden') continue;
        const required = control.required || control.getAttribute('aria-required') === 'true';
        const group = ['checkbox', 'radio'].includes(control.type) && control.closest('fieldset');
        const label = control.labels[0];
        // in a group's legend, or right after the field's label
        const mark = group ? group.querySelector('legend .required-mark')
            : label?.nextElementSibling?.matches('.required-mark') ? label.nextElementSibling : null;
        const marked = !!mark && shown(mark);
        if (required !== marked) problems.push(`${control.name}: required ${required}, marked ${marked}`);
    }
    return [...new Set(problems)];
}"""
# Tab through the page; each element that takes the focus must show an outline of at least 2 px
UNSEEN_FOCUS = """() => {
    const el = document.activeElement;
    if (!el || el === document.body) return null;
    const style = getComputedStyle(el);
    const width = parseFloat(style.outlineWidth);
    if (style.outlineStyle !== 'none' && width >= 2 && style.outlineColor !== 'rgba(0, 0, 0, 0)') return null;
    const words = (el.innerText || el.name || '').trim().slice(0, 30);
    return `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''} "${words}"`;
}"""
TABS = 30


@pytest.fixture(scope="module")
def axe_source() -> str:
    if AXE is None:
        pytest.fail("axe-core is missing: `make test` fetches it (scripts/fetch-axe.py)")
    return Path(AXE).read_text()


def _serious(page, axe_source):
    page.evaluate(axe_source)
    return page.evaluate(SERIOUS)


def _send_back_empty(page) -> None:
    """Send the page's main form as it stands (empty): it comes back with its errors."""
    form = page.locator("main form[method=post]").last
    for control in form.locator("input[type=text], input[type=date], input[type=email], textarea").all():
        if control.is_visible():
            control.fill("")
    form.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_load_state()
    assert page.locator(".invalid-feedback, .alert-danger").count(), "the form came back without an error"


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("who", WHO)
def test_main_pages_have_no_serious_accessibility_violations(live_server, new_page, axe_source, viewport, lang, who):
    if viewport == "phone" and lang == "en":
        pytest.skip("on a phone in Korean only: the pages' markup is the same in both languages, and Korean's is "
                    "checked on a desk too (a shorter make test)")
    if lang == "en" and who:
        pytest.skip("signed in, in Korean only: the markup is the same in both languages; English is checked on "
                    "the public pages (the page's declared language), a shorter make test")
    page = new_page(lang)
    if who:
        sign_in(page, live_server, who, lang)
    problems = {}
    for _who, path, name in (t for t in TOUR if t[0] == who):
        page.goto(resolve(page, live_server, path))
        if name.startswith("notifications"):
            assert page.locator("#bell-count").inner_text() != "0", "no unread notification to look at"
        if name == "my-deadlines":
            assert page.locator("tr.deadline-overdue").count(), "no overdue deadline to look at"
        if result := _serious(page, axe_source):
            problems[name] = result
        if name in FORMS:
            _send_back_empty(page)
            if result := _serious(page, axe_source):
                problems[name + " (with errors)"] = result
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)


@pytest.mark.parametrize("who", WHO)
def test_required_fields_are_marked_and_focus_is_always_visible(live_server, new_page, viewport, who):
    if viewport == "phone":
        pytest.skip("on a desk: the same forms and marks; focus on the phone's folded menu is the layout test's")
    page = new_page("ko")
    if who:
        sign_in(page, live_server, who, "ko")
    unmarked, unseen = {}, {}
    for _who, path, name in (t for t in TOUR if t[0] == who):
        page.goto(resolve(page, live_server, path))
        if problems := page.evaluate(UNMARKED):
            unmarked[name] = problems
        for _ in range(TABS):
            page.keyboard.press("Tab")
            if problem := page.evaluate(UNSEEN_FOCUS):
                unseen.setdefault(name, []).append(problem)
    assert unmarked == {}, json.dumps(unmarked, indent=1, ensure_ascii=False)
    assert unseen == {}, json.dumps({k: v[:5] for k, v in unseen.items()}, indent=1, ensure_ascii=False)
