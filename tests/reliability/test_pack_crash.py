"""Crashes leave nothing running or stuck: a pack's render processes end with the command or web process that
started them (``kill -9`` included), with their database connections; a job whose process died is marked failed
once its heartbeat is late and is made again from its page; a pack asked for while Redis is down is made anyway."""
import os
import re
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa

from ipdesk.config import PROJECT_ROOT
from ipdesk.extensions import db
from ipdesk.reports.jobs import DEAD_JOB_ERROR
from ipdesk.reports.models import JobStatus, ReportJob
from tests.conftest import IS_POSTGRES, PASSWORD
from tests.factories import make_case
from tests.reliability.server import Browser, csrf_token, gunicorn, wait_for


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def connections(database_url: str) -> int:
    """Connections to the test's database besides the one counting: PostgreSQL backends, or for SQLite the
    processes holding its file open."""
    url = sa.make_url(database_url)
    if IS_POSTGRES:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        with engine.connect() as connection:
            count = connection.execute(sa.text(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()")).scalar()
        engine.dispose()
        return count
    path = os.path.realpath(url.database)
    holders = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and int(entry.name) != os.getpid():
            try:
                if any(os.path.realpath(fd) == path for fd in (entry / "fd").iterdir()):
                    holders.add(entry.name)
            except OSError:
                continue
    return len(holders)


def cases_in_a_few_countries(factories) -> None:
    exporter = factories.exporter()
    for country in ("CN", "TH", "VN", "JP"):
        for _ in range(2):
            make_case("evidence", company=exporter.company, author=exporter, country=country)
    db.session.commit()


def settle_then_kill(parent: int, database_url: str, before: int) -> list[int]:
    """Wait until ``parent``'s render processes are up and connected to the database, kill -9 the parent;
    returns the render processes."""
    workers = wait_for(lambda: children_of(parent), 60, "the render processes")
    wait_for(lambda: connections(database_url) >= before + 2, 60, "a render process's database connection")
    workers = children_of(parent)
    os.kill(parent, signal.SIGKILL)
    return workers


@pytest.mark.pg_once
def test_killing_the_pack_command_ends_its_render_processes_and_their_connections(database_url, app, factories,
                                                                                  tmp_path):
    cases_in_a_few_countries(factories)
    db.session.close()
    db.engine.dispose()
    before = connections(database_url)
    env = {**os.environ, "IPDESK_ENV": "test", "DATABASE_URL": database_url, "REPORT_PROCESSES": "2",
           "FLASK_APP": "wsgi", "EVIDENCE_STORAGE_DIR": app.config["EVIDENCE_STORAGE_DIR"]}
    command = subprocess.Popen([sys.executable, "-m", "flask", "reports", "pack", "--from", "2026-01-01", "--to",
                                "2026-12-31", "--lang", "en", "--out", str(tmp_path / "pack.pdf")],
                               cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        workers = settle_then_kill(command.pid, database_url, before)
        assert command.wait(30) == -signal.SIGKILL
        wait_for(lambda: not any(alive(pid) for pid in workers), 15, f"render processes {workers} to end")
        wait_for(lambda: connections(database_url) <= before, 15, "their database connections to close")
    finally:
        for pid in children_of(command.pid):
            os.kill(pid, signal.SIGKILL)
    assert not (tmp_path / "pack.pdf").exists()


@pytest.mark.pg_once
def test_a_pack_whose_web_process_was_killed_is_marked_failed_and_made_again(database_url, app, factories, tmp_path):
    cases_in_a_few_countries(factories)
    email = factories.manager().email
    db.session.close()
    db.engine.dispose()
    before = connections(database_url)
    with gunicorn(database_url, tmp_path, workers=1, REPORT_PROCESSES="2", REPORT_HEARTBEAT_SECONDS="1",
                  REPORT_JOB_TIMEOUT_SECONDS="5", GUNICORN_CMD_ARGS="--timeout 300") as (base, log):
        manager = Browser(base)
        manager.sign_in(email, PASSWORD)
        _, page = manager.request("GET", "/reports")
        status, _ = manager.request("POST", "/reports/pack", {
            "pack-start": "2026-01-01", "pack-end": "2026-12-31", "pack-lang": "en", "csrf_token": csrf_token(page)})
        assert status == 302
        job_id = db.session.scalar(sa.select(ReportJob.id))
        db.session.close()
        db.engine.dispose()
        served = wait_for(lambda: re.search(r"^<?(\d+)>? POST /reports/pack", log.read_text(), re.M), 10,
                          "the access log")
        web = int(served.group(1))
        workers = settle_then_kill(web, database_url, before + 1)  # + the web process's own
        wait_for(lambda: not any(alive(pid) for pid in workers), 15, f"render processes {workers} to end")
        assert job_state(job_id) == (JobStatus.running, "")  # nobody said otherwise yet
        time.sleep(5)
        status, page = manager.request("GET", f"/reports/jobs/{job_id}")  # served by the new web process
        assert status == 200
        assert job_state(job_id) == (JobStatus.failed, DEAD_JOB_ERROR)
        assert f'action="/reports/jobs/{job_id}/again"' in page
        status, _ = manager.request("POST", f"/reports/jobs/{job_id}/again", {"csrf_token": csrf_token(page)})
        assert status == 302
        again = db.session.scalar(sa.select(ReportJob.id).where(ReportJob.id != job_id))
        wait_for(lambda: job_state(again)[0] is JobStatus.done, 240, "the pack made again")
        status, page = manager.request("GET", f"/reports/jobs/{again}")
        assert status == 200 and f"/reports/jobs/{again}/pack.pdf" in page
        status, pdf = manager.request("GET", f"/reports/jobs/{again}/pack.pdf")
        assert status == 200 and pdf.startswith("%PDF-")


def job_state(job_id: str) -> tuple[JobStatus, str]:
    """The job's status and error as committed now (read in a transaction that ends at once: no lock kept)."""
    state = tuple(db.session.execute(sa.select(ReportJob.status, ReportJob.error).where(ReportJob.id == job_id)).one())
    db.session.rollback()
    return state


@pytest.mark.pg_once
def test_a_pack_asked_for_while_redis_is_down_is_made_by_the_web_process(database_url, factories):
    from tests.conftest import running_app
    from tests.reports.test_country_pack import download, local_packs_finished

    with running_app(database_url, REDIS_URL="redis://127.0.0.1:9/0", REPORT_PROCESSES=1) as app:
        manager = factories.manager()
        make_case("evidence", country="TH")
        client = app.test_client()
        assert client.post("/login", data={"email": manager.email, "password": PASSWORD}).status_code == 302
        response = client.post("/reports/pack", data={"pack-start": "2026-01-01", "pack-end": "2026-12-31",
                                                      "pack-lang": "ko"})
        assert response.status_code == 302
        job_id = response.headers["Location"].rsplit("/", 1)[1]
        assert db.session.scalar(sa.select(ReportJob.backend).where(ReportJob.id == job_id)) == "local"
        db.session.rollback()
        wait_for(lambda: job_state(job_id)[0] is JobStatus.done, 240, "the pack")
        assert client.get(f"/reports/jobs/{job_id}").status_code == 200
        assert download(client, f"/reports/jobs/{job_id}/pack.pdf").data.startswith(b"%PDF-")
        local_packs_finished()


@pytest.mark.parametrize("status", [JobStatus.queued, JobStatus.running])
def test_a_live_job_is_never_marked_failed(app, factories, client, login, status):
    manager = factories.manager()
    job = ReportJob(lang="en", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), status=status,
                    requested_by_id=manager.id, backend="rq")
    db.session.add(job)
    db.session.commit()
    login(client, manager)
    assert client.get(f"/reports/jobs/{job.id}").status_code == 200
    db.session.refresh(job)
    assert job.status is status  # its heartbeat is fresh
