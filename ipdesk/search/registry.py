"""The one registration point of searchable record kinds.

A kind says where its records' text comes from, which changes make it stale, who may see its records and how a
hit is shown. ``ipdesk.search.index`` keeps the entries in step from it, ``ipdesk.search.query`` searches by it;
a new record kind joins search by calling ``register`` (the kinds of today: ``ipdesk.search.kinds``).
"""
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import sqlalchemy as sa


@dataclass(frozen=True)
class Hit:
    """How one found record is shown: its title, where it opens, a line of context, and the texts the query's
    words are highlighted in (the first that holds them gives the snippet)."""

    title: str
    url: str
    context: str
    texts: tuple[str, ...]


@dataclass(frozen=True)
class SearchKind:
    """A searchable record kind.

    :param name: its name in the index and in URLs (``case``).
    :param label: its heading on the results page, a lazy gettext string.
    :param model: the ORM class of its records.
    :param source: a select of ``record_id``, ``case_id``, ``restricted`` and then the texts to index, from
        ``model`` (and whatever it joins); the index narrows it with ``model.id``.
    :param fields: the attributes of ``model`` whose change makes the entry stale.
    :param watches: another model's attributes whose change makes some of this kind's entries stale, and the
        select of their record ids given the changed objects' ids (a company renamed: its cases).
    :param visible: the condition on ``SearchEntry`` (joined to ``Case`` when ``case_bound``) under which a user
        may open the record, built from ``ipdesk.policy``'s rules.
    :param describe: the hits of the given record ids, by id, for the viewer.
    :param case_column: the attribute of ``model`` holding the case each record belongs to and is seen as
        (``None``: the records stand alone).
    :param scope: for a kind that stands alone, the condition on ``model`` under which a user may open a record
        (the same rule as ``visible``): a viewer who may open few of them (an exporter's enquiries) has them read
        and compared directly, as a viewer of few cases has their cases' entries (``ipdesk.search.query``).
    """

    name: str
    label: object
    model: type
    source: Callable[[], sa.Select]
    fields: tuple[str, ...]
    visible: Callable[[object], sa.ColumnElement]
    describe: Callable[[list[int], object], dict[int, Hit]]
    case_column: str | None = "case_id"
    watches: dict[type, tuple[tuple[str, ...], Callable[[set[int]], sa.Select]]] = field(default_factory=dict)
    scope: Callable[[object], sa.ColumnElement] | None = None


    @property
    def case_bound(self) -> bool:
        return self.case_column is not None

    @property
    def stale_fields(self) -> tuple[str, ...]:
        """``fields`` and the case column: a record moved to another case is seen with that case from then on."""
        if self.case_column is None or self.case_column in self.fields or self.case_column == "id":
            return self.fields
        return (*self.fields, self.case_column)


KINDS: dict[str, SearchKind] = {}


def register(kind: SearchKind) -> SearchKind:
    """Add ``kind`` to search (once per name)."""
    if not (kind.name.isascii() and kind.name.isalpha() and kind.name.islower()):
        raise ValueError(f"search kind {kind.name!r}: lower-case ASCII letters only (it prefixes the index's terms)")
    if kind.name in KINDS and KINDS[kind.name] is not kind:
        raise ValueError(f"search kind {kind.name!r} is registered already")
    KINDS[kind.name] = kind
    return kind


def kinds_of(model: type) -> Iterable[SearchKind]:
    """The kinds whose records are rows of ``model``."""
    return (kind for kind in KINDS.values() if kind.model is model)


def watchers_of(model: type) -> Iterable[tuple[SearchKind, tuple[str, ...], Callable[[set[int]], sa.Select]]]:
    """The kinds with entries made stale by changes to ``model``'s rows: (kind, the attributes, the record ids)."""
    for kind in KINDS.values():
        if model in kind.watches:
            fields, records = kind.watches[model]
            yield kind, fields, records
