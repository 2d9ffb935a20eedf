"""Revision 0015 moves the personal values of a format-1 log out of the chain and re-chains it in format 2."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from flask_migrate import upgrade

from ipdesk.audit import chain_v1
from ipdesk.audit.chain import CHAINED_FIELDS, GENESIS, canonical, personal_hash
from ipdesk.audit.models import AuditEntry
from ipdesk.audit.summaries import summary
from ipdesk.core.db import UTCDateTime
from ipdesk.extensions import db
from tests.conftest import IS_POSTGRES, create_database, make_app

OLD = [
    {"action": "auth.login_failed", "object_type": None, "object_id": None, "actor_id": None, "case_id": None,
     "summary": "Failed sign-in for lee@example.com", "ip_address": "203.0.113.9",
     "data": {"email": "lee@example.com", "user_id": 7, "reason": "credentials"}},
    {"action": "company.suspended", "object_type": "companies", "object_id": "3", "actor_id": None, "case_id": None,
     "summary": "Company Hanbit suspended", "ip_address": None, "data": {"reason": "papers forged by Mr. Park"}},
    {"action": "user.updated", "object_type": "users", "object_id": "7", "actor_id": None, "case_id": None,
     "summary": "admin@example.com updated lee@example.com", "ip_address": "203.0.113.10",
     "data": {"before": {"name": "Lee Seo-yeon", "role": "staff"}, "after": {"name": "Lee Seoyeon", "role": "staff"}}},
    {"action": "case.exported", "object_type": None, "object_id": None, "actor_id": None, "case_id": None,
     "summary": "Case list exported as CSV", "ip_address": None,
     "data": {"filters": {"stage": "intake", "q": "Park Jiwoo", "applicant": "park@example.kr"}}},
    {"action": "company.registered", "object_type": "companies", "object_id": "3", "actor_id": None,
     "case_id": None, "summary": "Company Hanbit registered", "ip_address": None,
     "data": {"registration_number": "123-45-67890", "user_id": 7}},
]


@pytest.fixture
def old_log(tmp_path, worker):
    """An app on a database at revision 0014 whose log holds format-1 entries; returns the app and the last hash."""
    url = create_database(worker, "auditformat") if IS_POSTGRES else f"sqlite:///{tmp_path / 'old.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        upgrade(revision="0014")
        rows = [{**row, "created_at": datetime(2026, 11, 1, 9, n, tzinfo=UTC)} for n, row in enumerate(OLD)]
        last = chain_v1.chain_rows(rows, GENESIS)
        yield app, rows, last
        db.session.remove()
        db.engine.dispose()


def write(rows) -> None:
    """Insert format-1 rows as revision 0014's code did."""
    types = {"data": sa.JSON, "created_at": UTCDateTime}
    table = sa.table("audit_entries", *(sa.column(name, types.get(name)) for name in rows[0]))
    with db.engine.begin() as connection:
        connection.execute(table.insert(), rows)


def test_upgrade_moves_personal_values_and_rechains(old_log):
    app, rows, old_last = old_log
    write(rows)
    upgrade()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "6 entries, 0 problem(s)" in result.output, result.output

    entries = db.session.scalars(sa.select(AuditEntry).order_by(AuditEntry.id)).all()
    failed, suspended, updated, exported, registered, marker = entries
    values = {e.action: {v.name: (v.value, v.user_id) for v in e.personal_values} for e in entries}
    assert values["auth.login_failed"] == {"summary_text": ("Failed sign-in for lee@example.com", 7),
                                           "email": ("lee@example.com", 7), "ip": ("203.0.113.9", 7)}
    assert failed.data == {"user_id": 7, "reason": "credentials"}  # a code stays; the e-mail left
    assert values["company.suspended"] == {"summary_text": ("Company Hanbit suspended", None),
                                           "reason": ("papers forged by Mr. Park", None)}
    assert suspended.data == {}
    assert values["user.updated"]["name_before"] == ("Lee Seo-yeon", 7)
    assert updated.data == {"before": {"role": "staff"}, "after": {"role": "staff"}}
    assert exported.data == {"filters": {"stage": "intake"}}  # the list's own filters stay; the rest may be personal
    assert values["case.exported"]["search"][0] == "Park Jiwoo"
    assert values["case.exported"]["other_filters"][0] == '{"applicant": "park@example.kr"}'
    assert registered.data == {"user_id": 7}
    assert values["company.registered"]["registration_number"][0] == "123-45-67890"
    key = app.config["AUDIT_HMAC_KEY"]
    for entry in entries:
        chained = canonical({name: getattr(entry, name) for name in CHAINED_FIELDS}, entry.prev_hash).decode()
        for personal in ("lee@example.com", "203.0.113", "Hanbit", "Park", "park@", "Lee Seo", "123-45-67890"):
            assert personal not in chained
        assert entry.personal_hashes == {v.name: personal_hash(key, v.value) for v in entry.personal_values}
    assert marker.action == "audit.format_migrated" and marker.prev_hash == registered.entry_hash
    assert marker.data == {"format": 2, "previous_format": 1, "previous_last_id": registered.id,
                           "previous_last_hash": old_last, "entries": 5}
    with app.test_request_context(headers={"Accept-Language": "en"}):
        assert summary(failed) == "Failed sign-in for lee@example.com"
        with force_locale("ko"):
            assert summary(failed) == "lee@example.com 로그인 실패"  # what the entry holds fills the reader's sentence
            assert summary(suspended) == "Company Hanbit suspended"  # the old sentence stands in for what it lacks
        assert summary(marker).endswith(f"the previous format's last hash was {old_last}")


def test_a_log_that_does_not_verify_is_not_rechained(old_log, capfd):
    """Re-chaining a changed log would hide the change; the upgrade stops instead."""
    app, rows, _last = old_log
    rows[1]["summary"] = "Company Hanbit approved"  # changed after it was chained
    write(rows)
    with pytest.raises(SystemExit):
        upgrade()
    assert "The audit log does not verify at entry #2, so it is not re-chained" in capfd.readouterr().err
