"""Case pages: the list and its export, intake, the case page and the actions on it."""

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup
from sqlalchemy.orm import joinedload

from ipdesk.audit.services import log_event
from ipdesk.auth.models import Role, User
from ipdesk.cases.closing import open_among, open_items
from ipdesk.cases.forms import (
    AssignForm,
    CaseFilterForm,
    ConsultationForm,
    IntakeForm,
    MessageForm,
    TransferForm,
    move_form,
)
from ipdesk.cases.listing import case_count, case_query, export_csv, row_key, with_list_columns
from ipdesk.cases.models import Case, CaseTransfer, Stage
from ipdesk.cases.record import load_case_record
from ipdesk.cases.services import (
    add_consultation,
    assign_case,
    assignable_staff,
    create_case,
    move_case,
    post_message,
    transfer_case,
    update_case,
)
from ipdesk.cases.stages import BY_NAME, REQUIRED_FOR_SUBMISSION, missing_for_submission, transitions_for
from ipdesk.companies.models import Company, CompanyStatus
from ipdesk.companies.services import company_choices
from ipdesk.core.db import takes_files
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.forms import select_choices
from ipdesk.core.fragments import form_key, render_kept
from ipdesk.core.i18n import country_choices, date_text, local_today
from ipdesk.core.pagination import paginate
from ipdesk.core.views import attach_error, form_error
from ipdesk.costs.services import case_subsidy
from ipdesk.education.guides import guides_for_countries, suggested_guides
from ipdesk.enquiries.listing import enquiry_of_case
from ipdesk.evidence.services import add_intake_files
from ipdesk.evidence.staging import files_of_form
from ipdesk.evidence.uploads import UploadRefused
from ipdesk.extensions import db
from ipdesk.infringers.services import case_panel
from ipdesk.network.models import Country, Hub
from ipdesk.network.services import region_choices
from ipdesk.policy import can, get_case, get_company, hub_ids, requires
from ipdesk.refusals.models import RefusalScope
from ipdesk.refusals.services import active_reasons
from ipdesk.rights.forms import DismissForm
from ipdesk.rights.services import case_rights, case_warning, company_rights, dismissal_of, right_choices, right_label

bp = Blueprint("cases", __name__)


# --- the list ------------------------------------------------------------------------------

def _filter_form() -> tuple[CaseFilterForm, tuple]:
    """The list's filter form on the request's parameters, and what it was made of: the key of its kept HTML."""
    own = hub_ids(current_user)
    hubs = sorted(db.session.scalars(sa.select(Hub)), key=lambda hub: (hub.id not in own, hub.name))  # theirs first
    codes = tuple(db.session.scalars(sa.select(Country.code)))
    staff = ()
    if current_user.role is not Role.exporter:
        staff = tuple((str(user_id), name) for user_id, name in db.session.execute(
            sa.select(User.id, User.name).where(User.role == Role.staff, User.is_active).order_by(User.name)))
    hub_choices = tuple((h.id, h.name) for h in hubs)
    form = CaseFilterForm(request.args, country_choices=country_choices(codes), hub_choices=list(hub_choices),
                          assignee_choices=list(staff))
    asked = tuple((name, value) for name, value in request.args.items(multi=True) if name in form._fields)
    return form, (current_user.is_exporter, codes, hub_choices, staff, asked)


@bp.get("/cases")
@login_required
@requires("case.list")
def list_cases():
    form, made_of = _filter_form()
    form.validate()
    stmt = case_query(current_user, form)
    page = paginate(with_list_columns(stmt), counter=lambda: case_count(current_user, form, stmt))
    # the form's HTML follows from what it was made of (its errors too: they follow from what was asked)
    return render_template("cases/list.html", page=page, form=form, filter_key=made_of, row_key=row_key)


