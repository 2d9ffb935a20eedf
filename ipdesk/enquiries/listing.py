"""The enquiry list: its filters and the CSV export share one query, as the case list's do."""
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ipdesk.auth.models import User
from ipdesk.cases.models import Case, DisputeType, IPRight
from ipdesk.companies.models import Company
from ipdesk.core.forms import valid_data
from ipdesk.core.i18n import country_name, local_today
from ipdesk.core.pagination import capped_count
from ipdesk.core.spreadsheet import csv_chunks, labels, safe_cell
from ipdesk.enquiries.models import Channel, Enquiry, EnquiryStatus, Topic
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.policy import can, visible_enquiries_clause
from ipdesk.search.query import record_ids

CSV_CHUNK_ROWS = 2000


def enquiry_query(user, form):
    """The enquiries ``user`` may see, narrowed by the filter form's valid fields, newest first."""
    stmt = sa.select(Enquiry).where(visible_enquiries_clause(user))
    data = valid_data(form)
    if data.get("country"):
        stmt = stmt.where(Enquiry.country_code == data["country"])
    if data.get("hub"):
        stmt = stmt.where(Enquiry.hub_id == data["hub"])
    for name in ("channel", "topic", "status"):
        if data.get(name) is not None:
            stmt = stmt.where(getattr(Enquiry, name) == data[name])
    if data.get("converted") == "yes":
        stmt = stmt.where(Enquiry.case_id.is_not(None))
    elif data.get("converted") == "no":
        stmt = stmt.where(Enquiry.case_id.is_(None))
    if data.get("date_from"):
        stmt = stmt.where(Enquiry.created_at >= datetime.combine(data["date_from"], time.min, UTC))
    if data.get("date_to") and data["date_to"] < date.max:
        stmt = stmt.where(Enquiry.created_at < datetime.combine(data["date_to"] + timedelta(days=1), time.min, UTC))
    if data.get("follow_up_due"):
        stmt = stmt.where(Enquiry.follow_up_on <= local_today(), Enquiry.followed_up_at.is_(None))
    if data.get("q"):  # what search finds among the enquiries (ipdesk.search)
        stmt = stmt.where(Enquiry.id.in_(record_ids(user, "enquiry", data["q"])))
    return stmt.order_by(Enquiry.created_at.desc(), Enquiry.id.desc())


COUNT_CAP = 10_000  # beyond this many, the list says "more than 10,000"


def enquiry_count(stmt) -> tuple[int, bool]:
    """How many enquiries ``stmt`` lists, counted up to ``COUNT_CAP`` (a million are never counted one by one)."""
    return capped_count(stmt, Enquiry.id, COUNT_CAP)


def with_list_columns(stmt):
    """What a row shows, joined to the page's rows only (their keys are picked first)."""
    return stmt.options(joinedload(Enquiry.company), joinedload(Enquiry.hub, innerjoin=True),
                        joinedload(Enquiry.handled_by), joinedload(Enquiry.case))


def export_csv(stmt) -> Iterator[bytes]:
    """The filtered list as CSV for the staff side (streamed, in constant memory; see
    ``ipdesk.cases.listing.export_csv``)."""
    header = [_("Reference"), _("Asked"), _("How it came"), _("Company"), _("Business registration number"),
              _("Country"), _("Topic"), _("IP right"), _("Dispute type"), _("Question"), _("Status"), _("Answered"),
              _("Answer"), _("Time spent (minutes)"), _("Follow up on"), _("Case"), _("Hub"), _("Handled by"),
              _("Who asked"), _("Their e-mail"), _("Their phone")]
    as_text = [sa.type_coerce(column, sa.String).label(column.key)
               for column in (Enquiry.channel, Enquiry.topic, Enquiry.ip_right, Enquiry.dispute_type, Enquiry.status)]
    handler = sa.orm.aliased(User)
    stmt = stmt.with_only_columns(
        Enquiry.id, Enquiry.created_at, *as_text, Company.name_ko, Company.name_en, Enquiry.company_name,
        Enquiry.registration_number, Enquiry.country_code, Enquiry.question, Enquiry.answered_at, Enquiry.answer,
        Enquiry.minutes_spent, Enquiry.follow_up_on, Case.reference, Hub.name_ko, Hub.name_en, handler.name,
        Enquiry.contact_name, Enquiry.contact_email, Enquiry.contact_phone,
    ).outerjoin(Company, Company.id == Enquiry.company_id).outerjoin(Case, Case.id == Enquiry.case_id) \
        .join(Hub, Hub.id == Enquiry.hub_id).outerjoin(handler, handler.id == Enquiry.handled_by_id)
    names = [labels(kind) for kind in (Channel, Topic, IPRight, DisputeType, EnquiryStatus)]
    return csv_chunks(header, _rows(stmt, names, get_locale(), ZoneInfo(str(get_timezone()))), CSV_CHUNK_ROWS)


def _rows(stmt, names, locale, zone) -> Iterator[list[str]]:
    korean = str(locale) == "ko"
    channel, topic, ip_right, dispute_type, status = names
    countries: dict[str, str] = {}
    safe = safe_cell

    def moment(value) -> str:
        return value.astimezone(zone).isoformat(" ", "minutes")[:16] if value else ""

    rows = db.session.connection().execute(stmt.execution_options(yield_per=CSV_CHUNK_ROWS))
    for (enquiry_id, created, channel_name, topic_name, right_name, type_name, status_name, name_ko, name_en,
         company_name, number, code, question, answered, answer, minutes, follow_up, case_reference, hub_ko, hub_en,
         handler, contact, email, phone) in rows:
        country = countries.get(code)
        if country is None:
            country = countries[code] = country_name(code, locale)
        company = ((name_ko or name_en) if korean else (name_en or name_ko)) if (name_ko or name_en) else company_name
        cells = [f"Q-{enquiry_id:06d}", moment(created), channel[channel_name], safe(company), number, country,
                 topic[topic_name], ip_right[right_name], dispute_type[type_name], safe(question), status[status_name],
                 moment(answered), safe(answer), "" if minutes is None else str(minutes),
                 follow_up.isoformat() if follow_up else "", case_reference or "",
                 safe((hub_ko or hub_en) if korean else (hub_en or hub_ko)), safe(handler), safe(contact),
                 safe(email), safe(phone)]
        yield cells
    rows.close()


def enquiry_of_case(case: Case, user) -> Enquiry | None:
    """The enquiry a case was opened from, when ``user`` may open it (the case page links to it)."""
    enquiry = db.session.scalar(sa.select(Enquiry).where(Enquiry.case_id == case.id))
    return enquiry if enquiry is not None and can(user, "enquiry.view", enquiry) else None


FOLLOW_UPS_SHOWN = 50  # on the deadlines page; the enquiry list's "follow-up due" filter has them all


def open_follow_ups(user, *, mine: bool = False):
    """The follow-ups not done yet of the enquiries ``user`` may see (those they handled, ``mine``), soonest
    first: the deadlines of enquiries."""
    stmt = (sa.select(Enquiry).where(visible_enquiries_clause(user), Enquiry.follow_up_on.is_not(None),
                                     Enquiry.followed_up_at.is_(None))
            .order_by(Enquiry.follow_up_on, Enquiry.id))
    if mine:
        stmt = stmt.where(Enquiry.handled_by_id == user.id)
    return stmt
