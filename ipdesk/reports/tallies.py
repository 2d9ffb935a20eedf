"""Counts read from the tallies the database keeps (migration 0032), and their upkeep: folding the deltas, and
checking them against the rows they count.

A tally is the sum of ``Tally.n`` over its rows. Readers pass the viewer's clause from
``policy.visible_tallies_clause`` like any other query of tenant data.
"""
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import sqlalchemy as sa

from ipdesk.actions.models import Litigation
from ipdesk.cases.models import OPEN_STAGES, Case, Stage, StageChange
from ipdesk.core.db import MonthStart, NotIndexOrdered, StayBucket, utcnow
from ipdesk.deadlines.models import Deadline
from ipdesk.enquiries.models import Enquiry
from ipdesk.extensions import db
from ipdesk.reports.models import UNDATED, Tally

REFUSALS = ("return", "reject")
KEY = (Tally.kind, Tally.country_code, Tally.hub_id, Tally.key, Tally.reason_id, Tally.bucket, Tally.due_on, Tally.day)
# the kinds counted by the case's month of submission (``day``), which the country summary reads
BY_SUBMISSION = ("cases", "sector", "ip_right", "dispute", "outcome", "claimed", "stay", "chased", "late", "awarded",
                 "recovered")
NAMES = (*(c.key for c in KEY), "n", "amount")  # a row of the tallies, as ``counted`` gives it too
DUE_ON = ("chased", "late")  # kinds whose due dates long past fold together, as the ``due`` kind's days


def tally(kind: str | tuple[str, ...], *columns, where=(), by_day: bool = False) -> sa.Select:
    """``SELECT columns..., sum(n)`` over the tallies of ``kind`` (or of several kinds, which ``columns`` then tell
    apart with ``Tally.kind``) meeting ``where``, grouped by ``columns``; keys whose rows add up to nothing are left
    out. ``by_day``: ``where`` holds a range of days, and the rows are found by it (on SQLite the (kind, key) index
    would otherwise list every row of the kind in the grouping's order)."""
    total = sa.func.sum(Tally.n)
    grouped = [NotIndexOrdered(column) for column in columns] if by_day else columns
    kinds = Tally.kind.in_(kind) if isinstance(kind, tuple) else Tally.kind == kind
    return sa.select(*columns, total).where(kinds, *where).group_by(*grouped).having(total != 0)


# --- upkeep --------------------------------------------------------------------------------------

def _long_past(today: date | None) -> date:
    """The first due day still kept apart: two days back, before anyone's today whatever their time zone (the
    days before it are only ever read as one sum, so they fold together)."""
    return (today or utcnow().date()) - timedelta(days=2)


def compact(today: date | None = None) -> tuple[int, int]:
    """Fold the tallies into one row per key, and the ``due`` rows of days long past into one row per country and
    hub (only their sum before today is ever read); commits. Returns the rows before and after.

    PostgreSQL deletes and re-inserts in one statement, so a delta committed meanwhile by another transaction is
    either folded or left as it is, never lost; SQLite has one writer at a time."""
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Tally))
    past = _long_past(today)
    folded_day = sa.literal(past - timedelta(days=1))
    day = sa.case((sa.and_(Tally.kind == "due", Tally.day < past), folded_day), else_=Tally.day)
    due_on = sa.case((sa.and_(Tally.kind.in_(DUE_ON), Tally.due_on < past), folded_day), else_=Tally.due_on)
    columns = [*KEY[:-2], due_on.label("due_on"), day.label("day")]
    if db.session.get_bind().dialect.name == "postgresql":
        gone = sa.delete(Tally).returning(*columns, Tally.n, Tally.amount).cte("gone")
        folded = sa.select(*(gone.c[c.key] for c in KEY), sa.func.sum(gone.c.n), sa.func.sum(gone.c.amount)) \
            .group_by(*(gone.c[c.key] for c in KEY)).having(sa.func.sum(gone.c.n) != 0)
        db.session.execute(sa.insert(Tally).from_select(NAMES, folded))
    else:
        last = db.session.scalar(sa.select(sa.func.max(Tally.id)))
        if last is not None:
            folded = sa.select(*columns, sa.func.sum(Tally.n), sa.func.sum(Tally.amount)).where(Tally.id <= last) \
                .group_by(*columns).having(sa.func.sum(Tally.n) != 0)
            db.session.execute(sa.insert(Tally).from_select(NAMES, folded))
            db.session.execute(sa.delete(Tally).where(Tally.id <= last))
    after = db.session.scalar(sa.select(sa.func.count()).select_from(Tally))
    db.session.commit()
    return before, after


