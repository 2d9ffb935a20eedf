"""Concurrency through a real gunicorn: 50 stage moves on one case released together from a pool of client
processes (one wins, the rest get 409, no 500, no lost update), and concurrent intakes never share a reference."""
import time
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Case, Stage, StageChange
from ipdesk.extensions import db
from tests.conftest import PASSWORD
from tests.factories import make_case
from tests.reliability.server import Browser, csrf_token, fire, gunicorn

PROCESSES = 5


def _release_together(base: str, cookie: str, requests: list, processes: int = PROCESSES) -> list[int]:
    start_at = time.time() + 2.0  # every client process is up and waiting by then
    per = len(requests) // processes
    batches = [requests[i * per:(i + 1) * per] for i in range(processes)]
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn")) as pool:
        results = pool.map(fire, [base] * processes, [cookie] * processes, [start_at] * processes, batches)
    return [status for batch in results for status in batch]


@pytest.mark.pg_once
def test_fifty_concurrent_moves_one_wins(database_url, app, factories, tmp_path):
    exporter = factories.exporter()
    case = make_case("intake", company=exporter.company, author=exporter, country="CN")
    officer = factories.staff(hub_codes=("cn-north",))
    case_id, version, email = case.id, case.version, officer.email
    db.session.close()  # outside a request the test's session would hold SQLite's write lock
    with gunicorn(database_url, tmp_path) as (base, log):
        browser = Browser(base)
        browser.sign_in(email, PASSWORD)
        _, page = browser.request("GET", f"/cases/{case_id}")
        token = csrf_token(page)
        move = ("POST", f"/cases/{case_id}/move", {"transition": "accept", "version": str(version),
                                                   "csrf_token": token})
        statuses = _release_together(base, browser.session_cookie(), [move] * 50)
    assert sorted(set(statuses)) == [302, 409], statuses
    assert statuses.count(302) == 1 and statuses.count(409) == 49
    db.session.expire_all()
    stored = db.session.get(Case, case_id)
    assert stored.stage is Stage.evidence and stored.version == version + 1
    moves = db.session.scalars(sa.select(StageChange).where(StageChange.case_id == case_id,
                                                            StageChange.transition == "accept")).all()
    assert len(moves) == 1  # no lost, no doubled update
    pids = {line.split()[0] for line in log.read_text().splitlines() if "/move" in line}
    assert len(pids) >= 2  # the moves really went through several worker processes


@pytest.mark.pg_once
def test_concurrent_intakes_never_share_a_reference(database_url, app, factories, tmp_path):
    emails = [factories.exporter().email for _ in range(2)]
    db.session.close()
    with gunicorn(database_url, tmp_path) as (base, _log):
        requests = []
        cookies = []
        for email in emails:
            browser = Browser(base)
            browser.sign_in(email, PASSWORD)
            _, page = browser.request("GET", "/cases/new")
            cookies.append(browser.session_cookie())
            requests.append(("POST", "/cases/new", {
                "csrf_token": csrf_token(page), "title": "Counterfeit serum", "country_code": "CN",
                "sector": "beauty", "ip_right": "trademark", "dispute_type": "counterfeit",
                "found_where": "Taobao", "description": "Fake serum", "first_noticed_on": "2026-11-01",
                "urgency": "normal", "submit": "y"}))
        start_at = time.time() + 2.0
        with ProcessPoolExecutor(max_workers=4, mp_context=get_context("spawn")) as pool:
            futures = [pool.submit(fire, base, cookies[i % 2], start_at, [requests[i % 2]] * 10) for i in range(4)]
            statuses = [status for future in futures for status in future.result()]
    assert statuses == [302] * 40
    references = db.session.scalars(sa.select(Case.reference)).all()
    assert len(references) == 40 and len(set(references)) == 40
    numbers = sorted(int(ref.rsplit("-", 1)[1]) for ref in references)
    assert numbers == list(range(numbers[0], numbers[0] + 40))  # no gaps either
