"""Cost-share rules (admin reference data) and the costs of cases."""
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.companies.models import CompanySize
from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class CostCategory(LabelledEnum):
    counsel = "counsel", _l("Counsel's fees")
    official_fee = "official_fee", _l("Official fees")
    investigation = "investigation", _l("Investigation and test purchases")
    notarisation = "notarisation", _l("Notarisation")
    translation = "translation", _l("Translation")
    litigation = "litigation", _l("Litigation costs")
    other = "other", _l("Other")


class Payer(LabelledEnum):
    company = "company", _l("The company (the programme refunds its share)")
    centre = "centre", _l("The IP centre (the company pays back its own share)")


class CostShareRule(db.Model):
    """The programme's share of costs for one company size, and its cap per company per year."""

    __tablename__ = "cost_share_rules"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_size: Mapped[CompanySize] = mapped_column(enum_column(CompanySize, "rule_company_size"), unique=True)
    share_percent: Mapped[Decimal] = mapped_column(sa.Numeric(5, 2))
    annual_cap_krw: Mapped[int] = mapped_column(sa.BigInteger)
    source: Mapped[str] = mapped_column(sa.String(300))
    is_active: Mapped[bool] = mapped_column(default=True)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("share_percent >= 0 AND share_percent <= 100", name="share_is_percent"),
        sa.CheckConstraint("annual_cap_krw >= 0", name="cap_not_negative"),
    )


class Cost(db.Model):
    """Money spent on a case, with the rate that converts it to won on the day it was incurred."""

    __tablename__ = "costs"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    category: Mapped[CostCategory] = mapped_column(enum_column(CostCategory, "cost_category"))
    description: Mapped[str] = mapped_column(sa.String(500), default="")
    payer: Mapped[Payer] = mapped_column(enum_column(Payer, "cost_payer"))
    amount: Mapped[Decimal] = mapped_column(sa.Numeric(16, 2))
    currency: Mapped[str] = mapped_column(sa.String(3))
    krw_rate: Mapped[Decimal] = mapped_column(sa.Numeric(18, 6))  # won per unit of the currency
    amount_krw: Mapped[int] = mapped_column(sa.BigInteger)
    incurred_on: Mapped[date] = mapped_column(sa.Date, index=True)
    consultation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("consultations.id", ondelete="SET NULL"))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped["User"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.CheckConstraint("amount >= 0", name="amount_not_negative"),
        sa.CheckConstraint("krw_rate > 0", name="rate_positive"),
        sa.CheckConstraint("currency <> 'KRW' OR krw_rate = 1", name="won_rate_is_one"),
    )
