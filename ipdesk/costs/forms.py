"""The cost form a case's staff fill in on its own page, and the admin's cost-share rule form."""
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    DecimalField,
    HiddenField,
    IntegerField,
    SelectField,
    StringField,
    SubmitField,
)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from ipdesk.companies.models import CompanySize
from ipdesk.core.forms import (
    AmountField,
    DateField,
    Form,
    InCurrency,
    currency_choices,
    finite_amount,
    has_places,
    positive_rate,
    validate_rate,
    validate_won_total,
)
from ipdesk.costs.models import CostCategory, Payer


class CostForm(Form):
    category = SelectField(_l("What for"), choices=CostCategory.choices(), coerce=CostCategory.coerce,
                           validators=[InputRequired()])
    description = StringField(_l("Description"), validators=[Optional(), Length(max=500)])
    payer = SelectField(_l("Paid by"), choices=Payer.choices(), coerce=Payer.coerce, validators=[InputRequired()])
    amount = AmountField(_l("Amount"), places=2, validators=[InputRequired(), finite_amount, InCurrency("currency")])
    currency = SelectField(_l("Currency"), validators=[DataRequired()])
    krw_rate = AmountField(_l("Rate to won (KRW per unit)"), places=None, validators=[Optional(), positive_rate],
                            description=_l("Not needed for amounts in won."))
    incurred_on = DateField(_l("Date"), validators=[DataRequired()])
    submit = SubmitField(_l("Add cost"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, prefix="cost", **kwargs)
        self.currency.choices = currency_choices(_l("Choose…"))

    def validate_amount(self, field):
        validate_won_total(field, self.currency, self.krw_rate)

    def validate_krw_rate(self, field):
        validate_rate(self.currency, field)


class CostShareRuleForm(Form):
    company_size = SelectField(_l("Company size"), choices=CompanySize.choices(), coerce=CompanySize.coerce,
                               validators=[InputRequired()])
    share_percent = DecimalField(_l("Programme's share (%)"), places=2,
                                 validators=[InputRequired(), NumberRange(min=0, max=100)])
    annual_cap_krw = IntegerField(_l("Cap per company per year (KRW)"),
                                  validators=[InputRequired(), NumberRange(min=0, max=10**15)])
    source = StringField(_l("Source (programme, year)"), validators=[DataRequired(), Length(max=300)])
    is_active = BooleanField(_l("Active"), default=True)
    version = HiddenField()
    submit = SubmitField(_l("Save"))

    def validate_share_percent(self, field):
        if field.data is not None and field.data.is_finite() and not has_places(field.data, 2):
            raise ValidationError(_l("Give the share with at most 2 decimals."))
