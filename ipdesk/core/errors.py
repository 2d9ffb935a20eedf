"""Exceptions that services raise and views turn into messages or status codes."""
from ipdesk.core.transaction import refuse


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
