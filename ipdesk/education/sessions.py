"""Every change to an education session and its registrations: staff plan, edit and cancel sessions; exporters
register (a seat while there is one, else the waiting list) and cancel (the first on the waiting list then takes
the seat); staff mark who attended. Seats are counted with the session's row locked, so two people never take the
last seat. Services flush and never commit."""
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from ipdesk.audit.services import log_event
from ipdesk.auth.models import User
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.education.models import (
    EducationSession,
    RegistrationStatus,
    SessionKind,
    SessionLanguage,
    SessionRegistration,
)
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub
from ipdesk.notify.models import NotificationKind as K
from ipdesk.notify.services import due_work, notify, remind, reminder_window, site_link, today_of
from ipdesk.policy import holds_sessions_for, hub_ids

FIELDS = ("kind", "title_ko", "title_en", "description_ko", "description_en", "country_code", "sector", "language",
          "place", "online_url", "capacity")


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name or "")
    except (ZoneInfoNotFoundError, ValueError):
        raise ServiceError(_("Choose a time zone from the list."), field="time_zone") from None


def local_moment(day: date, at: time, zone: str) -> datetime:
    """The instant (UTC) of ``at`` on ``day`` in ``zone``."""
    return datetime.combine(day, at, _zone(zone)).astimezone(UTC)


def _values(data: dict, actor) -> dict:
    values = {name: data.get(name) for name in FIELDS}
    for name in ("title_ko", "title_en", "description_ko", "description_en", "place", "online_url"):
        values[name] = (values[name] or "").strip()
    values["kind"] = SessionKind.coerce(values["kind"]) if isinstance(values["kind"], str) else values["kind"]
    values["language"] = SessionLanguage.coerce(values["language"]) if isinstance(values["language"], str) \
        else values["language"]
    values["country_code"] = values["country_code"] or None
    values["sector"] = values["sector"] or None
    if not values["title_ko"] and not values["title_en"]:
        raise ServiceError(_("Give the session a title in Korean or in English."), field="title_ko")
    if not values["place"] and not values["online_url"]:
        raise ServiceError(_("Say where the session is held, or give its online link."), field="place")
    if values["country_code"] and db.session.get(Country, values["country_code"]) is None:
        raise ServiceError(_("Choose a country of the network."), field="country_code")
    hub = db.session.get(Hub, data.get("hub_id") or 0)
    if hub is None or not hub.is_active:
        raise ServiceError(_("Choose the centre that holds the session."), field="hub_id")
    if not holds_sessions_for(actor, hub.id):
        raise ServiceError(_("You hold sessions for your own centre only."), field="hub_id")
    values["hub_id"] = hub.id
    zone = data.get("time_zone") or ""
    values["time_zone"] = str(_zone(zone))
    values["starts_at"] = local_moment(data["day"], data["starts"], zone)
    values["ends_at"] = local_moment(data["day"], data["ends"], zone)
    if values["ends_at"] <= values["starts_at"]:
        raise ServiceError(_("The session ends before it starts."), field="ends")
    return values


def create_session(data: dict, actor) -> EducationSession:
    session = EducationSession(created_by_id=actor.id, **_values(data, actor))
    if session.starts_at <= utcnow():
        raise ServiceError(_("Plan the session for a time still to come."), field="day")
    db.session.add(session)
    db.session.flush()
    log_event("session.created", actor=actor, obj=session, data={"hub": session.hub_id,
                                                                 "starts_at": session.starts_at.isoformat()})
    return session


def update_session(session: EducationSession, data: dict, actor) -> None:
    """Change a session; more seats give the waiting list theirs, fewer take nobody's away."""
    if session.is_cancelled:
        raise ServiceError(_("The session is cancelled."))
    changed = set()  # what those registered must hear of: "time", "place"
    for name, value in _values(data, actor).items():
        if getattr(session, name) != value:
            if name in ("starts_at", "ends_at"):
                changed.add("time")
            elif name in ("place", "online_url"):
                changed.add("place")
        setattr(session, name, value)
    bump_version(session)
    db.session.flush()
    _fill_seats(session)
    log_event("session.updated", actor=actor, obj=session, data={"moved": "time" in changed,
                                                                  "relocated": "place" in changed})
    if not changed:
        return
    for registration in _active(session):
        _tell(registration, _change_subject(changed, session.title_in(registration.user.locale or "ko")),
              moved="time" in changed, relocated="place" in changed)


