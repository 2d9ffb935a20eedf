"""The country summary PDF at its fullest, read back: two pages in both languages, one line per row, every
section there, long names in four scripts cut with an ellipsis, and every font embedded."""
import io
import subprocess
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import render_template
from flask_babel import force_locale
from pypdf import PdfReader

from ipdesk.cases.models import Case, DisputeType, IPRight, Outcome, Stage
from ipdesk.companies.models import Sector
from ipdesk.deadlines.models import Deadline, DeadlineSource
from ipdesk.extensions import db
from ipdesk.reports.pdf import render_pdf
from ipdesk.reports.summary import country_summary_context
from tests.reports.conftest import at

TITLES = [  # long titles in the scripts of the network's case files
    "위조 화장품 온라인 판매 및 상표권 침해에 대한 현지 증거 수집과 행정 단속 요청 건",
    "深圳市金星美妆贸易有限公司在天猫和淘宝销售假冒韩国化妆品并使用相似商标的侵权行为",
    "ร้านโลตัสบิวตี้ขายเครื่องสำอางปลอมบนลาซาด้าและช้อปปี้โดยใช้เครื่องหมายการค้าที่คล้ายกัน",
    "Counterfeit K-beauty serum sold on Lazada and Shopee under a confusingly similar trademark",
]
COMPANIES = ["아름다운세상코스메틱글로벌주식회사 해외사업본부",
             "Golden Ocean International Trading Pte Ltd Vietnam Branch"]
INFRINGERS = ["深圳市金星美妆贸易有限公司第{}分公司", "บริษัท ดราก้อน เทรดดิ้ง จำกัด สาขา {}",
              "Công ty TNHH Thương mại Ngọc Bích số {}", "짝퉁 화장품 유통업체 {}호점"]
WHAT = "Opposition against the bad-faith filing: file the reply with evidence of prior use to the authority"
OPEN = (Stage.intake, Stage.returned, Stage.evidence, Stage.consultation, Stage.action)


