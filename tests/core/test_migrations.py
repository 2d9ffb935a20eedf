"""Migrations: empty → head → base → head, and step by step down and up again with data in every table,
on this database; the models match the schema. (The audit log's guard: tests/reliability/test_audit_chain.py.)"""
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from ipdesk.extensions import db
from ipdesk.search.models import modelled
from tests.conftest import IS_POSTGRES, create_database, make_app


@pytest.fixture
def empty_database(tmp_path, worker):
    if IS_POSTGRES:
        return create_database(worker, "migrations")
    return f"sqlite:///{tmp_path / 'migrations.sqlite3'}"


def _tables(engine) -> set[str]:
    """The tables of the models (not the search engine's own: its FTS5 table cannot be counted by scanning)."""
    return {name for name in sa.inspect(engine).get_table_names()
            if name != "alembic_version" and modelled(name, "table", {})}


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
            diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": modelled}), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        db.engine.dispose()


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


def _row_counts(engine) -> dict[str, int]:
    with engine.connect() as conn:
        return {name: conn.execute(sa.select(sa.func.count()).select_from(sa.table(name))).scalar()
                for name in _tables(engine)}


def _fill_every_table(app) -> None:
    """Demo data through the seed command, then the few kinds of rows it does not make."""
    from datetime import date, timedelta

    from ipdesk.actions.models import Hearing, Litigation
    from ipdesk.audit.services import log_event
    from ipdesk.auth.models import PasswordResetToken, RecoveryCode, Role, User, UserSession
    from ipdesk.cases.models import Case, CaseTransfer
    from ipdesk.companies.models import Company, CompanySize, CompanyStatus, Invitation, RegistrationRequest
    from ipdesk.companies.services import refuse_company
    from ipdesk.core.db import utcnow
    from ipdesk.core.periodic import PeriodicRun
    from ipdesk.education.models import Guide, GuideAttachment
    from ipdesk.enquiries.models import Channel, Enquiry, EnquiryRequest, EnquiryStatus, Topic
    from ipdesk.evidence.models import CustodyEvent, CustodyKind, StagedFile
    from ipdesk.network.models import Hub
    from ipdesk.notify.models import EmailStatus, Notification, NotificationKind, NotificationPreference
    from ipdesk.refusals.models import RefusalReason, RefusalScope
    from ipdesk.reports.models import ReportJob
    from tests.factories import make_evidence_file, registration_number

    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "120", "--password", "demo pass 123"])
    assert result.exit_code == 0, result.output
    officer = db.session.scalar(sa.select(User).where(User.role == Role.staff).limit(1))
    exporter = db.session.scalar(sa.select(User).where(User.role == Role.exporter).limit(1))
    case = db.session.scalar(sa.select(Case).where(Case.reference.is_not(None)).limit(1))
    other_hub = db.session.scalar(sa.select(Hub).where(Hub.id != case.hub_id).limit(1))
    file = make_evidence_file(case, officer)
    litigation = db.session.scalar(sa.select(Litigation).limit(1))
    now = utcnow()
    guide = db.session.scalar(sa.select(Guide).limit(1))  # the seed's country guides
    db.session.add_all([
        GuideAttachment(guide_id=guide.id, storage_key="i" * 40, original_name="leaflet.pdf",
                        content_type="application/pdf", size=10, sha256="0" * 64, uploaded_by_id=officer.id),
        CustodyEvent(file_id=file.id, case_id=case.id, kind=CustodyKind.uploaded, actor_id=officer.id),
        Hearing(litigation_id=litigation.id, held_on=date(2026, 6, 1), note="first hearing", created_by_id=officer.id),
        CaseTransfer(case_id=case.id, actor_id=officer.id, from_hub_id=case.hub_id, to_hub_id=other_hub.id,
                     reason="closer to the market"),
        Invitation(company_id=exporter.company_id, email="colleague@example.com", token_hash="a" * 64,
                   invited_by_id=exporter.id, expires_at=now + timedelta(days=7)),
        UserSession(user_id=exporter.id, token_hash="b" * 64),
        ReportJob(lang="ko", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), backend="local",
                  requested_by_id=officer.id),
        RecoveryCode(user_id=officer.id, code_hash="c" * 64),
        StagedFile(token="e" * 32, user_id=exporter.id, case_id=case.id, storage_key="f" * 40,
                   original_name="kept.png", content_type="image/png", size=10, sha256="0" * 64),
        PeriodicRun(name="notify_due", tick_at=now, finished_at=now),
        PasswordResetToken(user_id=exporter.id, token_hash="d" * 64, expires_at=now + timedelta(hours=1)),
        RegistrationRequest(email="founder@example.com", token_hash="g" * 64, data={"name_en": "Waiting Co"},
                            password_hash="not a hash", expires_at=now + timedelta(hours=24)),
        NotificationPreference(user_id=exporter.id, kind=NotificationKind.new_message, email=False),
        Enquiry(channel=Channel.phone, company_id=exporter.company_id, country_code=case.country_code,
                hub_id=case.hub_id, topic=Topic.general, question="Which office registers marks there?",
                status=EnquiryStatus.answered, answer="The national office.", answered_at=now, case_id=case.id),
        EnquiryRequest(email="asker@example.com", token_hash="h" * 64, data={"question": "Waiting"},
                       expires_at=now + timedelta(hours=48)),
        Notification(user_id=exporter.id, kind=NotificationKind.stage_changed, case_id=case.id, language="ko",
                     subject="Case moved", body="Open the case", link_path=f"/cases/{case.id}",
                     email_to=exporter.email, email_status=EmailStatus.pending, next_attempt_at=now),
    ])
    refused = Company(name_ko="거절된 기업", name_en="Refused Co", registration_number=registration_number(9_999),
                      size=CompanySize.sme, status=CompanyStatus.pending)
    db.session.add(refused)
    db.session.flush()
    reason = db.session.scalar(sa.select(RefusalReason).where(RefusalReason.scope == RefusalScope.company).limit(1))
    refuse_company(refused, reason.id, "The number is not in the national register.", officer)  # down: pending
    log_event("auth.login_failed", data={"user_id": None, "reason": "credentials"},
              personal={"email": "someone@example.com"}, about=None)
    db.session.commit()


