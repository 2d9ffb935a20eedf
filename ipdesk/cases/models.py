"""The case, its stage history, transfers, messages and consultations."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext, pgettext
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.companies.models import Company, Sector
from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum, translated
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub, Region

_SHORT_STAGE_TITLES = {  # by stage name; the other stages' titles are short already
    "returned": lazy_pgettext("short case stage", "Returned"),
    "evidence": lazy_pgettext("short case stage", "Evidence"),
    "consultation": lazy_pgettext("short case stage", "Consultation"),
}


class Stage(LabelledEnum):
    draft = "draft", _l("Draft")
    intake = "intake", _l("Intake")
    returned = "returned", _l("Returned for information")
    evidence = "evidence", _l("Evidence collection")
    consultation = "consultation", _l("Legal consultation")
    action = "action", lazy_pgettext("case stage", "Action")  # not the audit log's "action"
    closed = "closed", _l("Closed")

    @property
    def is_open(self) -> bool:
        return self not in (Stage.draft, Stage.closed)

    @property
    def short_title(self) -> str:
        """A word or two for narrow columns (the country summary's tables), in the current language."""
        short = _SHORT_STAGE_TITLES.get(self.name)
        return self.title if short is None else translated(self, "short_title", short)


OPEN_STAGES = (Stage.intake, Stage.returned, Stage.evidence, Stage.consultation, Stage.action)
# a case that reaches one of these has been given a support (its ``supported_at``)
SUPPORT_STAGES = (Stage.evidence, Stage.consultation, Stage.action)


class Outcome(LabelledEnum):
    """How a case ended: in court, by settlement, or by what administrative enforcement achieved."""

    won = "won", _l("Won")
    settled = "settled", _l("Settled")
    takedown = "takedown", _l("Listing removed")
    seized = "seized", _l("Raid or seizure made")
    fined = "fined", _l("Fine imposed")
    upheld = "upheld", _l("Opposition or invalidation upheld")
    lost = "lost", _l("Lost")
    withdrawn = "withdrawn", _l("Withdrawn")
    rejected = "rejected", _l("Rejected at intake")
    no_action = "no_action", _l("No action possible")


class IPRight(LabelledEnum):
    trademark = "trademark", _l("Trademark")
    design = "design", _l("Design")
    patent = "patent", _l("Patent")
    copyright = "copyright", _l("Copyright")
    trade_secret = "trade_secret", _l("Trade secret")


class DisputeType(LabelledEnum):
    counterfeit = "counterfeit", _l("Counterfeit goods")
    squatting = "squatting", _l("Trademark squatting / bad-faith filing")
    marketplace = "marketplace", _l("Online marketplace listing")
    piracy = "piracy", _l("Piracy of content")
    claim_against = "claim_against", _l("Infringement claim against the exporter")
    other = "other", _l("Other")


class Urgency(LabelledEnum):
    low = "low", _l("Low")
    normal = "normal", _l("Normal")
    high = "high", _l("High")
    urgent = "urgent", _l("Urgent")


class Route(LabelledEnum):
    administrative = "administrative", _l("Administrative action")
    civil = "civil", _l("Civil litigation")
    both = "both", _l("Administrative action and civil litigation")
    settlement = "settlement", _l("Negotiated settlement")
    none = "none", _l("No action")


class Case(db.Model):
    """One dispute of one company in one country, handled by one hub."""

    __tablename__ = "cases"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str | None] = mapped_column(sa.String(20), unique=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"), index=True)
    hub_id: Mapped[int] = mapped_column(sa.ForeignKey("hubs.id"), index=True)
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    filed_on_behalf: Mapped[bool] = mapped_column(default=False)

    title: Mapped[str] = mapped_column(sa.String(200))
    sector: Mapped[Sector | None] = mapped_column(enum_column(Sector, "case_sector"), index=True)
    ip_right: Mapped[IPRight | None] = mapped_column(enum_column(IPRight, "ip_right"), index=True)
    dispute_type: Mapped[DisputeType | None] = mapped_column(enum_column(DisputeType, "dispute_type"), index=True)
    found_where: Mapped[str] = mapped_column(sa.Text, default="")
    infringer_name: Mapped[str] = mapped_column(sa.String(300), default="")
    infringer_shop_id: Mapped[str] = mapped_column(sa.String(300), default="")
    infringer_urls: Mapped[str] = mapped_column(sa.Text, default="")
    infringer_contacts: Mapped[str] = mapped_column(sa.Text, default="")
    # where the infringer operates (a province, a state), when the intake says: the case is routed by it
    infringer_region_code: Mapped[str | None] = mapped_column(sa.ForeignKey("regions.code"))
    registration_numbers: Mapped[str] = mapped_column(sa.Text, default="")
    # the Nice classes of the goods concerned (a trademark case): whether the registrations cover them
    goods_classes: Mapped[list[int]] = mapped_column(sa.JSON, default=list, server_default=sa.text("'[]'"))
    damages_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2))
    damages_currency: Mapped[str | None] = mapped_column(sa.String(3))
    urgency: Mapped[Urgency] = mapped_column(enum_column(Urgency, "urgency"), default=Urgency.normal)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    first_noticed_on: Mapped[date | None] = mapped_column(sa.Date)

    stage: Mapped[Stage] = mapped_column(enum_column(Stage, "stage"), default=Stage.draft, index=True)
    closed_from: Mapped[Stage | None] = mapped_column(enum_column(Stage, "closed_from_stage"))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "outcome"), index=True)
    closing_note: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)  # dashboards count recent closings

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # indexed with the key (below)
    stage_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)  # indexed with the key (below)
    version: Mapped[int] = mapped_column(default=1)
    # how long the case has spent in each open stage: the sum of its finished stays there, in seconds (None until one
    # ends); written by the database when a stage change is inserted (migration 0033), read by the country summary
    intake_seconds: Mapped[float | None] = mapped_column(sa.Float)
    returned_seconds: Mapped[float | None] = mapped_column(sa.Float)
    evidence_seconds: Mapped[float | None] = mapped_column(sa.Float)
    consultation_seconds: Mapped[float | None] = mapped_column(sa.Float)
    action_seconds: Mapped[float | None] = mapped_column(sa.Float)
    # the earliest due date of the case's deadlines not done (None when it has none); written by the database as
    # deadlines change (migration 0035), read by the country summary's cases to chase
    next_due_on: Mapped[date | None] = mapped_column(sa.Date)
    # when the case first reached evidence collection or a later stage: from then on it counts as a support the
    # centre gave (None until it does); written by the database as stage changes are inserted (migration 0040)
    supported_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
    country: Mapped[Country] = relationship()
    hub: Mapped[Hub] = relationship()
    infringer_region: Mapped[Region | None] = relationship()
    assignee: Mapped["User | None"] = relationship(foreign_keys=[assignee_id])  # noqa: F821
    created_by: Mapped["User"] = relationship(foreign_keys=[created_by_id])  # noqa: F821

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint(
            "(stage = 'closed') = (outcome IS NOT NULL AND closed_at IS NOT NULL AND closed_from IS NOT NULL)",
            name="closed_has_outcome",
        ),
        sa.CheckConstraint("stage = 'draft' OR reference IS NOT NULL", name="submitted_has_reference"),
        sa.CheckConstraint("(damages_amount IS NULL) = (damages_currency IS NULL)", name="damages_have_currency"),
        sa.CheckConstraint("damages_amount IS NULL OR damages_amount >= 0", name="damages_not_negative"),
        sa.CheckConstraint("infringer_region_code IS NULL OR substr(infringer_region_code, 1, 3) = country_code || '-'",
                           name="region_in_country"),
        sa.Index("ix_cases_hub_id_stage", "hub_id", "stage"),
        sa.Index("ix_cases_company_id_stage", "company_id", "stage"),
        # country summaries: a country's cases by submission date, with every column the summary counts and
        # sums, so its breakdowns and its list of open cases read the index alone (5,000 cases: 13 -> 6 ms)
        sa.Index("ix_cases_country_code_submitted_at_covering", "country_code", "submitted_at", "stage", "sector",
                 "ip_right", "dispute_type", "outcome", "damages_currency", "damages_amount"),
        # the country summary's cases to chase, the most overdue first: found in that order, their period and stage
        # read from the index
        sa.Index("ix_cases_country_code_next_due_on", "country_code", "next_due_on", "submitted_at", "stage"),
        # the list's newest and oldest first, the key breaking ties (ipdesk.cases.listing.SORT_ORDERS), with what
        # decides whether a draft is shown: the drafts a viewer does not see are passed over in the index
        sa.Index("ix_cases_submitted_at_id", "submitted_at", "id", "stage", "filed_on_behalf"),
        sa.Index("ix_cases_updated_at_id", "updated_at", "id"),
        # the supports given on the days of a period outside whole months (the country summary, the figures' CSV)
        sa.Index("ix_cases_supported_at_country_code", "supported_at", "country_code"),
    )

    @property
    def display_reference(self) -> str:
        return self.reference or pgettext("case reference", "Draft #%(id)d", id=self.id)


