"""The form of a right in a company's register, and the enforceability warning's dismissal."""
import re

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField, HiddenField, SelectField, SelectMultipleField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ipdesk.core.forms import Form
from ipdesk.core.i18n import all_country_codes, country_choices
from ipdesk.rights.models import RightKind, RightStatus
from ipdesk.rights.offices import MADRID, office_choices

NICE_CLASSES = range(1, 46)  # the Nice Classification: 34 classes of goods, 11 of services


def parse_classes(text: str | None) -> list[int]:
    """Nice classes typed as "3, 5 35" (commas, spaces or semicolons; a leading "class" or "cl." is ignored),
    sorted, each once. Raises ValueError naming what is not a class."""
    numbers = set()
    for part in re.split(r"[\s,;/]+", (text or "").strip()):
        part = re.sub(r"^(classes|class|cl\.?)", "", part, flags=re.IGNORECASE)
        if not part:
            continue
        if not part.isdigit() or int(part) not in NICE_CLASSES:
            raise ValueError(part)
        numbers.add(int(part))
    return sorted(numbers)


class ClassesField(StringField):
    """Nice classes as text; ``data`` is the sorted list of numbers."""

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return ", ".join(str(number) for number in self.data or [])

    def process_formdata(self, valuelist):
        self.raw_data = valuelist
        try:
            self.data = parse_classes(valuelist[0] if valuelist else "")
        except ValueError as error:
            self.data = []
            raise ValueError(_l("“%(part)s” is not a Nice class: give numbers from 1 to 45, separated by commas.",
                                part=str(error))) from None


class RightForm(Form):
    kind = SelectField(_l("Kind of right"), choices=RightKind.choices(), coerce=RightKind.coerce,
                       validators=[DataRequired()])
    office = SelectField(_l("Office"), validators=[DataRequired()],
                         description=_l("Where the right is registered or filed: a country, or a regional office."))
    designations = SelectMultipleField(
        _l("Designated countries"), validators=[Optional()],
        description=_l("For an international registration (Madrid System): the countries it designates."))
    number = StringField(_l("Registration number"), validators=[DataRequired(), Length(max=60)],
                         description=_l("Or the application number while it is pending."))
    mark_text = StringField(_l("Mark, design or work"), validators=[Optional(), Length(max=300)],
                            description=_l("The word mark as registered, or the design's or work's title."))
    nice_classes = ClassesField(_l("Nice classes"), description=_l("Trademarks: for example 3, 5, 35."))
    status = SelectField(_l("Status"), choices=RightStatus.choices(), coerce=RightStatus.coerce,
                         validators=[DataRequired()])
    filing_date = DateField(_l("Filing date"), validators=[Optional()])
    registration_date = DateField(_l("Registration date"), validators=[Optional()])
    expiry_date = DateField(_l("Expiry date"), validators=[Optional()],
                            description=_l("The date it must be renewed by: the company is reminded before."))
    image = FileField(_l("Image of the mark"),
                      description=_l("A PNG, JPEG or WebP picture of the mark as filed (optional)."))
    notes = TextAreaField(_l("Notes"), validators=[Optional(), Length(max=5000)])
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.office.choices = [("", _l("Choose an office")), *office_choices()]
        self.designations.choices = country_choices(all_country_codes())

    def validate_designations(self, field):
        if self.office.data != MADRID and field.data:
            raise ValidationError(_l("Only an international registration (WIPO, Madrid System) designates "
                                     "countries: clear them, or choose WIPO as the office."))

    def validate_nice_classes(self, field):
        if field.data and self.kind.data is not RightKind.trademark:
            raise ValidationError(_l("Nice classes belong to trademarks: clear them for this kind of right."))

    def validate_registration_date(self, field):
        if field.data and self.filing_date.data and field.data < self.filing_date.data:
            raise ValidationError(_l("A right cannot be registered before it was filed."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        # an empty field stops its own validators: the rules that need a value are asked here
        for needed, field, message in (
                (self.status.data is RightStatus.registered, self.registration_date,
                 _l("Give the date of registration of a registered right.")),
                (self.office.data == MADRID, self.designations,
                 _l("Choose the countries the international registration designates."))):
            if needed and not field.data and not field.errors:
                field.errors = [*field.errors, message]
                ok = False
        return ok

    def validate_expiry_date(self, field):
        if field.data and self.filing_date.data and field.data <= self.filing_date.data:
            raise ValidationError(_l("A right expires after it was filed."))


class DismissForm(Form):
    """Staff set a case's enforceability warning aside, saying why."""

    code = HiddenField(validators=[DataRequired(), Length(max=20)])
    reason = TextAreaField(_l("Why enforcement is possible nonetheless"), validators=[DataRequired(), Length(max=2000)],
                           description=_l("For example: the mark is well known there, or a registration is "
                                          "about to be granted."))
    dismiss = SubmitField(_l("Dismiss the warning"))


class RemoveRightForm(Form):
    version = HiddenField(validators=[DataRequired()])
    remove = SubmitField(_l("Remove from the register"))