def _assert_audit_guard(engine) -> None:
    for statement in ("UPDATE audit_entries SET action = 'forged'", "DELETE FROM audit_entries"):
        with engine.connect() as conn, pytest.raises(sa.exc.DatabaseError, match="append-only"):
            conn.execute(sa.text(statement))


def test_downgrade_and_upgrade_with_data_in_place(empty_database):
    """Every migration steps down with rows in every table and keeps the rows of the tables it
    leaves; from the first revision, with its tables still full, upgrading again backfills the
    audit chain; then down to nothing and up once more."""
    from alembic.script import ScriptDirectory

    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        _fill_every_table(app)
        full = _row_counts(db.engine)
        assert [name for name, count in full.items() if count == 0] == []
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        for revision in script.walk_revisions():  # head first
            if revision.down_revision is None:
                break
            downgrade(revision=revision.down_revision)
            kept = _row_counts(db.engine)
            if revision.revision in ("0035", "0039", "0040", "0050"):  # tallies of kinds the older code does not count
                full["tallies"] = kept["tallies"]
            if revision.revision == "0047":  # a rule without a time limit: the older CHECK holds none
                full["deadline_rules"] = kept["deadline_rules"]
            if revision.revision == "0048":  # nor does the older CHECK of notifications hold a squatting alert's
                full["notifications"] = kept["notifications"]
            assert kept == {name: full[name] for name in kept}, f"rows lost going below {revision.revision}"
            if "audit_entries" in kept:
                _assert_audit_guard(db.engine)
        first = _row_counts(db.engine)
        assert "audit_entries" in first and "cases" not in first
        upgrade()
        again = _row_counts(db.engine)
        # re-chained in format 2 (0015), the log is closed by one entry holding the old chain's last hash
        assert {name: again[name] - (name == "audit_entries") for name in first} == first
        with db.engine.connect() as conn:  # down in format 1 and up again, personal values keep their place
            assert conn.execute(sa.text("SELECT count(*) FROM audit_personal_values WHERE name = 'email' "
                                        "AND value = 'someone@example.com'")).scalar() == 1
        result = app.test_cli_runner().invoke(args=["audit", "verify"])
        assert result.exit_code == 0 and "0 problem(s)" in result.output, result.output
        _assert_audit_guard(db.engine)
        downgrade(revision="base")
        assert _tables(db.engine) == set()
        upgrade()
        assert {"cases", "audit_entries", "report_jobs"} <= _tables(db.engine)
        db.engine.dispose()


