"""Locale and time-zone selection, and names that Babel gives for the viewer's language."""
from babel import Locale
from flask import current_app, request, session
from flask_babel import get_locale
from flask_login import current_user


def select_locale() -> str:
    """The user's saved choice, then this session's choice, then Accept-Language."""
    languages = current_app.config["LANGUAGES"]
    if current_user and current_user.is_authenticated and current_user.locale in languages:
        return current_user.locale
    chosen = session.get("lang")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or current_app.config["BABEL_DEFAULT_LOCALE"]


def local_today():
    """Today's date where the user is: due dates are calendar dates."""
    from datetime import datetime

    from flask_babel import get_timezone

    return datetime.now(get_timezone()).date()


def start_of_day(day):
    """The instant (in UTC) at which ``day`` begins where the user is."""
    from datetime import UTC, datetime, time

    from flask_babel import get_timezone

    tz = get_timezone()
    midnight = datetime.combine(day, time.min)
    local = tz.localize(midnight) if hasattr(tz, "localize") else midnight.replace(tzinfo=tz)  # pytz or zoneinfo
    return local.astimezone(UTC)


def select_timezone() -> str | None:
    if current_user and current_user.is_authenticated:
        return current_user.timezone
    return None


def is_country_code(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code that Babel knows as a territory."""
    return len(code) == 2 and code.isalpha() and code.isupper() and code in Locale("en").territories


def country_name(code: str, locale: str | Locale | None = None) -> str:
    """The country's name in the viewer's language, from Babel's CLDR data."""
    loc = Locale.parse(str(locale or get_locale()))
    return loc.territories.get(code, code)


def country_choices(codes) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the viewer's language."""
    loc = Locale.parse(str(get_locale()))
    return sorted(((c, loc.territories.get(c, c)) for c in codes), key=lambda pair: pair[1])


def all_country_codes() -> list[str]:
    """Every ISO 3166-1 alpha-2 country Babel knows (numeric regions like 001 excluded)."""
    return [c for c in Locale("en").territories if is_country_code(c) and c not in ("ZZ", "EU", "EZ", "UN", "QO")]


def localized(obj, field: str) -> str:
    """Pick ``<field>_ko`` or ``<field>_en`` for the viewer's language, falling back to the other."""
    lang = str(get_locale())
    primary, other = (f"{field}_ko", f"{field}_en") if lang == "ko" else (f"{field}_en", f"{field}_ko")
    return getattr(obj, primary) or getattr(obj, other)