@bp.get("/cases/export.csv")
@login_required
@requires("case.export")
def export_cases():
    form, _made_of = _filter_form()
    form.validate()
    stmt = case_query(current_user, form)
    # The chain holds the filters the form accepted (codes, ids, dates), never other parameters; the search
    # text may name a person, so it is kept where it can be erased.
    filters = {name: request.args[name] for name, field in form._fields.items()
               if name in request.args and name != "q" and not field.errors}
    log_event("case.exported", actor=current_user, data={"filters": filters},
              personal={"search": request.args.get("q", "")[:200] or None})
    # streamed as the rows are read, after the audit entry is committed (the commit point runs before the body)
    return Response(stream_with_context(export_csv(stmt, staff_view=current_user.is_staff_side)),
                    mimetype="text/csv", headers={"Content-Disposition": "attachment; filename=ipdesk-cases.csv"})


# --- intake --------------------------------------------------------------------------------

def _intake_form(case: Case | None = None, **kwargs) -> IntakeForm:
    company = None
    if current_user.role is Role.exporter:
        companies = [(current_user.company_id, current_user.company.name)]
    elif case is not None:  # the company of a case never changes, and its menu is not shown
        companies = company_choices(case.company_id, approved=False)
    elif request.method == "POST":  # a submission is checked against the company chosen, not the whole menu
        chosen = request.form.get("company_id", "")
        if chosen.isdigit() and len(chosen) < 12:
            company = db.session.scalar(sa.select(Company).where(Company.id == int(chosen),
                                                                 Company.status == CompanyStatus.approved))
        # its name as the menu shows it; the object stays referenced for the request, so the access check
        # that files the case finds it in the session instead of reading it again
        companies = [(company.id, f"{company.name_ko} · {company.name_en}")] if company is not None else []
    else:
        companies = company_choices()
    country = None
    if request.method == "POST":
        country, places = _chosen_places()
    else:
        places = _places(case)
    if current_user.role is Role.exporter:
        owner = current_user.company_id
    else:
        owner = case.company_id if case is not None else (company.id if company is not None else None)
    if request.method == "POST":  # checked against the rights chosen, not the whole register
        chosen = [int(value) for value in request.form.getlist("rights") if value.isdigit() and len(value) < 12]
        rights = company_rights(owner, among=chosen) if owner and chosen else []
    else:
        rights = company_rights(owner) if owner else []
    form = IntakeForm(obj=case if request.method == "GET" else None, company_choices=companies, **places,
                      right_choices=[(right.id, right_label(right)) for right in rights], **kwargs)
    if request.method == "GET" and case is not None:
        form.rights.data = [right.id for right in case_rights(case.id)]
    form.rights_owner, form.offered_rights = owner, rights
    # held for the request: the session keeps loaded objects only while something refers to them, and the
    # service that files the case looks the country (and its hub) and the company up again
    form.chosen_country, form.chosen_company = country, company
    return form


def _places(case: Case | None) -> dict:
    """The menus of active countries and of their regions; a submitted case keeps its country, so its menu of
    regions offers that country's alone."""
    codes = db.session.scalars(sa.select(Country.code).where(Country.is_active)).all()
    region_codes = [case.country_code] if case is not None and case.stage is not Stage.draft else codes
    return {"country_choices": country_choices(codes), "region_choices": region_choices(region_codes)}


def _chosen_places() -> tuple[Country | None, dict]:
    """A submission is checked against the country and region chosen, not the whole menus (make bench): the
    country is loaded with its hub for the routing that follows, and a region chosen with its country's."""
    chosen = request.form.get("country_code", "")
    country = db.session.scalar(sa.select(Country).where(Country.code == chosen, Country.is_active)
                                .options(joinedload(Country.primary_hub))) if chosen else None
    if country is None:
        return None, {"country_choices": []}
    regions = region_choices([country.code]) if request.form.get("infringer_region_code") else []
    return country, {"country_choices": country_choices([country.code]), "region_choices": regions}


