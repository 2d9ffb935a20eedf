"""Searching the index: the entries of a kind that hold every word of a query and that the viewer may open.

The database's engine narrows a kind's entries to those holding every term of the query (PostgreSQL: the GIN
index of ``pieces``; SQLite: the FTS5 table), and each candidate is then confirmed by the words themselves, each found
in the entry's normal text: the terms are pairs of characters, so ``아름코`` is asked as ``아름`` and ``름코``, and
only the text tells whether they stand together. The viewer's rule of the kind (``SearchKind.visible``, from
``ipdesk.policy``) is part of the same statement, so nothing the viewer may not open is ever counted or read.
"""
import math
import time
from dataclasses import dataclass

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql

from ipdesk.cases.models import Case
from ipdesk.extensions import db
from ipdesk.policy import visible_cases_clause
from ipdesk.search.index import kind_terms, kind_tokens
from ipdesk.search.models import FTS_TABLE, SearchEntry
from ipdesk.search.registry import KINDS, Hit, SearchKind
from ipdesk.search.text import normalise, query_terms, web_address

MAX_QUERY_LENGTH = 200
SHORT_QUERY = _l("Type at least two letters or digits, or one character of Korean, Chinese, Japanese or Thai.")
COUNT_CAP = 1000  # beyond this many hits of a kind, the page says "more than 1,000"


@dataclass(frozen=True)
class Query:
    """A query in search's terms: the words each hit must contain and the index terms that narrow them."""

    words: tuple[str, ...]
    terms: tuple[str, ...]

    @classmethod
    def parse(cls, typed: str | None) -> "Query":
        # a web address pasted whole is asked without its scheme, www. and fragment, which a stored one may lack
        typed = " ".join(web_address(word) if "://" in word or word.lower().startswith("www.") else word
                         for word in (typed or "")[:MAX_QUERY_LENGTH].split())
        words, wanted = query_terms(normalise(typed))
        return cls(tuple(words), tuple(wanted))

    @property
    def searchable(self) -> bool:
        """Whether the query has anything to look up (a lone Latin letter or digit does not)."""
        return bool(self.terms)


def _dialect() -> str:
    return db.session.get_bind().dialect.name


def _few(ids) -> bool:
    """Whether the select ``ids`` has at most ``SEARCH_SCOPE_CASES`` (the setting) rows; at most that many and one
    are read to tell."""
    cap = current_app.config["SEARCH_SCOPE_CASES"]
    return db.session.scalar(sa.select(sa.func.count()).select_from(ids.limit(cap + 1).subquery())) <= cap


def small_scope(user) -> bool:
    """Whether ``user`` sees few enough cases (an exporter's company, staff of a small hub) that their cases' entries
    are read and compared directly: the engine's terms would walk every company's hits of a common word (an
    exporter's search for 세럼 took 2.1 s that way at 1,000,000 messages) to find the few that are theirs."""
    return _few(sa.select(Case.id).where(visible_cases_clause(user)))


class Scopes:
    """Which kinds one viewer's search reads from the records they may open rather than from the engine's terms:
    the kinds bound to cases when the viewer sees few cases, a kind standing alone with a ``scope`` when the viewer
    may open few of its records (an exporter's enquiries, where the terms of a common word would hand over a
    million enquiries' hits: 0.3 s at 1,000,000). Each is asked once, when a kind first needs it."""

    def __init__(self, user):
        self.user = user
        self.known: dict[str, bool] = {}

    def __call__(self, kind: SearchKind) -> bool:
        key = "case" if kind.case_bound else kind.name
        if key not in self.known:
            if kind.case_bound:
                self.known[key] = small_scope(self.user)
            else:
                self.known[key] = kind.scope is not None and _few(
                    sa.select(kind.model.id).where(kind.scope(self.user)))
        return self.known[key]


