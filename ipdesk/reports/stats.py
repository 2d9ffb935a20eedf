"""Statistics for dashboards and country summaries, as plain data from a few aggregate queries.

Every function returns frozen dataclasses holding only str, int, Decimal, date and datetime values
(never ORM objects), so PDF templates and dashboards can use them alike. Categories come as
:class:`Count` with a stable ``key`` (an enum name, a country code, a hub code) and a ``label``
translated when the function is called: call it in the reader's locale (``force_locale`` for a PDF).

Periods are calendar dates taken in UTC, as the case list's date filter takes them: a case
"submitted in [start, end]" has ``submitted_at`` from ``start`` 00:00 UTC up to ``end`` 24:00 UTC.
"""
import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _

from ipdesk.alerts.models import SquattingAlert
from ipdesk.cases.models import OPEN_STAGES, Case, DisputeType, IPRight, Outcome, Stage, StageChange
from ipdesk.companies.models import Company, CompanyRefusal, Sector
from ipdesk.core.db import utcnow
from ipdesk.core.i18n import country_name, in_language
from ipdesk.deadlines.models import Deadline, deadline_title
from ipdesk.education.figures import Reach, reach
from ipdesk.education.models import EducationSession
from ipdesk.enquiries.models import Enquiry
from ipdesk.extensions import db
from ipdesk.infringers.models import CaseInfringer, Infringer
from ipdesk.network.models import Country, Hub, secondary_coverage
from ipdesk.policy import visible_cases_clause, visible_hubs_clause, visible_tallies_clause
from ipdesk.refusals.models import RefusalReason
from ipdesk.reports.models import Tally
from ipdesk.reports.tallies import (
    BY_SUBMISSION,
    COUNTED_COLUMNS,
    FIGURE_KINDS,
    KEY,
    counted_selects,
    enquiry_selects,
    tally,
)

OPEN_CASES_SHOWN = 50  # the full list is the case list's CSV export
MOST_OVERDUE_SHOWN = 5
REPEAT_INFRINGERS_SHOWN = 20
NOT_GIVEN = "none"  # the key of cases that leave an optional category empty
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Count:
    key: str
    label: str
    count: int


@dataclass(frozen=True)
class MonthCount:
    month: date  # the first day of the month
    label: str  # "Mar 2026" / "2026년 3월"
    short_label: str  # "Mar" / "3월"
    count: int


@dataclass(frozen=True)
class Amount:
    currency: str
    amount: Decimal


@dataclass(frozen=True)
class StageDuration:
    key: str
    label: str
    median_days: Decimal | None  # None when no case has left the stage yet
    cases: int  # how many cases (with a finished stay in the stage) the median is taken over


@dataclass(frozen=True)
class OverdueDeadline:
    case_id: int
    reference: str
    what: str
    due_on: date
    days_overdue: int


@dataclass(frozen=True)
class RepeatInfringer:
    infringer_id: int
    name: str
    cases: int


@dataclass(frozen=True)
class OpenCase:
    case_id: int
    reference: str
    title: str
    company: str
    stage: str
    stage_label: str
    submitted_on: date
    days_open: int
    overdue_what: str | None  # the most overdue open deadline of the case, if any
    overdue_due_on: date | None


@dataclass(frozen=True)
class CountrySummary:
    country_code: str
    country: str
    start: date
    end: date
    today: date
    total: int
    by_stage: list[Count]
    by_sector: list[Count]
    by_ip_right: list[Count]
    by_dispute_type: list[Count]
    by_outcome: list[Count]
    median_days: list[StageDuration]
    overdue_deadlines: int
    most_overdue: list[OverdueDeadline]
    damages_claimed: list[Amount]
    damages_awarded: list[Amount]
    damages_recovered: list[Amount]
    repeat_infringers: list[RepeatInfringer]
    open_cases_total: int
    overdue_open_cases: int
    open_cases: list[OpenCase]  # overdue first (most overdue first), then the oldest; at most 50
    new_per_month: list[MonthCount]
    enquiries: int = 0  # asked in the period about the country
    enquiries_converted: int = 0  # of those, the enquiries that became a case
    supports: int = 0  # cases of the country that reached evidence collection or later in the period
    hubs: tuple["HubFigures", ...] = ()  # the same three per hub of the country, by name, with their sessions
    education: Reach = Reach()  # sessions about the country held in the period, and whom they reached
    alerts: "AlertFigures | None" = None  # squatting alerts about the country received in the period


@dataclass(frozen=True)
class AlertFigures:
    """Squatting alerts of a country received in a period: how many, how many the centre acted on (their draft
    opposition case was submitted), how many it won (upheld or won), and the median days of the opposition
    period left when it acted."""

    received: int
    opposed: int
    won: int
    median_days_left: float | None


@dataclass(frozen=True)
class HubFigures:
    """One hub's work in a period: enquiries asked, those of them that became a case, and supports given."""

    key: str  # the hub's code
    label: str
    enquiries: int
    converted: int
    supports: int
    education: Reach = Reach()  # its sessions about the country held in the period


