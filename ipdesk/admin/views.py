"""Admin pages: accounts, hubs, countries, reference data (rules, refusal reasons) and the audit log."""
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from ipdesk.admin.forms import (
    AuditFilterForm,
    CountryForm,
    HubForm,
    RegionForm,
    UserCreateForm,
    UserEditForm,
    UserFilterForm,
)
from ipdesk.audit.models import AuditEntry
from ipdesk.audit.summaries import personal_text, summary
from ipdesk.auth.models import Role, User
from ipdesk.auth.services import create_staff_user, set_user_active, update_user
from ipdesk.cases.models import Case
from ipdesk.companies.models import Company, CompanyStatus
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.i18n import all_country_codes, country_choices, start_of_day
from ipdesk.core.pagination import paginate
from ipdesk.core.views import form_error
from ipdesk.costs.forms import CostShareRuleForm
from ipdesk.costs.models import CostShareRule
from ipdesk.costs.services import save_cost_rule
from ipdesk.deadlines.forms import DeadlineRuleForm
from ipdesk.deadlines.models import DeadlineRule
from ipdesk.deadlines.services import save_rule
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub, Region
from ipdesk.network.services import (
    add_country,
    create_hub,
    network_regions,
    routed_hub_id,
    save_region,
    update_country,
    update_hub,
)
from ipdesk.notify.models import EmailStatus, Notification
from ipdesk.notify.services import retry_failed
from ipdesk.policy import get_country, get_hub, get_user, requires
from ipdesk.refusals.forms import RefusalReasonForm
from ipdesk.refusals.models import RefusalReason
from ipdesk.refusals.services import save_reason
from ipdesk.rights.offices import REGIONAL

bp = Blueprint("admin", __name__)


def _hub_choices(active_only: bool = False) -> list[tuple[int, str]]:
    stmt = sa.select(Hub).order_by(Hub.code)
    if active_only:
        stmt = stmt.where(Hub.is_active)
    return [(h.id, f"{h.name} ({h.city})") for h in db.session.scalars(stmt)]


@bp.get("/")
@login_required
@requires("admin.access")
def index():
    counts = {
        "users": db.session.scalar(sa.select(sa.func.count()).select_from(User)),
        "pending_companies": db.session.scalar(
            sa.select(sa.func.count()).where(Company.status == CompanyStatus.pending)),
        "hubs": db.session.scalar(sa.select(sa.func.count()).select_from(Hub)),
        "countries": db.session.scalar(sa.select(sa.func.count()).select_from(Country).where(Country.is_active)),
    }
    return render_template("admin/index.html", counts=counts)


# --- users -----------------------------------------------------------------------------------

@bp.get("/users")
@login_required
@requires("user.manage")
def users():
    form = UserFilterForm(request.args)
    stmt = sa.select(User).options(selectinload(User.company), selectinload(User.hubs)).order_by(User.name, User.id)
    if form.validate():
        if form.role.data:
            stmt = stmt.where(User.role == Role[form.role.data])
        if form.active.data:
            stmt = stmt.where(User.is_active == (form.active.data == "1"))
        if form.q.data:
            like = f"%{form.q.data.strip().lower()}%"
            stmt = stmt.where(sa.or_(sa.func.lower(User.name).like(like), User.email.like(like)))
    return render_template("admin/users.html", page=paginate(stmt), form=form)


@bp.route("/users/new", methods=["GET", "POST"])
@login_required
@requires("user.manage")
def create_user():
    form = UserCreateForm(hub_choices=_hub_choices(active_only=True))
    if form.validate_on_submit():
        try:
            user = create_staff_user(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/user_new.html")
        flash(_("The account for %(email)s is created.", email=user.email), "success")
        return redirect(url_for("admin.users"))
    return render_template("admin/user_new.html", form=form), 422 if form.errors else 200


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@login_required
@requires("user.manage")
def edit_user(user_id: int):
    user = get_user(user_id)
    form = UserEditForm(obj=user if request.method == "GET" else None, hub_choices=_hub_choices(),
                        is_exporter=user.is_exporter)
    if request.method == "GET":
        form.hub_ids.data = [h.id for h in user.hubs]
        form.role.data = user.role
    if form.validate_on_submit():
        check_version(user, form.version.data, url_for("admin.edit_user", user_id=user.id))
        try:
            update_user(user, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/user_edit.html", user=user)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.edit_user", user_id=user.id))
    return render_template("admin/user_edit.html", form=form, user=user), 422 if form.errors else 200


