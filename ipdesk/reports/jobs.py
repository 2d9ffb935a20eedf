"""Making the all-country pack without blocking a web worker, or the database.

With ``REDIS_URL`` set, the pack is a job on an RQ queue that ``flask reports worker`` runs (should Redis be
down when it is asked for, the web process makes it itself); without it, a thread of the web process runs it.
Either way the country summaries render in a pool of processes (``REPORT_PROCESSES``, one per core by default)
that die with the process that started them, and the job's row records the progress by country.

The finished PDF goes to the evidence storage (``get_storage``: S3 when configured, so any app node serves it)
under a new key that the job's row records; a newer pack of the same period and language, asked for by the same
person, replaces it, and its stored file is removed. A file that a crash left without its row is removed by
``flask evidence verify --repair``, as any stored file that no row names.

No transaction stays open while anything renders: the job reads in short transactions, and each write (its
start, its progress, its end) is one of its own. The process holding a job writes its heartbeat every
``REPORT_HEARTBEAT_SECONDS``; a job without one for ``REPORT_JOB_TIMEOUT_SECONDS`` lost its process and is
marked failed when its page is next read (``is_dead``), and the page offers to make it again.
"""
import ctypes
import io
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from datetime import date, timedelta
from multiprocessing import get_context

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.job import Job as RQJob

from ipdesk.audit.services import log_event
from ipdesk.core.db import utcnow
from ipdesk.core.transaction import write_apart
from ipdesk.evidence.storage import StorageUnavailable, get_storage
from ipdesk.extensions import db
from ipdesk.network.services import active_country_codes
from ipdesk.notify.services import pack_finished
from ipdesk.reports.models import JobStatus, ReportJob
from ipdesk.reports.pack import assemble_pack, in_language
from ipdesk.reports.pdf import render_pdf
from ipdesk.reports.stats import PackOverview, pack_overview
from ipdesk.reports.summary import country_summary_html

WORKER_CONFIG_KEYS = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "AUDIT_HMAC_KEY", "EVIDENCE_STORAGE",
                      "EVIDENCE_STORAGE_DIR", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY_ID",
                      "S3_SECRET_ACCESS_KEY", "S3_PREFIX", "S3_PART_SIZE_MB", "BABEL_DEFAULT_TIMEZONE", "TESTING")
REDIS_TIMEOUT_SECONDS = 2  # a Redis that does not answer by then is down: the web process makes the pack itself
DEAD_JOB_ERROR = "its process stopped sending a heartbeat (killed, or the machine restarted)"
LOST_JOB_ERROR = "Redis no longer holds its queued job (restarted without its data, or flushed)"
ALIVE = (JobStatus.queued, JobStatus.running)

_local_lock = threading.Lock()
_local_executor: ThreadPoolExecutor | None = None


class JobAbandoned(Exception):
    """The job was marked failed meanwhile (its heartbeat was late): this process stops making it."""


def request_pack(user, start: date, end: date, lang: str, *, again: ReportJob | None = None) -> ReportJob:
    """Record a pack job; it is handed to its runner once the request's transaction commits. With ``REDIS_URL`` set
    but Redis not answering, it is made by this process (and the log says so), never left waiting in no queue.

    :param again: the failed job this one makes again (its page's button).
    """
    app = current_app._get_current_object()
    backend = "rq" if app.config["REDIS_URL"] and _redis_answers(app) else "local"
    job = ReportJob(lang=lang, period_start=start, period_end=end, requested_by_id=user.id, backend=backend)
    db.session.add(job)
    db.session.flush()
    data = {"lang": lang, "start": start.isoformat(), "end": end.isoformat(), "backend": job.backend}
    if again is not None:
        data["again_of"] = again.id
    log_event("report.pack_requested", actor=user, obj=job, data=data)
    job_id = job.id
    sa.event.listen(db.session(), "after_commit", lambda _session: dispatch(app, job_id, backend), once=True)
    return job


def _redis(app) -> Redis:
    return Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=REDIS_TIMEOUT_SECONDS,
                          socket_timeout=REDIS_TIMEOUT_SECONDS)


