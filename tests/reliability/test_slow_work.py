"""Nothing slow holds the database's write lock: while a large case file and a country summary render, an
all-country pack is made and `flask evidence verify` re-hashes, another person signs in, reads pages and posts a
message, through a real gunicorn on SQLite (where one writer at a time holds the lock); and a write that does wait
too long gets the app's own page in the reader's language, with what they typed kept to send again."""
import html
import os
import re
import sqlite3
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipdesk.audit.chain import LOCK_KEY
from ipdesk.auth.models import UserSession
from ipdesk.cases.models import Message
from ipdesk.config import PROJECT_ROOT
from ipdesk.core.db import utcnow
from ipdesk.evidence.models import CustodyEvent, CustodyKind
from ipdesk.extensions import db
from tests import factories
from tests.conftest import IS_POSTGRES, PASSWORD, running_app
from tests.factories import make_case, make_evidence_file
from tests.reliability.server import Browser, csrf_token, gunicorn

BUSY_MS = 2000  # a writer waits this long for the lock: far longer than any short transaction, far shorter than
# the slow work below (a 300-message case file renders in 5 s or more; re-hashing half a gigabyte takes longer)


def flask(database_url: str, storage: str, *args: str) -> subprocess.Popen:
    env = {**os.environ, "IPDESK_ENV": "test", "DATABASE_URL": database_url, "EVIDENCE_STORAGE_DIR": storage,
           "SQLITE_BUSY_TIMEOUT_MS": str(BUSY_MS), "REPORT_PROCESSES": "1", "FLASK_APP": "wsgi"}
    env.pop("REDIS_URL", None)
    return subprocess.Popen([sys.executable, "-m", "flask", *args], cwd=PROJECT_ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


class Timed(threading.Thread):
    """A request in a thread of its own, with its status and the moment it ended."""

    def __init__(self, browser: Browser, path: str, method: str = "GET", data: dict | None = None):
        super().__init__(daemon=True)
        self.browser, self.path, self.method, self.data = browser, path, method, data
        self.status, self.ended = None, None

    def run(self):
        self.status, _ = self.browser.request(self.method, self.path, self.data)
        self.ended = time.monotonic()


@pytest.mark.skipif(IS_POSTGRES, reason="PostgreSQL writers never wait for readers; SQLite's one write lock is "
                                        "what slow work held")
def test_people_keep_working_while_documents_render_a_pack_runs_and_verify_rehashes(database_url, app, tmp_path):
    exporter, officer, manager = factories.exporter(), factories.staff(hub_codes=("cn-north",)), factories.manager()
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    db.session.add_all(Message(case_id=case.id, author_id=exporter.id,
                               body=f"Listing {n}: the seller moved the counterfeit serum to a new shop. " * 8)
                       for n in range(300))
    large = make_evidence_file(case, officer, b"replaced below by half a gigabyte\n", name="video.txt")
    make_evidence_file(case, officer, b"a small file that still matches\n")
    make_case("intake", company=exporter.company, author=exporter, country="TH")
    db.session.commit()
    storage = app.config["EVIDENCE_STORAGE_DIR"]
    stored = Path(storage) / large.storage_key[:2] / large.storage_key
    os.truncate(stored, 512 * 1024 * 1024)  # sparse: slow to hash, free on disk; it no longer matches its hash
    case_id, large_id, emails = case.id, large.id, (exporter.email, officer.email, manager.email)
    db.session.close()

    with gunicorn(database_url, tmp_path, workers=7, EVIDENCE_STORAGE_DIR=storage,
                  SQLITE_BUSY_TIMEOUT_MS=str(BUSY_MS), REPORT_PROCESSES="1",
                  GUNICORN_CMD_ARGS="--timeout 300") as (base, _log):
        staff_browser, manager_browser, person = Browser(base), Browser(base), Browser(base)
        staff_browser.sign_in(emails[1], PASSWORD)
        manager_browser.sign_in(emails[2], PASSWORD)
        # the evidence pages re-hash too: a download checks its file, a bundle each file it copies in, and the
        # case page's check all of them (each reads the half gigabyte)
        evidence_browser = Browser(base)
        evidence_browser.sign_in(emails[1], PASSWORD)
        token = csrf_token(evidence_browser.request("GET", f"/cases/{case_id}")[1])
        download = Timed(evidence_browser, f"/cases/{case_id}/evidence/files/{large_id}")
        bundle = Timed(evidence_browser, f"/cases/{case_id}/evidence/bundle", "POST", {"csrf_token": token})
        check = Timed(evidence_browser, f"/cases/{case_id}/evidence/verify", "POST", {"csrf_token": token})

        case_file = Timed(staff_browser, f"/cases/{case_id}/case-file.pdf")
        summary = Timed(manager_browser, "/reports/country-summary.pdf?country=CN&start=2026-01-01&end=2026-12-31"
                                         "&lang=en")
        verify = flask(database_url, storage, "evidence", "verify")
        pack = flask(database_url, storage, "reports", "pack", "--from", "2026-01-01", "--to", "2026-12-31",
                     "--lang", "en", "--out", str(tmp_path / "pack.pdf"))
        for slow in (case_file, summary, download, bundle, check):
            slow.start()
        time.sleep(1.5)  # everything slow is under way

        statuses, page = {}, ""
        visit_started = time.monotonic()
        for name, method, path, data in (
                ("sign-in page", "GET", "/login", None),
                ("sign-in", "POST", "/login", {"email": emails[0], "password": PASSWORD}),
                ("case list", "GET", "/cases", None),
                ("case page", "GET", f"/cases/{case_id}", None),
                ("message", "POST", f"/cases/{case_id}/messages", {"body": "Is there any news from the platform?"}),
                ("home", "GET", "/", None)):
            if method == "POST" and 'name="csrf_token"' in page:  # (a failed page has no form)
                data = {**data, "csrf_token": csrf_token(page)}
            statuses[name], page = person.request(method, path, data)
        people_done = time.monotonic()
        verify_running = verify.poll() is None
        for slow in (case_file, summary, download, bundle, check):
            slow.join(300)
        verify_output, _ = verify.communicate(timeout=300)
        pack_output, _ = pack.communicate(timeout=300)

    assert statuses == {"sign-in page": 200, "sign-in": 302, "case list": 200, "case page": 200, "message": 302,
                        "home": 200}, statuses
    # it overlapped for real: the case file was still rendering and verify still hashing when the person was done
    assert case_file.ended > people_done and verify_running
    assert case_file.status == 200 and summary.status == 200
    # the file no longer matches: not served, no bundle made, the check says so (each sent back to the case page)
    assert (download.status, bundle.status, check.status) == (409, 302, 302)
    # hashing half a gigabyte for the bundle was still going on when the person began (how long after that it ended
    # depends on the machine: on a fast one it ends halfway through the visit)
    assert bundle.ended > visit_started
    assert verify.returncode == 1 and f"MISMATCH: file {large_id} of case {case_id}" in verify_output, verify_output
    assert "1 ok, 1 mismatched, 0 missing" in verify_output
    assert pack.returncode == 0, pack_output
    assert (tmp_path / "pack.pdf").read_bytes().startswith(b"%PDF-")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Message).where(
        Message.body == "Is there any news from the platform?")) == 1
    assert db.session.scalar(sa.select(CustodyEvent.kind).where(CustodyEvent.file_id == large_id)
                             .order_by(CustodyEvent.id.desc()).limit(1)) is CustodyKind.mismatch


