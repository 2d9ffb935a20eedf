"""The deadline form a case's staff fill in on its own page, and the admin's deadline rule form."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from wtforms import (
    BooleanField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ipdesk.core.forms import DateField, Form, select_choices
from ipdesk.core.i18n import date_text


class DeadlineForm(Form):
    rule_id = SelectField(_l("Rule"), coerce=lambda v: int(v) if v not in (None, "") else None,
                          validators=[Optional()])
    trigger_on = DateField(_l("Counted from (e.g. the publication date)"), validators=[Optional()])
    what = StringField(_l("What is due"), validators=[Optional(), Length(max=300)],
                       description=_l("Optional with a rule: the rule's procedure is used."))
    due_on = DateField(_l("Due date (without a rule)"), validators=[Optional()])
    submit = SubmitField(_l("Add deadline"))

    def __init__(self, *args, rules, opened_on, **kwargs):
        """:param opened_on: the day the case began, where the user is: no deadline of it falls before."""
        super().__init__(*args, **kwargs)
        self.opened_on = opened_on
        self.rule_id.choices = select_choices(
            [("", _l("No rule: I give the due date"))]
            + [(r.id, rule_label(r)) for r in rules])

    def validate_due_on(self, field):
        if field.data is not None and field.data < self.opened_on:
            raise ValidationError(_("A deadline cannot be before the case began (%(date)s).",
                                    date=date_text(self.opened_on)))


def rule_label(rule) -> str:
    """E.g. "CN · Trademark opposition · publication + 3 months"."""
    parts = []
    if rule.months:
        parts.append(ngettext("%(num)d month", "%(num)d months", rule.months))
    if rule.days:
        parts.append(ngettext("%(num)d day", "%(num)d days", rule.days))
    return f"{rule.jurisdiction} · {rule.procedure} · {rule.trigger} + {' + '.join(parts)}"


class DeadlineRuleForm(Form):
    """An admin's deadline rule: where, which procedure, counted from what, how long, on what authority."""

    jurisdiction = SelectField(_l("Jurisdiction"), validators=[DataRequired()])
    procedure_ko = StringField(_l("Procedure (Korean)"), validators=[DataRequired(), Length(max=200)])
    procedure_en = StringField(_l("Procedure (English)"), validators=[DataRequired(), Length(max=200)])
    trigger_ko = StringField(_l("Counted from (Korean)"), validators=[DataRequired(), Length(max=100)])
    trigger_en = StringField(_l("Counted from (English)"), validators=[DataRequired(), Length(max=100)])
    months = IntegerField(_l("Months"), default=0, validators=[InputRequired(), NumberRange(min=0, max=120)])
    days = IntegerField(_l("Days"), default=0, validators=[InputRequired(), NumberRange(min=0, max=3650)])
    source_ko = StringField(_l("Source: law and article (Korean)"), validators=[DataRequired(), Length(max=300)])
    source_en = StringField(_l("Source: law and article (English)"), validators=[DataRequired(), Length(max=300)])
    is_active = BooleanField(_l("Active"), default=True)
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, jurisdiction_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction.choices = select_choices(jurisdiction_choices)

    def validate_days(self, field):
        if (self.months.data or 0) + (field.data or 0) <= 0:
            raise ValidationError(_l("Give a period of at least one day or one month."))
