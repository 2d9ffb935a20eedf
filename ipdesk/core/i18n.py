"""Locale and time-zone selection, and names and dates that Babel gives for the viewer's language."""
import functools
import zoneinfo
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from babel import Locale, dates, numbers
from babel.core import get_global
from flask import current_app, request, session
from flask.globals import _cv_app
from flask_babel import Babel, Domain, force_locale, get_locale, get_timezone, get_translations
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from jinja2 import pass_context
from markupsafe import Markup

from ipdesk.core.particles import with_particles


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


# --- the request's locale and catalogue, read quickly --------------------------------------------
# A page asks for its locale and catalogue a few hundred times (each label, date and message): Flask-Babel's
# get_locale() and get_translations() go through three context proxies each time. These read what Flask-Babel
# settled for the context straight from the app context, and fall back to it until it has settled; keyed by the
# locale object, so force_locale() and refresh() are followed.

def _babel_state():
    """Flask-Babel's state of the current app context (its locale once settled), or None."""
    context = _cv_app.get(None)
    return context.g.__dict__.get("_flask_babel") if context is not None else None


def current_locale():
    """``flask_babel.get_locale()``, without the proxies once the context has its locale."""
    locale = getattr(_babel_state(), "babel_locale", None)
    return locale if locale is not None else get_locale()


def current_translations():
    """``flask_babel.get_translations()``, kept with the locale it is for."""
    babel = _babel_state()
    locale = getattr(babel, "babel_locale", None)
    kept = getattr(babel, "ipdesk_translations", None)
    if locale is not None and kept is not None and kept[0] is locale:
        return kept[1]
    translations = get_translations()
    babel = _babel_state()  # made by get_translations() if it was not there
    locale = getattr(babel, "babel_locale", None)
    if locale is not None:
        babel.ipdesk_translations = (locale, translations)
    return translations


# --- messages ----------------------------------------------------------------------------------
# A Korean message writes a particle after a placeholder as "%(company)s이(가)"; the value decides which form
# the reader sees (ipdesk/core/particles.py). Python code (gettext, lazy_gettext and their kin) reaches the
# domain below; templates reach the gettext functions below it.