def _show_intake(form: IntakeForm, case: Case | None, status: int, staged=()):
    """The intake page again (errors, kept input), its menus whole again after a submission narrowed them."""
    if request.method == "POST":  # the choices typed stay selected
        form.offer_places(**_places(case))
        form.rights.choices = right_choices(form.rights_owner)
        if case is None and current_user.role is not Role.exporter:
            form.company_id.choices = select_choices(company_choices())
    return render_template("cases/intake.html", form=form, case=case, staged=staged,
                           to_submit=REQUIRED_FOR_SUBMISSION, guide_links=_guide_links()), status


def _guide_links() -> dict[str, list[tuple[str, str]]]:
    """Each country's published guides as (title, address): the intake links those of the country chosen."""
    return {code: [(title, url_for("education.view_guide", guide_id=guide_id)) for guide_id, title in guides]
            for code, guides in guides_for_countries().items()}


@bp.route("/cases/new", methods=["GET", "POST"])
@login_required
@requires("case.create")
@takes_files
def new_case():
    form = _intake_form()
    if current_user.role is Role.exporter:
        form.company_id.data = current_user.company_id
    valid = form.validate_on_submit()
    if valid and not form.company_id.data:
        form.company_id.errors = [*form.company_id.errors, _("Choose the company you are filing for.")]
        valid = False
    staged, refused = files_of_form(form.files, current_user) if form.is_submitted() else ([], None)
    if valid and not refused:
        company = get_company(form.company_id.data, "company.view")
        try:
            case = create_case(company, form.data, current_user)
            add_intake_files(case, (), current_user, staged)
            if form.wants_submission:
                move_case(case, "submit", current_user)
        except PermissionError:
            abort(403)
        except (ServiceError, UploadRefused) as error:
            _field_error(form, error)
            return _show_intake(form, None, _error_status(error), staged)
        _flash_saved(case, form)
        return redirect(url_for("cases.view_case", case_id=case.id))
    # a refused upload refuses the request, so no draft could be saved by it: the files kept are staged (they
    # outlive the refusal) and go with the form when it is sent again
    if staged and not refused and (draft := _draft_for_files(form, staged)) is not None:
        return _show_intake(form, draft, 200, ())
    return _show_intake(form, None, refused or (422 if form.is_submitted() else 200), staged)


def _draft_for_files(form: IntakeForm, staged) -> Case | None:
    """A first intake sent back with errors but carrying files is saved as a draft with what it got right, so
    its files have a home (the user is told); None when even a draft cannot be made (no title, country or
    company), and the files stay staged. The page then shows the draft's form with the errors and what was
    typed, the files filed with it."""
    usable = {name: field.data for name, field in form._fields.items() if not field.errors}
    if form.damages_currency.errors:  # an amount without its currency is not kept either
        usable.pop("damages_amount", None)
    company_id = current_user.company_id if current_user.role is Role.exporter else usable.get("company_id")
    if not (usable.get("title") or "").strip() or not usable.get("country_code") or not company_id:
        return None
    company = get_company(company_id, "company.view")
    try:
        draft = create_case(company, usable, current_user)
        add_intake_files(draft, (), current_user, staged)
    except (ServiceError, UploadRefused):
        return None
    form.version.data = draft.version
    flash(_("Your report is saved as a draft so the files you attached are kept. Complete the marked fields, "
            "then submit it."), "warning")
    return draft


