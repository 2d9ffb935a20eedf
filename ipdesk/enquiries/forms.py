"""The forms of enquiries: staff's record, the answer, the question asked online (signed in or not), the list's
filters and the step that turns an enquiry into a case."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange, Optional, ValidationError

from ipdesk.auth.forms import validate_registration_number
from ipdesk.cases.forms import coerce_optional, optional_enum, searchable, stripped
from ipdesk.cases.models import DisputeType, IPRight
from ipdesk.core.forms import DateField, Form, NotBefore, select_choices
from ipdesk.enquiries.models import Channel, EnquiryStatus, Topic

QUESTION_HELP = _l("What happened, what you would like to know, and what you have done so far.")


def registration_number_if_given(form, field):
    if (field.data or "").strip():
        validate_registration_number(form, field)


class TopicMixin:
    """The country and what the question is about: a dispute's right and type only for a dispute."""

    country_code = SelectField(_l("Country it is about"), validators=[DataRequired()])
    topic = SelectField(_l("Topic"), choices=Topic.choices(), coerce=Topic.coerce, validators=[InputRequired()])
    ip_right = SelectField(_l("IP right"), coerce=coerce_optional(IPRight), validators=[Optional()])
    dispute_type = SelectField(_l("Dispute type"), coerce=coerce_optional(DisputeType), validators=[Optional()])
    question = TextAreaField(_l("Question"), validators=[DataRequired(), Length(max=8000)],
                             description=QUESTION_HELP)

    def offer_choices(self, country_choices) -> None:
        self.country_code.choices = select_choices([("", _l("Choose a country"))] + list(country_choices))
        self.ip_right.choices = optional_enum(IPRight, _l("Not known yet"))
        self.dispute_type.choices = optional_enum(DisputeType, _l("Not known yet"))

    def validate_ip_right(self, field):
        if field.data is not None and self.topic.data is not Topic.dispute:
            raise ValidationError(_l("An IP right goes with a dispute: choose that topic, or no right."))

    def validate_dispute_type(self, field):
        if field.data is not None and self.topic.data is not Topic.dispute:
            raise ValidationError(_l("A dispute type goes with a dispute: choose that topic, or no type."))


class EnquiryForm(TopicMixin, Form):
    """An enquiry staff take (by phone, e-mail, at a visit...), or correct."""

    channel = SelectField(_l("How it came"), choices=Channel.choices(), coerce=Channel.coerce,
                          validators=[InputRequired()])
    company_id = SelectField(_l("Registered company"), coerce=coerce_optional(int), validators=[Optional()],
                             description=_l("Leave empty for a company that is not registered, and give its name."))
    company_name = StringField(_l("Company name (not registered)"), validators=[Optional(), Length(max=200)])
    registration_number = StringField(_l("Business registration number"),
                                      validators=[Optional(), Length(max=20), registration_number_if_given],
                                      render_kw={"inputmode": "numeric", "autocomplete": "off"})
    contact_name = StringField(_l("Who asked"), validators=[Optional(), Length(max=120)])
    contact_email = EmailField(_l("Their e-mail"), validators=[Optional(), Email(), Length(max=254)])
    contact_phone = StringField(_l("Their phone"), validators=[Optional(), Length(max=40)])
    language = SelectField(_l("Their language"), choices=select_choices([("ko", "한국어"), ("en", "English")]),
                           default="ko")
    answer = TextAreaField(_l("Answer given"), validators=[Optional(), Length(max=8000)],
                           description=_l("Leave empty to answer later."))
    minutes_spent = IntegerField(_l("Time spent (minutes)"), validators=[Optional(), NumberRange(min=0, max=100000)])
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()],
                             description=_l("A date to come back to it: it is kept as a deadline."))
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, country_choices, company_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_choices(country_choices)
        self.company_id.choices = select_choices([("", _l("Not registered"))] + list(company_choices))

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if not self.company_id.data and not (self.company_name.data or "").strip():  # (both fields are optional)
            self.company_name.errors = [
                *self.company_name.errors,
                _l("Give the name of the company that asked, or choose it if it is registered.")]
            return False
        return valid