@bp.post("/users/<int:user_id>/active")
@login_required
@requires("user.manage")
def set_active(user_id: int):
    user = get_user(user_id)
    if request.form.get("active") not in ("0", "1"):
        abort(400)
    active = request.form["active"] == "1"
    try:
        set_user_active(user, active, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        flash(_("The account is active again.") if active else
              _("The account is deactivated and its sessions are ended."), "success")
    return redirect(url_for("admin.edit_user", user_id=user_id))


# --- hubs ------------------------------------------------------------------------------------

@bp.get("/hubs")
@login_required
@requires("hub.manage")
def hubs():
    hubs = db.session.scalars(
        sa.select(Hub).order_by(Hub.code)
        .options(selectinload(Hub.primary_countries), selectinload(Hub.secondary_countries))
    ).all()
    return render_template("admin/hubs.html", hubs=hubs)


@bp.route("/hubs/new", methods=["GET", "POST"])
@login_required
@requires("hub.manage")
def new_hub():
    form = HubForm()
    if form.validate_on_submit():
        try:
            create_hub(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/hub_form.html", hub=None)
        flash(_("The hub is created."), "success")
        return redirect(url_for("admin.hubs"))
    return render_template("admin/hub_form.html", form=form, hub=None), 422 if form.errors else 200


@bp.route("/hubs/<int:hub_id>", methods=["GET", "POST"])
@login_required
@requires("hub.manage")
def edit_hub(hub_id: int):
    hub = get_hub(hub_id)
    form = HubForm(obj=hub if request.method == "GET" else None)
    form.code.data = hub.code  # a hub's code never changes
    if form.validate_on_submit():
        check_version(hub, form.version.data, url_for("admin.edit_hub", hub_id=hub.id))
        try:
            update_hub(hub, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/hub_form.html", hub=hub)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.hubs"))
    return render_template("admin/hub_form.html", form=form, hub=hub), 422 if form.errors else 200


# --- countries -------------------------------------------------------------------------------

@bp.get("/countries")
@login_required
@requires("country.manage")
def countries():
    rows = db.session.scalars(
        sa.select(Country).options(selectinload(Country.primary_hub), selectinload(Country.secondary_hubs))
    ).all()
    rows.sort(key=lambda c: c.name)
    return render_template("admin/countries.html", countries=rows)


@bp.route("/countries/new", methods=["GET", "POST"])
@login_required
@requires("country.manage")
def new_country():
    taken = set(db.session.scalars(sa.select(Country.code)))
    form = CountryForm(country_choices=country_choices(c for c in all_country_codes() if c not in taken),
                       hub_choices=_hub_choices(active_only=True))
    if form.validate_on_submit():
        try:
            add_country(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/country_form.html", country=None)
        flash(_("The country is added to the network."), "success")
        return redirect(url_for("admin.countries"))
    return render_template("admin/country_form.html", form=form, country=None), 422 if form.errors else 200


@bp.route("/countries/<code>", methods=["GET", "POST"])
@login_required
@requires("country.manage")
def edit_country(code: str):
    country = get_country(code)
    form = CountryForm(obj=country if request.method == "GET" else None,
                       country_choices=[(country.code, country.name)], hub_choices=_hub_choices())
    if request.method == "GET":
        form.secondary_hub_ids.data = [h.id for h in country.secondary_hubs]
    form.code.data = country.code  # the code of an existing country never changes
    if form.validate_on_submit():
        check_version(country, form.version.data, url_for("admin.edit_country", code=country.code))
        try:
            update_country(country, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/country_form.html", country=country)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.countries"))
    return render_template("admin/country_form.html", form=form, country=country), 422 if form.errors else 200


# --- regions ---------------------------------------------------------------------------------

@bp.get("/regions")
@login_required
@requires("region.manage")
def regions():
    """The regions by country, with the hub their cases go to (the primary hub where none is set)."""
    rows = network_regions()
    groups: dict[str, list[Region]] = {}
    for region in rows:
        groups.setdefault(region.country_code, []).append(region)
    countries = sorted((rows_of[0].country for rows_of in groups.values()), key=lambda c: c.name)
    routed = {region.code: routed_hub_id(region.country, region) for region in rows}
    return render_template("admin/regions.html", countries=countries, groups=groups, routed=routed)


@bp.route("/regions/new", methods=["GET", "POST"])
@bp.route("/regions/<region_code>", methods=["GET", "POST"])
@login_required
@requires("region.manage")
def edit_region(region_code: str | None = None):
    region = db.session.get(Region, region_code) if region_code else None
    if region_code and region is None:
        abort(404)
    if region is None:
        codes = db.session.scalars(sa.select(Country.code)).all()
        hubs = _hub_choices(active_only=True)
    else:
        codes = [region.country_code]
        hubs = [(h.id, f"{h.name} ({h.city})") for h in region.country.hubs if h.is_active or h.id == region.hub_id]
    form = RegionForm(obj=region if request.method == "GET" else None, country_choices=country_choices(codes),
                      hub_choices=hubs)
    if region is not None:  # the code and the country stay as they are (cases name the region)
        del form.code, form.country_code
        if request.method == "GET":
            form.hub_id.data = region.hub_id or 0
    if form.validate_on_submit():
        if region is not None:
            check_version(region, form.version.data, url_for("admin.edit_region", region_code=region.code))
        try:
            saved = save_region(region, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/region_form.html", region=region)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.regions", _anchor=f"regions-{saved.country_code}"))
    return render_template("admin/region_form.html", form=form, region=region), 422 if form.errors else 200