class ParticleDomain(Domain):
    """Flask-Babel's message domain, with each particle after a placeholder chosen by the placeholder's value."""

    def gettext(self, string, **variables):
        text = current_translations().ugettext(string)
        return with_particles(text, variables) % variables if variables else text

    def ngettext(self, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = current_translations().ungettext(singular, plural, num)
        return with_particles(text, variables) % variables

    def pgettext(self, context, string, **variables):
        text = current_translations().upgettext(context, string)
        return with_particles(text, variables) % variables if variables else text

    def npgettext(self, context, singular, plural, num, **variables):
        variables.setdefault("num", num)
        text = current_translations().unpgettext(context, singular, plural, num)
        return with_particles(text, variables) % variables


class ParticleBabel(Babel):
    """Flask-Babel whose messages choose Korean particles (see ``ParticleDomain``)."""

    @functools.cached_property
    def domain_instance(self):
        return ParticleDomain(domain=self.domain)


def _template_text(context, text: str, variables: dict) -> str:
    """As Jinja's "newstyle" gettext finishes a message (escaped values, always %-formatted), particles chosen."""
    text = with_particles(text, variables)
    if context.eval_ctx.autoescape:
        text = Markup(text)
    return text % variables


@pass_context
def template_gettext(context, string: str, **variables) -> str:
    return _template_text(context, current_translations().ugettext(string), variables)


@pass_context
def template_ngettext(context, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _template_text(context, current_translations().ungettext(singular, plural, num), variables)


@pass_context
def template_pgettext(context, message_context: str, string: str, **variables) -> str:
    return _template_text(context, current_translations().upgettext(message_context, string), variables)


@pass_context
def template_npgettext(context, message_context: str, singular: str, plural: str, num: int, **variables) -> str:
    variables.setdefault("num", num)
    return _template_text(context, current_translations().unpgettext(message_context, singular, plural, num),
                          variables)


TEMPLATE_GETTEXT = {"gettext": template_gettext, "ngettext": template_ngettext, "pgettext": template_pgettext,
                    "npgettext": template_npgettext}


def is_country_code(code: str) -> bool:
    """An ISO 3166-1 alpha-2 code that Babel knows as a territory."""
    return len(code) == 2 and code.isalpha() and code.isupper() and code in Locale("en").territories


def country_name(code: str, locale: str | Locale | None = None) -> str:
    """The country's name in the viewer's language, from Babel's CLDR data."""
    loc = Locale.parse(str(locale or current_locale()))
    return loc.territories.get(code, code)


def country_choices(codes) -> list[tuple[str, str]]:
    """(code, name) pairs sorted by name in the viewer's language."""
    loc = Locale.parse(str(current_locale()))
    return sorted(((c, loc.territories.get(c, c)) for c in codes), key=lambda pair: pair[1])


@functools.cache
def all_country_codes() -> tuple[str, ...]:
    """Every ISO 3166-1 alpha-2 country Babel knows (numeric regions like 001 excluded); read once (an alert file
    asks for each of its rows: 5,000 rows took 40 s of Babel's data)."""
    return tuple(c for c in Locale("en").territories
                 if is_country_code(c) and c not in ("ZZ", "EU", "EZ", "UN", "QO"))


def in_both_languages(make) -> tuple[str, str]:
    """``make()`` (text ipdesk writes, e.g. a deadline's title) in English and in Korean, to store both."""
    with force_locale("en"):
        english = str(make())
    with force_locale("ko"):
        korean = str(make())
    return english, korean


def in_language(korean: str, english: str, language: str) -> str:
    """The text in ``language`` (Korean for "ko", else English), or the other one when it has none."""
    return (korean or english) if language == "ko" else (english or korean)


def localized(obj, field: str) -> str:
    """Pick ``<field>_ko`` or ``<field>_en`` for the viewer's language, falling back to the other."""
    lang = str(current_locale())
    primary, other = (f"{field}_ko", f"{field}_en") if lang == "ko" else (f"{field}_en", f"{field}_ko")
    return getattr(obj, primary) or getattr(obj, other)


# --- dates and times ---------------------------------------------------------------------------
# Every date and time the app writes for a reader goes through ``date_text`` and ``datetime_text``: the
# pages' filters, PDFs, e-mails and flashed messages. Babel's format_date/format_datetime look the locale's
# patterns up and parse them again on every call; a case page formats about a hundred dates, so each
# (locale, format)'s pattern is taken once per process.

NAMED_FORMATS = ("short", "medium", "long", "full")
# Korean readers expect a four-digit year and 오전/오후: CLDR's Korean short date has a two-digit year
# ("yy. M. d.") and its abbreviated day period ("a") reads "AM"/"PM", so in Korean the named formats use
# these patterns (the wide day period "aaaa" is 오전/오후). Other languages keep CLDR's own.
KOREAN_DATE_PATTERNS = {"short": "y. M. d.", "medium": "y. M. d.", "long": "y년 MMMM d일", "full": "y년 MMMM d일 EEEE"}
KOREAN_TIME_PATTERNS = {"short": "aaaa h:mm", "medium": "aaaa h:mm:ss", "long": "aaaa h시 m분 s초 z",
                        "full": "aaaa h시 m분 s초 zzzz"}
_date_patterns: dict[tuple[str, str], tuple[Locale, dates.DateTimePattern]] = {}
_datetime_patterns: dict[tuple[str, str], tuple[Locale, dates.DateTimePattern]] = {}


def date_pattern(fmt: str, loc: Locale) -> str:
    """The pattern of the named date format ``fmt`` in ``loc``'s language."""
    if loc.language == "ko":
        return KOREAN_DATE_PATTERNS[fmt]
    return dates.get_date_format(fmt, loc).pattern


def time_pattern(fmt: str, loc: Locale) -> str:
    """The pattern of the named time format ``fmt`` in ``loc``'s language."""
    if loc.language == "ko":
        return KOREAN_TIME_PATTERNS[fmt]
    return dates.get_time_format(fmt, loc).pattern


def _date_pattern(locale: str, fmt: str) -> tuple[Locale, dates.DateTimePattern]:
    if (found := _date_patterns.get((locale, fmt))) is None:
        loc = Locale.parse(locale)
        found = _date_patterns[locale, fmt] = (loc, dates.parse_pattern(
            date_pattern(fmt, loc) if fmt in NAMED_FORMATS else fmt))
    return found


def _datetime_pattern(locale: str, fmt: str) -> tuple[Locale, dates.DateTimePattern]:
    """The locale's date and time patterns joined as its datetime format joins them ("{1}, {0}"), as one
    pattern (the joint's quoted literals stay quoted, and read as Babel reads them)."""
    if (found := _datetime_patterns.get((locale, fmt))) is None:
        loc = Locale.parse(locale)
        if fmt in NAMED_FORMATS:
            joined = dates.get_datetime_format(fmt, loc).replace("{0}", time_pattern(fmt, loc)) \
                .replace("{1}", date_pattern(fmt, loc))
        else:
            joined = fmt
        found = _datetime_patterns[locale, fmt] = (loc, dates.parse_pattern(joined))
    return found


@functools.lru_cache(maxsize=64)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def _in_zone(value: datetime, zone: str) -> datetime:
    """``value`` (naive means UTC) in ``zone``, through zoneinfo (pytz's conversion costs more)."""
    return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(_zone(zone))


def _in_user_zone(value: datetime) -> datetime:
    """``value`` (naive means UTC) where the viewer is."""
    return _in_zone(value, str(get_timezone()))


def local_date(value: datetime) -> date:
    """The calendar day of an instant where the user is."""
    return _in_user_zone(value).date()


def number_text(value) -> str:
    """``value`` in the viewer's language, as Babel's ``format_decimal`` writes it; whole numbers are
    remembered per language (a dashboard writes some 600 counts, 10 µs each through Babel)."""
    if type(value) is int:  # not bool, nor a Decimal or float that equals an int but may read otherwise
        return _whole_number_text(str(current_locale()), value)
    return numbers.format_decimal(value, locale=current_locale())


@functools.lru_cache(maxsize=4096)
def _whole_number_text(locale: str, value: int) -> str:
    return numbers.format_decimal(value, locale=locale)


def date_text(value: date | datetime | None, fmt: str = "medium") -> str:
    """``value``'s date in the viewer's language (a datetime's date where the viewer is); '' for None."""
    if not value:
        return ""
    if isinstance(value, datetime):
        value = _in_user_zone(value).date()
    return _date_text(str(current_locale()), fmt, value)


def datetime_text(value: datetime | None, fmt: str = "medium") -> str:
    """``value`` as a date and time where the viewer is, in the viewer's language; '' for None."""
    if not value:
        return ""
    return _datetime_text(str(current_locale()), str(get_timezone()), fmt, value)


def datetime_in_zone(value: datetime | None, zone: str, fmt: str = "event") -> str:
    """``value`` as a date and time in ``zone`` (an event's own), in the viewer's language; '' for None. ``event``:
    the long date and the time to the minute ("2026년 12월 17일 오후 2:00", "December 17, 2026 2:00 PM")."""
    if not value:
        return ""
    locale = str(current_locale())
    if fmt in ("event", "time"):  # "time": the time alone, as when an event ends
        loc = Locale.parse(locale)
        time_only = time_pattern("short", loc)
        fmt = time_only if fmt == "time" else f"{date_pattern('long', loc)} {time_only}"
    return _datetime_text(locale, zone, fmt, value)


# Remembered per language (and zone) and value: a case page writes some 90 dates, the same ones on every view.
@functools.lru_cache(maxsize=8192)
def _date_text(locale: str, fmt: str, value: date) -> str:
    loc, pattern = _date_pattern(locale, fmt)
    return pattern.apply(value, loc)


@functools.lru_cache(maxsize=8192)
def _datetime_text(locale: str, zone: str, fmt: str, value: datetime) -> str:
    loc, pattern = _datetime_pattern(locale, fmt)
    return pattern.apply(_in_zone(value, zone), loc)


# --- time zones ---------------------------------------------------------------------------------

HOME_ZONE = "Asia/Seoul"  # the network's head office


def timezone_label(zone: str, locale: str | Locale, when: datetime) -> str:
    """A zone as people read it, e.g. "중국(상하이) 시간 · GMT+08:00" (Babel's localised location and offset)."""
    return f"{dates.get_timezone_location(zone, locale=locale)} · " \
           f"{dates.get_timezone_gmt(when.astimezone(ZoneInfo(zone)), locale=locale)}"


@functools.lru_cache(maxsize=8)
def _zone_labels(locale: str, day: date) -> tuple[tuple[str, str], ...]:
    """Every zone a person may live in (not the Etc/ ones), with its label on ``day``, by label."""
    when = datetime.combine(day, time(12), tzinfo=UTC)
    locale = Locale.parse(locale)  # once: parsing it for each of the 600 zones took half the time
    zones = [z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))]
    return tuple(sorted(((z, timezone_label(z, locale, when)) for z in zones), key=lambda pair: pair[1]))


