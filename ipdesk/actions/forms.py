"""Forms of administrative actions, litigation and hearings."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ipdesk.actions.models import ActionKind, ActionStatus, LitigationStatus
from ipdesk.core.forms import (
    AmountField,
    DateField,
    Form,
    InCurrency,
    NotBefore,
    currency_choices,
    finite_amount,
    select_choices,
)
from ipdesk.deadlines.forms import rule_label


def _optional_int(value):
    return int(value) if value not in (None, "") else None


class ActionForm(Form):
    kind = SelectField(_l("Kind of action"), choices=ActionKind.choices(), coerce=ActionKind.coerce,
                       validators=[InputRequired()])
    authority = StringField(_l("Authority"), validators=[DataRequired(), Length(max=300)],
                            description=_l("E.g. CNIPA, the market regulation bureau of a city, customs of a port, "
                                           "or the platform."))
    status = SelectField(_l("Status"), choices=ActionStatus.choices(), coerce=ActionStatus.coerce,
                         validators=[InputRequired()])
    filed_on = DateField(_l("Filing date"), validators=[Optional()])
    reference = StringField(_l("Reference at the authority"), validators=[Optional(), Length(max=200)])
    trigger_on = DateField(_l("Publication or notice date the time limit counts from"), validators=[Optional()])
    deadline_rule_id = SelectField(_l("Compute the deadline with the rule"), coerce=_optional_int,
                                   validators=[Optional()])
    result = TextAreaField(_l("Result"), validators=[Optional(), Length(max=20000)])
    quantity_seized = IntegerField(_l("Quantity seized (items)"),
                                   validators=[Optional(), NumberRange(min=0, max=2_000_000_000)])
    penalty_amount = AmountField(_l("Penalty imposed"), places=2,
                                 validators=[Optional(), finite_amount, InCurrency("penalty_currency")])
    penalty_currency = SelectField(_l("Currency of the penalty"), default="")
    version = HiddenField()
    submit = SubmitField(_l("Save the action"))

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, prefix="action", **kwargs)
        self.penalty_currency.choices = currency_choices(_l("No penalty"))
        self.deadline_rule_id.choices = select_choices(
            [("", _l("No deadline from a rule"))] + [(r.id, rule_label(r)) for r in rules])

    def validate_penalty_currency(self, field):
        if self.penalty_amount.data is not None and not field.data:
            raise ValidationError(_l("Choose the currency of the penalty."))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.deadline_rule_id.data and not self.trigger_on.data and not self.trigger_on.errors:
            self.trigger_on.errors = [*self.trigger_on.errors, _l("Give the date the rule counts from.")]
            valid = False
        return valid


class LitigationForm(Form):
    court = StringField(_l("Court"), validators=[DataRequired(), Length(max=300)])
    court_case_number = StringField(_l("Court case number"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=LitigationStatus.choices(), coerce=LitigationStatus.coerce,
                         validators=[InputRequired()])
    filed_on = DateField(_l("Filing date"), validators=[Optional()])
    preservation_orders = TextAreaField(_l("Evidence-preservation orders"), validators=[Optional(), Length(max=20000)])
    judgment = TextAreaField(_l("Judgment"), validators=[Optional(), Length(max=20000)])
    judged_on = DateField(_l("Date of judgment"), validators=[
        Optional(), NotBefore("filed_on", _l("The judgment cannot be before the suit was filed."))])
    damages_currency = SelectField(_l("Currency of the damages"), default="")
    damages_awarded = AmountField(_l("Damages awarded"), places=2,
                                  validators=[Optional(), finite_amount, InCurrency("damages_currency")])
    damages_recovered = AmountField(_l("Damages actually recovered"), places=2,
                                     validators=[Optional(), finite_amount, InCurrency("damages_currency")])
    version = HiddenField()
    submit = SubmitField(_l("Save the suit"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="suit", **kwargs)
        self.damages_currency.choices = currency_choices(_l("No damages yet"))

    def validate_damages_currency(self, field):
        if (self.damages_awarded.data is not None or self.damages_recovered.data is not None) and not field.data:
            raise ValidationError(_l("Choose the currency of the damages."))


class HearingForm(Form):
    held_on = DateField(_l("Hearing date"), validators=[DataRequired()])
    note = TextAreaField(_l("What happened or is planned"), validators=[Optional(), Length(max=5000)])
    submit = SubmitField(_l("Add hearing"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="hearing", **kwargs)
