"""Backups of the database and of what the domains keep beside it, checked by SHA-256, and their restoration.

A backup directory holds ``manifest.json`` (rows per table, the hash of the database copy, one entry per part,
and an HMAC of all that under ``IPDESK_BACKUP_KEY``, a key kept outside the backups, so a manifest changed and
re-hashed is refused) and the database (SQLite: a copy made with the online backup API; PostgreSQL: a
``pg_dump`` custom-format archive). The rest comes from the parts the domains register with
``register_part``: each reads its manifest entry from the same snapshot as the database copy (so
the manifest describes exactly what the copy holds), copies its files into the backup with their
hashes, puts them back on restore and checks the restored state, and names the append-only tables whose
triggers a restored database must have. This module names no domain.
"""
import hashlib
import hmac
import json
import os
import re
import shutil
import sqlite3
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import sqlalchemy as sa
from flask import Flask, current_app

from ipdesk.core.db import utcnow
from ipdesk.extensions import db

MANIFEST = "manifest.json"
SIGNATURE = "signature"  # the manifest's key holding the HMAC-SHA256 of the rest
FORMAT = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


Query = Callable[[str], list]  # runs SQL in the snapshot being backed up; returns the rows


class BackupPart:
    """What one domain adds to a backup beside the database; by default, nothing.

    ``key`` names its entry in the manifest. Its methods get that entry (None in a backup made before
    the part existed) and count what they did as {"what": number}, e.g. {"evidence files": 2}.
    """

    key: str
    append_only: tuple[str, ...] = ()  # tables whose database triggers refuse UPDATE, DELETE and TRUNCATE

    def inventory(self, query: Query, tables: set[str]) -> Any:
        """Its manifest entry (plain JSON), read from the snapshot the database copy is made of."""
        return None

    def files(self, entry) -> list[tuple[str, str]]:
        """(path inside the backup directory, SHA-256) of each file the part keeps in a backup."""
        return []

    def write(self, entry, out: Path) -> dict[str, int]:
        """Copy the part's files into the backup directory ``out`` (``copy_hashed``); raise BackupError
        when one is missing or no longer matches its hash."""
        return {}

    def held(self) -> dict[str, int]:
        """What the part holds now outside the database (a restore wants it empty)."""
        return {}

    def restore(self, entry, source: Path) -> None:
        """Put the part's files back from the checked backup directory ``source``."""

    def verify(self, entry, connection) -> tuple[list[str], dict[str, int]]:
        """After a restore: what does not match the manifest, and what was checked."""
        return [], {}


def register_part(app: Flask, part: BackupPart) -> None:
    """Add ``part`` to this app's backups (in order: its manifest entry follows those registered before)."""
    app.extensions.setdefault("backup_parts", []).append(part)


def backup_parts() -> list[BackupPart]:
    return current_app.extensions.get("backup_parts", [])


def append_only_tables() -> list[str]:
    return [table for part in backup_parts() for table in part.append_only]


# PostgreSQL's pg_trigger.tgtype bits: BEFORE, and the events a trigger fires on
_BEFORE, _EVENTS = 2, {"DELETE": 8, "UPDATE": 16, "TRUNCATE": 32}


def append_only_problems(connection, tables) -> list[str]:
    """Each append-only table's guard, read from the database's catalogue: an enabled, unconditional BEFORE
    trigger that raises, for UPDATE and DELETE (and TRUNCATE on PostgreSQL; SQLite has none). Returns what is
    missing; a restore of a dump without them, or a trigger dropped by hand, leaves the log open to rewriting."""
    problems = []
    for table in tables:
        if connection.dialect.name == "postgresql":
            rows = connection.execute(sa.text(
                "SELECT t.tgtype FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
                "JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE c.relname = :table AND c.relnamespace = current_schema()::regnamespace "
                "AND NOT t.tgisinternal AND t.tgenabled IN ('O', 'A') AND t.tgqual IS NULL "
                "AND cardinality(t.tgattr::int2[]) = 0 AND p.prosrc ILIKE '%RAISE EXCEPTION%'"), {"table": table})
            guarded = {verb for (tgtype,) in rows for verb, bit in _EVENTS.items() if tgtype & _BEFORE and tgtype & bit}
            verbs = ("UPDATE", "DELETE", "TRUNCATE")
        else:
            rows = connection.execute(sa.text(
                "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :table"), {"table": table})
            pattern = re.compile(rf'^CREATE TRIGGER \S+ BEFORE (UPDATE|DELETE) ON "?{table}"? (FOR EACH ROW )?'
                                 r"BEGIN SELECT RAISE\(ABORT,", re.IGNORECASE)
            guarded = {m.group(1).upper() for (sql,) in rows if (m := pattern.match(" ".join(sql.split())))}
            verbs = ("UPDATE", "DELETE")
        problems += [f"{table}: no trigger refuses {verb} (the table is append-only)"
                     for verb in verbs if verb not in guarded]
    return problems


