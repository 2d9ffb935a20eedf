"""Adding and removing the costs of a case."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import local_today
from ipdesk.core.views import form_error
from ipdesk.costs.forms import CostForm
from ipdesk.costs.models import Cost
from ipdesk.costs.services import record_cost, remove_cost
from ipdesk.extensions import db
from ipdesk.policy import get_case

bp = Blueprint("costs", __name__)


@bp.route("/cases/<int:case_id>/costs", methods=["GET", "POST"])
@login_required
def add(case_id: int):
    case = get_case(case_id, "cost.record")
    form = CostForm()
    if request.method == "GET":
        form.incurred_on.data = local_today()
    if form.validate_on_submit():
        try:
            record_cost(case, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "costs/new_cost.html", case=case)
        flash(_("The cost is added."), "success")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="costs"))
    return render_template("costs/new_cost.html", form=form, case=case), 422 if form.errors else 200


@bp.post("/cases/<int:case_id>/costs/<int:cost_id>/remove")
@login_required
def remove(case_id: int, cost_id: int):
    case = get_case(case_id, "cost.record")
    cost = db.session.get(Cost, cost_id)
    if cost is None or cost.case_id != case.id:
        abort(404)
    try:
        remove_cost(cost, case, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
    else:
        flash(_("The cost is removed."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="costs"))
