"""Form helpers shared by every domain: the base form, choices, dates, amounts, currencies and their rates,
passwords."""
import unicodedata
from decimal import Decimal
from functools import cache

import wtforms
from babel.numbers import (
    NumberFormatError,
    get_currency_name,
    get_currency_precision,
    is_currency,
    list_currencies,
    parse_decimal,
)
from babel.support import Translations
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DecimalField,
    HiddenField,
    SelectChoice,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)
from wtforms.i18n import messages_path
from wtforms.validators import ValidationError

from ipdesk.core.i18n import current_locale, local_today

# Every character str.splitlines() breaks a line at: a name, an e-mail address or a reference holds none.
LINE_BREAKS = frozenset("\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029")


def one_line(form, field) -> None:
    """The text of a single-line field holds no line break: one pasted in would split the value wherever it is
    shown on one line (a list, a PDF heading, a CSV row, a calendar entry, an e-mail subject)."""
    if isinstance(field.data, str) and not LINE_BREAKS.isdisjoint(field.data):
        raise ValidationError(_l("Keep this on one line: remove the line breaks."))


def is_single_line(field) -> bool:
    """Text typed into a one-line box: any string field but a text area, or a hidden value nobody types."""
    return (isinstance(field, StringField) and not isinstance(field, TextAreaField | HiddenField)
            and not isinstance(field.widget, widgets.TextArea))


@cache
def wtforms_messages(locale: str) -> Translations:
    """WTForms' own messages ("Not a valid choice.") in ``locale``, read from disk once per process (Flask-WTF reads
    the catalogue again in every request that makes a form)."""
    return Translations.load(messages_path(), [locale], domain="wtforms")


class Form(FlaskForm):
    """The base of every form of the app: its single-line fields refuse line breaks, whatever each declares."""

    class Meta:
        def get_translations(self, form):
            return wtforms_messages(str(current_locale()))

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(validators) for name, validators in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            if is_single_line(field):
                extra.setdefault(name, []).append(one_line)
        return super().validate(extra)


def valid_data(form) -> dict:
    """A filter form's valid fields (the invalid ones are ignored, and told)."""
    return {name: field.data for name, field in form._fields.items() if not field.errors} if form else {}


