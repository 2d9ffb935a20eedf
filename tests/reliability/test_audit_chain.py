"""The audit log: written with its change or not at all, append-only, chained by hash, never forked."""
import hashlib
import threading
import time
from contextlib import contextmanager

import pytest
import sqlalchemy as sa

from ipdesk.audit.chain import CHAINED_FIELDS, GENESIS, ChainReport, entry_hash, verify_chain
from ipdesk.audit.models import AuditEntry
from ipdesk.audit.services import lock_chain, log_event
from ipdesk.companies.models import CompanyStatus
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from tests.conftest import IS_POSTGRES, make_app


def worker_apps(database_url: str, count: int) -> list:
    """Apps for other workers, each with its own engine and session. Made here, in the main thread:
    Werkzeug compiles URL rules with ``ast``, which CPython 3.11 cannot do in several threads at once."""
    return [make_app(database_url) for _ in range(count)]


@contextmanager
def own_app(app):
    """Work as another worker would: in ``app``'s own context, engine and session."""
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def entries() -> list[AuditEntry]:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()


def problems() -> list:
    found = list(verify_chain(db.session.connection(), ChainReport()))
    db.session.commit()
    return found


def run_verify(app):
    db.session.commit()  # the command reads on a connection of its own
    return app.test_cli_runner().invoke(args=["audit", "verify"])


# --- written in the same transaction as the change -------------------------------------------

def test_a_committed_change_has_exactly_its_entry(client, factories, login_as):
    login_as(factories.staff())
    company = factories.CompanyFactory(pending=True)
    before = {e.id for e in entries()}
    assert client.post(f"/companies/{company.id}/approve").status_code == 302
    new = [e for e in entries() if e.id not in before]
    assert [(e.action, e.object_type, e.object_id) for e in new] == [
        ("company.approved", "companies", str(company.id))]
    assert problems() == []


@pytest.mark.parametrize("failure", ["after the change", "writing the entry"])
def test_a_request_that_fails_keeps_neither_the_change_nor_its_entry(app, client, factories, login_as, monkeypatch,
                                                                   failure):
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer with the 500 page, as in production
    login_as(factories.staff())
    company = factories.CompanyFactory(pending=True)
    before = len(entries())
    if failure == "after the change":  # the service has logged; the view then fails
        def broken_flash(*args, **kwargs):
            raise RuntimeError("view failed after the service")

        monkeypatch.setattr("ipdesk.companies.views.flash", broken_flash)
    else:  # the database refuses the audit entry (its hash is not 64 hex digits)
        monkeypatch.setattr("ipdesk.audit.services.entry_hash", lambda fields, prev: "not a hash")
    assert client.post(f"/companies/{company.id}/approve").status_code == 500
    assert len(entries()) == before
    db.session.refresh(company)
    assert company.status is CompanyStatus.pending


def test_entries_follow_their_savepoint_and_their_transaction(app):
    log_event("test.kept", data={"text": "before the savepoints"})
    with db.session.begin_nested():
        log_event("test.kept", data={"text": "in a savepoint that was released"})
    try:
        with db.session.begin_nested():
            log_event("test.dropped", data={"text": "in a savepoint that rolled back"})
            raise ValueError
    except ValueError:
        pass
    db.session.commit()
    log_event("test.dropped", data={"text": "in a transaction that rolled back"})
    db.session.rollback()
    db.session.commit()
    assert [e.data["text"] for e in entries()] == ["before the savepoints", "in a savepoint that was released"]
    assert problems() == []


# --- append-only ---------------------------------------------------------------------------------

def test_the_database_refuses_to_change_or_remove_entries(app):
    log_event("test.event", data={"text": "something happened"})
    db.session.commit()
    statements = ["UPDATE audit_entries SET action = 'forged'", "UPDATE audit_entries SET entry_hash = prev_hash",
                  "DELETE FROM audit_entries"] + (["TRUNCATE audit_entries CASCADE"] if IS_POSTGRES else [])
    for statement in statements:  # (CASCADE: the personal values' foreign key would refuse a plain TRUNCATE first)
        with pytest.raises(sa.exc.DatabaseError, match="append-only"):
            db.session.execute(sa.text(statement))
        db.session.rollback()
    assert [e.data["text"] for e in entries()] == ["something happened"]


def test_two_entries_can_never_follow_the_same_one(app):
    first = log_event("test.first", data={"text": "first"})
    db.session.commit()
    fields = {"created_at": utcnow(), "action": "test.fork", "data": {}}
    db.session.add(AuditEntry(**fields, prev_hash=first.prev_hash, entry_hash=entry_hash(fields, first.prev_hash)))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