@dataclass(frozen=True)
class GroupRow:
    """One country or hub of the network overview."""

    key: str  # the country code, or the hub code
    label: str
    hub_id: int | None  # for links to the hub's cases
    open_by_stage: tuple[int, ...]  # aligned with NetworkOverview.stages
    open_total: int
    overdue_deadlines: int
    closed: int  # closed since the overview's first month
    enquiries: int = 0  # asked since the overview's first month
    converted: int = 0  # of those, the enquiries that became a case
    supports: int = 0  # cases that reached evidence collection or later since the overview's first month


@dataclass(frozen=True)
class RefusalCount:
    """How often one reason was given: cases returned for information, cases rejected, companies refused."""

    key: str  # the reason's code, or NOT_GIVEN for refusals made before reasons were asked for
    label: str
    returned: int
    rejected: int
    companies: int

    @property
    def total(self) -> int:
        return self.returned + self.rejected + self.companies


@dataclass(frozen=True)
class NetworkOverview:
    today: date
    since: date  # the first day of the earliest month shown
    stages: list[Count]  # the open stages (the series), with the network's totals
    by_country: list[GroupRow]
    by_hub: list[GroupRow]
    new_per_month: list[MonthCount]
    outcomes: list[Count]  # of cases closed since ``since``
    open_total: int
    overdue_deadlines: int
    refusals: list[RefusalCount]  # since ``since``, most given first
    enquiries: int = 0  # asked since ``since``
    converted: int = 0  # of those, the enquiries that became a case
    supports: int = 0  # cases that reached evidence collection or later since ``since``
    education_by_country: tuple["EducationRow", ...] = ()  # sessions held since ``since``, by the country they
    education_by_hub: tuple["EducationRow", ...] = ()  # were about (or none in particular), and by hub
    education: Reach = Reach()


@dataclass(frozen=True)
class EducationRow:
    key: str  # the country code ("" for sessions about no country in particular), or the hub code
    label: str
    reach: Reach


PACK_STAGES = (*OPEN_STAGES, Stage.closed)  # the columns of the pack's overview


@dataclass(frozen=True)
class PeriodRow:
    """One hub or country of the pack's overview: its cases submitted in the period, by stage today."""

    key: str  # the country code, or the hub code
    label: str
    by_stage: tuple[int, ...]  # aligned with PACK_STAGES
    total: int
    open: int


@dataclass(frozen=True)
class PackOverview:
    """The network's cases submitted in a period, for the opening page of the all-country pack."""

    start: date
    end: date
    stages: list[Count]  # PACK_STAGES, with the network's totals
    total: int
    open: int
    closed: int
    by_hub: list[PeriodRow]
    by_country: list[PeriodRow]  # the countries with a case in the period, most cases first
    without_cases: list[str]  # the codes of the other countries, in the order given


@dataclass(frozen=True)
class DeadlineRow:
    case_id: int
    reference: str
    what: str
    due_on: date
    is_overdue: bool


@dataclass(frozen=True)
class CaseRow:
    case_id: int
    reference: str
    title: str
    since: date


@dataclass(frozen=True)
class Activity:
    case_id: int
    reference: str
    from_stage: str
    from_label: str
    to_stage: str
    to_label: str
    at: datetime


@dataclass(frozen=True)
class ExporterOverview:
    today: date
    drafts: int
    open_by_stage: list[Count]
    open_total: int
    closed_by_outcome: list[Count]
    closed_total: int
    next_deadlines: list[DeadlineRow]
    waiting_on_us: list[CaseRow]  # returned for information: the company's move
    recent_activity: list[Activity]


# --- the country summary ---------------------------------------------------------------------

def country_summary(country_code: str, start: date, end: date, *, today: date) -> CountrySummary:
    """The cases of one country submitted in [start, end] (UTC dates), in five queries, none of which reads every
    case of the period: the counts, sums and medians come from the tallies of the whole months of the period
    (``reports.tallies``, counted by month of submission) and from the cases of the days that do not fill a
    month; the cases to chase are found through the index of each case's earliest due date.

    Every section is about those cases: their deadlines, damages and infringers. Overdue means an open deadline
    due before ``today`` on a case that is not closed.
    """
    scope = sa.and_(Case.country_code == country_code, Case.submitted_at >= _midnight(start),
                    Case.submitted_at < _midnight(end + timedelta(days=1)))
    counts = _period_counts(country_code, start, end, today)
    by = {kind: Counter({key: n for (kind_, key), (n, _amount) in counts.totals.items() if kind_ == kind})
          for kind in ("cases", "sector", "ip_right", "dispute", "outcome")}

    def members(kind: str, enum) -> Counter:
        return Counter({enum[key] if key is not None else None: n for key, n in by[kind].items()})

    by_stage = members("cases", Stage)
    open_cases_total = sum(by_stage[stage] for stage in OPEN_STAGES)
    education, education_hubs = reach(EducationSession.country_code == country_code, start=_midnight(start),
                                      end=_midnight(end + timedelta(days=1)))
    return CountrySummary(
        country_code=country_code, country=country_name(country_code), start=start, end=end, today=today,
        total=by_stage.total(),
        by_stage=_counts([s for s in Stage if s is not Stage.draft], by_stage),
        by_sector=_counts(list(Sector), members("sector", Sector)),
        by_ip_right=_counts(list(IPRight), members("ip_right", IPRight)),
        by_dispute_type=_counts(list(DisputeType), members("dispute", DisputeType)),
        by_outcome=_counts(list(Outcome), members("outcome", Outcome)),
        median_days=[_stage_median(stage, counts.stays.get(stage.name, {})) for stage in OPEN_STAGES],
        damages_claimed=counts.amounts("claimed"),
        damages_awarded=counts.amounts("awarded"),
        damages_recovered=counts.amounts("recovered"),
        repeat_infringers=_repeat_infringers(sa.select(Case.id).where(scope)),
        open_cases_total=open_cases_total,
        overdue_open_cases=counts.overdue["chased"],
        overdue_deadlines=counts.overdue["late"],
        **_cases_to_chase(scope, today),
        new_per_month=[_month_count(month, counts.per_month.get(month.replace(day=1), 0), get_locale())
                       for month in _month_starts(start, end)],
        enquiries=sum(n for (kind, _key), (n, _amount) in counts.totals.items() if kind == "enquiries"),
        enquiries_converted=counts.totals.get(("enq_cases", None), (0, None))[0],
        supports=counts.totals.get(("supports", None), (0, None))[0],
        hubs=_hub_figures(counts.per_hub, counts.hubs, education, education_hubs),
        education=sum(education.values(), Reach()),
        alerts=alert_figures(country_code, start, end),
    )


