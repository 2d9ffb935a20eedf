"""The access policy's case permissions as a table: each action named for what it allows, decided by the
user's part in the case, which only the policy module reads (hub membership included)."""
import ast
from pathlib import Path

import pytest

from ipdesk.cases.stages import TRANSITIONS, allowed
from ipdesk.policy import case_parts, hub_ids, permits
from tests.factories import make_case

PACKAGE = Path(__file__).resolve().parents[1] / "ipdesk"
ACTORS = ["exporter", "other_exporter", "staff", "other_staff", "manager", "admin"]
HANDLERS = {"staff", "manager"}
SEES = HANDLERS | {"exporter"}

# action on a submitted case of the exporter's company, routed to the staff member's hub -> who may take it
EXPECTED = {
    "case.view": SEES,
    "case.move": SEES,
    "evidence.download": SEES,
    "case.message": SEES,
    "evidence.add": SEES,
    "case.edit": {"exporter"},
    "case.view_internal": HANDLERS,
    "message.internal": HANDLERS,
    "case.assign": HANDLERS,
    "case.transfer": HANDLERS,
    "consultation.add": HANDLERS,
    "action.record": HANDLERS,
    "cost.record": HANDLERS,
    "deadline.manage": HANDLERS,
    "evidence.verify": HANDLERS,
    "evidence.bundle": HANDLERS,
    "evidence.custody": HANDLERS,
    "infringer.link": HANDLERS,
}


@pytest.fixture
def people(factories):
    company = factories.CompanyFactory()
    return {
        "exporter": factories.exporter(company=company),
        "other_exporter": factories.exporter(),
        "staff": factories.staff(hub_codes=("cn-north",)),
        "other_staff": factories.staff(hub_codes=("th",)),
        "manager": factories.manager(),
        "admin": factories.admin(),
    }


@pytest.mark.parametrize("action", sorted(EXPECTED))
def test_each_case_action_is_allowed_to_exactly_its_people(app, people, action):
    case = make_case("evidence", company=people["exporter"].company, country="CN")
    allowed_to = {name for name, user in people.items() if permits(user, action, case)}
    assert allowed_to == EXPECTED[action]


def test_the_old_borrowed_names_are_gone(app, people):
    case = make_case("evidence", company=people["exporter"].company, country="CN")
    for old in ("case.consultation", "case.internal_note", "case.action", "case.cost", "case.evidence"):
        with pytest.raises(ValueError, match="unknown action"):
            permits(people["manager"], old, case)


def test_a_staff_drafter_speaks_for_the_company_only_while_the_draft_is_theirs(app, people):
    """Staff filing on a company's behalf edit the draft and add its evidence; once submitted to another
    hub, neither (they have no part in it there)."""
    drafter = people["other_staff"]  # works at the Thailand hub; the case goes to China
    case = make_case("draft", company=people["exporter"].company, country="CN", author=drafter)
    assert "drafter" in case_parts(drafter, case)
    assert permits(drafter, "case.edit", case) and permits(drafter, "evidence.add", case)
    assert not permits(drafter, "case.view_internal", case)
    case.stage = case.stage.intake
    assert "drafter" not in case_parts(drafter, case)
    assert not permits(drafter, "case.view", case)


def test_the_stage_machine_takes_the_parts_from_the_policy(app, people):
    """Moving staff to another hub changes which moves they are offered, with no change to the stage table."""
    from ipdesk.extensions import db
    from ipdesk.network.models import Hub

    case = make_case("intake", company=people["exporter"].company, country="CN")
    staff = people["other_staff"]
    accept = next(t for t in TRANSITIONS if t.name == "accept")
    assert not allowed(accept, staff, case)
    staff.hubs = [db.session.query(Hub).filter_by(code="cn-north").one()]
    assert hub_ids(staff) == {case.hub_id}
    assert allowed(accept, staff, case)


def _reads_hub_membership(tree: ast.AST) -> list[int]:
    """Lines that go through a user's ``hubs`` (``user.hubs``, ``current_user.hubs``; a country's hubs
    are reached as ``case.country.hubs`` and are not membership)."""
    return [node.iter.lineno for node in ast.walk(tree)
            if isinstance(node, ast.comprehension) and isinstance(node.iter, ast.Attribute)
            and node.iter.attr == "hubs" and isinstance(node.iter.value, ast.Name)]


def test_hub_membership_is_read_in_one_function():
    """Only ``policy.hub_ids`` reads which hubs a user works at; the admin pages that edit membership
    and the account service that saves it are the exceptions."""
    editing = {"admin/views.py", "auth/services.py"}
    found = {}
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        if name in editing:
            continue
        if lines := _reads_hub_membership(ast.parse(path.read_text(), name)):
            found[name] = lines
    assert set(found) == {"policy.py"}, found
    assert len(found["policy.py"]) == 1
