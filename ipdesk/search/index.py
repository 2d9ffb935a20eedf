"""Keeping the search index in step with the records, in the same transaction, on both databases.

Every flush of the ORM is watched: a record of a registered kind added, changed in a field its text is made of,
or deleted has its entry rewritten on the same connection just before the transaction commits, so a search never
sees a record without its entry or an entry of a record gone; a change to a row other kinds draw on (a company
renamed) rewrites those kinds' entries too. Rows written in bulk outside the ORM (the synthetic cases of
``ipdesk.demo_cases``) are indexed by ``index_where`` in their batch's transaction, and ``rebuild`` (``flask
search rebuild``) writes the whole index again.

Each entry holds the record's text in search's normal form (``ipdesk.search.text.normalise``) and its terms,
each under its kind's name: on PostgreSQL in the entry's ``pieces`` array (a GIN index), on SQLite in the
contentless FTS5 table ``search_terms``, spelled in ASCII (``token``). A contentless FTS5 table forgets a row only
when told the terms it held, which are the terms of the entry's stored text: the terms are a function of that text
alone, and a change to that function (``terms``) needs ``flask search rebuild``.
"""
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import Session

from ipdesk.core.db import copy_line, copy_rows, copy_text, pg_text_array
from ipdesk.search.models import FTS_TABLE, SearchEntry
from ipdesk.search.registry import KINDS, SearchKind, kinds_of, watchers_of
from ipdesk.search.text import normalise, terms, token, tokens

CHUNK = 1000

# the entry's columns as written, the engine's part included (not modelled: ipdesk.search.models)
ENTRIES = sa.table("search_entries", sa.column("id", sa.Integer), sa.column("kind", sa.String),
                   sa.column("record_id", sa.Integer), sa.column("case_id", sa.Integer),
                   sa.column("restricted", sa.Boolean), sa.column("text", sa.Text),
                   sa.column("pieces", postgresql.ARRAY(sa.Text)))


def entry_text(texts: Iterable[str | None]) -> str:
    """The normal text of a record's fields, a line each (a word is never found across two fields)."""
    return "\n".join(filter(None, (normalise(text) for text in texts)))


def kind_terms(kind: str, words) -> list[str]:
    """PostgreSQL: terms as the ``pieces`` array holds them, each under its kind's name, so that the GIN index finds
    a kind's entries alone (a common word of the cases' text never walks the companies')."""
    return list(map(f"{kind}:".__add__, sorted(words)))


def kind_tokens(kind: str, words) -> list[str]:
    """SQLite: terms as the FTS5 table holds them, each under its kind's name, spelled in ASCII."""
    return list(map(kind.__add__, sorted(map(token, words))))


def fts_terms(kind: str, text: str) -> str:
    """The FTS5 row of an entry's text: its terms as ASCII tokens, in a stable order."""
    spelled = sorted(tokens(text))
    return kind + f" {kind}".join(spelled) if spelled else ""


def _chunks(ids: Iterable[int]) -> Iterator[list[int]]:
    ids = sorted(ids)
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _is_postgres(connection) -> bool:
    return connection.dialect.name == "postgresql"


def insert_entries(connection, kind: str, rows: list[dict], *, bulk: bool = False) -> None:
    """New entries (``record_id``, ``case_id``, ``restricted``, ``text``) of ``kind``; ``bulk``: of records written
    in this transaction by a bulk load (which no other transaction can have indexed), by COPY on PostgreSQL."""
    if not rows:
        return
    if bulk and _is_postgres(connection):
        copy_rows(connection, ENTRIES, COPIED, (_copied(kind, row["record_id"], row["case_id"], row["restricted"],
                                                        row["text"]) for row in rows))
        return
    if _is_postgres(connection):
        # another transaction may have written the entry since this one looked (``flask search rebuild`` while people
        # work, two requests about one company): the later write wins, made of the same record
        statement = postgresql.insert(ENTRIES)
        statement = statement.on_conflict_do_update(
            index_elements=[ENTRIES.c.kind, ENTRIES.c.record_id],
            set_={name: statement.excluded[name] for name in ("case_id", "restricted", "text", "pieces")})
        connection.execute(statement, [{**row, "kind": kind, "pieces": kind_terms(kind, terms(row["text"]))}
                                       for row in rows])
        return
    made = connection.execute(sa.insert(ENTRIES).returning(ENTRIES.c.id, ENTRIES.c.record_id),
                              [{**row, "kind": kind} for row in rows]).all()
    texts = {row["record_id"]: row["text"] for row in rows}
    connection.execute(sa.text(f"INSERT INTO {FTS_TABLE} (rowid, terms) VALUES (:id, :terms)"),
                       [{"id": entry_id, "terms": fts_terms(kind, texts[record_id])} for entry_id, record_id in made])


