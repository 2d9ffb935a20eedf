"""The admins' form of a refusal reason."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, HiddenField, SelectField, StringField, SubmitField
from wtforms.validators import DataRequired, InputRequired, Length, Regexp

from ipdesk.core.forms import Form
from ipdesk.refusals.models import RefusalScope


class RefusalReasonForm(Form):
    scope = SelectField(_l("Given when"), choices=RefusalScope.choices(), coerce=RefusalScope.coerce,
                        validators=[InputRequired()])
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=40),
        Regexp(r"^[a-z0-9_]+$", message=_l("Use lower-case letters, digits and underscores only."))],
        description=_l("A short stable name, e.g. missing_proof_of_rights: the audit log and exports use it."))
    label_ko = StringField(_l("Reason (Korean)"), validators=[DataRequired(), Length(max=200)])
    label_en = StringField(_l("Reason (English)"), validators=[DataRequired(), Length(max=200)])
    is_active = BooleanField(_l("Offered when refusing"), default=True,
                             description=_l("Untick to stop offering a reason; the refusals made with it keep it."))
    version = HiddenField()
    submit = SubmitField(_l("Save"))