def test_0017_widens_the_notification_kinds_and_back(empty_database):
    """Up to 0017 the new kinds fit the widened CHECK constraint and length of both tables; down to 0016 their
    rows go (the old constraint cannot hold them), every other row stays, and the old constraint is back."""
    from ipdesk.notify.models import NotificationKind as K

    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        _fill_every_table(app)
        with db.engine.begin() as conn:
            user_id = conn.execute(sa.text("SELECT min(id) FROM users WHERE role = 'staff'")).scalar()
            before = conn.execute(sa.text("SELECT count(*) FROM notifications")).scalar()
            for kind in (K.new_case_at_hub, K.company_awaiting_approval):
                conn.execute(sa.text(
                    "INSERT INTO notifications (user_id, kind, language, subject, body, created_at, in_app, "
                    "email_status, attempts, last_error) "
                    "VALUES (:user, :kind, 'en', 's', 'b', :now, true, 'off', 0, '')"),
                    {"user": user_id, "kind": kind.name, "now": "2026-12-06 10:00:00"})
                conn.execute(sa.text("INSERT INTO notification_preferences (user_id, kind, email, in_app) "
                                     "VALUES (:user, :kind, false, true)"), {"user": user_id, "kind": kind.name})
            assert conn.execute(sa.text("SELECT count(*) FROM company_export_countries")).scalar() > 0
        downgrade(revision="0016")
        assert "company_export_countries" not in _tables(db.engine)
        with db.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM notifications")).scalar() == before
            assert conn.execute(sa.text("SELECT count(*) FROM notification_preferences")).scalar() == 1
        for table in ("notifications", "notification_preferences"):  # PostgreSQL: too long for the column too
            with db.engine.begin() as conn, pytest.raises((sa.exc.IntegrityError, sa.exc.DataError)):
                conn.execute(sa.text(f"UPDATE {table} SET kind = 'new_case_at_hub'"))
        upgrade()
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE notification_preferences SET kind = 'company_awaiting_approval'"))
            assert conn.execute(sa.text("SELECT kind FROM notification_preferences")).scalar() == \
                "company_awaiting_approval"
        with db.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("UPDATE notifications SET kind = 'no_such_kind'"))
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": modelled}), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        db.engine.dispose()


def test_0022_ends_closed_records_and_widens_outcomes_and_back(empty_database):
    """Up to 0022 every deadline already done was met ("done"), the new outcomes and "carried on by counsel"
    fit the CHECKs, and a done deadline must say how it ended; down to 0021 the new values map to the nearest
    old ones and the old CHECKs are back."""
    app = make_app(empty_database)
    with app.app_context():
        upgrade()
        _fill_every_table(app)
        downgrade(revision="0021")
        upgrade()
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT count(*) FROM deadlines WHERE is_done")).scalar() > 0
            assert conn.execute(sa.text(
                "SELECT count(*) FROM deadlines WHERE is_done AND ending IS NULL "
                "OR NOT is_done AND ending IS NOT NULL")).scalar() == 0
            case_id = conn.execute(sa.text("SELECT min(id) FROM cases WHERE stage = 'closed'")).scalar()
            conn.execute(sa.text("UPDATE cases SET outcome = 'seized' WHERE id = :id"), {"id": case_id})
            conn.execute(sa.text("UPDATE administrative_actions SET status = 'counsel'"))
            conn.execute(sa.text("UPDATE litigations SET status = 'counsel'"))
        for statement in ("UPDATE deadlines SET ending = NULL WHERE is_done",
                          "UPDATE deadlines SET ending = 'forgot' WHERE is_done",
                          "UPDATE cases SET outcome = 'bogus' WHERE stage = 'closed'"):
            with db.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
                conn.execute(sa.text(statement))
        downgrade(revision="0021")
        with db.engine.begin() as conn:
            assert conn.execute(sa.text("SELECT outcome FROM cases WHERE id = :id"), {"id": case_id}).scalar() == \
                "takedown"
            assert conn.execute(sa.text("SELECT count(*) FROM administrative_actions WHERE status = 'counsel'")
                                ).scalar() == 0
        with db.engine.begin() as conn, pytest.raises(sa.exc.IntegrityError):
            conn.execute(sa.text("UPDATE cases SET outcome = 'seized' WHERE stage = 'closed'"))
        upgrade()
        with db.engine.connect() as conn:
            diff = compare_metadata(MigrationContext.configure(conn, opts={"include_name": modelled}), db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        db.engine.dispose()