def entries(user, kind: SearchKind, query: Query, *, scoped: bool = False, dense: bool = False):
    """The select of the ids of ``kind``'s records that hold ``query`` and that ``user`` may open, newest first.

    PostgreSQL finds the entries holding every term in the GIN index of ``pieces``; SQLite reads them from the
    FTS5 table, newest first, and joins each to its entry, so a page of hits stops reading once it is full.
    ``scoped`` (``small_scope``): the entries of the cases ``user`` sees are read by case instead, and each is
    compared with the query's words. ``dense`` (PostgreSQL; more than ``COUNT_CAP`` hits): the kind's entries are
    read newest first and each compared with the words, as a page fills within a few hundred of them, where the GIN
    index would hand over every hit to be sorted: the planner cannot tell, as it takes the pieces of one word for
    independent (``{case:코스, case:스메}`` estimated at 794 entries of the 30,649 that hold both; 144 ms)."""
    words = [(sa.func.strpos if _dialect() == "postgresql" else sa.func.instr)(SearchEntry.text, word) > 0
             for word in query.words]
    if scoped and kind.case_bound:
        # newest first, by a value no index is in the order of: both databases would walk every entry in key order
        # for the few of these cases (an exporter's 세럼: SQLite 355 ms at 1,000,000 messages, PostgreSQL 740 ms at
        # 100,000)
        return (sa.select(SearchEntry.record_id).select_from(Case).join(SearchEntry, SearchEntry.case_id == Case.id)
                .where(SearchEntry.kind == kind.name, *words, kind.visible(user))
                .order_by((SearchEntry.id + 0).desc()))
    if scoped and kind.scope is not None:
        # the few records the viewer may open (``scope`` is the kind's rule of who may), each joined to its entry
        return (sa.select(SearchEntry.record_id).select_from(kind.model)
                .join(SearchEntry, sa.and_(SearchEntry.kind == kind.name, SearchEntry.record_id == kind.model.id))
                .where(kind.scope(user), *words)
                .order_by((SearchEntry.record_id + 0).desc()))
    if _dialect() == "postgresql" and dense:
        # dense: the kind's entries in (kind, record_id) order, each compared with the words alone (the terms only
        # narrow what the words decide). Given the terms too, even in a form the GIN index does not answer, the
        # planner took the hits for a handful and read the whole table to sort them: at 1,000,000 enquiries 4.9 s
        # for 코스메 (189,000 of them), against 0.1 ms walked; with the words alone it expects a third of the entries
        # to pass, and walks
        stmt = sa.select(SearchEntry.record_id).where(SearchEntry.kind == kind.name)
        newest = SearchEntry.record_id.desc()
    elif _dialect() == "postgresql":
        # the terms name their kind: the GIN index answers them; the kind itself is not asked (ANDed with the GIN's
        # hits, the planner read every entry of the kind from its index)
        pieces = sa.literal_column("search_entries.pieces", postgresql.ARRAY(sa.Text))  # PostgreSQL's column only
        narrowed = pieces.contains(sa.cast(kind_terms(kind.name, query.terms), postgresql.ARRAY(sa.Text)))
        stmt = sa.select(SearchEntry.record_id).where(narrowed)
        newest = SearchEntry.record_id.desc()
    else:
        held = sa.table(FTS_TABLE, sa.column("rowid", sa.Integer), sa.column(FTS_TABLE))
        match = " ".join(f'"{term}"' for term in kind_tokens(kind.name, query.terms))
        stmt = sa.select(SearchEntry.record_id).select_from(held) \
            .join(SearchEntry, SearchEntry.id == held.c.rowid).where(held.c[FTS_TABLE].op("MATCH")(match))
        newest = held.c.rowid.desc()
    stmt = stmt.where(*words)
    if kind.case_bound:
        stmt = stmt.join(Case, Case.id == SearchEntry.case_id)
    return stmt.where(kind.visible(user)).order_by(newest)


def record_ids(user, kind_name: str, typed: str):
    """The records of a kind that ``user`` may open whose text holds the query ``typed``, as a select of ids (a
    list's free text, so its other filters apply to what search finds)."""
    kind = KINDS[kind_name]
    query = Query.parse(typed)
    if not query.searchable:
        return sa.select(kind.model.id).where(sa.false())
    return entries(user, kind, query, scoped=Scopes(user)(kind)).order_by(None)


