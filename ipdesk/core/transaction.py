"""The request's one commit point: a refused request commits nothing of its change, only what the
refusal itself must record.

A request is refused when its answer is an error (status 400 or above), or when a service refused
the change by raising a ``ServiceError`` during it, whatever the view then shows (the form again, or
a message and a redirect). Views never roll back: the commit point does. What a refusal must leave
behind (a failed sign-in, a failed integrity check) is written through ``record_despite_refusal``:
written at once, and written again after the rollback of a refused request, in the transaction the
commit point commits.

Nothing slow runs inside a transaction that writes: a request that renders a document or re-hashes files
reads first, does the slow part ``outside_transaction`` and only then writes (an audit entry), in a short
transaction of its own; on SQLite no other writer waits for the slow part.
"""
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TypeVar

from flask import g, has_request_context
from sqlalchemy.orm import Session

from ipdesk.core.db import transaction_will_write
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


@contextmanager
def outside_transaction() -> Iterator[None]:
    """Run the block (a PDF's rendering, a re-hash) in no transaction: the request's reads so far end here, and
    what it writes afterwards begins a transaction of its own, as short as the write (SQLite: ``BEGIN IMMEDIATE``
    then, never before the slow part). Only a request that has not written may do slow work; objects it loaded
    are read again when next used."""
    if transaction_will_write() or db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("slow work inside a transaction that writes")
    db.session.rollback()  # it only read: this lets go of its snapshot and nothing else
    try:
        yield
    finally:
        begin_writing()


def begin_writing() -> None:
    """A request that only read so far and now must write (a dead job to mark failed; an audit entry after a
    render): its reads end here, and its write begins a transaction of its own (SQLite: ``BEGIN IMMEDIATE``,
    committed at the commit point as usual). Objects it loaded are read again when next used."""
    if transaction_will_write():
        return
    if db.session.new or db.session.dirty or db.session.deleted:
        raise RuntimeError("a change made before the request declared it would write")
    db.session.rollback()  # it only read: this lets go of its snapshot and nothing else
    g.write_intent = True


def write_apart(write: Callable[[Session], T]) -> T:
    """Do ``write`` in a session and a short transaction of its own, committed at once whatever the request or
    command around it then does (a job's progress, a dead job marked failed, a failed check recorded while a
    command goes on re-hashing); ``write`` gets that session. Not from inside a transaction that writes: on SQLite
    it would wait for the lock its own caller holds."""
    previous = g.get("write_intent")
    g.write_intent = True
    try:
        with Session(db.engine) as session, session.begin():
            return write(session)
    finally:
        if previous is None:
            g.pop("write_intent", None)
        else:
            g.write_intent = previous


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
