"""Exceptions that services raise and views turn into messages or status codes."""
import sqlalchemy as sa

from ipdesk.core.transaction import refuse

SQLITE_BUSY, SQLITE_LOCKED = 5, 6
# lock_not_available (lock_timeout passed), deadlock_detected: another transaction held what this one needed
POSTGRES_BUSY = frozenset({"55P03", "40P01"})


class ServiceError(Exception):
    """A rule refused the change; the message is translated and shown to the user. Raising one
    refuses the request: its commit point commits none of the change."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        refuse()
        self.message = message
        self.field = field


class StaleObjectError(Exception):
    """The object changed since the user loaded it; answered with 409 and a way to reload."""

    def __init__(self, reload_url: str | None = None):
        super().__init__("stale object")
        self.reload_url = reload_url


def check_version(obj, submitted_version: int | None, reload_url: str | None = None) -> None:
    """Refuse an edit made on an older version of ``obj``."""
    try:
        current = int(submitted_version) == obj.version
    except (TypeError, ValueError):  # missing or tampered with
        current = False
    if not current:
        raise StaleObjectError(reload_url)


def is_busy(error: BaseException | None) -> bool:
    """Whether ``error`` is a write that waited for a lock longer than allowed (SQLite's "database is locked" after
    its busy timeout, PostgreSQL's lock timeout or a deadlock): the database is busy, and the same request sent
    again a little later goes through."""
    if not isinstance(error, sa.exc.OperationalError):
        return False
    original = error.orig
    code = getattr(original, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)  # extended codes keep the primary one in the low byte
    return getattr(original, "sqlstate", None) in POSTGRES_BUSY
