"""Periodic work that runs once across processes: one row per task, claimed tick by tick with a lease.

Every process that schedules a task (web workers, ``flask notify worker``, cron) claims the tick it
is about to run in one short write transaction: the claim succeeds only if no process claimed that
tick or a later one, and no run still holds the task. PostgreSQL makes a second claimant of the row
wait for the first one's commit and then re-check the condition; SQLite lets one writer at a time.
So two processes never run a task at the same moment, and processes whose clocks tick together run
it once per tick. A holder that died leaves its lease to expire, and the next tick runs again.
The database, not Redis, holds the claim, so that processes with and without ``REDIS_URL`` (cron on
another machine, say) still exclude each other.
"""
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, mapped_column

from ipdesk.core.db import UTCDateTime, utcnow
from ipdesk.extensions import db

# Ticks are counted from here, so every process's clock ticks at the same moments.
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)


class PeriodicRun(db.Model):
    """The last tick of a periodic task that a process claimed, and who runs it now (until when)."""

    __tablename__ = "periodic_runs"

    name: Mapped[str] = mapped_column(sa.String(50), primary_key=True)
    tick_at: Mapped[datetime] = mapped_column(UTCDateTime)
    holder: Mapped[str | None] = mapped_column(sa.String(32))
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint("(holder IS NULL) = (held_until IS NULL)", name="held_has_lease"),
    )


def tick_of(now: datetime, interval: timedelta) -> datetime:
    """The start of the tick of length ``interval`` that ``now`` falls in."""
    return now - (now - EPOCH) % interval


def claim(name: str, tick: datetime, lease: timedelta) -> str | None:
    """Claim ``tick`` of task ``name`` and commit; the holder's token, or None when this tick (or a later
    one) was claimed already or another run holds the task and its lease has not expired."""
    now = utcnow()
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    db.session.execute(insert(PeriodicRun).values(name=name, tick_at=EPOCH)
                       .on_conflict_do_nothing(index_elements=["name"]))
    token = secrets.token_hex(16)
    claimed = db.session.execute(
        sa.update(PeriodicRun)
        .where(PeriodicRun.name == name, PeriodicRun.tick_at < tick,
               sa.or_(PeriodicRun.holder.is_(None), PeriodicRun.held_until < now))
        .values(tick_at=tick, holder=token, held_until=now + lease)
        .execution_options(synchronize_session=False)
    ).rowcount == 1
    db.session.commit()
    return token if claimed else None


def release(name: str, token: str) -> None:
    """Let go of task ``name`` after a run (finished or failed); commits."""
    db.session.execute(
        sa.update(PeriodicRun).where(PeriodicRun.name == name, PeriodicRun.holder == token)
        .values(holder=None, held_until=None, finished_at=utcnow())
        .execution_options(synchronize_session=False))
    db.session.commit()


@contextmanager
def run_once(name: str, tick: datetime, *, lease: timedelta) -> Iterator[bool]:
    """Whether this process runs ``tick`` of task ``name``; when it does, the task is held until the block ends.

    :param lease: how long a run may take at most: after that, a holder is presumed dead.
    """
    token = claim(name, tick, lease)
    try:
        yield token is not None
    finally:
        if token is not None:
            db.session.rollback()  # whatever the block left uncommitted, when it failed
            release(name, token)
