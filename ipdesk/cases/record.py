"""What a viewer may see of a case: one loader that the case page, the case-file PDF and notifications use.

Whether a viewer is on the case's staff side (handles it) is asked of the access policy once, here;
what each side sees of each kind of record is written down once, in ``EXPORTERS_SEE``. The staff
side sees every record. Exporters see no internal note, no transfer between hubs, and of each
evidence file's chain of custody only what speaks for the evidence (its upload, notarisation,
submission to an authority and integrity checks), never who downloaded or exported it.
"""
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import sqlalchemy as sa
from sqlalchemy.orm import joinedload, selectinload

from ipdesk.actions.services import case_actions
from ipdesk.auth.models import User
from ipdesk.cases.closing import state_of
from ipdesk.cases.models import Case, CaseTransfer, Consultation, Message, Stage, StageChange
from ipdesk.deadlines.models import Deadline
from ipdesk.evidence.models import CustodyEvent, CustodyKind, EvidenceFile, EvidenceItem
from ipdesk.extensions import db
from ipdesk.policy import can

# Custody events that exporters see: what happened to the evidence, not who looked at it.
EXPORTER_CUSTODY = (CustodyKind.uploaded, CustodyKind.notarised, CustodyKind.submitted, CustodyKind.verified,
                    CustodyKind.mismatch)

# Custody events on which exporters see who acted: the upload, notarisation and submission. An integrity
# check is made by whoever opened, bundled or verified the file, and who looked at what is not theirs to see.
EXPORTERS_SEE_WHO = (CustodyKind.uploaded, CustodyKind.notarised, CustodyKind.submitted)

# For each kind of record a case holds: which of them exporters see, as a SQL condition (for loading)
# and as a test of one record (for notifications). The staff side sees them all.
EXPORTERS_SEE: dict[type, tuple[Callable[[], object], Callable[[object], bool]]] = {
    Message: (lambda: ~Message.is_internal, lambda message: not message.is_internal),
    CaseTransfer: (sa.false, lambda transfer: False),
    StageChange: (sa.true, lambda change: True),
    CustodyEvent: (lambda: CustodyEvent.kind.in_(EXPORTER_CUSTODY), lambda event: event.kind in EXPORTER_CUSTODY),
    EvidenceItem: (sa.true, lambda item: True),
    EvidenceFile: (sa.true, lambda file: True),
    Consultation: (sa.true, lambda consultation: True),
    Deadline: (sa.true, lambda deadline: True),
}


def on_staff_side(viewer, case: Case) -> bool:
    """Whether ``viewer`` sees the whole record of ``case`` (they handle it), not the exporters' part."""
    return can(viewer, "case.view_internal", case)


def staff_only(record) -> bool:
    """Whether only the staff side of its case may see ``record`` (an internal note, a transfer...)."""
    return not EXPORTERS_SEE[type(record)][1](record)


def staff_only_clause(model):
    """Which records of ``model`` only the staff side of their case may see, as a SQL condition (search marks
    their entries restricted)."""
    return sa.not_(EXPORTERS_SEE[model][0]())


def may_see(viewer, case: Case, record) -> bool:
    """Whether ``viewer`` may see ``record`` (a message, stage change, transfer, custody event...) of ``case``."""
    if not can(viewer, "case.view", case):
        return False
    return not staff_only(record) or on_staff_side(viewer, case)


def _visible(model, staff_side: bool):
    """The SQL condition on ``model`` for what the viewer's side sees."""
    return sa.true() if staff_side else EXPORTERS_SEE[model][0]()


@dataclass
class CaseRecord:
    """Everything of one case that one viewer may see, loaded in a fixed number of queries."""

    case: Case
    staff_side: bool
    messages: list[Message]
    timeline: list  # stage changes and (staff side) transfers, oldest first
    evidence: list[EvidenceItem]
    files: list[EvidenceFile]
    files_by_item: dict[int, list[EvidenceFile]]
    custody_by_file: dict[int, list[CustodyEvent]]
    consultations: list[Consultation]
    deadlines: list[Deadline]
    actions: list
    suits: list
    names: dict[int, str] = field(default_factory=dict)  # everyone the record names, by user id

    def state(self, item, today: date) -> tuple[str, str]:
        """How an action, suit or deadline of the case reads now: ``(label, tone)`` (``closing.state_of``)."""
        return state_of(item, self.case.stage is Stage.closed, today)

    def custody_actor(self, event: CustodyEvent) -> int | None:
        """Who made a custody event, as far as the viewer may know (None: not said)."""
        return event.actor_id if self.staff_side or event.kind in EXPORTERS_SEE_WHO else None