COPIED = ["kind", "record_id", "case_id", "restricted", "text", "pieces"]  # the columns of ``copied_entries``


def copied_entries(kind: str, source_rows: Iterable[Sequence]) -> str:
    """PostgreSQL: new entries of ``kind`` made from rows of its source (record_id, case_id, restricted, then the
    texts), in COPY's text format (columns ``COPIED``). Pure Python: a bulk load has them made in another process,
    beside its writing, and copies them in later in its transaction (``copy_entries``)."""
    return "".join(copy_line(_copied(kind, record_id, case_id, bool(restricted), entry_text(texts)))
                   for record_id, case_id, restricted, *texts in source_rows)


def copy_entries(connection, data: str) -> None:
    """PostgreSQL: new entries (``copied_entries``) of records written in bulk in this transaction, by COPY."""
    copy_text(connection, ENTRIES, COPIED, data)


def source_rows(connection, kind: SearchKind, ids: list[int]) -> list[tuple]:
    """The rows of ``kind``'s source for these records (what ``copied_entries`` makes entries of)."""
    return [tuple(row) for chunk in _chunks(ids)
            for row in connection.execute(kind.source().where(kind.model.id.in_(chunk)))]


def _copied(kind: str, record_id: int, case_id: int | None, restricted: bool, text: str) -> tuple:
    return kind, record_id, case_id, restricted, text, pg_text_array(kind_terms(kind, terms(text)))


def _forget_terms(connection, kind: str, entries: list[tuple[int, str]]) -> None:
    """SQLite: the FTS5 rows of entries (id, stored text) about to change or go."""
    if entries and not _is_postgres(connection):
        connection.execute(sa.text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}, rowid, terms) "
                                   "VALUES ('delete', :id, :terms)"),
                           [{"id": entry_id, "terms": fts_terms(kind, text)} for entry_id, text in entries])


def _update(connection, kind: str, rows: list[dict], old: dict[int, str]) -> None:
    """Changed entries (``id`` and the new values); ``old``: each one's stored text."""
    if not rows:
        return
    _forget_terms(connection, kind, [(row["id"], old[row["id"]]) for row in rows])
    values = {"case_id": sa.bindparam("new_case_id"), "restricted": sa.bindparam("new_restricted"),
              "text": sa.bindparam("new_text")}
    params = [{"entry_id": row["id"], "new_case_id": row["case_id"], "new_restricted": row["restricted"],
               "new_text": row["text"]} for row in rows]
    if _is_postgres(connection):
        values["pieces"] = sa.bindparam("new_pieces", type_=postgresql.ARRAY(sa.Text))
        for param, row in zip(params, rows, strict=True):
            param["new_pieces"] = kind_terms(kind, terms(row["text"]))
    connection.execute(sa.update(ENTRIES).where(ENTRIES.c.id == sa.bindparam("entry_id")).values(**values), params)
    if not _is_postgres(connection):
        connection.execute(sa.text(f"INSERT INTO {FTS_TABLE} (rowid, terms) VALUES (:id, :terms)"),
                           [{"id": row["id"], "terms": fts_terms(kind, row["text"])} for row in rows])


def _delete(connection, kind: str, entries: list[tuple[int, str]]) -> None:
    """Entries (id, stored text) whose records are gone."""
    if not entries:
        return
    _forget_terms(connection, kind, entries)
    for chunk in _chunks(entry_id for entry_id, _ in entries):
        connection.execute(sa.delete(ENTRIES).where(ENTRIES.c.id.in_(chunk)))


