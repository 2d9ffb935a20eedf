"""Deadline rules (admin reference data) and the deadlines of cases."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.core.i18n import localized
from ipdesk.deadlines.counting import due_date
from ipdesk.extensions import db


class DeadlineSource(LabelledEnum):
    manual = "manual", _l("Entered by hand")
    rule = "rule", _l("Computed from a rule")


class DeadlineEnding(LabelledEnum):
    """How a deadline stopped being open: met, dropped, or handed to counsel when its case closed."""

    done = "done", _l("Done")
    withdrawn = "withdrawn", _l("Withdrawn")
    counsel = "counsel", _l("Carried on by counsel")


class RuleProcedure(LabelledEnum):
    """The procedures every jurisdiction's rules cover (issue 24), and any other an admin adds."""

    opposition = "opposition", _l("Opposition")
    invalidation_bad_faith = "invalidation_bad_faith", _l("Invalidation or cancellation for bad faith")
    non_use_cancellation = "non_use_cancellation", _l("Cancellation for non-use")
    refusal_appeal = "refusal_appeal", _l("Appeal of a refusal")
    renewal = "renewal", _l("Renewal (late, in the grace period)")
    other = "other", _l("Other procedure")


class DeadlineRule(db.Model):
    """A time limit of a procedure in a jurisdiction, counted from a trigger date, with where the law says so.

    ``opens``: the date counted is the first day the procedure may be started (cancellation for non-use), not its
    last. ``no_time_limit``: the law sets none (bad faith, in many places): the rule informs and counts nothing.
    ``business_days``: ``days`` are working days (Monday to Friday; public holidays are the user's to allow for).
    ``counting``: how months are counted (``ipdesk.deadlines.counting.COUNTINGS``); ``past_weekend``: a due date on
    a weekend moves to the Monday after.
    ``confirmed``: read in the official text at ``url`` on ``checked_on``; otherwise to be confirmed with counsel."""

    __tablename__ = "deadline_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    jurisdiction: Mapped[str] = mapped_column(sa.String(2), index=True)  # a country code, or EU
    procedure_en: Mapped[str] = mapped_column(sa.String(200))
    procedure_ko: Mapped[str] = mapped_column(sa.String(200))
    trigger_en: Mapped[str] = mapped_column(sa.String(300))
    trigger_ko: Mapped[str] = mapped_column(sa.String(300))
    months: Mapped[int] = mapped_column(default=0)
    days: Mapped[int] = mapped_column(default=0)
    source_en: Mapped[str] = mapped_column(sa.String(300))  # the law and article, as read in each language
    source_ko: Mapped[str] = mapped_column(sa.String(300))
    is_active: Mapped[bool] = mapped_column(default=True)
    procedure_kind: Mapped[RuleProcedure] = mapped_column(enum_column(RuleProcedure, "rule_procedure"),
                                                          default=RuleProcedure.other, server_default="other")
    opens: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    no_time_limit: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    business_days: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    counting: Mapped[str] = mapped_column(sa.String(20), default="plain", server_default="plain")  # COUNTINGS
    past_weekend: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    extension_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")  # whether and how it extends
    extension_ko: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    note_en: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    note_ko: Mapped[str] = mapped_column(sa.Text, default="", server_default="")
    url: Mapped[str] = mapped_column(sa.String(500), default="", server_default="")  # the official text
    checked_on: Mapped[date | None] = mapped_column(sa.Date)
    confirmed: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    # a change of the law announced but not read in its official text: from ``change_from`` (a trigger on or after
    # it) the period may be ``change_months`` and ``change_days`` instead; until the rule is revised, the earlier of
    # the two dates is given, so nobody relies on the later one (China's 2027 Trademark Law: 2 months, reportedly)
    change_from: Mapped[date | None] = mapped_column(sa.Date)
    change_months: Mapped[int | None]
    change_days: Mapped[int | None]
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("months >= 0 AND days >= 0 AND (months + days > 0 OR no_time_limit)", name="some_period"),
        sa.UniqueConstraint("jurisdiction", "procedure_en", name="uq_deadline_rules_jurisdiction_procedure"),
        sa.CheckConstraint("counting IN ('plain', 'inclusive', 'from_next_day')", name="known_counting"),
    )

    @property
    def procedure(self) -> str:
        return localized(self, "procedure")

    @property
    def trigger(self) -> str:
        return localized(self, "trigger")

    @property
    def source(self) -> str:
        """The law and article the period comes from, in the reader's language."""
        return localized(self, "source")

    @property
    def extension(self) -> str:
        return localized(self, "extension")

    @property
    def note(self) -> str:
        return localized(self, "note")

    def due_from(self, trigger: date) -> date:
        """The date this rule gives, counted from ``trigger``: under an announced change of the law (a trigger on or
        after ``change_from``), the earlier of the period's and the changed period's dates."""
        due = due_date(trigger, self.months, self.days, business_days=self.business_days, counting=self.counting,
                       past_weekend=self.past_weekend)
        if self.changes_for(trigger):
            due = min(due, due_date(trigger, self.change_months or 0, self.change_days or 0,
                                    business_days=self.business_days, counting=self.counting,
                                    past_weekend=self.past_weekend))
        return due

    def changes_for(self, trigger: date) -> bool:
        """Whether an announced change of the law may apply to a period counted from ``trigger``."""
        return self.change_from is not None and trigger >= self.change_from


class Deadline(db.Model):
    """A due date of a case (a calendar date, not a moment)."""

    __tablename__ = "deadlines"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"))
    what: Mapped[str] = mapped_column(sa.String(300))  # as typed; or, made by ipdesk, in English
    what_ko: Mapped[str | None] = mapped_column(sa.String(300))  # made by ipdesk: the same in Korean
    due_on: Mapped[date] = mapped_column(sa.Date, index=True)
    source: Mapped[DeadlineSource] = mapped_column(enum_column(DeadlineSource, "deadline_source"))
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deadline_rules.id"))
    trigger_on: Mapped[date | None] = mapped_column(sa.Date)
    is_done: Mapped[bool] = mapped_column(default=False, index=True)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ending: Mapped[DeadlineEnding | None] = mapped_column(enum_column(DeadlineEnding, "deadline_ending"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    rule: Mapped[DeadlineRule | None] = relationship()
    case: Mapped["Case"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("(source = 'rule') = (rule_id IS NOT NULL AND trigger_on IS NOT NULL)",
                           name="rule_has_trigger"),
        sa.CheckConstraint("is_done = (done_at IS NOT NULL)", name="done_has_time"),
        sa.CheckConstraint("is_done = (ending IS NOT NULL)", name="done_has_ending"),
        # a case's deadlines, and its open overdue ones (statistics, the case list's "overdue" filter)
        sa.Index("ix_deadlines_case_id_is_done_due_on", "case_id", "is_done", "due_on"),
    )

    @property
    def title(self) -> str:
        """What is due, in the reader's language (``deadline_title``)."""
        return deadline_title(self.what, self.what_ko)

    def is_overdue(self, today: date) -> bool:
        return not self.is_done and self.due_on < today


def deadline_title(what: str, what_ko: str | None) -> str:
    """What a deadline is for, in the reader's language: a title ipdesk made (from a rule, an action, a hearing)
    has both languages; one a person typed has the one it was typed in."""
    return what_ko if what_ko and str(get_locale()) == "ko" else what