def case_ids(user, typed: str):
    """The cases ``user`` may see whose text holds the query ``typed`` (the case list's free text)."""
    return record_ids(user, "case", typed)


@dataclass(frozen=True)
class Count:
    """How many hits a kind has: ``number`` exactly (``exact``), more than it (``COUNT_CAP``), or about it
    (``about``: estimated from how densely its newest entries hold the query)."""

    number: int
    exact: bool = True
    about: bool = False


@dataclass(frozen=True)
class Group:
    """A kind's part of the results: how many hits, and the page's hits."""

    kind: SearchKind
    count: int
    exact: bool
    hits: list[Hit]
    about: bool = False

    @property
    def pages_of(self) -> int:
        """The hits the result pages may step through: those counted, at most ``COUNT_CAP``."""
        return min(self.count, COUNT_CAP)


# ANALYZE's statistics of search_entries: how many entries, the kinds with the share of entries of each, and the
# most common terms with the share of entries holding each (migration 0044 keeps more of them than by default)
STATISTICS = sa.text("""
SELECT c.reltuples, k.most_common_vals::text::text[], k.most_common_freqs, p.most_common_elems::text::text[],
       p.most_common_elem_freqs
  FROM pg_stats k JOIN pg_stats p ON p.schemaname = k.schemaname AND p.tablename = k.tablename
  JOIN pg_class c ON c.oid = CAST('search_entries' AS regclass)
 WHERE k.schemaname = current_schema() AND k.tablename = 'search_entries' AND k.attname = 'kind'
   AND p.attname = 'pieces'
""")
STATISTICS_KEPT = 300  # seconds a process keeps them: they change only when the table is analysed


@dataclass(frozen=True)
class Statistics:
    """The index as ANALYZE last saw it: entries of each kind, and the share of all entries holding each of the
    most common terms."""

    total: float
    entries: dict[str, float]
    terms: dict[str, float]
    read_at: float


_statistics: dict[str, Statistics] = {}


def _common() -> Statistics:
    """The index's statistics, read at most every ``STATISTICS_KEPT`` seconds by a process (none before the first
    ANALYZE)."""
    key = db.session.get_bind().url.render_as_string(hide_password=True)
    kept = _statistics.get(key)
    if kept is None or time.monotonic() - kept.read_at > STATISTICS_KEPT:
        row = db.session.execute(STATISTICS).one_or_none()
        total, entries, terms = 0.0, {}, {}
        if row is not None and row[1] and row[3]:
            total, kinds, kind_shares, common, term_shares = row
            entries = {kind: share * total for kind, share in zip(kinds, kind_shares, strict=True)}
            terms = dict(zip(common, term_shares[:len(common)], strict=True))  # then the least, most, null shares
        kept = _statistics[key] = Statistics(total, entries, terms, time.monotonic())
    return kept


# what a walked entry costs against a hit the GIN index hands over (measured at 1,000,000 cases: the walk reads the
# entry's text and compares it; the index's hits are ids from its posting lists)
WALK_ROW_COST = 1.5
WALK_MARGIN = 2  # the walk's window holds this many times the entries that should hold the hits it looks for
WALK_MOST = 100_000  # and never more entries than this
SAMPLE = 100  # the hits of a common word found among the newest entries, from which its count is estimated


def _walk_window(kind: SearchKind, query: Query, statistics: Statistics) -> int | None:
    """How many of ``kind``'s newest entries to look for ``SAMPLE`` hits of ``query`` among, when that should cost
    less than the GIN index handing over every hit (``None``: it would not). From ANALYZE's estimate of the share
    of the kind's entries holding the query's rarest term; a term not among the most common is too rare to walk
    for."""
    entries = statistics.entries.get(kind.name)
    held = [statistics.terms.get(term) for term in kind_terms(kind.name, query.terms)]
    if not entries or not held or None in held:
        return None
    share = min(min(held) * statistics.total / entries, 1.0)  # of the kind's entries
    walked = (min(SAMPLE, COUNT_CAP) + 1) / share  # entries read until the sample is found, if the share were right
    if walked * WALK_ROW_COST >= share * entries:
        return None
    return min(WALK_MOST, math.ceil(WALK_MARGIN * walked))