def select_choices(pairs) -> list[SelectChoice]:
    """Options for a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


# Far enough either way for any case, near enough that date arithmetic (a rule's months and days, a calendar
# event's next day) never leaves the calendar: every date a form accepts lies in these years.
FIRST_YEAR, LAST_YEAR = 1900, 2199


class DateField(wtforms.DateField):
    """A day as the browser's date input sends it (YYYY-MM-DD), from ``FIRST_YEAR`` to ``LAST_YEAR``.

    Every form's dates are this field. A text that is no day ("2026-02-30") is told so, also where the date is
    required (WTForms' DataRequired would replace that with "required"), and the text is kept for correction."""

    def process_formdata(self, valuelist):
        try:
            super().process_formdata(valuelist)
        except ValueError as exc:
            raise ValueError(_l("Not a date: write it as year-month-day, such as 2026-03-31.")) from exc
        if self.data is not None and not FIRST_YEAR <= self.data.year <= LAST_YEAR:
            self.data = None
            raise ValueError(_l("Give a date from the year %(first)d to the year %(last)d.",
                                first=FIRST_YEAR, last=LAST_YEAR))

    def validate(self, form, extra_validators=()):
        if self.process_errors and any((value or "").strip() for value in self.raw_data or ()):
            self.errors = list(self.process_errors)  # what was typed is not a usable date: say only that
            return False
        return super().validate(form, extra_validators)


class AmountField(DecimalField):
    """A decimal as people write it: with grouping (150,000 or 1,385.2), full-width digits from an IME, or
    spaces around it. Grouping must be where the reader's language puts it: "1,50" is refused, not guessed."""

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = unicodedata.normalize("NFKC", valuelist[0] or "").strip().replace(" ", "")
        if not text:
            self.data = None
            return
        try:
            self.data = parse_decimal(text, locale=get_locale() or "en", strict=True)
        except NumberFormatError as exc:
            self.data = None
            raise ValueError(_l("Enter a number, such as 150,000 or 1,385.2.")) from exc


# Every amount column is Numeric(16, 2), and SQLite keeps a number as a double, exact to 15 significant digits:
# amounts up to 15 digits with at most 2 decimals read back the same on both databases.
MONEY_PLACES = 2
MAX_AMOUNT = Decimal("9999999999999.99")
MAX_WON = 9_999_999_999_999  # an amount in won, as converted (amount_krw); sums of many stay inside 64 bits


def finite_amount(form, field):
    """A real, non-negative amount that fits the database (no NaN, no infinity, no overflow)."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        raise ValidationError(_l("Enter an amount between 0 and 9,999,999,999,999.99."))


def currency_places(code: str) -> int:
    """How many decimals an amount in ``code`` may have: its minor unit (none for won or yen, 2 for the dollar),
    at most the 2 that amounts are kept with."""
    return min(get_currency_precision(code), MONEY_PLACES)


def has_places(value: Decimal, places: int) -> bool:
    """``value`` needs no more than ``places`` decimals (1000.00 needs none)."""
    return value == value.quantize(Decimal(1).scaleb(-places))


class InCurrency:
    """An amount with no more decimals than its currency (the field named ``currency``) allows: refused, not
    rounded, since the databases would round it differently."""

    def __init__(self, currency: str):
        self.currency = currency

    def __call__(self, form, field):
        code = form[self.currency].data
        if field.data is None or not code or not field.data.is_finite() or not is_currency(code):
            return
        places = currency_places(code)
        if not has_places(field.data, places):
            if places == 0:
                raise ValidationError(_l("Amounts in %(currency)s have no decimals.", currency=code))
            raise ValidationError(_l("Amounts in %(currency)s have at most %(places)d decimals.",
                                     currency=code, places=places))


# Currencies of the network's markets first, then every other ISO 4217 code Babel knows.
COMMON_CURRENCIES = ("KRW", "USD", "CNY", "EUR", "JPY", "VND", "THB", "IDR", "INR", "MYR", "PHP", "SGD", "HKD",
                     "TWD", "MXN", "BRL", "GBP", "AUD", "CAD", "AED", "SAR", "TRY")
OTHER_CURRENCIES = tuple(sorted(set(list_currencies()) - set(COMMON_CURRENCIES)))


def currency_choices(blank_label) -> list:
    """Options for a currency select: ``blank_label`` first, then the common currencies with their names,
    then all others."""
    locale = get_locale()
    return select_choices([("", blank_label)] + [(c, f"{c} · {get_currency_name(c, locale=locale)}")
                                                 for c in COMMON_CURRENCIES + OTHER_CURRENCIES])


MAX_RATE = 10_000_000
RATE_PLACES = 6  # the scale of krw_rate, Numeric(18, 6)


def validate_rate(currency_field, rate_field) -> None:
    """An amount in another currency than won needs its conversion rate."""
    if currency_field.data and currency_field.data != "KRW" and rate_field.data is None:
        raise ValidationError(_l("Give the rate that converts the amount to won (KRW per 1 %(currency)s).",
                                 currency=currency_field.data))


def positive_rate(form, field):
    """A conversion rate, when given, is a finite number above 0 and at most ``MAX_RATE``, with at most
    ``RATE_PLACES`` decimals (kept exactly, not rounded)."""
    if field.data is None:
        return
    if not field.data.is_finite() or field.data <= 0 or field.data > MAX_RATE:
        raise ValidationError(_l("Enter a rate above 0."))
    if not has_places(field.data, RATE_PLACES):
        raise ValidationError(_l("Give the rate with at most %(places)d decimals.", places=RATE_PLACES))


def validate_won_total(amount_field, currency_field, rate_field) -> None:
    """The amount converted to won fits what a cost keeps (``MAX_WON``); said next to the amount."""
    amount, currency = amount_field.data, currency_field.data
    rate = Decimal(1) if currency == "KRW" else rate_field.data
    if amount is None or rate is None or not currency or not (amount.is_finite() and rate.is_finite()):
        return  # other checks say what is missing or wrong
    if amount * rate > MAX_WON:
        raise ValidationError(_l("This comes to more than 9,999,999,999,999 won: check the amount and the rate."))


class PasswordStrength:
    """At least ``min_length`` characters, and not just the e-mail address."""

    def __init__(self, min_length: int = 10):
        self.min_length = min_length

    def __call__(self, form, field):
        value = field.data or ""
        if len(value) < self.min_length:
            raise ValidationError(_l("Use at least %(n)d characters.", n=self.min_length))
        if len(value) > 128:
            raise ValidationError(_l("Use at most %(n)d characters.", n=128))
        email = getattr(form, "email", None)
        if email is not None and email.data and value.strip().lower() == email.data.strip().lower():
            raise ValidationError(_l("Do not use your e-mail address as your password."))


class NotInFuture:
    """A date that has already come: today or before, where the user is."""

    def __init__(self, message):
        self.message = message

    def __call__(self, form, field):
        if field.data is not None and field.data > local_today():
            raise ValidationError(self.message)


class NotBefore:
    """An end that is not before its start, the field named ``start`` (either may be empty)."""

    def __init__(self, start: str, message):
        self.start, self.message = start, message

    def __call__(self, form, field):
        start = form[self.start].data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError(self.message)