@pytest.fixture
def full_country(app, build, factories):
    """Thailand with 140 cases in the last 13 months: every stage, sector, right, dispute type and
    outcome, 'not given' ones, 70 open cases (60 of them overdue), 20 repeat infringers (the most
    shown), damages in five currencies and stage histories."""
    today = date.today()
    start = today - timedelta(days=395)
    companies = [factories.CompanyFactory(name_ko=name, name_en=name) for name in COMPANIES]
    template = build.case("intake", country="TH", company=companies[0], title=TITLES[0])
    sectors, rights, disputes = [*Sector, None], [*IPRight, None], [*DisputeType, None]
    outcomes, currencies = list(Outcome), ["USD", "THB", "KRW", "CNY", "EUR"]

    def submitted(i):
        return at(start.year, start.month, start.day, 9) + timedelta(days=1 + i * 390 // 140, minutes=i)

    build.bulk(template, 139, "TH-2026-F", country_code="TH", title=lambda i: TITLES[i % 4] + f" {i}",
               company_id=lambda i: companies[i % 2].id, submitted_at=submitted,
               stage=lambda i: OPEN[i % 5] if i < 70 else Stage.closed,
               outcome=lambda i: None if i < 70 else outcomes[i % 7],
               closed_from=lambda i: None if i < 70 else Stage.action,
               closed_at=lambda i: None if i < 70 else submitted(i) + timedelta(days=30),
               sector=lambda i: sectors[i % 7], ip_right=lambda i: rights[i % 6],
               dispute_type=lambda i: disputes[i % 7],
               damages_amount=lambda i: Decimal(123_456_789_012 + i), damages_currency=lambda i: currencies[i % 5])
    cases = db.session.scalars(sa.select(Case).where(Case.country_code == "TH").order_by(Case.id)).all()
    db.session.execute(sa.insert(Deadline), [
        {"case_id": case.id, "what": f"{WHAT} {n}", "due_on": today - timedelta(days=10 + n),
         "source": DeadlineSource.manual, "is_done": False, "created_by_id": build.actor.id}
        for n, case in enumerate(c for c in cases if c.stage is not Stage.closed) if n < 60])
    db.session.commit()
    for n in range(20):
        build.infringer(INFRINGERS[n % 4].format(n + 1), *cases[n:n + 2 + n % 3])
    for case in cases[:10]:
        build.history(case, ("draft", "intake", case.submitted_at),
                      ("intake", "evidence", case.submitted_at + timedelta(days=3, hours=5)))
    for currency in currencies:
        build.suit(cases[-1], currency, awarded=Decimal("98765432101.99"), recovered=Decimal("1234567890.50"))
    return start, today


def _pdf(lang: str, start: date, end: date) -> bytes:
    with force_locale(lang):
        context = country_summary_context("TH", start, end)
        return render_pdf(render_template("reports/pdf/country_summary.html", **context))


def _fonts(path) -> str:
    return subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_fullest_summary_is_two_pages_with_every_section(app, full_country, lang, tmp_path):
    start, end = full_country
    with app.test_request_context(headers={"Accept-Language": lang}):
        data = _pdf(lang, start, end)
    path = tmp_path / f"summary-{lang}.pdf"
    path.write_bytes(data)
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 2
    figures, chase = (page.extract_text() for page in reader.pages)
    heading = {"en": ("Country summary: Thailand", "Repeat infringers", "Open cases to chase", "Median days"),
               "ko": ("국가 요약: 태국", "반복 침해자", "챙겨야 할 진행 중 사건", "중앙값")}[lang]
    assert heading[0] in figures and heading[1] in figures and heading[3] in figures
    assert heading[2] in chase and heading[2] not in figures
    # the running header's period is written as the reader writes dates, not as ISO dates
    assert start.isoformat() not in figures + chase
    if lang == "ko":
        assert f"태국 · {start.year}. {start.month}. {start.day}. ~" in chase
    # long titles, names and deadlines are cut to their column with an ellipsis, and extract as text
    for start_of_long_text in (TITLES[0][:12], COMPANIES[1][:12], TITLES[1][:8], WHAT[:12]):
        row = next(line for line in chase.splitlines() if start_of_long_text in line)
        assert "…" in row.split(start_of_long_text, 1)[1]
    assert TITLES[0] not in chase and WHAT not in chase
    # 50 cases listed, one line each: the references are the lines' first words
    assert sum(line.startswith("TH-2026-") for line in chase.splitlines()) == 50
    assert "KRW" in figures and "USD" in figures and "20" in figures
    # the ten cases moved on to evidence collection are the supports given, on the first page and per hub
    supports = {"en": ("10 Supports given", "Thailand IP Centre 0 0 10"),
                "ko": ("10 지원 건수", "태국 해외지식재산센터 0 0 10")}[lang]
    assert supports[0] in " ".join(figures.split()) and supports[1] in " ".join(chase.split())
    fonts = _fonts(path)
    for family in ("NanumGothic", "Noto-Sans-CJK-SC", "Loma", "DejaVu-Sans"):  # Thailand's Han: Simplified
        assert family in fonts, fonts
    assert "Type 3" not in fonts
    assert {line.split()[-5] for line in fonts.splitlines()[2:]} == {"yes"}


@pytest.mark.parametrize(("lang", "short"), [
    ("en", ["Draft", "Intake", "Returned", "Evidence", "Consultation", "Action", "Closed"]),
    ("ko", ["작성 중", "접수", "보완 요청", "증거 수집", "법률 자문", "조치", "종결"]),
])
def test_stages_have_short_titles_for_narrow_columns(app, lang, short):
    with app.test_request_context(), force_locale(lang):
        assert [stage.short_title for stage in Stage] == short
        assert all(len(stage.short_title) <= len(stage.title) for stage in Stage)
