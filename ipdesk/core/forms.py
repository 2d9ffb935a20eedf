"""Form helpers shared by every domain: choices, dates, amounts, currencies and their rates, passwords."""
import unicodedata
from decimal import Decimal

import wtforms
from babel.numbers import NumberFormatError, get_currency_name, parse_decimal
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, SelectChoice, SelectMultipleField, widgets
from wtforms.validators import ValidationError

from ipdesk.core.i18n import local_today


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


MAX_AMOUNT = Decimal("99999999999999.99")  # what Numeric(16, 2) holds


def finite_amount(form, field):
    """A real, non-negative amount that fits the database (no NaN, no infinity, no overflow)."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        raise ValidationError(_l("Enter an amount between 0 and 99,999,999,999,999.99."))


# Currencies of the network's markets first; any ISO 4217 code Babel knows is accepted.
COMMON_CURRENCIES = ("KRW", "USD", "CNY", "EUR", "JPY", "VND", "THB", "IDR", "INR", "MYR", "PHP", "SGD", "HKD",
                     "TWD", "MXN", "BRL", "GBP", "AUD", "CAD", "AED", "SAR", "TRY")


def currency_choices(blank_label) -> list:
    """Options for a currency select: ``blank_label`` first, then the common currencies with their names."""
    locale = get_locale()
    return select_choices([("", blank_label)] + [(c, f"{c} · {get_currency_name(c, locale=locale)}")
                                                 for c in COMMON_CURRENCIES])


MAX_RATE = 10_000_000


def validate_rate(currency_field, rate_field) -> None:
    """An amount in another currency than won needs its conversion rate."""
    if currency_field.data and currency_field.data != "KRW" and rate_field.data is None:
        raise ValidationError(_l("Give the rate that converts the amount to won (KRW per 1 %(currency)s).",
                                 currency=currency_field.data))


def positive_rate(form, field):
    """A conversion rate, when given, is a finite number above 0 and at most ``MAX_RATE``."""
    if field.data is not None and (not field.data.is_finite() or field.data <= 0 or field.data > MAX_RATE):
        raise ValidationError(_l("Enter a rate above 0."))


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
