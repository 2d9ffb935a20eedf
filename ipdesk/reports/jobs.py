"""Making the all-country pack without blocking a web worker.

With ``REDIS_URL`` set, the pack is a job on an RQ queue that ``flask reports worker`` runs; without it,
a thread of the web process runs it. Either way the country summaries render in a pool of processes
(``REPORT_PROCESSES``, one per core by default), and the job's row records the progress by country.
"""
import os
import threading
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from datetime import date
from multiprocessing import get_context
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from redis import Redis
from rq import Queue

from ipdesk.audit.services import log_event
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from ipdesk.network.services import active_country_codes
from ipdesk.notify.services import pack_finished
from ipdesk.reports.models import JobStatus, ReportJob
from ipdesk.reports.pack import assemble_pack, in_language
from ipdesk.reports.stats import PackOverview, pack_overview
from ipdesk.reports.summary import country_summary_pdf

WORKER_CONFIG_KEYS = ("SQLALCHEMY_DATABASE_URI", "SECRET_KEY", "AUDIT_HMAC_KEY", "EVIDENCE_STORAGE_DIR",
                      "BABEL_DEFAULT_TIMEZONE", "TESTING", "REPORTS_DIR")

_local_lock = threading.Lock()
_local_executor: ThreadPoolExecutor | None = None


def request_pack(user, start: date, end: date, lang: str) -> ReportJob:
    """Record a pack job; it is handed to its runner once the request's transaction commits."""
    app = current_app._get_current_object()
    job = ReportJob(lang=lang, period_start=start, period_end=end, requested_by_id=user.id,
                    backend="rq" if app.config["REDIS_URL"] else "local")
    db.session.add(job)
    db.session.flush()
    log_event("report.pack_requested", actor=user, obj=job,
              data={"lang": lang, "start": start.isoformat(), "end": end.isoformat(), "backend": job.backend})
    job_id, backend = job.id, job.backend
    sa.event.listen(db.session(), "after_commit", lambda _session: dispatch(app, job_id, backend), once=True)
    return job


def dispatch(app, job_id: str, backend: str) -> None:
    if backend == "rq":
        queue = Queue(app.config["REPORT_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))
        queue.enqueue(run_pack_job, job_id, job_timeout=3600, result_ttl=3600)
    else:
        global _local_executor
        with _local_lock:
            if _local_executor is None:
                _local_executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="ipdesk-reports")
        _local_executor.submit(_run_in_app, app, job_id)


def _run_in_app(app, job_id: str) -> None:
    with app.app_context():
        run_pack(job_id)
        db.session.remove()


def run_pack_job(job_id: str) -> None:
    """The RQ job; ``flask reports worker`` runs it inside the app context."""
    run_pack(job_id)


def run_pack(job_id: str) -> None:
    """Make the pack of a recorded job, committing the progress after each country; its requester hears of the end."""
    job = db.session.get(ReportJob, job_id)
    if job is None or job.status is not JobStatus.queued:
        return
    job.status, job.started_at = JobStatus.running, utcnow()
    db.session.commit()

    def advance(_code: str) -> None:
        job.done += 1
        db.session.commit()  # a transaction as short as this: the next country renders outside any

    try:
        overview = period_overview(job.period_start, job.period_end, job.lang)
        codes = countries_to_render(overview)
        job.total, job.done = len(codes), 0
        db.session.commit()  # the rendering runs in no transaction: each commit of progress is a short one
        summaries = render_summaries(codes, job.period_start, job.period_end, job.lang, on_done=advance)
        pdf, pages = assemble_pack(summaries, overview, job.lang)
        path = pack_path(job)
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".part")
        partial.write_bytes(pdf)
        os.replace(partial, path)
    except Exception as error:
        current_app.logger.exception("all-country pack %s failed", job_id)
        db.session.rollback()
        job = db.session.get(ReportJob, job_id)
        job.status, job.error, job.finished_at = JobStatus.failed, f"{type(error).__name__}: {error}"[:2000], utcnow()
    else:
        job.status, job.result_size, job.pages, job.finished_at = JobStatus.done, len(pdf), pages, utcnow()
        log_event("report.pack_made", actor=job.requested_by, obj=job,
                  data={"pages": pages, "bytes": len(pdf), "countries": len(codes),
                        "without_cases": len(overview.without_cases)})
    pack_finished(job)
    db.session.commit()


def period_overview(start: date, end: date, lang: str) -> PackOverview:
    """The active countries' cases of the period in ``lang`` (two quick reads: the caller commits them before
    anything renders)."""
    with in_language(lang):
        return pack_overview(active_country_codes(), start, end)


def countries_to_render(overview: PackOverview) -> list[str]:
    """The countries with a case in the period, the most cases first, so that no large one starts last and
    leaves the other processes idle at the end (the summaries' cost grows with their cases)."""
    return [row.key for row in overview.by_country]


def pack_path(job: ReportJob) -> Path:
    return Path(current_app.config["REPORTS_DIR"]) / f"pack-{job.id}.pdf"


def render_summaries(codes: list[str], start: date, end: date, lang: str,
                     on_done: Callable[[str], None] | None = None) -> dict[str, bytes]:
    """The country summary PDF of each code, as a part of the pack (no page numbers of its own), rendered side by
    side in ``REPORT_PROCESSES`` processes, handed out in the order of ``codes`` (``countries_to_render``'s keeps
    the processes busy to the end)."""
    config = {key: current_app.config.get(key) for key in WORKER_CONFIG_KEYS}
    processes = max(1, min(current_app.config["REPORT_PROCESSES"], len(codes) or 1))
    results: dict[str, bytes] = {}
    with ProcessPoolExecutor(max_workers=processes, mp_context=get_context("spawn"), initializer=_start_worker,
                             initargs=(config,)) as pool:
        futures = {pool.submit(_render_summary, code, start, end, lang): code for code in codes}
        for future in as_completed(futures):
            code = futures[future]
            results[code] = future.result()
            if on_done:
                on_done(code)
    return results


_worker_app = None


def _start_worker(config: dict) -> None:
    """Each rendering process builds the app once, with the parent's database and settings."""
    global _worker_app
    for key in ("SECRET_KEY", "AUDIT_HMAC_KEY"):  # the app's configuration refuses to start without them
        os.environ.setdefault(key, config[key] or "")
    from ipdesk import create_app  # cycle: ipdesk (create_app) imports cli, which imports reports.jobs

    _worker_app = create_app({k: v for k, v in config.items() if v is not None})
    _worker_app.app_context().push()


def _render_summary(code: str, start: date, end: date, lang: str) -> bytes:
    with _worker_app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        try:
            return country_summary_pdf(code, start, end, in_pack=True)
        finally:
            db.session.remove()