@dataclass(frozen=True)
class Drift:
    kind: str
    key: tuple
    tallied: int
    counted: int
    tallied_amount: Decimal | None = None
    counted_amount: Decimal | None = None


def counted(*, where=(), kinds=None) -> sa.CompoundSelect:
    """What the tallies should hold, counted from the cases, deadlines, stage changes and lawsuits themselves: one
    row per key (``NAMES``). ``where``: conditions on the cases counted; ``kinds``: only these kinds. The country
    summary counts the days of a period that do not fill a month this way (``counted_selects``, to put beside
    the tallies' rows in one UNION ALL)."""
    return sa.union_all(*counted_selects(where=where, kinds=kinds))


# the columns of a case that its tallies count by
COUNTED_COLUMNS = ("id", "country_code", "hub_id", "stage", "outcome", "sector", "ip_right", "dispute_type",
                   "damages_amount", "damages_currency", "submitted_at", "closed_at", "next_due_on", "supported_at",
                   *(f"{stage.name}_seconds" for stage in OPEN_STAGES))


def counted_selects(*, where=(), kinds=None, cases=None) -> list[sa.Select]:
    """``counted``'s SELECTs, one per kind (and per stage of the stays). ``cases``: where to read the cases from
    (an alias of ``Case`` over a CTE of some of them, with ``COUNTED_COLUMNS``), instead of the table."""
    case = cases if cases is not None else Case
    submitted = MonthStart(case.submitted_at)
    no_int, no_day = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.Date)
    no_amount = sa.cast(sa.null(), sa.Numeric(20, 2))
    is_open = case.stage.in_(OPEN_STAGES)

    def text(column):  # an enum's name, as the tallies keep it
        return sa.type_coerce(column, sa.String)

    def rows(kind, key, *conditions, reason=None, bucket=None, due_on=None, day=submitted, amount=None, joins=()):
        """One kind's SELECT, grouped by every value it counts by (a literal key, one stage's stays, is not)."""
        by = [c for c in (key, reason, bucket, due_on, day) if c is not None and not isinstance(c, sa.BindParameter)]
        values = (sa.literal(kind), case.country_code, case.hub_id,
                  sa.cast(sa.null(), sa.String) if key is None else key, no_int if reason is None else reason,
                  no_int if bucket is None else bucket, no_day if due_on is None else due_on, day, sa.func.count(),
                  no_amount if amount is None else amount)
        select = sa.select(*(value.label(name) for value, name in zip(values, NAMES, strict=True)))
        for model, on in joins:
            select = select.join_from(model, case, on)
        return select.where(*conditions, *where).group_by(case.country_code, case.hub_id, *by)

    submitted_only = case.submitted_at.is_not(None)
    parts = {
        "cases": lambda: rows("cases", text(case.stage), submitted_only),
        "stage": lambda: rows("stage", text(case.stage), submitted_only, day=sa.literal(UNDATED, sa.Date)),
        "closed": lambda: rows("closed", text(case.outcome), case.stage == Stage.closed, case.closed_at.is_not(None),
                               day=MonthStart(case.closed_at)),
        "supports": lambda: rows("supports", None, case.supported_at.is_not(None), day=MonthStart(case.supported_at)),
        "due": lambda: rows("due", None, ~Deadline.is_done, is_open, day=Deadline.due_on,
                            joins=[(Deadline, case.id == Deadline.case_id)]),
        "refusals": lambda: rows("refusals", StageChange.transition, StageChange.transition.in_(REFUSALS),
                                 reason=StageChange.reason_id, day=MonthStart(StageChange.created_at),
                                 joins=[(StageChange, case.id == StageChange.case_id)]),
        "sector": lambda: rows("sector", text(case.sector), submitted_only),
        "ip_right": lambda: rows("ip_right", text(case.ip_right), submitted_only),
        "dispute": lambda: rows("dispute", text(case.dispute_type), submitted_only),
        "outcome": lambda: rows("outcome", text(case.outcome), submitted_only, case.outcome.is_not(None)),
        "claimed": lambda: rows("claimed", case.damages_currency, submitted_only, case.damages_amount.is_not(None),
                                amount=sa.func.sum(case.damages_amount)),
        "chased": lambda: rows("chased", None, submitted_only, is_open, case.next_due_on.is_not(None),
                               due_on=case.next_due_on),
        "late": lambda: rows("late", None, submitted_only, is_open, ~Deadline.is_done, due_on=Deadline.due_on,
                             joins=[(Deadline, case.id == Deadline.case_id)]),
        **{kind: (lambda kind=kind: rows(
            kind, Litigation.damages_currency, submitted_only, getattr(Litigation, f"damages_{kind}").is_not(None),
            amount=sa.func.sum(getattr(Litigation, f"damages_{kind}")),
            joins=[(Litigation, case.id == Litigation.case_id)])) for kind in ("awarded", "recovered")},
    }
    selects = [make() for kind, make in parts.items() if kinds is None or kind in kinds]
    if cases is None and not where:  # the enquiries' kinds count enquiries, not cases: no condition on cases applies
        selects += [select for kind, select in enquiry_selects() if kinds is None or kind in kinds]
    if kinds is None or "stay" in kinds:
        for stage in OPEN_STAGES:
            seconds = getattr(case, f"{stage.name}_seconds")
            selects.append(rows("stay", sa.literal(stage.name), submitted_only, seconds.is_not(None),
                                bucket=StayBucket(seconds)))
    return selects