def alert_figures(country_code: str, start: date, end: date) -> AlertFigures:
    """The squatting alerts of ``country_code`` received in [start, end], from the country's alerts of the period
    (found by the (country, created_at) index), each with its case's submission and outcome."""
    rows = db.session.execute(
        sa.select(SquattingAlert.due_on, Case.submitted_at, Case.outcome)
        .join(Case, Case.id == SquattingAlert.case_id)
        .where(SquattingAlert.country_code == country_code, SquattingAlert.created_at >= _midnight(start),
               SquattingAlert.created_at < _midnight(end + timedelta(days=1)))).all()
    acted = [(due - submitted.date()).days for due, submitted, _outcome in rows
             if submitted is not None and due is not None]
    return AlertFigures(received=len(rows), opposed=sum(submitted is not None for _due, submitted, _o in rows),
                        won=sum(outcome in (Outcome.upheld, Outcome.won) for _due, _s, outcome in rows),
                        median_days_left=statistics.median(acted) if acted else None)


def _hub_figures(per_hub: dict, hubs: dict, education: dict, education_hubs: dict) -> tuple[HubFigures, ...]:
    """The figures of each hub that has any, from ``(kind, hub_id) -> n`` and ``hub_id -> (code, label)``, and
    their sessions' reach from ``(country, hub_id) -> Reach`` with ``hub_id -> (code, name_ko, name_en)``; by
    name."""
    names = {**{hub_id: (code, _localized(ko, en)) for hub_id, (code, ko, en) in education_hubs.items()}, **hubs}
    by_hub = {hub_id: reached for (_country, hub_id), reached in education.items()}
    made = [HubFigures(key=code, label=label, enquiries=per_hub.get(("enquiries", hub_id), 0),
                       converted=per_hub.get(("enq_cases", hub_id), 0), supports=per_hub.get(("supports", hub_id), 0),
                       education=by_hub.get(hub_id, Reach()))
            for hub_id, (code, label) in names.items()]
    return tuple(sorted(made, key=lambda row: row.label))


@dataclass
class _PeriodCounts:
    totals: dict  # (kind, key) -> (n, amount)
    per_month: dict  # the first of a month -> cases submitted in it
    stays: dict  # stage name -> {bucket: cases}
    overdue: Counter  # "chased" (open cases) and "late" (deadlines) with a deadline due before today
    per_hub: Counter  # (kind, hub_id) -> n, of the centre's figures (``FIGURE_KINDS``)
    hubs: dict  # hub_id -> (code, name), of the hubs in ``per_hub``

    def amounts(self, kind: str) -> list[Amount]:
        return _amounts((key, amount) for (kind_, key), (_n, amount) in self.totals.items()
                        if kind_ == kind and amount is not None)


