"""Documents made in the background: what was asked, by whom, how far it got, and where the result is."""
import secrets
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class JobStatus(LabelledEnum):
    queued = "queued", _l("Waiting to start")
    running = "running", _l("Being made")
    done = "done", _l("Ready")
    failed = "failed", _l("Failed")


class ReportJob(db.Model):
    """One all-country pack: its period and language, its progress by country, and the finished file (kept in the
    evidence storage under ``result_key``; None once a newer pack of the same period and language replaced it)."""

    __tablename__ = "report_jobs"

    id: Mapped[str] = mapped_column(sa.String(32), primary_key=True, default=lambda: secrets.token_hex(16))
    status: Mapped[JobStatus] = mapped_column(enum_column(JobStatus, "job_status"), default=JobStatus.queued)
    lang: Mapped[str] = mapped_column(sa.String(5))
    period_start: Mapped[date] = mapped_column(sa.Date)
    period_end: Mapped[date] = mapped_column(sa.Date)
    backend: Mapped[str] = mapped_column(sa.String(10))  # "rq" or "local"
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    result_size: Mapped[int | None] = mapped_column(sa.BigInteger)
    # a storage key (ipdesk.evidence.storage): every app node reads the finished pack where the worker put it
    result_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    pages: Mapped[int | None] = mapped_column()
    error: Mapped[str] = mapped_column(sa.Text, default="")
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # written every REPORT_HEARTBEAT_SECONDS by the process that holds the job (ipdesk.reports.jobs)
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)

    requested_by: Mapped["User"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("done >= 0 AND done <= total OR total = 0", name="progress_in_range"),
        sa.CheckConstraint("period_start <= period_end", name="period_in_order"),
        sa.CheckConstraint("result_key IS NULL OR status = 'done'", name="result_only_when_done"),
    )

    @property
    def is_kept(self) -> bool:
        """Whether the finished pack can be downloaded (made, and not replaced by a newer one since)."""
        return self.status is JobStatus.done and self.result_key is not None

    @property
    def percent(self) -> int:
        return int(100 * self.done / self.total) if self.total else 0


# the day of the kinds counted at no day (``stage``): before any period a reader asks for
UNDATED = date(1, 1, 1)


class Tally(db.Model):
    """A signed count of cases (or of their deadlines, refusals or lawsuits, or of enquiries) by country, hub, key and
    day, written only by the database's triggers (migrations 0032, 0035, 0039, 0040, 0050) and folded by
    ``reports.tallies.compact``; a count is the sum of ``n`` over its rows (and a sum of money, of ``amount``). Kinds:
    ``cases`` (submitted cases by stage and month of submission), ``stage`` (submitted cases by the stage they are
    in now, at no day: ``UNDATED``), ``closed`` (by outcome and month of closing),
    ``due`` (open deadlines of open cases by due date), ``refusals`` (returns and rejections by transition, reason
    and month) and ``supports`` (cases that reached evidence collection or later, by the month they first did); by
    month of submission for the country summary: ``sector``, ``ip_right``, ``dispute``, ``outcome``, ``claimed`` (by
    currency), ``stay`` (by open stage and length of the stays, ``bucket``), ``chased`` (open cases by their earliest
    due date, ``due_on``), ``late`` (open deadlines of open cases by due date) and ``awarded``/``recovered``
    (lawsuits' damages by currency); and of enquiries: ``enquiries`` (by topic and month asked) and ``enq_cases``
    (those that became a case, by month asked)."""

    __tablename__ = "tallies"

    id: Mapped[int] = mapped_column(sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(10))
    country_code: Mapped[str] = mapped_column(sa.String(2))
    hub_id: Mapped[int]
    key: Mapped[str | None] = mapped_column(sa.String(32))
    reason_id: Mapped[int | None]
    bucket: Mapped[int | None]  # ``stay``: the length of the stays, in tenths of a day
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # ``chased`` and ``late``: the due date
    day: Mapped[date] = mapped_column(sa.Date)
    n: Mapped[int]
    amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(20, 2))  # ``claimed``, ``awarded``, ``recovered``

    __table_args__ = (
        sa.Index("ix_tallies_country_code_day", "country_code", "day"),  # a country's months: its summary
        # the dashboards read these from the index alone: open cases by stage, closings and refusals since a month
        sa.Index("ix_tallies_kind_key_covering", "kind", "key", "country_code", "hub_id", "n"),
        sa.Index("ix_tallies_kind_day_covering", "kind", "day", "country_code", "hub_id", "key", "reason_id", "n"),
    )
