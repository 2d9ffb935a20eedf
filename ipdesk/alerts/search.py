"""Squatting alerts in search: an application number, a mark, an applicant or a company's name finds the alert,
for its company's users and whoever sees its case."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from ipdesk.alerts.models import SquattingAlert
from ipdesk.companies.models import Company
from ipdesk.core.i18n import current_locale
from ipdesk.extensions import db
from ipdesk.policy import visible_alerts_clause
from ipdesk.rights.offices import office_name
from ipdesk.search.models import SearchEntry
from ipdesk.search.registry import Hit, SearchKind, register

ALERT_TEXT = ("application_number", "mark", "applicant", "source")


def _source():
    return (sa.select(SquattingAlert.id.label("record_id"), sa.null().label("case_id"),
                      sa.false().label("restricted"), *(getattr(SquattingAlert, name) for name in ALERT_TEXT),
                      Company.name_ko, Company.name_en)
            .join(Company, Company.id == SquattingAlert.company_id))


def _visible(user):
    return sa.exists().where(SquattingAlert.id == SearchEntry.record_id, visible_alerts_clause(user))


def _describe(ids, user) -> dict[int, Hit]:
    rows = db.session.execute(
        sa.select(SquattingAlert.id, SquattingAlert.office, *(getattr(SquattingAlert, name) for name in ALERT_TEXT),
                  Company.name_ko, Company.name_en)
        .join(Company, Company.id == SquattingAlert.company_id).where(SquattingAlert.id.in_(ids)))
    hits, korean = {}, str(current_locale()) == "ko"
    for alert_id, office, number, mark, applicant, source, name_ko, name_en in rows:
        company = (name_ko or name_en) if korean else (name_en or name_ko)
        hits[alert_id] = Hit(f"{mark} · {number}", url_for("alerts.list_alerts", _anchor=f"alert-{alert_id}"),
                             f"{office_name(office)} · {applicant} · {company}",
                             (number, mark, applicant, source, name_ko, name_en))
    return hits


register(SearchKind(
    name="alert", label=_l("Squatting alerts"), model=SquattingAlert, source=_source, case_column=None,
    fields=ALERT_TEXT + ("company_id",), visible=_visible, describe=_describe, scope=visible_alerts_clause,
    watches={Company: (("name_ko", "name_en"),
                       lambda ids: sa.select(SquattingAlert.id).where(SquattingAlert.company_id.in_(ids)))},
))
