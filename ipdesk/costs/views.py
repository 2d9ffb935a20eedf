"""Adding and removing the costs of a case."""
from flask import Blueprint, abort, flash, redirect, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.core.errors import ServiceError
from ipdesk.core.views import attach_error
from ipdesk.costs.forms import CostForm
from ipdesk.costs.models import Cost
from ipdesk.costs.services import record_cost, remove_cost
from ipdesk.extensions import db
from ipdesk.policy import get_case

bp = Blueprint("costs", __name__)


@bp.post("/cases/<int:case_id>/costs")
@login_required
def add(case_id: int):
    from ipdesk.cases.views import case_page

    case = get_case(case_id, "case.cost")
    form = CostForm()
    if not form.validate_on_submit():
        return case_page(case, 422, cost_form=form)
    try:
        record_cost(case, form.data, current_user)
    except ServiceError as error:
        db.session.rollback()
        if error.field:
            attach_error(form, error.message, error.field)
        else:
            flash(error.message, "danger")
        return case_page(get_case(case_id), 422, cost_form=form)
    flash(_("The cost is added."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="costs"))


@bp.post("/cases/<int:case_id>/costs/<int:cost_id>/remove")
@login_required
def remove(case_id: int, cost_id: int):
    case = get_case(case_id, "case.cost")
    cost = db.session.get(Cost, cost_id)
    if cost is None or cost.case_id != case.id:
        abort(404)
    try:
        remove_cost(cost, case, current_user)
    except ServiceError as error:
        db.session.rollback()
        flash(error.message, "danger")
    else:
        flash(_("The cost is removed."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="costs"))
