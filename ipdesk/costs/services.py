"""Recording costs, the cost-share rules, and the subsidy a case is due under them."""
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

import sqlalchemy as sa
from flask_babel import gettext as _

from ipdesk.audit.services import log_event
from ipdesk.cases.models import Case, Stage
from ipdesk.companies.models import CompanySize
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.forms import MAX_WON
from ipdesk.core.reference import save_reference_row
from ipdesk.costs.models import Cost, CostShareRule, Payer
from ipdesk.extensions import db

WON = Decimal(1)


def to_krw(amount: Decimal, rate: Decimal) -> int:
    return int((amount * rate).quantize(WON, rounding=ROUND_HALF_UP))


def record_cost(case: Case, data: dict, actor, *, consultation_id: int | None = None) -> Cost:
    """Add a cost to ``case``; an amount in another currency than won needs its rate to won.

    :param data: category, description, payer, amount, currency, krw_rate, incurred_on.
    """
    if case.stage in (Stage.draft, Stage.closed):
        raise ServiceError(_("Costs can be added only to a submitted, open case."))
    currency = data["currency"]
    rate = Decimal(1) if currency == "KRW" else data.get("krw_rate")
    if rate is None or rate <= 0:
        raise ServiceError(_("Give the rate that converts the amount to won (KRW per 1 %(currency)s).",
                             currency=currency), field="krw_rate")
    amount_krw = to_krw(data["amount"], rate)
    if amount_krw > MAX_WON:  # the forms say so first; a total beyond it would overflow the reports' sums
        raise ServiceError(_("This comes to more than 9,999,999,999,999 won: check the amount and the rate."),
                           field="amount")
    cost = Cost(case_id=case.id, category=data["category"], description=(data.get("description") or "").strip(),
                payer=data["payer"], amount=data["amount"], currency=currency, krw_rate=rate,
                amount_krw=amount_krw, incurred_on=data["incurred_on"],
                consultation_id=consultation_id, created_by_id=actor.id)
    db.session.add(cost)
    case.updated_at = utcnow()
    db.session.flush()
    log_event("cost.added", actor=actor, obj=cost,
              data={"case_id": case.id, "amount": str(cost.amount), "currency": currency,
                    "krw_rate": str(rate), "amount_krw": cost.amount_krw, "payer": cost.payer.name})
    return cost


def remove_cost(cost: Cost, case: Case, actor) -> None:
    """Take back a cost entered by mistake; the audit log keeps what it was."""
    if case.stage is Stage.closed:
        raise ServiceError(_("The costs of a closed case cannot be changed."))
    log_event("cost.removed", actor=actor, obj=cost,
              data={"case_id": case.id, "amount": str(cost.amount), "currency": cost.currency,
                    "amount_krw": cost.amount_krw, "incurred_on": cost.incurred_on.isoformat()})
    db.session.delete(cost)
    case.updated_at = utcnow()
    db.session.flush()


# --- the subsidy -----------------------------------------------------------------------------

@dataclass
class CostLine:
    cost: Cost
    subsidy_krw: int
    capped: bool  # the yearly cap cut this cost's share


@dataclass
class Subsidy:
    """What the programme pays towards one case's costs, after the company's yearly caps."""

    rule: CostShareRule | None
    lines: list[CostLine] = field(default_factory=list)
    cap_left: dict[int, int] = field(default_factory=dict)  # year -> won left under the cap after all costs

    @property
    def total_krw(self) -> int:
        return sum(line.cost.amount_krw for line in self.lines)

    @property
    def subsidy_krw(self) -> int:
        return sum(line.subsidy_krw for line in self.lines)

    @property
    def refund_to_company_krw(self) -> int:
        """The programme's share of what the company paid itself."""
        return sum(line.subsidy_krw for line in self.lines if line.cost.payer is Payer.company)

    @property
    def owed_by_company_krw(self) -> int:
        """The company's own share of what the centre paid for it."""
        return sum(line.cost.amount_krw - line.subsidy_krw for line in self.lines if line.cost.payer is Payer.centre)

    @property
    def is_capped(self) -> bool:
        return any(line.capped for line in self.lines)