def timezone_choices(country_codes) -> dict[str, list[tuple[str, str]]]:
    """The time-zone menu in the viewer's language: the network's zones first (the head office's, then those of
    ``country_codes``), then every other zone, each group by its localised name."""
    locale = str(current_locale() or "en")
    territory_zones = get_global("territory_zones")
    network = {HOME_ZONE} | {z for code in country_codes for z in territory_zones.get(code, ())}
    labelled = _zone_labels(locale, datetime.now(UTC).date())
    ours = [pair for pair in labelled if pair[0] in network]
    ours.sort(key=lambda pair: pair[0] != HOME_ZONE)  # stable: the head office first, the rest by name
    return {str(_l("The network's time zones")): ours,
            str(_l("Other time zones")): [pair for pair in labelled if pair[0] not in network]}


class ShownDate:
    """A date that writes itself in the language of the moment it is shown, not of the moment it was given: for
    a lazy string's placeholder rendered later in another reader's language (a notification's subject)."""

    def __init__(self, value: date, fmt: str = "medium"):
        self.value, self.fmt = value, fmt

    def __str__(self) -> str:
        return date_text(self.value, self.fmt)

    def __eq__(self, other) -> bool:
        return isinstance(other, ShownDate) and (self.value, self.fmt) == (other.value, other.fmt)

    def __hash__(self) -> int:
        return hash((self.value, self.fmt))
