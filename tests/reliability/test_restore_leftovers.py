"""What a restore leaves in the evidence storage: files a forced restore kept (no row names them any more) and the
partial file of a restore killed while copying are reported by `flask evidence verify`, and removed by `--repair`
once past their grace period; the files the restored rows name are never touched."""
import hashlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import sqlalchemy as sa

from ipdesk.config import PROJECT_ROOT
from ipdesk.evidence.models import EvidenceFile
from ipdesk.extensions import db
from tests.factories import make_case, make_evidence_file
from tests.reliability.test_interrupted_upload import age, verify


def stored_path(app, key: str) -> Path:
    return Path(app.config["EVIDENCE_STORAGE_DIR"]) / key[:2] / key


def test_files_a_forced_restore_kept_are_reported_then_removed_after_the_grace(app, factories, tmp_path):
    officer = factories.staff()
    case = make_case("evidence")
    kept = make_evidence_file(case, officer, b"in the backup\n")
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backup")]).exit_code == 0
    later = make_evidence_file(case, officer, b"added after the backup\n")
    db.session.commit()
    kept_key, later_key = kept.storage_key, later.storage_key
    db.session.close()
    result = app.test_cli_runner().invoke(args=["restore", "--from", str(tmp_path / "backup"), "--force"])
    assert result.exit_code == 0, result.output
    assert db.session.scalars(sa.select(EvidenceFile.storage_key)).all() == [kept_key]
    assert stored_path(app, later_key).is_file()  # the storage kept it; no row names it now

    result = verify(app, "--repair")
    assert result.exit_code == 1
    assert f"NO ROW: stored file {later_key} belongs to no evidence file" in result.output
    assert stored_path(app, later_key).is_file()  # too recent: it could be an upload whose request is running
    age(stored_path(app, later_key), 25 * 60)
    age(stored_path(app, kept_key), 25 * 60)
    result = verify(app, "--repair")
    assert result.exit_code == 0, result.output
    assert f"REMOVED: stored file {later_key} without a row" in result.output
    assert not stored_path(app, later_key).exists()
    assert stored_path(app, kept_key).read_bytes() == b"in the backup\n"
    assert "1 ok, 0 mismatched, 0 missing; 0 stored without a row" in verify(app).output


def test_the_partial_file_of_a_killed_restore_is_reported_then_removed(app, factories, tmp_path):
    officer = factories.staff()
    case = make_case("evidence")
    large = make_evidence_file(case, officer, b"made large below\n", name="video.txt")
    path = stored_path(app, large.storage_key)
    os.truncate(path, 300 * 1024 * 1024)  # sparse: long enough to copy that the restore is killed in the middle
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    large.sha256, large.size = digest.hexdigest(), path.stat().st_size
    db.session.commit()
    assert app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backup")]).exit_code == 0
    database_url = app.config["SQLALCHEMY_DATABASE_URI"]
    storage = Path(app.config["EVIDENCE_STORAGE_DIR"])
    db.session.close()
    db.engine.dispose()
    env = {**os.environ, "IPDESK_ENV": "test", "DATABASE_URL": database_url, "EVIDENCE_STORAGE_DIR": str(storage),
           "FLASK_APP": "wsgi"}
    restore = subprocess.Popen([sys.executable, "-m", "flask", "restore", "--from", str(tmp_path / "backup"),
                                "--force"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while not any(p.stat().st_size for p in storage.glob(".incoming-*")):
        assert restore.poll() is None and time.monotonic() < deadline, "the restore ended before it was killed"
        time.sleep(0.005)
    os.kill(restore.pid, signal.SIGKILL)
    assert restore.wait(30) == -signal.SIGKILL
    (partial,) = storage.glob(".incoming-*")
    assert 0 < partial.stat().st_size < 300 * 1024 * 1024

    result = verify(app)
    assert f"IN PROGRESS: unfinished upload {partial.name}" in result.output  # it could be a restore still running
    age(partial, 61)
    result = verify(app)
    assert result.exit_code == 1 and f"ABANDONED: unfinished upload {partial.name}" in result.output
    result = verify(app, "--repair")
    assert f"REMOVED: unfinished upload {partial.name} of an abandoned upload or restore" in result.output
    assert result.exit_code == 0, result.output
    assert not partial.exists() and path.stat().st_size == 300 * 1024 * 1024  # the file in place is untouched
