"""Loading the shipped network reference data; only what is missing is added."""
import re
import tomllib
from pathlib import Path

import sqlalchemy as sa

from ipdesk.core.i18n import is_country_code
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub, Region

REFERENCE_FILE = Path(__file__).with_name("reference_network.toml")
REGIONS_FILE = Path(__file__).with_name("reference_regions.toml")
REGION_CODE = re.compile(r"^[A-Z]{2}-[A-Z0-9]{1,3}$")


def read_reference() -> list[dict]:
    hubs = tomllib.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["hub"]
    for hub in hubs:
        for code in (*hub["primary"], *hub.get("secondary", [])):
            if not is_country_code(code):
                raise ValueError(f"{REFERENCE_FILE.name}: {code!r} is not an ISO 3166-1 alpha-2 code")
    return hubs


def read_regions() -> dict[str, tuple[str, str, str]]:
    """The shipped regions by ISO 3166-2 code: (country code, English name, Korean name)."""
    regions = {}
    for country, rows in tomllib.loads(REGIONS_FILE.read_text(encoding="utf-8")).items():
        for code, name_en, name_ko in rows:
            if not (REGION_CODE.match(code) and code.startswith(f"{country}-") and is_country_code(country)):
                raise ValueError(f"{REGIONS_FILE.name}: {code!r} is not an ISO 3166-2 code of {country}")
            regions[code] = (country, name_en, name_ko)
    return regions


def load_reference_network(*, regions: bool = True) -> dict[str, int]:
    """Add missing hubs, countries, coverage and (unless ``regions`` is false: a schema from before them)
    regions; existing rows (maybe edited by admins) stay."""
    added = {"hubs": 0, "countries": 0, "regions": 0}
    hubs_by_code = {h.code: h for h in db.session.scalars(sa.select(Hub))}
    countries = {c.code: c for c in db.session.scalars(sa.select(Country))}
    reference = read_reference()
    new_codes: set[str] = set()
    for spec in reference:
        if spec["code"] not in hubs_by_code:
            hub = Hub(**{k: spec[k] for k in ("code", "name_en", "name_ko", "city_en", "city_ko")})
            db.session.add(hub)
            hubs_by_code[hub.code] = hub
            added["hubs"] += 1
    for spec in reference:
        hub = hubs_by_code[spec["code"]]
        for code in spec["primary"]:
            if code not in countries:
                countries[code] = Country(code=code, primary_hub=hub)
                db.session.add(countries[code])
                new_codes.add(code)
                added["countries"] += 1
    db.session.flush()
    for spec in reference:
        hub = hubs_by_code[spec["code"]]
        for code in spec.get("secondary", []):
            # Coverage is set up with the country; an admin who removed it later keeps it removed.
            if code in new_codes and hub not in countries[code].secondary_hubs:
                countries[code].secondary_hubs.append(hub)
    db.session.flush()
    if regions:
        added["regions"] = _load_regions(reference, hubs_by_code, countries)
    return added


def _load_regions(reference: list[dict], hubs_by_code: dict[str, Hub], countries: dict[str, Country]) -> int:
    """Add the shipped regions that are missing, each with its shipped hub when that hub covers the country
    now (an admin may have changed the coverage); regions already there keep what admins made of them."""
    shipped = read_regions()
    routed = {code: hubs_by_code[spec["code"]] for spec in reference for code in spec.get("regions", [])}
    if unknown := routed.keys() - shipped.keys():
        raise ValueError(f"{REFERENCE_FILE.name}: regions without a name in {REGIONS_FILE.name}: {sorted(unknown)}")
    existing = set(db.session.scalars(sa.select(Region.code)))
    added = 0
    for code, (country_code, name_en, name_ko) in shipped.items():
        country = countries.get(country_code)
        if code in existing or country is None:
            continue
        hub = routed.get(code)
        covers = hub is not None and hub in country.hubs and hub.id != country.primary_hub_id
        db.session.add(Region(code=code, country_code=country_code, name_en=name_en, name_ko=name_ko,
                              hub_id=hub.id if covers else None))
        added += 1
    db.session.flush()
    return added