def _redis_answers(app) -> bool:
    try:
        return bool(_redis(app).ping())
    except RedisError as error:
        app.logger.warning("Redis does not answer (%s): this web process makes the all-country pack itself", error)
        return False


def dispatch(app, job_id: str, backend: str) -> None:
    if backend == "rq":
        try:
            queue = Queue(app.config["REPORT_QUEUE"], connection=_redis(app))
            queue.enqueue(run_pack_job, job_id, job_id=_rq_id(job_id), job_timeout=3600, result_ttl=3600)
            return
        except RedisError as error:  # down since the request checked: the job must not wait in no queue
            app.logger.warning("Redis went down before all-country pack %s was queued (%s): made in this process",
                               job_id, error)
            with app.app_context():
                write_apart(lambda session: session.execute(
                    sa.update(ReportJob).where(ReportJob.id == job_id).values(backend="local")))
    global _local_executor
    with _local_lock:
        if _local_executor is None:
            _local_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipdesk-reports")
    heartbeat.hold(app, job_id)  # alive while it waits behind another pack in this process, too
    _local_executor.submit(_run_in_app, app, job_id)


def _rq_id(job_id: str) -> str:
    return f"pack-{job_id}"


def _run_in_app(app, job_id: str) -> None:
    with app.app_context():
        try:
            run_pack(job_id)
        finally:
            heartbeat.release(job_id)
            db.session.remove()


def run_pack_job(job_id: str) -> None:
    """The RQ job; ``flask reports worker`` runs it inside the app context."""
    run_pack(job_id)


class Heartbeat:
    """This process's sign of life for the jobs it holds: every ``REPORT_HEARTBEAT_SECONDS``, one short write of
    its own sets their ``heartbeat_at``. One thread per process, running while it holds a job."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held: dict[str, int] = {}
        self._thread: threading.Thread | None = None

    def hold(self, app, job_id: str) -> None:
        with self._lock:
            self._held[job_id] = self._held.get(job_id, 0) + 1
            if self._thread is None:
                self._thread = threading.Thread(target=self._beat, args=(app,), name="ipdesk-pack-heartbeat",
                                                daemon=True)
                self._thread.start()

    def release(self, job_id: str) -> None:
        with self._lock:
            self._held[job_id] -= 1
            if not self._held[job_id]:
                del self._held[job_id]

    def _beat(self, app) -> None:
        interval = app.config["REPORT_HEARTBEAT_SECONDS"]
        while True:
            time.sleep(interval)
            with self._lock:
                held = sorted(self._held)
                if not held:
                    self._thread = None
                    return
            try:
                with app.app_context():
                    write_apart(lambda session, held=held: session.execute(
                        sa.update(ReportJob).where(ReportJob.id.in_(held), ReportJob.status.in_(ALIVE))
                        .values(heartbeat_at=utcnow())))
            except Exception:  # a busy database: the next beat comes well before the timeout
                app.logger.warning("heartbeat of all-country packs %s not written", held, exc_info=True)


heartbeat = Heartbeat()


def _progress(job_id: str, **values) -> None:
    """Write the job's progress in a short transaction of its own; raises JobAbandoned if it is no longer running."""
    def write(session):
        return session.execute(sa.update(ReportJob).where(ReportJob.id == job_id, ReportJob.status == JobStatus.running)
                               .values(heartbeat_at=utcnow(), **values)).rowcount
    if not write_apart(write):
        raise JobAbandoned(job_id)


