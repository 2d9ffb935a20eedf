"""Delivering the outbox: claim a batch, send it, mark each message; retry with backoff.

Two senders never send the same message: a batch is claimed in one short write transaction that
moves its rows from ``pending`` to ``sending`` with a fresh claim token (PostgreSQL skips rows
another sender has locked, ``FOR UPDATE SKIP LOCKED``; SQLite writers queue at ``BEGIN
IMMEDIATE``), and only the holder of the token may mark a row sent. The one window for a
duplicate is a sender that dies after the mail server accepted a message and before it marked the
row: once ``NOTIFY_CLAIM_TIMEOUT_SECONDS`` have passed, the row is claimed again and sent again
(with the same Message-ID). No database transaction is open while the mail server is talked to.

Who runs it: ``flask notify send`` (cron); with ``NOTIFY_SENDER=rq`` an RQ job queued after each
commit that made notifications (``flask notify worker``); with ``thread`` a thread of the web
process, woken after such commits and every ``NOTIFY_POLL_SECONDS`` for retries.
"""
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, has_request_context
from redis import Redis
from redis.exceptions import RedisError
from rq import Queue

from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from ipdesk.notify.mail import OutgoingMail, build_message, is_permanent, transport
from ipdesk.notify.models import ACCOUNT_KINDS, EmailStatus, Notification

BATCH_SIZE = 50
# Someone is waiting at the sign-in page for these (a reset, a registration to confirm, an invitation):
# they go out before any backlog of other mail.
URGENT_FIRST = sa.case((Notification.kind.in_(ACCOUNT_KINDS), 0), else_=1)


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0


def _claimable(now: datetime):
    stale = now - timedelta(seconds=current_app.config["NOTIFY_CLAIM_TIMEOUT_SECONDS"])
    return sa.or_(
        sa.and_(Notification.email_status == EmailStatus.pending, Notification.next_attempt_at <= now),
        # a sender that died mid-batch: its claim lapses (the at-least-once window)
        sa.and_(Notification.email_status == EmailStatus.sending, Notification.claimed_at < stale),
    )


def claim_batch(now: datetime, size: int = BATCH_SIZE) -> tuple[str, list[OutgoingMail]]:
    """Claim up to ``size`` due messages for this sender and commit the claim."""
    token = secrets.token_hex(16)
    # First lock the rows, then update them: PostgreSQL may run a LIMIT ... SKIP LOCKED subquery of an
    # UPDATE more than once and claim more rows than asked for.
    ids = db.session.scalars(
        sa.select(Notification.id).where(_claimable(now))
        .order_by(URGENT_FIRST, Notification.next_attempt_at, Notification.id).limit(size)
        .with_for_update(skip_locked=True)  # PostgreSQL; SQLite serialises writers instead
    ).all()
    rows = db.session.execute(
        sa.update(Notification)
        .where(Notification.id.in_(ids), _claimable(now))
        .values(email_status=EmailStatus.sending, claim_token=token, claimed_at=now,
                attempts=Notification.attempts + 1)
        .returning(Notification.id, Notification.email_to, Notification.subject, Notification.body,
                   Notification.language)
        .execution_options(synchronize_session=False)
    ).all() if ids else []
    db.session.commit()
    return token, sorted((OutgoingMail(*row) for row in rows), key=lambda mail: mail.id)


