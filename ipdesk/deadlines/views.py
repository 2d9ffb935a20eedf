"""Adding deadlines to a case and marking them done."""
import hashlib
import secrets
from datetime import timedelta

import icalendar
import sqlalchemy as sa
from flask import Blueprint, Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import contains_eager, selectinload

from ipdesk.audit.services import log_event
from ipdesk.auth.models import User
from ipdesk.cases.models import Case, Stage
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import date_text, local_date, local_today
from ipdesk.core.pagination import paginate
from ipdesk.core.views import form_error
from ipdesk.deadlines.forms import DeadlineForm
from ipdesk.deadlines.models import Deadline
from ipdesk.deadlines.services import add_deadline, complete_deadline, rules_for
from ipdesk.education.models import RegistrationStatus
from ipdesk.education.sessions import calendar_sessions
from ipdesk.enquiries.listing import FOLLOW_UPS_SHOWN, open_follow_ups
from ipdesk.extensions import db
from ipdesk.network.models import Country
from ipdesk.policy import account_gate, can, get_case, permits, requires, visible_cases_clause


def permits_case_list(user) -> bool:
    return permits(user, "case.list")

bp = Blueprint("deadlines", __name__)


@bp.get("/network/<code>/rules")
@login_required
@requires("network.view")
def country_rules(code: str):
    """The procedure rules of a country of the network (and of its regional office): each procedure's period, what
    it counts from, the law and article, the official text, when it was checked, whether it is confirmed."""
    country = db.session.get(Country, code.upper()) if len(code) == 2 else None
    if country is None:
        abort(404)
    return render_template("deadlines/rules.html", country=country,
                           rules=rules_for(country.code, counting=False))


@bp.route("/cases/<int:case_id>/deadlines", methods=["GET", "POST"])
@login_required
def add(case_id: int):
    case = get_case(case_id, "deadline.manage")
    form = DeadlineForm(rules=rules_for(case.country_code), opened_on=local_date(case.created_at))
    if form.validate_on_submit():
        try:
            deadline = add_deadline(case, form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "deadlines/new_deadline.html", case=case)
        flash(_("Deadline added: %(what)s, due %(date)s.", what=deadline.title, date=date_text(deadline.due_on)),
              "success")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="deadlines"))
    return render_template("deadlines/new_deadline.html", form=form, case=case), 422 if form.errors else 200


@bp.post("/cases/<int:case_id>/deadlines/<int:deadline_id>/done")
@login_required
def done(case_id: int, deadline_id: int):
    case = get_case(case_id, "deadline.manage")
    deadline = db.session.get(Deadline, deadline_id)
    if deadline is None or deadline.case_id != case.id:
        abort(404)
    complete_deadline(deadline, current_user)
    flash(_("Marked as done."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="deadlines"))


def open_deadlines_query(user, *, mine: bool = False):
    """Open deadlines of the cases ``user`` may see, soonest (so overdue) first."""
    stmt = (sa.select(Deadline).join(Case, Case.id == Deadline.case_id)
            .where(~Deadline.is_done, visible_cases_clause(user), Case.stage != Stage.closed)
            .options(contains_eager(Deadline.case)).order_by(Deadline.due_on, Deadline.id))
    if mine:
        stmt = stmt.where(Case.assignee_id == user.id)
    return stmt


@bp.get("/deadlines")
@login_required
@requires("case.list")
def mine():
    only_mine = request.args.get("mine") == "1"
    page = paginate(open_deadlines_query(current_user, mine=only_mine))
    follow_ups = []
    if can(current_user, "enquiry.record"):  # the staff side answers enquiries and keeps their follow-ups
        follow_ups = db.session.scalars(open_follow_ups(current_user, mine=only_mine).limit(FOLLOW_UPS_SHOWN)).all()
    return render_template("deadlines/list.html", page=page, only_mine=only_mine, today=local_today(),
                           follow_ups=follow_ups, more_follow_ups=len(follow_ups) == FOLLOW_UPS_SHOWN)


