"""Fixtures: an app on a migrated database (SQLite or PostgreSQL), clients, factories, sign-in."""
import os
import shutil
import tempfile
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask import has_app_context
from flask.testing import FlaskClient
from flask_migrate import upgrade

os.environ.setdefault("SECRET_KEY", "test-secret-key")
os.environ.setdefault("AUDIT_HMAC_KEY", "test-audit-hmac-key")
os.environ.setdefault("IPDESK_BACKUP_KEY", "test-backup-key")
os.environ.setdefault("IPDESK_ENV", "test")

from ipdesk import create_app
from ipdesk.extensions import db

TEST_DATABASE = os.environ.get("IPDESK_TEST_DATABASE", "sqlite")
IS_POSTGRES = TEST_DATABASE.startswith("postgresql")
# The evidence storage of the apps the tests make: "filesystem", or "s3" (a SeaweedFS per worker, each app a folder
# of its own in its bucket); scripts/run-tests.sh runs the tests marked `storage` once more with "s3".
TEST_STORAGE = os.environ.get("IPDESK_TEST_STORAGE", "filesystem")
if TEST_STORAGE not in ("filesystem", "s3"):
    raise RuntimeError(f"IPDESK_TEST_STORAGE is {TEST_STORAGE!r}: filesystem or s3")
PASSWORD = "correct horse battery staple"
_s3_server = None  # the SeaweedFS of this worker, in the S3 run


def pytest_configure(config):
    config.addinivalue_line("markers", "db_independent: cannot differ by database; runs once, on SQLite")
    config.addinivalue_line("markers", "pg_once: slow and multi-process; runs once, in the PostgreSQL run (on SQLite "
                                       "only when no PostgreSQL run follows)")
    config.addinivalue_line("markers", "csrf: runs with CSRF protection switched on")
    config.addinivalue_line("markers", "storage: touches the evidence storage; runs again with IPDESK_TEST_STORAGE=s3")
    config.addinivalue_line("markers", "s3: needs a real S3 server (SeaweedFS); runs only in the S3 run")


def pytest_collection_modifyitems(config, items):
    """Tests about S3 itself run in the S3 run only (where SeaweedFS is started), never twice."""
    if TEST_STORAGE != "s3":
        skip = pytest.mark.skip(reason="needs the S3 run (IPDESK_TEST_STORAGE=s3)")
        for item in items:
            if "s3" in item.keywords:
                item.add_marker(skip)


def pytest_report_header(config):
    return (f"ipdesk test database: {'PostgreSQL' if IS_POSTGRES else 'SQLite'}; "
            f"evidence storage: {'S3 (SeaweedFS)' if TEST_STORAGE == 's3' else 'a folder'}")


@pytest.fixture(scope="session", autouse=TEST_STORAGE == "s3")
def s3_server():
    """A real S3 server (SeaweedFS) for this worker, started once; in the S3 run every app stores evidence in it."""
    from tests.support.seaweed import seaweedfs

    global _s3_server
    with seaweedfs() as server:
        _s3_server = server
        try:
            yield server
        finally:
            _s3_server = None


def storage_settings() -> dict:
    """The evidence storage of a new test app: a new folder, or in the S3 run a new prefix in the bucket."""
    if TEST_STORAGE == "s3" and _s3_server is not None:
        return _s3_server.settings(prefix=f"test-{uuid.uuid4().hex}/")
    return {"EVIDENCE_STORAGE_DIR": tempfile.mkdtemp(prefix="ipdesk-evidence-")}


def _pg_admin_engine():
    url = sa.make_url(TEST_DATABASE)
    return sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")


