"""Plain data for documents: templates of PDFs get dicts of strings, numbers and dates, never ORM objects."""
import hashlib
import io
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from PIL import Image
from sqlalchemy.orm import selectinload

from ipdesk.actions.services import case_actions
from ipdesk.cases.models import Case, CaseTransfer, Consultation, Message, StageChange
from ipdesk.core.db import utcnow
from ipdesk.core.i18n import country_name, local_today
from ipdesk.costs.services import case_subsidy
from ipdesk.deadlines.models import Deadline
from ipdesk.evidence.models import EvidenceFile, EvidenceItem
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from ipdesk.policy import can
from ipdesk.reports.pdf import PAGE_MARK, PAGES_MARK, css_string, page_counter

THUMBNAIL_PX = 360
MAX_THUMBNAILS = 24
THUMBNAIL_TYPES = ("image/png", "image/jpeg", "image/webp")


def page_header(left: str) -> dict:
    """The CSS strings of a document's running header: ``left`` and "page X of Y" in the reader's language."""
    return {"left": css_string(left),
            "right": page_counter(_("Page %(page)s of %(pages)s", page=PAGE_MARK, pages=PAGES_MARK))}


def thumbnail(file: EvidenceFile) -> bytes | None:
    """A small JPEG re-encoded from a stored image whose hash still matches; None when it cannot be made."""
    storage = get_storage()
    if file.content_type not in THUMBNAIL_TYPES or not storage.exists(file.storage_key):
        return None
    with storage.open(file.storage_key) as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != file.sha256:
        return None  # a tampered file is not shown; verification reports it
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.draft("RGB", (THUMBNAIL_PX, THUMBNAIL_PX))
            image = image.convert("RGB")
            image.thumbnail((THUMBNAIL_PX, THUMBNAIL_PX))
            out = io.BytesIO()
            image.save(out, "JPEG", quality=80)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None
    return out.getvalue()