# How the page reads each kind of record a case holds: in what order, and what it loads with them.
READ: dict[type, Callable[[], tuple[tuple, tuple]]] = {
    Message: lambda: ((Message.created_at, Message.id), ()),
    StageChange: lambda: ((StageChange.created_at, StageChange.id), (joinedload(StageChange.reason),)),
    CaseTransfer: lambda: ((CaseTransfer.created_at, CaseTransfer.id),
                           (selectinload(CaseTransfer.from_hub), selectinload(CaseTransfer.to_hub))),
    EvidenceItem: lambda: ((EvidenceItem.created_at, EvidenceItem.id), ()),
    EvidenceFile: lambda: ((EvidenceFile.id,), ()),
    CustodyEvent: lambda: ((CustodyEvent.created_at, CustodyEvent.id), ()),
    Consultation: lambda: ((Consultation.consulted_on, Consultation.id), ()),
    Deadline: lambda: ((Deadline.is_done, Deadline.due_on, Deadline.id), (selectinload(Deadline.rule),)),
}


@functools.cache
def _records_of(model, staff_side: bool) -> sa.Select:
    """The statement reading one case's records of ``model`` that one side sees, built once with the case as a
    parameter: building a statement and its cache key each time cost more than running it (a fifth of the time
    of loading a large case's records on SQLite)."""
    order, options = READ[model]()
    return (sa.select(model).where(model.case_id == sa.bindparam("case_id"), _visible(model, staff_side))
            .options(*options).order_by(*order))


def _all(model, case: Case, staff_side: bool) -> list:
    return db.session.scalars(_records_of(model, staff_side), {"case_id": case.id}).all()


def load_case_record(case: Case, viewer) -> CaseRecord:
    """What ``viewer`` may see of ``case`` (which they may view: the caller loaded it through the policy)."""
    staff_side = on_staff_side(viewer, case)
    messages = _all(Message, case, staff_side)
    changes = _all(StageChange, case, staff_side)
    transfers = _all(CaseTransfer, case, staff_side) if staff_side else []
    evidence = _all(EvidenceItem, case, staff_side)
    files = _all(EvidenceFile, case, staff_side)
    files_by_item: dict[int, list[EvidenceFile]] = {}
    for file in files:
        files_by_item.setdefault(file.item_id, []).append(file)
    custody_by_file: dict[int, list[CustodyEvent]] = {}
    for event in _all(CustodyEvent, case, staff_side):
        custody_by_file.setdefault(event.file_id, []).append(event)
    timeline = sorted([*changes, *transfers], key=lambda e: (e.created_at, e.id))
    recorded = case_actions(case)
    record = CaseRecord(
        case=case, staff_side=staff_side, messages=messages, timeline=timeline, evidence=evidence, files=files,
        files_by_item=files_by_item, custody_by_file=custody_by_file,
        consultations=_all(Consultation, case, staff_side), deadlines=_all(Deadline, case, staff_side),
        actions=recorded.actions, suits=recorded.suits)
    # everyone the record names, in one query rather than one per kind of record
    people = {*(m.author_id for m in messages), *(e.actor_id for e in timeline), *(i.created_by_id for i in evidence),
              *(f.uploaded_by_id for f in files),
              *(record.custody_actor(e) for events in custody_by_file.values() for e in events)} - {None}
    record.names = dict(db.session.execute(sa.select(User.id, User.name).where(User.id.in_(people))).all())
    return record


def audience(case: Case, record, people) -> list:
    """Those of ``people`` who may see ``record`` of ``case``: whom a notification of it may reach."""
    return [user for user in people if may_see(user, case, record)]
