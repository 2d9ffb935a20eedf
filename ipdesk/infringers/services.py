"""Creating, editing and linking infringer records, and finding the records a case may be about."""
from dataclasses import dataclass

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload

from ipdesk.audit.services import log_event
from ipdesk.cases.models import Case
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.extensions import db
from ipdesk.infringers.models import CaseInfringer, IdentifierKind, Infringer, InfringerIdentifier
from ipdesk.infringers.normalise import identifiers
from ipdesk.policy import visible_cases_clause

FIELDS = ("name", "aliases", "shop_ids", "urls", "contacts", "notes")
MAX_SUGGESTIONS = 10
MAX_VALUE = 500  # InfringerIdentifier.value


@dataclass
class Linked:
    """A record linked to a case, and in how many other cases it appears (of any company)."""

    infringer: Infringer
    other_cases: int


@dataclass
class Suggestion:
    """A record not linked to a case that shares identifiers with the case's infringer."""

    infringer: Infringer
    matches: list[InfringerIdentifier]
    cases: int

    @property
    def is_weak(self) -> bool:
        """Only the name matched."""
        return all(m.kind is IdentifierKind.name for m in self.matches)

    @property
    def kinds(self) -> list[IdentifierKind]:
        """The kinds of identifier that matched, each once, strongest first."""
        return [kind for kind in IdentifierKind if any(m.kind is kind for m in self.matches)]


@dataclass
class CasePanel:
    """What the staff side of a case page shows about infringer records."""

    linked: list[Linked]
    suggestions: list[Suggestion]
    can_create: bool

    @property
    def known(self) -> list[Suggestion]:
        """The suggested records that share more than a name with the case's infringer: what triage flags."""
        return [s for s in self.suggestions if not s.is_weak]


def _values(data: dict) -> dict:
    values = {f: (data.get(f) or "").strip() for f in FIELDS}
    if not values["name"]:
        raise ServiceError(_("Give the infringer's name."), field="name")
    return values


def _identifier_pairs(*, names: str, shop_ids: str, urls: str, contacts: str) -> set[tuple[IdentifierKind, str]]:
    pairs = identifiers(names_text=names, shop_ids=shop_ids, urls=urls, contacts_text=contacts)
    return {(IdentifierKind[kind], value[:MAX_VALUE]) for kind, value in pairs}


def _record_pairs(infringer: Infringer) -> set[tuple[IdentifierKind, str]]:
    return _identifier_pairs(names="\n".join((infringer.name, infringer.aliases)), shop_ids=infringer.shop_ids,
                             urls=infringer.urls, contacts=infringer.contacts)


def case_pairs(case: Case) -> set[tuple[IdentifierKind, str]]:
    """The identifiers of the infringer as the case's intake gives it."""
    return _identifier_pairs(names=case.infringer_name, shop_ids=case.infringer_shop_id, urls=case.infringer_urls,
                             contacts=case.infringer_contacts)


def _rebuild_identifiers(infringer: Infringer) -> None:
    """Make the stored identifiers those the record's fields yield now (unchanged rows stay)."""
    wanted = _record_pairs(infringer)
    current = {(row.kind, row.value): row for row in infringer.identifiers}
    for key, row in current.items():
        if key not in wanted:
            infringer.identifiers.remove(row)
    for kind, value in sorted(wanted - current.keys(), key=lambda pair: (pair[0].name, pair[1])):
        infringer.identifiers.append(InfringerIdentifier(kind=kind, value=value))


def infringer_data_from_case(case: Case) -> dict:
    """A new record's fields from the infringer as the case gives it."""
    name = case.infringer_name.strip() or case.infringer_shop_id.strip()
    if not name:
        raise ServiceError(_("This case names no infringer or shop yet, so there is nothing to make a record from."))
    return {"name": name, "shop_ids": case.infringer_shop_id, "urls": case.infringer_urls,
            "contacts": case.infringer_contacts}


