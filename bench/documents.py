"""The documents' floor: static HTML of a given page count in the house fonts, no database, no templating."""
from html import escape

# One row of text in the scripts the case files carry (FONTS.md's mixed page).
SAMPLES = [
    "아름코스메틱 위조 화장품 판매 — 증거 수집 및 현지 조사",
    "深圳市金星美妆贸易有限公司 · 义乌幸运电子商行",
    "國際貿易有限公司 · 株式会社スタートレーディング",
    "ร้านโลตัสบิวตี้ · บริษัท ดราก้อน เทรดดิ้ง จำกัด",
    "Công ty TNHH Thương mại Ngọc Bích · Cửa hàng Mỹ phẩm",
    "شركة اللوتس للتجارة · مؤسسة التنين التجارية",
    "गोल्डन ट्रेडर्स · Сан Трейд ХХК · Golden Ocean Trading Pte Ltd",
]
ROWS_PER_PAGE = 26


def static_html(pages: int) -> str:
    """``pages`` A4 pages, each a heading, a paragraph and a table of mixed-script rows."""
    body = []
    for page in range(1, pages + 1):
        rows = "".join(
            f"<tr><td>{page}.{i + 1}</td><td>{escape(SAMPLES[i % len(SAMPLES)])}</td>"
            f"<td>{escape(SAMPLES[(i + 3) % len(SAMPLES)][:24])}</td><td class=\"num\">{1000 + 37 * i:,}</td></tr>"
            for i in range(ROWS_PER_PAGE))
        body.append(
            f'<section style="break-after: page"><h2>Page {page} · 페이지 {page}</h2>'
            f"<p>{escape(' '.join(SAMPLES[:4]))}</p>"
            f"<table><tr><th>#</th><th>Text</th><th>Party</th><th class=\"num\">Amount</th></tr>{rows}</table>"
            f"</section>")
    return f'<!doctype html><html lang="ko"><head><meta charset="utf-8"><title>floor</title></head><body>' \
           f'{"".join(body)}</body></html>'


# --- the longest case file: every text field a person can type, at its form's maximum length ---------------

REGISTRATION_NUMBERS_BEFORE_THE_REGISTER = 2000

def max_length(form, field: str) -> int:
    """The ``Length(max=...)`` of ``form``'s ``field``: the longest text the app accepts there."""
    from wtforms.validators import Length

    return next(v.max for v in getattr(form, field).kwargs["validators"] if isinstance(v, Length))