def run_pack(job_id: str) -> None:
    """Make the pack of a recorded job, writing its progress after each country; its requester hears of the end."""
    def start(session):
        now = utcnow()
        started = session.execute(
            sa.update(ReportJob).where(ReportJob.id == job_id, ReportJob.status == JobStatus.queued)
            .values(status=JobStatus.running, started_at=now, heartbeat_at=now)).rowcount
        job = session.get(ReportJob, job_id) if started else None
        return (job.period_start, job.period_end, job.lang) if job else None

    app = current_app._get_current_object()
    db.session.rollback()  # a job's thread or process reads and writes in short transactions of its own only
    claimed = write_apart(start)
    if claimed is None:  # made already, or by another runner
        return
    start_day, end_day, lang = claimed
    heartbeat.hold(app, job_id)
    try:
        overview = period_overview(start_day, end_day, lang)
        codes = countries_to_render(overview)
        _progress(job_id, total=len(codes), done=0)
        done = 0

        def advance(_code: str) -> None:
            nonlocal done
            done += 1
            _progress(job_id, done=done)

        summaries = render_summaries(codes, start_day, end_day, lang, on_done=advance)
        pdf, pages = assemble_pack(summaries, overview, lang)
        stored = get_storage().put(io.BytesIO(pdf))  # no transaction is open: a slow store holds no lock
    except JobAbandoned:
        current_app.logger.warning("all-country pack %s was marked failed meanwhile; stopped", job_id)
        return
    except Exception as error:
        current_app.logger.exception("all-country pack %s failed", job_id)
        _finish(job_id, status=JobStatus.failed, error=f"{type(error).__name__}: {error}"[:2000])
    else:
        made = {"pages": pages, "bytes": len(pdf), "countries": len(codes),
                "without_cases": len(overview.without_cases)}
        if not _finish(job_id, status=JobStatus.done, result_key=stored.key, result_size=stored.size, pages=pages,
                       made=made):
            _discard(stored.key)  # marked failed meanwhile: nobody will download it
    finally:
        heartbeat.release(job_id)


def _finish(job_id: str, *, status: JobStatus, made: dict | None = None, **values) -> bool:
    """The job's end, its audit entry and its requester's notification, in one short transaction of their own;
    a finished pack replaces the requester's older ones of the same period and language, whose stored files are
    removed once it is committed. False if the job was no longer running (nothing written)."""
    db.session.rollback()  # nothing of this thread's is open: the transaction below begins for writing
    job = db.session.get(ReportJob, job_id)
    if job.status is not JobStatus.running:  # marked failed meanwhile: the page already says so
        db.session.rollback()
        return False
    job.status, job.finished_at = status, utcnow()
    for name, value in values.items():
        setattr(job, name, value)
    replaced = _replace_older_packs(job) if status is JobStatus.done else {}
    if made is not None:
        log_event("report.pack_made", actor=job.requested_by, obj=job,
                  data={**made, "replaced": sorted(replaced)} if replaced else made)
    pack_finished(job)
    db.session.commit()
    for key in replaced.values():
        _discard(key)
    return True


def _replace_older_packs(job: ReportJob) -> dict[str, str]:
    """The requester's older finished packs of ``job``'s period and language are no longer kept: their keys are
    cleared (their pages then offer to make them again); returns the stored files to remove, by job id."""
    older = db.session.scalars(sa.select(ReportJob).where(
        ReportJob.requested_by_id == job.requested_by_id, ReportJob.period_start == job.period_start,
        ReportJob.period_end == job.period_end, ReportJob.lang == job.lang, ReportJob.status == JobStatus.done,
        ReportJob.result_key.is_not(None), ReportJob.id != job.id)).all()
    replaced = {}
    for pack in older:
        replaced[pack.id], pack.result_key = pack.result_key, None
    return replaced


def _discard(key: str) -> None:
    """Remove a stored pack nobody will download; should the storage not answer, the file is left to
    ``flask evidence verify --repair`` (no row names it any more)."""
    try:
        get_storage().delete(key)
    except StorageUnavailable as error:
        current_app.logger.warning("stored pack %s not removed (%s); `flask evidence verify --repair` will", key,
                                   error)


def is_dead(job: ReportJob) -> bool:
    """Whether ``job`` should be alive but nothing will finish it: queued in a process or running anywhere, and its
    process stopped beating; or queued in Redis for longer than a heartbeat's timeout while Redis no longer holds
    it (restarted without its data, or flushed). A job waiting in Redis has no process yet: ``flask reports
    worker`` takes it when it starts, however late."""
    if job.status not in ALIVE:
        return False
    cutoff = utcnow() - timedelta(seconds=current_app.config["REPORT_JOB_TIMEOUT_SECONDS"])
    if job.status is JobStatus.running or job.backend == "local":
        return job.heartbeat_at is None or job.heartbeat_at < cutoff
    return job.created_at < cutoff and _lost_from_queue(job)