def create_database(worker: str, purpose: str) -> str:
    """A fresh, empty database for this worker; returns its URL."""
    if not IS_POSTGRES:
        raise RuntimeError("SQLite databases are files; use a path")
    # IPDESK_TEST_DB_PREFIX keeps two checkouts' runs on one server apart (each drops its own databases)
    name = f"{os.environ.get('IPDESK_TEST_DB_PREFIX', 'ipdesk')}_{purpose}_{worker}"
    engine = _pg_admin_engine()
    with engine.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
        # a test's commit need not wait for the disk (no test crashes the server): commits are as visible as ever
        conn.execute(sa.text(f'ALTER DATABASE "{name}" SET synchronous_commit = off'))
    engine.dispose()
    return sa.make_url(TEST_DATABASE).set(database=name).render_as_string(hide_password=False)


class IsolatedClient(FlaskClient):
    """Each request runs in an app context of its own (own ``g``, own database session), as it does
    in production, even while the test holds an app context for its own queries."""

    def open(self, *args, **kwargs):
        # Tests read English unless they ask for Korean (the app's fallback is Korean).
        headers = dict(kwargs.pop("headers", None) or {})
        headers.setdefault("Accept-Language", "en")
        kwargs["headers"] = headers
        if has_app_context():
            db.session.commit()  # the server must see what the test wrote, and SQLite must not stay locked
        with self.application.app_context():
            response = super().open(*args, **kwargs)
        if has_app_context():
            db.session.commit()  # end the test's snapshot: it reads what the request wrote
        return response


def make_app(database_url: str, **overrides):
    config = {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_STORAGE_URI": "memory://",
        "SERVER_NAME": "ipdesk.test",
        "BASE_URL": "http://ipdesk.test",
        "NOTIFY_SENDER": "cron",  # tests send the outbox themselves, when they mean to
        "NOTIFY_DUE_MINUTES": 0,  # and add reminders themselves (tests/notify/test_scheduler.py starts it)
        "MAIL_BACKEND": "console",
        **storage_settings(),
        # Two-factor sign-in is required of managers and admins in production; the suites that are
        # about it turn it on (tests/auth/test_two_factor.py), the rest sign them in with a password.
        "TOTP_REQUIRED_ROLES": "",
    }
    config.update(overrides)
    app = create_app(config)
    app.test_client_class = IsolatedClient
    _made_apps.append(app)
    return app


_made_apps: list = []


@pytest.fixture(autouse=True)
def _close_made_apps_connections():
    """After each test, the pooled connections of every app it made are closed (``dispose``), not left for the
    garbage collector, which closed PostgreSQL ones with a ResourceWarning during some later test's teardown."""
    yield
    while _made_apps:
        app = _made_apps.pop()
        with app.app_context():
            db.engine.dispose()


def mailed_link(email: str, kind: str) -> str:
    """The path of the link in the latest e-mail of ``kind`` to ``email`` in the outbox, as its reader opens it."""
    import re

    from ipdesk.notify.models import Notification, NotificationKind

    body = db.session.scalar(sa.select(Notification.body).where(
        Notification.email_to == email.strip().lower(), Notification.kind == NotificationKind[kind])
        .order_by(Notification.id.desc()).limit(1))
    assert body, f"no {kind} e-mail to {email}"
    return re.search(r"http://ipdesk\.test(/\S+)", body).group(1)


def confirm_registration(client, email: str):
    """Open the link mailed to a registration's address and finish it, as its owner would; the response."""
    path = mailed_link(email, "email_confirmation")
    assert client.get(path).status_code == 200
    return client.post(path)


@pytest.fixture(scope="session")
def worker(request):
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(scope="session")
def migrated_database(tmp_path_factory, worker):
    """Build the schema once per worker by running the migrations (real constraints and triggers). SQLite's
    template also holds the shipped reference data each test's app loads (``running_app``), so that loading finds
    it there instead of writing it again for every test; PostgreSQL's tables are emptied before each test."""
    if IS_POSTGRES:
        url = create_database(worker, "test")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('template') / 'template.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        upgrade()
        if not IS_POSTGRES:
            _load_shipped_data()
        db.engine.dispose()  # closes the last connection, so SQLite checkpoints its WAL into the file
    return url


