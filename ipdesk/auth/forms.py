"""Sign-in, registration, invitation and account forms."""
from flask import current_app
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    EmailField,
    HiddenField,
    PasswordField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    EqualTo,
    InputRequired,
    Length,
    ValidationError,
)

from ipdesk.companies.models import CompanySize, Sector
from ipdesk.companies.registration_number import (
    EXAMPLE,
    normalize_registration_number,
    registration_number_problem,
)
from ipdesk.core.forms import Form, MultiCheckboxField, PasswordStrength, select_choices


class LoginForm(Form):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "type": "email"})
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=128)],
                             render_kw={"autocomplete": "current-password"})
    remember = BooleanField(_l("Keep me signed in on this computer"))
    next = HiddenField()
    submit = SubmitField(_l("Sign in"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.remember.description = _l("For up to %(days)d days. Not on a shared computer.",
                                        days=current_app.config["REMEMBER_DAYS"])


class TwoFactorForm(Form):
    """The second step of signing in, and the confirmation of changes to two-factor sign-in."""

    code = StringField(_l("Code from your authenticator app, or a recovery code"),
                       validators=[DataRequired(), Length(max=20)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "text", "autocapitalize": "off"})
    submit = SubmitField(_l("Continue"))


class EnrolForm(Form):
    code = StringField(_l("The six-digit code your app shows now"), validators=[DataRequired(), Length(max=10)],
                       render_kw={"autocomplete": "one-time-code", "inputmode": "numeric"})
    submit = SubmitField(_l("Turn on two-factor sign-in"))


class NewPasswordMixin:
    password = PasswordField(_l("Password"), validators=[DataRequired(), PasswordStrength()],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(
        _l("Repeat the password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )


REGISTRATION_NUMBER_PROBLEMS = {
    "format": _l("A business registration number has 10 digits, written 000-00-00000."),
    "never_issued": _l("No tax office issues a number like this one (its office, kind of business or serial "
                       "part is never used). Check it against your registration certificate."),
    "check_digit": _l("The last digit does not match the others, so a digit is mistyped. Check the number "
                      "against your registration certificate."),
}


def validate_registration_number(form, field):
    problem = registration_number_problem(field.data or "")
    if problem is not None:
        raise ValidationError(REGISTRATION_NUMBER_PROBLEMS[problem])


class RegistrationForm(NewPasswordMixin, Form):
    name_ko = StringField(_l("Company name (Korean)"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Company name (English)"), validators=[DataRequired(), Length(max=200)])
    registration_number = StringField(
        _l("Business registration number"),
        validators=[DataRequired(), Length(max=20), validate_registration_number],
        description=_l("10 digits, as on your business registration certificate, e.g. %(example)s.",
                       example=EXAMPLE),
        render_kw={"inputmode": "numeric", "autocomplete": "off"},
    )
    size = SelectField(_l("Company size"), choices=CompanySize.choices(), coerce=CompanySize.coerce,
                       validators=[InputRequired()])
    sectors = MultiCheckboxField(_l("Sectors"), choices=Sector.choices(), coerce=Sector.coerce,
                                 validators=[DataRequired(message=_l("Choose at least one sector."))])
    export_countries = MultiCheckboxField(
        _l("Countries you export to"),
        validators=[DataRequired(message=_l("Choose at least one country you export to."))],
        description=_l("The IP centres covering these countries review your registration."),
    )
    user_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                            render_kw={"autocomplete": "name"})
    email = EmailField(_l("Your e-mail"), validators=[DataRequired(), Email(), Length(max=254)],
                       render_kw={"autocomplete": "email"})
    privacy_consent = BooleanField(
        _l("I agree to the privacy policy: ipdesk keeps my name, e-mail and my company's details to "
           "handle our IP disputes."),
        validators=[DataRequired(message=_l("You must agree to the privacy policy to register."))],
    )
    submit = SubmitField(_l("Register"))

    def __init__(self, *args, country_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.export_countries.choices = select_choices(country_choices)

    def normalized_registration_number(self) -> str:
        return normalize_registration_number(self.registration_number.data)


class InvitationAcceptForm(NewPasswordMixin, Form):
    user_name = StringField(_l("Your name"), validators=[DataRequired(), Length(max=120)],
                            render_kw={"autocomplete": "name"})
    privacy_consent = BooleanField(
        _l("I agree to the privacy policy: ipdesk keeps my name, e-mail and my company's details to "
           "handle our IP disputes."),
        validators=[DataRequired(message=_l("You must agree to the privacy policy to register."))],
    )
    submit = SubmitField(_l("Create my account"))


class PasswordChangeForm(Form):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()],
                                     render_kw={"autocomplete": "current-password"})
    password = PasswordField(_l("New password"), validators=[DataRequired(), PasswordStrength()],
                             render_kw={"autocomplete": "new-password"})
    password_confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords are not the same."))],
        render_kw={"autocomplete": "new-password"},
    )
    submit = SubmitField(_l("Change password"))


class ForgotPasswordForm(Form):
    email = StringField(_l("E-mail"), validators=[DataRequired(), Length(max=254)],
                        render_kw={"autocomplete": "username", "type": "email"})
    submit = SubmitField(_l("Send me a link"))


class ConfirmRegistrationForm(Form):
    submit = SubmitField(_l("Finish the registration"))


class ResetPasswordForm(NewPasswordMixin, Form):
    submit = SubmitField(_l("Set the new password"))


class ProfileForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    locale = SelectField(
        _l("Language"),
        choices=select_choices([("", _l("As my browser says")), ("ko", "한국어"), ("en", "English")]),
    )
    timezone = SelectField(_l("Time zone"), validators=[DataRequired()])
    submit = SubmitField(_l("Save"))
