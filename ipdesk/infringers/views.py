"""Infringer records: the list, a record and its cases, the form, and linking records to cases."""
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.cases.views import case_page
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.pagination import paginate
from ipdesk.core.urls import id_arg
from ipdesk.core.views import form_error
from ipdesk.infringers.forms import InfringerForm, LinkForm
from ipdesk.infringers.services import (
    create_infringer,
    infringer_data_from_case,
    link_case,
    link_counts,
    linked_cases,
    search,
    unlink_case,
    update_infringer,
)
from ipdesk.policy import authorize, get_case, get_infringer, requires

bp = Blueprint("infringers", __name__)


@bp.get("/infringers")
@login_required
@requires("infringer.view")
def list_infringers():
    query = request.args.get("q", "")[:200]
    # Opened from a case ("find a record to link"): each row offers to link it to that case.
    case_id = id_arg("case")
    case = get_case(case_id, "infringer.link") if case_id else None
    page = paginate(search(query))
    return render_template("infringers/list.html", page=page, query=query, case=case,
                           counts=link_counts(i.id for i in page.items))


@bp.get("/infringers/<int:infringer_id>")
@login_required
def view_infringer(infringer_id: int):
    infringer = get_infringer(infringer_id)
    cases, hidden = linked_cases(infringer, current_user)
    return render_template("infringers/detail.html", infringer=infringer, cases=cases, hidden=hidden)


@bp.route("/infringers/new", methods=["GET", "POST"])
@login_required
@requires("infringer.manage")
def new_infringer():
    form = InfringerForm()
    if form.validate_on_submit():
        try:
            infringer = create_infringer(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "infringers/form.html", infringer=None)
        flash(_("The record of %(name)s is saved.", name=infringer.name), "success")
        return redirect(url_for("infringers.view_infringer", infringer_id=infringer.id))
    return render_template("infringers/form.html", form=form, infringer=None), 422 if form.errors else 200


@bp.route("/infringers/<int:infringer_id>/edit", methods=["GET", "POST"])
@login_required
def edit_infringer(infringer_id: int):
    infringer = get_infringer(infringer_id, "infringer.manage")
    form = InfringerForm(obj=infringer if request.method == "GET" else None)
    if request.method == "GET":
        form.version.data = infringer.version
    if form.validate_on_submit():
        check_version(infringer, form.version.data, url_for("infringers.edit_infringer", infringer_id=infringer.id))
        try:
            update_infringer(infringer, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "infringers/form.html", infringer=infringer)
        flash(_("The record of %(name)s is saved.", name=infringer.name), "success")
        return redirect(url_for("infringers.view_infringer", infringer_id=infringer.id))
    return render_template("infringers/form.html", form=form, infringer=infringer), 422 if form.errors else 200


@bp.post("/cases/<int:case_id>/infringers")
@login_required
def link(case_id: int):
    case = get_case(case_id, "infringer.link")
    authorize("infringer.manage")
    form = LinkForm()
    if not form.validate_on_submit() or not (form.create.data or form.infringer_id.data):
        flash(_("Choose a record to link."), "danger")
        return case_page(case, 422)
    try:
        if form.create.data:
            infringer = create_infringer(infringer_data_from_case(case), current_user, case=case)
            flash(_("A record of %(name)s is made from this case and linked to it.", name=infringer.name), "success")
        else:
            infringer = get_infringer(form.infringer_id.data, "infringer.manage")
            if link_case(case, infringer, current_user):
                flash(_("%(name)s is linked to this case.", name=infringer.name), "success")
            else:
                flash(_("%(name)s was linked to this case already.", name=infringer.name), "info")
    except ServiceError as error:
        flash(error.message, "danger")
        return case_page(case, 422)
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="infringers"))


@bp.post("/cases/<int:case_id>/infringers/<int:infringer_id>/unlink")
@login_required
def unlink(case_id: int, infringer_id: int):
    case = get_case(case_id, "infringer.link")
    infringer = get_infringer(infringer_id, "infringer.manage")
    if unlink_case(case, infringer, current_user):
        flash(_("%(name)s is no longer linked to this case.", name=infringer.name), "success")
    else:
        flash(_("%(name)s was not linked to this case.", name=infringer.name), "info")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="infringers"))
