"""The forms of prevention education: a guide's revision, publishing it, attaching a file, the guides' filters;
a session, registering for it, cancelling, and marking who attended."""
from flask_babel import lazy_gettext as _l
from flask_babel import lazy_pgettext
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ipdesk.cases.forms import coerce_optional, optional_enum
from ipdesk.cases.models import IPRight
from ipdesk.companies.models import Sector
from ipdesk.core.forms import DateField, Form, one_line, select_choices
from ipdesk.education.models import SessionKind, SessionLanguage

MARKDOWN_HELP = _l("Markdown: a line starting with # is a heading, - a list item; **bold**, *italic*, "
                   "[words](https://address) a link. Images go along as attached files.")


class GuideForm(Form):
    """A guide's subject and a revision of its text, in Korean and English."""

    country_code = SelectField(_l("Country"), validators=[DataRequired()])
    sector = SelectField(_l("Sector"), coerce=coerce_optional(Sector), validators=[Optional()],
                         description=_l("Only for a guide about one sector."))
    ip_right = SelectField(_l("IP right"), coerce=coerce_optional(IPRight), validators=[Optional()],
                           description=_l("Only for a guide about one kind of right."))
    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=200), one_line])
    body_ko = TextAreaField(_l("Text in Korean"), validators=[Optional(), Length(max=60000)],
                            description=MARKDOWN_HELP, render_kw={"rows": 14})
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200), one_line])
    body_en = TextAreaField(_l("Text in English"), validators=[Optional(), Length(max=60000)],
                            description=MARKDOWN_HELP, render_kw={"rows": 14})
    note = StringField(_l("What changed"), validators=[Optional(), Length(max=300), one_line],
                       description=_l("For the guide's history: a few words."))
    version = HiddenField()
    submit = SubmitField(_l("Save as a new revision"))

    def __init__(self, *args, country_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.country_code.choices = select_choices([("", _l("Choose a country"))] + list(country_choices))
        self.sector.choices = optional_enum(Sector, _l("Every sector"))
        self.ip_right.choices = optional_enum(IPRight, _l("Every right"))


class PublishForm(Form):
    number = IntegerField(validators=[InputRequired()])
    version = HiddenField()
    submit = SubmitField(_l("Publish this revision"))


class WithdrawForm(Form):
    version = HiddenField()
    submit = SubmitField(_l("Withdraw from readers"))


class AttachForm(Form):
    file = FileField(_l("File"), validators=[DataRequired()],
                     description=_l("A PDF, an image, an office or Hangul document: checked as evidence is."))
    submit = SubmitField(_l("Attach"))


class RemoveFileForm(Form):
    submit = SubmitField(_l("Remove"))


class GuideFilterForm(Form):
    class Meta:
        csrf = False  # a GET that only reads

    country = SelectField(_l("Country"), validators=[Optional()])
    sector = SelectField(_l("Sector"), coerce=coerce_optional(Sector), validators=[Optional()])
    ip_right = SelectField(_l("IP right"), coerce=coerce_optional(IPRight), validators=[Optional()])
    submit = SubmitField(_l("Filter"))

    def __init__(self, *args, country_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = select_choices([("", _l("Every country"))] + list(country_choices))
        self.sector.choices = optional_enum(Sector, _l("Every sector"))
        self.ip_right.choices = optional_enum(IPRight, _l("Every right"))


def web_address(form, field):
    """An online link people click: http or https only."""
    if field.data and not field.data.strip().lower().startswith(("https://", "http://")):
        raise ValidationError(_l("Give the link as a web address starting with https://."))


class SessionForm(Form):
    """A session a hub holds: what, when (in its own time zone), where or at which link, for how many."""

    kind = SelectField(_l("Kind"), choices=SessionKind.choices(), coerce=SessionKind.coerce,
                       validators=[InputRequired()])
    hub_id = SelectField(_l("Held by"), coerce=int, validators=[InputRequired()])
    title_ko = StringField(_l("Title in Korean"), validators=[Optional(), Length(max=200), one_line])
    title_en = StringField(_l("Title in English"), validators=[Optional(), Length(max=200), one_line])
    description_ko = TextAreaField(_l("Description in Korean"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HELP, render_kw={"rows": 6})
    description_en = TextAreaField(_l("Description in English"), validators=[Optional(), Length(max=20000)],
                                   description=MARKDOWN_HELP, render_kw={"rows": 6})
    day = DateField(_l("Date"), validators=[DataRequired()])
    starts = TimeField(_l("Starts at"), validators=[DataRequired()])
    ends = TimeField(_l("Ends at"), validators=[DataRequired()])
    time_zone = SelectField(_l("Time zone"), validators=[DataRequired()],
                            description=_l("The time zone of the place, or of the host of an online session."))
    place = StringField(_l("Place"), validators=[Optional(), Length(max=300), one_line])
    online_url = StringField(_l("Online link"), validators=[Optional(), Length(max=500), web_address])
    capacity = IntegerField(_l("Seats"), validators=[InputRequired(), NumberRange(min=1, max=10000)])
    language = SelectField(_l("Language"), choices=SessionLanguage.choices(), coerce=SessionLanguage.coerce,
                           validators=[InputRequired()])
    country_code = SelectField(_l("Country it is about"), validators=[Optional()])
    sector = SelectField(_l("Sector"), coerce=coerce_optional(Sector), validators=[Optional()])
    version = HiddenField()
    submit = SubmitField(_l("Save the session"))

    def __init__(self, *args, hub_choices, country_choices, zone_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub_id.choices = hub_choices
        self.country_code.choices = select_choices([("", _l("Every country"))] + list(country_choices))
        self.sector.choices = optional_enum(Sector, _l("Every sector"))
        self.time_zone.choices = zone_choices


class RegisterForm(Form):
    submit = SubmitField(lazy_pgettext("session", "Register"))  # for a seat, not an account


class CancelRegistrationForm(Form):
    submit = SubmitField(_l("Cancel my registration"))


class CancelSessionForm(Form):
    version = HiddenField()
    submit = SubmitField(_l("Cancel the session"))


class AttendanceForm(Form):
    """Who came: one box per registration, named ``attended`` with its id as value (read from the request)."""

    submit = SubmitField(_l("Save attendance"))
