"""The case list: filters, sorting and the CSV export share one query."""
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask_babel import get_locale, get_timezone
from flask_babel import gettext as _
from sqlalchemy.orm import joinedload

from ipdesk.auth.models import Role, User
from ipdesk.cases.models import Case, Stage
from ipdesk.companies.models import Company
from ipdesk.core.forms import valid_data
from ipdesk.core.i18n import country_name, local_today
from ipdesk.core.pagination import capped_count
from ipdesk.core.spreadsheet import csv_chunks, safe_cell
from ipdesk.core.spreadsheet import labels as enum_labels
from ipdesk.deadlines.models import Deadline
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.policy import visible_cases_clause, visible_tallies_clause
from ipdesk.reports.models import Tally
from ipdesk.search.query import case_ids

SORT_ORDERS = {
    "newest": (Case.submitted_at.desc().nulls_first(), Case.id.desc()),
    "oldest": (Case.submitted_at.asc().nulls_last(), Case.id.asc()),
    "reference": (Case.reference.asc().nulls_last(), Case.id.asc()),
    "updated": (Case.updated_at.desc(), Case.id.desc()),
    # within a stage every case has a submission time, or (drafts) none: no NULLS clause, so that SQLite reads this
    # order from the index as PostgreSQL does (SQLite's index keeps NULL last when descending)
    "stage": (Case.stage.asc(), Case.submitted_at.desc(), Case.id.desc()),
    "country": (Case.country_code.asc(), Case.submitted_at.desc().nulls_first(), Case.id.desc()),
}


def case_query(user, form):
    """The cases ``user`` may see, narrowed by the filter form's valid fields (invalid ones are ignored)."""
    stmt = sa.select(Case).where(visible_cases_clause(user))
    data = valid_data(form)
    if data.get("country"):
        stmt = stmt.where(Case.country_code == data["country"])
    if data.get("hub"):
        stmt = stmt.where(Case.hub_id == data["hub"])
    for name in ("stage", "sector", "ip_right", "dispute_type"):
        if data.get(name) is not None:
            stmt = stmt.where(getattr(Case, name) == data[name])
    assignee = data.get("assignee")
    if assignee == "me":
        stmt = stmt.where(Case.assignee_id == user.id)
    elif assignee == "none":
        stmt = stmt.where(Case.assignee_id.is_(None))
    elif assignee and assignee.isdigit():
        stmt = stmt.where(Case.assignee_id == int(assignee))
    if data.get("date_from"):
        stmt = stmt.where(Case.submitted_at >= datetime.combine(data["date_from"], time.min, UTC))
    if data.get("date_to") and data["date_to"] < date.max:
        stmt = stmt.where(Case.submitted_at < datetime.combine(data["date_to"] + timedelta(days=1), time.min, UTC))
    if data.get("overdue"):
        stmt = stmt.where(sa.exists().where(Deadline.case_id == Case.id, ~Deadline.is_done,
                                            Deadline.due_on < local_today()))
    if data.get("q"):  # what search finds among the cases (ipdesk.search): every text of the case and its company
        stmt = stmt.where(Case.id.in_(case_ids(user, data["q"])))
    return stmt.order_by(*SORT_ORDERS.get(data.get("sort") or "newest", SORT_ORDERS["newest"]))


COUNT_CAP = 10_000  # beyond this many cases, a list that the tallies cannot count says "more than 10,000"
TALLIED = frozenset({"country", "hub", "stage"})  # the filters the tallies count by


def case_count(user, form, stmt) -> tuple[int, bool]:
    """How many cases ``stmt`` (``case_query(user, form)``) lists, and whether that is exact, without counting
    a large list one case at a time. Staff and managers filtering by country, hub and stage only read the tallies
    for the submitted cases, and count the few drafts among them; any other list is counted up to ``COUNT_CAP``
    cases, and a longer one is "more than" that (exact: False)."""
    data = {name: value for name, value in valid_data(form).items()
            if name not in ("sort", "csrf_token") and value not in (None, "", False)}
    if user.role in (Role.staff, Role.manager) and data.keys() <= TALLIED:
        where = [visible_tallies_clause(user)]
        if data.get("country"):
            where.append(Tally.country_code == data["country"])
        if data.get("hub"):
            where.append(Tally.hub_id == data["hub"])
        if data.get("stage") is not None:
            where.append(Tally.key == data["stage"].name)
        submitted = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Tally.n), 0))
                                      .where(Tally.kind == "stage", *where))
        drafts = 0
        if data.get("stage") in (None, Stage.draft):
            drafts = db.session.scalar(sa.select(sa.func.count()).select_from(
                stmt.where(Case.submitted_at.is_(None)).with_only_columns(Case.id).order_by(None).subquery()))
        return submitted + drafts, True
    return capped_count(stmt, Case.id, COUNT_CAP)


