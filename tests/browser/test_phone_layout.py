"""Every main page on a phone (390 px) and on a desk (1280 px), in both languages: no page is wider than the
screen; no Korean word is broken letter by letter, and on a desk no word in a table is (a column one
character wide); each list of cases shows, within the screen, every case's reference, stage and next step;
chart text is at least 11 px; switching language in the middle keeps the user where they are."""
import json

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import menu, sign_in
from tests.browser.tour import TOUR, resolve

LIVE_DEMO_CASES = 60
WHO = sorted({who for who, _path, _name in TOUR}, key=lambda w: w or "")
CASE_LISTS = {"home-exporter", "cases-exporter", "home-staff", "cases-staff", "infringer"}
MEASURE = """(phone) => {
    const width = document.documentElement.clientWidth;
    const shown = (el) => el && el.checkVisibility() &&
        !el.closest('.visually-hidden, .visually-hidden-focusable, svg, select, script, style, code');
    const lines = (node, start, end) => {
        const range = document.createRange();
        range.setStart(node, start);
        range.setEnd(node, end);
        return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top / 4))).size;
    };
    const found = {wider: null, broken: [], lists: [], charts: []};
    if (document.documentElement.scrollWidth > width) found.wider = document.documentElement.scrollWidth;
    // a phone may break a long Latin token (a web address) but never a Korean word; a desk breaks no word
    // of a table cell
    const word = phone ? /[\\uac00-\\ud7a3]{2,}/g : /[\\uac00-\\ud7a3A-Za-z0-9]{2,20}/g;
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (!shown(node.parentElement) || (!phone && !node.parentElement.closest('td, th'))) continue;
        for (const m of node.data.matchAll(word)) {
            if (lines(node, m.index, m.index + m[0].length) > 1) found.broken.push(m[0]);
        }
    }
    const inside = (el) => shown(el) && el.getBoundingClientRect().right <= width + 1
        && el.getBoundingClientRect().left >= -1;
    // the lists of cases (their rows become cards on a phone): each row's reference, stage and next step in view
    for (const row of document.querySelectorAll('main table.table-cards tbody tr')) {
        const reference = row.querySelector('a[href^="/cases/"]');
        if (!reference) continue;
        const stage = row.querySelector('.badge[class*="stage-"]'), next = row.querySelector('.next-step');
        if (!(inside(reference) && inside(stage) && inside(next) && next.innerText.trim()))
            found.lists.push(reference.innerText + ': ' + [inside(reference), inside(stage), inside(next)]);
    }
    for (const text of document.querySelectorAll('svg.chart text')) {
        const svg = text.ownerSVGElement;
        if (!svg.checkVisibility()) continue;
        const scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
        const px = parseFloat(text.getAttribute('font-size')) * scale;
        if (px < 11) found.charts.push(text.textContent + ' ' + px.toFixed(1) + 'px');
    }
    found.broken = [...new Set(found.broken)].slice(0, 8);
    found.lists = found.lists.slice(0, 3);
    found.charts = found.charts.slice(0, 3);
    return found;
}"""


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("who", WHO)
def test_pages_fit_the_screen_and_keep_words_whole(live_server, new_page, viewport, lang, who):
    page = new_page(lang)
    if who:
        sign_in(page, live_server, who, lang)
    problems = {}
    for _who, path, name in (t for t in TOUR if t[0] == who):
        page.goto(resolve(page, live_server, path))
        found = page.evaluate(MEASURE, viewport == "phone")
        if name in CASE_LISTS:
            assert page.locator("main tbody tr a[href^='/cases/']").count(), f"{name}: no case listed"
        if found := {key: value for key, value in found.items() if value}:
            problems[name] = found
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)


def test_switching_language_in_the_middle_keeps_the_user_where_they_are(live_server, new_page):
    page = new_page("ko")
    sign_in(page, live_server, "staff.china@ipdesk.example", "ko")  # no second step: no wait for a fresh code
    page.goto(live_server + "/network")
    expect(page.get_by_role("heading", level=1)).to_have_text("해외지식재산센터 네트워크")
    menu(page)
    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(live_server + "/network")
    expect(page.get_by_role("heading", level=1)).to_have_text("The network of overseas IP centres")
    expect(page.get_by_text("Vietnam", exact=False).first).to_be_visible()
    menu(page)
    page.get_by_role("button", name="한국어").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("해외지식재산센터 네트워크")