def _lost_from_queue(job: ReportJob) -> bool:
    """Whether Redis no longer holds the RQ job of ``job``; while Redis does not answer, nobody can tell (False)."""
    app = current_app._get_current_object()
    if not app.config["REDIS_URL"]:
        return True  # queued in a Redis this app no longer uses: nothing will take it
    try:
        return not RQJob.exists(_rq_id(job.id), connection=_redis(app))
    except RedisError:
        return False


def fail_dead_job(job: ReportJob) -> None:
    """Mark a dead job failed (its page then offers to make it again); the caller checked ``is_dead``."""
    lost = job.status is JobStatus.queued and job.backend == "rq"
    job.status, job.error, job.finished_at = JobStatus.failed, LOST_JOB_ERROR if lost else DEAD_JOB_ERROR, utcnow()
    log_event("report.pack_lost" if lost else "report.pack_failed", actor=job.requested_by, obj=job,
              data={"reason": "lost_from_queue" if lost else "no_heartbeat"})


def period_overview(start: date, end: date, lang: str) -> PackOverview:
    """The active countries' cases of the period in ``lang``, read in one short read-only transaction that ends
    before anything renders."""
    try:
        with in_language(lang):  # a GET request context of its own: on SQLite the reads take no write lock
            return pack_overview(active_country_codes(), start, end)
    finally:
        db.session.rollback()


def countries_to_render(overview: PackOverview) -> list[str]:
    """The countries with a case in the period, the most cases first, so that no large one starts last and
    leaves the other processes idle at the end (the summaries' cost grows with their cases)."""
    return [row.key for row in overview.by_country]


def render_summaries(codes: list[str], start: date, end: date, lang: str,
                     on_done: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """The country summary PDF of each code, as a part of the pack (no page numbers of its own), rendered side by
    side in ``REPORT_PROCESSES`` processes, handed out in the order of ``codes`` (``countries_to_render``'s keeps
    the processes busy to the end)."""
    config = {key: current_app.config.get(key) for key in WORKER_CONFIG_KEYS}
    processes = max(1, min(current_app.config["REPORT_PROCESSES"], len(codes) or 1))
    results: dict[str, bytes] = {}
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(config, os.getpid())) as pool:
        futures = {pool.submit(_render_summary, code, start, end, lang): code for code in codes}
        try:
            for future in as_completed(futures):
                code = futures[future]
                results[code] = future.result()
                if on_done:
                    on_done(code)
        except BaseException:  # a failed summary, or the job given up: render no more of them
            pool.shutdown(wait=True, cancel_futures=True)
            raise
    return results


_worker_app = None
PR_SET_PDEATHSIG = 1  # prctl(2): the signal this process gets when the thread that started it ends


def _die_with(parent: int) -> None:
    """End this process, and its database connections, as soon as ``parent`` ends, however it ends (``kill -9``
    included): else a pack's renderers would outlive the command or web process that wanted it. Linux tells the
    process by a signal; elsewhere a thread watches the parent."""
    if sys.platform.startswith("linux"):
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    else:
        def watch():
            while os.getppid() == parent:
                time.sleep(1)
            os._exit(1)
        threading.Thread(target=watch, name="ipdesk-parent-watch", daemon=True).start()
    if os.getppid() != parent:  # it died before the signal was asked for
        os._exit(1)


def _start_worker(config: dict, parent: int) -> None:
    """Each rendering process builds the app once, with the parent's database and settings."""
    global _worker_app
    _die_with(parent)
    for key in ("SECRET_KEY", "AUDIT_HMAC_KEY"):  # the app's configuration refuses to start without them
        os.environ.setdefault(key, config[key] or "")
    from ipdesk import create_app  # cycle: ipdesk (create_app) imports cli, which imports reports.jobs

    _worker_app = create_app({k: v for k, v in config.items() if v is not None})
    _worker_app.app_context().push()


def _render_summary(code: str, start: date, end: date, lang: str) -> bytes:
    with _worker_app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        try:
            html = country_summary_html(code, start, end, in_pack=True)
        finally:
            db.session.remove()  # it only read, in one short transaction: none stays open while it renders
        return render_pdf(html)
