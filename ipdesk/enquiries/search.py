"""Enquiries in search: the question, the answer and who asked, found by whoever may open the enquiry."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from ipdesk.companies.models import Company
from ipdesk.core.i18n import country_name, current_locale
from ipdesk.enquiries.models import Enquiry
from ipdesk.extensions import db
from ipdesk.policy import visible_enquiries_clause
from ipdesk.search.models import SearchEntry
from ipdesk.search.registry import Hit, SearchKind, register

ENQUIRY_TEXT = ("question", "answer", "company_name", "registration_number", "contact_name", "contact_email",
                "contact_phone")


def _source():
    return (sa.select(Enquiry.id.label("record_id"), sa.null().label("case_id"), sa.false().label("restricted"),
                      *(getattr(Enquiry, name) for name in ENQUIRY_TEXT), Company.name_ko, Company.name_en)
            .outerjoin(Company, Company.id == Enquiry.company_id))


def _visible(user):
    """Each candidate's enquiry looked up by its key and tried against the policy's rule."""
    return sa.exists().where(Enquiry.id == SearchEntry.record_id, visible_enquiries_clause(user))


def _describe(ids, user) -> dict[int, Hit]:
    rows = db.session.execute(
        sa.select(Enquiry.id, Enquiry.country_code, Enquiry.question, *(getattr(Enquiry, name)
                                                                         for name in ENQUIRY_TEXT[1:]),
                  Company.name_ko, Company.name_en)
        .outerjoin(Company, Company.id == Enquiry.company_id).where(Enquiry.id.in_(ids)))
    hits, korean = {}, str(current_locale()) == "ko"
    for enquiry_id, country, question, *texts, name_ko, name_en in rows:
        company = ((name_ko or name_en) if korean else (name_en or name_ko)) or texts[1]  # or the name given
        first_line = question.strip().splitlines()[0] if question.strip() else ""
        title = f"Q-{enquiry_id:06d} · {first_line[:120]}"
        hits[enquiry_id] = Hit(title, url_for("enquiries.view_enquiry", enquiry_id=enquiry_id),
                               f"{company} · {country_name(country)}", (question, *texts, name_ko, name_en))
    return hits


register(SearchKind(
    name="enquiry", label=_l("Enquiries"), model=Enquiry, source=_source, case_column=None,
    fields=(*ENQUIRY_TEXT, "company_id"), visible=_visible, describe=_describe, scope=visible_enquiries_clause,
    watches={Company: (("name_ko", "name_en"),
                       lambda ids: sa.select(Enquiry.id).where(Enquiry.company_id.in_(ids)))},
))
