"""A worker killed in the middle of an upload: what it leaves, what `flask evidence verify` reports
and what `--repair` may remove (abandoned temporary files, nothing else)."""
import hashlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipdesk.config import PROJECT_ROOT
from ipdesk.evidence.models import EvidenceFile, EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from tests.factories import make_case, make_evidence_file

# A worker: an app on the test's database and storage, uploading a file whose stream stalls (the
# client is slow), or storing it and then stalling before the transaction commits.
WORKER = textwrap.dedent("""
    import sys, time
    from werkzeug.datastructures import FileStorage
    from ipdesk import create_app
    from ipdesk.extensions import db

    database, storage, moment, item_id, user_id = sys.argv[1:]
    app = create_app({"SQLALCHEMY_DATABASE_URI": database, "EVIDENCE_STORAGE_DIR": storage,
                      "SERVER_NAME": "ipdesk.test"})

    import io, pikepdf
    pdf = pikepdf.new()
    pdf.add_blank_page()
    pdf.pages[0].Contents = pdf.make_stream(b"%" + b"x" * (2 << 20) + b"\\n")  # a real PDF of 2 MB
    whole = io.BytesIO()
    pdf.save(whole, compress_streams=False)

    class SlowUpload:
        parts = [whole.getvalue()[:1 << 20], whole.getvalue()[1 << 20:]]

        def read(self, size=-1):
            if self.parts:
                return self.parts.pop(0)
            if moment == "while streaming":
                print("streaming", flush=True)
                time.sleep(600)  # the client stalls; the worker is killed here
            return b""

    with app.test_request_context("/", method="POST"):
        from ipdesk.auth.models import User
        from ipdesk.evidence.models import EvidenceItem
        from ipdesk.evidence.services import attach_files
        item, user = db.session.get(EvidenceItem, int(item_id)), db.session.get(User, int(user_id))
        upload = FileStorage(SlowUpload(), filename="receipt.pdf")
        files = attach_files(item, [upload], user)
        print("stored", files[0].storage_key, flush=True)
        time.sleep(600)  # killed before the request commits
""")


@pytest.fixture
def item(app, factories):
    officer = factories.staff()
    case = make_case("evidence")
    kept = make_evidence_file(case, officer, b"a file that has its row\n")
    item = EvidenceItem(case_id=case.id, kind=EvidenceKind.document, description="receipt", created_by_id=officer.id)
    db.session.add(item)
    db.session.commit()
    return item, officer, kept


def kill_worker_at(app, item, moment: str) -> str:
    """Start the worker, wait for ``moment``, kill -9 it; returns the line it printed there."""
    evidence_item, officer, _kept = item
    ids = [str(evidence_item.id), str(officer.id)]
    db.session.commit()  # and no transaction of ours while the worker writes (SQLite)
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, app.config["SQLALCHEMY_DATABASE_URI"], app.config["EVIDENCE_STORAGE_DIR"],
         moment, *ids],
        cwd=PROJECT_ROOT, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "IPDESK_ENV": "test", "SECRET_KEY": "test-secret-key"})
    try:
        line = worker.stdout.readline()
        assert line, "the worker ended before the moment it was to be killed at"
        os.kill(worker.pid, signal.SIGKILL)
        assert worker.wait(30) == -signal.SIGKILL
    finally:
        worker.stdout.close()
        if worker.poll() is None:
            worker.kill()
    return line


def verify(app, *args):
    db.session.commit()
    return app.test_cli_runner().invoke(args=["evidence", "verify", *args])


def age(path: Path, minutes: int) -> None:
    then = time.time() - minutes * 60
    os.utime(path, (then, then))


def test_killed_while_streaming_leaves_only_a_temporary_file(app, item):
    kill_worker_at(app, item, "while streaming")
    root = Path(app.config["EVIDENCE_STORAGE_DIR"])
    leftovers = list(root.glob(".incoming-*"))
    assert len(leftovers) == 1 and leftovers[0].stat().st_size >= 1 << 20  # part of the file, under no key
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 1  # only the kept one
    result = verify(app)
    assert result.exit_code == 0, result.output  # recent: it could be an upload still running
    assert f"IN PROGRESS: unfinished upload {leftovers[0].name}" in result.output
    age(leftovers[0], 61)
    result = verify(app)
    assert result.exit_code == 1
    assert f"ABANDONED: unfinished upload {leftovers[0].name} that stopped 61 min ago" in result.output
    result = verify(app, "--repair", "--older-than", "90")  # not old enough for this limit
    assert "IN PROGRESS" in result.output and "0 of them removed" in result.output
    assert leftovers[0].exists()
    result = verify(app, "--repair")
    assert result.exit_code == 0, result.output
    assert "REMOVED: unfinished upload" in result.output and "1 abandoned, 1 of them removed" in result.output
    assert not leftovers[0].exists()
    assert "1 ok, 0 mismatched, 0 missing; 0 stored without a row" in verify(app).output


def test_killed_after_storing_leaves_a_file_without_a_row_that_repair_removes_after_the_grace(app, item):
    _item, _officer, kept = item
    line = kill_worker_at(app, item, "after storing")
    key = line.split()[1]
    root = Path(app.config["EVIDENCE_STORAGE_DIR"])
    stored = root / key[:2] / key
    assert stored.is_file() and not list(root.glob(".incoming-*"))
    db.session.expire_all()
    assert db.session.scalars(sa.select(EvidenceFile.storage_key)).all() == [kept.storage_key]  # rolled back
    kept_path = root / kept.storage_key[:2] / kept.storage_key
    age(kept_path, 48 * 60)
    age(stored, 23 * 60)  # within EVIDENCE_STAGED_HOURS (24): it could be an upload whose request is still running
    for args in ((), ("--repair", "--older-than", "1")):
        result = verify(app, *args)
        assert result.exit_code == 1
        assert f"NO ROW: stored file {key} belongs to no evidence file" in result.output
        assert "23 h old; --repair deletes it after 24 h" in result.output
        assert "1 ok, 0 mismatched, 0 missing; 1 stored without a row" in result.output
    assert stored.is_file()
    age(stored, 25 * 60)
    result = verify(app)
    assert result.exit_code == 1 and f"NO ROW: stored file {key}" in result.output and stored.is_file()
    result = verify(app, "--repair")
    assert result.exit_code == 0, result.output
    assert f"REMOVED: stored file {key} without a row (25 h old)" in result.output
    assert "1 stored without a row, 1 of them removed" in result.output
    assert not stored.exists()
    # the file with its row is never touched, its hash never rewritten
    assert kept_path.read_bytes() == b"a file that has its row\n"
    db.session.refresh(kept)
    assert kept.sha256 == hashlib.sha256(b"a file that has its row\n").hexdigest()
    assert "1 ok, 0 mismatched, 0 missing; 0 stored without a row" in verify(app).output