def _rows(connection, kind: SearchKind, where) -> Iterator[dict]:
    return map(_entry, connection.execute(kind.source().where(where)))


def _entry(source_row: Sequence) -> dict:
    record_id, case_id, restricted, *texts = source_row
    return {"record_id": record_id, "case_id": case_id, "restricted": bool(restricted), "text": entry_text(texts)}


def insert_sources(connection, kind: str, source_rows: Iterable[Sequence]) -> None:
    """New entries of ``kind`` made from rows of its source, of records written in bulk in this transaction."""
    insert_entries(connection, kind, list(map(_entry, source_rows)), bulk=True)


def reindex(connection, kind: SearchKind, record_ids: Iterable[int], new: frozenset[int] = frozenset()) -> None:
    """Bring the entries of these records of ``kind`` in step with the records, on ``connection``; ``new``: the
    ids among them of records added in this transaction, which have no entry to look up."""
    for chunk in _chunks(set(record_ids)):
        fresh = {row["record_id"]: row for row in _rows(connection, kind, kind.model.id.in_(chunk))}
        known = [record_id for record_id in chunk if record_id not in new]
        held = {record_id: (entry_id, case_id, bool(restricted), text)
                for entry_id, record_id, case_id, restricted, text in connection.execute(
                    sa.select(SearchEntry.id, SearchEntry.record_id, SearchEntry.case_id, SearchEntry.restricted,
                              SearchEntry.text)
                    .where(SearchEntry.kind == kind.name, SearchEntry.record_id.in_(known)))} if known else {}
        insert_entries(connection, kind.name, [row for record_id, row in fresh.items() if record_id in new], bulk=True)
        insert_entries(connection, kind.name, [row for record_id, row in fresh.items()
                                               if record_id not in held and record_id not in new])
        changed = [{**row, "id": held[record_id][0]} for record_id, row in fresh.items()
                   if record_id in held and held[record_id][1:] != (row["case_id"], row["restricted"], row["text"])]
        old = {held[row["record_id"]][0]: held[row["record_id"]][3] for row in changed}
        _update(connection, kind.name, changed, old)
        _delete(connection, kind.name, [(entry_id, text) for record_id, (entry_id, _, _, text) in held.items()
                             if record_id not in fresh])


def index_where(connection, kind: SearchKind, where, *, bulk: bool = False) -> int:
    """Index the records of ``kind`` that ``where`` picks from its source and that have no entry yet (rows
    written in bulk; ``bulk``: all written in this transaction, see ``insert_entries``); returns how many."""
    rows = [row for row in _rows(connection, kind, where)]
    if not rows:
        return 0
    held = set()
    if not bulk:  # records written in this transaction have no entry to look for
        for chunk in _chunks(row["record_id"] for row in rows):
            held.update(connection.scalars(sa.select(SearchEntry.record_id).where(
                SearchEntry.kind == kind.name, SearchEntry.record_id.in_(chunk))))
    new = [row for row in rows if row["record_id"] not in held]
    for start in range(0, len(new), CHUNK):
        insert_entries(connection, kind.name, new[start:start + CHUNK], bulk=bulk)
    return len(new)


def index_new(connection, kind: SearchKind, ids: list[int]) -> int:
    """Index the records of ``kind`` with these ids, written in bulk in this transaction; returns how many."""
    return sum(index_where(connection, kind, kind.model.id.in_(chunk), bulk=True) for chunk in _chunks(ids))


