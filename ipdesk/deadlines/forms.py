"""The deadline form of the case page."""
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, SubmitField
from wtforms.validators import Length, Optional

from ipdesk.core.forms import select_choices


class DeadlineForm(FlaskForm):
    rule_id = SelectField(_l("Rule"), coerce=lambda v: int(v) if v not in (None, "") else None,
                          validators=[Optional()])
    trigger_on = DateField(_l("Counted from (e.g. the publication date)"), validators=[Optional()])
    what = StringField(_l("What is due"), validators=[Optional(), Length(max=300)],
                       description=_l("Optional with a rule: the rule's procedure is used."))
    due_on = DateField(_l("Due date (without a rule)"), validators=[Optional()])
    submit = SubmitField(_l("Add deadline"))

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.rule_id.choices = select_choices(
            [("", _l("No rule: I give the due date"))]
            + [(r.id, rule_label(r)) for r in rules])


def rule_label(rule) -> str:
    """E.g. "CN · Trademark opposition · publication + 3 months"."""
    parts = []
    if rule.months:
        parts.append(ngettext("%(num)d month", "%(num)d months", rule.months))
    if rule.days:
        parts.append(ngettext("%(num)d day", "%(num)d days", rule.days))
    return f"{rule.jurisdiction} · {rule.procedure} · {rule.trigger} + {' + '.join(parts)}"
