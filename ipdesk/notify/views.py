"""The bell's list of notifications, marking them read, and each user's notification settings."""
import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.core.pagination import paginate
from ipdesk.core.urls import safe_next
from ipdesk.notify.forms import preferences_form
from ipdesk.notify.models import Notification
from ipdesk.notify.services import channels, kinds_for, mark_all_read, mark_read, save_preferences
from ipdesk.policy import get_notification, requires

bp = Blueprint("notify", __name__)


@bp.get("/notifications")
@login_required
@requires("notification.view")
def list_notifications():
    stmt = (sa.select(Notification).where(Notification.user_id == current_user.id, Notification.in_app)
            .order_by(Notification.created_at.desc(), Notification.id.desc()))
    return render_template("notify/list.html", page=paginate(stmt))


@bp.post("/notifications/<int:notification_id>/read")
@login_required
def read(notification_id: int):
    mark_read(get_notification(notification_id))
    return redirect(safe_next(request.form.get("next")) or url_for("notify.list_notifications"))


@bp.post("/notifications/read")
@login_required
@requires("notification.view")
def read_all():
    mark_all_read(current_user)
    flash(_("Every notification is marked as read."), "success")
    return redirect(url_for("notify.list_notifications"))


@bp.route("/account/notifications", methods=["GET", "POST"])
@login_required
@requires("notification.view")
def preferences():
    kinds = kinds_for(current_user)
    form = preferences_form(kinds, {kind: channels(current_user, kind) for kind in kinds})
    if form.validate_on_submit():
        save_preferences(current_user, form.choices(kinds))
        flash(_("Your notification settings are saved."), "success")
        return redirect(url_for("notify.preferences"))
    return render_template("notify/preferences.html", form=form, kinds=kinds), 422 if form.errors else 200
