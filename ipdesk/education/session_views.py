"""Education session pages: the programme (upcoming and past), a session with its seats and the reader's place, for
staff a new session, its changes, its cancellation and who attended; and each participant's certificate."""
from datetime import timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError, check_version
from ipdesk.core.forms import select_choices
from ipdesk.core.i18n import HOME_ZONE, country_choices, timezone_choices
from ipdesk.core.pagination import paginate
from ipdesk.core.transaction import outside_transaction
from ipdesk.core.views import form_error
from ipdesk.education.forms import (
    AttendanceForm,
    CancelRegistrationForm,
    CancelSessionForm,
    RegisterForm,
    SessionForm,
)
from ipdesk.education.markdown import render
from ipdesk.education.models import EducationSession, RegistrationStatus, SessionRegistration
from ipdesk.education.sessions import (
    cancel_registration,
    cancel_session,
    create_session,
    mark_attendance,
    register,
    update_session,
)
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.network.services import active_country_codes
from ipdesk.policy import can, get_registration, get_session, holds_sessions_for, hub_ids, requires
from ipdesk.reports.context import page_header
from ipdesk.reports.documents import pdf_response
from ipdesk.reports.pdf import render_pdf

bp = Blueprint("sessions", __name__)
CERTIFICATE_LANGUAGES = ("ko", "en")


def _form(**kwargs) -> SessionForm:
    hubs = [hub for hub in db.session.scalars(sa.select(Hub).where(Hub.is_active))
            if holds_sessions_for(current_user, hub.id)]
    codes = active_country_codes()
    return SessionForm(hub_choices=select_choices(sorted(((h.id, h.name) for h in hubs), key=lambda p: p[1])),
                       country_choices=country_choices(codes), zone_choices=timezone_choices(codes), **kwargs)


# --- the programme -------------------------------------------------------------------------

@bp.get("/sessions")
@login_required
@requires("session.list")
def list_sessions():
    past = request.args.get("when") == "past"
    now = utcnow()
    stmt = sa.select(EducationSession).options(sa.orm.joinedload(EducationSession.hub))
    if past:
        stmt = stmt.where(EducationSession.starts_at <= now).order_by(EducationSession.starts_at.desc(),
                                                                      EducationSession.id.desc())
    else:
        stmt = stmt.where(EducationSession.starts_at > now).order_by(EducationSession.starts_at,
                                                                     EducationSession.id)
    page = paginate(stmt)
    ids = [session.id for session in page.items]
    seats = dict(db.session.execute(
        sa.select(SessionRegistration.session_id, sa.func.count())
        .where(SessionRegistration.session_id.in_(ids), SessionRegistration.status == RegistrationStatus.registered)
        .group_by(SessionRegistration.session_id)).all()) if ids else {}
    mine = {registration.session_id: registration for registration in db.session.scalars(
        sa.select(SessionRegistration).where(SessionRegistration.session_id.in_(ids),
                                             SessionRegistration.user_id == current_user.id))} if ids else {}
    return render_template("education/sessions.html", page=page, past=past, seats=seats, mine=mine)


# --- planning ------------------------------------------------------------------------------

@bp.route("/sessions/new", methods=["GET", "POST"])
@login_required
@requires("session.create")
def new_session():
    form = _form()
    if request.method == "GET":
        hubs = sorted(hub_ids(current_user))
        form.hub_id.data = hubs[0] if hubs else None
        form.time_zone.data = current_user.timezone or HOME_ZONE
        form.capacity.data = 30
    elif form.validate_on_submit():
        try:
            session = create_session(form.data, current_user)
        except ServiceError as error:
            return form_error(form, error, "education/session_form.html", session=None)
        flash(_("The session is in the programme."), "success")
        return redirect(url_for("sessions.view_session", session_id=session.id))
    return render_template("education/session_form.html", form=form, session=None), 422 if form.errors else 200


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@login_required
def edit_session(session_id: int):
    session = get_session(session_id, "session.edit")
    if request.method == "GET":
        zone = session.starts_at.astimezone(ZoneInfo(session.time_zone))
        form = _form(formdata=None, obj=session, data={
            "day": zone.date(), "starts": zone.time(), "ends": session.ends_at.astimezone(zone.tzinfo).time(),
            "version": session.version})
        return render_template("education/session_form.html", form=form, session=session)
    form = _form()
    if not form.validate_on_submit():
        return render_template("education/session_form.html", form=form, session=session), 422
    check_version(session, form.version.data, url_for("sessions.edit_session", session_id=session.id))
    try:
        update_session(session, form.data, current_user)
    except ServiceError as error:
        return form_error(form, error, "education/session_form.html", session=session)
    flash(_("The session is saved; those registered hear of a new time."), "success")
    return redirect(url_for("sessions.view_session", session_id=session.id))


