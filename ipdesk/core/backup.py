"""Backups of the database and the evidence files, checked by SHA-256, and their restoration.

A backup directory holds ``manifest.json`` (rows per table, every evidence file with its hash,
the hash of the database copy, the last audit entry), the database (SQLite: a copy made with the
online backup API; PostgreSQL: a ``pg_dump`` custom-format archive) and ``evidence/`` laid out as
the storage is. The database copy and the inventory come from one snapshot, so the manifest
describes exactly what the copy holds.
"""
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from ipdesk.core.db import utcnow
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db

MANIFEST = "manifest.json"
FORMAT = 1
DATABASE_FILES = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
CHUNK = 1024 * 1024


class BackupError(Exception):
    """The backup or restore cannot go on; the message says why."""


@dataclass
class Inventory:
    tables: dict[str, int]
    evidence: list[dict]
    audit_tail: dict | None


@dataclass
class RestoreReport:
    problems: list[str] = field(default_factory=list)
    tables: int = 0
    files: int = 0
    audit_entries: int = 0


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def copy_hashed(source: Path, target: Path) -> str:
    """Copy ``source`` to ``target`` through a temporary name; returns the SHA-256 of what was copied."""
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f".partial-{target.name}")
    digest = hashlib.sha256()
    with source.open("rb") as reader, partial.open("wb") as writer:
        for chunk in iter(lambda: reader.read(CHUNK), b""):
            digest.update(chunk)
            writer.write(chunk)
        writer.flush()
        os.fsync(writer.fileno())
    os.replace(partial, target)
    return digest.hexdigest()


def _inventory(execute, table_names: list[str]) -> Inventory:
    """Rows per table, evidence files and the last audit entry, read through ``execute(sql)``."""
    tables = {name: execute(f'SELECT count(*) FROM "{name}"')[0][0] for name in sorted(table_names)}
    evidence = [{"key": key, "sha256": sha, "size": size} for key, sha, size in
                execute("SELECT storage_key, sha256, size FROM evidence_files ORDER BY id")] \
        if "evidence_files" in tables else []
    tail = execute("SELECT id, entry_hash FROM audit_entries ORDER BY id DESC LIMIT 1") \
        if "audit_entries" in tables else []
    return Inventory(tables, evidence, {"id": tail[0][0], "entry_hash": tail[0][1]} if tail else None)


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


def make_backup(out: Path) -> dict:
    """Write a backup of the database and the evidence files into the empty directory ``out``; returns the manifest.

    :raises BackupError: ``out`` is not empty, the PostgreSQL tools do not fit, or a stored evidence
        file is missing or no longer matches its recorded hash.
    """
    if out.exists() and any(out.iterdir()):
        raise BackupError(f"{out} is not empty: a backup goes into a new directory.")
    out.mkdir(parents=True, exist_ok=True)
    dialect = db.engine.dialect.name
    database = out / DATABASE_FILES[dialect]
    if dialect == "sqlite":
        inventory = _backup_sqlite(database)
    else:
        inventory = _backup_postgres(database)
    storage = get_storage()
    for file in inventory.evidence:
        source = storage.path(file["key"])
        if not source.is_file():
            raise BackupError(f"evidence file {file['key']} is missing from the storage; run `flask evidence verify`.")
        if copy_hashed(source, out / "evidence" / file["key"][:2] / file["key"]) != file["sha256"]:
            raise BackupError(f"evidence file {file['key']} no longer matches its recorded hash; "
                              "run `flask evidence verify`.")
    manifest = {
        "format": FORMAT, "made_at": utcnow().isoformat(), "dialect": dialect,
        "database": {"file": database.name, "sha256": sha256_of(database), "size": database.stat().st_size},
        "tables": inventory.tables, "evidence": inventory.evidence, "audit_tail": inventory.audit_tail,
    }
    (out / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    return manifest


def _backup_sqlite(target: Path) -> Inventory:
    with db.engine.connect() as connection:
        copy = sqlite3.connect(target)
        try:
            connection.connection.driver_connection.backup(copy)  # pages of one consistent snapshot
            copy.execute("PRAGMA journal_mode = DELETE")  # one self-contained file
            names = [r[0] for r in copy.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")]
            return _inventory(lambda sql: copy.execute(sql).fetchall(), names)
        finally:
            copy.close()


def _backup_postgres(target: Path) -> Inventory:
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
    return manifest


def check_backup(source: Path, manifest: dict) -> list[str]:
    """Every file of the backup against the manifest's hashes; returns what does not match."""
    problems = []
    expected = [(source / manifest["database"]["file"], manifest["database"]["sha256"])]
    expected += [(source / "evidence" / f["key"][:2] / f["key"], f["sha256"]) for f in manifest["evidence"]]
    for path, sha256 in expected:
        if not path.is_file():
            problems.append(f"{path.relative_to(source)} is missing")
        elif sha256_of(path) != sha256:
            problems.append(f"{path.relative_to(source)} does not match its hash in the manifest")
    return problems


def _rows_in_target() -> int:
    with db.engine.connect() as connection:
        names = [n for n in sa.inspect(connection).get_table_names() if n != "alembic_version"]
        return sum(connection.execute(sa.select(sa.func.count()).select_from(sa.table(n))).scalar() for n in names)


def restore_backup(source: Path, *, force: bool = False) -> RestoreReport:
    """Restore a checked backup into this app's (empty) database and storage, then verify the result.

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
    storage = get_storage()
    if not force:
        rows = _rows_in_target()
        stored = sum(len(keys) for _prefix, keys in storage.key_folders())
        if rows or stored:
            raise BackupError(f"the target is not empty ({rows} rows in the database, {stored} stored evidence "
                              "files); restore into an empty one, or give --force to overwrite it.")
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
    for file in manifest["evidence"]:
        copy_hashed(source / "evidence" / file["key"][:2] / file["key"], storage.path(file["key"]))
    return verify_restored(manifest)


def verify_restored(manifest: dict) -> RestoreReport:
    """The restored database and storage against the manifest: rows per table, files by hash, the audit chain."""
    from ipdesk.audit.chain import ChainReport, verify_chain

    report = RestoreReport()
    storage = get_storage()
    with db.engine.connect() as connection:
        for name, count in manifest["tables"].items():
            found = connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
            report.tables += 1
            if found != count:
                report.problems.append(f"table {name}: {found} rows, the backup has {count}")
        rows = connection.execute(sa.text("SELECT storage_key, sha256 FROM evidence_files ORDER BY id"))
        for key, sha256 in rows:
            report.files += 1
            path = storage.path(key)
            if not path.is_file() or sha256_of(path) != sha256:
                report.problems.append(f"evidence file {key} is missing or does not match its hash")
        chain = ChainReport()
        report.problems += [f"audit log: {p.message}" for p in verify_chain(connection, chain)]
        report.audit_entries = chain.entries
        tail = manifest["audit_tail"]
        if tail and (chain.last_id, chain.last_hash) != (tail["id"], tail["entry_hash"]):
            report.problems.append(f"audit log ends at entry #{chain.last_id}, the backup's at #{tail['id']}")
    return report