@bp.route("/cases/<int:case_id>/edit", methods=["GET", "POST"])
@login_required
@takes_files
def edit_case(case_id: int):
    case = get_case(case_id, "case.edit")
    if case.stage not in (Stage.draft, Stage.returned):
        flash(_("Only a draft or a case returned for information can be edited."), "warning")
        return redirect(url_for("cases.view_case", case_id=case.id))
    form = _intake_form(case)
    form.company_id.data = case.company_id  # the company of a case never changes
    if request.method == "GET":
        form.version.data = case.version
    valid = form.validate_on_submit()
    staged, refused = files_of_form(form.files, current_user, case) if form.is_submitted() else ([], None)
    if valid and not refused:
        check_version(case, form.version.data, url_for("cases.edit_case", case_id=case.id))
        try:
            update_case(case, form.data, current_user)
            add_intake_files(case, (), current_user, staged)
            if form.wants_submission:
                move_case(case, "submit" if case.stage is Stage.draft else "resubmit", current_user)
        except PermissionError:
            abort(403)
        except (ServiceError, UploadRefused) as error:
            _field_error(form, error)
            return _show_intake(form, case, _error_status(error), staged)
        _flash_saved(case, form)
        return redirect(url_for("cases.view_case", case_id=case.id))
    return _show_intake(form, case, refused or (422 if form.errors else 200), staged)


def _error_status(error) -> int:
    return error.status if isinstance(error, UploadRefused) else 422


def _field_error(form, error) -> None:
    if isinstance(error, UploadRefused):
        attach_error(form, error.message, "files")
    else:
        attach_error(form, error.message, error.field)


def _flash_saved(case: Case, form: IntakeForm) -> None:
    if case.stage is Stage.draft:
        flash(_("The draft is saved. Submit it when it is complete."), "success")
    else:
        flash(_("Case %(ref)s is submitted to %(hub)s.", ref=case.reference, hub=case.hub.name), "success")
    chosen = [right for right in form.offered_rights if right.id in (form.rights.data or ())]
    if case.stage is not Stage.draft and (warning := case_warning(case, chosen, local_today())):
        flash(_("%(warning)s The IP centre will advise you.", warning=warning.message), "warning")


# --- the case page -------------------------------------------------------------------------

@bp.get("/cases/<int:case_id>")
@login_required
def view_case(case_id: int):
    case = get_case(case_id)
    return case_page(case)


def _case_reasons(transitions) -> list[tuple[int, str]]:
    """The active reasons for refusing a case, when one of ``transitions`` is a refusal (else no query)."""
    if not any(t.needs_reason for t in transitions):
        return []
    return [(reason.id, reason.label) for reason in active_reasons(RefusalScope.case)]


def _evidence_table(case: Case, record) -> Markup:
    """The evidence table, rendered once per everything it shows: its rows' values (and the names of who added and
    handled them), the viewer's language and zone, and whether they may record custody. The 50 items and files of
    a large case took a fifth of the page's time to render."""
    may_record_custody = can(current_user, "evidence.custody", case)
    names = record.names
    key = (may_record_custody, case.id, case.country_code, tuple(
        (item.id, item.kind.name, item.description, item.source, item.collected_on, item.collected_by,
         names.get(item.created_by_id), tuple(
             (f.id, f.original_name, f.content_type, f.size, f.width, f.height, names.get(f.uploaded_by_id),
              f.uploaded_at, f.sha256, tuple(
                  (e.id, e.created_at, e.kind.name, names.get(record.custody_actor(e)), e.note)
                  for e in record.custody_by_file.get(f.id, [])))
             for f in record.files_by_item.get(item.id, [])))
        for item in record.evidence))
    return render_kept("cases/_evidence_table.html", key, case=case, record=record, evidence=record.evidence,
                       files_by_item=record.files_by_item, custody=record.custody_by_file, names=names,
                       may_record_custody=may_record_custody)


def _moves_key(case: Case, moves) -> tuple:
    """What the moves panel shows (``{% kept %}`` in cases/case.html): each move, why it is refused and whether
    its remedy is offered, and its form."""
    return (case.id, tuple(
        (t.name, str(refusal) if refusal else None,
         bool(refusal and t.remedy and can(current_user, t.remedy.permission, case)), form_key(form))
        for t, refusal, form in moves))