def _backup_key() -> bytes:
    key = current_app.config.get("BACKUP_KEY")
    if not key:
        raise BackupError("IPDESK_BACKUP_KEY is not set: a backup's manifest is signed with it, and a restore checks "
                          "that signature. Set it to a long random secret kept outside the backups (the same one "
                          "for backing up and restoring).")
    return key.encode()


def manifest_signature(manifest: dict) -> str:
    """The HMAC-SHA256, under the backup key, of the manifest without its signature (as canonical JSON)."""
    body = json.dumps({k: v for k, v in manifest.items() if k != SIGNATURE}, sort_keys=True, separators=(",", ":"))
    return hmac.new(_backup_key(), body.encode(), hashlib.sha256).hexdigest()


@dataclass
class RestoreReport:
    problems: list[str] = field(default_factory=list)
    tables: int = 0
    checked: dict[str, int] = field(default_factory=dict)  # what the parts checked, e.g. {"evidence files": 2}


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(reader: BinaryIO, target: Path) -> str:
    """Copy what ``reader`` gives to ``target`` through a temporary name; returns the SHA-256 of what was copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".partial-{target.name}")
    digest = hashlib.sha256()
    with partial.open("wb") as writer:
        for chunk in iter(lambda: reader.read(CHUNK), b""):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(partial, target)
    return digest.hexdigest()


def _inventory(query: Query, table_names: list[str]) -> dict[str, Any]:
    """Rows per table and each part's manifest entry, read through ``query(sql)``."""
    tables = {name: query(f'SELECT count(*) FROM "{name}"')[0][0] for name in sorted(table_names)}
    return {"tables": tables, **{part.key: part.inventory(query, set(tables)) for part in backup_parts()}}


def _postgres_tool(name: str) -> str:
    """The path of ``pg_dump`` or ``pg_restore``, refused unless its major version is the server's."""
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not on PATH: install the PostgreSQL client of the server's version "
                          f"(Debian: postgresql-client-{_server_major()}).")
    output = subprocess.run([path, "--version"], capture_output=True, text=True, check=True).stdout
    found = re.search(r"(\d+)(?:\.\d+)*", output)
    tool_major, server_major = int(found.group(1)) if found else None, _server_major()
    if tool_major != server_major:
        raise BackupError(f"{name} is version {tool_major} but the server is PostgreSQL {server_major}: an older "
                          f"{name} cannot read the server, a newer one writes archives the server's own tools "
                          f"cannot read. Put {name} {server_major} first on PATH.")
    return path


def _server_major() -> int:
    with db.engine.connect() as connection:
        return int(connection.exec_driver_sql("SHOW server_version_num").scalar()) // 10000


def _libpq(url: sa.URL) -> tuple[str, dict]:
    """A libpq connection string without the password, and the environment that carries it."""
    env = dict(os.environ)
    if url.password:
        env["PGPASSWORD"] = str(url.password)
    return url.set(drivername="postgresql", password=None).render_as_string(hide_password=False), env


def make_backup(out: Path) -> tuple[dict, dict[str, int]]:
    """Write a backup of the database and of every registered part into the empty directory ``out``;
    returns the manifest, and what the parts copied (e.g. {"evidence files": 2}).

    :raises BackupError: ``out`` is not empty, the PostgreSQL tools do not fit, or a part's file is
        missing or no longer matches its recorded hash.
    """
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: a backup goes into a new directory.")
    _backup_key()  # refused before anything is written
    out.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    database = out / DATABASE_FILES[dialect]
    if dialect == "sqlite":
        inventory = _backup_sqlite(database)
    else:
        inventory = _backup_postgres(database)
    copied: dict[str, int] = {}
    for part in backup_parts():
        copied.update(part.write(inventory[part.key], out))
    manifest = {
        "format": FORMAT, "made_at": utcnow().isoformat(), "dialect": dialect,
        "database": {"file": database.name, "sha256": sha256_of(database), "size": database.stat().st_size},
        **inventory,
    }
    manifest[SIGNATURE] = manifest_signature(manifest)
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest, copied