@contextmanager
def database_locked(app):
    """Another process's writer holds what a request's write needs: SQLite's write lock, or on PostgreSQL the
    audit chain's lock that every committing change takes."""
    url = sa.make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    if IS_POSTGRES:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as holder:
            holder.execute(sa.select(sa.func.pg_advisory_lock(LOCK_KEY)))
            try:
                yield
            finally:
                holder.execute(sa.select(sa.func.pg_advisory_unlock(LOCK_KEY)))
        engine.dispose()
    else:
        holder = sqlite3.connect(url.database, isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")
        try:
            yield
        finally:
            holder.execute("ROLLBACK")
            holder.close()


def test_a_write_that_waits_too_long_gets_the_busy_page_in_korean_with_what_was_typed(database_url, tmp_path):
    typed = "플랫폼에서 답이 왔나요? The seller opened a new shop."
    with running_app(database_url, SQLITE_BUSY_TIMEOUT_MS=300, POSTGRES_LOCK_TIMEOUT_MS=300) as app:
        exporter = factories.exporter()
        case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
        client = app.test_client()
        assert client.post("/login", data={"email": exporter.email, "password": PASSWORD}).status_code == 302
        case_id = case.id
        # the session's "last seen" is due to be written: the busy page must not wait for the lock to write it
        db.session.execute(sa.update(UserSession).values(last_seen_at=utcnow() - timedelta(minutes=5)))
        db.session.commit()
        db.session.close()  # the test's own session holds nothing while another writer does
        with database_locked(app):
            response = client.post(f"/cases/{case_id}/messages", data={"body": typed},
                                   headers={"Accept-Language": "ko"})
        page = response.get_data(as_text=True)
        assert response.status_code == 503, page
        assert response.headers["Retry-After"] == "5"
        assert "처리 중" in page and "아무것도 저장되지 않았습니다" in page  # the app's page, in the reader's language
        assert html.escape(typed, quote=False) in page  # shown, to copy
        fields = {html.unescape(name): html.unescape(value)
                  for name, value in re.findall(r'<input type="hidden" name="([^"]*)" value="([^"]*)">', page)}
        assert fields["body"] == typed and "csrf_token" in fields
        assert f'action="/cases/{case_id}/messages"' in page
        saved = sa.select(sa.func.count()).select_from(Message).where(Message.body == typed)
        assert db.session.scalar(saved) == 0  # nothing of it was kept
        again = client.post(f"/cases/{case_id}/messages", data=fields)  # "Send again", the lock gone
        assert again.status_code == 302
        assert db.session.scalar(saved) == 1


@pytest.mark.skipif(IS_POSTGRES, reason="PostgreSQL writers never wait for one another's uploads; SQLite's one "
                                        "write lock is what an upload's check held")
def test_an_upload_is_checked_and_stored_while_other_people_write(database_url, monkeypatch):
    """A file is hashed, stored and checked with no transaction open: while its check runs, another person can
    take the write lock at once; the upload's own writes come after, and the item is filed."""
    from ipdesk.evidence import staging
    from ipdesk.evidence.models import EvidenceFile
    from tests.evidence.test_uploads import multipart

    content = b"Listing 1234: the counterfeit serum is sold at half price.\n" * (8 * 1024 * 1024 // 60)
    with running_app(database_url, SQLITE_BUSY_TIMEOUT_MS=30000) as app:
        officer = factories.staff(hub_codes=("cn-north",))
        case = make_case("evidence")
        db.session.commit()
        case_id = case.id
        client = app.test_client()
        assert client.post("/login", data={"email": officer.email, "password": PASSWORD}).status_code == 302
        db.session.close()

        another_writer = sqlite3.connect(sa.make_url(database_url).database, timeout=0, isolation_level=None)
        lock_free_during_check = []
        check = staging.accept_uploads

        def checked_while_someone_writes(uploads):
            outcomes = check(uploads)  # the file is stored and hashed; the request has not yet written its item
            try:
                another_writer.execute("BEGIN IMMEDIATE")  # what another person's message needs, this instant
                another_writer.execute("ROLLBACK")
                lock_free_during_check.append(True)
            except sqlite3.OperationalError:  # "database is locked": the upload's request holds the lock
                lock_free_during_check.append(False)
            return outcomes

        monkeypatch.setattr(staging, "accept_uploads", checked_while_someone_writes)
        response = client.post(f"/cases/{case_id}/evidence",
                               **multipart({"kind": "document", "description": "Seller's page"},
                                           [("listing.txt", content)]))
        another_writer.close()
        assert response.status_code == 302, response.get_data(as_text=True)
        assert lock_free_during_check == [True]
        filed = db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.case_id == case_id)).one()
        assert filed.original_name == "listing.txt" and filed.size == len(content)
