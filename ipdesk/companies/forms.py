"""Forms for company administration and invitations."""
from flask_babel import lazy_gettext as _l
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ipdesk.companies.models import CompanyStatus
from ipdesk.core.forms import Form, select_choices


class InvitationForm(Form):
    email = EmailField(_l("Colleague's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Create invitation link"))


class SuspendForm(Form):
    reason = TextAreaField(_l("Reason for suspension"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Suspend company"))


class RefuseForm(Form):
    """Refusing a company awaiting approval: a reason of the admins' list and a note for its users."""

    # any id passes the form (a reason may be deactivated meanwhile): the service checks it is on the list
    reason_id = SelectField(_l("Reason"), coerce=lambda v: int(v) if v not in (None, "") else None,
                            validators=[Optional()], validate_choice=False)
    note = TextAreaField(_l("Note for the company"), validators=[DataRequired(), Length(max=4000)],
                         description=_l("Sent to the company's users with the reason, as you write it."))
    submit = SubmitField(_l("Refuse registration"))

    def __init__(self, *args, reasons=(), **kwargs):
        """:param reasons: the active reasons for companies, as (id, label)."""
        super().__init__(*args, **kwargs)
        self.reason_id.choices = select_choices([("", _l("Choose a reason"))] + list(reasons))


class CompanyFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name or registration number"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=select_choices([("", _l("All"))]) + CompanyStatus.choices(),
                         validators=[Optional()])
