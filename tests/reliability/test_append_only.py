"""The append-only tables hold on both databases (issue 19, point 12): the chain of custody refuses UPDATE,
DELETE and (PostgreSQL) TRUNCATE like the audit log, and `flask audit verify` reports a table whose guarding
trigger is gone, disabled or made conditional."""
import pytest
import sqlalchemy as sa

from ipdesk.audit.services import log_event
from ipdesk.evidence.models import CustodyEvent, CustodyKind
from ipdesk.extensions import db
from tests.conftest import IS_POSTGRES
from tests.factories import make_case, make_evidence_file


def test_the_chain_of_custody_refuses_every_rewrite(app, factories):
    case = make_case("evidence")
    file = make_evidence_file(case, factories.staff())
    db.session.add(CustodyEvent(file_id=file.id, case_id=case.id, kind=CustodyKind.uploaded))
    db.session.commit()
    before = db.session.scalar(sa.select(sa.func.count()).select_from(CustodyEvent))
    statements = ["UPDATE custody_events SET note = 'rewritten'", "DELETE FROM custody_events"]
    if IS_POSTGRES:
        statements += ["TRUNCATE custody_events", "TRUNCATE evidence_files CASCADE"]
    for statement in statements:
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustodyEvent)) == before


def _verify(app):
    return app.test_cli_runner().invoke(args=["audit", "verify"])


# (what breaks the guard; what puts it back on PostgreSQL, whose test database outlives the test; what is reported)
BREAKS = [
    (["ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_truncate"],
     "ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_truncate",
     ("audit_entries: no trigger refuses TRUNCATE",)),
    (["ALTER TABLE custody_events DISABLE TRIGGER custody_events_no_truncate"],
     "ALTER TABLE custody_events ENABLE TRIGGER custody_events_no_truncate",
     ("custody_events: no trigger refuses TRUNCATE",)),
    (["ALTER TABLE custody_events DISABLE TRIGGER custody_events_no_change"],
     "ALTER TABLE custody_events ENABLE TRIGGER custody_events_no_change",
     ("custody_events: no trigger refuses UPDATE", "custody_events: no trigger refuses DELETE")),
] if IS_POSTGRES else [
    (["DROP TRIGGER audit_entries_no_update"], None, ("audit_entries: no trigger refuses UPDATE",)),
    (["DROP TRIGGER custody_events_no_delete"], None, ("custody_events: no trigger refuses DELETE",)),
    # a guard that never fires is no guard
    (["DROP TRIGGER custody_events_no_delete",
      "CREATE TRIGGER custody_events_no_delete BEFORE DELETE ON custody_events WHEN 0 "
      "BEGIN SELECT RAISE(ABORT, 'custody_events is append-only'); END"], None,
     ("custody_events: no trigger refuses DELETE",)),
]


@pytest.mark.parametrize("statements, repair, reported", BREAKS)
def test_audit_verify_reports_a_table_left_unguarded(app, statements, repair, reported):
    log_event("test.event", data={"text": "something happened"})
    db.session.commit()
    result = _verify(app)
    assert result.exit_code == 0 and "0 problem(s)" in result.output, result.output
    for statement in statements:
        db.session.execute(sa.text(statement))
    db.session.commit()
    try:
        result = _verify(app)
    finally:
        if repair:
            db.session.execute(sa.text(repair))
            db.session.commit()
    assert result.exit_code == 1
    for line in reported:
        assert f"UNGUARDED: {line} (the table is append-only)" in result.output
    assert f"{len(reported)} problem(s)" in result.output
