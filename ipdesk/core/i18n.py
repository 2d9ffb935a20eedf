"""Locale and time-zone selection, and names and dates that Babel gives for the viewer's language."""
import functools
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from flask import current_app, request, session
from flask_babel import get_locale, get_timezone
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
    return datetime.now(get_timezone()).date()


def start_of_day(day):
    """The instant (in UTC) at which ``day`` begins where the user is."""
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


# --- dates and times in templates ---------------------------------------------------------------
# Babel's format_date/format_datetime look the locale's patterns up and parse them again on every call;
# a case page formats about a hundred dates. The filters below take each (locale, format)'s patterns once
# per process and give the same text as flask_babel.format_date/format_datetime with the named formats.

NAMED_FORMATS = ("short", "medium", "long", "full")
_date_patterns: dict[tuple[str, str], tuple[Locale, dates.DateTimePattern]] = {}
_datetime_patterns: dict[tuple[str, str], tuple[Locale, dates.DateTimePattern]] = {}


def _date_pattern(locale: str, fmt: str) -> tuple[Locale, dates.DateTimePattern]:
    if (found := _date_patterns.get((locale, fmt))) is None:
        loc = Locale.parse(locale)
        pattern = dates.get_date_format(fmt, loc) if fmt in NAMED_FORMATS else dates.parse_pattern(fmt)
        found = _date_patterns[locale, fmt] = (loc, pattern)
    return found


def _datetime_pattern(locale: str, fmt: str) -> tuple[Locale, dates.DateTimePattern]:
    """The locale's date and time patterns joined as its datetime format joins them ("{1}, {0}"), as one
    pattern (the joint's quoted literals stay quoted, and read as Babel reads them)."""
    if (found := _datetime_patterns.get((locale, fmt))) is None:
        loc = Locale.parse(locale)
        if fmt in NAMED_FORMATS:
            joined = dates.get_datetime_format(fmt, loc).replace("{0}", dates.get_time_format(fmt, loc).pattern) \
                .replace("{1}", dates.get_date_format(fmt, loc).pattern)
        else:
            joined = fmt
        found = _datetime_patterns[locale, fmt] = (loc, dates.parse_pattern(joined))
    return found


_zones: dict[object, ZoneInfo] = {}


def _in_user_zone(value: datetime) -> datetime:
    """``value`` (naive means UTC) where the viewer is, through zoneinfo (pytz's conversion costs more)."""
    zone = get_timezone()
    if (found := _zones.get(zone)) is None:
        found = _zones[zone] = ZoneInfo(str(zone))
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(found)


def local_date(value: datetime) -> date:
    """The calendar day of an instant where the user is."""
    return _in_user_zone(value).date()


def number_text(value) -> str:
    """``value`` in the viewer's language, as Babel's ``format_decimal`` writes it; whole numbers are
    remembered per language (a dashboard writes some 600 counts, 10 µs each through Babel)."""
    if type(value) is int:  # not bool, nor a Decimal or float that equals an int but may read otherwise
        return _whole_number_text(str(get_locale()), value)
    return numbers.format_decimal(value, locale=get_locale())


@functools.lru_cache(maxsize=4096)
def _whole_number_text(locale: str, value: int) -> str:
    return numbers.format_decimal(value, locale=locale)


def date_text(value: date | datetime | None, fmt: str = "medium") -> str:
    """``value``'s date in the viewer's language (a datetime's date where the viewer is); '' for None."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _in_user_zone(value).date()
    loc, pattern = _date_pattern(str(get_locale()), fmt)
    return pattern.apply(value, loc)


def datetime_text(value: datetime | None, fmt: str = "medium") -> str:
    """``value`` as a date and time where the viewer is, in the viewer's language; '' for None."""
    if not value:
        return ""
    loc, pattern = _datetime_pattern(str(get_locale()), fmt)
    return pattern.apply(_in_user_zone(value), loc)

