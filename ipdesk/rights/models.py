"""A company's register of IP rights: its trademarks, designs, patents, utility models and copyright registrations,
in Korea and abroad (a country's office, or a regional one: EUIPO, BOIP, WIPO's Madrid system with its designated
countries), and the rights a case relies on."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class RightKind(LabelledEnum):
    trademark = "trademark", _l("Trademark")
    design = "design", _l("Design")
    patent = "patent", _l("Patent")
    utility_model = "utility_model", _l("Utility model")
    copyright = "copyright", _l("Copyright registration")


class RightStatus(LabelledEnum):
    """Where a right stands at its office. Only a registered right (before its expiry) can be enforced."""

    filed = "filed", _l("Filed (pending)")
    registered = "registered", _l("Registered (in force)")
    opposed = "opposed", _l("Opposed or under invalidation")
    refused = "refused", _l("Refused")
    expired = "expired", _l("Expired or not renewed")
    cancelled = "cancelled", _l("Cancelled or withdrawn")


class CompanyRight(db.Model):
    """One right of a company at one office. ``office`` is an ISO 3166-1 country code or a regional office's code
    (``ipdesk.rights.offices``); a Madrid registration (``WO``) names the countries it designates."""

    __tablename__ = "company_rights"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"))  # indexed with the office
    kind: Mapped[RightKind] = mapped_column(enum_column(RightKind, "right_kind"))
    office: Mapped[str] = mapped_column(sa.String(2))
    number: Mapped[str] = mapped_column(sa.String(60))  # registration number, or application number while filed
    mark_text: Mapped[str] = mapped_column(sa.String(300), default="")  # the mark, the design's or work's title
    nice_classes: Mapped[list[int]] = mapped_column(sa.JSON, default=list)  # trademarks: the Nice classes, sorted
    designations: Mapped[list[str]] = mapped_column(sa.JSON, default=list)  # Madrid: the designated countries
    filing_date: Mapped[date | None] = mapped_column(sa.Date)
    registration_date: Mapped[date | None] = mapped_column(sa.Date)
    expiry_date: Mapped[date | None] = mapped_column(sa.Date, index=True)  # the renewal reminders walk it
    status: Mapped[RightStatus] = mapped_column(enum_column(RightStatus, "right_status"))
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    # the mark as filed, an image that passed the upload checks, in the evidence storage under a generated key
    image_key: Mapped[str | None] = mapped_column(sa.String(80), unique=True)
    image_type: Mapped[str | None] = mapped_column(sa.String(40))
    image_size: Mapped[int | None]
    image_sha256: Mapped[str | None] = mapped_column(sa.String(64))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    company: Mapped["Company"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # a number names one right at an office: a company records it once
        sa.UniqueConstraint("company_id", "office", "kind", "number", name="uq_company_rights_number"),
        sa.CheckConstraint("registration_date IS NULL OR filing_date IS NULL OR registration_date >= filing_date",
                           name="registered_after_filing"),
        sa.CheckConstraint("expiry_date IS NULL OR filing_date IS NULL OR expiry_date > filing_date",
                           name="expires_after_filing"),
        sa.CheckConstraint("status != 'registered' OR registration_date IS NOT NULL", name="registered_has_date"),
        sa.CheckConstraint("(image_key IS NULL) = (image_sha256 IS NULL)", name="image_has_hash"),
        sa.Index("ix_company_rights_company_office", "company_id", "office"),
    )

    def is_live(self, on: date) -> bool:
        """Whether the right can be enforced on ``on``: registered and not past its expiry."""
        return self.status is RightStatus.registered and (self.expiry_date is None or self.expiry_date >= on)


class CaseRight(db.Model):
    """A right of the case's company that the case relies on, chosen on the intake form."""

    __tablename__ = "case_rights"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    right_id: Mapped[int] = mapped_column(sa.ForeignKey("company_rights.id", ondelete="CASCADE"), primary_key=True,
                                          index=True)

    right: Mapped[CompanyRight] = relationship()


class EnforceabilityDismissal(db.Model):
    """Staff judged a case's enforceability warning and set it aside, with their reason. It holds for the reason
    the warning gave (``code``): a different warning later is shown again."""

    __tablename__ = "enforceability_dismissals"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(20))
    reason: Mapped[str] = mapped_column(sa.Text)
    dismissed_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    dismissed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    dismissed_by: Mapped["User"] = relationship()  # noqa: F821
