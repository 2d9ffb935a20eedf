"""Form helpers shared by every domain."""
from decimal import Decimal

from flask_babel import lazy_gettext as _l
from wtforms import SelectChoice, SelectMultipleField, widgets
from wtforms.validators import ValidationError


def select_choices(pairs) -> list[SelectChoice]:
    """Options for a select field from (value, label) pairs."""
    return [SelectChoice(value, label) for value, label in pairs]


class MultiCheckboxField(SelectMultipleField):
    """A multiple choice shown as a list of checkboxes."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


MAX_AMOUNT = Decimal("99999999999999.99")  # what Numeric(16, 2) holds


def finite_amount(form, field):
    """A real, non-negative amount that fits the database (no NaN, no infinity, no overflow)."""
    value = field.data
    if value is None:
        return
    if not value.is_finite() or value < 0 or value > MAX_AMOUNT:
        raise ValidationError(_l("Enter an amount between 0 and 99,999,999,999,999.99."))


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
