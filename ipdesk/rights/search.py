"""Rights in search: a number, a mark or a company's name finds the right, for whoever may see the company's
register."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from ipdesk.companies.models import Company
from ipdesk.core.i18n import current_locale
from ipdesk.extensions import db
from ipdesk.policy import visible_rights_clause
from ipdesk.rights.models import CompanyRight
from ipdesk.rights.offices import office_name
from ipdesk.search.models import SearchEntry
from ipdesk.search.registry import Hit, SearchKind, register

RIGHT_TEXT = ("number", "mark_text", "notes")


def _source():
    return (sa.select(CompanyRight.id.label("record_id"), sa.null().label("case_id"), sa.false().label("restricted"),
                      *(getattr(CompanyRight, name) for name in RIGHT_TEXT), Company.name_ko, Company.name_en)
            .join(Company, Company.id == CompanyRight.company_id))


def _visible(user):
    return sa.exists().where(CompanyRight.id == SearchEntry.record_id, visible_rights_clause(user))


def _describe(ids, user) -> dict[int, Hit]:
    rows = db.session.execute(
        sa.select(CompanyRight.id, CompanyRight.kind, CompanyRight.office, CompanyRight.number,
                  CompanyRight.mark_text, CompanyRight.notes, Company.name_ko, Company.name_en)
        .join(Company, Company.id == CompanyRight.company_id).where(CompanyRight.id.in_(ids)))
    hits, korean = {}, str(current_locale()) == "ko"
    for right_id, kind, office, number, mark, notes, name_ko, name_en in rows:
        company = (name_ko or name_en) if korean else (name_en or name_ko)
        title = f"{mark} · {number}" if mark else number
        hits[right_id] = Hit(title, url_for("rights.view_right", right_id=right_id),
                             f"{kind.title} · {office_name(office)} · {company}", (number, mark, notes, name_ko,
                                                                                   name_en))
    return hits


register(SearchKind(
    name="right", label=_l("Rights"), model=CompanyRight, source=_source, case_column=None,
    fields=RIGHT_TEXT + ("company_id",), visible=_visible, describe=_describe, scope=visible_rights_clause,
    watches={Company: (("name_ko", "name_en"),
                       lambda ids: sa.select(CompanyRight.id).where(CompanyRight.company_id.in_(ids)))},
))
