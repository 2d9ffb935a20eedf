"""An enquiry (a light consultation) and an online enquiry waiting for its asker to confirm their address."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.cases.models import DisputeType, IPRight
from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class Channel(LabelledEnum):
    phone = "phone", _l("Phone")
    email = "email", _l("E-mail")
    visit = "visit", _l("Visit to the centre")
    trade_show = "trade_show", _l("Trade show")
    trade_office = "trade_office", _l("Referred by a trade office")
    web = "web", _l("Online form")


class Topic(LabelledEnum):
    """What an enquiry is about: a dispute over an IP right (then its right and dispute type), or not yet one."""

    dispute = "dispute", _l("A dispute over an IP right")
    prevention = "prevention", _l("Prevention (protecting a right before a dispute)")
    general = "general", _l("General question")


class EnquiryStatus(LabelledEnum):
    open = "open", _l("Awaiting an answer")
    answered = "answered", _l("Answered")


class Enquiry(db.Model):
    """A question answered without opening a case: who asked (a registered company, or the name, contact and
    registration number of one that is not), about which country and what, the answer given, the time it took,
    who handled it, and a follow-up date the handler keeps as a deadline."""

    __tablename__ = "enquiries"

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[Channel] = mapped_column(enum_column(Channel, "enquiry_channel"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    # who asked, as they gave it: the company's name and registration number when it is not registered
    company_name: Mapped[str] = mapped_column(sa.String(200), default="")
    registration_number: Mapped[str] = mapped_column(sa.String(20), default="")
    contact_name: Mapped[str] = mapped_column(sa.String(120), default="")
    contact_email: Mapped[str] = mapped_column(sa.String(254), default="")
    contact_phone: Mapped[str] = mapped_column(sa.String(40), default="")
    asker_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)  # asked online, signed in
    language: Mapped[str] = mapped_column(sa.String(5), default="ko")  # of the answer mailed to the asker

    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))  # indexed with the time (below)
    hub_id: Mapped[int] = mapped_column(sa.ForeignKey("hubs.id"))  # indexed with the time (below)
    topic: Mapped[Topic] = mapped_column(enum_column(Topic, "enquiry_topic"), index=True)
    ip_right: Mapped[IPRight | None] = mapped_column(enum_column(IPRight, "enquiry_ip_right"))
    dispute_type: Mapped[DisputeType | None] = mapped_column(enum_column(DisputeType, "enquiry_dispute_type"))
    question: Mapped[str] = mapped_column(sa.Text)

    status: Mapped[EnquiryStatus] = mapped_column(enum_column(EnquiryStatus, "enquiry_status"),
                                                  default=EnquiryStatus.open, index=True)
    answer: Mapped[str] = mapped_column(sa.Text, default="")
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    minutes_spent: Mapped[int | None] = mapped_column()
    handled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    follow_up_on: Mapped[date | None] = mapped_column(sa.Date, index=True)
    followed_up_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="SET NULL"), unique=True)

    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))  # None: the public form
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    company: Mapped["Company | None"] = relationship()  # noqa: F821
    country: Mapped["Country"] = relationship()  # noqa: F821
    hub: Mapped["Hub"] = relationship()  # noqa: F821
    asker: Mapped["User | None"] = relationship(foreign_keys=[asker_id])  # noqa: F821
    handled_by: Mapped["User | None"] = relationship(foreign_keys=[handled_by_id])  # noqa: F821
    created_by: Mapped["User | None"] = relationship(foreign_keys=[created_by_id])  # noqa: F821
    case: Mapped["Case | None"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("company_id IS NOT NULL OR company_name <> ''", name="names_its_company"),
        sa.CheckConstraint("topic = 'dispute' OR (ip_right IS NULL AND dispute_type IS NULL)",
                           name="right_only_for_disputes"),
        sa.CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL AND answer <> '')",
                           name="answered_has_answer"),
        sa.CheckConstraint("minutes_spent IS NULL OR minutes_spent BETWEEN 0 AND 100000", name="minutes_in_range"),
        sa.CheckConstraint("followed_up_at IS NULL OR follow_up_on IS NOT NULL", name="followed_up_had_date"),
        # the list, newest first, and the figures of a period
        sa.Index("ix_enquiries_created_at_id", "created_at", "id"),
        sa.Index("ix_enquiries_hub_id_created_at", "hub_id", "created_at"),
        sa.Index("ix_enquiries_country_code_created_at", "country_code", "created_at"),
    )

    @property
    def reference(self) -> str:
        """How people name it: ``Q-`` and its number (an enquiry is no case and has no case reference)."""
        return f"Q-{self.id:06d}"

    @property
    def asked_by(self) -> str:
        """The company that asked, by its registered name or the name it gave."""
        if self.company is not None:
            return self.company.name
        return self.company_name

    def follow_up_overdue(self, today: date) -> bool:
        return self.follow_up_on is not None and self.followed_up_at is None and self.follow_up_on < today


class EnquiryRequest(db.Model):
    """A question asked online without an account, waiting for the link mailed to the asker's address to be used.

    Nothing is filed until then, so nobody can make ipdesk write to someone else's address more than the one mail
    the form's rate limits allow. Only the token's hash is kept; the row goes once used or expired.
    """

    __tablename__ = "enquiry_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    data: Mapped[dict] = mapped_column(sa.JSON)  # the form's answers, as ``file_public_enquiry`` takes them
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
