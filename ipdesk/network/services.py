"""Changes to the network reference data: hubs and the countries they cover."""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError

from ipdesk.audit.services import log_event
from ipdesk.core.db import bump_version
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import is_country_code
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub, secondary_coverage

HUB_FIELDS = ("code", "name_en", "name_ko", "city_en", "city_ko", "is_active")
# The code identifies a hub for good (the shipped reference data matches hubs by it).
EDITABLE_HUB_FIELDS = HUB_FIELDS[1:]


def hub_for_country(code: str) -> Hub | None:
    """The primary hub of an active country."""
    country = db.session.get(Country, code)
    return country.primary_hub if country is not None and country.is_active else None


def active_country_codes() -> list[str]:
    return list(db.session.scalars(sa.select(Country.code).where(Country.is_active).order_by(Country.code)))


def hubs_covering(codes) -> list[int]:
    """The active hubs that cover any of the countries ``codes``, as their primary or a second hub."""
    codes = list(codes)
    primary = sa.select(Country.primary_hub_id.label("hub_id")).where(Country.code.in_(codes))
    secondary = sa.select(secondary_coverage.c.hub_id).where(secondary_coverage.c.country_code.in_(codes))
    covering = sa.union(primary, secondary).subquery()
    return list(db.session.scalars(sa.select(Hub.id).where(Hub.is_active, Hub.id.in_(sa.select(covering.c.hub_id)))
                                   .order_by(Hub.id)))


def active_hubs() -> list[Hub]:
    return list(db.session.scalars(sa.select(Hub).where(Hub.is_active).order_by(Hub.code)))


def create_hub(data: dict, actor) -> Hub:
    hub = Hub(**{f: data[f] for f in HUB_FIELDS})
    try:
        with db.session.begin_nested():
            db.session.add(hub)
    except IntegrityError:
        raise ServiceError(_("A hub with this code already exists."), field="code") from None
    log_event("hub.created", actor=actor, obj=hub, data={f: data[f] for f in HUB_FIELDS})
    return hub


def update_hub(hub: Hub, data: dict, actor) -> None:
    if not data["is_active"] and hub.primary_countries:
        raise ServiceError(
            _("This hub is the primary hub of some countries. Give them another primary hub first."),
            field="is_active",
        )
    before = {f: getattr(hub, f) for f in EDITABLE_HUB_FIELDS}
    for field in EDITABLE_HUB_FIELDS:
        setattr(hub, field, data[field])
    bump_version(hub)
    db.session.flush()
    log_event("hub.updated", actor=actor, obj=hub,
              data={"code": hub.code, "before": before, "after": {f: getattr(hub, f) for f in EDITABLE_HUB_FIELDS}})


def _coverage(data: dict) -> tuple[Hub, list[Hub]]:
    primary = db.session.get(Hub, data["primary_hub_id"])
    if primary is None or not primary.is_active:
        raise ServiceError(_("Choose an active hub."), field="primary_hub_id")
    ids = [i for i in dict.fromkeys(data.get("secondary_hub_ids") or []) if i != primary.id]
    secondary = list(db.session.scalars(sa.select(Hub).where(Hub.id.in_(ids)).order_by(Hub.code))) if ids else []
    return primary, secondary


def add_country(data: dict, actor) -> Country:
    code = data["code"].upper()
    if not is_country_code(code):
        raise ServiceError(_("Choose a country."), field="code")
    if db.session.get(Country, code) is not None:
        raise ServiceError(_("This country is already in the network."), field="code")
    primary, secondary = _coverage(data)
    country = Country(code=code, primary_hub=primary, secondary_hubs=secondary, is_active=True)
    db.session.add(country)
    db.session.flush()
    log_event("country.added", actor=actor, obj=country,
              data={"country": code, "hub": primary.code, "primary_hub_id": primary.id,
                    "secondary_hub_ids": [h.id for h in secondary]})
    return country


def update_country(country: Country, data: dict, actor) -> None:
    primary, secondary = _coverage(data)
    before = {"primary_hub_id": country.primary_hub_id, "secondary_hub_ids": [h.id for h in country.secondary_hubs],
              "is_active": country.is_active}
    country.primary_hub = primary
    country.secondary_hubs = secondary
    country.is_active = data["is_active"]
    bump_version(country)
    db.session.flush()
    log_event("country.updated", actor=actor, obj=country,
              data={"country": country.code, "before": before, "after": {"primary_hub_id": primary.id,
                                                  "secondary_hub_ids": [h.id for h in secondary],
                                                  "is_active": country.is_active}})
