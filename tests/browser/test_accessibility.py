"""axe-core on every main page in both languages: no serious or critical violation."""
import json
from pathlib import Path

import pytest

from ipdesk.config import PROJECT_ROOT
from tests.browser.conftest import sign_in
from tests.browser.tour import TOUR, resolve

LIVE_DEMO_CASES = 60
AXE = next(iter(sorted((PROJECT_ROOT / ".cache").glob("axe-core-*/axe.min.js"))), None) \
    if (PROJECT_ROOT / ".cache").exists() else None
WHO = sorted({who for who, _path, _name in TOUR}, key=lambda w: w or "")


@pytest.fixture(scope="module")
def axe_source() -> str:
    if AXE is None:
        pytest.fail("axe-core is missing: `make test` fetches it (scripts/fetch-axe.py)")
    return Path(AXE).read_text()


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("who", WHO)
def test_main_pages_have_no_serious_accessibility_violations(live_server, new_page, axe_source, lang, who):
    page = new_page(lang)
    if who:
        sign_in(page, live_server, who, lang)
    problems = {}
    for _who, path, name in (t for t in TOUR if t[0] == who):
        page.goto(resolve(page, live_server, path))
        page.evaluate(axe_source)
        result = page.evaluate("""async () => {
            const r = await axe.run(document, {resultTypes: ['violations']});
            return r.violations.filter(v => ['serious', 'critical'].includes(v.impact))
                .map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
        if result:
            problems[name] = result
    assert problems == {}, json.dumps(problems, indent=1, ensure_ascii=False)