def _load_shipped_data() -> None:
    """The network, cost-share rules and refusal reasons every app starts with (each adds only what is missing)."""
    from ipdesk.costs.services import load_shipped_cost_rules
    from ipdesk.network.reference import load_reference_network
    from ipdesk.refusals.shipped import load_shipped_reasons

    load_reference_network()
    load_shipped_cost_rules()
    load_shipped_reasons()
    db.session.commit()


_cleaners: dict[str, sa.Engine] = {}


def _empty_postgres(url: str) -> None:
    """Every table emptied and its ids started again, as a fresh database would have them: DELETE of the tables
    that hold rows (a test writes to a few; TRUNCATE of all ~50 took 130 ms a test), in one transaction."""
    engine = _cleaners.get(url) or _cleaners.setdefault(url, sa.create_engine(url, pool_pre_ping=True))
    with engine.begin() as conn:
        tables = [r[0] for r in conn.execute(sa.text(
            "SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'alembic_version'"))]
        if not tables:
            return
        filled = [r[0] for r in conn.execute(sa.text(" UNION ALL ".join(
            f"SELECT '{name}' WHERE EXISTS (SELECT 1 FROM \"{name}\")" for name in tables)))]
        if not filled:
            return
        # The audit log refuses DELETE by trigger, and foreign keys are triggers too: replica mode skips
        # triggers for this clean-up only.
        conn.execute(sa.text("SET LOCAL session_replication_role = replica"))
        for name in filled:
            conn.execute(sa.text(f'DELETE FROM "{name}"'))
        conn.execute(sa.text(
            "SELECT setval(s.oid, 1, false) FROM pg_class s JOIN pg_depend d ON d.objid = s.oid "
            "JOIN pg_class t ON t.oid = d.refobjid WHERE s.relkind = 'S' AND d.deptype IN ('a', 'i') "
            "AND t.relname = ANY(:tables)"), {"tables": filled})


@pytest.fixture
def database_url(migrated_database, tmp_path):
    """A clean database per test: a copy of the migrated SQLite file, or emptied PostgreSQL tables."""
    if IS_POSTGRES:
        _empty_postgres(migrated_database)
        return migrated_database
    template = sa.make_url(migrated_database).database
    target = tmp_path / "ipdesk.sqlite3"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


@contextmanager
def running_app(database_url: str, **overrides):
    """An app with the shipped network, cost-share rules and refusal reasons loaded, inside its app context;
    disposed afterwards."""
    app = make_app(database_url, **overrides)
    with app.app_context():
        _load_shipped_data()
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def app(database_url):
    with running_app(database_url) as app:
        yield app
        # whatever the test did through the app, the counts the dashboards read still match the cases
        from ipdesk.reports.tallies import drift

        db.session.rollback()
        assert drift() == [], "the tallies disagree with the rows they count"


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def make_client(app):
    """A further, independent browser (its own cookie jar)."""
    return app.test_client


@pytest.fixture
def factories(app):
    from tests import factories

    return factories


@pytest.fixture
def login(app):
    """Sign a client in through the real form; returns the response."""

    def do_login(client, user_or_email, password=PASSWORD, follow_redirects=False, **extra):
        email = user_or_email if isinstance(user_or_email, str) else user_or_email.email
        return client.post("/login", data={"email": email, "password": password, **extra},
                           follow_redirects=follow_redirects)

    return do_login


@pytest.fixture
def login_as(client, login):
    """Sign the default client in as ``user`` and return the client."""

    def do(user):
        response = login(client, user)
        assert response.status_code == 302, response.get_data(as_text=True)
        return client

    return do


@pytest.fixture
def count_queries(app):
    """Count the SQL statements run inside a ``with`` block."""

    class Counter:
        def __init__(self):
            self.statements = []

        def __enter__(self):
            sa.event.listen(db.engine, "before_cursor_execute", self._record)
            return self

        def __exit__(self, *exc):
            sa.event.remove(db.engine, "before_cursor_execute", self._record)

        def _record(self, conn, cursor, statement, *args):
            if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT",
                                                          "RELEASE", "PRAGMA")):
                self.statements.append(statement)

        @property
        def count(self):
            return len(self.statements)

    return Counter