CALENDAR_PAST = timedelta(days=30)  # sessions a calendar feed keeps after they end
CALENDAR_LIMIT = 500


def calendar_sessions(user: User) -> list[tuple[EducationSession, RegistrationStatus | None]]:
    """The sessions of ``user``'s calendar feed, from a month ago on: an exporter's registrations (seated or
    waiting, and cancelled sessions they held a place at, so calendars take them away), the sessions staff's hubs
    hold; each with the user's registration status (None for staff)."""
    since = utcnow() - CALENDAR_PAST
    if user.company_id is not None:
        rows = db.session.execute(
            sa.select(EducationSession, SessionRegistration.status)
            .join(SessionRegistration, SessionRegistration.session_id == EducationSession.id)
            .where(SessionRegistration.user_id == user.id,
                   SessionRegistration.status != RegistrationStatus.cancelled, EducationSession.ends_at >= since)
            .order_by(EducationSession.starts_at).limit(CALENDAR_LIMIT))
        return [(session, status) for session, status in rows]
    hubs = hub_ids(user)
    if not hubs:
        return []
    return [(session, None) for session in db.session.scalars(
        sa.select(EducationSession).where(EducationSession.hub_id.in_(hubs), EducationSession.ends_at >= since)
        .order_by(EducationSession.starts_at).limit(CALENDAR_LIMIT))]


def _change_subject(changed: set[str], title: str):
    """The subject of the mail telling those registered what changed: the time, the place, or both."""
    if changed == {"time"}:
        return _l("The session %(title)s has moved to another time", title=title)
    if changed == {"place"}:
        return _l("The session %(title)s is held somewhere else", title=title)
    return _l("The session %(title)s has a new time and place", title=title)


def cancel_session(session: EducationSession, actor) -> None:
    if session.is_cancelled:
        raise ServiceError(_("The session is cancelled already."))
    session.cancelled_at = utcnow()
    bump_version(session)
    db.session.flush()
    log_event("session.cancelled", actor=actor, obj=session)
    for registration in _active(session):
        _tell(registration, _l("The session %(title)s is cancelled", title=session.title_in(
            registration.user.locale or "ko")), cancelled=True)


def _active(session: EducationSession) -> list[SessionRegistration]:
    return list(db.session.scalars(sa.select(SessionRegistration).where(
        SessionRegistration.session_id == session.id, SessionRegistration.status != RegistrationStatus.cancelled)
        .order_by(SessionRegistration.registered_at, SessionRegistration.id)))


def _lock(session: EducationSession) -> None:
    """Hold the session's row until the transaction ends: whoever counts its seats next waits (PostgreSQL; SQLite
    has one writer at a time)."""
    db.session.execute(sa.select(EducationSession.id).where(EducationSession.id == session.id).with_for_update())


def _taken(session: EducationSession) -> int:
    return db.session.scalar(sa.select(sa.func.count()).where(
        SessionRegistration.session_id == session.id, SessionRegistration.status == RegistrationStatus.registered))


def register(session: EducationSession, user: User) -> SessionRegistration:
    """A seat for ``user`` while one is free, else a place on the waiting list; again after a cancellation."""
    if session.is_cancelled:
        raise ServiceError(_("The session is cancelled."))
    if session.starts_at <= utcnow():
        raise ServiceError(_("The session has started: registration is closed."))
    _lock(session)
    registration = db.session.scalar(sa.select(SessionRegistration).where(
        SessionRegistration.session_id == session.id, SessionRegistration.user_id == user.id))
    if registration is not None and registration.status is not RegistrationStatus.cancelled:
        raise ServiceError(_("You are registered already."))
    status = RegistrationStatus.registered if _taken(session) < session.capacity else RegistrationStatus.waiting
    now = utcnow()
    if registration is None:
        registration = SessionRegistration(session_id=session.id, user_id=user.id, company_id=user.company_id,
                                           status=status, registered_at=now)
        db.session.add(registration)
    else:  # back in the queue, at its end
        registration.status, registration.registered_at, registration.cancelled_at = status, now, None
    db.session.flush()
    log_event("session.registered", actor=user, obj=session, data={"status": status.name})
    return registration


