"""Recording administrative actions, suits and hearings on a case, and editing them later."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.actions.forms import ActionForm, HearingForm, LitigationForm
from ipdesk.actions.models import AdministrativeAction, Litigation
from ipdesk.actions.services import (
    add_action,
    add_hearing,
    add_litigation,
    rules_for,
    update_action,
    update_litigation,
)
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.i18n import date_text
from ipdesk.core.views import attach_error, form_error
from ipdesk.extensions import db
from ipdesk.policy import get_case

bp = Blueprint("actions", __name__)


def _owned(model, object_id: int, case):
    """A record of ``case``; another case's record is not found here."""
    obj = db.session.get(model, object_id)
    if obj is None or obj.case_id != case.id:
        abort(404)
    return obj


@bp.route("/cases/<int:case_id>/actions", methods=["GET", "POST"])
@login_required
def add(case_id: int):
    case = get_case(case_id, "action.record")
    form = ActionForm(rules=rules_for(case))
    if form.validate_on_submit():
        try:
            action = add_action(case, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "actions/new_action.html", case=case)
        flash(_("The action is recorded: %(kind)s.", kind=action.kind.title), "success")
        if action.deadline is not None:
            flash(_("Deadline computed from the rule: %(date)s.", date=date_text(action.deadline.due_on)), "info")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="actions"))
    return render_template("actions/new_action.html", form=form, case=case), 422 if form.errors else 200


@bp.route("/cases/<int:case_id>/actions/<int:action_id>", methods=["GET", "POST"])
@login_required
def edit(case_id: int, action_id: int):
    case = get_case(case_id, "action.record")
    action = _owned(AdministrativeAction, action_id, case)
    form = ActionForm(obj=action if request.method == "GET" else None, rules=rules_for(case))
    if request.method == "GET":
        form.version.data = action.version
        form.deadline_rule_id.data = action.deadline.rule_id if action.deadline else None
    context = {"case": case, "action": action}
    if form.validate_on_submit():
        check_version(action, form.version.data, url_for("actions.edit", case_id=case.id, action_id=action.id))
        try:
            update_action(action, case, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "actions/action_form.html", **context)
        flash(_("The action is saved."), "success")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="actions"))
    return render_template("actions/action_form.html", form=form, **context), 422 if form.errors else 200


@bp.route("/cases/<int:case_id>/litigation", methods=["GET", "POST"])
@login_required
def add_suit(case_id: int):
    case = get_case(case_id, "action.record")
    form = LitigationForm()
    if form.validate_on_submit():
        try:
            add_litigation(case, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "actions/new_suit.html", case=case)
        flash(_("The suit is recorded."), "success")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="litigation"))
    return render_template("actions/new_suit.html", form=form, case=case), 422 if form.errors else 200


@bp.route("/cases/<int:case_id>/litigation/<int:suit_id>", methods=["GET", "POST"])
@login_required
def edit_suit(case_id: int, suit_id: int):
    case = get_case(case_id, "action.record")
    suit = _owned(Litigation, suit_id, case)
    form = LitigationForm(obj=suit if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = suit.version
    context = {"case": case, "suit": suit, "hearing_form": HearingForm(formdata=None)}
    if form.validate_on_submit():
        check_version(suit, form.version.data, url_for("actions.edit_suit", case_id=case.id, suit_id=suit.id))
        try:
            update_litigation(suit, case, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "actions/litigation_form.html", **context)
        flash(_("The suit is saved."), "success")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="litigation"))
    return render_template("actions/litigation_form.html", form=form, **context), 422 if form.errors else 200


@bp.post("/cases/<int:case_id>/litigation/<int:suit_id>/hearings")
@login_required
def hearing(case_id: int, suit_id: int):
    case = get_case(case_id, "action.record")
    suit = _owned(Litigation, suit_id, case)
    form = HearingForm()
    if form.validate_on_submit():
        try:
            add_hearing(suit, case, form.data, current_user)
        except ServiceError as error:
            attach_error(form, error.message, error.field)
        else:
            flash(_("Hearing of %(date)s added.", date=date_text(form.held_on.data)), "success")
            return redirect(url_for("actions.edit_suit", case_id=case.id, suit_id=suit.id, _anchor="hearings"))
    suit = _owned(Litigation, suit_id, get_case(case_id))
    shown = LitigationForm(obj=suit)
    shown.version.data = suit.version
    return render_template("actions/litigation_form.html", form=shown, case=case, suit=suit,
                           hearing_form=form), 422
