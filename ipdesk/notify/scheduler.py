"""Deadline reminders and the staff's daily digests without cron: a scheduler thread adds them every
``NOTIFY_DUE_MINUTES`` (0: never, for those who run ``flask notify due`` from cron instead).

Web processes start it at their first request (``make run``, each gunicorn worker), ``flask notify
worker`` when it starts; never the test apps or other commands. Every process ticks at the same
moments (counted from one epoch) and claims the tick in the database first (``ipdesk.core.periodic``),
so the work runs once per tick, never twice at a time, also beside a ``flask notify due`` from cron.
With the RQ sender, each tick also queues a send job, so retries go out without cron (the thread
sender looks for them itself).
"""
import atexit
import threading
from datetime import UTC, datetime, timedelta

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.triggers.interval import IntervalTrigger

from ipdesk.core.db import utcnow
from ipdesk.core.periodic import EPOCH, run_once, tick_of
from ipdesk.extensions import db
from ipdesk.notify.sender import wake_sender
from ipdesk.notify.services import DUE_WORK
from ipdesk.reports.tallies import compact

TASK = "notify_due"
FOLD_TASK = "fold_tallies"
# A run that holds the task longer than this is presumed dead and the next tick runs again.
LEASE = timedelta(minutes=30)


def add_due_notifications(tick: datetime) -> dict[str, int] | None:
    """Add the reminders and digests that are due (``notify.services.DUE_WORK``) and commit; how many of each, or
    None when another process runs them right now or already ran ``tick``."""
    with run_once(TASK, tick, lease=LEASE) as mine:
        if not mine:
            return None
        now = utcnow()
        counts = {name: work(now) for name, work in DUE_WORK.items()}
        db.session.commit()
        return counts


def fold_tallies(tick: datetime) -> tuple[int, int] | None:
    """Fold the tallies' deltas (``reports.tallies.compact``) once per tick across processes, so what the dashboards
    sum stays a few rows per key; the rows before and after, or None when another process has this tick."""
    with run_once(FOLD_TASK, tick, lease=LEASE) as mine:
        return compact() if mine else None


class DueScheduler:
    """A background scheduler that runs ``add_due_notifications`` for ``app`` at every tick."""

    def __init__(self, app):
        self.app = app
        self.interval = timedelta(minutes=app.config["NOTIFY_DUE_MINUTES"])
        self.scheduler = BackgroundScheduler(timezone=UTC, executors={
            "default": ThreadPoolExecutor(1, pool_kwargs={"thread_name_prefix": "ipdesk-due"})})
        self.scheduler.add_job(
            self._tick, IntervalTrigger(seconds=self.interval.total_seconds(), start_date=EPOCH, timezone=UTC),
            id=TASK, coalesce=True, max_instances=1,
            misfire_grace_time=None)  # a late tick (a busy machine) still runs, once
        self.scheduler.start()
        atexit.register(self.stop)  # let a run in progress finish and release its claim

    def _tick(self) -> None:
        tick = tick_of(utcnow(), self.interval)
        with self.app.app_context():
            try:
                if add_due_notifications(tick) is not None:
                    # with RQ, nothing else looks for retries that have come due: hand them over too
                    wake_sender(self.app)
            except Exception:  # the next tick tries again; notify due is idempotent
                self.app.logger.exception("could not add deadline reminders and digests")
            finally:
                db.session.remove()
            try:
                fold_tallies(tick)
            except Exception:  # unfolded deltas still add up: the next tick folds them
                self.app.logger.exception("could not fold the tallies")
            finally:
                db.session.remove()

    def stop(self) -> None:
        atexit.unregister(self.stop)
        if self.scheduler.running:
            self.scheduler.shutdown(wait=True)


_lock = threading.Lock()


def init_scheduler(app) -> None:
    """With ``NOTIFY_DUE_MINUTES``, a web process starts its scheduler at its first request."""
    if app.config["NOTIFY_DUE_MINUTES"] <= 0:
        return

    @app.before_request
    def start_due_scheduler():
        if "ipdesk_due_scheduler" not in app.extensions:
            due_scheduler(app)


def due_scheduler(app) -> DueScheduler | None:
    """This process's scheduler for ``app``, started on first use; None when ``NOTIFY_DUE_MINUTES`` is 0."""
    if app.config["NOTIFY_DUE_MINUTES"] <= 0:
        return None
    with _lock:
        scheduler = app.extensions.get("ipdesk_due_scheduler")
        if scheduler is None:
            scheduler = app.extensions["ipdesk_due_scheduler"] = DueScheduler(app)
        return scheduler