# --- audit log -------------------------------------------------------------------------------

def _is_number(text: str) -> bool:
    """A row number as typed in a filter (short enough for every database's integer)."""
    return text.isdigit() and len(text) <= 9


@bp.get("/audit")
@login_required
@requires("audit.view")
def audit():
    """The audit log, newest first, filtered by who, what, which case and when; the filters are
    subqueries on indexed columns, so a page costs the same few queries whatever it shows."""
    form = AuditFilterForm(request.args)
    stmt = sa.select(AuditEntry).options(selectinload(AuditEntry.actor), selectinload(AuditEntry.case),
                                         selectinload(AuditEntry.personal_values)).order_by(
        AuditEntry.created_at.desc(), AuditEntry.id.desc())
    if form.validate():
        if who := (form.actor.data or "").strip():
            stmt = stmt.where(AuditEntry.actor_id == (
                int(who) if _is_number(who) else sa.select(User.id).where(User.email == who.lower()).scalar_subquery()))
        if form.action.data:
            stmt = stmt.where(AuditEntry.action.like(f"{form.action.data.strip()}%"))
        if case := (form.case.data or "").strip():
            stmt = stmt.where(AuditEntry.case_id == (
                int(case) if _is_number(case) else sa.select(Case.id).where(Case.reference == case.upper())
                .scalar_subquery()))
        if form.object_type.data:
            stmt = stmt.where(AuditEntry.object_type == form.object_type.data.strip())
        if form.date_from.data:  # days as the admin sees them, in their time zone
            stmt = stmt.where(AuditEntry.created_at >= start_of_day(form.date_from.data))
        if form.date_to.data:
            stmt = stmt.where(AuditEntry.created_at < start_of_day(form.date_to.data + timedelta(days=1)))
    page = paginate(stmt)
    return render_template("admin/audit.html", page=page, form=form, personal_text=personal_text,
                           summaries={entry.id: summary(entry) for entry in page.items})


# --- deadline rules --------------------------------------------------------------------------

def _jurisdictions() -> list[tuple[str, str]]:
    codes = db.session.scalars(sa.select(Country.code)).all()
    return [*((code, str(label)) for code, label in REGIONAL.items()), *country_choices(codes)]


@bp.get("/deadline-rules")
@login_required
@requires("deadline_rule.manage")
def deadline_rules():
    rules = db.session.scalars(sa.select(DeadlineRule).order_by(DeadlineRule.jurisdiction,
                                                                DeadlineRule.procedure_en)).all()
    return render_template("admin/deadline_rules.html", rules=rules)


