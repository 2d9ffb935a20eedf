"""The one commit point: a refused request commits none of its change, whatever the view answers, and
keeps only what the refusal itself records."""
import ast
from pathlib import Path

import sqlalchemy as sa
from flask import flash, redirect

from ipdesk.audit.models import AuditEntry
from ipdesk.audit.services import log_event
from ipdesk.companies.models import Company
from ipdesk.core.errors import ServiceError
from ipdesk.core.transaction import record_despite_refusal
from ipdesk.extensions import db

PACKAGE = Path(__file__).resolve().parents[2] / "ipdesk"
# Background work runs outside any request and ends its own transactions: the pack job, periodic tasks, commands
# (`flask evidence verify` reads in short transactions between its re-hashes).
OWN_TRANSACTIONS = {"core/transaction.py", "reports/jobs.py", "core/periodic.py", "cli.py"}


def test_no_view_or_service_rolls_back_itself():
    found = []
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        if name in OWN_TRANSACTIONS:
            continue
        for node in ast.walk(ast.parse(path.read_text(), name)):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rollback":
                found.append(f"{name}:{node.lineno}")
    assert found == []


def _routes(app, company_id: int):
    """Two views of the kind every domain has: one refuses after its service changed something, and
    answers with a message and a redirect; one refuses and records the attempt."""

    def rename_then_refuse():
        company = db.session.get(Company, company_id)
        try:
            company.name_en = "Changed by a refused request"
            db.session.flush()
            log_event("company.renamed", obj=company)
            raise ServiceError("refused")
        except ServiceError as error:
            flash(error.message, "danger")
        return redirect("/")

    def refuse_and_record():
        company = db.session.get(Company, company_id)
        company.name_en = "Changed by a refused request"
        record_despite_refusal(lambda: log_event("company.rename_refused", obj=company))
        return "refused", 422

    app.add_url_rule("/test/rename-then-refuse", view_func=rename_then_refuse, methods=["POST"])
    app.add_url_rule("/test/refuse-and-record", view_func=refuse_and_record, methods=["POST"])


def _name_and_actions(company_id: int) -> tuple[str, list[str]]:
    db.session.expire_all()
    name = db.session.get(Company, company_id).name_en
    actions = db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.object_type == "companies",
                                                                   AuditEntry.object_id == str(company_id))).all()
    return name, list(actions)


def test_a_refusal_answered_with_a_redirect_commits_nothing(app, client, factories):
    company = factories.CompanyFactory(name_en="Areum Cosmetics")
    db.session.commit()
    _routes(app, company.id)
    response = client.post("/test/rename-then-refuse")
    assert response.status_code == 302
    assert _name_and_actions(company.id) == ("Areum Cosmetics", [])


def test_what_a_refusal_records_is_kept_and_nothing_else(app, client, factories):
    company = factories.CompanyFactory(name_en="Areum Cosmetics")
    db.session.commit()
    _routes(app, company.id)
    assert client.post("/test/refuse-and-record").status_code == 422
    assert _name_and_actions(company.id) == ("Areum Cosmetics", ["company.rename_refused"])


def test_a_refused_stage_move_leaves_the_case_as_it_was(app, factories, login_as):
    """Closing without the required note: the page comes back with the message and the case's stage,
    and neither the case nor its history changed."""
    from ipdesk.cases.models import Case, StageChange
    from tests.factories import make_case

    manager = factories.manager()
    case = make_case("evidence")
    db.session.commit()
    client = login_as(manager)
    response = client.post(f"/cases/{case.id}/move", data={"transition": "close", "version": case.version,
                                                           "outcome": "won", "note": " "})
    assert response.status_code == 422
    db.session.expire_all()
    stored = db.session.get(Case, case.id)
    assert stored.stage.name == "evidence" and stored.outcome is None
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StageChange)
                             .where(StageChange.case_id == case.id)) == 0
