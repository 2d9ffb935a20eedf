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
    TextAreaField,
    URLField,
)
from wtforms.validators import URL, DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ipdesk.core.forms import DateField, Form, select_choices
from ipdesk.core.i18n import date_text
from ipdesk.deadlines.models import RuleProcedure


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
    """E.g. "CN · Trademark opposition · publication + 3 months"; a rule not checked against the official text says
    it is to be confirmed with counsel."""
    parts = []
    if rule.months:
        parts.append(ngettext("%(num)d month", "%(num)d months", rule.months))
    if rule.days:
        parts.append(ngettext("%(num)d working day", "%(num)d working days", rule.days) if rule.business_days
                     else ngettext("%(num)d day", "%(num)d days", rule.days))
    label = f"{rule.jurisdiction} · {rule.procedure} · {rule.trigger} + {' + '.join(parts)}"
    if rule.opens:
        label += " " + _("(the first day it may be requested)")
    if not rule.confirmed:
        label += " " + _("(to be confirmed with counsel)")
    return label


class DeadlineRuleForm(Form):
    """An admin's deadline rule: where, which procedure, counted from what, how long, on what authority."""

    jurisdiction = SelectField(_l("Jurisdiction"), validators=[DataRequired()])
    procedure_ko = StringField(_l("Procedure (Korean)"), validators=[DataRequired(), Length(max=200)])
    procedure_en = StringField(_l("Procedure (English)"), validators=[DataRequired(), Length(max=200)])
    trigger_ko = StringField(_l("Counted from (Korean)"), validators=[DataRequired(), Length(max=300)])
    trigger_en = StringField(_l("Counted from (English)"), validators=[DataRequired(), Length(max=300)])
    months = IntegerField(_l("Months"), default=0, validators=[InputRequired(), NumberRange(min=0, max=120)])
    days = IntegerField(_l("Days"), default=0, validators=[InputRequired(), NumberRange(min=0, max=3650)])
    business_days = BooleanField(_l("The days are working days"))
    opens = BooleanField(_l("The date is the first day the procedure may be started (e.g. non-use cancellation)"))
    no_time_limit = BooleanField(_l("The law sets no time limit (the rule only informs)"))
    procedure_kind = SelectField(_l("Kind of procedure"), choices=RuleProcedure.choices(), coerce=RuleProcedure.coerce,
                                 default=RuleProcedure.other)
    source_ko = StringField(_l("Source: law and article (Korean)"), validators=[DataRequired(), Length(max=300)])
    source_en = StringField(_l("Source: law and article (English)"), validators=[DataRequired(), Length(max=300)])
    url = URLField(_l("Official text (web address)"),
                   validators=[Optional(), Length(max=500), URL(message=_l("Give a web address starting with https://"))])
    checked_on = DateField(_l("Last checked against the official text on"), validators=[Optional()])
    confirmed = BooleanField(_l("Confirmed from the official text"))
    extension_ko = TextAreaField(_l("Extension (Korean)"), validators=[Optional(), Length(max=2000)])
    extension_en = TextAreaField(_l("Extension (English)"), validators=[Optional(), Length(max=2000)],
                                 description=_l("Whether and how the period can be extended."))
    note_ko = TextAreaField(_l("Note (Korean)"), validators=[Optional(), Length(max=4000)])
    note_en = TextAreaField(_l("Note (English)"), validators=[Optional(), Length(max=4000)])
    change_from = DateField(_l("An announced change of the law applies from"), validators=[Optional()],
                            description=_l("Until the new text is read, a period counted from that day ends on the "
                                           "earlier of the two dates."))
    change_months = IntegerField(_l("Months under the change"), validators=[Optional(), NumberRange(min=0, max=120)])
    change_days = IntegerField(_l("Days under the change"), validators=[Optional(), NumberRange(min=0, max=3650)])
    is_active = BooleanField(_l("Active"), default=True)
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, jurisdiction_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.jurisdiction.choices = select_choices(jurisdiction_choices)

    def validate_days(self, field):
        if (self.months.data or 0) + (field.data or 0) <= 0 and not self.no_time_limit.data:
            raise ValidationError(_l("Give a period of at least one day or one month."))

    def validate_change_from(self, field):  # runs when a day is given (an empty optional field stops its checks)
        if (self.change_months.data or 0) + (self.change_days.data or 0) <= 0:
            raise ValidationError(_l("Give the changed period: at least one day or one month."))

    def validate_change_months(self, field):
        if field.data and not self.change_from.data:
            raise ValidationError(_l("Give the day the change of the law applies from."))

    validate_change_days = validate_change_months

    def validate_url(self, field):
        if field.data and not field.data.startswith("https://"):
            raise ValidationError(_l("Give a web address starting with https://"))

    def validate_confirmed(self, field):
        if field.data and not (self.url.data and self.checked_on.data):
            raise ValidationError(_l("A rule is confirmed from an official text: give its address and the day it "
                                     "was checked."))