def _timeline_key(case: Case, record) -> tuple:
    """What the timeline shows (``{% kept %}`` in cases/case.html): when and by whom the case was started, and each
    stage change and transfer with who made it and the names it shows."""
    names = record.names
    return (case.id, case.country_code, case.created_at, case.created_by.name, tuple(
        ("transfer", e.id, e.created_at, names.get(e.actor_id), e.from_hub.name, e.to_hub.name, e.reason)
        if isinstance(e, CaseTransfer) else
        ("change", e.id, e.created_at, names.get(e.actor_id), e.from_stage, e.to_stage, e.outcome,
         e.reason.label if e.reason else None, e.note)
        for e in record.timeline))


def case_page(case: Case, status: int = 200, **forms):
    record = load_case_record(case, current_user)
    allowed_moves = transitions_for(current_user, case)
    reasons = _case_reasons(t for t, _refusal in allowed_moves)
    still_open = open_among(record.actions, record.suits, record.deadlines)
    moves = [(t, refusal, forms.get(f"move_{t.name}") or move_form(t, reasons=reasons, open_items=still_open,
                                                                   formdata=None, transition=t.name,
                                                                   version=case.version))
             for t, refusal in allowed_moves]
    context = {
        "case": case, "record": record, "messages": record.messages, "timeline": record.timeline,
        "evidence": record.evidence, "names": record.names, "consultations": record.consultations, "moves": moves,
        "staff_side": record.staff_side, "files_by_item": record.files_by_item, "custody": record.custody_by_file,
        "deadlines": record.deadlines, "today": local_today(),
        "evidence_table": _evidence_table(case, record) if record.evidence else None,
        "missing": [str(getattr(IntakeForm, name).args[0]) for name in missing_for_submission(case)]
        if case.stage in (Stage.draft, Stage.returned) else [],
        "message_form": forms.get("message_form") or MessageForm(formdata=None),
        "actions": record.actions, "suits": record.suits, "subsidy": case_subsidy(case),
        "infringers": case_panel(case) if record.staff_side else None,  # records span companies: staff side only
        # actions, suits and costs are recorded on their own pages, linked from here
        "may_record": can(current_user, "action.record", case) and case.stage not in (Stage.draft, Stage.closed),
        "moves_key": _moves_key(case, moves), "timeline_key": _timeline_key(case, record), "form_key": form_key,
        "enquiry": enquiry_of_case(case, current_user),
        "guides": suggested_guides(case) if case.stage is not Stage.draft else [],  # the intake links them
    }
    context.update(_rights_part(case, forms.get("dismiss_form")))
    if can(current_user, "case.assign", case) and case.stage.is_open:  # never a draft's, nor a closed case's
        context["assign_form"] = forms.get("assign_form") or AssignForm(
            formdata=None, assignee_id=case.assignee_id or 0, version=case.version,
            staff_choices=[(u.id, u.name) for u in assignable_staff(case)])
        context["may_transfer"] = bool(_other_hubs(case))
    return render_template("cases/case.html", **context), status


def _rights_part(case: Case, dismiss_form=None) -> dict:
    """The rights the case relies on, the enforceability warning they give, and its dismissal by staff (which
    holds while the warning gives the same reason)."""
    rights = case_rights(case.id)
    warning = case_warning(case, rights, local_today())
    dismissal = dismissal_of(case.id, warning)
    part = {"rights": rights, "warning": warning, "dismissal": dismissal}
    if warning is not None and dismissal is None and can(current_user, "enforceability.dismiss", case):
        part["dismiss_form"] = dismiss_form or DismissForm(formdata=None, code=warning.code)
    return part


