"""The request's one commit point: a refused request commits nothing of its change, only what the
refusal itself must record.

A request is refused when its answer is an error (status 400 or above), or when a service refused
the change by raising a ``ServiceError`` during it, whatever the view then shows (the form again, or
a message and a redirect). Views never roll back: the commit point does. What a refusal must leave
behind (a failed sign-in, a failed integrity check) is written through ``record_despite_refusal``:
written at once, and written again after the rollback of a refused request, in the transaction the
commit point commits.
"""
from collections.abc import Callable
from typing import TypeVar

from flask import g, has_request_context

from ipdesk.extensions import db

_REFUSED = "request_refused"
_KEPT = "writes_despite_refusal"
T = TypeVar("T")


def refuse() -> None:
    """Mark the current request refused (services do so by raising a ``ServiceError``); outside a
    request (commands, background jobs) the caller's own transaction decides."""
    if has_request_context():
        g.setdefault(_REFUSED, True)


def is_refused(status_code: int) -> bool:
    return status_code >= 400 or g.get(_REFUSED, False)


def record_despite_refusal(write: Callable[[], T]) -> T:
    """Do ``write`` now, and once more after the rollback should the request be refused, so what it
    records outlives the refused change; returns what it returned now. ``write`` must only touch the
    database through the session and must read what it records from values or committed rows (what the
    refused change made is gone)."""
    result = write()
    if has_request_context():
        g.setdefault(_KEPT, []).append(write)
    return result


def discard_change() -> None:
    """Roll back at once: after a statement failed, the session runs no other until it is rolled
    back, and an error page must still render (the commit point then has nothing to commit)."""
    db.session.rollback()


def end_request(status_code: int, after_rollback: Callable[[], None]) -> None:
    """Commit the request's change; or, for a refused request, roll it back, call ``after_rollback``
    (which removes what the change stored outside the database) and commit only the writes recorded
    despite the refusal. An answer of 500 or above is a failure, not a refusal: nothing is kept."""
    kept = g.pop(_KEPT, [])
    if is_refused(status_code):
        db.session.rollback()
        after_rollback()
        if status_code >= 500 or not kept:
            return
        for write in kept:
            write()
    try:
        db.session.commit()
    except Exception:
        after_rollback()
        raise
