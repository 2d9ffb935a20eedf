"""Counts read from the tallies the database keeps (migration 0032), and their upkeep: folding the deltas, and
checking them against the rows they count.

A tally is the sum of ``Tally.n`` over its rows. Readers pass the viewer's clause from
``policy.visible_tallies_clause`` like any other query of tenant data.
"""
from dataclasses import dataclass
from datetime import date, timedelta

import sqlalchemy as sa

from ipdesk.cases.models import OPEN_STAGES, Case, Stage, StageChange
from ipdesk.core.db import MonthStart, utcnow
from ipdesk.deadlines.models import Deadline
from ipdesk.extensions import db
from ipdesk.reports.models import Tally

REFUSALS = ("return", "reject")
KEY = (Tally.kind, Tally.country_code, Tally.hub_id, Tally.key, Tally.reason_id, Tally.day)


def tally(kind: str, *columns, where=()) -> sa.Select:
    """``SELECT columns..., sum(n)`` over the tallies of ``kind`` meeting ``where``, grouped by ``columns``; keys
    whose rows add up to nothing are left out."""
    total = sa.func.sum(Tally.n)
    return (sa.select(*columns, total).where(Tally.kind == kind, *where).group_by(*columns)
            .having(total != 0))


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
    day = sa.case((sa.and_(Tally.kind == "due", Tally.day < past), sa.literal(past - timedelta(days=1))),
                  else_=Tally.day)
    if db.session.get_bind().dialect.name == "postgresql":
        gone = sa.delete(Tally).returning(*KEY[:-1], day.label("day"), Tally.n).cte("gone")
        folded = sa.select(*(gone.c[c.key] for c in KEY), sa.func.sum(gone.c.n)) \
            .group_by(*(gone.c[c.key] for c in KEY)).having(sa.func.sum(gone.c.n) != 0)
        db.session.execute(sa.insert(Tally).from_select([*(c.key for c in KEY), "n"], folded))
    else:
        last = db.session.scalar(sa.select(sa.func.max(Tally.id)))
        if last is not None:
            folded = sa.select(*KEY[:-1], day, sa.func.sum(Tally.n)).where(Tally.id <= last) \
                .group_by(*KEY[:-1], day).having(sa.func.sum(Tally.n) != 0)
            db.session.execute(sa.insert(Tally).from_select([*(c.key for c in KEY), "n"], folded))
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


def _counted() -> sa.Select:
    """What the tallies should hold, counted from the cases, deadlines and stage changes themselves."""
    submitted, closed, refused = MonthStart(Case.submitted_at), MonthStart(Case.closed_at), \
        MonthStart(StageChange.created_at)
    n = sa.func.count()

    def text(column):  # an enum's name, as the tallies keep it
        return sa.type_coerce(column, sa.String)

    no_reason = sa.cast(sa.null(), sa.Integer)

    return sa.union_all(
        sa.select(sa.literal("cases"), Case.country_code, Case.hub_id, text(Case.stage), no_reason, submitted, n)
        .where(Case.submitted_at.is_not(None)).group_by(Case.country_code, Case.hub_id, Case.stage, submitted),
        sa.select(sa.literal("closed"), Case.country_code, Case.hub_id, text(Case.outcome), no_reason, closed, n)
        .where(Case.stage == Stage.closed, Case.closed_at.is_not(None))
        .group_by(Case.country_code, Case.hub_id, Case.outcome, closed),
        sa.select(sa.literal("due"), Case.country_code, Case.hub_id, sa.null(), no_reason, Deadline.due_on, n)
        .join(Case, Case.id == Deadline.case_id).where(~Deadline.is_done, Case.stage.in_(OPEN_STAGES))
        .group_by(Case.country_code, Case.hub_id, Deadline.due_on),
        sa.select(sa.literal("refusals"), Case.country_code, Case.hub_id, StageChange.transition,
                  StageChange.reason_id, refused, n)
        .join(Case, Case.id == StageChange.case_id).where(StageChange.transition.in_(REFUSALS))
        .group_by(Case.country_code, Case.hub_id, StageChange.transition, StageChange.reason_id, refused),
    )


def drift(today: date | None = None) -> list[Drift]:
    """Where the tallies and the rows they count disagree (nothing, unless a trigger is missing or rows were
    written with triggers off). ``due`` is compared by what is read of it: the days from two days ago on, and
    the sum of the days before."""
    past = _long_past(today)

    def key(row) -> tuple:
        kind, country, hub_id, what, reason_id, day = row
        if kind == "due" and day < past:
            day = None
        return kind, country, hub_id, what, reason_id, day

    tallied, counted = {}, {}
    for row in db.session.execute(sa.select(*KEY, Tally.n)):
        k = key(row[:-1])
        tallied[k] = tallied.get(k, 0) + row[-1]
    for row in db.session.execute(_counted()):
        k = key(row[:-1])
        counted[k] = counted.get(k, 0) + row[-1]
    return sorted((Drift(kind=k[0], key=k[1:], tallied=tallied.get(k, 0), counted=counted.get(k, 0))
                   for k in tallied.keys() | counted.keys() if tallied.get(k, 0) != counted.get(k, 0)),
                  key=lambda d: (d.kind, repr(d.key)))


def rebuild() -> int:
    """Replace every tally by the counts of the rows themselves, in one transaction; commits. Returns the rows."""
    db.session.execute(sa.delete(Tally))
    db.session.execute(sa.insert(Tally).from_select([*(c.key for c in KEY), "n"], _counted()))
    rows = db.session.scalar(sa.select(sa.func.count()).select_from(Tally))
    db.session.commit()
    return rows
