"""Intake, case actions, messages, consultations and the list's filters."""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    MultipleFileField,
    SelectChoice,
    SelectField,
    StringField,
    SubmitField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from ipdesk.actions.models import AdministrativeAction, Litigation
from ipdesk.cases.models import DisputeType, IPRight, Outcome, Route, Stage, Urgency
from ipdesk.cases.stages import REQUIRED_FOR_SUBMISSION
from ipdesk.companies.models import Sector
from ipdesk.core.forms import (
    AmountField,
    DateField,
    Form,
    InCurrency,
    MultiCheckboxField,
    NotBefore,
    NotInFuture,
    currency_choices,
    finite_amount,
    positive_rate,
    select_choices,
    validate_rate,
    validate_won_total,
)
from ipdesk.core.i18n import date_text
from ipdesk.costs.models import Payer
from ipdesk.evidence.forms import FILES_HELP
from ipdesk.rights.forms import ClassesField
from ipdesk.search.query import SHORT_QUERY, Query


def optional_enum(enum_cls, blank):
    return select_choices([("", blank)]) + enum_cls.choices()


def coerce_optional(kind):
    """Coerce a select's value to ``kind`` (a labelled enum or a type such as int), "" to None."""
    convert = getattr(kind, "coerce", kind)

    def coerce(value):
        if value in (None, ""):
            return None
        return convert(value)

    return coerce


class IntakeForm(Form):
    """The dispute intake. Saving a draft needs a title and a country; submitting needs the rest."""

    company_id = SelectField(_l("Company"), coerce=int, validators=[Optional()])
    title = StringField(_l("Short title"), validators=[DataRequired(), Length(max=200)],
                        description=_l("For example: Counterfeit serum sold on a marketplace in Shanghai"))
    country_code = SelectField(_l("Country"), validators=[DataRequired()])
    sector = SelectField(_l("Product sector"), coerce=coerce_optional(Sector), validators=[Optional()])
    ip_right = SelectField(_l("IP right"), coerce=coerce_optional(IPRight), validators=[Optional()])
    dispute_type = SelectField(_l("Dispute type"), coerce=coerce_optional(DisputeType), validators=[Optional()])
    found_where = TextAreaField(_l("Where it was found"), validators=[Optional(), Length(max=4000)],
                                description=_l("Marketplace, store, web address or street address."))
    infringer_name = StringField(_l("Infringer's name"), validators=[Optional(), Length(max=300)])
    infringer_shop_id = StringField(_l("Shop or seller ID"), validators=[Optional(), Length(max=300)])
    infringer_region_code = SelectField(
        _l("Where the infringer operates"), coerce=coerce_optional(str), validators=[Optional()],
        description=_l("The province or state, if you know it: the case goes to the IP centre that covers it."))
    infringer_urls = TextAreaField(_l("Infringer's web addresses"), validators=[Optional(), Length(max=10000)],
                                   description=_l("One per line."))
    infringer_contacts = TextAreaField(_l("Infringer's contact IDs"), validators=[Optional(), Length(max=2000)],
                                       description=_l("E-mail, phone, WeChat, LINE, WhatsApp… one per line."))
    rights = MultiCheckboxField(
        _l("The rights this case relies on"), coerce=int, validators=[Optional()],
        description=_l("From your company's register of rights. Without a registration in force in that "
                       "country, enforcement may not be possible."))
    goods_classes = ClassesField(_l("Nice classes of the goods"),
                                 description=_l("For a trademark: the classes of the goods concerned, for example "
                                                "3 for cosmetics. Leave empty if you do not know."))
    damages_amount = AmountField(_l("Estimated damages"), places=2, validators=[Optional(), finite_amount,
                                                                               InCurrency("damages_currency")])
    damages_currency = SelectField(_l("Currency of the damages"), default="")
    urgency = SelectField(_l("Urgency"), choices=Urgency.choices(), coerce=Urgency.coerce, default=Urgency.normal,
                          validators=[InputRequired()])
    description = TextAreaField(_l("Description"), validators=[Optional(), Length(max=20000)],
                                description=_l("What happened, what you know about the infringer, what you "
                                               "have done so far."))
    first_noticed_on = DateField(_l("First noticed on"), validators=[
        Optional(), NotInFuture(_l("The infringement cannot have been noticed after today."))])
    files = MultipleFileField(_l("Photos, screenshots, receipts"), description=FILES_HELP)
    version = HiddenField()
    save = SubmitField(_l("Save draft"))
    submit = SubmitField(_l("Submit to the IP centre"))

    def __init__(self, *args, company_choices, country_choices, region_choices=(), right_choices=(), **kwargs):
        """``region_choices``: the regions of the countries that have some, grouped by country (optgroups), so
        the menu works without a script: the user picks within their country's group. ``right_choices``: the
        rights of the case's company, (id, label)."""
        super().__init__(*args, **kwargs)
        self.company_id.choices = select_choices(company_choices)
        self.rights.choices = list(right_choices)
        self.offer_places(country_choices, region_choices)
        self.sector.choices = optional_enum(Sector, _l("Choose a sector"))
        self.ip_right.choices = optional_enum(IPRight, _l("Choose an IP right"))
        self.dispute_type.choices = optional_enum(DisputeType, _l("Choose a dispute type"))
        self.damages_currency.choices = currency_choices(_l("No amount"))

    def offer_places(self, country_choices, region_choices=()) -> None:
        """The menus of countries and of their regions (a choice typed stays selected)."""
        self.country_code.choices = select_choices([("", _l("Choose a country"))] + list(country_choices))
        self.infringer_region_code.choices = select_choices([("", _l("Not known"))]) + list(region_choices)

    @property
    def wants_submission(self) -> bool:
        return bool(self.submit.data)

    def validate_damages_currency(self, field):
        if self.damages_amount.data is not None and not field.data:
            raise ValidationError(_l("Choose the currency of the damages."))

    def validate_infringer_region_code(self, field):
        country = self.country_code.data
        if field.data and country and not field.data.startswith(f"{country}-"):
            raise ValidationError(_l("This region is not in the country chosen above: choose one of its regions, "
                                     "or “Not known”."))

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if self.wants_submission:
            for name in REQUIRED_FOR_SUBMISSION:
                field = getattr(self, name)
                if field.data in (None, "") and not field.errors:
                    field.errors = [*field.errors, _l("Required to submit the case.")]
                    ok = False
        return ok


