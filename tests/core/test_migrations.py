"""Migrations: empty → head → base → head on this database, and the models match the schema."""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from ipdesk.extensions import db
from tests.conftest import IS_POSTGRES, create_database, make_app


@pytest.fixture
def empty_database(tmp_path, worker):
    if IS_POSTGRES:
        return create_database(worker, "migrations")
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def _tables(engine) -> set[str]:
    return set(sa.inspect(engine).get_table_names()) - {"alembic_version"}


def test_upgrade_downgrade_upgrade(empty_database):
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        assert {"users", "companies", "hubs", "countries", "audit_entries"} <= _tables(db.engine)
        downgrade(revision="base")
        assert _tables(db.engine) == set()
        upgrade()
        assert "users" in _tables(db.engine)
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        db.engine.dispose()


def test_audit_log_is_append_only_in_the_database(app, factories):
    from ipdesk.audit.services import log_event

    log_event("test.event", "something happened")
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("UPDATE audit_entries SET summary = 'forged'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM audit_entries"))
    db.session.rollback()
    assert db.session.scalar(sa.text("SELECT summary FROM audit_entries")) == "something happened"


def test_chain_of_custody_is_append_only_in_the_database(app, factories):
    from ipdesk.evidence.models import CustodyEvent, CustodyKind
    from tests.factories import make_case, make_evidence_file

    case = make_case("evidence")
    file = make_evidence_file(case, factories.staff())
    db.session.add(CustodyEvent(file_id=file.id, case_id=case.id, kind=CustodyKind.uploaded))
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("UPDATE custody_events SET note = 'rewritten'"))
    db.session.rollback()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):
        db.session.execute(sa.text("DELETE FROM custody_events"))
    db.session.rollback()


def test_check_constraints_hold(app, factories):
    """An exporter without a company, or a company approved without a time, is refused by the database."""
    company = factories.CompanyFactory()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("UPDATE companies SET approved_at = NULL WHERE id = :id"), {"id": company.id})
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("UPDATE companies SET registration_number = '0000000000' WHERE id = :id"),
                           {"id": company.id})
    db.session.rollback()
    user = factories.exporter()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("UPDATE users SET company_id = NULL WHERE id = :id"), {"id": user.id})
    db.session.rollback()


def test_sqlite_runs_in_wal_mode_with_a_busy_timeout(app):
    if IS_POSTGRES:
        pytest.skip("SQLite settings")
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
