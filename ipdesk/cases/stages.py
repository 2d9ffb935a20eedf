"""The stage machine: the transition table and its guards, nothing else.

Each transition names the stages it leaves, the stage it reaches, who may make it (by their part
in the case, which the access policy decides), whether it needs a note and a reason from the list of
refusal reasons, which outcomes it may close with, whether the mover says how each open action, suit
and deadline ends (``ipdesk.cases.closing``), and a guard that must hold, with the form that makes it
hold. ``reopen`` returns a case to the stage it was closed from.
"""
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l

from ipdesk.cases.models import OPEN_STAGES, Case, Consultation, Outcome, Stage
from ipdesk.evidence.models import EvidenceItem
from ipdesk.extensions import db
from ipdesk.policy import AUTHOR, EXPORTER, HANDLERS, MANAGER, case_parts

# What an intake needs before it can be submitted.
REQUIRED_FOR_SUBMISSION = ("title", "country_code", "sector", "ip_right", "dispute_type", "found_where",
                           "description", "first_noticed_on", "urgency")


def missing_for_submission(case: Case) -> list[str]:
    """The required intake fields that are still empty."""
    return [name for name in REQUIRED_FOR_SUBMISSION if getattr(case, name) in (None, "")]


def _complete(case: Case) -> str | None:
    if missing_for_submission(case):
        return _l("Fill in every required field of the intake form before submitting.")
    return None


def _has_evidence(case: Case) -> str | None:
    count = db.session.scalar(sa.select(sa.func.count()).where(EvidenceItem.case_id == case.id))
    return None if count else _l("Add at least one evidence item before moving on to legal consultation.")


def _has_consultation(case: Case) -> str | None:
    count = db.session.scalar(sa.select(sa.func.count()).where(Consultation.case_id == case.id))
    return None if count else _l("Record at least one consultation before moving on to action.")


@dataclass(frozen=True)
class Remedy:
    """The page whose form makes a guard hold: its endpoint (it takes ``case_id``), the link's words, and
    the permission on the case it needs."""
    endpoint: str
    title: object  # a lazy string
    permission: str


EDIT_INTAKE = Remedy("cases.edit_case", _l("Edit the intake"), "case.edit")


@dataclass(frozen=True)
class Transition:
    name: str
    sources: tuple[Stage, ...]
    target: Stage | None  # None: the stage the case was closed from
    actors: frozenset[str]
    title: object  # a lazy string: the button
    needs_note: bool = False
    needs_reason: bool = False  # a refusal: a reason from the admins' list, told to the exporter
    outcomes: tuple[Outcome, ...] = ()
    asks_ends: bool = False  # closes the case: the mover says how each open action, suit and deadline ends
    guard: Callable[[Case], object | None] | None = None
    remedy: Remedy | None = None  # where to go when the guard refuses

    def reaches(self, case: Case) -> Stage:
        return self.target if self.target is not None else case.closed_from


CLOSING_OUTCOMES = (Outcome.won, Outcome.settled, Outcome.takedown, Outcome.seized, Outcome.fined, Outcome.upheld,
                    Outcome.lost, Outcome.no_action)

TRANSITIONS: tuple[Transition, ...] = (
    Transition("submit", (Stage.draft,), Stage.intake, frozenset({EXPORTER, AUTHOR}), _l("Submit the case"),
               guard=_complete, remedy=EDIT_INTAKE),
    Transition("accept", (Stage.intake,), Stage.evidence, HANDLERS, _l("Accept and start collecting evidence")),
    Transition("return", (Stage.intake,), Stage.returned, HANDLERS, _l("Ask the exporter for more information"),
               needs_note=True, needs_reason=True),
    Transition("reject", (Stage.intake,), Stage.closed, HANDLERS, _l("Reject"), needs_note=True, needs_reason=True,
               outcomes=(Outcome.rejected,), asks_ends=True),
    Transition("resubmit", (Stage.returned,), Stage.intake, frozenset({EXPORTER}), _l("Resubmit the case"),
               guard=_complete, remedy=EDIT_INTAKE),
    Transition("to_consultation", (Stage.evidence,), Stage.consultation, HANDLERS,
               _l("Move on to legal consultation"), guard=_has_evidence,
               remedy=Remedy("evidence.new_item", _l("Add evidence"), "evidence.add")),
    Transition("to_action", (Stage.consultation,), Stage.action, HANDLERS, _l("Move on to action"),
               guard=_has_consultation,
               remedy=Remedy("cases.consultation", _l("Record a consultation"), "consultation.add")),
    Transition("close", (Stage.evidence, Stage.consultation, Stage.action), Stage.closed, HANDLERS,
               _l("Close with an outcome"), needs_note=True, outcomes=CLOSING_OUTCOMES, asks_ends=True),
    Transition("withdraw", OPEN_STAGES, Stage.closed, frozenset({EXPORTER}), _l("Withdraw the case"),
               needs_note=True, outcomes=(Outcome.withdrawn,)),
    Transition("reopen", (Stage.closed,), None, frozenset({MANAGER}), _l("Reopen"), needs_note=True),
)
BY_NAME = {t.name: t for t in TRANSITIONS}


def allowed(transition: Transition, user, case: Case) -> bool:
    """Whether ``user`` may make ``transition`` from the case's current stage (guards aside)."""
    return case.stage in transition.sources and bool(transition.actors & case_parts(user, case))


def blocked_by(transition: Transition, case: Case):
    """The guard's refusal (a translated message), or None when the move may go ahead."""
    return transition.guard(case) if transition.guard else None


def transitions_for(user, case: Case) -> list[tuple[Transition, object | None]]:
    """The moves ``user`` may make now, each with the guard's refusal if it does not hold yet."""
    return [(t, blocked_by(t, case)) for t in TRANSITIONS if allowed(t, user, case)]
