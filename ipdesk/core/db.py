"""The declarative base, UTC timestamps, enum columns, portable SQL expressions and SQLite connection settings."""
import enum
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from itertools import chain
from operator import itemgetter

import sqlalchemy as sa
from flask import current_app, g, has_app_context, has_request_context, request
from sqlalchemy.engine import Engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.sql.expression import FunctionElement

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every model; constraint names follow one convention so migrations can name them."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def bump_version(obj) -> None:
    """Record a user-visible edit of ``obj``.

    Versioned models set ``version_id_generator=False``: the version changes only here, so
    bookkeeping (a sign-in time, a language choice) never makes an editor's form stale, while the
    UPDATE still applies only if the row is at the version this request loaded; otherwise
    SQLAlchemy raises StaleDataError, which is answered with 409.
    """
    obj.version = obj.version + 1


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(sa.types.TypeDecorator):
    """A timezone-aware UTC datetime on every database (SQLite stores it naive)."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def bulk_insert(session, model, rows: list[dict]) -> None:
    """Insert many rows of ``model`` in ``session``'s transaction, as fast as the database takes them: COPY on
    PostgreSQL, an executemany INSERT elsewhere. Values go through the columns' types as in any INSERT, and a
    column a row leaves out gets its default (the model's, else the database's). Returns nothing: for rows whose
    keys are not needed (bulk loads)."""
    if not rows:
        return
    if session.get_bind().dialect.name != "postgresql":
        # a Core insert of the table, one executemany per set of keys the rows give (the ORM's bulk insert costs as
        # much again in Python, row by row)
        groups: dict[tuple, list[dict]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        for group in groups.values():
            session.execute(sa.insert(model.__table__), group)
        return
    table = model.__table__
    dialect = session.get_bind().dialect
    given = set(chain.from_iterable(rows))
    every_row_has_every_key = set(map(len, rows)) == {len(given)}
    columns = [c for c in table.columns if c.key in given or (c.default is not None and not c.primary_key)]
    fills = {}
    for column in columns:
        default = column.default
        if default is None:
            fills[column.key] = lambda: None
        elif default.is_callable:
            fills[column.key] = lambda arg=default.arg: arg(None)
        else:
            fills[column.key] = lambda arg=default.arg: arg
    processors = {column.key: column.type._cached_bind_processor(dialect) for column in columns}
    if every_row_has_every_key:  # the common case: the given values read in one step, the defaults added after
        columns.sort(key=lambda column: column.key not in given)
        keys = [column.key for column in columns if column.key in given]
        read = itemgetter(*keys) if len(keys) > 1 else (lambda row, key=keys[0]: (row[key],))
        given_processors = [processors[key] for key in keys]
        filled = [fills[column.key] for column in columns if column.key not in given]
        filled_processors = [processors[column.key] for column in columns if column.key not in given]

        def values(row: dict) -> list:
            made = [value if process is None or value is None else process(value)
                    for value, process in zip(read(row), given_processors, strict=True)]
            for fill, process in zip(filled, filled_processors, strict=True):
                value = fill()
                made.append(value if process is None or value is None else process(value))
            return made
    else:
        def values(row: dict) -> list:
            made = []
            for column in columns:
                value = row[column.key] if column.key in row else fills[column.key]()
                process = processors[column.key]
                made.append(process(value) if process is not None and value is not None else value)
            return made

    copy_rows(session.connection(), table, [column.name for column in columns], map(values, rows))


def copy_rows(connection, table, names: list[str], rows: Iterable[Sequence]) -> None:
    """PostgreSQL: rows of values, ready for the driver (in ``names``' order), into ``table`` by COPY, in
    ``connection``'s transaction."""
    with _copy(connection, table, names) as copy:
        for row in rows:
            copy.write_row(row)


def copy_text(connection, table, names: list[str], data: str) -> None:
    """PostgreSQL: rows already in COPY's text format (``copy_line``), into ``table`` by COPY, in ``connection``'s
    transaction."""
    if data:
        with _copy(connection, table, names) as copy:
            copy.write(data)


@contextmanager
def _copy(connection, table, names: list[str]):
    preparer = connection.dialect.identifier_preparer
    columns = ", ".join(map(preparer.quote, names))
    cursor = connection.connection.driver_connection.cursor()
    with cursor, cursor.copy(f"COPY {preparer.format_table(table)} ({columns}) FROM STDIN") as copy:
        yield copy


def copy_line(values: Sequence) -> str:
    """One row in COPY's text format, of values that are text, whole numbers, booleans or None (what the bulk
    loads make in a helper process, where no driver formats them): tab-separated, ``\\N`` for None."""
    cells = []
    for value in values:
        if value is None:
            cells.append("\\N")
        elif isinstance(value, bool):
            cells.append("t" if value else "f")
        elif isinstance(value, int):
            cells.append(str(value))
        elif isinstance(value, str):
            # a backslash, and the characters that end a value or a row, escaped by a backslash
            cells.append(value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                         .replace("\r", "\\r"))
        else:
            raise TypeError(f"no COPY text for {type(value).__name__}")
    return "\t".join(cells) + "\n"


def pg_text_array(items: Iterable[str]) -> str:
    """PostgreSQL: the literal of a text[] holding ``items`` (COPY takes it as the column's text)."""
    items = list(items)
    if not items:
        return "{}"
    every = "".join(items)
    if "\\" in every or '"' in every:  # escaped one by one (seldom: the terms are words and pieces of words)
        items = [item.replace("\\", "\\\\").replace('"', '\\"') for item in items]
    return '{"' + '","'.join(items) + '"}'


# the secondary indexes of some tables: those no constraint stands on (a primary key's, a unique one's stay)
_SECONDARY_INDEXES = sa.text("""
    SELECT index.relname, pg_get_indexdef(i.indexrelid)
    FROM pg_index i JOIN pg_class index ON index.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid
    WHERE t.relname = ANY(:tables) AND pg_table_is_visible(t.oid) AND NOT i.indisunique
      AND NOT EXISTS (SELECT FROM pg_constraint c WHERE c.conindid = i.indexrelid)
    ORDER BY t.relname, index.relname""")


@contextmanager
def indexes_set_aside(session, tables: Sequence[sa.Table]) -> Iterator[list[str]]:
    """PostgreSQL: a bulk load into ``tables`` without their secondary indexes, built again from their definitions
    when the block ends, in ``session``'s transaction (the caller commits once, after: should anything fail, the
    rollback brings the indexes back with everything else). Building an index over a table once costs far less
    than keeping it up to date row by row as a large table fills (more so a GIN index, and when the indexes
    outgrow the shared buffers). Meanwhile the tables are locked for everyone else. Gives the indexes' names;
    elsewhere does nothing."""
    if not tables or session.get_bind().dialect.name != "postgresql":
        yield []
        return
    connection = session.connection()
    found = connection.execute(_SECONDARY_INDEXES, {"tables": [table.name for table in tables]}).all()
    preparer = connection.dialect.identifier_preparer
    for name, _definition in found:
        connection.exec_driver_sql(f"DROP INDEX {preparer.quote(name)}")
    yield [name for name, _definition in found]
    connection = session.connection()  # the same transaction's, unless the block committed (then nothing to build)
    connection.exec_driver_sql("SET LOCAL maintenance_work_mem = '256MB'")
    for _name, definition in found:
        connection.exec_driver_sql(definition)


def new_ids(session, model, count: int) -> list[int]:
    """``count`` primary keys for rows of ``model`` about to be inserted with ``bulk_insert`` in this transaction, in
    order: drawn from the table's sequence on PostgreSQL; on SQLite the next after the largest, which no other
    writer can take while this transaction writes (one writer at a time: a request that writes begins IMMEDIATE).
    An insert that must return its keys in order otherwise goes a row at a time on SQLite."""
    if count <= 0:
        return []
    table = model.__table__
    if session.get_bind().dialect.name == "postgresql":
        return sorted(session.scalars(sa.text("SELECT nextval(pg_get_serial_sequence(:table, :column)) "
                                              "FROM generate_series(1, :n)"),
                                      {"table": table.name, "column": model.id.key, "n": count}))
    first = session.scalar(sa.select(sa.func.coalesce(sa.func.max(model.id), 0))) + 1
    return list(range(first, first + count))


class MonthStart(FunctionElement):
    """``MonthStart(t)``: the first day of the UTC month of timestamp ``t``, as a date, on SQLite and PostgreSQL
    alike (the months that ``reports.tallies`` count by)."""

    type = sa.Date()
    name = "month_start"
    inherit_cache = True


@compiles(MonthStart)
def _month_start_postgresql(element, compiler, **kw):
    return f"CAST(date_trunc('month', {compiler.process(element.clauses, **kw)} AT TIME ZONE 'UTC') AS date)"


@compiles(MonthStart, "sqlite")
def _month_start_sqlite(element, compiler, **kw):
    return f"date({compiler.process(element.clauses, **kw)}, 'start of month')"


class StayBucket(FunctionElement):
    """``StayBucket(seconds)``: a stay's length in tenths of a day, rounded down: to the tenth below ten days, to the
    whole day from ten days on (the ``stay`` tallies' buckets, as migration 0035's triggers write them)."""

    type = sa.Integer()
    name = "stay_bucket"
    inherit_cache = True


@compiles(StayBucket)
def _stay_bucket_postgresql(element, compiler, **kw):
    seconds = compiler.process(element.clauses, **kw)
    return (f"CASE WHEN {seconds} < 864000 THEN CAST(floor({seconds} / 8640) AS integer) "
            f"ELSE 10 * CAST(floor({seconds} / 86400) AS integer) END")


@compiles(StayBucket, "sqlite")
def _stay_bucket_sqlite(element, compiler, **kw):
    seconds = compiler.process(element.clauses, **kw)  # CAST rounds down the lengths, never negative
    return (f"CASE WHEN {seconds} < 864000 THEN CAST({seconds} / 8640 AS INTEGER) "
            f"ELSE 10 * CAST({seconds} / 86400 AS INTEGER) END")


class NotIndexOrdered(FunctionElement):
    """``NotIndexOrdered(column)``: the column's value, which SQLite's planner does not take as an index's order
    (``+column``). Grouping by it, SQLite picks the index that finds the rows over the one that lists them in the
    grouping's order: the tallies of a period come from the (kind, day) covering index, not every row of their
    kind read in (kind, key) order (the manager dashboard's closings this year at 100,000 cases: 9 ms to 2.5 ms).
    The column itself elsewhere (search, which keeps PostgreSQL's planner off an index's order too, writes
    ``column + 0``). For grouping and ordering only: its value has no type of its own."""

    inherit_cache = True


@compiles(NotIndexOrdered)
def _not_index_ordered(element, compiler, **kw):
    return compiler.process(element.clauses, **kw)


@compiles(NotIndexOrdered, "sqlite")
def _not_index_ordered_sqlite(element, compiler, **kw):
    return f"+{compiler.process(element.clauses, **kw)}"


def enum_column(enum_cls: type[enum.Enum], name: str) -> sa.Enum:
    """An enum stored by member name as text, guarded by a named CHECK constraint."""
    return sa.Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.name) for m in enum_cls),
        validate_strings=True,
    )