def case_file_context(case: Case, viewer) -> tuple[dict, dict[str, tuple[bytes, str]]]:
    """Everything the case file PDF shows to ``viewer``, and the thumbnails it embeds.

    Internal notes, transfers and who is assigned appear only for the staff side of the case.
    """
    staff_side = can(viewer, "case.internal_note", case)
    reference = case.display_reference
    changes = db.session.scalars(sa.select(StageChange).where(StageChange.case_id == case.id)
                                 .options(selectinload(StageChange.actor))
                                 .order_by(StageChange.created_at, StageChange.id)).all()
    timeline = [{"at": c.created_at, "actor": c.actor.name, "from": c.from_stage.title, "to": c.to_stage.title,
                 "outcome": c.outcome.title if c.outcome else "", "note": c.note} for c in changes]
    if staff_side:
        transfers = db.session.scalars(sa.select(CaseTransfer).where(CaseTransfer.case_id == case.id)
                                       .options(selectinload(CaseTransfer.actor), selectinload(CaseTransfer.from_hub),
                                                selectinload(CaseTransfer.to_hub))).all()
        timeline += [{"at": t.created_at, "actor": t.actor.name, "from": t.from_hub.name, "to": t.to_hub.name,
                      "outcome": "", "note": t.reason} for t in transfers]
        timeline.sort(key=lambda e: e["at"])

    items = db.session.scalars(sa.select(EvidenceItem).where(EvidenceItem.case_id == case.id)
                               .options(selectinload(EvidenceItem.created_by))
                               .order_by(EvidenceItem.created_at, EvidenceItem.id)).all()
    files = db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.case_id == case.id)
                               .options(selectinload(EvidenceFile.uploaded_by)).order_by(EvidenceFile.id)).all()
    images: dict[str, tuple[bytes, str]] = {}
    files_by_item: dict[int, list[dict]] = {}
    for file in files:
        key = None
        if len(images) < MAX_THUMBNAILS and (thumb := thumbnail(file)) is not None:
            key = f"ev{file.id}"
            images[key] = (thumb, "image/jpeg")
        files_by_item.setdefault(file.item_id, []).append({
            "name": file.original_name, "size": file.size, "type": file.content_type, "sha256": file.sha256,
            "uploaded_by": file.uploaded_by.name, "uploaded_at": file.uploaded_at, "thumbnail": key})
    evidence = [{"kind": i.kind.title, "description": i.description, "collected_on": i.collected_on,
                 "collected_by": i.collected_by, "source": i.source, "files": files_by_item.get(i.id, [])}
                for i in items]

    consultations = [{"on": c.consulted_on, "firm": c.firm, "lawyer": c.lawyer, "summary": c.summary,
                      "route": c.recommended_route.title, "cost": c.cost_amount, "currency": c.cost_currency}
                     for c in db.session.scalars(sa.select(Consultation).where(Consultation.case_id == case.id)
                                                 .order_by(Consultation.consulted_on, Consultation.id))]
    recorded = case_actions(case)
    actions = [{"kind": a.kind.title, "authority": a.authority, "status": a.status.title, "filed_on": a.filed_on,
                "reference": a.reference, "trigger_on": a.trigger_on, "result": a.result,
                "quantity_seized": a.quantity_seized, "penalty": a.penalty_amount,
                "penalty_currency": a.penalty_currency,
                "deadline": a.deadline.due_on if a.deadline else None} for a in recorded.actions]
    suits = [{"court": s.court, "number": s.court_case_number, "status": s.status.title, "filed_on": s.filed_on,
              "hearings": [{"on": h.held_on, "note": h.note} for h in s.hearings],
              "preservation_orders": s.preservation_orders, "judgment": s.judgment, "judged_on": s.judged_on,
              "currency": s.damages_currency, "awarded": s.damages_awarded, "recovered": s.damages_recovered}
             for s in recorded.suits]
    subsidy = case_subsidy(case)
    costs = {
        "lines": [{"on": line.cost.incurred_on, "category": line.cost.category.title,
                   "description": line.cost.description, "payer": line.cost.payer.name, "amount": line.cost.amount,
                   "currency": line.cost.currency, "rate": line.cost.krw_rate, "krw": line.cost.amount_krw,
                   "subsidy": line.subsidy_krw, "capped": line.capped} for line in subsidy.lines],
        "total_krw": subsidy.total_krw, "subsidy_krw": subsidy.subsidy_krw,
        "refund_krw": subsidy.refund_to_company_krw, "owed_krw": subsidy.owed_by_company_krw,
        "rule": {"share": subsidy.rule.share_percent, "cap": subsidy.rule.annual_cap_krw} if subsidy.rule else None,
    }
    today = local_today()
    deadlines = [{"due_on": d.due_on, "what": d.what, "done": d.is_done, "overdue": d.is_overdue(today),
                  "source": d.rule.source if d.rule else ""}
                 for d in db.session.scalars(sa.select(Deadline).where(Deadline.case_id == case.id)
                                             .options(selectinload(Deadline.rule))
                                             .order_by(Deadline.due_on, Deadline.id))]
    messages_stmt = sa.select(Message).where(Message.case_id == case.id).options(selectinload(Message.author))
    if not staff_side:
        messages_stmt = messages_stmt.where(~Message.is_internal)
    messages = [{"at": m.created_at, "author": m.author.name, "body": m.body, "internal": m.is_internal}
                for m in db.session.scalars(messages_stmt.order_by(Message.created_at, Message.id))]

    company = case.company
    generated = utcnow()
    context = {
        "lang": str(get_locale()), "staff_side": staff_side, "generated_at": generated,
        "meta": {"title": f"{reference} · {case.title}", "author": f"ipdesk · {case.hub.name}",
                 "created": generated.isoformat(timespec="seconds")},
        "header": page_header(reference),
        "case": {
            "reference": reference, "title": case.title, "stage": case.stage.title,
            "outcome": case.outcome.title if case.outcome else "", "closing_note": case.closing_note or "",
            "country": country_name(case.country_code), "hub": f"{case.hub.name} ({case.hub.city})",
            "assignee": case.assignee.name if staff_side and case.assignee else "",
            "sector": case.sector.title if case.sector else "",
            "ip_right": case.ip_right.title if case.ip_right else "",
            "dispute_type": case.dispute_type.title if case.dispute_type else "", "urgency": case.urgency.title,
            "found_where": case.found_where, "registration_numbers": case.registration_numbers,
            "damages": case.damages_amount, "damages_currency": case.damages_currency,
            "first_noticed_on": case.first_noticed_on, "description": case.description,
            "created_at": case.created_at, "submitted_at": case.submitted_at, "closed_at": case.closed_at,
            "is_registered_there": case.is_registered_there,
        },
        "company": {"name_ko": company.name_ko, "name_en": company.name_en,
                    "registration_number": company.registration_number, "size": company.size.title},
        "infringer": {"name": case.infringer_name, "shop_id": case.infringer_shop_id, "urls": case.infringer_urls,
                      "contacts": case.infringer_contacts},
        "timeline": timeline, "evidence": evidence, "consultations": consultations, "actions": actions,
        "suits": suits, "costs": costs, "deadlines": deadlines, "messages": messages,
    }
    return context, images


def is_plain(value) -> bool:
    """Whether ``value`` holds only plain data (what document templates may receive)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool, Decimal, date, datetime))