class MoveForm(Form):
    transition = HiddenField(validators=[DataRequired()])
    # any id passes the form (a reason may be deactivated meanwhile): the service checks it is on the list
    reason_id = SelectField(_l("Reason"), coerce=coerce_optional(int), validators=[Optional()], validate_choice=False)
    note = TextAreaField(_l("Note"), validators=[Optional(), Length(max=10000)])
    # the menu offers the transition's outcomes; any outcome passes the form and the service checks it fits
    outcome = SelectField(_l("Outcome"), coerce=coerce_optional(Outcome), validators=[Optional()],
                          validate_choice=False)
    version = HiddenField()

    def __init__(self, *args, outcomes=(), reasons=(), **kwargs):
        """``outcomes``: those the transition allows, offered in the menu; ``reasons``: the active refusal
        reasons as (id, label), for a refusal. The service checks both choices; the menus only offer them."""
        super().__init__(*args, **kwargs)
        self.outcome.choices = select_choices([("", _l("Choose an outcome"))]) + [
            c for c in Outcome.choices() if not outcomes or Outcome[c.value] in outcomes]
        self.reason_id.choices = select_choices([("", _l("Choose a reason"))] + list(reasons))


def _end_label(record) -> str:
    """How the close form names an open record: its kind and what it is."""
    if isinstance(record, AdministrativeAction):
        return _("Administrative action: %(kind)s · %(authority)s", kind=record.kind.title, authority=record.authority)
    if isinstance(record, Litigation):
        return _("Suit: %(court)s %(number)s", court=record.court, number=record.court_case_number).strip()
    return _("Deadline: %(what)s, due %(date)s", what=record.title, date=date_text(record.due_on))


def move_form(move, *, reasons=(), open_items=None, **kwargs) -> MoveForm:
    """The form of one move (a transition): the outcomes it allows, the active reasons for a refusal, and for a
    move that closes the case, a menu per open action, suit and deadline for how it ends (``form.end_names``)."""
    fields = {}
    if move.asks_ends and open_items:
        for name, record, ends in open_items.fields():
            choices = select_choices([("", _l("Choose how it ends"))]) + [SelectChoice(e.name, e.title) for e in ends]
            fields[name] = SelectField(_end_label(record), choices=choices,
                                       validators=[InputRequired(message=_l("Choose how this ends."))])
    form_class = type("CloseForm", (MoveForm,), fields) if fields else MoveForm
    form = form_class(outcomes=move.outcomes, reasons=reasons if move.needs_reason else (), **kwargs)
    form.end_names = list(fields)
    # what the move needs is said next to each field at once (the service checks it again)
    if move.needs_note:
        form.note.validators = [DataRequired(message=_l("Write a note: it is required for this action.")),
                                *form.note.validators[1:]]
    if len(move.outcomes) > 1:
        form.outcome.validators = [InputRequired(message=_l("Choose an outcome."))]
    if move.needs_reason:
        form.reason_id.validators = [InputRequired(message=_l("Choose a reason from the list."))]
    return form


