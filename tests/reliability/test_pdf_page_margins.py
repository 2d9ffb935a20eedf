"""Long text never runs off the page: case files and country summaries with long web addresses, IDs and names in
Latin, Hangul, Chinese and Thai are read back word by word (poppler's ``pdftotext -bbox``), and every word lies
inside the page's margins."""
import re
import subprocess
from datetime import date, timedelta

import pytest
from flask import render_template
from flask_babel import force_locale

from bench.documents import long_addresses
from ipdesk.cases.models import Message
from ipdesk.costs.models import Cost, CostCategory, Payer
from ipdesk.deadlines.models import Deadline, DeadlineSource
from ipdesk.evidence.models import EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from ipdesk.reports.context import case_file_context
from ipdesk.reports.pdf import render_pdf
from ipdesk.reports.summary import country_summary_context
from tests.factories import make_case, make_evidence_file
from tests.reports.conftest import Builder

MM = 72 / 25.4
LEFT = RIGHT = 16 * MM  # pdf.css: @page { margin: 22mm 16mm 18mm 16mm }
BOTTOM = 18 * MM
SLACK = 0.5  # points: a glyph's side bearing


def run_of(text: str, length: int) -> str:
    """``text`` repeated without a space to ``length`` characters."""
    return (text * (length // len(text) + 1))[:length]


LATIN = "Counterfeit0Serum1Seller2Listing3"
HANGUL = "아름다운세상코스메틱글로벌주식회사해외사업본부"
CHINESE = "深圳市金星美妆贸易有限公司第十二分公司"
THAI = "ร้านโลตัสบิวตี้ขายเครื่องสำอางปลอมบนลาซาด้า"
SCRIPTS = {"latin": LATIN, "hangul": HANGUL, "chinese": CHINESE, "thai": THAI}


def words_off_the_page(pdf: bytes, tmp_path) -> list[str]:
    """Every word of ``pdf`` that lies, even in part, beyond the left, right or bottom margin or off the page."""
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    xhtml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True, text=True,
                           check=True).stdout
    off = []
    for number, (width, height, body) in enumerate(re.findall(
            r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', xhtml, re.S), start=1):
        width, height = float(width), float(height)
        for x0, y0, x1, y1, word in re.findall(
                r'<word xMin="([\d.-]+)" yMin="([\d.-]+)" xMax="([\d.-]+)" yMax="([\d.-]+)">(.*?)</word>', body):
            x0, y0, x1, y1 = map(float, (x0, y0, x1, y1))
            if x0 < LEFT - SLACK or x1 > width - RIGHT + SLACK or y0 < 0 or y1 > height - BOTTOM + SLACK:
                off.append(f"page {number}: {word[:40]} at x {x0:.0f}..{x1:.0f}, y {y0:.0f}..{y1:.0f}")
    return off


@pytest.fixture
def long_case(app, factories):
    """A case whose every printed field holds long unbroken runs in the four scripts, with the records around
    it; an infringer shared with a second case; an overdue deadline."""
    company = factories.CompanyFactory(name_ko=run_of(HANGUL, 200), name_en=run_of(LATIN, 200))
    exporter = factories.exporter(company=company, name=run_of(HANGUL, 120))
    staff = factories.staff(hub_codes=("cn-north",), name=run_of(THAI, 120))
    mixed = " ".join(run_of(script, 400) for script in SCRIPTS.values())
    case = make_case("action", company=company, author=exporter, country="CN", title=run_of(THAI, 200),
                     infringer_name=run_of(CHINESE, 300), infringer_shop_id=run_of(LATIN, 300),
                     infringer_urls=long_addresses(5000), infringer_contacts="WeChat:" + run_of(LATIN, 1000),
                     registration_numbers="TM" + run_of("4020230012345", 1000), found_where=long_addresses(2500),
                     description=mixed, assignee_id=staff.id)
    item = EvidenceItem(case_id=case.id, kind=EvidenceKind.screenshot, description=mixed,
                        collected_by=run_of(HANGUL, 200), source=long_addresses(2100), created_by_id=staff.id)
    db.session.add_all([
        item,
        Cost(case_id=case.id, category=CostCategory.other, description=run_of(THAI, 500), payer=Payer.company,
             amount=10, currency="KRW", krw_rate=1, amount_krw=10, incurred_on=date(2026, 5, 2),
             created_by_id=staff.id),
        Deadline(case_id=case.id, what=run_of(CHINESE, 300), due_on=date.today() - timedelta(days=3),
                 source=DeadlineSource.manual, created_by_id=staff.id),
        Message(case_id=case.id, author_id=exporter.id, body=mixed),
        Message(case_id=case.id, author_id=staff.id, body=run_of(LATIN, 3000), is_internal=True),
    ])
    db.session.commit()
    for script in (THAI, LATIN):  # one file name each: 255 characters, unbroken
        file = make_evidence_file(case, staff, name=run_of(script, 251) + ".txt")
        file.item_id = item.id
    second = make_case("evidence", company=company, author=exporter, country="CN", title=run_of(HANGUL, 200))
    Builder(factories).infringer(run_of(LATIN, 300), case, second)
    db.session.commit()
    return case, staff


@pytest.mark.db_independent
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_case_file_keeps_long_text_inside_the_margins(app, long_case, lang, tmp_path):
    case, staff = long_case
    with app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        context, images = case_file_context(case, staff)
        pdf = render_pdf(render_template("reports/pdf/case_file.html", **context), images=images)
    assert words_off_the_page(pdf, tmp_path) == []


@pytest.mark.db_independent
@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_country_summary_keeps_long_text_inside_the_margins(app, long_case, lang, tmp_path):
    today = date.today()
    with app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        context = country_summary_context("CN", today - timedelta(days=30), today)
        pdf = render_pdf(render_template("reports/pdf/country_summary.html", **context))
    assert words_off_the_page(pdf, tmp_path) == []


@pytest.mark.db_independent
def test_the_check_sees_text_that_runs_off(app, tmp_path):
    """The geometry check itself: a run that cannot wrap, in a block that does not clip it, is caught."""
    html = f'<html><body><p style="white-space: nowrap">{run_of(LATIN, 300)}</p><p>{LATIN}</p></body></html>'
    with app.app_context():
        off = words_off_the_page(render_pdf(html), tmp_path)
    assert len(off) == 1 and off[0].startswith("page 1: Counterfeit0Serum1Seller2Listing3")
