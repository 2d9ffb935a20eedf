"""The forms of country guides: writing a revision, publishing one, attaching a file, the list's filters."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import HiddenField, IntegerField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ipdesk.cases.forms import coerce_optional, optional_enum
from ipdesk.cases.models import IPRight
from ipdesk.companies.models import Sector
from ipdesk.core.forms import Form, one_line, select_choices

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
