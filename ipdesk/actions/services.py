"""Recording administrative actions, suits and hearings; a rule-computed deadline follows its action."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ipdesk.actions.models import AdministrativeAction, Hearing, Litigation
from ipdesk.audit.services import log_event
from ipdesk.cases.models import Case, Stage
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import in_both_languages, local_today
from ipdesk.deadlines.models import DeadlineRule
from ipdesk.deadlines.services import add_deadline, complete_deadline
from ipdesk.deadlines.services import rules_for as country_rules
from ipdesk.extensions import db

ACTION_FIELDS = ("kind", "authority", "status", "filed_on", "reference", "trigger_on", "result", "quantity_seized",
                 "penalty_amount", "penalty_currency")
LITIGATION_FIELDS = ("court", "court_case_number", "status", "filed_on", "preservation_orders", "judgment",
                     "judged_on", "damages_currency", "damages_awarded", "damages_recovered")
FREE_TEXT_FIELDS = ("result", "preservation_orders", "judgment")


def _check_open(case: Case) -> None:
    if case.stage in (Stage.draft, Stage.closed):
        raise ServiceError(_("Actions can be recorded only on a submitted, open case."))


TEXT_FIELDS = {"authority", "reference", "result", "court", "court_case_number", "preservation_orders", "judgment"}


def _clean(data: dict, fields) -> dict:
    values = {}
    for name in fields:
        value = data.get(name)
        if name in TEXT_FIELDS:
            value = (value or "").strip()
        values[name] = value
    return values


def _plain(values: dict) -> dict:
    """Values as the audit log stores them (JSON)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else getattr(v, "name", None) or
                (str(v) if v is not None and not isinstance(v, (int, str)) else v)) for k, v in values.items()}


def _audited(values: dict, suffix: str = "") -> tuple[dict, dict]:
    """``values`` split for the audit log: the data, and the free texts (they may name people) as personal
    values, their names ending in ``suffix``."""
    plain = _plain(values)
    return ({k: v for k, v in plain.items() if k not in FREE_TEXT_FIELDS},
            {f"{k}{suffix}": v for k, v in plain.items() if k in FREE_TEXT_FIELDS})


def _audited_change(before: dict, after: dict) -> tuple[dict, dict]:
    """An edit's before and after values, split as ``_audited`` does."""
    data_before, personal_before = _audited(before, "_before")
    data_after, personal_after = _audited(after, "_after")
    return {"before": data_before, "after": data_after}, {**personal_before, **personal_after}


def rules_for(case: Case) -> list[DeadlineRule]:
    """The active rules of the case's jurisdiction (its country's, then its regional office's)."""
    return country_rules(case.country_code)


def add_action(case: Case, data: dict, actor) -> AdministrativeAction:
    """Record an administrative action; with a rule, its deadline is computed from the trigger date."""
    _check_open(case)
    values = _clean(data, ACTION_FIELDS)
    values["penalty_currency"] = values["penalty_currency"] or None
    _check_penalty(values)
    action = AdministrativeAction(case_id=case.id, created_by_id=actor.id, **values)
    db.session.add(action)
    db.session.flush()
    if data.get("deadline_rule_id"):
        _attach_deadline(case, action, data["deadline_rule_id"], actor)
    case.updated_at = utcnow()
    db.session.flush()
    data, personal = _audited(values)
    log_event("action.added", actor=actor, obj=action,
              data={"case_id": case.id, **data, "deadline_id": action.deadline_id}, personal=personal)
    return action


def update_action(action: AdministrativeAction, case: Case, data: dict, actor) -> AdministrativeAction:
    """Change an action (usually its status and result); a rule deadline moves with a new trigger date."""
    _check_open(case)
    values = _clean(data, ACTION_FIELDS)
    values["penalty_currency"] = values["penalty_currency"] or None
    _check_penalty(values)
    before = {f: getattr(action, f) for f in ACTION_FIELDS}
    for name, value in values.items():
        setattr(action, name, value)
    action.updated_at = utcnow()
    bump_version(action)
    deadline = action.deadline
    if deadline is not None and deadline.rule is not None and not deadline.is_done and action.trigger_on \
            and action.trigger_on != deadline.trigger_on:
        deadline.trigger_on = action.trigger_on
        deadline.due_on = deadline.rule.due_from(action.trigger_on)
    elif deadline is None and data.get("deadline_rule_id"):
        _attach_deadline(case, action, data["deadline_rule_id"], actor)
    case.updated_at = utcnow()
    db.session.flush()
    change, personal = _audited_change(before, values)
    log_event("action.updated", actor=actor, obj=action, data={"case_id": case.id, **change}, personal=personal)
    return action


