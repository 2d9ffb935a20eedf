"""Parts of a page rendered once and kept, for what does not change from one viewer to the next.

A fragment is kept under a key that holds everything it shows and everything it depends on (the rows' values,
the viewer's language, zone and permissions), so a kept fragment is never stale: when anything it shows changes,
the key changes and the fragment is rendered again. Nothing is invalidated, and every process keeps its own few
hundred fragments (least recently used go first). Per-request values such as the CSRF token are put in after the
fragment is taken from the cache (``fill``).
"""
import threading
from collections import OrderedDict

from flask import current_app, render_template
from markupsafe import Markup

KEPT = 256  # fragments per process


class FragmentCache:
    def __init__(self, size: int = KEPT):
        self.size = size
        self._kept: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key):
        with self._lock:
            html = self._kept.get(key)
            if html is not None:
                self._kept.move_to_end(key)
            return html

    def put(self, key, html: str) -> None:
        with self._lock:
            self._kept[key] = html
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


fragments = FragmentCache()


def render_kept(template: str, key: tuple, *, fill: dict[str, str] | None = None, **context) -> Markup:
    """``template`` rendered with ``context``, or the same HTML kept from an earlier call with an equal ``key``.
    ``fill``: placeholders the template writes (passed in ``context``; unguessable, so no typed text holds one)
    and the values that replace them on every call. Nothing is kept while templates reload as they change
    (development)."""
    fill = fill or {}
    keep = not (current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"))
    html = fragments.get((template, key)) if keep else None
    if html is None:
        html = render_template(template, **context)
        if keep:
            fragments.put((template, key), html)
    for placeholder, value in fill.items():
        html = html.replace(placeholder, value)
    return Markup(html)
