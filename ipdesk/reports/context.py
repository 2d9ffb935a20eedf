"""Plain data for documents: templates of PDFs get dicts of strings, numbers and dates, never ORM objects."""
import hashlib
import io
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import gettext as _
from PIL import Image

from ipdesk.alerts.models import SquattingAlert
from ipdesk.cases.models import Case, CaseTransfer
from ipdesk.cases.record import load_case_record, staff_only
from ipdesk.core.db import utcnow
from ipdesk.core.i18n import country_name, local_today
from ipdesk.costs.services import case_subsidy
from ipdesk.evidence.models import EvidenceFile
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from ipdesk.reports.pdf import PAGE_MARK, PAGES_MARK, css_string, page_counter
from ipdesk.rights.offices import office_name
from ipdesk.rights.services import case_rights, case_warning, dismissal_of

THUMBNAIL_PX = 360
MAX_THUMBNAILS = 24
THUMBNAIL_TYPES = ("image/png", "image/jpeg", "image/webp")


def page_header(left: str, *, numbered: bool = True) -> dict:
    """The CSS strings of a document's running header: ``left`` and "page X of Y" in the reader's language.

    :param numbered: False for a part of the all-country pack, which numbers the pages of the whole itself
        (``none`` leaves the box out).
    """
    return {"left": css_string(left),
            "right": page_counter(_("Page %(page)s of %(pages)s", page=PAGE_MARK, pages=PAGES_MARK))
            if numbered else "none"}


