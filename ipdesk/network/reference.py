"""Loading the shipped network reference data; only what is missing is added."""
import tomllib
from pathlib import Path

import sqlalchemy as sa

from ipdesk.core.i18n import is_country_code
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub

REFERENCE_FILE = Path(__file__).with_name("reference_network.toml")


def read_reference() -> list[dict]:
    hubs = tomllib.loads(REFERENCE_FILE.read_text(encoding="utf-8"))["hub"]
    for hub in hubs:
        for code in (*hub["primary"], *hub.get("secondary", [])):
            if not is_country_code(code):
                raise ValueError(f"{REFERENCE_FILE.name}: {code!r} is not an ISO 3166-1 alpha-2 code")
    return hubs


def load_reference_network() -> dict[str, int]:
    """Add missing hubs, countries and coverage; existing rows (maybe edited by admins) stay."""
    added = {"hubs": 0, "countries": 0}
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
    return added
