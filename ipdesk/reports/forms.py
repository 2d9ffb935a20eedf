"""Choosing what a document covers: a country and a period, or the period of the all-country pack."""
from datetime import date

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, SubmitField
from wtforms.validators import DataRequired, ValidationError

from ipdesk.core.forms import DateField, Form, select_choices

MAX_DAYS = 366 * 10


class PeriodForm(Form):
    start = DateField(_l("From"), validators=[DataRequired()])
    end = DateField(_l("To"), validators=[DataRequired()])

    def validate_end(self, field):
        if self.start.data and field.data:
            if field.data < self.start.data:
                raise ValidationError(_l("The period ends before it starts."))
            if (field.data - self.start.data).days > MAX_DAYS:
                raise ValidationError(_l("Choose a period of at most ten years."))


DOCUMENT_LANGUAGES = [("ko", "한국어"), ("en", "English")]  # each in its own language


class CountrySummaryForm(PeriodForm):
    class Meta:
        csrf = False  # a GET that only reads

    country = SelectField(_l("Country"), validators=[DataRequired()])
    lang = SelectField(_l("Language"), choices=select_choices(DOCUMENT_LANGUAGES), validators=[DataRequired()])
    submit = SubmitField(_l("Print the country summary"))

    def __init__(self, *args, country_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.country.choices = select_choices(country_choices)


class FiguresForm(PeriodForm):
    """The period of the figures' CSV on the dashboard."""

    class Meta:
        csrf = False  # a GET that only reads

    submit = SubmitField(_l("Download the figures (CSV)"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="figures", **kwargs)


class PackForm(PeriodForm):
    lang = SelectField(_l("Language"), choices=select_choices(DOCUMENT_LANGUAGES), validators=[DataRequired()])
    submit = SubmitField(_l("Make the all-country pack"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="pack", **kwargs)  # its dates must not share ids with the summary's


def year_to_date(today: date) -> dict:
    return {"start": date(today.year, 1, 1), "end": today}


class PackAgainForm(Form):
    """The button on the page of a pack that failed, or is no longer kept, that makes it again."""

    submit = SubmitField(_l("Make it again"))