# SQLite's tables that hold rows: not its own, and not a virtual table (an FTS5 index cannot be counted by scanning;
# the shadow tables that hold its rows are counted)
SQLITE_TABLES = ("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                 "AND sql NOT LIKE 'CREATE VIRTUAL TABLE%'")


def _backup_sqlite(target: Path) -> dict[str, Any]:
    with db.engine.connect() as connection:
        copy = sqlite3.connect(target)
        try:
            connection.connection.driver_connection.backup(copy)  # pages of one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            names = [r[0] for r in copy.execute(SQLITE_TABLES)]
            return _inventory(lambda sql: copy.execute(sql).fetchall(), names)
        finally:
            copy.close()


def _backup_postgres(target: Path) -> dict[str, Any]:
    pg_dump = _postgres_tool("pg_dump")
    conninfo, env = _libpq(db.engine.url)
    with db.engine.connect().execution_options(isolation_level="REPEATABLE READ") as connection:
        with connection.begin():
            # pg_dump reads the snapshot this transaction exported, so the archive and the inventory agree
            snapshot = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
            done = subprocess.run([pg_dump, "--format=custom", f"--snapshot={snapshot}", f"--file={target}",
                                   f"--dbname={conninfo}"], env=env, capture_output=True, text=True)
            if done.returncode != 0:
                raise BackupError(f"pg_dump failed: {done.stderr.strip()}")
            names = list(connection.exec_driver_sql(
                "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()").scalars())
            return _inventory(lambda sql: connection.exec_driver_sql(sql).all(), names)


def read_manifest(source: Path) -> dict:
    try:
        manifest = json.loads((source / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"{source} holds no readable {MANIFEST}: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source} is a backup of an unknown format ({manifest.get('format')!r}).")
    signature = manifest.get(SIGNATURE)
    if not isinstance(signature, str):
        raise BackupError(f"{source / MANIFEST} is not signed (made before backups were signed, or its signature "
                          "was removed): it cannot be trusted, nothing was restored.")
    if not hmac.compare_digest(signature, manifest_signature(manifest)):
        raise BackupError(f"{source / MANIFEST} does not match its signature: it was changed after the backup was "
                          "made, or signed with another IPDESK_BACKUP_KEY; nothing was restored.")
    return manifest


def check_backup(source: Path, manifest: dict) -> list[str]:
    """Every file of the backup against the manifest's hashes; returns what does not match."""
    problems = []
    expected = [(manifest["database"]["file"], manifest["database"]["sha256"])]
    for part in backup_parts():
        expected += part.files(manifest.get(part.key))
    for name, sha256 in expected:
        path = source / name
        if not path.is_file():
            problems.append(f"{path.relative_to(source)} is missing")
        elif sha256_of(path) != sha256:
            problems.append(f"{path.relative_to(source)} does not match its hash in the manifest")
    return problems


def _rows_in_target() -> int:
    with db.engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            names = [n for n in connection.exec_driver_sql(SQLITE_TABLES).scalars() if n != "alembic_version"]
        else:
            names = [n for n in sa.inspect(connection).get_table_names() if n != "alembic_version"]
        return sum(connection.execute(sa.select(sa.func.count()).select_from(sa.table(n))).scalar() for n in names)


def restore_backup(source: Path, *, force: bool = False) -> RestoreReport:
    """Restore a checked backup into this app's (empty) database and parts, then verify the result.

    :raises BackupError: a file of the backup does not match its manifest, the backup is of another
        database, or the target is not empty and ``force`` is not given.
    """
    manifest = read_manifest(source)
    dialect = db.engine.dialect.name
    if manifest["dialect"] != dialect:
        raise BackupError(f"this is a backup of a {manifest['dialect']} database; the target is {dialect}.")
    problems = check_backup(source, manifest)
    if problems:
        raise BackupError("the backup does not match its manifest, nothing was restored:\n  " + "\n  ".join(problems))
    if not force:
        rows = _rows_in_target()
        held = {what: n for part in backup_parts() for what, n in part.held().items()}
        if rows or any(held.values()):
            contents = "".join(f", {n} {what}" for what, n in held.items())
            raise BackupError(f"the target is not empty ({rows} rows in the database{contents}); restore into an "
                              "empty one, or give --force to overwrite it.")
    pg_restore = _postgres_tool("pg_restore") if dialect == "postgresql" else None
    db.session.remove()
    db.engine.dispose()  # no connection of ours may hold the tables being replaced
    database = source / manifest["database"]["file"]
    if pg_restore is None:
        backup, target = sqlite3.connect(f"file:{database}?mode=ro", uri=True), sqlite3.connect(db.engine.url.database)
        try:
            backup.backup(target)
        finally:
            backup.close()
            target.close()
    else:
        conninfo, env = _libpq(db.engine.url)
        done = subprocess.run([pg_restore, "--clean", "--if-exists", "--no-owner", "--single-transaction",
                               "--exit-on-error", f"--dbname={conninfo}", str(database)],
                              env=env, capture_output=True, text=True)
        if done.returncode != 0:
            raise BackupError(f"pg_restore failed (the database is as it was): {done.stderr.strip()}")
    for part in backup_parts():
        part.restore(manifest.get(part.key), source)
    return verify_restored(manifest)


def verify_restored(manifest: dict) -> RestoreReport:
    """The restored database against the manifest (rows per table), then each part's own check."""
    report = RestoreReport()
    with db.engine.connect() as connection:
        for name, count in manifest["tables"].items():
            found = connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
            report.tables += 1
            if found != count:
                report.problems.append(f"table {name}: {found} rows, the backup has {count}")
        for part in backup_parts():
            problems, checked = part.verify(manifest.get(part.key), connection)
            report.problems += problems
            report.checked.update(checked)
        report.problems += append_only_problems(connection, append_only_tables())
    return report