def rule_for(size: CompanySize) -> CostShareRule | None:
    return db.session.scalar(sa.select(CostShareRule).where(CostShareRule.company_size == size,
                                                            CostShareRule.is_active))


def case_subsidy(case: Case) -> Subsidy:
    """The subsidy due on ``case``'s costs.

    The share applies cost by cost in the order they were incurred, across all the company's cases
    of a calendar year, until the year's cap is used up; so a case's subsidy depends on what the
    company's other cases spent earlier that year.
    """
    costs = db.session.scalars(sa.select(Cost).where(Cost.case_id == case.id)
                               .order_by(Cost.incurred_on, Cost.id)).all()
    rule = rule_for(case.company.size)
    subsidy = Subsidy(rule=rule)
    if not costs:
        return subsidy
    if rule is None:
        subsidy.lines = [CostLine(cost, 0, False) for cost in costs]
        return subsidy
    years = sorted({c.incurred_on.year for c in costs})
    company_costs = db.session.execute(
        sa.select(Cost.id, Cost.amount_krw, Cost.incurred_on).join(Case, Case.id == Cost.case_id)
        .where(Case.company_id == case.company_id, Cost.incurred_on >= date(years[0], 1, 1),
               Cost.incurred_on <= date(years[-1], 12, 31))
        .order_by(Cost.incurred_on, Cost.id)).all()
    share = rule.share_percent / 100
    used: dict[int, int] = {}
    granted: dict[int, tuple[int, bool]] = {}
    for cost_id, amount_krw, incurred_on in company_costs:
        year = incurred_on.year
        full = int((Decimal(amount_krw) * share).quantize(WON, rounding=ROUND_HALF_UP))
        allowed = max(0, min(full, rule.annual_cap_krw - used.get(year, 0)))
        used[year] = used.get(year, 0) + allowed
        granted[cost_id] = (allowed, allowed < full)
    subsidy.lines = [CostLine(cost, *granted.get(cost.id, (0, False))) for cost in costs]
    subsidy.cap_left = {year: rule.annual_cap_krw - used.get(year, 0) for year in years}
    return subsidy


# --- the rules -------------------------------------------------------------------------------

RULE_FIELDS = ("company_size", "share_percent", "annual_cap_krw", "source", "is_active")

SHIPPED_RULES = [
    # size, programme's share in %, cap per company and year in won, source
    (CompanySize.sme, Decimal(70), 50_000_000,
     "Overseas IP dispute consulting, 2026: 70 % for SMEs; K-brand dispute strategy capped at ₩50M per company"),
    (CompanySize.midsize, Decimal(50), 50_000_000,
     "Overseas IP dispute consulting, 2026: 50 % for mid-sized firms; capped at ₩50M per company"),
]


def load_shipped_cost_rules() -> int:
    """Add the shipped rules for sizes that have none; an admin's changes are never overwritten."""
    existing = set(db.session.scalars(sa.select(CostShareRule.company_size)))
    added = 0
    for size, percent, cap, source in SHIPPED_RULES:
        if size not in existing:
            db.session.add(CostShareRule(company_size=size, share_percent=percent, annual_cap_krw=cap, source=source))
            added += 1
    db.session.flush()
    return added


def save_cost_rule(rule: CostShareRule | None, data: dict, actor) -> CostShareRule:
    """Create a rule (``rule`` None) or change one; subsidies are computed with the rules as they are now."""
    rule, before, values = save_reference_row(
        CostShareRule, rule, data, RULE_FIELDS, duplicate_field="company_size",
        duplicate_message=_("This company size already has a rule."))
    log_event("cost_rule.saved", actor=actor, obj=rule,
              data={"company_size": rule.company_size.name,
                    "before": before and {f: _plain(v) for f, v in before.items()},
                    "after": {f: _plain(v) for f, v in values.items()}})
    return rule


def _plain(value):
    if isinstance(value, Decimal):
        return str(value)
    return getattr(value, "name", value)
