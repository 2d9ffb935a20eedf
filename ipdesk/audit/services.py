"""Writing audit entries, in the same transaction as the change they record, onto the hash chain.

An entry joins the chain when its transaction commits: ``log_event`` keeps it aside, and just
before the commit the chain's lock is taken, the last hash read, and the transaction's entries
hashed and inserted in order. So the lock is the last one a transaction takes and is held only
for those inserts and the commit: no transaction holding it waits for a row another one holds.
"""
import sqlalchemy as sa
from flask import has_request_context, request

from ipdesk.audit.chain import CHAINED_FIELDS, GENESIS, LOCK_KEY, chain_rows, entry_hash
from ipdesk.audit.models import AuditEntry
from ipdesk.core.db import utcnow
from ipdesk.extensions import db

PENDING = "audit_pending"  # session.info key: [(entry, the transaction it was logged in)]


def lock_chain() -> str:
    """Hold the right to append to the chain until this transaction ends; returns the last hash.

    PostgreSQL: a transaction-level advisory lock, so two transactions never read the same last
    hash. SQLite: a writing transaction began with BEGIN IMMEDIATE and already excludes every
    other writer (and a deferred one that read an older last hash cannot write any more).
    """
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(LOCK_KEY)))
    last = db.session.scalar(sa.select(AuditEntry.entry_hash).order_by(AuditEntry.id.desc()).limit(1))
    return last or GENESIS


def _case_id(obj, data: dict) -> int | None:
    """The case an entry is about: the case itself, a child object's case, or ``data["case_id"]``."""
    if obj is not None and obj.__tablename__ == "cases":
        return obj.id
    case_id = getattr(obj, "case_id", None) or data.get("case_id")
    return case_id if isinstance(case_id, int) else None


def log_event(action: str, summary: str, *, actor=None, obj=None, data: dict | None = None) -> AuditEntry:
    """Record an audit entry in the current transaction; it is chained and written when the transaction commits.

    :param action: a stable dotted name such as ``company.approved``; filters use it.
    :param summary: an untranslated one-line description for the log browser.
    :param obj: the object acted on; its table name and primary key are recorded.
    """
    if obj is not None and db.inspect(obj).identity is None:
        db.session.flush()
    data = data or {}
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=str(db.inspect(obj).identity[0]) if obj is not None else None,
        case_id=_case_id(obj, data),
        summary=summary,
        data=data,
        ip_address=request.remote_addr if has_request_context() else None,
    )
    session = db.session()
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    session.info.setdefault(PENDING, []).append((entry, transaction))
    return entry


@sa.event.listens_for(db.session, "before_commit")
def _append_pending_entries(session) -> None:
    """Chain and add this transaction's entries; the commit's flush inserts them."""
    pending = session.info.get(PENDING)
    if not pending or session.in_nested_transaction():  # a savepoint's entries wait for the real commit
        return
    session.flush()  # the change itself first
    prev_hash = lock_chain()
    for entry, _transaction in pending:
        fields = {name: getattr(entry, name) for name in CHAINED_FIELDS}
        entry.prev_hash = prev_hash
        entry.entry_hash = prev_hash = entry_hash(fields, prev_hash)
        session.add(entry)
        session.flush()  # one INSERT at a time: ids follow the chain's order
    pending.clear()


@sa.event.listens_for(db.session, "after_soft_rollback")
def _forget_rolled_back_entries(session, previous_transaction) -> None:
    """Entries logged in a transaction (or savepoint) that rolled back record nothing that happened."""
    def within(transaction) -> bool:
        while transaction is not None:
            if transaction is previous_transaction:
                return True
            transaction = transaction.parent
        return False

    pending = session.info.get(PENDING)
    if pending:
        pending[:] = [(entry, transaction) for entry, transaction in pending if not within(transaction)]


def insert_entries(rows: list[dict]) -> None:
    """Insert many entries at once (bulk loads) as the transaction's last step, chained in list order."""
    if not rows:
        return
    for row in rows:
        for name in ("actor_id", "object_type", "object_id", "case_id", "ip_address"):
            row.setdefault(name, None)
    chain_rows(rows, lock_chain())
    db.session.execute(sa.insert(AuditEntry), rows)