class AssignForm(Form):
    assignee_id = SelectField(_l("Assigned to"), coerce=int, validators=[Optional()])
    version = HiddenField()
    submit = SubmitField(_l("Assign"))

    def __init__(self, *args, staff_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.assignee_id.choices = select_choices([(0, _l("Nobody"))] + staff_choices)


class TransferForm(Form):
    hub_id = SelectField(_l("Transfer to"), coerce=int, validators=[InputRequired()])
    reason = TextAreaField(_l("Reason for the transfer"), validators=[DataRequired(), Length(max=4000)])
    version = HiddenField()
    submit = SubmitField(_l("Transfer"))

    def __init__(self, *args, hub_choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.hub_id.choices = select_choices(hub_choices)


class MessageForm(Form):
    body = TextAreaField(_l("Message"), validators=[DataRequired(), Length(max=20000)])
    internal = BooleanField(_l("Internal note: staff only, never shown to the exporter"))
    submit = SubmitField(_l("Send"))


class ConsultationForm(Form):
    firm = StringField(_l("Law firm"), validators=[DataRequired(), Length(max=200)])
    lawyer = StringField(_l("Lawyer"), validators=[Optional(), Length(max=200)])
    consulted_on = DateField(_l("Date of the advice"), validators=[DataRequired()])
    summary = TextAreaField(_l("Summary of the advice"), validators=[DataRequired(), Length(max=20000)])
    recommended_route = SelectField(_l("Recommended route"), choices=Route.choices(), coerce=Route.coerce,
                                    validators=[InputRequired()])
    cost_amount = AmountField(_l("Cost"), places=2, validators=[Optional(), finite_amount, InCurrency("cost_currency")])
    cost_currency = SelectField(_l("Currency of the cost"), default="")
    cost_krw_rate = AmountField(_l("Rate to won (KRW per unit)"), places=None, validators=[Optional()],
                                 description=_l("Not needed for a cost in won."))
    cost_payer = SelectField(_l("Cost paid by"), choices=Payer.choices(), coerce=Payer.coerce,
                             validators=[InputRequired()])
    submit = SubmitField(_l("Record consultation"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cost_currency.choices = currency_choices(_l("No cost"))

    def validate_cost_currency(self, field):
        if self.cost_amount.data is not None and not field.data:
            raise ValidationError(_l("Choose the currency of the cost."))

    def validate_cost_krw_rate(self, field):
        positive_rate(self, field)
        if self.cost_amount.data is not None:
            validate_rate(self.cost_currency, field)

    def validate_cost_amount(self, field):
        validate_won_total(field, self.cost_currency, self.cost_krw_rate)


SORTS = {
    "newest": _l("Newest first"),
    "oldest": _l("Oldest first"),
    "reference": _l("Reference"),
    "updated": _l("Recently updated"),
    "stage": _l("Stage"),
    "country": _l("Country"),
}


def searchable(form, field):
    """A query search can look up (``ipdesk.search``): not a lone Latin letter or digit."""
    if field.data and not Query.parse(field.data).searchable:
        raise ValidationError(SHORT_QUERY)


def stripped(text: str | None) -> str | None:
    """A box's text without the spaces around it: one of spaces only is no query at all (every case)."""
    return text.strip() if isinstance(text, str) else text


class CaseFilterForm(Form):
    class Meta:
        csrf = False

    q = StringField(_l("Search"), filters=[stripped], validators=[Optional(), Length(max=200), searchable],
                    description=_l("Any word of the case or its company: reference, title, description, infringer, "
                                   "web address"))
    country = SelectField(_l("Country"), validators=[Optional()])
    hub = SelectField(_l("Hub"), coerce=coerce_optional(int), validators=[Optional()])
    stage = SelectField(_l("Stage"), coerce=coerce_optional(Stage), validators=[Optional()])
    sector = SelectField(_l("Sector"), coerce=coerce_optional(Sector), validators=[Optional()])
    ip_right = SelectField(_l("IP right"), coerce=coerce_optional(IPRight), validators=[Optional()])
    dispute_type = SelectField(_l("Dispute type"), coerce=coerce_optional(DisputeType), validators=[Optional()])
    assignee = SelectField(_l("Assigned to"), validators=[Optional()])
    date_from = DateField(_l("Submitted from"), validators=[Optional()])
    date_to = DateField(_l("Submitted until"), validators=[
        Optional(), NotBefore("date_from", _l("The end of the period is before its start."))])
    overdue = BooleanField(_l("Only with overdue deadlines"))
    sort = SelectField(_l("Sort"), choices=select_choices(SORTS.items()), default="newest", validators=[Optional()])

    def __init__(self, *args, country_choices, hub_choices, assignee_choices, **kwargs):
        super().__init__(*args, **kwargs)
        everything = _l("All")
        self.country.choices = select_choices([("", everything)] + country_choices)
        self.hub.choices = select_choices([("", everything)] + hub_choices)
        self.stage.choices = optional_enum(Stage, everything)
        self.sector.choices = optional_enum(Sector, everything)
        self.ip_right.choices = optional_enum(IPRight, everything)
        self.dispute_type.choices = optional_enum(DisputeType, everything)
        self.assignee.choices = select_choices([("", everything), ("me", _l("Me")), ("none", _l("Nobody"))]
                                               + assignee_choices)