def cancel_registration(registration: SessionRegistration, actor) -> None:
    """Give the seat (or the place on the waiting list) back; the first on the waiting list takes a seat."""
    if registration.status is RegistrationStatus.cancelled:
        raise ServiceError(_("The registration is cancelled already."))
    session = registration.session
    if session.starts_at <= utcnow():
        raise ServiceError(_("The session has started: the registration stays."))
    _lock(session)
    registration.status, registration.cancelled_at = RegistrationStatus.cancelled, utcnow()
    db.session.flush()
    log_event("session.registration_cancelled", actor=actor, obj=session, data={"registration": registration.id})
    _fill_seats(session)


def _fill_seats(session: EducationSession) -> None:
    """Seat the waiting list in order while seats are free, and tell each one seated."""
    if session.is_cancelled or session.starts_at <= utcnow():
        return
    free = session.capacity - _taken(session)
    if free <= 0:
        return
    for registration in db.session.scalars(sa.select(SessionRegistration).where(
            SessionRegistration.session_id == session.id, SessionRegistration.status == RegistrationStatus.waiting)
            .order_by(SessionRegistration.registered_at, SessionRegistration.id).limit(free)):
        registration.status = RegistrationStatus.registered
        db.session.flush()
        log_event("session.seated", obj=session, data={"registration": registration.id})
        _tell(registration, _l("A seat is yours at %(title)s", title=session.title_in(
            registration.user.locale or "ko")), seated=True)


def _tell(registration: SessionRegistration, subject, **context) -> None:
    notify(registration.user, K.session_news, subject, link=site_link("sessions.view_session",
                                                                      session_id=registration.session_id),
           session=registration.session, **context)


def mark_attendance(session: EducationSession, attended: set[int], actor) -> int:
    """Who of the registered came (``attended``: their registrations' ids); the others did not. Once the session
    has started. Returns how many attended."""
    if session.is_cancelled:
        raise ServiceError(_("The session is cancelled."))
    if session.starts_at > utcnow():
        raise ServiceError(_("Attendance is marked once the session has started."))
    now = utcnow()
    count = 0
    for registration in db.session.scalars(sa.select(SessionRegistration).where(
            SessionRegistration.session_id == session.id,
            SessionRegistration.status == RegistrationStatus.registered)):
        came = registration.id in attended
        if registration.attended != came or registration.attendance_marked_at is None:
            registration.attended, registration.attendance_marked_at = came, now
            registration.attendance_marked_by_id = actor.id
        count += came
    db.session.flush()
    log_event("session.attendance", actor=actor, obj=session, data={"attended": count})
    return count


@due_work("session reminders")
def session_reminders(now: datetime) -> int:
    """Reminders of sessions coming up, to those with a seat, at the days deadlines are reminded of; never once the
    session has begun."""
    start, end = reminder_window(now)
    rows = db.session.scalars(
        sa.select(SessionRegistration).join(EducationSession, EducationSession.id == SessionRegistration.session_id)
        .where(SessionRegistration.status == RegistrationStatus.registered, EducationSession.cancelled_at.is_(None),
               EducationSession.starts_at > now,
               EducationSession.starts_at < datetime.combine(end + timedelta(days=1), time.min, UTC))
        .order_by(EducationSession.starts_at, SessionRegistration.id))
    made = 0
    for registration in rows:
        session, user = registration.session, registration.user
        if not user.is_active:
            continue
        language = user.locale or "ko"
        day = today_of(user, session.starts_at)  # the day it starts, where they are
        made += remind(user, K.session_reminder, day, now, key=f"session:{session.id}", passed=None,
                       coming=_l("Coming up: %(title)s", title=session.title_in(language)),
                       link=site_link("sessions.view_session", session_id=session.id), session=session)
    return made

