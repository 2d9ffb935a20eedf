"""Redirect targets (only paths on this site are followed) and ids in URLs (only those a row can have)."""
from urllib.parse import urlsplit

from flask import request
from werkzeug.routing import IntegerConverter

# The largest id a row can have: a signed 64-bit integer, what PostgreSQL's BIGINT and SQLite's INTEGER hold.
MAX_ID = 2**63 - 1


class IdConverter(IntegerConverter):
    """``<int:...>`` in every route: a number no row can have (beyond 64 bits) matches no route, a 404,
    instead of reaching the database and overflowing its integer."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def id_arg(name: str) -> int | None:
    """The id in the query string's ``name``, or None when it is missing, not a number or no row's id."""
    value = request.args.get(name, type=int)
    return value if value is not None and 1 <= value <= MAX_ID else None


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target:
        return None
    target = target.strip()
    if "\\" in target or any(ord(ch) < 32 for ch in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    return target