def _period_counts(country_code: str, start: date, end: date, today: date) -> _PeriodCounts:
    """The summary's counts, sums and stays of the cases of ``country_code`` submitted in [start, end], in one query:
    the tallies of the months that lie wholly in the period (or end it, when it runs to today), and the same counts
    taken from the cases of the days before and after them (``tallies.counted_selects``: the definition the
    tallies are checked against)."""
    first, after, edges = _whole_months(start, end)
    parts = []
    if first < after:
        parts.append(sa.select(*KEY, Tally.n, Tally.amount).where(
            Tally.kind.in_((*BY_SUBMISSION, *FIGURE_KINDS)), Tally.country_code == country_code, Tally.day >= first,
            Tally.day < after))
    if edges:  # the cases of those days, read once (a CTE read by every kind)
        days = sa.select(*(getattr(Case, name) for name in COUNTED_COLUMNS)).where(
            Case.country_code == country_code, sa.or_(*(
                sa.and_(Case.submitted_at >= _midnight(since), Case.submitted_at < _midnight(until))
                for since, until in edges))).cte("days_cases")
        parts.extend(counted_selects(kinds=BY_SUBMISSION, cases=sa.orm.aliased(Case, days)))
        parts.extend(_figures_of_days(edges, Enquiry.country_code == country_code, Case.country_code == country_code))
    rows = sa.union_all(*parts).subquery()
    c = rows.c
    month = sa.case((c.kind == "cases", c.day))  # only the cases are counted per month
    overdue = sa.case((c.kind.in_(("chased", "late")), c.due_on < today))
    hub = sa.case((c.kind.in_(FIGURE_KINDS), c.hub_id))  # only the centre's figures are counted per hub
    totals, per_month, stays, late, per_hub, hubs = {}, Counter(), defaultdict(dict), Counter(), Counter(), {}
    for kind, key, bucket, day, is_overdue, hub_id, code, name_ko, name_en, n, amount in db.session.execute(
            sa.select(c.kind, c.key, c.bucket, month, overdue, hub, Hub.code, Hub.name_ko, Hub.name_en,
                      sa.func.sum(c.n), sa.func.sum(c.amount))
            .select_from(rows).outerjoin(Hub, Hub.id == hub)  # the hubs' names, with their figures
            .group_by(c.kind, c.key, c.bucket, month, overdue, hub, Hub.code, Hub.name_ko, Hub.name_en)
            .having(sa.func.sum(c.n) != 0)):
        if hub_id is not None:
            per_hub[kind, hub_id] += n
            hubs[hub_id] = code, _localized(name_ko, name_en)
        if kind == "stay":
            stays[key][bucket] = n
        elif kind in ("chased", "late"):
            late[kind] += n if is_overdue else 0
        else:
            if kind == "cases":
                per_month[day] += n
            total, money = totals.get((kind, key), (0, None))
            if amount is not None:
                money = (money or 0) + Decimal(amount)
            totals[kind, key] = total + n, money
    return _PeriodCounts(totals=totals, per_month=per_month, stays=stays, overdue=late, per_hub=per_hub, hubs=hubs)


def _whole_months(start: date, end: date) -> tuple[date, date, list[tuple[date, date]]]:
    """How the tallies cover [start, end]: the first whole month, the month after the last whole one, and the
    ranges of days [since, until) outside them, to count from the rows themselves."""
    first = start if start.day == 1 else _add_months(start.replace(day=1), 1)  # the first whole month
    after = _add_months(end.replace(day=1), 1)  # the month after the last whole one
    # a period ending today (or later) holds the rest of its last month: nothing is counted after today
    if end + timedelta(days=1) != after and end < utcnow().date():
        after = end.replace(day=1)
    if first < after:
        edges = [(start, first), (after, end + timedelta(days=1))]
    else:  # no whole month: every day from the rows
        edges = [(start, end + timedelta(days=1))]
    return first, after, [(since, until) for since, until in edges if since < until]


def _figures_of_days(edges, enquiries_where, cases_where) -> list[sa.Select]:
    """The centre's figures (``FIGURE_KINDS``) of the days ``edges``, counted from the rows as the tallies count
    them: the enquiries asked on those days (found by their time index) and the cases first supported on them (by
    the (supported_at, country) index), each meeting its condition."""
    def on_days(column):
        return sa.or_(*(sa.and_(column >= _midnight(since), column < _midnight(until)) for since, until in edges))

    supported = sa.select(*(getattr(Case, name) for name in COUNTED_COLUMNS)).where(
        cases_where, on_days(Case.supported_at)).cte("days_supported")
    return [*(select for _kind, select in enquiry_selects(enquiries_where, on_days(Enquiry.created_at))),
            *counted_selects(kinds=("supports",), cases=sa.orm.aliased(Case, supported))]


