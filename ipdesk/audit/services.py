"""Writing audit entries, in the same transaction as the change they record, onto the hash chain.

An entry joins the chain when its transaction commits: ``log_event`` keeps it aside, and just
before the commit the chain's lock is taken, the last hash read, and the transaction's entries
hashed and inserted in order. So the lock is the last one a transaction takes and is held only
for those inserts and the commit: no transaction holding it waits for a row another one holds.

Personal values (e-mails, names, free text, the client's address) are never chained: the entry
holds their keyed hashes and ``audit_personal_values`` the values, which ``erase_personal_values``
can remove.
"""
import sqlalchemy as sa
from flask import current_app, has_request_context, request

from ipdesk.audit.chain import CHAINED_FIELDS, GENESIS, LOCK_KEY, chain_rows, entry_hash, personal_hash
from ipdesk.audit.models import AuditEntry, AuditPersonalValue
from ipdesk.core.db import bulk_insert, utcnow
from ipdesk.extensions import db

PENDING = "audit_pending"  # session.info key: [(entry, the transaction it was logged in)]
CLIENT_ADDRESS = "ip"  # the name the client's address is kept under
_ACTOR_OR_OBJECT = object()  # ``about``'s default: the user acted on, else the actor


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


def _personal_rows(personal: dict[str, str | None], about_id: int | None, actor_id: int | None) -> list[dict]:
    """The rows of ``audit_personal_values`` for an entry's personal values (empty ones are left out);
    the client's address is about the actor, every other value about ``about_id``."""
    return [{"name": name, "value": value,
             "user_id": (actor_id or about_id) if name == CLIENT_ADDRESS else about_id}
            for name, value in personal.items() if value]


def _hashes(rows: list[dict]) -> dict[str, str]:
    """What the chain holds of an entry's personal values: their keyed hashes by name."""
    key = current_app.config["AUDIT_HMAC_KEY"]
    return {row["name"]: personal_hash(key, row["value"]) for row in rows}


def _with_client_address(personal: dict | None) -> dict:
    personal = dict(personal or {})
    if has_request_context() and request.remote_addr:
        personal.setdefault(CLIENT_ADDRESS, request.remote_addr)
    return personal


def log_event(action: str, *, actor=None, obj=None, data: dict | None = None, personal: dict | None = None,
              about=_ACTOR_OR_OBJECT) -> AuditEntry:
    """Record an audit entry in the current transaction; it is chained and written when the transaction commits.

    The log browser renders its summary from ``action`` (``ipdesk.audit.summaries``), ``data`` and ``personal``.

    :param action: a stable dotted name such as ``company.approved``; filters and summaries use it.
    :param obj: the object acted on; its table name and primary key are recorded.
    :param data: ids, codes, numbers, dates and file hashes only: it is chained and can never be erased.
    :param personal: personal values by name (e-mails, names, free text); the chain holds only their keyed
        hashes, the values can be erased. The client's address is added as ``ip`` in a request.
    :param about: the user (or ``None``: no account) the personal values are about; by default ``obj``
        when it is a user, else the actor. The client's address is always the actor's.
    """
    if obj is not None and db.inspect(obj).identity is None:
        db.session.flush()
    data = data or {}
    if about is _ACTOR_OR_OBJECT:
        about = obj if getattr(obj, "__tablename__", None) == "users" else actor
    rows = _personal_rows(_with_client_address(personal), getattr(about, "id", None), getattr(actor, "id", None))
    entry = AuditEntry(
        created_at=utcnow(),
        actor_id=getattr(actor, "id", None),
        action=action,
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=str(db.inspect(obj).identity[0]) if obj is not None else None,
        case_id=_case_id(obj, data),
        data=data,
        personal_hashes=_hashes(rows),
        personal_values=[AuditPersonalValue(**row) for row in rows],
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
    """Insert many entries at once (bulk loads) as the transaction's last step, chained in list order.

    A row may hold ``personal`` (name -> value) and ``about`` (a user id) as ``log_event`` takes them.
    """
    if not rows:
        return
    personal = []
    for row in rows:
        for name in ("actor_id", "object_type", "object_id", "case_id"):
            row.setdefault(name, None)
        personal.append(_personal_rows(row.pop("personal", None) or {}, row.pop("about", None), row["actor_id"]))
        row["personal_hashes"] = _hashes(personal[-1])
    chain_rows(rows, lock_chain())
    if not any(personal):  # no values to file under the entries' ids: COPY on PostgreSQL, in the chain's order
        bulk_insert(db.session, AuditEntry, rows)
        return
    ids = db.session.execute(sa.insert(AuditEntry).returning(AuditEntry.id, sort_by_parameter_order=True),
                             rows).scalars().all()
    values = [{**value, "entry_id": entry_id} for entry_id, entry_values in zip(ids, personal, strict=True)
              for value in entry_values]
    if values:
        db.session.execute(sa.insert(AuditPersonalValue), values)


def erase_personal_values(*, user_id: int | None = None, email: str | None = None) -> int:
    """Erase the personal values the audit log holds about a person: those recorded about their account
    and any value that is their e-mail address. The chain still verifies (it holds keyed hashes only);
    the log browser shows "(erased)". Returns how many values were erased; never commits.
    """
    about = []
    if user_id is not None:
        about.append(AuditPersonalValue.user_id == user_id)
    if email:
        about.append(sa.func.lower(AuditPersonalValue.value) == email.strip().lower())
    if not about:
        return 0
    result = db.session.execute(
        sa.update(AuditPersonalValue).where(AuditPersonalValue.value.is_not(None), sa.or_(*about))
        .values(value=None, erased_at=utcnow()))
    return result.rowcount
