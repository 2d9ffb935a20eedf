"""The stage machine as a full from × to × role matrix, through the real POST /cases/<id>/move.

The expected answers are written from DOMAIN.md's table, not derived from ipdesk/cases/stages.py.
"""
import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Case, Consultation, Route, Stage, StageChange
from ipdesk.cases.stages import TRANSITIONS
from ipdesk.evidence.models import EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from tests.conftest import running_app
from tests.factories import make_case, reason_id

ROLES = ["exporter", "other_exporter", "staff", "other_staff", "manager", "admin", "author"]
HANDLERS = {"staff", "manager"}
OPEN = ["intake", "returned", "evidence", "consultation", "action"]

# (from, to) -> roles that may make the move. Everything else is refused.
ALLOWED = {
    ("draft", "intake"): {"author"},  # the drafts here are filed on the company's behalf by "author"
    ("intake", "evidence"): HANDLERS,
    ("intake", "returned"): HANDLERS,
    ("intake", "closed"): HANDLERS | {"exporter"},  # rejected by staff, or withdrawn by the exporter
    ("returned", "intake"): {"exporter"},
    ("returned", "closed"): {"exporter"},
    ("evidence", "consultation"): HANDLERS,
    ("evidence", "closed"): HANDLERS | {"exporter"},
    ("consultation", "action"): HANDLERS,
    ("consultation", "closed"): HANDLERS | {"exporter"},
    ("action", "closed"): HANDLERS | {"exporter"},
    **{("closed", stage): {"manager"} for stage in OPEN},  # reopened to the stage it was closed from
}
STAGES = [s.name for s in Stage]


@pytest.fixture
def app(database_url):
    with running_app(database_url, LOGIN_RATE_LIMIT="1000 per minute") as app:
        yield app


@pytest.fixture
def people(factories, make_client, login):
    company = factories.CompanyFactory()
    users = {
        "exporter": factories.exporter(company=company),
        "other_exporter": factories.exporter(),
        "staff": factories.staff(hub_codes=("cn-north",)),
        "other_staff": factories.staff(hub_codes=("th",)),
        "manager": factories.manager(),
        "admin": factories.admin(),
        "author": factories.staff(hub_codes=("jp",)),  # files on the company's behalf, not of the hub
    }
    clients = {}
    for role, user in users.items():
        clients[role] = make_client()
        assert login(clients[role], user).status_code == 302
    return company, users, clients


def case_in(stage: str, to: str, company, users) -> Case:
    case = make_case(stage, company=company, country="CN", author=users["author"],
                     closed_from=to if stage == "closed" and to in OPEN else None)
    db.session.add(EvidenceItem(case_id=case.id, kind=EvidenceKind.photo, description="photo",
                                created_by_id=users["staff"].id))
    db.session.add(Consultation(case_id=case.id, firm="Beijing IP Law", consulted_on=case.first_noticed_on,
                                summary="Send a cease-and-desist letter.", recommended_route=Route.administrative,
                                created_by_id=users["staff"].id))
    db.session.commit()
    return case


def attempts(source: str, target: str) -> list[str]:
    """Every transition that reaches ``target`` from anywhere: all are tried for every pair."""
    names = [t.name for t in TRANSITIONS if (t.target.name if t.target else None) == target]
    if source == "closed":
        names.append("reopen")  # it reaches the stage the case was closed from
    return names


@pytest.mark.db_independent  # who may make which move is the policy's, in Python; moves on PostgreSQL are
# tested by the other tests here and by tests/reliability/test_concurrency.py
def test_transition_matrix(app, people):
    company, users, clients = people
    wrong = []
    for source in STAGES:
        for target in STAGES:
            for role in ROLES:
                expected = role in ALLOWED.get((source, target), set())
                moved = False
                for name in attempts(source, target):
                    case = case_in(source, target, company, users)
                    response = clients[role].post(f"/cases/{case.id}/move", data={
                        "transition": name, "note": "A note.", "outcome": "won", "reason_id": reason_id(),
                        "version": str(case.version)})
                    db.session.refresh(case)
                    if response.status_code == 302 and case.stage.name == target:
                        moved = True
                    elif response.status_code != 302:
                        status = response.status_code
                        assert status in (403, 404, 422), (source, target, role, name, status)
                        assert case.stage.name == source, "a refused move changed nothing"
                if moved != expected:
                    wrong.append(f"{source} -> {target} as {role}: {'moved' if moved else 'refused'}")
    assert wrong == [], "\n".join(wrong)


def test_every_move_leaves_a_stage_change_and_an_audit_entry(app, people):
    from ipdesk.audit.models import AuditEntry

    company, users, clients = people
    case = case_in("intake", "evidence", company, users)
    clients["staff"].post(f"/cases/{case.id}/move", data={"transition": "accept", "version": "1"})
    change = db.session.scalar(sa.select(StageChange).where(StageChange.case_id == case.id))
    assert (change.from_stage, change.to_stage, change.actor_id) == (Stage.intake, Stage.evidence, users["staff"].id)
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "case.stage_changed"))
    assert entry.object_id == str(case.id) and entry.data["to"] == "evidence"