# SQLite, for several workers: WAL so readers never block the writer, a busy timeout so a
# writer waits instead of failing, and BEGIN IMMEDIATE for transactions that will write, so
# two writers queue at BEGIN rather than deadlock when a read lock is upgraded.
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def writes_on_get(view):
    """Mark a GET view that writes (a download logs its custody event), so SQLite begins its
    transaction for writing from the first query."""
    view.writes_on_get = True
    return view


def reads_first(view):
    """Mark a view that does slow work (a re-hash, a ZIP) on what it read before it writes: its transaction
    begins read-only, the slow part runs in ``outside_transaction()``, and its writes follow in a transaction
    of their own (SQLite: nobody waits for the write lock meanwhile)."""
    view.reads_first = True
    return view


def takes_files(view):
    """Mark a view whose form takes files: a POST that brings some begins read-only, checks the files with no
    transaction open (``evidence.staging.stage_uploads``), and only then begins writing, before anything else
    it writes. A POST without files writes from its first query, as any."""
    view.takes_files = True
    return view


def transaction_will_write() -> bool:
    """Whether a transaction starting now is expected to write (safe requests are read-only; a
    command that only reads sets ``g.write_intent = False``)."""
    if has_request_context():
        return g.get("write_intent", request.method not in SAFE_METHODS)
    return g.get("write_intent", True) if has_app_context() else True