@bp.post("/account/calendar")
@login_required
@requires("case.list")
def rotate_calendar():
    """A new secret link for the user's deadline calendar; the previous one stops working."""
    token = secrets.token_urlsafe(32)
    db.session.execute(sa.update(User).where(User.id == current_user.id)
                       .values(calendar_token_hash=hashlib.sha256(token.encode()).hexdigest()))
    log_event("calendar.rotated", actor=current_user)
    flash(_("Your new calendar link is below. Add it to your calendar app; the previous link no longer works."),
          "success")
    return render_template("deadlines/calendar_link.html",
                           link=url_for("deadlines.calendar_feed", token=token, _external=True))


@bp.get("/calendar/<token>.ics")
def calendar_feed(token: str):
    """The open deadlines of the cases the token's owner may see, as all-day events (no sign-in); for staff, the
    follow-ups of their enquiries and their hubs' education sessions; for exporters, the sessions they hold a place
    at."""
    user = db.session.scalar(sa.select(User).where(User.calendar_token_hash == hashlib.sha256(token.encode())
                                                   .hexdigest(), User.is_active)
                             .options(selectinload(User.hubs), selectinload(User.company)))
    if user is None or account_gate(user) or not permits_case_list(user):
        abort(404)
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//ipdesk//deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", "ipdesk")
    stamp = utcnow()
    with force_locale(user.locale or current_app.config["BABEL_DEFAULT_LOCALE"]):  # in the owner's language
        _add_events(calendar, db.session.scalars(open_deadlines_query(user).limit(5000)), stamp)
        if can(user, "enquiry.record"):
            _add_follow_ups(calendar, db.session.scalars(open_follow_ups(user).limit(5000)), stamp)
        _add_sessions(calendar, calendar_sessions(user), stamp, user.locale or "ko")
    return Response(calendar.to_ical(), mimetype="text/calendar",
                    headers={"Cache-Control": "private, max-age=300"})


def _add_events(calendar, deadlines, stamp) -> None:
    for deadline in deadlines:
        event = icalendar.Event()
        event.add("uid", f"deadline-{deadline.id}@ipdesk")
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.due_on)
        # an all-day event lasts one day; said as a duration, a due date at the calendar's end (9999-12-31)
        # needs no next day, which would overflow
        event.add("duration", timedelta(days=1))
        event.add("summary", f"{deadline.case.display_reference}: {deadline.title}")
        event.add("url", url_for("cases.view_case", case_id=deadline.case_id, _external=True))
        calendar.add_component(event)


def _add_follow_ups(calendar, enquiries, stamp) -> None:
    for enquiry in enquiries:
        event = icalendar.Event()
        event.add("uid", f"enquiry-{enquiry.id}-follow-up@ipdesk")
        event.add("dtstamp", stamp)
        event.add("dtstart", enquiry.follow_up_on)
        event.add("duration", timedelta(days=1))
        event.add("summary", _("Follow up enquiry %(ref)s", ref=enquiry.reference))
        event.add("url", url_for("enquiries.view_enquiry", enquiry_id=enquiry.id, _external=True))
        calendar.add_component(event)


def _add_sessions(calendar, sessions, stamp, language: str) -> None:
    """Education sessions at their times (UTC; calendars show them in the reader's zone). A cancelled one, or a
    place on the waiting list, says so; the online link only to those with a seat, and to staff."""
    for session, status in sessions:
        event = icalendar.Event()
        event.add("uid", f"session-{session.id}@ipdesk")
        event.add("dtstamp", stamp)
        event.add("dtstart", session.starts_at)
        event.add("dtend", session.ends_at)
        title = session.title_in(language)
        if status is RegistrationStatus.waiting:
            title = _("%(title)s (waiting list)", title=title)
        event.add("summary", title)
        seated = status is not RegistrationStatus.waiting
        where = session.place or (session.online_url if seated else "")
        if where:
            event.add("location", where)
        if session.is_cancelled:
            event.add("status", "CANCELLED")
        elif status is RegistrationStatus.waiting:
            event.add("status", "TENTATIVE")
        else:
            event.add("status", "CONFIRMED")
        event.add("url", url_for("sessions.view_session", session_id=session.id, _external=True))
        calendar.add_component(event)
