"""`flask backup` and `flask restore`: a round trip brings every row and file back, and a backup
that does not match its manifest, a manifest not signed with the backup key (changed and re-hashed), or a
target that is not empty, is refused."""
import json
import os
import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipdesk.core.backup import SIGNATURE, BackupError, manifest_signature, sha256_of
from ipdesk.evidence.services import stored_hash
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from ipdesk.search.models import FTS_TABLE
from tests.conftest import IS_POSTGRES, create_database, make_app
from tests.factories import make_case, make_evidence_file


def row_counts() -> dict[str, int]:
    with db.engine.connect() as connection:
        return {name: connection.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
                for name in sa.inspect(connection).get_table_names() if name != FTS_TABLE}  # its shadow tables hold it


def stored_files(app) -> dict[str, str]:
    """The app's stored evidence files, by key, with the SHA-256 of what is stored now."""
    with app.app_context():
        return {key: stored_hash(key) for key in get_storage().list()}


@pytest.fixture
def source(app, factories):
    """A database with demo cases, evidence files and their custody, and its backup."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "40", "--password", "demo pass 123"])
    assert result.exit_code == 0, result.output
    officer = factories.staff()
    case = make_case("evidence")
    for content in (b"first evidence\n", "두 번째 증거\n".encode()):
        make_evidence_file(case, officer, content)
    client = app.test_client()
    client.post("/login", data={"email": officer.email, "password": "correct horse battery staple"})
    assert client.post(f"/cases/{case.id}/evidence/verify").status_code == 302  # audit entries
    db.session.commit()
    return app


@pytest.fixture
def backup_dir(source, tmp_path):
    out = tmp_path / "backup"
    result = source.test_cli_runner().invoke(args=["backup", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def target(tmp_path, worker):
    """An empty database (no tables at all) and an empty storage."""
    url = create_database(worker, "restore") if IS_POSTGRES else f"sqlite:///{tmp_path / 'restored.sqlite3'}"
    app = make_app(url, EVIDENCE_STORAGE_DIR=tempfile.mkdtemp(prefix="ipdesk-restored-"))
    yield app
    with app.app_context():
        db.engine.dispose()


def restore(app, backup, *args):
    db.session.commit()
    with app.app_context():
        return app.test_cli_runner().invoke(args=["restore", "--from", str(backup), *args])


@pytest.mark.storage
def test_backup_writes_a_manifest_of_rows_and_hashes(source, backup_dir):
    import json

    manifest = json.loads((backup_dir / "manifest.json").read_text())
    assert manifest["tables"] == row_counts()
    assert manifest["tables"]["cases"] > 40 and manifest["tables"]["audit_entries"] > 40
    assert {f["key"]: f["sha256"] for f in manifest["evidence"]} == stored_files(source)
    assert len(manifest["evidence"]) == 2
    database = backup_dir / manifest["database"]["file"]
    assert sha256_of(database) == manifest["database"]["sha256"]
    assert database.name == ("database.dump" if IS_POSTGRES else "database.sqlite3")
    result = source.test_cli_runner().invoke(args=["backup", "--out", str(backup_dir)])
    assert result.exit_code == 1 and "is not empty" in result.output


@pytest.mark.storage
def test_round_trip_brings_back_every_row_and_file(source, backup_dir, target):
    before, files = row_counts(), stored_files(source)
    result = restore(target, backup_dir)
    assert result.exit_code == 0, result.output
    assert "0 problem(s) after verifying" in result.output
    with target.app_context():
        assert row_counts() == before
        assert stored_files(target) == files
        verified = target.test_cli_runner().invoke(args=["audit", "verify"])
        assert verified.exit_code == 0 and "0 problem(s)" in verified.output, verified.output
        verified = target.test_cli_runner().invoke(args=["evidence", "verify"])
        assert verified.exit_code == 0 and "2 ok" in verified.output, verified.output
        # and the restored application works: a sign-in writes an audit entry onto the chain
        client = target.test_client()
        assert client.post("/login", data={"email": "admin@ipdesk.example", "password": "demo pass 123"}
                           ).status_code == 302
        assert target.test_cli_runner().invoke(args=["audit", "verify"]).exit_code == 0


@pytest.mark.storage
@pytest.mark.parametrize("damage", ["an evidence file", "the database", "a missing file"])
def test_a_tampered_backup_is_refused_and_nothing_restored(source, backup_dir, target, damage):
    if damage == "the database":
        path = next(backup_dir.glob("database.*"))
    else:
        path = next((backup_dir / "evidence").glob("??/*"))
    if damage == "a missing file":
        path.unlink()
    else:
        with path.open("r+b") as handle:
            handle.seek(path.stat().st_size // 2)
            byte = handle.read(1)
            handle.seek(-1, os.SEEK_CUR)
            handle.write(bytes([byte[0] ^ 1]))
    result = restore(target, backup_dir)
    assert result.exit_code == 1
    assert "does not match its manifest, nothing was restored" in result.output
    assert path.name in result.output
    with target.app_context():
        assert sum(n for name, n in row_counts().items() if name != "alembic_version") == 0
    assert stored_files(target) == {}


@pytest.mark.storage
def test_a_target_that_is_not_empty_is_refused_without_force(source, backup_dir, factories):
    """Restoring over the live database needs --force; with it, the backup's state comes back."""
    before = row_counts()
    make_evidence_file(make_case("evidence"), factories.staff(), b"after the backup\n")
    result = source.test_cli_runner().invoke(args=["restore", "--from", str(backup_dir)])
    assert result.exit_code == 1 and "the target is not empty" in result.output
    assert row_counts() != before
    db.session.commit()
    result = source.test_cli_runner().invoke(args=["restore", "--from", str(backup_dir), "--force"])
    assert result.exit_code == 0, result.output
    assert row_counts() == before


