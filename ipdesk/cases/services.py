"""Every change to cases: intake, stage moves, routing, messages and consultations."""
from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from babel.dates import get_timezone
from flask import current_app
from flask_babel import gettext as _
from sqlalchemy.dialects import postgresql, sqlite

from ipdesk.audit.services import log_event
from ipdesk.auth.models import Role, User
from ipdesk.cases.closing import end_open_items
from ipdesk.cases.models import (
    Case,
    CaseSequence,
    CaseTransfer,
    Consultation,
    Message,
    Stage,
    StageChange,
    Urgency,
)
from ipdesk.cases.stages import BY_NAME, allowed, blocked_by
from ipdesk.companies.models import Company
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.costs.models import CostCategory
from ipdesk.costs.services import record_cost
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub
from ipdesk.network.services import region_of, routed_hub_id
from ipdesk.notify import services as notifications
from ipdesk.policy import case_parts, hub_staff
from ipdesk.refusals.models import RefusalScope
from ipdesk.refusals.services import chosen_reason
from ipdesk.rights.services import set_case_rights

INTAKE_FIELDS = ("title", "sector", "ip_right", "dispute_type", "found_where", "infringer_name",
                 "infringer_shop_id", "infringer_urls", "infringer_contacts", "goods_classes",
                 "damages_amount", "damages_currency", "urgency", "description", "first_noticed_on")
TEXT_FIELDS = ("title", "found_where", "infringer_name", "infringer_shop_id", "infringer_urls", "infringer_contacts",
               "description")


def _clean(data: dict) -> dict:
    values = {name: data.get(name) for name in INTAKE_FIELDS}
    for name in TEXT_FIELDS:
        values[name] = (values[name] or "").strip()
    values["urgency"] = values["urgency"] or Urgency.normal
    values["goods_classes"] = sorted(set(values["goods_classes"] or ()))
    if values["damages_amount"] is None:
        values["damages_currency"] = None
    elif not values["damages_currency"]:
        raise ServiceError(_("Give the currency of the estimated damages."), field="damages_currency")
    return values


def _active_country(code: str) -> Country:
    country = db.session.get(Country, code or "")
    if country is None or not country.is_active:
        raise ServiceError(_("Choose a country of the network."), field="country_code")
    return country


def create_case(company: Company, data: dict, actor: User) -> Case:
    """Start a draft for ``company``; staff filing on its behalf are recorded as such. It goes to the hub that
    covers the region where the infringer operates, else to its country's primary hub.

    :param data: the intake form's data; only the intake fields, the country and the region are read.
    """
    if not company.is_approved:
        raise ServiceError(_("Cases can be filed only for approved companies."), field="company_id")
    country = _active_country(data.get("country_code"))
    region = region_of(country, data.get("infringer_region_code"))
    case = Case(
        company=company,
        country=country,
        infringer_region=region,
        hub_id=routed_hub_id(country, region),
        created_by_id=actor.id,
        filed_on_behalf=actor.role is not Role.exporter,
        stage=Stage.draft,
        **_clean(data),
    )
    db.session.add(case)
    db.session.flush()
    log_event("case.created", actor=actor, obj=case,
              data={"on_behalf": case.filed_on_behalf, "country": country.code, "company_id": company.id,
                    "region": case.infringer_region_code, "hub_id": case.hub_id})
    if data.get("rights"):
        set_case_rights(case, data["rights"], actor)
    return case


def update_case(case: Case, data: dict, actor: User) -> None:
    """Edit the intake of a draft, or of a case returned for information."""
    if case.stage not in (Stage.draft, Stage.returned):
        raise ServiceError(_("Only a draft or a case returned for information can be edited."))
    values = _clean(data)
    code = data.get("country_code")
    if code and code != case.country_code:
        if case.stage is not Stage.draft:
            raise ServiceError(_("The country of a submitted case cannot change."), field="country_code")
        case.country = _active_country(code)
    region = region_of(case.country, data.get("infringer_region_code"))
    values["infringer_region_code"] = region.code if region else None
    if case.stage is Stage.draft:  # a draft goes where its country and region say; a submitted case is transferred
        case.hub_id = routed_hub_id(case.country, region)
    changed = {k: str(v) for k, v in values.items() if getattr(case, k) != v}
    for name, value in values.items():
        setattr(case, name, value)
    case.updated_at = utcnow()
    bump_version(case)
    db.session.flush()
    log_event("case.updated", actor=actor, obj=case, data={"fields": sorted(changed)})
    if data.get("rights") is not None:  # the form offers the company's rights (none when it has none)
        set_case_rights(case, data["rights"], actor)