def rebuild(session, echo=lambda line: None) -> dict[str, int]:
    """Write the whole index again from the records, a kind at a time and a chunk of records per transaction
    (searches meanwhile find what is written so far); returns the entries per kind."""
    connection = session.connection()
    connection.execute(sa.delete(ENTRIES))
    if not _is_postgres(connection):
        connection.execute(sa.text(f"INSERT INTO {FTS_TABLE} ({FTS_TABLE}) VALUES ('delete-all')"))
    session.commit()
    written = {}
    for kind in KINDS.values():
        written[kind.name] = 0
        last = 0
        while True:
            connection = session.connection()
            ids = connection.scalars(sa.select(kind.model.id).where(kind.model.id > last)
                                     .order_by(kind.model.id).limit(CHUNK * 10)).all()
            if not ids:
                break
            written[kind.name] += index_where(connection, kind, kind.model.id.between(ids[0], ids[-1]))
            last = ids[-1]
            session.commit()
        echo(f"  {kind.name}: {written[kind.name]:,} entries")
    if _is_postgres(session.connection()):
        session.connection().execute(sa.text("ANALYZE search_entries"))
    session.commit()
    return written


# --- in step with every transaction ----------------------------------------------------------
# Each flush notes what it added, changed or deleted (``session.info``); just before the transaction commits, the
# entries of all of it are written at once, in that transaction: a record written in several flushes (a case given
# its reference after it is inserted) is indexed once. A rollback forgets the notes with the rows.

_NOTES = "ipdesk.search.stale"
_paused: ContextVar[bool] = ContextVar("ipdesk_search_paused", default=False)


@contextmanager
def paused():
    """No entry is written for what is committed inside: for a schema before the index existed (a migration's
    test at an old revision); the migration that makes the index indexes what is there."""
    token = _paused.set(True)
    try:
        yield
    finally:
        _paused.reset(token)


def _changed(obj, fields: tuple[str, ...]) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


@event.listens_for(Session, "after_flush")
def _note_changes(session, _flush_context) -> None:
    if not KINDS or _paused.get():
        return
    stale, new, watched = session.info.get(_NOTES) or ({}, {}, {})
    for obj in session.new:
        for kind in kinds_of(type(obj)):
            stale.setdefault(kind.name, set()).add(obj.id)
            new.setdefault(kind.name, set()).add(obj.id)
    for obj in session.dirty:
        for kind in kinds_of(type(obj)):
            if _changed(obj, kind.stale_fields):
                stale.setdefault(kind.name, set()).add(obj.id)
        for kind, fields, _records in watchers_of(type(obj)):
            if _changed(obj, fields):
                watched.setdefault((kind.name, type(obj)), set()).add(obj.id)
    for obj in session.deleted:
        for kind in kinds_of(type(obj)):
            stale.setdefault(kind.name, set()).add(obj.id)
    if stale or watched:
        session.info[_NOTES] = (stale, new, watched)


def note_inserted(session, model, ids: Iterable[int]) -> None:
    """Rows of ``model`` inserted in bulk (``session.execute(insert(model), rows)``: the flush does not see them),
    to be indexed with the rest of the transaction."""
    kinds = kinds_of(model)
    ids = set(ids)
    if not kinds or not ids or _paused.get():
        return
    stale, new, watched = session.info.get(_NOTES) or ({}, {}, {})
    for kind in kinds:
        stale.setdefault(kind.name, set()).update(ids)
        new.setdefault(kind.name, set()).update(ids)
    session.info[_NOTES] = (stale, new, watched)


@event.listens_for(Session, "before_commit")
def _write_noted(session) -> None:
    """Index what the transaction's flushes noted, as the last writes of the transaction."""
    if _NOTES not in session.info and not session.new and not session.dirty and not session.deleted:
        return
    session.flush()
    notes = session.info.pop(_NOTES, None)
    if notes is None:
        return
    stale, new, watched = notes
    connection = session.connection()
    for (name, model), ids in watched.items():
        _fields, records = KINDS[name].watches[model]
        stale.setdefault(name, set()).update(connection.scalars(records(ids)))
    for name, ids in stale.items():
        reindex(connection, KINDS[name], ids, frozenset(new.get(name, ())))


@event.listens_for(Session, "after_soft_rollback")
def _forget_noted(session, previous_transaction) -> None:
    """The notes go with the transaction, not with a savepoint rolled back inside it: what was flushed before the
    savepoint still commits (noting a record whose row went with the savepoint costs a lookup that finds it gone)."""
    if previous_transaction.parent is None:
        session.info.pop(_NOTES, None)