def _setting(name: str, default: int) -> int:
    try:
        return current_app.config.get(name, default)
    except RuntimeError:  # outside an app context (Alembic run on its own)
        return default


@sa.event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    timeout = _setting("SQLITE_BUSY_TIMEOUT_MS", 10_000)
    dbapi_connection.isolation_level = None  # we emit BEGIN ourselves, below
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(timeout)}")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.close()


@sa.event.listens_for(Engine, "connect")
def _configure_postgresql(dbapi_connection, connection_record):
    """A statement waits at most ``POSTGRES_LOCK_TIMEOUT_MS`` for a lock (a row another request holds, the audit
    chain's advisory lock), as a SQLite writer waits at most its busy timeout: then the request is answered "busy,
    try again" (``ipdesk.core.errors.is_busy``) instead of piling up behind it.

    No JIT: compiling a query's expressions pays off for scans of millions of rows, which no page makes; for the
    country summary's one query over its tallies and the days around them it took 250 ms of 410 (a million
    cases), as long as the rest of the query, every time."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        return
    timeout = _setting("POSTGRES_LOCK_TIMEOUT_MS", 10_000)
    cursor = dbapi_connection.cursor()
    cursor.execute(f"SET lock_timeout = {int(timeout)}")
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()


@sa.event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if transaction_will_write() else "BEGIN")