@bp.route("/deadline-rules/new", methods=["GET", "POST"])
@bp.route("/deadline-rules/<int:rule_id>", methods=["GET", "POST"])
@login_required
@requires("deadline_rule.manage")
def edit_deadline_rule(rule_id: int | None = None):
    rule = db.session.get(DeadlineRule, rule_id) if rule_id else None
    if rule_id and rule is None:
        abort(404)
    form = DeadlineRuleForm(obj=rule if request.method == "GET" else None, jurisdiction_choices=_jurisdictions())
    if form.validate_on_submit():
        if rule is not None:
            check_version(rule, form.version.data, url_for("admin.edit_deadline_rule", rule_id=rule.id))
        try:
            save_rule(rule, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/deadline_rule_form.html", rule=rule)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.deadline_rules"))
    return render_template("admin/deadline_rule_form.html", form=form, rule=rule), 422 if form.errors else 200


@bp.get("/cost-rules")
@login_required
@requires("cost_rule.manage")
def cost_rules():
    rules = db.session.scalars(sa.select(CostShareRule).order_by(CostShareRule.company_size)).all()
    return render_template("admin/cost_rules.html", rules=rules)


@bp.route("/cost-rules/new", methods=["GET", "POST"])
@bp.route("/cost-rules/<int:cost_rule_id>", methods=["GET", "POST"])
@login_required
@requires("cost_rule.manage")
def edit_cost_rule(cost_rule_id: int | None = None):
    rule = db.session.get(CostShareRule, cost_rule_id) if cost_rule_id else None
    if cost_rule_id and rule is None:
        abort(404)
    form = CostShareRuleForm(obj=rule if request.method == "GET" else None)
    if request.method == "GET" and rule is not None:
        form.version.data = rule.version
    if form.validate_on_submit():
        if rule is not None:
            check_version(rule, form.version.data, url_for("admin.edit_cost_rule", cost_rule_id=rule.id))
        try:
            save_cost_rule(rule, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/cost_rule_form.html", rule=rule)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.cost_rules"))
    return render_template("admin/cost_rule_form.html", form=form, rule=rule), 422 if form.errors else 200


# --- refusal reasons -------------------------------------------------------------------------

@bp.get("/refusal-reasons")
@login_required
@requires("refusal_reason.manage")
def refusal_reasons():
    reasons = db.session.scalars(sa.select(RefusalReason).order_by(RefusalReason.scope, ~RefusalReason.is_active,
                                                                   RefusalReason.label_en)).all()
    return render_template("admin/refusal_reasons.html", reasons=reasons)


@bp.route("/refusal-reasons/new", methods=["GET", "POST"])
@bp.route("/refusal-reasons/<int:reason_id>", methods=["GET", "POST"])
@login_required
@requires("refusal_reason.manage")
def edit_refusal_reason(reason_id: int | None = None):
    reason = db.session.get(RefusalReason, reason_id) if reason_id else None
    if reason_id and reason is None:
        abort(404)
    form = RefusalReasonForm(obj=reason if request.method == "GET" else None)
    if reason is not None:  # what it is given for and its code stay as they are (refusals are counted by them)
        del form.scope, form.code
    if form.validate_on_submit():
        if reason is not None:
            check_version(reason, form.version.data, url_for("admin.edit_refusal_reason", reason_id=reason.id))
        try:
            save_reason(reason, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "admin/refusal_reason_form.html", reason=reason)
        flash(_("Saved."), "success")
        return redirect(url_for("admin.refusal_reasons"))
    return render_template("admin/refusal_reason_form.html", form=form, reason=reason), 422 if form.errors else 200


# --- the outbox ----------------------------------------------------------------------------

@bp.get("/outbox")
@login_required
@requires("outbox.manage")
def outbox():
    """How many e-mails wait, were sent or were given up, and the ones that had trouble."""
    counts = dict(db.session.execute(
        sa.select(Notification.email_status, sa.func.count()).group_by(Notification.email_status)).all())
    stmt = (sa.select(Notification).options(selectinload(Notification.user))
            .where(Notification.email_status.in_([EmailStatus.failed, EmailStatus.pending, EmailStatus.sending]),
                   Notification.attempts > 0)
            .order_by(Notification.email_status, Notification.id.desc()))
    return render_template("admin/outbox.html", counts=counts, statuses=list(EmailStatus), page=paginate(stmt),
                           failed=counts.get(EmailStatus.failed, 0))


@bp.post("/outbox/retry")
@login_required
@requires("outbox.manage")
def retry_outbox():
    count = retry_failed(current_user)
    flash(_("%(count)d e-mails will be tried again.", count=count), "success")
    return redirect(url_for("admin.outbox"))