def _stage_median(stage: Stage, histogram: dict[int, int]) -> StageDuration:
    """The median of the cases' days in ``stage``, from how many cases spent how long there: each case's days to the
    tenth, rounded down (to the day from ten days on, as the tallies keep them); the median of an even number of
    cases is the mean of the middle two, rounded half up to the tenth."""
    cases = sum(histogram.values())
    median = None
    if cases:
        ranks = {(cases - 1) // 2, cases // 2}  # of the middle case, or of the middle two
        middle, seen = [], 0
        for bucket, n in sorted(histogram.items()):
            middle += [bucket for rank in ranks if seen <= rank < seen + n]
            seen += n
        median = (Decimal(sum(middle)) / len(middle) / 10).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    return StageDuration(key=stage.name, label=stage.title, median_days=median, cases=cases)


def _cases_to_chase(scope, today: date) -> dict:
    """The open cases to chase: those with an overdue deadline (the most overdue first), then the oldest, at most 50;
    and the five most overdue deadlines. Each case keeps its earliest due date (``Case.next_due_on``), so the
    overdue ones come in that order from an index; the oldest come from the index of submission dates."""
    is_open = Case.stage.in_(OPEN_STAGES)
    listed = (sa.select(Case.id, Case.reference, Case.title, Case.stage, Case.submitted_at, Case.next_due_on,
                        Company.name_ko, Company.name_en).join(Company, Company.id == Case.company_id))
    overdue = db.session.execute(listed.where(scope, is_open, Case.next_due_on < today)
                                 .order_by(Case.next_due_on, Case.submitted_at, Case.id).limit(OPEN_CASES_SHOWN)).all()
    oldest = []
    if len(overdue) < OPEN_CASES_SHOWN:
        oldest = db.session.execute(
            listed.where(scope, is_open, sa.or_(Case.next_due_on.is_(None), Case.next_due_on >= today))
            .order_by(Case.submitted_at, Case.id).limit(OPEN_CASES_SHOWN - len(overdue))).all()
    deadlines = []
    if overdue:
        # the five most overdue deadlines belong to the cases due first: those listed, unless more than fifty are
        # due first on the same day as the fifth; then every case due that day
        ids = {row.id for row in overdue}
        fifth = overdue[min(len(overdue), MOST_OVERDUE_SHOWN) - 1].next_due_on
        if len(overdue) == OPEN_CASES_SHOWN and overdue[-1].next_due_on == fifth:
            ids.update(db.session.scalars(sa.select(Case.id).where(scope, is_open, Case.next_due_on == fifth)))
        deadlines = db.session.execute(
            sa.select(Deadline.case_id, Deadline.what, Deadline.what_ko, Deadline.due_on, Case.reference)
            .join(Case, Case.id == Deadline.case_id)
            .where(Deadline.case_id.in_(ids), ~Deadline.is_done, Deadline.due_on < today)
            .order_by(Deadline.due_on, Deadline.id)).all()
    first_due = {}
    for deadline in deadlines:
        first_due.setdefault(deadline.case_id, deadline)
    open_cases = []
    for row in (*overdue, *oldest):
        due = first_due.get(row.id) if row.next_due_on is not None and row.next_due_on < today else None
        open_cases.append(OpenCase(
            case_id=row.id, reference=row.reference, title=row.title,
            company=_localized(row.name_ko, row.name_en), stage=row.stage.name, stage_label=row.stage.title,
            submitted_on=row.submitted_at.date(), days_open=(today - row.submitted_at.date()).days,
            overdue_what=deadline_title(due.what, due.what_ko) if due else None,
            overdue_due_on=due.due_on if due else None))
    most_overdue = [OverdueDeadline(case_id=d.case_id, reference=d.reference, what=deadline_title(d.what, d.what_ko),
                                    due_on=d.due_on, days_overdue=(today - d.due_on).days)
                    for d in deadlines[:MOST_OVERDUE_SHOWN]]
    return {"open_cases": open_cases, "most_overdue": most_overdue}


def _repeat_infringers(in_scope) -> list[RepeatInfringer]:
    """Infringer records linked to two or more of the cases, most cases first."""
    n = sa.func.count(CaseInfringer.case_id)
    return [RepeatInfringer(infringer_id=infringer_id, name=name, cases=cases)
            for infringer_id, name, cases in db.session.execute(
                sa.select(Infringer.id, Infringer.name, n)
                .join(CaseInfringer, CaseInfringer.infringer_id == Infringer.id)
                .where(CaseInfringer.case_id.in_(in_scope))
                .group_by(Infringer.id, Infringer.name).having(n >= 2)
                .order_by(n.desc(), Infringer.name, Infringer.id).limit(REPEAT_INFRINGERS_SHOWN))]


# --- the network overview --------------------------------------------------------------------

def network_overview(user, *, today: date, months: int = 12) -> NetworkOverview:
    """Open cases, overdue deadlines and closings per country and per hub, new cases per month and refusals
    by reason, over the cases ``user`` may see (companies refused: the network's), in six queries of the
    tallies (``reports.tallies``): their rows grow with the months and the network, not with the cases."""
    starts = _month_starts(_add_months(today.replace(day=1), -(months - 1)), today)
    since = starts[0]
    visible = visible_tallies_clause(user)
    stage_index = {stage.name: i for i, stage in enumerate(OPEN_STAGES)}

    open_counts = defaultdict(lambda: [0] * len(OPEN_STAGES))  # (country, hub) -> per stage
    for code, hub_id, stage, n in db.session.execute(
            tally("stage", Tally.country_code, Tally.hub_id, Tally.key,
                  where=(visible, Tally.key.in_(stage_index)))):
        open_counts[code, hub_id][stage_index[stage]] += n
    overdue = {(code, hub_id): n for code, hub_id, n in db.session.execute(
        tally("due", Tally.country_code, Tally.hub_id, where=(visible, Tally.day < today)))}
    closed, outcomes = Counter(), Counter()
    for code, hub_id, outcome, n in db.session.execute(
            tally("closed", Tally.country_code, Tally.hub_id, Tally.key, where=(visible, Tally.day >= since),
                  by_day=True)):
        closed[code, hub_id] += n
        outcomes[Outcome[outcome] if outcome else None] += n
    figures = {kind: Counter() for kind in FIGURE_KINDS}  # enquiries, those that became a case, supports given
    for kind, code, hub_id, n in db.session.execute(tally(FIGURE_KINDS, Tally.kind, Tally.country_code,
                                                          Tally.hub_id, where=(visible, Tally.day >= since),
                                                          by_day=True)):
        figures[kind][code, hub_id] += n
    enquiries, converted, supports = figures["enquiries"], figures["enq_cases"], figures["supports"]
    keys = open_counts.keys() | overdue.keys() | closed.keys() | enquiries.keys() | supports.keys()
    hubs = {hub_id: (code, _localized(name_ko, name_en)) for hub_id, code, name_ko, name_en in db.session.execute(
        sa.select(Hub.id, Hub.code, Hub.name_ko, Hub.name_en).where(Hub.id.in_({hub for _code, hub in keys})))}

    def rows(position: int, key_of, label_of, hub_id_of) -> list[GroupRow]:
        """One row per country (position 0 of the keys) or per hub (position 1)."""
        groups = defaultdict(list)
        for key in keys:
            groups[key[position]].append(key)
        made = [GroupRow(key=key_of(group), label=label_of(group), hub_id=hub_id_of(group),
                         open_by_stage=tuple(sum(open_counts[k][i] for k in members if k in open_counts)
                                             for i in range(len(OPEN_STAGES))),
                         open_total=sum(sum(open_counts[k]) for k in members if k in open_counts),
                         overdue_deadlines=sum(overdue.get(k, 0) for k in members),
                         closed=sum(closed[k] for k in members), enquiries=sum(enquiries[k] for k in members),
                         converted=sum(converted[k] for k in members), supports=sum(supports[k] for k in members))
                for group, members in groups.items()]
        return sorted(made, key=lambda row: (-row.open_total, -row.overdue_deadlines, row.label))

    by_country = rows(0, str, country_name, lambda code: None)
    per_month = dict(db.session.execute(tally("cases", Tally.day, where=(visible, Tally.day >= since))).all())
    locale = get_locale()
    return NetworkOverview(
        today=today, since=since,
        stages=[Count(key=stage.name, label=stage.title, count=sum(row.open_by_stage[i] for row in by_country))
                for i, stage in enumerate(OPEN_STAGES)],
        by_country=by_country,
        by_hub=rows(1, lambda hub_id: hubs[hub_id][0], lambda hub_id: hubs[hub_id][1], int),
        new_per_month=[_month_count(month, per_month.get(month.replace(day=1), 0), locale) for month in starts],
        outcomes=_counts(list(Outcome), outcomes),
        open_total=sum(row.open_total for row in by_country),
        overdue_deadlines=sum(overdue.values()),
        refusals=_refusals(visible, since),
        enquiries=sum(enquiries.values()), converted=sum(converted.values()), supports=sum(supports.values()),
        **_education_rows(user, since, today),
    )


def _education_rows(user, since: date, today: date) -> dict:
    """The reach of the sessions held since ``since`` that ``user`` may count, per country and per hub."""
    reached, hubs = reach(visible_hubs_clause(user, EducationSession.hub_id), start=_midnight(since),
                          end=_midnight(today + timedelta(days=1)))
    by_country, by_hub = defaultdict(Reach), defaultdict(Reach)
    for (code, hub_id), row in reached.items():
        by_country[code or ""] += row
        by_hub[hub_id] += row
    countries = sorted((EducationRow(key=code, label=country_name(code) if code else _("No country in particular"),
                                     reach=row) for code, row in by_country.items()),
                       key=lambda row: (not row.key, row.label))
    hub_rows = sorted((EducationRow(key=hubs[hub_id][0], label=_localized(*hubs[hub_id][1:]), reach=row)
                       for hub_id, row in by_hub.items()), key=lambda row: row.label)
    return {"education_by_country": tuple(countries), "education_by_hub": tuple(hub_rows),
            "education": sum(by_hub.values(), Reach())}


@dataclass(frozen=True)
class FigureRow:
    """The centre's work in a period in one country, by one hub (the figures' CSV)."""

    country_code: str
    country: str
    hub_code: str
    hub: str
    enquiries: int  # asked in the period
    converted: int  # of those, the enquiries that became a case
    supports: int  # cases that reached evidence collection or later in the period
    education: Reach = Reach()  # sessions about the country held in the period by the hub, and whom they reached


def network_figures(user, start: date, end: date) -> list[FigureRow]:
    """The centre's work in [start, end] (UTC dates) for every country and hub ``user`` may see (every pair of a
    hub and a country it covers, and any other that has figures), by country name and hub: enquiries asked, those
    that became a case, supports given (from the tallies of the whole months and the rows of the other days, in one
    query), and the reach of the sessions held (``education.figures.reach``; sessions about no country in particular
    make rows of their own); the pairs the network covers in another query."""
    first, after, edges = _whole_months(start, end)
    parts = []
    if first < after:
        parts.append(sa.select(*KEY, Tally.n, Tally.amount).where(
            Tally.kind.in_(FIGURE_KINDS), visible_tallies_clause(user), Tally.day >= first, Tally.day < after))
    if edges:
        parts.extend(_figures_of_days(edges, visible_hubs_clause(user, Enquiry.hub_id),
                                      visible_hubs_clause(user, Case.hub_id)))
    c = sa.union_all(*parts).subquery().c
    counts = Counter()
    for kind, code, hub_id, n in db.session.execute(
            sa.select(c.kind, c.country_code, c.hub_id, sa.func.sum(c.n)).group_by(c.kind, c.country_code, c.hub_id)):
        counts[kind, code, hub_id] += n
    covered = sa.union(sa.select(Country.code, Country.primary_hub_id.label("hub_id")),
                       sa.select(secondary_coverage.c.country_code, secondary_coverage.c.hub_id)).subquery()
    pairs = {(code, hub_id) for code, hub_id in db.session.execute(sa.select(covered.c.code, covered.c.hub_id).where(
        visible_hubs_clause(user, covered.c.hub_id)))}
    pairs |= {(code, hub_id) for _kind, code, hub_id in counts}
    education, _names = reach(visible_hubs_clause(user, EducationSession.hub_id), start=_midnight(start),
                              end=_midnight(end + timedelta(days=1)))
    pairs |= set(education)  # with the sessions about no country in particular (country None)
    hubs = {hub_id: (code, _localized(name_ko, name_en)) for hub_id, code, name_ko, name_en in db.session.execute(
        sa.select(Hub.id, Hub.code, Hub.name_ko, Hub.name_en).where(Hub.id.in_({hub for _code, hub in pairs})))}
    rows = [FigureRow(country_code=code or "", country=country_name(code) if code else _("No country in particular"),
                      hub_code=hubs[hub_id][0], hub=hubs[hub_id][1], enquiries=counts["enquiries", code, hub_id],
                      converted=counts["enq_cases", code, hub_id], supports=counts["supports", code, hub_id],
                      education=education.get((code, hub_id), Reach())) for code, hub_id in pairs]
    return sorted(rows, key=lambda row: (not row.country_code, row.country, row.hub))


def pack_overview(codes: list[str], start: date, end: date) -> PackOverview:
    """The cases of the countries ``codes`` submitted in [start, end], counted by country, hub and stage in
    one query (and the hubs' names in another); the countries without a case are listed apart."""
    counts = defaultdict(Counter)  # (country, hub_id) -> stage -> cases
    for code, hub_id, stage, n in db.session.execute(
            sa.select(Case.country_code, Case.hub_id, Case.stage, sa.func.count())
            .where(Case.country_code.in_(codes), Case.submitted_at >= _midnight(start),
                   Case.submitted_at < _midnight(end + timedelta(days=1)))
            .group_by(Case.country_code, Case.hub_id, Case.stage)):
        counts[code, hub_id][stage] += n
    hubs = {hub_id: (code, _localized(name_ko, name_en)) for hub_id, code, name_ko, name_en in db.session.execute(
        sa.select(Hub.id, Hub.code, Hub.name_ko, Hub.name_en).where(Hub.id.in_({hub for _code, hub in counts})))}

    def rows(position: int, key_of, label_of) -> list[PeriodRow]:
        """One row per country (position 0 of the keys) or per hub (position 1), most cases first."""
        groups = defaultdict(Counter)
        for key, stages in counts.items():
            groups[key[position]].update(stages)
        made = [PeriodRow(key=key_of(group), label=label_of(group),
                          by_stage=tuple(stages[stage] for stage in PACK_STAGES), total=stages.total(),
                          open=sum(stages[stage] for stage in OPEN_STAGES))
                for group, stages in groups.items()]
        return sorted(made, key=lambda row: (-row.total, row.label))

    by_country = rows(0, str, country_name)
    with_cases = {row.key for row in by_country}
    network = Counter()
    for stages in counts.values():
        network.update(stages)
    return PackOverview(
        start=start, end=end,
        stages=[Count(key=stage.name, label=stage.short_title, count=network[stage]) for stage in PACK_STAGES],
        total=network.total(), open=sum(network[stage] for stage in OPEN_STAGES), closed=network[Stage.closed],
        by_hub=rows(1, lambda hub_id: hubs[hub_id][0], lambda hub_id: hubs[hub_id][1]),
        by_country=by_country,
        without_cases=[code for code in codes if code not in with_cases],
    )


def _refusals(visible, since: date) -> list[RefusalCount]:
    """Returns and rejections of the visible cases (their tallies), and refused companies, since ``since`` (the
    first of a month), per reason, in one query. Companies belong to no hub: staff, who decide on registrations
    too, see the network's."""
    cases = tally("refusals", Tally.reason_id.label("reason_id"), Tally.key.label("kind"),
                  where=(visible, Tally.day >= since))
    companies = (sa.select(CompanyRefusal.reason_id, sa.literal("refuse"), sa.func.count())
                 .where(CompanyRefusal.refused_at >= _midnight(since)).group_by(CompanyRefusal.reason_id))
    given = sa.union_all(cases, companies).subquery()
    counts = defaultdict(Counter)
    labels = {}
    for code, label_ko, label_en, kind, n in db.session.execute(
            sa.select(RefusalReason.code, RefusalReason.label_ko, RefusalReason.label_en, given.c.kind, given.c[2])
            .select_from(given).outerjoin(RefusalReason, RefusalReason.id == given.c.reason_id)):
        key = code or NOT_GIVEN
        labels[key] = _localized(label_ko, label_en) if code else _("Not given")
        counts[key][kind] += n
    rows = [RefusalCount(key=key, label=labels[key], returned=c["return"], rejected=c["reject"],
                         companies=c["refuse"]) for key, c in counts.items()]
    return sorted(rows, key=lambda row: (-row.total, row.label))


# --- the exporter's overview -----------------------------------------------------------------

RECENT_ACTIVITY_SHOWN = 10
NEXT_DEADLINES_SHOWN = 5
WAITING_SHOWN = 10


def exporter_overview(user, *, today: date) -> ExporterOverview:
    """The cases of the exporter's company at a glance (what ``user`` may see of them), in four queries."""
    visible = visible_cases_clause(user)
    by_stage, by_outcome = Counter(), Counter()
    for stage, outcome, n in db.session.execute(
            sa.select(Case.stage, Case.outcome, sa.func.count()).where(visible).group_by(Case.stage, Case.outcome)):
        by_stage[stage] += n
        if outcome is not None:
            by_outcome[outcome] += n
    deadlines = [DeadlineRow(case_id=case_id, reference=reference, what=deadline_title(what, what_ko),
                             due_on=due_on, is_overdue=due_on < today)
                 for case_id, reference, what, what_ko, due_on in db.session.execute(
                     sa.select(Case.id, Case.reference, Deadline.what, Deadline.what_ko, Deadline.due_on)
                     .join(Case, Case.id == Deadline.case_id)
                     .where(visible, Case.stage.in_(OPEN_STAGES), ~Deadline.is_done)
                     .order_by(Deadline.due_on, Deadline.id).limit(NEXT_DEADLINES_SHOWN))]
    waiting = [CaseRow(case_id=case_id, reference=reference, title=title, since=changed_at.date())
               for case_id, reference, title, changed_at in db.session.execute(
                   sa.select(Case.id, Case.reference, Case.title, Case.stage_changed_at)
                   .where(visible, Case.stage == Stage.returned)
                   .order_by(Case.stage_changed_at, Case.id).limit(WAITING_SHOWN))]
    activity = [Activity(case_id=case_id, reference=reference, from_stage=source.name, from_label=source.title,
                         to_stage=target.name, to_label=target.title, at=at)
                for case_id, reference, source, target, at in db.session.execute(
                    sa.select(Case.id, Case.reference, StageChange.from_stage, StageChange.to_stage,
                              StageChange.created_at)
                    .join(Case, Case.id == StageChange.case_id).where(visible)
                    .order_by(StageChange.created_at.desc(), StageChange.id.desc()).limit(RECENT_ACTIVITY_SHOWN))]
    open_by_stage = _counts(list(OPEN_STAGES), by_stage)
    closed_by_outcome = _counts(list(Outcome), by_outcome)
    return ExporterOverview(
        today=today, drafts=by_stage[Stage.draft], open_by_stage=open_by_stage,
        open_total=sum(c.count for c in open_by_stage), closed_by_outcome=closed_by_outcome,
        closed_total=sum(c.count for c in closed_by_outcome), next_deadlines=deadlines, waiting_on_us=waiting,
        recent_activity=activity,
    )


# --- helpers ---------------------------------------------------------------------------------

def _counts(members: list, counter: Counter) -> list[Count]:
    """Every member in order, zeros included; then "not given" when some cases leave it empty."""
    counts = [Count(key=m.name, label=m.title, count=counter.get(m, 0)) for m in members]
    if counter.get(None):
        counts.append(Count(key=NOT_GIVEN, label=_("Not given"), count=counter[None]))
    return counts


def _amounts(rows) -> list[Amount]:
    """Totals per currency, by currency code; SQLite sums in floating point, so round to cents."""
    return [Amount(currency=currency, amount=Decimal(total).quantize(CENT))
            for currency, total in sorted(rows, key=lambda row: row[0])]


def _month_count(month: date, count: int, locale) -> MonthCount:
    return MonthCount(month=month.replace(day=1), label=format_skeleton("yMMM", month, locale=locale),
                      short_label=format_skeleton("MMM", month, locale=locale), count=count)


def _localized(korean: str, english: str) -> str:
    """The name in the viewer's language, falling back to the other (as ``core.i18n.localized``)."""
    return in_language(korean, english, str(get_locale()))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time.min, UTC)


def _add_months(month: date, n: int) -> date:
    """The first day of the month ``n`` months after ``month``'s."""
    index = month.year * 12 + month.month - 1 + n
    return date(index // 12, index % 12 + 1, 1)


def _month_starts(first: date, last: date) -> list[date]:
    """The first day of every month from ``first``'s month to ``last``'s (the first one clamped to ``first``)."""
    starts = [first]
    month = _add_months(first.replace(day=1), 1)
    while month <= last:
        starts.append(month)
        month = _add_months(month, 1)
    return starts
