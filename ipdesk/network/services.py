"""Changes to the network reference data: hubs, the countries they cover and the regions that route cases."""
import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import selectinload
from wtforms import SelectChoice

from ipdesk.audit.services import log_event
from ipdesk.core.db import bump_version
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import country_name, is_country_code
from ipdesk.core.reference import save_reference_row
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub, Region, secondary_coverage
from ipdesk.network.reference import REGION_CODE

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


# --- regions: where a case is routed -------------------------------------------------------

def routed_hub_id(country: Country, region: Region | None) -> int:
    """The hub a case of ``country`` goes to: the active hub that covers the infringer's ``region``, else the
    country's primary hub (no region given, none set for it, or its hub no longer covers the country)."""
    hub = region.hub if region is not None and region.country_code == country.code else None
    if hub is not None and hub.is_active and hub in country.hubs:
        return hub.id
    return country.primary_hub_id


def region_of(country: Country, code: str | None) -> Region | None:
    """The region ``code`` of ``country`` (None for no answer); a region of another country is refused."""
    if not code:
        return None
    region = db.session.get(Region, code)
    if region is None or region.country_code != country.code:
        raise ServiceError(_("Choose a region of the case's country, or leave it empty."),
                           field="infringer_region_code")
    return region


def region_choices(country_codes) -> list[SelectChoice]:
    """The regions of ``country_codes`` for a menu, grouped by country (in the viewer's language), each group
    and its regions in alphabetical order of their names."""
    regions = db.session.scalars(sa.select(Region).where(Region.country_code.in_(list(country_codes)))).all()
    groups: dict[str, list[Region]] = {}
    for region in regions:
        groups.setdefault(region.country_code, []).append(region)
    choices = []
    for code in sorted(groups, key=country_name):
        group = country_name(code)
        choices += [SelectChoice(r.code, r.name, optgroup=group) for r in sorted(groups[code], key=lambda r: r.name)]
    return choices


def network_regions() -> list[Region]:
    """Every region with its country's hubs and its own hub loaded, by country then code (the admin list)."""
    return list(db.session.scalars(
        sa.select(Region).order_by(Region.country_code, Region.code)
        .options(selectinload(Region.hub),
                 selectinload(Region.country).options(selectinload(Country.primary_hub),
                                                      selectinload(Country.secondary_hubs)))))


NEW_REGION_FIELDS = ("code", "country_code", "name_en", "name_ko", "hub_id")
REGION_FIELDS = ("name_en", "name_ko", "hub_id")


def save_region(region: Region | None, data: dict, actor) -> Region:
    """Add a region (``region`` None) or change its names and hub. Its code and country stay as they are: the
    cases filed with it name it. No hub means the country's primary hub takes its cases.

    :param data: code and country_code (a new region), name_en, name_ko, hub_id (None or 0: no hub of its own).
    """
    data = dict(data)
    if region is None:
        country = db.session.get(Country, data.get("country_code") or "")
        if country is None:
            raise ServiceError(_("Choose a country of the network."), field="country_code")
        data["code"] = code = (data.get("code") or "").strip().upper()
        if not REGION_CODE.match(code) or not code.startswith(f"{country.code}-"):
            raise ServiceError(_("Give the ISO 3166-2 code of a region of %(country)s, such as %(example)s.",
                                 country=country.name, example=f"{country.code}-AB"), field="code")
        if db.session.get(Region, code) is not None:
            raise ServiceError(_("This region is on the list already."), field="code")
    else:
        country = region.country
    data["hub_id"] = data.get("hub_id") or None
    if data["hub_id"] is not None:
        hub = db.session.get(Hub, data["hub_id"])
        if hub is None or not hub.is_active or hub not in country.hubs:
            raise ServiceError(_("Choose a hub that covers the region's country."), field="hub_id")
    region, before, values = save_reference_row(
        Region, region, data, NEW_REGION_FIELDS if region is None else REGION_FIELDS,
        duplicate_field="code", duplicate_message=_("This region is on the list already."))
    db.session.flush()
    log_event("region.saved", actor=actor, obj=region,
              data={"code": region.code, "country": region.country_code, "hub_id": region.hub_id,
                    "before": before, "after": values})
    return region
