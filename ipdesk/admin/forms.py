"""Admin forms; each takes its choices as keyword-only context and never writes."""
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
    InputRequired,
    Length,
    Optional,
    Regexp,
)

from ipdesk.auth.models import Role
from ipdesk.core.forms import DateField, Form, MultiCheckboxField, NotBefore, PasswordStrength, select_choices

STAFF_SIDE_ROLES = [choice for choice in Role.choices() if choice.value != Role.exporter.name]


class UserCreateForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = EmailField(_l("E-mail"), validators=[DataRequired(), Email(), Length(max=254)])
    role = SelectField(_l("Role"), choices=STAFF_SIDE_ROLES, coerce=Role.coerce, validators=[InputRequired()])
    hub_ids = MultiCheckboxField(_l("Hubs (for staff)"), coerce=int)
    password = PasswordField(_l("Initial password"), validators=[DataRequired(), PasswordStrength()],
                             render_kw={"autocomplete": "new-password"})
    submit = SubmitField(_l("Create account"))

    def __init__(self, *args, hub_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub_ids.choices = select_choices(hub_choices)


class UserEditForm(Form):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    role = SelectField(_l("Role"), coerce=Role.coerce, validators=[InputRequired()])
    hub_ids = MultiCheckboxField(_l("Hubs (for staff)"), coerce=int)
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, hub_choices, is_exporter: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub_ids.choices = select_choices(hub_choices)
        exporter_only = [c for c in Role.choices() if c.value == Role.exporter.name]
        self.role.choices = exporter_only if is_exporter else STAFF_SIDE_ROLES


class UserFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Name or e-mail"), validators=[Optional(), Length(max=200)])
    role = SelectField(_l("Role"), choices=select_choices([("", _l("All"))]) + Role.choices(), validators=[Optional()])
    active = SelectField(
        _l("Status"),
        choices=select_choices([("", _l("All")), ("1", _l("Active")), ("0", _l("Deactivated"))]),
        validators=[Optional()],
    )


class HubForm(Form):
    code = StringField(_l("Code"), validators=[
        DataRequired(), Length(max=32),
        Regexp(r"^[a-z0-9-]+$", message=_l("Use lower-case letters, digits and hyphens.")),
    ])
    name_ko = StringField(_l("Name (Korean)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    city_ko = StringField(_l("City (Korean)"), validators=[DataRequired(), Length(max=80)])
    city_en = StringField(_l("City (English)"), validators=[DataRequired(), Length(max=80)])
    is_active = BooleanField(_l("Active"), default=True)
    version = HiddenField()
    submit = SubmitField(_l("Save"))


class CountryForm(Form):
    code = SelectField(_l("Country"), validators=[DataRequired()])
    primary_hub_id = SelectField(_l("Primary hub"), coerce=int, validators=[InputRequired()])
    secondary_hub_ids = MultiCheckboxField(_l("Also covered by"), coerce=int)
    is_active = BooleanField(_l("Active"), default=True)
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, country_choices, hub_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.code.choices = select_choices(country_choices)
        self.primary_hub_id.choices = select_choices(hub_choices)
        self.secondary_hub_ids.choices = select_choices(hub_choices)


class RegionForm(Form):
    """A region and the hub that takes its cases; its code and country are set once, when it is added."""

    country_code = SelectField(_l("Country"), validators=[DataRequired()])
    code = StringField(_l("ISO 3166-2 code"), validators=[DataRequired(), Length(max=6)],
                       description=_l("The country's code, a hyphen and the region's own, e.g. CN-GD for Guangdong."))
    name_ko = StringField(_l("Name (Korean)"), validators=[DataRequired(), Length(max=120)])
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(), Length(max=120)])
    hub_id = SelectField(_l("Cases go to"), coerce=int, validators=[Optional()],
                         description=_l("A hub that covers the country. Cases of a region without a hub of its own "
                                        "go to the country's primary hub."))
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def __init__(self, *args, country_choices, hub_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.country_code.choices = select_choices([("", _l("Choose a country"))] + list(country_choices))
        self.hub_id.choices = select_choices([(0, _l("The country's primary hub"))] + list(hub_choices))


class AuditFilterForm(Form):
    class Meta:
        csrf = False

    actor = StringField(_l("Who (e-mail or user number)"), validators=[Optional(), Length(max=254)])
    action = StringField(_l("Action"), validators=[Optional(), Length(max=64)])
    case = StringField(_l("Case (reference or number)"), validators=[Optional(), Length(max=20)])
    object_type = StringField(_l("Object type"), validators=[Optional(), Length(max=32)])
    date_from = DateField(_l("From"), validators=[Optional()])
    date_to = DateField(_l("To"), validators=[
        Optional(), NotBefore("date_from", _l("The end of the period is before its start."))])