def next_reference(country_code: str, when: datetime) -> str:
    """The next reference for a country and year, e.g. CN-2026-00042, unique under concurrency.

    The counter row is incremented with one UPDATE ... RETURNING, so two submissions at the same
    moment queue on that row and never get the same number.
    """
    year = when.astimezone(get_timezone(current_app.config["BABEL_DEFAULT_TIMEZONE"])).year
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(insert(CaseSequence).values(country_code=country_code, year=year, last_value=0)
                       .on_conflict_do_nothing())
    value = db.session.execute(
        sa.update(CaseSequence)
        .where(CaseSequence.country_code == country_code, CaseSequence.year == year)
        .values(last_value=CaseSequence.last_value + 1)
        .returning(CaseSequence.last_value)
    ).scalar_one()
    return f"{country_code}-{year}-{value:05d}"


def move_case(case: Case, name: str, actor: User, *, note: str = "", outcome=None,
              reason_id: int | None = None, ends: Mapping[str, str | None] | None = None) -> StageChange:
    """Make the transition ``name`` of the stage machine.

    :param reason_id: for a refusal (return, reject): a reason of the active list for cases; ignored
        by the other moves. The database cannot require it (the moves made before reasons have none).
    :param ends: for a move that closes the case: how each open action, suit and deadline ends, by
        ``closing.end_field``; every one needs an end (a withdrawal by the exporter withdraws them all).
    :raises PermissionError: the actor has no part in the case that allows this move.
    :raises ServiceError: the move does not fit the case now (stage, guard, missing note, reason or outcome).
    """
    transition = BY_NAME.get(name)
    if transition is None:
        raise ServiceError(_("Unknown action."))
    if not transition.actors & case_parts(actor, case):
        raise PermissionError(name)
    if not allowed(transition, actor, case):
        raise ServiceError(_("This action is not possible at the case's current stage."))
    refusal = blocked_by(transition, case)
    if refusal:
        raise ServiceError(str(refusal))
    reason = chosen_reason(reason_id, RefusalScope.case) if transition.needs_reason else None
    note = (note or "").strip()
    if transition.needs_note and not note:
        raise ServiceError(_("Write a note: it is required for this action."), field="note")
    if transition.outcomes:
        if len(transition.outcomes) == 1:
            outcome = transition.outcomes[0]
        if outcome not in transition.outcomes:
            raise ServiceError(_("Choose an outcome."), field="outcome")
    source = case.stage
    target = transition.reaches(case)
    if target is Stage.closed:
        end_open_items(case, ends or {}, actor, withdraw_all=not transition.asks_ends)
    now = utcnow()
    if name == "submit" and case.reference is None:
        case.reference = next_reference(case.country_code, now)
    if name in ("submit", "resubmit"):
        case.submitted_at = case.submitted_at or now
    if target is Stage.closed:
        case.closed_from, case.outcome, case.closing_note, case.closed_at = source, outcome, note, now
    elif source is Stage.closed:
        case.closed_from = case.outcome = case.closing_note = case.closed_at = None
    case.stage = target
    case.stage_changed_at = case.updated_at = now
    bump_version(case)
    change = StageChange(case_id=case.id, actor_id=actor.id, from_stage=source, to_stage=target,
                         transition=name, outcome=case.outcome if target is Stage.closed else None,
                         reason=reason, note=note)
    db.session.add(change)
    if name == "return":  # the request for information reaches the exporter as a message
        db.session.add(Message(case_id=case.id, author_id=actor.id, body=note, is_internal=False))
    db.session.flush()
    log_event("case.stage_changed", actor=actor, obj=case,
              data={"from": source.name, "to": target.name, "transition": name,
                    "outcome": case.outcome.name if case.outcome else None,
                    **({"reason": reason.code} if reason else {})})
    notifications.stage_changed(case, change, actor)
    return change


def assignable_staff(case: Case) -> list[User]:
    """Active staff of the case's hub, who may be assigned to it."""
    # Whether they are active is checked here, not in SQL: with that condition SQLite's planner (which has
    # no statistics) walks every active user through the users.is_active index instead of the hub's few.
    return [user for user in db.session.scalars(hub_staff(case.hub_id).order_by(User.name)) if user.is_active]


