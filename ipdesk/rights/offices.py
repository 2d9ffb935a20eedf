"""Where a right is held: a country's office (by its ISO 3166-1 code) or a regional office, and which countries a
right of each office protects in."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ipdesk.core.i18n import all_country_codes, country_choices, country_name

# the member states of the European Union (EUIPO's trade marks and designs have effect in all of them)
EU_MEMBERS = frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
                        "IT", "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK"})
BENELUX = frozenset({"BE", "NL", "LU"})

# regional offices by the codes WIPO Standard ST.3 gives them (the EU's as the deadline rules write it)
REGIONAL = {
    "EU": _l("EUIPO (European Union)"),
    "BX": _l("BOIP (Benelux)"),
    "WO": _l("WIPO (Madrid System, designated countries)"),
}
MADRID = "WO"


def is_office(code: str) -> bool:
    return code in REGIONAL or code in all_country_codes()


def office_name(code: str) -> str:
    """The office's name in the viewer's language: a country's name, or the regional office's."""
    if code in REGIONAL:
        return str(REGIONAL[code])
    return _("%(country)s (national office)", country=country_name(code))


def office_choices() -> list[tuple[str, str]]:
    """Korea first (where most companies' rights start), then the regional offices, then every country by name."""
    countries = [(code, name) for code, name in country_choices(all_country_codes()) if code != "KR"]
    return [("KR", country_name("KR")), *((code, str(label)) for code, label in REGIONAL.items()), *countries]


def offices_for(country: str) -> tuple[str, ...]:
    """The offices whose procedures reach ``country``: its own, and the regional ones it belongs to (a Madrid
    designation is examined by the country's own office)."""
    return (country, *(("EU",) if country in EU_MEMBERS else ()), *(("BX",) if country in BENELUX else ()))


def protects_in(office: str, designations, country: str) -> bool:
    """Whether a right held at ``office`` (a Madrid registration designating ``designations``) has effect in
    ``country``."""
    if office == country:
        return True
    if office == "EU":
        return country in EU_MEMBERS
    if office == "BX":
        return country in BENELUX
    if office == MADRID:
        return country in (designations or ())
    return False