def with_list_columns(stmt):
    """Load what a list row shows in one query: the page's cases are picked by key first
    (``KeysFirstPagination``), so their company, hub and assignee are joined to those rows only, never to the rows
    a deep page steps over."""
    return stmt.options(joinedload(Case.company, innerjoin=True), joinedload(Case.hub, innerjoin=True),
                        joinedload(Case.assignee))


def row_key(case: Case, staff_side: bool) -> tuple:
    """Everything a row of the list shows (``{% kept %}`` in cases/list.html), for the viewer's side."""
    key = (case.id, case.reference, case.title, case.country_code, case.urgency, case.stage, case.outcome,
           case.submitted_at, staff_side)
    if staff_side:
        key += (case.company.name, case.hub.name, case.assignee.name if case.assignee else None)
    return key


CSV_CHUNK_ROWS = 2000


def export_csv(stmt, *, staff_view: bool) -> Iterator[bytes]:
    """The filtered list as CSV that Excel opens with Hangul intact (UTF-8 with a byte-order mark), in chunks of
    ``CSV_CHUNK_ROWS`` rows as the query yields them: memory stays the same at any number of rows.

    Everything that depends on the reader (labels, language, time zone) is settled here, in the request; the
    rows are read as the answer is sent (``stream_with_context``), after the request's commit point has ended
    its transaction, so they come from a read of their own and nothing about the signed-in user is loaded then.

    One joined query through the Core connection, with enums read as their stored names and mapped to
    labels by dictionary: the ORM's per-row type processing made 10,000 rows take 5× a plain csv.writer
    (make bench). Every cell whose text comes from a user goes through the formula guard.

    :param staff_view: add the columns only the staff side sees on the list (hub, assignee).
    """
    header = [_("Reference"), _("Title"), _("Company"), _("Country"), _("Stage"), _("Sector"), _("IP right"),
              _("Dispute type"), _("Urgency"), _("Infringer"), _("Shop or seller ID"), _("Estimated damages"),
              _("Currency"), _("Submitted"), _("Outcome")]
    if staff_view:
        header += [_("Hub"), _("Assigned to")]
    locale = get_locale()
    as_text = {column.key: sa.type_coerce(column, sa.String).label(column.key)
               for column in (Case.stage, Case.sector, Case.ip_right, Case.dispute_type, Case.urgency, Case.outcome)}
    columns = [Case.reference, Case.title, Company.name_ko, Company.name_en, Case.country_code, *as_text.values(),
               Case.infringer_name, Case.infringer_shop_id, Case.damages_amount, Case.damages_currency,
               Case.submitted_at]
    stmt = stmt.with_only_columns(*columns).join(Company, Company.id == Case.company_id)
    if staff_view:
        stmt = stmt.add_columns(Hub.name_ko, Hub.name_en, User.name).join(Hub, Hub.id == Case.hub_id) \
            .outerjoin(User, User.id == Case.assignee_id)
    labels = [enum_labels(getattr(Case, key).type.enum_class) for key in as_text]
    zone = ZoneInfo(str(get_timezone()))  # the user's time zone, as format_datetime would take it
    return csv_chunks(header, _csv_rows(stmt, labels, locale, zone, _("Draft"), staff_view), CSV_CHUNK_ROWS)


def _csv_rows(stmt, labels, locale, zone, draft, staff_view) -> Iterator[list[str]]:
    korean = str(locale) == "ko"
    stage, sector, ip_right, dispute_type, urgency, outcome = labels
    countries: dict[str, str] = {}
    safe = safe_cell
    rows = db.session.connection().execute(stmt.execution_options(yield_per=CSV_CHUNK_ROWS))
    for r in rows:
        (reference, title, name_ko, name_en, code, stage_name, sector_name, right_name, type_name, urgency_name,
         outcome_name, infringer, shop, amount, currency, submitted, *staff) = r
        country = countries.get(code)
        if country is None:
            country = countries[code] = country_name(code, locale)
        cells = [
            reference or draft, safe(title), safe((name_ko or name_en) if korean else (name_en or name_ko)), country,
            stage[stage_name], sector[sector_name], ip_right[right_name], dispute_type[type_name],
            urgency[urgency_name], safe(infringer), safe(shop), "" if amount is None else str(amount), currency or "",
            submitted.astimezone(zone).isoformat(" ", "minutes")[:16] if submitted else "",
            outcome[outcome_name],
        ]
        if staff_view:
            hub_ko, hub_en, assignee = staff
            cells += [safe((hub_ko or hub_en) if korean else (hub_en or hub_ko)), safe(assignee)]
        yield cells
    rows.close()