def _mark_sent(mail: OutgoingMail, token: str) -> None:
    db.session.execute(
        sa.update(Notification)
        .where(Notification.id == mail.id, Notification.claim_token == token)
        .values(email_status=EmailStatus.sent, sent_at=utcnow(), claim_token=None, last_error="",
                # a reset, confirmation or invitation link is a key to an account: once mailed, no copy is kept
                body=sa.case((Notification.kind.in_(ACCOUNT_KINDS), ""), else_=Notification.body))
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


def _mark_unsent(mails: list[OutgoingMail], token: str, error: Exception, now: datetime, *,
                 permanent: bool = False) -> tuple[int, int]:
    """Put messages back for a later attempt, or give them up; returns (retrying, failed)."""
    config = current_app.config
    retrying = failed = 0
    attempts = dict(db.session.execute(
        sa.select(Notification.id, Notification.attempts)
        .where(Notification.id.in_([m.id for m in mails]), Notification.claim_token == token)).all())
    for mail_id, count in attempts.items():
        values = {"claim_token": None, "last_error": f"{type(error).__name__}: {error}"[:500]}
        if permanent or count >= config["NOTIFY_MAX_ATTEMPTS"]:
            values.update(email_status=EmailStatus.failed)
            failed += 1
        else:
            delay = min(config["NOTIFY_RETRY_BASE_SECONDS"] * 2 ** (count - 1), config["NOTIFY_RETRY_MAX_SECONDS"])
            values.update(email_status=EmailStatus.pending, next_attempt_at=now + timedelta(seconds=delay))
            retrying += 1
        db.session.execute(sa.update(Notification)
                           .where(Notification.id == mail_id, Notification.claim_token == token)
                           .values(**values).execution_options(synchronize_session=False))
    db.session.commit()
    return retrying, failed


def send_pending(now: datetime | None = None, batch_size: int = BATCH_SIZE) -> SendReport:
    """Send every message that is due, batch by batch; stop early while the mail server is unreachable."""
    report = SendReport()
    while True:
        started = now or utcnow()
        token, batch = claim_batch(started, batch_size)
        if not batch:
            return report
        connection = transport()
        try:
            connection.open()
        except Exception as error:  # the server is down or refuses us: everyone waits for the next attempt
            current_app.logger.warning("mail server unavailable: %s", error)
            retrying, failed = _mark_unsent(batch, token, error, started)
            report.retrying += retrying
            report.failed += failed
            return report
        try:
            for mail in batch:
                try:
                    connection.send(build_message(mail))
                except Exception as error:
                    current_app.logger.warning("notification %s not sent: %s", mail.id, error)
                    retrying, failed = _mark_unsent([mail], token, error, started, permanent=is_permanent(error))
                    report.retrying += retrying
                    report.failed += failed
                else:
                    _mark_sent(mail, token)
                    report.sent += 1
        finally:
            connection.close()


# --- who runs it ---------------------------------------------------------------------------

REDIS_DOWN = "ipdesk_notify_redis_down"


def wake_sender(app) -> None:
    """Called after a commit that made notifications: start their delivery without waiting for cron.

    With the RQ sender and Redis down, the mail is not left waiting for Redis: this process's own sender
    thread sends it (password resets first), and the log says so once, until Redis answers again.
    """
    sender = app.config["NOTIFY_SENDER"]
    if sender == "rq":
        timeout = app.config["REDIS_TIMEOUT_SECONDS"]
        connection = Redis.from_url(app.config["REDIS_URL"], socket_connect_timeout=timeout, socket_timeout=timeout)
        try:
            Queue(app.config["NOTIFY_QUEUE"], connection=connection).enqueue(send_pending_job, job_timeout=600,
                                                                            result_ttl=0)
        except RedisError as error:
            if not app.extensions.get(REDIS_DOWN):
                app.extensions[REDIS_DOWN] = True
                app.logger.warning("Redis is unreachable (%s): this process sends the outbox itself until it is "
                                   "back", error)
            local_sender(app).wake.set()
        else:
            app.extensions.pop(REDIS_DOWN, None)
    elif sender == "thread" and has_request_context():  # never from a short-lived command
        local_sender(app).wake.set()


def send_pending_job() -> None:
    """The RQ job; ``flask notify worker`` runs it inside the app context."""
    send_pending()


class LocalSender:
    """A thread of the web process that sends when woken, and every ``NOTIFY_POLL_SECONDS`` for retries."""

    def __init__(self, app):
        self.app = app
        self.wake = threading.Event()
        self.wake.set()  # whatever waited while the process was down goes out first
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, name="ipdesk-notify", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stopping.is_set():
            self.wake.wait(timeout=self.app.config["NOTIFY_POLL_SECONDS"])
            self.wake.clear()
            if self.stopping.is_set():
                return
            with self.app.app_context():
                try:
                    send_pending()
                except Exception:
                    self.app.logger.exception("the notification sender failed")
                finally:
                    db.session.remove()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
        self.thread.join(timeout=30)


_lock = threading.Lock()


def init_sender(app) -> None:
    """With the thread sender, the web process starts its thread at its first request."""
    if app.config["NOTIFY_SENDER"] != "thread":
        return

    @app.before_request
    def start_local_sender():
        if "ipdesk_notify_sender" not in app.extensions:
            local_sender(app)


def local_sender(app) -> LocalSender:
    """This process's sender thread for ``app``, started on first use."""
    with _lock:
        sender = app.extensions.get("ipdesk_notify_sender")
        if sender is None:
            sender = app.extensions["ipdesk_notify_sender"] = LocalSender(app)
        return sender