def create_infringer(data: dict, actor, *, case: Case | None = None) -> Infringer:
    """A new infringer record; with ``case``, linked to that case at once."""
    infringer = Infringer(**_values(data), created_by_id=actor.id)
    _rebuild_identifiers(infringer)
    db.session.add(infringer)
    db.session.flush()
    log_event("infringer.created", actor=actor, obj=infringer,
              data={"from_case_id": case.id if case else None, "identifiers": len(infringer.identifiers)})
    if case is not None:
        link_case(case, infringer, actor)
    return infringer


def update_infringer(infringer: Infringer, data: dict, actor) -> None:
    """Edit a record; its identifiers follow. The caller has checked the version the editor saw."""
    values = _values(data)
    changed = sorted(f for f, v in values.items() if getattr(infringer, f) != v)
    for name, value in values.items():
        setattr(infringer, name, value)
    _rebuild_identifiers(infringer)
    infringer.updated_at = utcnow()
    bump_version(infringer)
    db.session.flush()
    log_event("infringer.updated", actor=actor, obj=infringer, data={"fields": changed})


def link_case(case: Case, infringer: Infringer, actor) -> bool:
    """Record that ``infringer`` appears in ``case``; False when it was linked already."""
    if db.session.get(CaseInfringer, (case.id, infringer.id)) is not None:
        return False
    try:
        with db.session.begin_nested():
            db.session.add(CaseInfringer(case_id=case.id, infringer_id=infringer.id, linked_by_id=actor.id))
    except IntegrityError:  # linked by someone else a moment ago
        return False
    log_event("infringer.linked", actor=actor, obj=infringer, data={"case_id": case.id})
    return True


def unlink_case(case: Case, infringer: Infringer, actor) -> bool:
    """Remove the link; False when there was none."""
    link = db.session.get(CaseInfringer, (case.id, infringer.id))
    if link is None:
        return False
    db.session.delete(link)
    db.session.flush()
    log_event("infringer.unlinked", actor=actor, obj=infringer, data={"case_id": case.id})
    return True


def link_counts(infringer_ids) -> dict[int, int]:
    """How many cases each record is linked to, of every company and hub (one grouped query)."""
    ids = set(infringer_ids)
    if not ids:
        return {}
    rows = db.session.execute(sa.select(CaseInfringer.infringer_id, sa.func.count())
                              .where(CaseInfringer.infringer_id.in_(ids)).group_by(CaseInfringer.infringer_id))
    return dict(rows.all())


def suggestions(case: Case) -> list[Suggestion]:
    """Records sharing at least one normalised identifier with the case's infringer, strongest first.

    A shared shop id, web address or contact counts before a shared name only; records already linked to
    the case are left out.
    """
    wanted = case_pairs(case)
    if not wanted:
        return []
    stmt = (sa.select(InfringerIdentifier, Infringer).join(Infringer, Infringer.id == InfringerIdentifier.infringer_id)
            .where(InfringerIdentifier.value.in_({value for _kind, value in wanted}),
                   ~InfringerIdentifier.infringer_id.in_(
                       sa.select(CaseInfringer.infringer_id).where(CaseInfringer.case_id == case.id)))
            .order_by(InfringerIdentifier.id))
    found: dict[int, Suggestion] = {}
    for identifier, infringer in db.session.execute(stmt):
        if (identifier.kind, identifier.value) in wanted:
            found.setdefault(infringer.id, Suggestion(infringer, [], 0)).matches.append(identifier)
    ranked = sorted(found.values(), key=lambda s: (
        -sum(m.kind is not IdentifierKind.name for m in s.matches), -len(s.matches), s.infringer.name, s.infringer.id))
    return ranked[:MAX_SUGGESTIONS]