def thumbnail(file: EvidenceFile) -> bytes | None:
    """A small JPEG re-encoded from a stored image whose hash still matches; None when it cannot be made."""
    if file.content_type not in THUMBNAIL_TYPES:
        return None
    try:
        handle = get_storage().open(file.storage_key)
    except FileNotFoundError:
        return None
    with handle:  # an image within the size limit of documents: read whole
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
    """Everything the case file PDF shows to ``viewer`` (what ``load_case_record`` gives them), and the
    thumbnails it embeds; who is assigned appears only for the staff side of the case."""
    record = load_case_record(case, viewer)
    staff_side, names = record.staff_side, record.names
    reference = case.display_reference
    timeline = [
        {"at": e.created_at, "actor": names[e.actor_id], "from": e.from_hub.name, "to": e.to_hub.name, "outcome": "",
         "reason": "", "note": e.reason} if isinstance(e, CaseTransfer) else
        {"at": e.created_at, "actor": names[e.actor_id], "from": e.from_stage.title, "to": e.to_stage.title,
         "outcome": e.outcome.title if e.outcome else "", "reason": e.reason.label if e.reason else "", "note": e.note}
        for e in record.timeline]

    images: dict[str, tuple[bytes, str]] = {}
    files_by_item: dict[int, list[dict]] = {}
    for file in record.files:
        key = None
        if len(images) < MAX_THUMBNAILS and (thumb := thumbnail(file)) is not None:
            key = f"ev{file.id}"
            images[key] = (thumb, "image/jpeg")
        files_by_item.setdefault(file.item_id, []).append({
            "name": file.original_name, "size": file.size, "type": file.content_type, "sha256": file.sha256,
            "uploaded_by": names[file.uploaded_by_id], "uploaded_at": file.uploaded_at, "thumbnail": key,
            "custody": [{"at": e.created_at, "event": e.kind.title, "by": names.get(record.custody_actor(e), ""),
                         "note": e.note} for e in record.custody_by_file.get(file.id, [])]})
    evidence = [{"kind": i.kind.title, "description": i.description, "collected_on": i.collected_on,
                 "collected_by": i.collected_by, "source": i.source, "files": files_by_item.get(i.id, [])}
                for i in record.evidence]

    consultations = [{"on": c.consulted_on, "firm": c.firm, "lawyer": c.lawyer, "summary": c.summary,
                      "route": c.recommended_route.title, "cost": c.cost_amount, "currency": c.cost_currency}
                     for c in record.consultations]
    today = local_today()
    actions = [{"kind": a.kind.title, "authority": a.authority, "status": record.state(a, today)[0],
                "filed_on": a.filed_on,
                "reference": a.reference, "trigger_on": a.trigger_on, "result": a.result,
                "quantity_seized": a.quantity_seized, "penalty": a.penalty_amount,
                "penalty_currency": a.penalty_currency,
                "deadline": a.deadline.due_on if a.deadline else None} for a in record.actions]
    suits = [{"court": s.court, "number": s.court_case_number, "status": record.state(s, today)[0],
              "filed_on": s.filed_on,
              "hearings": [{"on": h.held_on, "note": h.note} for h in s.hearings],
              "preservation_orders": s.preservation_orders, "judgment": s.judgment, "judged_on": s.judged_on,
              "currency": s.damages_currency, "awarded": s.damages_awarded, "recovered": s.damages_recovered}
             for s in record.suits]
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
    deadlines = [{"due_on": d.due_on, "what": d.title, "state": record.state(d, today)[0],
                  "overdue": record.state(d, today)[1] == "overdue", "source": d.rule.source if d.rule else ""}
                 for d in sorted(record.deadlines, key=lambda d: (d.due_on, d.id))]
    messages = [{"at": m.created_at, "author": names[m.author_id], "body": m.body, "internal": staff_only(m)}
                for m in record.messages]

    rights = case_rights(case.id)
    warning = case_warning(case, rights, today)
    dismissal = dismissal_of(case.id, warning)
    enforceability = {
        "rights": [{"office": office_name(right.office), "kind": right.kind.title, "number": right.number,
                    "mark": right.mark_text, "classes": ", ".join(str(n) for n in right.nice_classes or ()),
                    "status": right.status.title, "expiry": right.expiry_date} for right in rights],
        "goods_classes": ", ".join(str(n) for n in case.goods_classes or ()),
        "warning": warning.message if warning else "",
        "dismissed": {"by": dismissal.dismissed_by.name, "on": dismissal.dismissed_at, "reason": dismissal.reason}
        if dismissal else None,
    }

    alert = db.session.scalar(sa.select(SquattingAlert).where(SquattingAlert.case_id == case.id))
    squatting = None if alert is None else {
        "office": office_name(alert.office), "number": alert.application_number, "mark": alert.mark,
        "applicant": alert.applicant, "classes": ", ".join(str(n) for n in alert.nice_classes or ()),
        "class_count": len(alert.nice_classes or ()),
        "filed_on": alert.filed_on, "published_on": alert.published_on, "due_on": alert.due_on,
        "source": alert.source, "requested_at": alert.requested_at}

    company = case.company
    generated = utcnow()
    context = {
        "lang": str(get_locale()), "staff_side": staff_side, "generated_at": generated,
        "meta": {"title": f"{reference} · {case.title}", "author": f"ipdesk · {case.hub.name}",
                 "created": generated.isoformat(timespec="seconds")},
        "header": page_header(reference),
        "case": {
            "reference": reference, "title": case.title, "stage": case.stage.title, "country_code": case.country_code,
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
        },
        "company": {"name_ko": company.name_ko, "name_en": company.name_en,
                    "registration_number": company.registration_number, "size": company.size.title},
        "infringer": {"name": case.infringer_name, "shop_id": case.infringer_shop_id, "urls": case.infringer_urls,
                      "contacts": case.infringer_contacts,
                      "region": case.infringer_region.name if case.infringer_region else ""},
        "timeline": timeline, "evidence": evidence, "consultations": consultations, "actions": actions,
        "suits": suits, "costs": costs, "deadlines": deadlines, "messages": messages,
        "enforceability": enforceability, "squatting": squatting,
    }
    return context, images


def is_plain(value) -> bool:
    """Whether ``value`` holds only plain data (what document templates may receive)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and is_plain(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return all(is_plain(v) for v in value)
    return value is None or isinstance(value, (str, int, float, bool, Decimal, date, datetime))
