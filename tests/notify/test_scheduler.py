"""Reminders without cron: web processes and ``flask notify worker`` add deadline reminders and digests every
``NOTIFY_DUE_MINUTES`` by themselves, once per tick however many processes schedule them, never twice at a
time; with 0, nothing is scheduled and cron's ``flask notify due`` does it."""
import itertools
import threading
import time
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from ipdesk.config import Config
from ipdesk.core import periodic
from ipdesk.core.db import utcnow
from ipdesk.core.periodic import PeriodicRun, claim, release, tick_of
from ipdesk.deadlines.models import Deadline, DeadlineSource
from ipdesk.extensions import db
from ipdesk.notify import scheduler as scheduler_module
from ipdesk.notify.models import Notification, NotificationKind
from ipdesk.notify.scheduler import LEASE, TASK, add_due_notifications, due_scheduler
from tests.conftest import make_app, running_app
from tests.factories import make_case
from tests.notify.conftest import mail_settings


def _seconds(seconds: float) -> float:
    """``NOTIFY_DUE_MINUTES`` for a tick of ``seconds`` (the tests tick far faster than anyone would)."""
    return seconds / 60


def _scheduler_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "APScheduler" or t.name.startswith("ipdesk-due")]


def _reminders() -> list[Notification]:
    db.session.commit()  # a fresh look at what the scheduler wrote
    # read as a GET would: outside a request SQLite begins for writing, and a poll holding the write lock
    # would race the scheduler it watches
    with current_app.test_request_context():
        return db.session.scalars(sa.select(Notification).where(Notification.kind == NotificationKind.deadline)
                                  .order_by(Notification.id)).all()


def _wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def _case_with_a_deadline_tomorrow(factories):
    exporter = factories.exporter(locale="en", email="alice@areum.example", timezone="UTC")
    case = make_case("evidence", company=exporter.company, author=exporter)
    db.session.add(Deadline(case_id=case.id, what="Opposition at CNIPA", due_on=utcnow().date() + timedelta(days=1),
                            source=DeadlineSource.manual, created_by_id=exporter.id))
    db.session.commit()
    return case


def test_a_reminder_reaches_the_outbox_without_anyone_running_notify_due(database_url, smtp_server, factories):
    with running_app(database_url, **mail_settings(smtp_server), NOTIFY_DUE_MINUTES=_seconds(0.5)) as app:
        case = _case_with_a_deadline_tomorrow(factories)
        assert _scheduler_threads() == []  # made, but not started: no request yet
        assert app.test_client().get("/healthz").status_code == 200  # a web process starts it with its first request
        try:
            _wait_for(lambda: _reminders())
            (reminder,) = _reminders()
            assert reminder.subject == f"Case {case.reference}: a deadline is coming up"
            assert reminder.email_to == "alice@areum.example"
            with current_app.test_request_context():
                def finished():  # the run lets go of the task just after its reminders are committed
                    db.session.expire_all()
                    run = db.session.get(PeriodicRun, TASK)
                    db.session.rollback()
                    return run is not None and run.finished_at is not None

                _wait_for(finished)
                assert db.session.get(PeriodicRun, TASK).tick_at <= utcnow()
        finally:
            due_scheduler(app).stop()
        assert _scheduler_threads() == []  # stopped cleanly, its threads ended


def test_nothing_is_scheduled_when_it_is_set_to_0(database_url, smtp_server, factories):
    with running_app(database_url, **mail_settings(smtp_server), NOTIFY_DUE_MINUTES=0) as app:
        _case_with_a_deadline_tomorrow(factories)
        assert app.test_client().get("/healthz").status_code == 200
        time.sleep(0.3)
        assert due_scheduler(app) is None and "ipdesk_due_scheduler" not in app.extensions
        assert _scheduler_threads() == [] and _reminders() == []
        # cron's turn
        assert "1 deadline reminders" in app.test_cli_runner().invoke(args=["notify", "due"]).output


@pytest.mark.db_independent
def test_the_scheduler_is_on_by_default_every_5_minutes(monkeypatch):
    monkeypatch.delenv("NOTIFY_DUE_MINUTES", raising=False)
    assert Config().NOTIFY_DUE_MINUTES == 5
    monkeypatch.setenv("NOTIFY_DUE_MINUTES", "0")
    assert Config().NOTIFY_DUE_MINUTES == 0


def test_commands_never_start_it(database_url, smtp_server):
    with running_app(database_url, **mail_settings(smtp_server), NOTIFY_DUE_MINUTES=5) as app:
        runner = app.test_cli_runner()
        for command in (["seed-network"], ["notify", "due"], ["notify", "send"]):
            assert runner.invoke(args=command).exit_code == 0
        assert "ipdesk_due_scheduler" not in app.extensions and _scheduler_threads() == []


def _record_runs(monkeypatch, slow_first: float, usual: float) -> tuple[list, list]:
    """Record who ran the reminders, for which tick, from when to when; and who claimed which tick, with what luck."""
    runs = []
    real_claim = periodic.claim

    def recording_claim(name, tick, lease):
        token = real_claim(name, tick, lease)
        if name == TASK:  # not the tallies' fold, a task of its own that each tick also claims
            claims.append((id(current_app._get_current_object()), tick, token is not None))
        return token

    def slow_reminders(now):
        started = time.monotonic()
        time.sleep(slow_first if not runs else usual)
        runs.append((id(current_app._get_current_object()), tick_of(now, interval), started, time.monotonic()))
        return 0

    claims = []
    interval = timedelta(seconds=0.5)
    monkeypatch.setattr(periodic, "claim", recording_claim)
    monkeypatch.setitem(scheduler_module.DUE_WORK, "deadline reminders", slow_reminders)
    return runs, claims


