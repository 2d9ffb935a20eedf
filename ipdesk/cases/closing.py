"""Closing a case ends everything still open on it, each in a way someone chose.

A closed case never shows an action "filed, pending", a suit "pending before the court" or a deadline
still to meet: the staff member who closes (or rejects) a case says how each open administrative action,
suit and deadline ends (done with its result, withdrawn, or carried on by counsel). A case the exporter
withdraws withdraws what the centre had open on it.
"""
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ipdesk.actions.models import ActionStatus, AdministrativeAction, Litigation, LitigationStatus
from ipdesk.audit.services import log_event
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.deadlines.models import Deadline, DeadlineEnding
from ipdesk.extensions import db

# How each kind of record may end when its case closes, in the order the close form offers them.
ACTION_ENDS = (ActionStatus.succeeded, ActionStatus.partly, ActionStatus.failed, ActionStatus.withdrawn,
               ActionStatus.counsel)
SUIT_ENDS = (LitigationStatus.won, LitigationStatus.partly_won, LitigationStatus.lost, LitigationStatus.settled,
             LitigationStatus.withdrawn, LitigationStatus.counsel)
DEADLINE_ENDS = tuple(DeadlineEnding)


@dataclass
class OpenItems:
    """What is still under way on a case: actions and suits without an end, deadlines not yet ended."""

    actions: list[AdministrativeAction]
    suits: list[Litigation]
    deadlines: list[Deadline]

    def __bool__(self) -> bool:
        return bool(self.actions or self.suits or self.deadlines)

    def fields(self):
        """``(field name, record, the ends it may take)`` for each open record, as the close form lists them."""
        for action in self.actions:
            yield end_field(action), action, ACTION_ENDS
        for suit in self.suits:
            yield end_field(suit), suit, SUIT_ENDS
        for deadline in self.deadlines:
            yield end_field(deadline), deadline, DEADLINE_ENDS


_FIELD_PREFIX = {AdministrativeAction: "end_action_", Litigation: "end_suit_", Deadline: "end_deadline_"}


def end_field(record) -> str:
    """The close form's field for how ``record`` ends, e.g. ``end_action_12``."""
    return f"{_FIELD_PREFIX[type(record)]}{record.id}"


def open_among(actions, suits, deadlines) -> OpenItems:
    """The open ones of records already loaded (the case page has them)."""
    return OpenItems(actions=[a for a in actions if a.status.is_open], suits=[s for s in suits if s.status.is_open],
                     deadlines=[d for d in deadlines if not d.is_done])


def open_items(case) -> OpenItems:
    """What is still open on ``case``, in three queries."""
    def load(model, condition, *order):
        return list(db.session.scalars(sa.select(model).where(model.case_id == case.id, condition).order_by(*order)))

    return OpenItems(
        actions=load(AdministrativeAction, AdministrativeAction.status.in_([s for s in ActionStatus if s.is_open]),
                     AdministrativeAction.created_at, AdministrativeAction.id),
        suits=load(Litigation, Litigation.status.in_([s for s in LitigationStatus if s.is_open]),
                   Litigation.created_at, Litigation.id),
        deadlines=load(Deadline, ~Deadline.is_done, Deadline.due_on, Deadline.id))


def end_open_items(case, ends: Mapping[str, str | None], actor, *, withdraw_all: bool = False) -> None:
    """End every open record of ``case`` as ``ends`` says (by ``end_field``: an end's name), or withdraw them
    all (``withdraw_all``: the exporter withdrew the case).

    :raises ServiceError: an open record has no end, or one it cannot take (on its field).
    """
    items = open_items(case)
    chosen = []
    for name, record, allowed in items.fields():
        value = "withdrawn" if withdraw_all else ends.get(name)
        end = next((e for e in allowed if e.name == value), None)
        if end is None:
            raise ServiceError(_("Say how each open action, suit and deadline ends before closing the case."),
                               field=name)
        chosen.append((record, end))
    now = utcnow()
    for record, end in chosen:
        if isinstance(record, Deadline):
            record.is_done, record.done_at, record.ending = True, now, end
            db.session.flush()
            log_event("deadline.ended", actor=actor, obj=record, data={"case_id": case.id, "ending": end.name})
            continue
        before = record.status
        record.status = end
        record.updated_at = now
        bump_version(record)
        db.session.flush()
        log_event("action.ended" if isinstance(record, AdministrativeAction) else "litigation.ended", actor=actor,
                  obj=record, data={"case_id": case.id, "from": before.name, "status": end.name})


LEFT_OPEN = _l("Not ended when the case was closed")  # a record of a case closed before closing asked
GOOD = frozenset({ActionStatus.succeeded, ActionStatus.partly, LitigationStatus.won, LitigationStatus.partly_won})
BAD = frozenset({ActionStatus.failed, LitigationStatus.lost})


def state_of(item, case_closed: bool, today: date) -> tuple[str, str]:
    """How an action, suit or deadline reads now on its case's page and PDF: ``(label, tone)``, the tone one of
    ``open``, ``overdue``, ``good``, ``bad``, ``ended`` or ``left`` (still open on a case closed before closing
    asked how each record ends: never shown as under way)."""
    if isinstance(item, Deadline):
        if item.is_done:
            return item.ending.title, "ended"
        if case_closed:
            return str(LEFT_OPEN), "left"
        return (_("Overdue"), "overdue") if item.is_overdue(today) else (_("Open"), "open")
    if item.status.is_open:
        return (str(LEFT_OPEN), "left") if case_closed else (item.status.title, "open")
    return item.status.title, "good" if item.status in GOOD else "bad" if item.status in BAD else "ended"