# --- the chain -------------------------------------------------------------------------------------

def test_entries_are_chained_in_id_order(app, factories):
    for n in range(3):
        log_event("test.event", data={"n": n, "말": "한국어", "nested": {"b": 1, "a": [1.5, None]}})
    db.session.commit()
    rows = entries()
    assert rows[0].prev_hash == GENESIS
    assert [r.prev_hash for r in rows[1:]] == [r.entry_hash for r in rows[:-1]]
    for row in rows:
        assert row.entry_hash == entry_hash(fields_of(row), row.prev_hash) and len(row.entry_hash) == 64
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "3 entries, 0 problem(s)" in result.output


@pytest.fixture
def chain(app):
    """Five entries, ids 1-3 and 10-11 (the gap is where a forger would insert one)."""
    for n in range(3):
        log_event("test.event", data={"text": f"entry {n}"})
    db.session.commit()
    if IS_POSTGRES:  # as transactions that rolled back leave gaps in the sequence
        db.session.execute(sa.text("SELECT setval(pg_get_serial_sequence('audit_entries', 'id'), 9)"))
        log_event("test.event", data={"text": "entry 3"})
    else:  # SQLite numbers a row one past the largest id
        log_event("test.event", data={"text": "entry 3"}).id = 10
    log_event("test.event", data={"text": "entry 4"})
    db.session.commit()
    assert [e.id for e in entries()] == [1, 2, 3, 10, 11] and problems() == []
    return entries()


