"""Choosing a reason from the active list, and the admins' changes to the list."""
import sqlalchemy as sa
from flask_babel import gettext as _

from ipdesk.audit.services import log_event
from ipdesk.core.errors import ServiceError
from ipdesk.core.reference import save_reference_row
from ipdesk.extensions import db
from ipdesk.refusals.models import RefusalReason, RefusalScope


def active_reasons(scope: RefusalScope) -> list[RefusalReason]:
    """The reasons offered now for ``scope``, in the order of their English label (codes are stable)."""
    return list(db.session.scalars(sa.select(RefusalReason).where(RefusalReason.scope == scope,
                                                                  RefusalReason.is_active)
                                   .order_by(RefusalReason.label_en, RefusalReason.id)))


def chosen_reason(reason_id, scope: RefusalScope, *, field: str = "reason_id") -> RefusalReason:
    """The active reason of ``scope`` with this id, or a refusal next to the form's reason field."""
    known = isinstance(reason_id, int) and 0 < reason_id < 2**31  # an id a form could not have offered is none
    reason = db.session.get(RefusalReason, reason_id) if known else None
    if reason is None or reason.scope is not scope or not reason.is_active:
        raise ServiceError(_("Choose a reason from the list."), field=field)
    return reason


NEW_REASON_FIELDS = ("scope", "code", "label_en", "label_ko", "is_active")
REASON_FIELDS = ("label_en", "label_ko", "is_active")


def save_reason(reason: RefusalReason | None, data: dict, actor) -> RefusalReason:
    """Add a reason (``reason`` None) or change its labels and whether it is offered. What it is given
    for and its code are fixed once it exists: the refusals already made with it are counted under them."""
    fields = NEW_REASON_FIELDS if reason is None else REASON_FIELDS
    reason, before, values = save_reference_row(
        RefusalReason, reason, data, fields, duplicate_field="code",
        duplicate_message=_("Another reason already has this code."))
    db.session.flush()
    log_event("refusal_reason.saved", actor=actor, obj=reason,
              data={"scope": reason.scope.name, "code": reason.code, "is_active": reason.is_active,
                    "before": _plain(before), "after": _plain(values)})
    return reason


def _plain(values: dict | None) -> dict | None:
    """Values for the audit log's data: enums by name."""
    if values is None:
        return None
    return {name: getattr(value, "name", value) for name, value in values.items()}
