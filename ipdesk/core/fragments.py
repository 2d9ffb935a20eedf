"""Parts of a page rendered once and kept, for what does not change from one viewer to the next.

A fragment is kept under a key that holds everything it shows and everything it depends on (the rows' values,
the viewer's language, zone and permissions), so a kept fragment is never stale: when anything it shows changes,
the key changes and the fragment is rendered again. Nothing is invalidated; every process keeps its own fragments
up to a number and a total size, and the least recently used go first.

The viewer's CSRF token is never kept: a fragment is stored with a placeholder where the token of the request that
rendered it was, and every request that takes it gets its own token put back.

Two ways in:

- ``render_kept(template, key, **context)`` from a view, for a partial template;
- ``{% kept key %}…{% endkept %}`` in a template, for a part of it. The language, time zone and script root are
  added to ``key`` (and the template and line, so two blocks never share a key); the block sees the template's
  context as usual.
"""
import secrets
import threading
from collections import OrderedDict

from flask import current_app, g, render_template, request
from flask_babel import get_timezone
from flask_babel.speaklater import LazyString
from flask_wtf.csrf import generate_csrf
from jinja2 import Undefined, nodes
from jinja2.ext import Extension
from markupsafe import Markup
from wtforms.fields.choices import SelectChoice

from ipdesk.core.i18n import current_locale

KEPT = 20_000  # fragments per process at most
KEPT_CHARACTERS = 8_000_000  # and their total length (a list row is about 1,500 characters, a large table 100,000)

# Where the token of the request that rendered a fragment was; unguessable, so no typed text holds it.
CSRF_PLACEHOLDER = f"csrf-{secrets.token_hex(16)}"


class FragmentCache:
    def __init__(self, size: int = KEPT, characters: int = KEPT_CHARACTERS):
        self.size, self.characters = size, characters
        self._kept: OrderedDict = OrderedDict()
        self._length = 0
        self._lock = threading.Lock()

    def get(self, key) -> str | None:
        with self._lock:
            html = self._kept.get(key)
            if html is not None:
                self._kept.move_to_end(key)
            return html

    def put(self, key, html: str) -> None:
        with self._lock:
            if (old := self._kept.pop(key, None)) is not None:
                self._length -= len(old)
            if len(html) > self.characters:
                return
            self._kept[key] = html
            self._length += len(html)
            while len(self._kept) > self.size or self._length > self.characters:
                self._length -= len(self._kept.popitem(last=False)[1])

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()
            self._length = 0


fragments = FragmentCache()


def _keeping() -> bool:
    """Nothing is kept while templates reload as they change (development)."""
    return not (current_app.debug or current_app.config.get("TEMPLATES_AUTO_RELOAD"))


def _kept_or_made(key, make) -> Markup:
    """The fragment kept under ``key``, or ``make()``'s, kept; with this request's CSRF token in it."""
    keep = _keeping()
    html = fragments.get(key) if keep else None
    if html is None:
        html = str(make())
        if not keep:
            return Markup(html)
        token = g.get("csrf_token")  # set by generate_csrf() once this request has written its token
        fragments.put(key, html.replace(token, CSRF_PLACEHOLDER) if token and token in html else html)
        return Markup(html)
    if CSRF_PLACEHOLDER in html:
        html = html.replace(CSRF_PLACEHOLDER, generate_csrf())
    return Markup(html)


def _viewer() -> tuple[str, str, str]:
    """What every fragment depends on besides its key: the viewer's language and zone (dates), and the script
    root (links)."""
    return str(current_locale()), str(get_timezone()), request.script_root


def render_kept(template: str, key: tuple, **context) -> Markup:
    """``template`` rendered with ``context``, or the same HTML kept from an earlier call with an equal ``key``."""
    return _kept_or_made((template, _viewer(), key), lambda: render_template(template, **context))


class KeptExtension(Extension):
    """``{% kept key %}body{% endkept %}``: the body rendered once per ``key`` (and viewer language, zone and
    script root) and kept; ``key`` must hold every value the body shows or depends on."""

    tags = {"kept"}

    def parse(self, parser):
        lineno = next(parser.stream).lineno
        key = parser.parse_expression()
        body = parser.parse_statements(("name:endkept",), drop_needle=True)
        # a template without a name (from a string) gets a place of its own each time it is compiled
        where = nodes.Const(f"{parser.name or secrets.token_hex(8)}:{lineno}")
        return nodes.CallBlock(self.call_method("_kept", [where, key]), [], [], body).set_lineno(lineno)

    @staticmethod
    def _kept(where: str, key, caller) -> Markup:
        # an undefined name equals every other: such a key would give every case and viewer the same fragment
        if isinstance(key, Undefined) or isinstance(key, tuple) and any(isinstance(k, Undefined) for k in key):
            raise TypeError(f"{{% kept %}} at {where}: its key names something the template was not given")
        return _kept_or_made((where, _viewer(), key), caller)


_PLAIN = frozenset({str, int, float, bool, type(None)})


def _frozen(value):
    """``value`` as a key can hold it: lists and dicts as tuples, lazy translations as their text."""
    kind = type(value)
    if kind in _PLAIN:
        return value
    if isinstance(value, list | tuple):
        return tuple(item if type(item) in _PLAIN else _frozen(item) for item in value)
    if kind is SelectChoice:
        label = value.label
        return (value.value, label if type(label) is str else str(label), _frozen(value.render_kw), value.optgroup)
    if isinstance(value, dict):
        return tuple((name, _frozen(item)) for name, item in value.items())
    if kind is LazyString:
        return str(value)  # its text in this request's language
    try:
        hash(value)
    except TypeError:
        return str(value)
    return value


def form_key(form) -> tuple:
    """Everything a form shows: its own errors, and each field's label, description, value as typed and as read,
    errors and choices (the fields are the form's own: a form made for one case or move has its own). The CSRF
    token is not part of it: kept fragments get each request's own."""
    return tuple(map(str, form.form_errors)), tuple(
        (field.name, field.type, str(field.label.text), _frozen(field.description), _frozen(field.data),
         tuple(field.raw_data or ()), tuple(map(str, field.errors)), _frozen(getattr(field, "choices", None)))
        for field in form if field.type != "CSRFTokenField")  # the token is put in per request
