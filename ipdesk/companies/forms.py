"""Forms for company administration and invitations."""
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import EmailField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Email, Length, Optional

from ipdesk.companies.models import CompanyStatus
from ipdesk.core.forms import select_choices


class InvitationForm(FlaskForm):
    email = EmailField(_l("Colleague's e-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    submit = SubmitField(_l("Create invitation link"))


class SuspendForm(FlaskForm):
    reason = TextAreaField(_l("Reason for suspension"), validators=[DataRequired(), Length(max=2000)])
    submit = SubmitField(_l("Suspend company"))


class CompanyFilterForm(FlaskForm):
    class Meta:
        csrf = False

    q = StringField(_l("Name or registration number"), validators=[Optional(), Length(max=200)])
    status = SelectField(_l("Status"), choices=select_choices([("", _l("All"))]) + CompanyStatus.choices(),
                         validators=[Optional()])