def test_two_processes_run_it_once_per_tick_and_never_at_the_same_time(app, database_url, monkeypatch):
    """Two schedulers on one database, as two gunicorn workers, or a web process and `flask notify worker`,
    each with its own connections. The first run outlasts a tick: that tick is skipped by both."""
    runs, claims = _record_runs(monkeypatch, slow_first=0.8, usual=0.1)
    apps = [make_app(database_url, NOTIFY_DUE_MINUTES=_seconds(0.5)) for _ in range(2)]
    schedulers = [due_scheduler(each) for each in apps]
    try:
        _wait_for(lambda: len(runs) >= 4)
    finally:
        for each in schedulers:
            each.stop()
        for each in apps:
            with each.app_context():
                db.engine.dispose()
    ordered = sorted(runs, key=lambda run: run[2])
    for before, after in itertools.pairwise(ordered):
        assert before[3] <= after[2], "two runs at the same time"
    ticks = [run[1] for run in runs]
    assert len(ticks) == len(set(ticks)), "a tick ran twice"
    tries = {}
    for who, tick, won in claims:
        tries.setdefault(tick, []).append((who, won))
    assert all(sum(won for _who, won in each) <= 1 for each in tries.values())
    together = [tick for tick, each in tries.items() if {who for who, _won in each} == {id(a) for a in apps}]
    assert len(together) >= 2  # both schedulers ticked at the same moments, and one of them ran each tick
    during_first = ordered[0][1] + timedelta(seconds=0.5)
    assert tries[during_first] and not any(won for _who, won in tries[during_first])  # tried, refused


def test_a_claim_is_won_by_one_of_many_at_once(app, database_url):
    """Each contender has its own app and connections; a barrier releases their claims together."""
    contenders = 6
    apps = [make_app(database_url) for _ in range(contenders)]
    barrier = threading.Barrier(contenders)
    tick = tick_of(utcnow(), timedelta(minutes=5))
    tokens = []

    def contend(each):
        with each.app_context():
            barrier.wait()
            tokens.append(claim(TASK, tick, LEASE))
            db.session.remove()
            db.engine.dispose()

    threads = [threading.Thread(target=contend, args=(each,)) for each in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert len(tokens) == contenders and len([t for t in tokens if t]) == 1


def test_a_run_holds_the_task_until_it_ends_or_its_lease_lapses(app):
    start = tick_of(utcnow(), timedelta(minutes=5))
    token = claim(TASK, start, LEASE)
    assert token is not None
    assert claim(TASK, start, LEASE) is None  # the same tick
    assert claim(TASK, start + timedelta(minutes=5), LEASE) is None  # a later tick, while the first still runs
    release(TASK, token)
    assert claim(TASK, start, LEASE) is None  # a tick already run does not run again
    # a run whose holder died: its lease lapses (made so by a lease that ends before it began)
    assert claim(TASK, start + timedelta(minutes=5), timedelta(seconds=-1)) is not None
    assert claim(TASK, start + timedelta(minutes=10), LEASE) is not None


def test_cron_and_the_scheduler_never_add_reminders_at_the_same_time(app, factories):
    _case_with_a_deadline_tomorrow(factories)
    token = claim(TASK, utcnow(), LEASE)  # a scheduler's run in progress
    runner = app.test_cli_runner()
    busy = runner.invoke(args=["notify", "due"])
    assert busy.exit_code == 0 and "Another process is adding reminders" in busy.output
    assert _reminders() == []
    release(TASK, token)
    assert "1 deadline reminders" in runner.invoke(args=["notify", "due"]).output
    assert set(add_due_notifications(utcnow()).values()) == {0}  # a later tick: it runs, and adds nothing twice


def test_the_notify_worker_schedules_them_while_it_runs(database_url, smtp_server, monkeypatch):
    """In production `flask notify worker` is always up, so reminders go out while nobody uses the site."""
    from ipdesk import cli

    seen = []

    class Worker:  # RQ's worker, up until it is stopped
        def __init__(self, queues, connection):
            pass

        def work(self, burst=False):
            seen.append((burst, [t.name for t in _scheduler_threads()]))

    monkeypatch.setattr(cli, "Worker", Worker)
    with running_app(database_url, **mail_settings(smtp_server), NOTIFY_DUE_MINUTES=5,
                     REDIS_URL="redis://127.0.0.1:9/0", NOTIFY_SENDER="rq") as app:
        runner = app.test_cli_runner()
        assert runner.invoke(args=["notify", "worker"]).exit_code == 0
        assert seen == [(False, ["APScheduler"])]  # its scheduler runs while the worker works
        assert not due_scheduler(app).scheduler.running and _scheduler_threads() == []  # stopped with the worker
        app.extensions.pop("ipdesk_due_scheduler")
        assert runner.invoke(args=["notify", "worker", "--burst"]).exit_code == 0  # a burst is no long-lived process
        assert seen[1] == (True, []) and "ipdesk_due_scheduler" not in app.extensions


def test_with_redis_each_tick_also_hands_retries_to_the_worker(database_url, smtp_server):
    redis = pytest.importorskip("redis")
    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    from rq import Queue

    queue_name = f"ipdesk-test-{uuid.uuid4().hex}"
    queue = Queue(queue_name, connection=redis.Redis.from_url(url))
    with running_app(database_url, **mail_settings(smtp_server), NOTIFY_DUE_MINUTES=_seconds(0.5), REDIS_URL=url,
                     NOTIFY_SENDER="rq", NOTIFY_QUEUE=queue_name) as app:
        try:
            due_scheduler(app)
            _wait_for(lambda: queue.count >= 1)
        finally:
            due_scheduler(app).stop()
            queue.delete(delete_jobs=True)