def unbroken(label: str, length: int) -> str:
    """``length`` characters without a space or anything else to wrap at, starting with ``label``: the text that
    is slowest to lay out and most likely to run off the page."""
    filler = "Counterfeit0Serum1Seller2Listing3Shop4Order5Invoice6Receipt7Photo8Parcel9"
    text = f"{label}:"
    return (text + filler * (length // len(filler) + 1))[:length]


def long_addresses(length: int) -> str:
    """Web addresses, one a line, ``length`` characters in all: the first of 4,100 characters (or ``length``)
    without a ``/``, ``?``, ``&`` or ``=`` after its host (WeasyPrint took 17 s to lay out 2,000 such characters
    with ``break-all``, and 74 s and more for 4,000), the others with long queries."""
    lines = ["https://shop.example/item/" + unbroken("first-address", 4100 - 26)]
    n = 0
    while sum(len(line) + 1 for line in lines) < length:
        n += 1
        lines.append(f"https://detail.example.com/item.htm?id={n:06d}&spm=" + unbroken(f"a{n}", 600)
                     + f"&ref=https%3A%2F%2Fsearch.example%2Fq%3D{'x' * 300}")
    return "\n".join(lines)[:length]


def add_longest_case(company, exporter, staff, country_code: str, reference: str):
    """A closed case of ``company`` with every text field at its maximum length and one record of each kind
    around it (an evidence item with a file, a consultation, an administrative action, a suit with a hearing,
    a cost, a deadline, a message, an internal note, a stage change and a transfer between hubs), made
    through the ORM and committed; returns the case and a dict of every text the case file prints.

    ``company``'s names and the users' names should be at their maximum too (RegistrationForm's 200,
    ProfileForm's 120): the caller makes them, as tests and the bench find users differently."""
    import io
    from datetime import timedelta

    from ipdesk.actions.forms import ActionForm, HearingForm, LitigationForm
    from ipdesk.actions.models import ActionKind, AdministrativeAction, Hearing, Litigation
    from ipdesk.cases.forms import ConsultationForm, IntakeForm, MessageForm, MoveForm, TransferForm
    from ipdesk.cases.models import (
        Case,
        CaseTransfer,
        Consultation,
        DisputeType,
        IPRight,
        Message,
        Outcome,
        Route,
        Stage,
        StageChange,
        Urgency,
    )
    from ipdesk.companies.models import Sector
    from ipdesk.core.db import utcnow
    from ipdesk.costs.forms import CostForm
    from ipdesk.costs.models import Cost, CostCategory, Payer
    from ipdesk.deadlines.forms import DeadlineForm
    from ipdesk.deadlines.models import Deadline, DeadlineSource
    from ipdesk.evidence.forms import EvidenceForm
    from ipdesk.evidence.models import EvidenceFile, EvidenceItem, EvidenceKind
    from ipdesk.evidence.storage import get_storage
    from ipdesk.extensions import db
    from ipdesk.network.models import Country, Hub
    from ipdesk.rights.forms import RightForm
    from ipdesk.rights.models import CaseRight, CompanyRight, RightKind, RightStatus
    from ipdesk.rights.offices import EU_MEMBERS

    texts = {name: unbroken(name, max_length(IntakeForm, name))
             for name in ("title", "found_where", "infringer_name", "infringer_shop_id", "infringer_contacts",
                          "description")}
    # typed on the intake before the register of rights (issue 24), at that form's limit
    texts["registration_numbers"] = unbroken("registration_numbers", REGISTRATION_NUMBERS_BEFORE_THE_REGISTER)
    texts["infringer_urls"] = long_addresses(max_length(IntakeForm, "infringer_urls"))
    texts["closing_note"] = unbroken("closing_note", max_length(MoveForm, "note"))
    country = db.session.get(Country, country_code)
    now = utcnow()
    opened = now - timedelta(days=90)
    case = Case(reference=reference, company_id=company.id, country_code=country_code, hub_id=country.primary_hub_id,
                created_by_id=exporter.id, filed_on_behalf=False, sector=Sector.beauty, ip_right=IPRight.trademark,
                dispute_type=DisputeType.counterfeit, urgency=Urgency.high, damages_amount=12345678,
                damages_currency="USD", first_noticed_on=opened.date(), stage=Stage.closed,
                outcome=Outcome.settled, closed_from=Stage.action, created_at=opened, submitted_at=opened,
                stage_changed_at=now, closed_at=now, updated_at=now, **texts)
    db.session.add(case)
    db.session.flush()

    def text(form, field: str, label: str | None = None) -> str:
        texts[label or field] = unbroken(label or field, max_length(form, field))
        return texts[label or field]

    item = EvidenceItem(case_id=case.id, kind=EvidenceKind.screenshot, description=text(EvidenceForm, "description",
                                                                                      "evidence_description"),
                        collected_on=opened.date(), collected_by=text(EvidenceForm, "collected_by"),
                        source=long_addresses(max_length(EvidenceForm, "source")), created_by_id=staff.id)
    texts["source"] = item.source
    suit = Litigation(case_id=case.id, court=text(LitigationForm, "court"),
                      court_case_number=text(LitigationForm, "court_case_number"), filed_on=opened.date(),
                      preservation_orders=text(LitigationForm, "preservation_orders"),
                      judgment=text(LitigationForm, "judgment"), created_by_id=staff.id)
    other_hub = db.session.scalar(db.select(Hub).where(Hub.id != case.hub_id).order_by(Hub.id))
    db.session.add_all([
        item, suit,
        Consultation(case_id=case.id, firm=text(ConsultationForm, "firm"), lawyer=text(ConsultationForm, "lawyer"),
                     consulted_on=opened.date(), summary=text(ConsultationForm, "summary"),
                     recommended_route=Route.administrative, created_by_id=staff.id),
        AdministrativeAction(case_id=case.id, kind=ActionKind.raid, authority=text(ActionForm, "authority"),
                             reference=text(ActionForm, "reference", "action_reference"),
                             result=text(ActionForm, "result"), created_by_id=staff.id),
        Cost(case_id=case.id, category=CostCategory.other, description=text(CostForm, "description",
                                                                            "cost_description"),
             payer=Payer.company, amount=10, currency="KRW", krw_rate=1, amount_krw=10, incurred_on=opened.date(),
             created_by_id=staff.id),
        Deadline(case_id=case.id, what=text(DeadlineForm, "what"), due_on=now.date() + timedelta(days=30),
                 source=DeadlineSource.manual, created_by_id=staff.id),
        Message(case_id=case.id, author_id=exporter.id, body=text(MessageForm, "body")),
        Message(case_id=case.id, author_id=staff.id, body=text(MessageForm, "body", "internal_note"),
                is_internal=True),
        StageChange(case_id=case.id, actor_id=staff.id, from_stage=Stage.action, to_stage=Stage.closed,
                    transition="close", note=texts["closing_note"], outcome=Outcome.settled, created_at=now),
        CaseTransfer(case_id=case.id, actor_id=staff.id, from_hub_id=case.hub_id, to_hub_id=other_hub.id,
                     reason=text(TransferForm, "reason"), created_at=opened + timedelta(days=1)),
    ])
    right = CompanyRight(company_id=company.id, kind=RightKind.trademark, office="WO",
                         number=text(RightForm, "number", "right_number"),
                         mark_text=text(RightForm, "mark_text", "right_mark"), nice_classes=list(range(1, 46)),
                         designations=sorted(EU_MEMBERS), status=RightStatus.registered,
                         filing_date=opened.date() - timedelta(days=3650),
                         registration_date=opened.date() - timedelta(days=3000), created_by_id=exporter.id)
    db.session.add(right)
    db.session.flush()
    db.session.add(CaseRight(case_id=case.id, right_id=right.id))
    db.session.add(Hearing(litigation_id=suit.id, held_on=opened.date() + timedelta(days=30),
                           note=text(HearingForm, "note", "hearing_note"), created_by_id=staff.id))
    stored = get_storage().put(io.BytesIO(b"order 2026-1125\n"))
    texts["file_name"] = unbroken("file_name", 251) + ".txt"  # the longest name a file system keeps
    db.session.add(EvidenceFile(item_id=item.id, case_id=case.id, storage_key=stored.key,
                                original_name=texts["file_name"], content_type="text/plain", size=stored.size,
                                sha256=stored.sha256, uploaded_by_id=staff.id))
    db.session.commit()
    return case, texts