@bp.post("/sessions/<int:session_id>/cancel")
@login_required
def cancel(session_id: int):
    session = get_session(session_id, "session.cancel")
    form = CancelSessionForm()
    if not form.validate_on_submit():
        return session_page(session, 422)
    check_version(session, form.version.data, url_for("sessions.view_session", session_id=session.id))
    try:
        cancel_session(session, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return session_page(session, 422)
    flash(_("The session is cancelled; those registered are told."), "success")
    return redirect(url_for("sessions.view_session", session_id=session.id))


# --- a session -----------------------------------------------------------------------------

def session_page(session: EducationSession, status: int = 200):
    manager = can(current_user, "session.edit", session)
    registrations = session.registrations if manager else []
    mine = db.session.scalar(sa.select(SessionRegistration).where(
        SessionRegistration.session_id == session.id, SessionRegistration.user_id == current_user.id))
    taken = db.session.scalar(sa.select(sa.func.count()).where(
        SessionRegistration.session_id == session.id, SessionRegistration.status == RegistrationStatus.registered))
    waiting_before = None
    if mine is not None and mine.status is RegistrationStatus.waiting:
        waiting_before = db.session.scalar(sa.select(sa.func.count()).where(
            SessionRegistration.session_id == session.id, SessionRegistration.status == RegistrationStatus.waiting,
            sa.or_(SessionRegistration.registered_at < mine.registered_at,
                   sa.and_(SessionRegistration.registered_at == mine.registered_at,
                           SessionRegistration.id < mine.id))))
    started = session.starts_at <= utcnow()
    return render_template(
        "education/session.html", session=session, description=render(session.description), manager=manager,
        registrations=registrations, mine=mine, taken=taken, waiting_before=waiting_before, started=started,
        register_form=RegisterForm(formdata=None), cancel_registration_form=CancelRegistrationForm(formdata=None),
        cancel_form=CancelSessionForm(formdata=None, version=session.version),
        attendance_form=AttendanceForm(formdata=None)), status


@bp.get("/sessions/<int:session_id>")
@login_required
def view_session(session_id: int):
    return session_page(get_session(session_id))


@bp.post("/sessions/<int:session_id>/register")
@login_required
def register_for(session_id: int):
    session = get_session(session_id, "session.register")
    if not RegisterForm().validate_on_submit():
        return session_page(session, 422)
    try:
        registration = register(session, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return session_page(session, 422)
    if registration.status is RegistrationStatus.registered:
        flash(_("You are registered. A reminder comes before the session."), "success")
    else:
        flash(_("The session is full: you are on the waiting list, and hear as soon as a seat is yours."), "info")
    return redirect(url_for("sessions.view_session", session_id=session.id))


@bp.post("/sessions/<int:session_id>/registrations/<int:registration_id>/cancel")
@login_required
def cancel_my_registration(session_id: int, registration_id: int):
    session = get_session(session_id)
    registration = get_registration(session, registration_id, "registration.cancel")
    if not CancelRegistrationForm().validate_on_submit():
        return session_page(session, 422)
    try:
        cancel_registration(registration, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return session_page(session, 422)
    flash(_("Your registration is cancelled."), "success")
    return redirect(url_for("sessions.view_session", session_id=session.id))


@bp.post("/sessions/<int:session_id>/attendance")
@login_required
def attendance(session_id: int):
    session = get_session(session_id, "session.attendance")
    if not AttendanceForm().validate_on_submit():
        return session_page(session, 422)
    came = {int(value) for value in request.form.getlist("attended") if value.isdigit()}
    try:
        count = mark_attendance(session, came, current_user)
    except ServiceError as error:
        flash(error.message, "danger")
        return session_page(session, 422)
    flash(_("Attendance is saved: %(n)d came.", n=count), "success")
    return redirect(url_for("sessions.view_session", session_id=session.id, _anchor="registrations"))


# --- the certificate -----------------------------------------------------------------------

@bp.get("/sessions/<int:session_id>/registrations/<int:registration_id>/certificate.pdf")
@login_required
def certificate(session_id: int, registration_id: int):
    """The participant's certificate of attendance, in their language (or ``?lang=``)."""
    session = get_session(session_id)
    registration = get_registration(session, registration_id, "registration.certificate")
    lang = request.args.get("lang") or registration.user.locale or "ko"
    if lang not in CERTIFICATE_LANGUAGES:
        abort(404)
    with force_locale(lang):
        company = registration.company
        html = render_template(
            "education/pdf/certificate.html", session=session, registration=registration, lang=lang,
            company=(company.name_ko or company.name_en) if lang == "ko" else (company.name_en or company.name_ko),
            hours=(session.ends_at - session.starts_at) / timedelta(hours=1), now=utcnow(),
            header=page_header(session.hub.name, numbered=False))
    with outside_transaction():
        pdf = render_pdf(html)
    log_event("session.certificate_printed", actor=current_user, obj=session,
              data={"registration": registration.id, "lang": lang})
    return pdf_response(pdf, f"ipdesk-certificate-{session.id}-{registration.id}-{lang}.pdf", attachment=False)