# The list's sorts by stage and by country, newest first within each, read in order from an index (DESC puts NULL
# first on PostgreSQL, as the sorts do): a page of the list never sorts the cases it steps over.
sa.Index("ix_cases_stage_submitted_at", Case.stage, Case.submitted_at.desc(), Case.id.desc())
sa.Index("ix_cases_country_code_submitted_at_desc", Case.country_code, Case.submitted_at.desc(), Case.id.desc(),
         Case.stage, Case.filed_on_behalf)


class CaseSequence(db.Model):
    """The last reference number given per country and year."""

    __tablename__ = "case_sequences"

    country_code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class StageChange(db.Model):
    """One move of a case between stages: who, when, from, to and why."""

    __tablename__ = "stage_changes"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    from_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "from_stage"))
    to_stage: Mapped[Stage] = mapped_column(enum_column(Stage, "to_stage"), index=True)
    transition: Mapped[str] = mapped_column(sa.String(32))
    outcome: Mapped[Outcome | None] = mapped_column(enum_column(Outcome, "change_outcome"))
    # why a case was returned or rejected (the service requires one for those moves; older moves have none)
    reason_id: Mapped[int | None] = mapped_column(sa.ForeignKey("refusal_reasons.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped["User"] = relationship()  # noqa: F821
    reason: Mapped["RefusalReason | None"] = relationship()  # noqa: F821

    __table_args__ = (
        # the dashboard's refusals by reason: the returns and rejections of a period, read from the index alone
        sa.Index("ix_stage_changes_transition_created_at_covering", "transition", "created_at", "reason_id",
                 "case_id"),
    )


class CaseTransfer(db.Model):
    """A case moved from one hub to another that covers its country."""

    __tablename__ = "case_transfers"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    from_hub_id: Mapped[int] = mapped_column(sa.ForeignKey("hubs.id"))
    to_hub_id: Mapped[int] = mapped_column(sa.ForeignKey("hubs.id"))
    reason: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped["User"] = relationship()  # noqa: F821
    from_hub: Mapped[Hub] = relationship(foreign_keys=[from_hub_id])
    to_hub: Mapped[Hub] = relationship(foreign_keys=[to_hub_id])


class Message(db.Model):
    """A message between the exporter and staff on a case, or an internal note of staff."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    body: Mapped[str] = mapped_column(sa.Text)
    is_internal: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    author: Mapped["User"] = relationship()  # noqa: F821


class Consultation(db.Model):
    """Advice from local counsel."""

    __tablename__ = "consultations"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    firm: Mapped[str] = mapped_column(sa.String(200))
    lawyer: Mapped[str] = mapped_column(sa.String(200), default="")
    consulted_on: Mapped[date] = mapped_column(sa.Date)
    summary: Mapped[str] = mapped_column(sa.Text)
    recommended_route: Mapped[Route] = mapped_column(enum_column(Route, "recommended_route"))
    cost_amount: Mapped[Decimal | None] = mapped_column(sa.Numeric(16, 2))
    cost_currency: Mapped[str | None] = mapped_column(sa.String(3))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped["User"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("(cost_amount IS NULL) = (cost_currency IS NULL)", name="cost_has_currency"),
    )
