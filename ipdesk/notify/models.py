"""The outbox of notifications (each an e-mail, an in-app entry, or both) and each user's preferences."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class NotificationKind(LabelledEnum):
    company_status = "company_status", _l("Our company is approved, suspended or reinstated")
    case_received = "case_received", _l("A case is received (a receipt with its reference)")
    stage_changed = "stage_changed", _l("A case moves to another stage")
    new_case_at_hub = "new_case_at_hub", _l("A new case arrives at my IP centre (urgent ones marked)")
    company_awaiting_approval = "company_awaiting_approval", _l("A company registers and awaits approval")
    info_requested = "info_requested", _l("The IP centre asks for more information")
    new_message = "new_message", _l("A new message on a case")
    case_assigned = "case_assigned", _l("A case is assigned to me")
    deadline = "deadline", _l("A deadline is coming up or has passed")
    daily_digest = "daily_digest", _l("A daily digest of my hubs' new cases")
    report_ready = "report_ready", _l("An all-country pack I asked for is ready or could not be made")
    password_reset = "password_reset", _l("Password reset")
    email_confirmation = "email_confirmation", _l("Confirm the e-mail address of a registration")
    account_exists = "account_exists", _l("Someone tried to register with an address that has an account")
    invitation = "invitation", _l("An invitation to join a company")
    new_enquiry_at_hub = "new_enquiry_at_hub", _l("A question is asked online at my IP centre")
    enquiry_answered = "enquiry_answered", _l("The IP centre answers my question")
    enquiry_confirmation = "enquiry_confirmation", _l("Confirm the e-mail address of a question asked online")
    enquiry_follow_up = "enquiry_follow_up", _l("A follow-up of an enquiry I handle is coming up or has passed")
    session_reminder = "session_reminder", _l("An education session I registered for is coming up")
    session_news = "session_news", _l("News of a session I registered for: a seat is mine, or it is cancelled")
    right_renewal = "right_renewal", _l("A right in our register is due for renewal, or has just expired")
    squatting_alert = "squatting_alert", _l("A watch service finds an application abroad like one of our marks")

    @property
    def is_essential(self) -> bool:
        """Essential notifications cannot be switched off."""
        return self in ESSENTIAL_KINDS


ESSENTIAL_KINDS = frozenset({NotificationKind.password_reset, NotificationKind.info_requested,
                             NotificationKind.email_confirmation, NotificationKind.account_exists,
                             NotificationKind.invitation, NotificationKind.enquiry_confirmation,
                             NotificationKind.enquiry_answered})  # an answer reaches whoever asked
# Mail about access to an account, to whoever holds the mailbox: never in the app, its body gone once sent.
ACCOUNT_KINDS = frozenset({NotificationKind.password_reset, NotificationKind.email_confirmation,
                           NotificationKind.account_exists, NotificationKind.invitation,
                           NotificationKind.enquiry_confirmation})


class EmailStatus(LabelledEnum):
    off = "off", _l("No e-mail")
    pending = "pending", _l("Waiting to be sent")
    sending = "sending", _l("Being sent")
    sent = "sent", _l("Sent")
    failed = "failed", _l("Failed")


class Notification(db.Model):
    """One notification of one user, rendered in their language when it was made.

    It is written in the transaction of the change that caused it (the outbox). Its e-mail is
    claimed by one sender at a time (``claim_token``), retried with exponential backoff
    (``next_attempt_at``) and given up after a number of attempts. ``dedupe_key`` makes reminders
    and digests unique, so making them again adds nothing.
    """

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: mail to an address without an account yet (a registration to confirm, an invitation)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "notification_kind"))
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    language: Mapped[str] = mapped_column(sa.String(5))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body: Mapped[str] = mapped_column(sa.Text)
    link_path: Mapped[str | None] = mapped_column(sa.String(300))  # on this site, e.g. /cases/42
    dedupe_key: Mapped[str | None] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    in_app: Mapped[bool] = mapped_column(default=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    email_to: Mapped[str | None] = mapped_column(sa.String(254))
    email_status: Mapped[EmailStatus] = mapped_column(enum_column(EmailStatus, "email_status"))
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(sa.String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str] = mapped_column(sa.String(500), default="")

    user: Mapped["User | None"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("user_id IS NOT NULL OR NOT in_app", name="in_app_has_user"),
        sa.CheckConstraint("(email_status = 'off') = (email_to IS NULL)", name="email_has_address"),
        sa.CheckConstraint("in_app OR email_status <> 'off'", name="goes_somewhere"),
        sa.CheckConstraint("(email_status = 'sent') = (sent_at IS NOT NULL)", name="sent_has_time"),
        sa.CheckConstraint("email_status <> 'sending' OR (claim_token IS NOT NULL AND claimed_at IS NOT NULL)",
                           name="sending_is_claimed"),
        sa.CheckConstraint("email_status <> 'pending' OR next_attempt_at IS NOT NULL", name="pending_is_due"),
        sa.Index("ix_notifications_email_status_next_attempt_at", "email_status", "next_attempt_at"),  # claims
        sa.Index("ix_notifications_user_id_read_at", "user_id", "read_at"),  # the bell
        sa.Index("ix_notifications_user_id_created_at", "user_id", "created_at"),  # the list
    )


class NotificationPreference(db.Model):
    """A user's choice for one kind of notification; without a row, both channels are on."""

    __tablename__ = "notification_preferences"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    kind: Mapped[NotificationKind] = mapped_column(enum_column(NotificationKind, "notification_kind"),
                                                   primary_key=True)
    email: Mapped[bool] = mapped_column(default=True)
    in_app: Mapped[bool] = mapped_column(default=True)

    __table_args__ = (
        sa.CheckConstraint("kind NOT IN ('password_reset', 'info_requested') OR (email AND in_app)",
                           name="essential_stay_on"),
    )