class AnswerForm(Form):
    answer = TextAreaField(_l("Answer"), validators=[DataRequired(), Length(max=8000)])
    minutes_spent = IntegerField(_l("Time spent (minutes)"), validators=[Optional(), NumberRange(min=0, max=100000)])
    follow_up_on = DateField(_l("Follow up on"), validators=[Optional()],
                             description=_l("A date to come back to it: it is kept as a deadline."))
    version = HiddenField()
    submit = SubmitField(_l("Send the answer"))


class AskForm(TopicMixin, Form):
    """A question asked in the app by a company's user."""

    submit = SubmitField(_l("Send the question"))

    def __init__(self, *args, country_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_choices(country_choices)


class PublicAskForm(TopicMixin, Form):
    """A question asked without an account: who asks, and the same consent as a registration."""

    company_name = StringField(_l("Company name"), validators=[DataRequired(), Length(max=200)])
    registration_number = StringField(
        _l("Business registration number"), validators=[Optional(), Length(max=20), registration_number_if_given],
        description=_l("If you have it at hand: the IP centre finds your company's details faster."),
        render_kw={"inputmode": "numeric", "autocomplete": "off"})
    contact_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                               render_kw={"autocomplete": "name"})
    contact_email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                               render_kw={"autocomplete": "email"},
                               description=_l("We mail a link to this address: the question is sent once you "
                                              "open it, and the answer comes here."))
    contact_phone = StringField(_l("Your phone"), validators=[Optional(), Length(max=40)],
                                render_kw={"autocomplete": "tel"})
    privacy_consent = BooleanField(
        _l("I agree to the privacy policy: ipdesk keeps my name, e-mail and my company's details to answer my "
           "question."),
        validators=[DataRequired(message=_l("You must agree to the privacy policy to send a question."))])
    submit = SubmitField(_l("Send the question"))

    def __init__(self, *args, country_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.offer_choices(country_choices)


class ConfirmPublicForm(Form):
    submit = SubmitField(_l("Send my question"))


class ConvertForm(Form):
    title = StringField(_l("Short title of the case"), validators=[DataRequired(), Length(max=200)])
    version = HiddenField()
    submit = SubmitField(_l("Open a case from it"))


class FollowedUpForm(Form):
    version = HiddenField()
    submit = SubmitField(_l("Followed up"))


class EnquiryFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[stripped], validators=[Optional(), Length(max=200), searchable],
                    description=_l("Any word of the question, the answer or who asked"))
    country = SelectField(_l("Country"), validators=[Optional()])
    hub = SelectField(_l("Hub"), coerce=coerce_optional(int), validators=[Optional()])
    channel = SelectField(_l("How it came"), coerce=coerce_optional(Channel), validators=[Optional()])
    topic = SelectField(_l("Topic"), coerce=coerce_optional(Topic), validators=[Optional()])
    status = SelectField(_l("Status"), coerce=coerce_optional(EnquiryStatus), validators=[Optional()])
    converted = SelectField(_l("Became a case"), validators=[Optional()])
    date_from = DateField(_l("Asked from"), validators=[Optional()])
    date_to = DateField(_l("Asked until"), validators=[
        Optional(), NotBefore("date_from", _l("The end of the period is before its start."))])
    follow_up_due = BooleanField(_l("Only with a follow-up due"))

    def __init__(self, *args, country_choices, hub_choices, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _l("All")
        self.country.choices = select_choices([("", everything)] + list(country_choices))
        self.hub.choices = select_choices([("", everything)] + list(hub_choices))
        self.channel.choices = optional_enum(Channel, everything)
        self.topic.choices = optional_enum(Topic, everything)
        self.status.choices = optional_enum(EnquiryStatus, everything)
        self.converted.choices = select_choices([("", everything), ("yes", _l("Yes")), ("no", _l("No"))])
