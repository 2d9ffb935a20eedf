"""The infringer record form and the link buttons of the case page."""
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField, IntegerField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ipdesk.core.forms import Form
from ipdesk.core.urls import MAX_ID

ONE_PER_LINE = _l("One per line.")


class InfringerForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=300)],
                       description=_l("As the infringer calls itself, in its own script."))
    aliases = TextAreaField(_l("Other names"), validators=[Length(max=5000)], description=ONE_PER_LINE)
    shop_ids = TextAreaField(_l("Shop or seller IDs"), validators=[Length(max=5000)], description=ONE_PER_LINE)
    urls = TextAreaField(_l("Web addresses"), validators=[Length(max=10000)], description=ONE_PER_LINE)
    contacts = TextAreaField(_l("Contact IDs"), validators=[Length(max=5000)],
                             description=_l("E-mail addresses, phone numbers, messenger IDs (e.g. WeChat: abc123); "
                                            "one per line."))
    notes = TextAreaField(_l("Notes"), validators=[Length(max=10000)])
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class LinkForm(Form):
    """Link a record to a case, or make one from the case's infringer."""

    infringer_id = IntegerField(validators=[Optional(), NumberRange(min=1, max=MAX_ID)])
    create = SubmitField(_l("Create a record from this case's infringer"))
