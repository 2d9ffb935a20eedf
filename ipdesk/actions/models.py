"""Administrative actions (office, regulator, customs, platform) and civil litigation with its hearings."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class ActionKind(LabelledEnum):
    opposition = "opposition", _l("Opposition at the trademark office")
    invalidation = "invalidation", _l("Invalidation at the trademark office")
    regulator_complaint = "regulator_complaint", _l("Complaint to a market regulator")
    raid = "raid", _l("Raid")
    customs_seizure = "customs_seizure", _l("Customs seizure")
    platform_takedown = "platform_takedown", _l("Platform takedown")


class ActionStatus(LabelledEnum):
    planned = "planned", _l("Being prepared")
    filed = "filed", _l("Filed, pending")
    succeeded = "succeeded", _l("Succeeded")
    partly = "partly", _l("Partly succeeded")
    failed = "failed", _l("Failed")
    withdrawn = "withdrawn", _l("Withdrawn")
    counsel = "counsel", _l("Carried on by counsel")  # the centre's part ended when the case closed

    @property
    def is_open(self) -> bool:
        """Still under way: the action has no end yet."""
        return self in (ActionStatus.planned, ActionStatus.filed)


class LitigationStatus(LabelledEnum):
    preparing = "preparing", _l("Being prepared")
    pending = "pending", _l("Pending before the court")
    won = "won", _l("Won")
    partly_won = "partly_won", _l("Partly won")
    lost = "lost", _l("Lost")
    settled = "settled", _l("Settled")
    withdrawn = "withdrawn", _l("Withdrawn")
    counsel = "counsel", _l("Carried on by counsel")

    @property
    def is_open(self) -> bool:
        """Still under way: the suit has no end yet."""
        return self in (LitigationStatus.preparing, LitigationStatus.pending)


class AdministrativeAction(db.Model):
    """A filing with an authority: an opposition, a complaint, a raid, a seizure or a takedown."""

    __tablename__ = "administrative_actions"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[ActionKind] = mapped_column(enum_column(ActionKind, "action_kind"))
    authority: Mapped[str] = mapped_column(sa.String(300))
    status: Mapped[ActionStatus] = mapped_column(enum_column(ActionStatus, "action_status"),
                                                 default=ActionStatus.planned)
    filed_on: Mapped[date | None] = mapped_column(sa.Date)
    reference: Mapped[str] = mapped_column(sa.String(200), default="")
    trigger_on: Mapped[date | None] = mapped_column(sa.Date)  # e.g. the publication the period counts from
    result: Mapped[str] = mapped_column(sa.Text, default="")
    quantity_seized: Mapped[int | None] = mapped_column()
    penalty_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2))
    penalty_currency: Mapped[str | None] = mapped_column(sa.String(3))
    deadline_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deadlines.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    deadline: Mapped["Deadline | None"] = relationship()  # noqa: F821
    created_by: Mapped["User"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("(penalty_amount IS NULL) = (penalty_currency IS NULL)", name="penalty_has_currency"),
        sa.CheckConstraint("penalty_amount IS NULL OR penalty_amount >= 0", name="penalty_not_negative"),
        sa.CheckConstraint("quantity_seized IS NULL OR quantity_seized >= 0", name="quantity_not_negative"),
    )


class Litigation(db.Model):
    """A civil suit for damage relief."""

    __tablename__ = "litigations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    court: Mapped[str] = mapped_column(sa.String(300))
    court_case_number: Mapped[str] = mapped_column(sa.String(200), default="")
    status: Mapped[LitigationStatus] = mapped_column(enum_column(LitigationStatus, "litigation_status"),
                                                     default=LitigationStatus.preparing)
    filed_on: Mapped[date | None] = mapped_column(sa.Date)
    preservation_orders: Mapped[str] = mapped_column(sa.Text, default="")
    judgment: Mapped[str] = mapped_column(sa.Text, default="")
    judged_on: Mapped[date | None] = mapped_column(sa.Date)
    damages_currency: Mapped[str | None] = mapped_column(sa.String(3))
    damages_awarded: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2))
    damages_recovered: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    hearings: Mapped[list["Hearing"]] = relationship(order_by="Hearing.held_on", back_populates="litigation")
    created_by: Mapped["User"] = relationship()  # noqa: F821

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("(damages_awarded IS NULL AND damages_recovered IS NULL) OR damages_currency IS NOT NULL",
                           name="damages_have_currency"),
        sa.CheckConstraint("damages_awarded IS NULL OR damages_awarded >= 0", name="awarded_not_negative"),
        sa.CheckConstraint("damages_recovered IS NULL OR damages_recovered >= 0", name="recovered_not_negative"),
    )


class Hearing(db.Model):
    """A hearing of a suit, past or scheduled."""

    __tablename__ = "hearings"

    id: Mapped[int] = mapped_column(primary_key=True)
    litigation_id: Mapped[int] = mapped_column(sa.ForeignKey("litigations.id", ondelete="CASCADE"), index=True)
    held_on: Mapped[date] = mapped_column(sa.Date)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    # the hearing as a deadline of the case: in "my deadlines", the calendar feed and the reminders
    deadline_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deadlines.id", ondelete="SET NULL"),
                                                    unique=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    litigation: Mapped[Litigation] = relationship(back_populates="hearings")
