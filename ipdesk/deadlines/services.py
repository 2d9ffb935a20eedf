"""Adding deadlines to cases and marking them done."""
import sqlalchemy as sa
from flask_babel import gettext as _

from ipdesk.audit.services import log_event
from ipdesk.cases.models import Stage
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import country_name
from ipdesk.core.reference import save_reference_row
from ipdesk.deadlines.models import Deadline, DeadlineEnding, DeadlineRule, DeadlineSource, RuleProcedure
from ipdesk.extensions import db
from ipdesk.rights.offices import offices_for


def rules_for(country_code: str, *, counting: bool = True) -> list[DeadlineRule]:
    """The active rules a case in ``country_code`` may apply: its country's, then its regional office's; those that
    count a period (``counting``), or every one (a rule without a time limit only informs)."""
    offices = offices_for(country_code)
    return list(db.session.scalars(
        sa.select(DeadlineRule).where(DeadlineRule.is_active, DeadlineRule.jurisdiction.in_(offices),
                                      sa.not_(DeadlineRule.no_time_limit) if counting else sa.true())
        .order_by(DeadlineRule.jurisdiction != country_code, DeadlineRule.jurisdiction, DeadlineRule.procedure_en)))


def add_deadline(case, data: dict, actor) -> Deadline:
    """A manual deadline (what + due date), or one computed from a rule and its trigger date."""
    if case.stage is Stage.closed:  # closing ended every deadline; a new one would stay open on a closed case
        raise ServiceError(_("Deadlines cannot be added to a closed case; reopen it first."))
    rule_id = data.get("rule_id") or None
    if rule_id:
        rule = db.session.get(DeadlineRule, rule_id)
        if rule is None or not rule.is_active:
            raise ServiceError(_("Choose a rule."), field="rule_id")
        if rule.no_time_limit:
            raise ServiceError(_("This rule sets no time limit: give the due date yourself."), field="rule_id")
        if rule.jurisdiction not in offices_for(case.country_code):
            raise ServiceError(_("This rule is of another jurisdiction (%(rule)s): a case in %(country)s is counted "
                                 "by the rules of %(country)s.", rule=rule.jurisdiction,
                                 country=country_name(case.country_code)), field="rule_id")
        if not data.get("trigger_on"):
            raise ServiceError(_("Give the date the period counts from (%(trigger)s).", trigger=rule.trigger),
                               field="trigger_on")
        what, what_ko = _made_title(data) or (f"{rule.jurisdiction} · {rule.procedure_en}",
                                              f"{rule.jurisdiction} · {rule.procedure_ko}")
        deadline = Deadline(case_id=case.id, what=what, what_ko=what_ko, source=DeadlineSource.rule, rule_id=rule.id,
                            trigger_on=data["trigger_on"],
                            due_on=rule.due_from(data["trigger_on"]), created_by_id=actor.id)
    else:
        if not (data.get("what") or "").strip():
            raise ServiceError(_("Say what is due."), field="what")
        if not data.get("due_on"):
            raise ServiceError(_("Give the due date."), field="due_on")
        what, what_ko = _made_title(data)
        deadline = Deadline(case_id=case.id, what=what, what_ko=what_ko, due_on=data["due_on"],
                            source=DeadlineSource.manual, created_by_id=actor.id)
    db.session.add(deadline)
    db.session.flush()
    log_event("deadline.added", actor=actor, obj=deadline,
              data={"case_id": case.id, "due_on": deadline.due_on.isoformat(), "rule_id": deadline.rule_id})
    return deadline


def _made_title(data: dict) -> tuple[str, str | None] | None:
    """The title given in ``data``: typed (``what``, in the language it was typed in), or made by ipdesk in both
    languages (``what`` in English and ``what_ko``); None when there is none."""
    what = (data.get("what") or "").strip()
    if not what:
        return None
    return what, (data.get("what_ko") or "").strip() or None


def complete_deadline(deadline: Deadline, actor) -> None:
    if deadline.is_done:
        return
    deadline.is_done = True
    deadline.done_at = utcnow()
    deadline.ending = DeadlineEnding.done
    db.session.flush()
    log_event("deadline.done", actor=actor, obj=deadline, data={"case_id": deadline.case_id})


RULE_FIELDS = ("jurisdiction", "procedure_kind", "procedure_en", "procedure_ko", "trigger_en", "trigger_ko", "months",
               "days", "business_days", "opens", "no_time_limit", "source_en", "source_ko", "url", "checked_on",
               "confirmed", "extension_en", "extension_ko", "note_en", "note_ko", "change_from", "change_months",
               "change_days", "is_active")


TEXT_FIELDS = ("url", "extension_en", "extension_ko", "note_en", "note_ko")


def _plain(values: dict | None) -> dict | None:
    """A rule's values as the audit log keeps them: enums by name, dates as ISO text."""
    if values is None:
        return None
    return {name: value.name if isinstance(value, RuleProcedure) else value.isoformat()
            if hasattr(value, "isoformat") else value for name, value in values.items()}


def save_rule(rule: DeadlineRule | None, data: dict, actor) -> DeadlineRule:
    """Create a rule (``rule`` None) or change one; deadlines already computed keep their dates."""
    data = {**data, **{name: data.get(name) or "" for name in TEXT_FIELDS}}  # a field not sent is empty text
    changed = data.get("change_from") is not None  # an announced change of the law: its day and its period
    data.update({name: (data.get(name) or 0) if changed else None for name in ("change_months", "change_days")},
                change_from=data.get("change_from"))
    rule, before, values = save_reference_row(
        DeadlineRule, rule, data, RULE_FIELDS, duplicate_field="procedure_en",
        duplicate_message=_("This jurisdiction already has a rule for this procedure."))
    log_event("deadline_rule.saved", actor=actor, obj=rule, data={"before": _plain(before), "after": _plain(values)})
    return rule