def _check_handled(case: Case) -> None:
    """Assignment and transfer are for a case the centre is working on: not a draft, not a closed case."""
    if not case.stage.is_open:
        raise ServiceError(_("A closed case is neither assigned nor transferred; reopen it first."))


def assign_case(case: Case, assignee: User | None, actor: User) -> None:
    _check_handled(case)
    if assignee is not None and assignee not in assignable_staff(case):
        raise ServiceError(_("Choose a staff member of the case's hub."), field="assignee_id")
    previous = case.assignee_id
    case.assignee_id = assignee.id if assignee else None
    case.updated_at = utcnow()
    bump_version(case)
    db.session.flush()
    log_event("case.assigned", actor=actor, obj=case, data={"from": previous, "to": case.assignee_id},
              personal={"assignee": assignee.email if assignee else None}, about=assignee)
    if case.assignee_id != previous:
        notifications.case_assigned(case, assignee, actor)


def transfer_case(case: Case, hub: Hub, reason: str, actor: User) -> CaseTransfer:
    """Move the case to another hub that covers its country; the assignment is cleared."""
    _check_handled(case)
    if hub.id == case.hub_id:
        raise ServiceError(_("The case is already with this hub."), field="hub_id")
    if hub not in case.country.hubs or not hub.is_active:
        raise ServiceError(_("Choose a hub that covers the case's country."), field="hub_id")
    if not reason.strip():
        raise ServiceError(_("Give a reason for the transfer."), field="reason")
    transfer = CaseTransfer(case_id=case.id, actor_id=actor.id, from_hub_id=case.hub_id, to_hub_id=hub.id,
                            reason=reason.strip())
    db.session.add(transfer)
    case.hub_id = hub.id
    case.assignee_id = None
    case.updated_at = utcnow()
    bump_version(case)
    db.session.flush()
    log_event("case.transferred", actor=actor, obj=case,
              data={"from_hub": transfer.from_hub_id, "to_hub": hub.id, "hub": hub.code},
              personal={"reason": transfer.reason})
    return transfer


def post_message(case: Case, body: str, actor: User, *, internal: bool = False) -> Message:
    """A message on the case; staff may make it an internal note, which exporters never see."""
    body = (body or "").strip()
    if not body:
        raise ServiceError(_("Write a message."), field="body")
    if internal and actor.role is Role.exporter:
        internal = False
    message = Message(case_id=case.id, author_id=actor.id, body=body, is_internal=internal)
    db.session.add(message)
    case.updated_at = utcnow()
    db.session.flush()
    log_event("case.note_added" if internal else "case.message_posted", actor=actor, obj=case,
              data={"message_id": message.id})
    notifications.message_posted(case, message, actor)
    return message


def add_consultation(case: Case, data: dict, actor: User) -> Consultation:
    if case.stage is Stage.closed:
        raise ServiceError(_("Consultations cannot be added to a closed case."))
    if (data.get("cost_amount") is None) != (not data.get("cost_currency")):
        raise ServiceError(_("Give both the cost and its currency, or neither."), field="cost_currency")
    if data.get("cost_currency") not in (None, "", "KRW") and not data.get("cost_krw_rate"):
        raise ServiceError(_("Give the rate that converts the amount to won (KRW per 1 %(currency)s).",
                             currency=data["cost_currency"]), field="cost_krw_rate")
    consultation = Consultation(
        case_id=case.id, firm=data["firm"].strip(), lawyer=(data.get("lawyer") or "").strip(),
        consulted_on=data["consulted_on"], summary=data["summary"].strip(),
        recommended_route=data["recommended_route"], cost_amount=data.get("cost_amount"),
        cost_currency=data.get("cost_currency") or None, created_by_id=actor.id,
    )
    db.session.add(consultation)
    case.updated_at = utcnow()
    db.session.flush()
    if consultation.cost_amount is not None:
        record_cost(case, {"category": CostCategory.counsel, "description": consultation.firm,
                           "payer": data["cost_payer"], "amount": consultation.cost_amount,
                           "currency": consultation.cost_currency, "krw_rate": data.get("cost_krw_rate"),
                           "incurred_on": consultation.consulted_on}, actor, consultation_id=consultation.id)
    log_event("consultation.added", actor=actor, obj=consultation, data={"case_id": case.id})
    return consultation
