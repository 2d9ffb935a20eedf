"""The record kinds search starts with: cases, companies, infringer records, messages and evidence.

Each is registered here with where its text comes from and who may see it (``ipdesk.policy``'s rules); a later
record kind registers itself the same way from its own package (``ipdesk.search.registry.register``).
"""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from ipdesk.cases.models import Case, Message
from ipdesk.cases.record import staff_only_clause
from ipdesk.companies.models import Company
from ipdesk.core.i18n import country_name, current_locale
from ipdesk.evidence.models import EvidenceItem
from ipdesk.extensions import db
from ipdesk.infringers.models import Infringer
from ipdesk.policy import handled_cases_clause, permits, visible_cases_clause, visible_companies_clause
from ipdesk.search.models import SearchEntry
from ipdesk.search.registry import Hit, SearchKind, register

CASE_TEXT = ("reference", "title", "description", "found_where", "infringer_name", "infringer_shop_id",
             "infringer_urls", "infringer_contacts", "registration_numbers")
COMPANY_TEXT = ("name_ko", "name_en", "registration_number")


def _case_source():
    return (sa.select(Case.id.label("record_id"), Case.id.label("case_id"), sa.false().label("restricted"),
                      *(getattr(Case, name) for name in CASE_TEXT), Company.name_ko, Company.name_en)
            .join(Company, Company.id == Case.company_id))


def _case_title(reference: str | None, title: str) -> str:
    return f"{reference} · {title}" if reference else title


def _describe_cases(ids, user) -> dict[int, Hit]:
    rows = db.session.execute(
        sa.select(Case.id, Case.country_code, *(getattr(Case, name) for name in CASE_TEXT), Company.name_ko,
                  Company.name_en).join(Company, Company.id == Case.company_id).where(Case.id.in_(ids)))
    hits, korean = {}, str(current_locale()) == "ko"
    for case_id, country, reference, title, *texts, name_ko, name_en in rows:
        company = (name_ko or name_en) if korean else (name_en or name_ko)
        hits[case_id] = Hit(_case_title(reference, title), url_for("cases.view_case", case_id=case_id),
                            f"{company} · {country_name(country)}", (title, *texts, name_ko, name_en))
    return hits


register(SearchKind(
    name="case", label=_l("Cases"), model=Case, source=_case_source, case_column="id",
    fields=(*CASE_TEXT, "company_id"), visible=visible_cases_clause, describe=_describe_cases,
    watches={Company: (("name_ko", "name_en"), lambda ids: sa.select(Case.id).where(Case.company_id.in_(ids)))},
))


def _describe_companies(ids, user) -> dict[int, Hit]:
    hits = {}
    for company in db.session.scalars(sa.select(Company).where(Company.id.in_(ids))):
        hits[company.id] = Hit(company.name, url_for("companies.view_company", company_id=company.id),
                               company.registration_number, (company.name_ko, company.name_en,
                                                             company.registration_number))
    return hits


register(SearchKind(
    name="company", label=_l("Companies"), model=Company, case_column=None,
    source=lambda: sa.select(Company.id.label("record_id"), sa.null().label("case_id"),
                             sa.false().label("restricted"), *(getattr(Company, name) for name in COMPANY_TEXT)),
    fields=COMPANY_TEXT, visible=lambda user: visible_companies_clause(user, SearchEntry.record_id),
    describe=_describe_companies,
))

INFRINGER_TEXT = ("name", "aliases", "shop_ids", "urls", "contacts", "notes")


def _describe_infringers(ids, user) -> dict[int, Hit]:
    hits = {}
    for infringer in db.session.scalars(sa.select(Infringer).where(Infringer.id.in_(ids))):
        hits[infringer.id] = Hit(infringer.name, url_for("infringers.view_infringer", infringer_id=infringer.id),
                                 infringer.shop_ids.splitlines()[0] if infringer.shop_ids else "",
                                 tuple(getattr(infringer, name) for name in INFRINGER_TEXT))
    return hits


register(SearchKind(
    name="infringer", label=_l("Infringer records"), model=Infringer, case_column=None,
    source=lambda: sa.select(Infringer.id.label("record_id"), sa.null().label("case_id"),
                             sa.false().label("restricted"), *(getattr(Infringer, name) for name in INFRINGER_TEXT)),
    fields=INFRINGER_TEXT, visible=lambda user: sa.true() if permits(user, "infringer.view") else sa.false(),
    describe=_describe_infringers,
))


def _seen_with_its_case(user):
    """A record of a case: seen by whoever sees the case, and by its staff side alone when the record is for them
    only (an internal note: ``ipdesk.cases.record``)."""
    return sa.and_(visible_cases_clause(user), sa.or_(~SearchEntry.restricted, handled_cases_clause(user)))


def _describe_messages(ids, user) -> dict[int, Hit]:
    rows = db.session.execute(
        sa.select(Message.id, Message.case_id, Message.body, staff_only_clause(Message), Case.reference, Case.title)
        .join(Case, Case.id == Message.case_id).where(Message.id.in_(ids)))
    return {message_id: Hit(_case_title(reference, title),
                            url_for("cases.view_case", case_id=case_id, _anchor=f"message-{message_id}"),
                            str(_l("Internal note")) if internal else "", (body,))
            for message_id, case_id, body, internal, reference, title in rows}


register(SearchKind(
    name="message", label=_l("Messages"), model=Message,
    source=lambda: sa.select(Message.id.label("record_id"), Message.case_id,
                             staff_only_clause(Message).label("restricted"), Message.body),
    fields=("body", "is_internal"),
    visible=_seen_with_its_case,
    describe=_describe_messages,
))

EVIDENCE_TEXT = ("description", "source", "collected_by")


def _describe_evidence(ids, user) -> dict[int, Hit]:
    rows = db.session.execute(
        sa.select(EvidenceItem.id, EvidenceItem.case_id, *(getattr(EvidenceItem, name) for name in EVIDENCE_TEXT),
                  Case.reference, Case.title)
        .join(Case, Case.id == EvidenceItem.case_id).where(EvidenceItem.id.in_(ids)))
    return {item_id: Hit(_case_title(reference, title), url_for("cases.view_case", case_id=case_id,
                                                                _anchor="evidence"), "", tuple(texts))
            for item_id, case_id, *texts, reference, title in rows}


register(SearchKind(
    name="evidence", label=_l("Evidence"), model=EvidenceItem,
    source=lambda: sa.select(EvidenceItem.id.label("record_id"), EvidenceItem.case_id,
                             staff_only_clause(EvidenceItem).label("restricted"),
                             *(getattr(EvidenceItem, name) for name in EVIDENCE_TEXT)),
    fields=EVIDENCE_TEXT, visible=_seen_with_its_case, describe=_describe_evidence,
))
