"""Writing audit entries, in the same transaction as the change they record, onto the hash chain."""
import sqlalchemy as sa
from flask import has_request_context, request

from ipdesk.audit.chain import GENESIS, LOCK_KEY, chain_rows, entry_hash
from ipdesk.audit.models import AuditEntry
from ipdesk.core.db import utcnow
from ipdesk.extensions import db


def lock_chain() -> str:
    """Hold the right to append to the chain until this transaction ends; returns the last hash.

    PostgreSQL: a transaction-level advisory lock, so two transactions never read the same last
    hash. SQLite: a writing transaction began with BEGIN IMMEDIATE and already excludes every
    other writer (and a deferred one that read an older last hash cannot write any more).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    db.session.flush()  # this transaction's earlier entries come first
    last = db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


def _case_id(obj, data: dict) -> int | None:
    """The case an entry is about: the case itself, a child object's case, or ``data["case_id"]``."""
    if obj is not None and obj.__tablename__ == "cases":
        return obj.id
    case_id = getattr(obj, "case_id", None) or data.get("case_id")
    return case_id if isinstance(case_id, int) else None


def log_event(action: str, summary: str, *, actor=None, obj=None, data: dict | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction, chained to the last one.

    :param action: a stable dotted name such as ``company.approved``; filters use it.
    :param summary: an untranslated one-line description for the log browser.
    :param obj: the object acted on; its table name and primary key are recorded.
    """
    if obj is not None and db.inspect(obj).identity is None:
        db.session.flush()
    data = data or {}
    fields = {
        "created_at": utcnow(),
        "actor_id": getattr(actor, "id", None),
        "action": action,
        "object_type": obj.__tablename__ if obj is not None else None,
        "object_id": str(db.inspect(obj).identity[0]) if obj is not None else None,
        "case_id": _case_id(obj, data),
        "summary": summary,
        "data": data,
        "ip_address": request.remote_addr if has_request_context() else None,
    }
    prev_hash = lock_chain()
    entry = AuditEntry(**fields, prev_hash=prev_hash, entry_hash=entry_hash(fields, prev_hash))
    db.session.add(entry)
    return entry


def insert_entries(rows: list[dict]) -> None:
    """Insert many entries at once (bulk loads), chained in list order under the same lock."""
    if not rows:
        return
    for row in rows:
        for name in ("actor_id", "object_type", "object_id", "case_id", "ip_address"):
            row.setdefault(name, None)
    chain_rows(rows, lock_chain())
    db.session.execute(sa.insert(AuditEntry), rows)
