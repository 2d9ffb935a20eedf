"""Hostile text and URL vectors in every field that reaches a PDF: a fetcher that records every URL it is
asked for sees none, the text comes out literally, and the PDF holds no embedded file, link or image."""
import io
from datetime import date

import pytest
from flask import render_template
from pypdf import PdfReader

from ipdesk.actions.models import ActionKind, AdministrativeAction, Hearing, Litigation
from ipdesk.cases.models import CaseTransfer, Consultation, Message, Route, StageChange
from ipdesk.costs.models import Cost, CostCategory, Payer
from ipdesk.deadlines.models import Deadline, DeadlineSource
from ipdesk.evidence.models import EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.reports.context import case_file_context
from ipdesk.reports.pdf import DocumentFetcher, render_pdf
from ipdesk.reports.summary import country_summary_context
from tests.factories import make_case, make_evidence_file

VECTORS = [
    '<img src="file:///etc/passwd">',
    '<link rel="attachment" href="file:///etc/hostname">',
    '<style>@import url("http://127.0.0.1:9/a.css");</style>',
    '</style><style>p{background:url(file:///etc/shadow)}</style>',
    '<object data="file:///etc/passwd"></object>',
    '<a href="https://evil.example/x">click</a>',
    '<svg><image href="http://127.0.0.1:9/i.png"/></svg>',
    '<iframe src="file:///etc/passwd"></iframe>',
]
PAYLOAD = " ".join(VECTORS)


def _hostile(n: int = 190) -> str:
    return PAYLOAD[:n]


@pytest.fixture
def hostile_case(app, factories):
    """A case whose every printed field, and every record around it, carries the vectors."""
    company = factories.CompanyFactory(name_ko=_hostile(190), name_en=_hostile(190))
    exporter = factories.exporter(company=company, name=_hostile(110))
    staff = factories.staff(hub_codes=("cn-north",), name=_hostile(110))
    case = make_case("action", company=company, author=exporter, country="CN", title=_hostile(190),
                     description=PAYLOAD, found_where=PAYLOAD, infringer_name=_hostile(290),
                     infringer_shop_id=_hostile(290), infringer_urls=PAYLOAD, infringer_contacts=PAYLOAD,
                     registration_numbers=PAYLOAD)
    item = EvidenceItem(case_id=case.id, kind=EvidenceKind.screenshot, description=PAYLOAD,
                        collected_by=_hostile(190), source=PAYLOAD, created_by_id=staff.id)
    suit = Litigation(case_id=case.id, court=_hostile(290), court_case_number=_hostile(190),
                      preservation_orders=PAYLOAD, judgment=PAYLOAD, created_by_id=staff.id)
    other_hub = db.session.query(Hub).filter_by(code="cn-south").one()
    db.session.add_all([
        item, suit,
        Consultation(case_id=case.id, firm=_hostile(190), lawyer=_hostile(190), consulted_on=date(2026, 5, 1),
                     summary=PAYLOAD, recommended_route=Route.administrative, created_by_id=staff.id),
        AdministrativeAction(case_id=case.id, kind=ActionKind.raid, authority=_hostile(290),
                             reference=_hostile(190), result=PAYLOAD, created_by_id=staff.id),
        Cost(case_id=case.id, category=CostCategory.other, description=_hostile(490), payer=Payer.company,
             amount=10, currency="KRW", krw_rate=1, amount_krw=10, incurred_on=date(2026, 5, 2),
             created_by_id=staff.id),
        Deadline(case_id=case.id, what=_hostile(290), due_on=date(2026, 1, 2), source=DeadlineSource.manual,
                 created_by_id=staff.id),
        Message(case_id=case.id, author_id=exporter.id, body=PAYLOAD),
        Message(case_id=case.id, author_id=staff.id, body=PAYLOAD, is_internal=True),
        StageChange(case_id=case.id, actor_id=staff.id, from_stage="consultation", to_stage="action",
                    transition="to_action", note=PAYLOAD),
        CaseTransfer(case_id=case.id, actor_id=staff.id, from_hub_id=case.hub_id, to_hub_id=other_hub.id,
                     reason=PAYLOAD),
    ])
    db.session.flush()
    db.session.add(Hearing(litigation_id=suit.id, held_on=date(2026, 6, 1), note=PAYLOAD, created_by_id=staff.id))
    db.session.commit()
    file = make_evidence_file(case, staff, name=_hostile(200) + ".txt")
    file.item_id = item.id
    db.session.commit()
    return {"case": case, "exporter": exporter, "staff": staff}


def _check(data: bytes, fetcher: DocumentFetcher) -> str:
    assert fetcher.requested == [], fetcher.requested
    reader = PdfReader(io.BytesIO(data))
    assert "/EmbeddedFiles" not in reader.trailer["/Root"].get("/Names", {})
    for page in reader.pages:
        assert "/Annots" not in page  # no link, no file attachment annotation
        assert not page.images
    return " ".join(page.extract_text() for page in reader.pages).replace("\n", " ")


@pytest.mark.parametrize("reader_role", ["exporter", "staff"])
def test_the_case_file_prints_hostile_text_as_text(app, hostile_case, reader_role):
    fetcher = DocumentFetcher()
    with app.test_request_context():
        context, images = case_file_context(hostile_case["case"], hostile_case[reader_role])
        html = render_template("reports/pdf/case_file.html", **context)
        data = render_pdf(html, images=images, fetcher=fetcher)
    assert "<img" not in html.replace("&lt;img", "")  # every vector arrives escaped
    text = _check(data, fetcher)
    for vector in ('<img src="file:///etc/passwd">', '<link rel="attachment"', "@import url(", "<iframe"):
        assert vector in text


def test_the_country_summary_prints_hostile_text_as_text(app, hostile_case):
    fetcher = DocumentFetcher()
    with app.test_request_context():
        context = country_summary_context("CN", date(2026, 1, 1), date(2026, 12, 31))
        data = render_pdf(render_template("reports/pdf/country_summary.html", **context), fetcher=fetcher)
    text = _check(data, fetcher)
    assert '<img src="file:///etc/passwd">' in text