ENQUIRY_KINDS = ("enquiries", "enq_cases")
# the centre's work in a period, each counted by the month of its own date (asked, first supported): enquiries,
# those of them that became a case, and supports given (cases that reached evidence collection or later)
FIGURE_KINDS = (*ENQUIRY_KINDS, "supports")


def enquiry_selects(*conditions) -> list[tuple[str, sa.Select]]:
    """What the enquiries' tallies should hold (migration 0039), counted from the enquiries meeting ``conditions``:
    by topic and month asked, and those that became a case."""
    month = MonthStart(Enquiry.created_at)
    no_int, no_day = sa.cast(sa.null(), sa.Integer), sa.cast(sa.null(), sa.Date)
    no_amount = sa.cast(sa.null(), sa.Numeric(20, 2))

    def rows(kind, key, *where):
        values = (sa.literal(kind), Enquiry.country_code, Enquiry.hub_id,
                  sa.cast(sa.null(), sa.String) if key is None else key, no_int, no_int, no_day, month,
                  sa.func.count(), no_amount)
        by = [key] if key is not None else []
        return (sa.select(*(value.label(name) for value, name in zip(values, NAMES, strict=True)))
                .where(*where, *conditions).group_by(Enquiry.country_code, Enquiry.hub_id, *by, month))

    return [("enquiries", rows("enquiries", sa.type_coerce(Enquiry.topic, sa.String))),
            ("enq_cases", rows("enq_cases", None, Enquiry.case_id.is_not(None)))]


def drift(today: date | None = None) -> list[Drift]:
    """Where the tallies and the rows they count disagree (nothing, unless a trigger is missing or rows were
    written with triggers off). Due dates are compared by what is read of them: the days from two days ago on, and
    the sum of the days before."""
    past = _long_past(today)

    def key(row) -> tuple:
        kind, country, hub_id, what, reason_id, bucket, due_on, day = row
        if kind == "due" and day < past:
            day = None
        if kind in DUE_ON and due_on < past:
            due_on = None
        return kind, country, hub_id, what, reason_id, bucket, due_on, day

    tallied, found = {}, {}
    for source, totals in ((sa.select(*KEY, Tally.n, Tally.amount), tallied), (counted(), found)):
        for row in db.session.execute(source):
            k = key(row[:-2])
            n, amount = totals.get(k, (0, Decimal(0)))
            totals[k] = n + row[-2], amount + Decimal(row[-1] or 0).quantize(Decimal("0.01"))
    nothing = (0, Decimal(0))
    return sorted((Drift(kind=k[0], key=k[1:], tallied=tallied.get(k, nothing)[0], counted=found.get(k, nothing)[0],
                         tallied_amount=tallied.get(k, nothing)[1], counted_amount=found.get(k, nothing)[1])
                   for k in tallied.keys() | found.keys() if tallied.get(k, nothing) != found.get(k, nothing)),
                  key=lambda d: (d.kind, repr(d.key)))


def rebuild() -> int:
    """Replace every tally by the counts of the rows themselves, in one transaction; commits. Returns the rows."""
    db.session.execute(sa.delete(Tally))
    db.session.execute(sa.insert(Tally).from_select(NAMES, counted()))
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Tally))
    db.session.commit()
    return rows