def _about(number: float) -> int:
    """``number`` to two significant digits (42,317 is about 42,000)."""
    digits = max(len(str(int(number))) - 2, 0)
    return int(round(number, -digits))


def _walked_count(user, kind: SearchKind, query: Query, window: int) -> Count | None:
    """The count of ``kind``'s hits from its ``window`` newest entries: exact when they are all of the kind's;
    else, once ``SAMPLE`` hits are found among them, about as many as the density they were found at gives over
    the kind's entries (when that is more than ``COUNT_CAP``). ``None`` when the window holds too few (the estimate
    was wrong, or the viewer may open few of them) or the count is small: the GIN index counts them then.

    The GIN index hands over every hit before a count can stop: at 1,000,000 cases and as many enquiries, 코스메
    (a fifth to a third of them) took 49 ms and 63 ms to count to 1,001 that way, and 아름 (4 % of the enquiries)
    54 ms, growing with the data; walking to 1,001 hits read 24,000 enquiries (23 ms). A hundred hits are found
    among the newest few thousand entries at any size."""
    first, last = db.session.execute(sa.select(sa.func.min(SearchEntry.record_id), sa.func.max(SearchEntry.record_id))
                                     .where(SearchEntry.kind == kind.name)).one()
    if last is None:
        return Count(0)
    oldest = last - window + 1  # the window of record ids: as many entries, or fewer where records were deleted
    walked = entries(user, kind, query, dense=True).where(SearchEntry.record_id >= oldest)
    if oldest <= first:  # the window holds every entry of the kind: few, counted exactly up to the cap
        counted = db.session.scalar(sa.select(sa.func.count()).select_from(
            walked.order_by(None).limit(COUNT_CAP + 1).subquery()))
        return Count(min(counted, COUNT_CAP), exact=counted <= COUNT_CAP)
    sample = min(SAMPLE, COUNT_CAP)
    found = db.session.scalars(walked.limit(sample + 1)).all()  # newest first
    if len(found) <= sample:
        return None
    estimate = len(found) / (last - min(found) + 1) * (last - first + 1)
    return Count(_about(estimate), exact=False, about=True) if estimate > COUNT_CAP else None


def search(user, query: Query, *, kinds=None, limit: int = 5, offset: int = 0) -> list[Group]:
    """The hits of ``query`` for ``user``, grouped by kind (the kinds with hits only), ``limit`` of each from
    ``offset``."""
    groups = []
    statistics = None
    if _dialect() == "postgresql":
        # each query reads a few index entries, or stops after a page: parallel workers cost more to start (5 ms a
        # kind, for a word no message holds) than they could save, and the planner's estimates cannot tell it
        db.session.execute(sa.text("SET LOCAL max_parallel_workers_per_gather = 0"))
        db.session.execute(sa.text("SET LOCAL jit = off"))  # nor does compiling a plan
        statistics = _common()
    scoped = Scopes(user)
    for kind in KINDS.values():
        if kinds is not None and kind.name not in kinds:
            continue
        count = None
        if statistics is not None and not scoped(kind) and (window := _walk_window(kind, query, statistics)):
            count = _walked_count(user, kind, query, window)
        if count is None:
            counted = db.session.scalar(sa.select(sa.func.count()).select_from(
                entries(user, kind, query, scoped=scoped(kind)).order_by(None).limit(COUNT_CAP + 1).subquery()))
            count = Count(min(counted, COUNT_CAP), exact=counted <= COUNT_CAP)
        if not count.number:
            continue
        stmt = entries(user, kind, query, scoped=scoped(kind), dense=not count.exact)
        ids = db.session.scalars(stmt.limit(limit).offset(offset)).all()
        described = kind.describe(ids, user) if ids else {}
        groups.append(Group(kind, count.number, count.exact,
                            [described[record_id] for record_id in ids if record_id in described], count.about))
    return groups
