"""Saving admin-edited reference rows (rules): create or change, refuse a duplicate key politely."""
from sqlalchemy.exc import IntegrityError

from ipdesk.core.db import bump_version
from ipdesk.core.errors import ServiceError
from ipdesk.extensions import db


def save_reference_row(model, row, data: dict, fields, *, duplicate_message: str, duplicate_field: str):
    """Create a ``model`` row (``row`` None) or change ``row`` from ``data``'s ``fields``.

    :returns: the row, the values before (None for a new row) and the values saved, for the audit log.
    :raises ServiceError: when the values collide with another row's unique key.
    """
    values = {f: data[f].strip() if isinstance(data[f], str) else data[f] for f in fields}
    before = {f: getattr(row, f) for f in fields} if row is not None else None
    try:
        with db.session.begin_nested():  # on a refusal the savepoint undoes the change, so the session stays usable
            if row is None:
                row = model(**values)
                db.session.add(row)
            else:
                for name, value in values.items():
                    setattr(row, name, value)
                bump_version(row)
    except IntegrityError:
        raise ServiceError(duplicate_message, field=duplicate_field) from None
    return row, before, values