def case_panel(case: Case) -> CasePanel:
    """Linked records with their counts of other cases, and suggested matches, in a fixed number of queries."""
    linked = db.session.scalars(sa.select(Infringer).join(CaseInfringer, CaseInfringer.infringer_id == Infringer.id)
                                .where(CaseInfringer.case_id == case.id).order_by(Infringer.name, Infringer.id)).all()
    suggested = suggestions(case)
    counts = link_counts([i.id for i in linked] + [s.infringer.id for s in suggested])
    for suggestion in suggested:
        suggestion.cases = counts.get(suggestion.infringer.id, 0)
    return CasePanel(linked=[Linked(i, counts.get(i.id, 1) - 1) for i in linked], suggestions=suggested,
                     can_create=bool(case.infringer_name.strip() or case.infringer_shop_id.strip()))


def known_infringers(case: Case) -> list[Suggestion]:
    """The records that the infringer of a new case matches on a seller id, web address or contact (a name alone
    is too weak to flag), each with the number of cases it appears in: for its hub's staff, never its exporter."""
    known = [s for s in suggestions(case) if not s.is_weak]
    counts = link_counts(s.infringer.id for s in known)
    for suggestion in known:
        suggestion.cases = counts.get(suggestion.infringer.id, 0)
    return known


def linked_cases(infringer: Infringer, viewer) -> tuple[list[Case], int]:
    """The linked cases ``viewer`` may open, and how many others there are (a count, nothing more)."""
    cases = db.session.scalars(
        sa.select(Case).join(CaseInfringer, CaseInfringer.case_id == Case.id)
        .where(CaseInfringer.infringer_id == infringer.id, visible_cases_clause(viewer))
        .options(selectinload(Case.company)).order_by(Case.created_at.desc(), Case.id.desc())).all()
    return cases, link_counts([infringer.id]).get(infringer.id, 0) - len(cases)


def search(query: str):
    """Records whose name, aliases or fields contain ``query``, or that share its normalised identifiers."""
    stmt = sa.select(Infringer).order_by(Infringer.name, Infringer.id)
    query = query.strip()
    if not query:
        return stmt
    conditions = [column.icontains(query, autoescape=True) for column in
                  (Infringer.name, Infringer.aliases, Infringer.shop_ids, Infringer.urls, Infringer.contacts)]
    values = {value for _kind, value in _identifier_pairs(names=query, shop_ids=query, urls=query, contacts=query)}
    if values:
        conditions.append(Infringer.id.in_(sa.select(InfringerIdentifier.infringer_id)
                                           .where(InfringerIdentifier.value.in_(values))))
    return stmt.where(sa.or_(*conditions))


def records_for_names(names, actor) -> dict[str, Infringer]:
    """An infringer record for each name (an applicant of an imported alert): the record that already has that
    name among its identifiers (the oldest, if several), else a new one; in a fixed number of queries. The caller
    audits the import that made them."""
    wanted = {name: _identifier_pairs(names=name, shop_ids="", urls="", contacts="") for name in set(names) if name}
    values = {value for pairs in wanted.values() for _kind, value in pairs}
    known: dict[str, Infringer] = {}
    for start in range(0, len(values), 500):
        chunk = sorted(values)[start:start + 500]
        for identifier, infringer in db.session.execute(
                sa.select(InfringerIdentifier, Infringer).join(Infringer)
                .where(InfringerIdentifier.kind == IdentifierKind.name, InfringerIdentifier.value.in_(chunk))
                .order_by(Infringer.id.desc())):
            known[identifier.value] = infringer
    records, made = {}, []
    for name, pairs in sorted(wanted.items()):
        found = next((known[value] for _kind, value in sorted(pairs, key=lambda p: p[1]) if value in known), None)
        if found is None:
            found = Infringer(name=name[:300], aliases="", shop_ids="", urls="", contacts="", notes="",
                              created_by_id=actor.id)
            _rebuild_identifiers(found)
            made.append(found)
            for _kind, value in pairs:
                known[value] = found
        records[name] = found
    db.session.add_all(made)
    db.session.flush()
    return records