def test_pg_dump_of_another_major_version_is_refused_with_a_reason(app, tmp_path, monkeypatch):
    if not IS_POSTGRES:
        pytest.skip("pg_dump is PostgreSQL's")
    fake = tmp_path / "bin" / "pg_dump"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'pg_dump (PostgreSQL) 9.6.24'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}{os.pathsep}{os.environ['PATH']}")
    from ipdesk.core.backup import make_backup

    with pytest.raises(BackupError, match=r"pg_dump is version 9 but the server is PostgreSQL \d+"):
        make_backup(tmp_path / "backup")


def test_a_manifest_naming_a_path_instead_of_a_key_is_refused(source, backup_dir, target):
    """A manifest is read from disk: an evidence "key" that walks out of the backup is refused with a
    reason before any file is opened or anything restored."""
    manifest_path = backup_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["evidence"][0]["key"] = "../../../../etc/passwd"
    with target.app_context():  # signed with the key: a key holder's mistake, not only an outsider's change
        manifest[SIGNATURE] = manifest_signature(manifest)
    manifest_path.write_text(json.dumps(manifest))
    result = restore(target, backup_dir)
    assert result.exit_code == 1
    assert "is not a storage key" in result.output
    assert stored_files(target) == {}


def _nothing_restored(target) -> None:
    with target.app_context():
        assert sum(n for name, n in row_counts().items() if name != "alembic_version") == 0
    assert stored_files(target) == {}


def test_a_manifest_changed_and_rehashed_is_refused(source, backup_dir, target):
    """Someone swaps an evidence file in the backup and writes its new hash into the manifest: the hashes agree,
    but the manifest's HMAC, under a key kept outside the backup, does not."""
    manifest_path = backup_dir / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    swapped = backup_dir / "evidence" / manifest["evidence"][0]["key"][:2] / manifest["evidence"][0]["key"]
    swapped.write_bytes(b"planted evidence\n")
    manifest["evidence"][0]["sha256"] = sha256_of(swapped)
    manifest_path.write_text(json.dumps(manifest))
    result = restore(target, backup_dir)
    assert result.exit_code == 1
    assert "does not match its signature: it was changed after the backup was made" in result.output
    _nothing_restored(target)


@pytest.mark.parametrize("how", ["signature removed", "another key"])
def test_a_manifest_not_signed_with_this_key_is_refused(source, backup_dir, target, how):
    manifest_path = backup_dir / "manifest.json"
    if how == "signature removed":
        manifest = json.loads(manifest_path.read_text())
        del manifest[SIGNATURE]
        manifest_path.write_text(json.dumps(manifest))
    else:
        target.config["BACKUP_KEY"] = "another key"
    result = restore(target, backup_dir)
    assert result.exit_code == 1
    assert ("is not signed" if how == "signature removed" else "signed with another IPDESK_BACKUP_KEY") \
        in result.output
    _nothing_restored(target)


def test_without_a_backup_key_nothing_is_backed_up(source, tmp_path):
    source.config["BACKUP_KEY"] = None
    result = source.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backup")])
    assert result.exit_code == 1 and "IPDESK_BACKUP_KEY is not set" in result.output
    assert not (tmp_path / "backup").exists()


def test_a_restore_reports_an_append_only_table_left_unguarded(source, target):
    """A backup of a database whose chain of custody lost its guard (a trigger dropped or disabled by hand)
    restores, but `flask restore` says the table is open to rewriting and exits 1."""
    statement = ("ALTER TABLE custody_events DISABLE TRIGGER custody_events_no_change" if IS_POSTGRES
                 else "DROP TRIGGER custody_events_no_delete")
    db.session.execute(sa.text(statement))
    db.session.commit()
    try:
        out = Path(tempfile.mkdtemp(prefix="ipdesk-backup-")) / "backup"
        assert source.test_cli_runner().invoke(args=["backup", "--out", str(out)]).exit_code == 0
    finally:
        if IS_POSTGRES:  # the test database outlives this test
            db.session.execute(sa.text("ALTER TABLE custody_events ENABLE TRIGGER custody_events_no_change"))
            db.session.commit()
    result = restore(target, out)
    assert result.exit_code == 1
    assert "PROBLEM: custody_events: no trigger refuses DELETE (the table is append-only)" in result.output