def _check_penalty(values: dict) -> None:
    if (values["penalty_amount"] is None) != (values["penalty_currency"] is None):
        raise ServiceError(_("Give both the penalty and its currency, or neither."), field="penalty_currency")


def _attach_deadline(case: Case, action: AdministrativeAction, rule_id: int, actor) -> None:
    if not action.trigger_on:
        raise ServiceError(_("Give the date the rule counts from."), field="trigger_on")
    what, what_ko = in_both_languages(lambda: f"{action.kind.title} · {action.authority}")
    deadline = add_deadline(case, {"rule_id": rule_id, "trigger_on": action.trigger_on, "what": what[:300],
                                   "what_ko": what_ko[:300]}, actor)
    action.deadline_id = deadline.id
    action.deadline = deadline


def add_litigation(case: Case, data: dict, actor) -> Litigation:
    _check_open(case)
    values = _check_damages(_clean(data, LITIGATION_FIELDS))
    suit = Litigation(case_id=case.id, created_by_id=actor.id, **values)
    db.session.add(suit)
    case.updated_at = utcnow()
    db.session.flush()
    data, personal = _audited(values)
    log_event("litigation.added", actor=actor, obj=suit, data={"case_id": case.id, **data}, personal=personal)
    return suit


def update_litigation(suit: Litigation, case: Case, data: dict, actor) -> Litigation:
    _check_open(case)
    values = _check_damages(_clean(data, LITIGATION_FIELDS))
    before = {f: getattr(suit, f) for f in LITIGATION_FIELDS}
    for name, value in values.items():
        setattr(suit, name, value)
    suit.updated_at = utcnow()
    bump_version(suit)
    case.updated_at = utcnow()
    db.session.flush()
    change, personal = _audited_change(before, values)
    log_event("litigation.updated", actor=actor, obj=suit, data={"case_id": case.id, **change}, personal=personal)
    return suit


def _check_damages(values: dict) -> dict:
    values["damages_currency"] = values["damages_currency"] or None
    if values["damages_currency"] is None and (values["damages_awarded"] is not None or
                                               values["damages_recovered"] is not None):
        raise ServiceError(_("Choose the currency of the damages."), field="damages_currency")
    if values["damages_currency"] is not None and values["damages_awarded"] is None \
            and values["damages_recovered"] is None:
        values["damages_currency"] = None  # a currency alone says nothing
    return values


def add_hearing(suit: Litigation, case: Case, data: dict, actor) -> Hearing:
    _check_open(case)
    hearing = Hearing(litigation_id=suit.id, held_on=data["held_on"], note=(data.get("note") or "").strip(),
                      created_by_id=actor.id)
    # a hearing is a date the centre must keep, like any deadline; one already held is recorded as done
    what, what_ko = in_both_languages(lambda: _("Hearing at %(court)s", court=suit.court))
    deadline = add_deadline(case, {"what": what[:300], "what_ko": what_ko[:300], "due_on": hearing.held_on}, actor)
    if hearing.held_on < local_today():
        complete_deadline(deadline, actor)
    hearing.deadline_id = deadline.id
    db.session.add(hearing)
    case.updated_at = utcnow()
    db.session.flush()
    log_event("hearing.added", actor=actor, obj=hearing,
              data={"case_id": case.id, "litigation_id": suit.id, "held_on": hearing.held_on.isoformat()})
    return hearing


@dataclass
class CaseActions:
    actions: list[AdministrativeAction]
    suits: list[Litigation]


def case_actions(case: Case) -> CaseActions:
    """The actions and suits of a case for its page, in two queries plus one for hearings."""
    actions = db.session.scalars(sa.select(AdministrativeAction).where(AdministrativeAction.case_id == case.id)
                                 .options(selectinload(AdministrativeAction.deadline))
                                 .order_by(AdministrativeAction.created_at, AdministrativeAction.id)).all()
    suits = db.session.scalars(sa.select(Litigation).where(Litigation.case_id == case.id)
                               .options(selectinload(Litigation.hearings))
                               .order_by(Litigation.created_at, Litigation.id)).all()
    return CaseActions(actions=list(actions), suits=list(suits))
