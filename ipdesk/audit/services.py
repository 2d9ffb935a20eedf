"""Writing audit entries, in the same transaction as the change they record."""
from flask import has_request_context, request

from ipdesk.audit.models import AuditEntry
from ipdesk.extensions import db


def log_event(action: str, summary: str, *, actor=None, obj=None, data: dict | None = None) -> AuditEntry:
    """Add an audit entry to the current transaction.

    :param action: a stable dotted name such as ``company.approved``; filters use it.
    :param summary: an untranslated one-line description for the log browser.
    :param obj: the object acted on; its table name and primary key are recorded.
    """
    if obj is not None and db.inspect(obj).identity is None:
        db.session.flush()
    entry = AuditEntry(
        action=action,
        summary=summary,
        actor_id=getattr(actor, "id", None),
        object_type=obj.__tablename__ if obj is not None else None,
        object_id=str(db.inspect(obj).identity[0]) if obj is not None else None,
        data=data or {},
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(entry)
    return entry
