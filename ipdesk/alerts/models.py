"""Squatting alerts: a watch service's finding of a third party's application for a mark like a Korean firm's, and
the files of alerts staff import (``ipdesk.alerts.fileformat``) before each good row becomes a draft opposition case.
"""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class ImportStatus(LabelledEnum):
    previewed = "previewed", _l("Awaiting confirmation")
    confirmed = "confirmed", _l("Imported")
    discarded = "discarded", _l("Discarded")


class AlertImport(db.Model):
    """One uploaded file of alerts: its rows as read (``rows``, each a dict of the format's fields as text), kept
    while staff look at the preview; on confirmation the good rows become alerts and the file's rows are dropped."""

    __tablename__ = "alert_imports"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_name: Mapped[str] = mapped_column(sa.String(200))  # as uploaded, cleaned: shown, never a path
    file_sha256: Mapped[str] = mapped_column(sa.String(64))
    rows: Mapped[list[dict]] = mapped_column(sa.JSON, default=list)
    row_count: Mapped[int] = mapped_column(default=0)
    status: Mapped[ImportStatus] = mapped_column(enum_column(ImportStatus, "alert_import_status"),
                                                 default=ImportStatus.previewed)
    created_count: Mapped[int | None]  # alerts (and draft cases) made on confirmation
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    uploaded_by: Mapped["User"] = relationship()  # noqa: F821


class SquattingAlert(db.Model):
    """An application by a third party at ``office`` for a mark like the company's, found by a watch service.

    ``office`` and ``application_number`` (spaces and dashes kept as the office writes them, letters upper-cased)
    identify it: a second import of the same application adds nothing. Its draft opposition case (``case_id``) is
    the centre's; the exporter sees the alert and asks the centre to act (``requested_at``), which submits it."""

    __tablename__ = "squatting_alerts"

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(sa.String(2))
    application_number: Mapped[str] = mapped_column(sa.String(60))
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))  # where the case is: office or its
    mark: Mapped[str] = mapped_column(sa.String(300))                           # designated or chosen country
    applicant: Mapped[str] = mapped_column(sa.String(300), default="")
    nice_classes: Mapped[list[int]] = mapped_column(sa.JSON, default=list)
    filed_on: Mapped[date | None] = mapped_column(sa.Date)
    published_on: Mapped[date | None] = mapped_column(sa.Date)
    source: Mapped[str] = mapped_column(sa.String(200), default="")
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"))  # indexed with created_at
    right_id: Mapped[int | None] = mapped_column(sa.ForeignKey("company_rights.id", ondelete="SET NULL"), index=True)
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deadline_rules.id"))
    due_on: Mapped[date | None] = mapped_column(sa.Date)  # the opposition deadline the rule gives
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), unique=True)
    infringer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("infringers.id", ondelete="SET NULL"), index=True)
    import_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alert_imports.id", ondelete="SET NULL"), index=True)
    requested_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # the exporter asked the centre to act
    requested_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    company: Mapped["Company"] = relationship()  # noqa: F821
    right: Mapped["CompanyRight | None"] = relationship()  # noqa: F821
    rule: Mapped["DeadlineRule | None"] = relationship()  # noqa: F821
    case: Mapped["Case"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("office", "application_number", name="uq_squatting_alerts_office_application_number"),
        # an exporter's home page: the company's alerts, newest first
        sa.Index("ix_squatting_alerts_company_id_created_at", "company_id", "created_at"),
        # the country summary: a country's alerts received in a period
        sa.Index("ix_squatting_alerts_country_code_created_at", "country_code", "created_at"),
    )