@contextmanager
def guard_removed():
    """Change the audit log past its append-only guard, as an attacker with the database's keys
    could: on PostgreSQL with triggers skipped for this transaction only (superuser), on SQLite by
    dropping the triggers and creating them again before the commit."""
    if IS_POSTGRES:
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))
    else:
        db.session.execute(sa.text("DROP TRIGGER audit_entries_no_update"))
        db.session.execute(sa.text("DROP TRIGGER audit_entries_no_delete"))
    yield
    if not IS_POSTGRES:
        for verb in ("UPDATE", "DELETE"):
            db.session.execute(sa.text(
                f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"))
    db.session.commit()
    with pytest.raises(sa.exc.DatabaseError, match="append-only"):  # the guard is back
        db.session.execute(sa.text("UPDATE audit_entries SET action = action"))
    db.session.rollback()


def fields_of(entry: AuditEntry, **changes) -> dict:
    return {**{name: getattr(entry, name) for name in CHAINED_FIELDS}, **changes}


def test_verify_finds_a_changed_entry(app, chain):
    with guard_removed():
        db.session.execute(sa.text("UPDATE audit_entries SET action = 'test.nothing' WHERE id = 2"))
    result = run_verify(app)
    assert result.exit_code == 1
    assert "CHANGED: entry #2 was changed" in result.output
    assert "5 entries, 1 problem(s)" in result.output


def test_verify_finds_a_rewritten_entry_whose_hash_was_recomputed(app, chain):
    forged = entry_hash(fields_of(chain[1], action="test.nothing"), chain[1].prev_hash)
    with guard_removed():
        db.session.execute(sa.text("UPDATE audit_entries SET action = 'test.nothing', entry_hash = :hash "
                                   "WHERE id = 2"), {"hash": forged})
    result = run_verify(app)
    assert result.exit_code == 1
    assert "between entry #2 and entry #3 (or entry #2 was rewritten together with its hash)" in result.output


def test_verify_finds_a_deleted_entry(app, chain):
    with guard_removed():
        db.session.execute(sa.text("DELETE FROM audit_entries WHERE id = 3"))
    result = run_verify(app)
    assert result.exit_code == 1
    assert "DELETED: entries were deleted between entry #2 and entry #10" in result.output
    assert "1 problem(s)" in result.output


def test_verify_finds_the_first_entry_deleted(app, chain):
    with guard_removed():
        db.session.execute(sa.text("DELETE FROM audit_entries WHERE id = 1"))
    result = run_verify(app)
    assert result.exit_code == 1
    assert "between the start of the log and entry #2" in result.output


@pytest.mark.parametrize("link", ["to entry 3, past the unique index", "to nothing"])
def test_verify_finds_an_inserted_entry(app, chain, link):
    """A forged entry in the gap between 3 and 10, with a hash that matches its content."""
    exact = link != "to nothing"
    prev = chain[2].entry_hash if exact else hashlib.sha256(b"nothing").hexdigest()
    forged = fields_of(chain[2], action="test.alibi")
    if exact:  # entry 10 follows entry 3 already: the unique index refuses a second one
        db.session.execute(sa.text("DROP INDEX ix_audit_entries_prev_hash"))
    with guard_removed():
        db.session.add(AuditEntry(id=5, **forged, prev_hash=prev, entry_hash=entry_hash(forged, prev)))
    try:
        result = run_verify(app)
        assert result.exit_code == 1
        assert "INSERTED: entries #5 were inserted: entry #10 follows entry #3" in result.output
        assert "6 entries, 1 problem(s)" in result.output
    finally:  # the PostgreSQL schema is shared by the next tests
        with guard_removed():
            db.session.execute(sa.text("DELETE FROM audit_entries WHERE id = 5"))
            if exact:
                db.session.execute(sa.text("CREATE UNIQUE INDEX ix_audit_entries_prev_hash "
                                           "ON audit_entries (prev_hash)"))


# --- appends are serialised ------------------------------------------------------------------------

def test_a_second_writer_waits_for_the_first_and_chains_after_it(app, database_url):
    first_app, second_app = worker_apps(database_url, 2)
    first_in, release, second_done = threading.Event(), threading.Event(), threading.Event()
    errors = []

    def first():
        try:
            with own_app(first_app):
                log_event("test.first", data={"text": "first writer"})
                lock_chain()  # as its commit does: from here to the commit, the chain is its own
                first_in.set()
                release.wait(10)
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
            first_in.set()

    def second():
        try:
            with own_app(second_app):
                log_event("test.second", data={"text": "second writer"})
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            second_done.set()

    threads = [threading.Thread(target=first)]
    threads[0].start()
    assert first_in.wait(10)
    threads.append(threading.Thread(target=second))
    threads[1].start()
    assert not second_done.wait(1), "the second writer appended while the first held the chain"
    release.set()
    for thread in threads:
        thread.join(30)
    assert errors == []
    rows = [e for e in entries() if e.action.startswith("test.")]
    assert [r.action for r in rows] == ["test.first", "test.second"]
    assert rows[1].prev_hash == rows[0].entry_hash
    assert problems() == []


def test_the_chain_lock_never_closes_a_deadlock(app, database_url, factories):
    """A logs an event, then waits for a row that B holds; B then logs and commits. Were the chain
    locked when A logged, B would wait for A and A for B. It is locked only at commit."""
    app_a, app_b = worker_apps(database_url, 2)
    company_id = factories.CompanyFactory().id
    a_logged, b_holds_row = threading.Event(), threading.Event()
    errors = []
    rename = sa.text("UPDATE companies SET name_en = :name WHERE id = :id")

    def a():
        try:
            with own_app(app_a):
                log_event("test.a", data={"text": "A logged first"})
                a_logged.set()
                assert b_holds_row.wait(10)
                db.session.execute(rename, {"name": "renamed by A", "id": company_id})  # waits for B
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    def b():
        try:
            with own_app(app_b):
                assert a_logged.wait(10)
                db.session.execute(rename, {"name": "renamed by B", "id": company_id})
                b_holds_row.set()
                time.sleep(0.5)  # A is now waiting for the row
                log_event("test.b", data={"text": "B logged second"})
                db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    db.session.commit()
    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert [e.action for e in entries() if e.action.startswith("test.")] == ["test.b", "test.a"]
    assert problems() == []


def test_concurrent_writers_leave_a_chain_that_verifies(app, database_url):
    writers, each = 4, 15
    apps = worker_apps(database_url, writers)
    errors = []
    start = threading.Barrier(writers)

    def write(n):
        try:
            with own_app(apps[n]):
                start.wait(10)
                for i in range(each):
                    log_event("test.concurrent", data={"writer": n, "i": i})
                    if i % 3 == 0:  # some transactions hold several entries
                        log_event("test.concurrent", data={"writer": n})
                    db.session.commit()
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(120)
    assert errors == []
    count = db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "test.concurrent"))
    assert count == writers * (each + 5)
    result = run_verify(app)
    assert result.exit_code == 0, result.output


# --- bulk loads and the migration ------------------------------------------------------------------

def test_seeded_demo_cases_leave_a_chain_that_verifies(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "2000", "--password", "demo pass 123"])
    assert result.exit_code == 0, result.output
    bulk = db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "case.stage_changed"))
    assert bulk > 2000
    assert db.session.scalar(sa.select(sa.func.count()).where(AuditEntry.action == "case.stage_changed",
                                                              AuditEntry.case_id.is_(None))) == 0
    result = run_verify(app)
    assert result.exit_code == 0, result.output
    assert "0 problem(s)" in result.output