@bp.post("/cases/<int:case_id>/move")
@login_required
def move(case_id: int):
    case = get_case(case_id, "case.move")
    transition = BY_NAME.get(request.form.get("transition", ""))
    if transition is None:
        abort(400)
    # the service checks the outcome and reason fit the transition; the form offers only those that do
    form = move_form(transition, reasons=_case_reasons([transition]),
                     open_items=open_items(case) if transition.asks_ends else None)
    if not form.validate_on_submit():  # what was typed and chosen comes back with the errors
        return case_page(case, 422, **{f"move_{transition.name}": form})
    check_version(case, form.version.data, url_for("cases.view_case", case_id=case.id))
    try:
        move_case(case, transition.name, current_user, note=form.note.data or "", outcome=form.outcome.data,
                  reason_id=form.reason_id.data, ends={name: form[name].data for name in form.end_names})
    except PermissionError:
        abort(403)
    except ServiceError as error:
        _field_error(form, error)
        flash(error.message, "danger")
        return case_page(case, 422, **{f"move_{transition.name}": form})
    flash(_("Case %(ref)s: %(stage)s.", ref=case.display_reference, stage=case.stage.title), "success")
    return redirect(url_for("cases.view_case", case_id=case.id))


@bp.post("/cases/<int:case_id>/assign")
@login_required
def assign(case_id: int):
    case = get_case(case_id, "case.assign")
    form = AssignForm(staff_choices=[(u.id, u.name) for u in assignable_staff(case)])
    if not form.validate_on_submit():
        return case_page(case, 422, assign_form=form)
    check_version(case, form.version.data, url_for("cases.view_case", case_id=case.id))
    assignee = db.session.get(User, form.assignee_id.data) if form.assignee_id.data else None
    try:
        assign_case(case, assignee, current_user)
    except ServiceError as error:
        return case_page(case, 422, assign_form=_with_error(form, error))
    flash(_("Assigned to %(name)s.", name=assignee.name) if assignee else _("Nobody is assigned now."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id))


@bp.route("/cases/<int:case_id>/transfer", methods=["GET", "POST"])
@login_required
def transfer(case_id: int):
    case = get_case(case_id, "case.transfer")
    if not case.stage.is_open and request.method == "GET":  # a form sent anyway comes back with the reason
        flash(_("A closed case is neither assigned nor transferred; reopen it first."), "warning")
        return redirect(url_for("cases.view_case", case_id=case.id))
    form = TransferForm(hub_choices=[(h.id, h.name) for h in _other_hubs(case)])
    if request.method == "GET":
        form.version.data = case.version
    if form.validate_on_submit():
        check_version(case, form.version.data, url_for("cases.transfer", case_id=case.id))
        hub = db.session.get(Hub, form.hub_id.data)
        try:
            transfer_case(case, hub, form.reason.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "cases/transfer.html", case=case)
        flash(_("The case is transferred to %(hub)s.", hub=hub.name), "success")
        if can(current_user, "case.view", case):
            return redirect(url_for("cases.view_case", case_id=case.id))
        return redirect(url_for("cases.list_cases"))
    return render_template("cases/transfer.html", form=form, case=case), 422 if form.errors else 200


def _other_hubs(case: Case) -> list[Hub]:
    """The active hubs besides the case's own that cover its country: where it may be transferred."""
    return [h for h in case.country.hubs if h.id != case.hub_id and h.is_active]


@bp.post("/cases/<int:case_id>/messages")
@login_required
def message(case_id: int):
    case = get_case(case_id, "case.message")
    form = MessageForm()
    if not form.validate_on_submit():
        return case_page(case, 422, message_form=form)
    internal = bool(form.internal.data) and can(current_user, "message.internal", case)
    post_message(case, form.body.data, current_user, internal=internal)
    flash(_("Your internal note is saved.") if internal else _("Your message is sent."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="messages"))


@bp.route("/cases/<int:case_id>/consultations", methods=["GET", "POST"])
@login_required
def consultation(case_id: int):
    case = get_case(case_id, "consultation.add")
    form = ConsultationForm()
    if form.validate_on_submit():
        try:
            add_consultation(case, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "cases/new_consultation.html", case=case)
        flash(_("The consultation of %(date)s is recorded.", date=date_text(form.consulted_on.data)), "success")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="consultations"))
    return render_template("cases/new_consultation.html", form=form, case=case), 422 if form.errors else 200


def _with_error(form, error: ServiceError):
    _field_error(form, error)
    return form
