"""Education sessions as staff and exporters meet them: planned in the session's time zone, registered for (seats,
then a waiting list in order), cancelled, reminded of, attended and certified; each change heard of by whom it
concerns."""
import io
import re
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.core.db import utcnow
from ipdesk.education.models import EducationSession, RegistrationStatus, SessionRegistration
from ipdesk.extensions import db
from ipdesk.notify.models import Notification, NotificationKind


def _plan(**changes) -> dict:
    day = (utcnow() + timedelta(days=10)).date()
    return {"kind": "seminar", "hub_id": "", "language": "ko", "title_ko": "태국 진출 상표 세미나",
            "title_en": "Trademarks before entering Thailand", "description_ko": "", "description_en": "",
            "day": day.isoformat(), "starts": "14:00", "ends": "16:30", "time_zone": "Asia/Bangkok",
            "place": "KOTRA Bangkok, 16th floor", "online_url": "", "capacity": "2", "country_code": "TH",
            "sector": "", **changes}


def _thai_hub_id():
    from ipdesk.network.models import Hub

    return str(db.session.scalar(sa.select(Hub.id).where(Hub.code == "th")))


def _new_session(client, **changes) -> EducationSession:
    response = client.post("/sessions/new", data=_plan(hub_id=_thai_hub_id(), **changes))
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.get(EducationSession, int(response.headers["Location"].rsplit("/", 1)[1]))


def _registration(session, user) -> SessionRegistration:
    db.session.expire_all()
    return db.session.scalar(sa.select(SessionRegistration).where(SessionRegistration.session_id == session.id,
                                                                  SessionRegistration.user_id == user.id))


def _news(user) -> list[str]:
    return list(db.session.scalars(sa.select(Notification.subject).where(
        Notification.user_id == user.id, Notification.kind == NotificationKind.session_news)))


def test_a_session_fills_then_its_waiting_list_takes_seats_in_order(client, factories, login_as, make_client,
                                                                    login):
    login_as(factories.staff(hub_codes=("th",), timezone="Asia/Seoul"))
    session = _new_session(client)
    assert session.starts_at.astimezone().utcoffset() is not None and session.starts_at.hour == 7  # 14:00 +07
    people = [factories.exporter(locale="en", timezone="Asia/Seoul") for _ in range(4)]
    browsers = []
    for person in people:
        browser = make_client()
        login(browser, person)
        browsers.append(browser)
        assert browser.post(f"/sessions/{session.id}/register").status_code == 302
    statuses = [_registration(session, person).status for person in people]
    assert statuses == [RegistrationStatus.registered] * 2 + [RegistrationStatus.waiting] * 2
    page = browsers[3].get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "1 person is before you" in page and "2 of 2 taken" in page
    assert "Your time: " in page and "(Asia/Bangkok)" in page  # its own zone, and the reader's
    again = browsers[0].post(f"/sessions/{session.id}/register")
    assert again.status_code == 422 and "You are registered already." in again.get_data(as_text=True)
    # the first gives their seat back: the first waiting takes it and hears so, the second waits on
    first = _registration(session, people[0])
    assert browsers[0].post(f"/sessions/{session.id}/registrations/{first.id}/cancel").status_code == 302
    assert [_registration(session, p).status for p in people] == [
        RegistrationStatus.cancelled, RegistrationStatus.registered, RegistrationStatus.registered,
        RegistrationStatus.waiting]
    assert _news(people[2]) == [f"A seat is yours at {session.title_en}"] and _news(people[3]) == []
    # nobody cancels someone else's registration
    second = _registration(session, people[1])
    assert browsers[3].post(f"/sessions/{session.id}/registrations/{second.id}/cancel").status_code == 404
    listing = browsers[3].get("/sessions").get_data(as_text=True)
    assert session.title_en in listing and "Full: waiting list open" in listing
    # a new room tells those with a seat and those waiting (not who gave theirs back); a new time too
    db.session.refresh(session)
    assert client.post(f"/sessions/{session.id}/edit", data=_plan(
        hub_id=_thai_hub_id(), capacity="2", place="KOTRA Bangkok, 9th floor",
        version=str(session.version))).status_code == 302
    relocated = f"The session {session.title_en} is held somewhere else"
    assert [_news(p)[-1:] for p in people] == [[], [relocated], [relocated], [relocated]]
    assert _news(people[0]) == []
    mail = db.session.scalar(sa.select(Notification).where(Notification.user_id == people[3].id,
                                                           Notification.subject == relocated))
    assert "changed where this session is held" in mail.body and "9th floor" in mail.body
    db.session.refresh(session)
    assert client.post(f"/sessions/{session.id}/edit", data=_plan(
        hub_id=_thai_hub_id(), capacity="2", place="KOTRA Bangkok, 9th floor", starts="15:00",
        version=str(session.version))).status_code == 302
    assert _news(people[3])[-1] == f"The session {session.title_en} has moved to another time"


def test_a_plan_with_errors_comes_back_with_what_was_typed(client, factories, login_as):
    login_as(factories.staff(hub_codes=("th",)))
    response = client.post("/sessions/new", data=_plan(hub_id=_thai_hub_id(), ends="13:00",
                                                       online_url="javascript:alert(1)"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "starting with https://" in page
    assert 'value="KOTRA Bangkok, 16th floor"' in page
    response = client.post("/sessions/new", data=_plan(hub_id=_thai_hub_id(), ends="13:00"))
    assert response.status_code == 422 and "The session ends before it starts." in response.get_data(as_text=True)
    other = client.post("/sessions/new", data=_plan(hub_id=str(int(_thai_hub_id()) + 1)))
    assert other.status_code == 422  # another centre's is not offered to staff
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EducationSession)) == 0


def test_seats_are_reminded_of_and_a_cancelled_session_tells_everyone(app, client, factories, login_as, make_client,
                                                                      login):
    login_as(factories.staff(hub_codes=("th",)))
    session = _new_session(client, capacity="1")
    seated, waiting = factories.exporter(locale="ko", timezone="UTC"), factories.exporter(timezone="UTC")
    for person in (seated, waiting):
        browser = make_client()
        login(browser, person)
        browser.post(f"/sessions/{session.id}/register")
    session.starts_at = utcnow() + timedelta(days=1, hours=3)  # a reminder day for whoever has a seat
    session.ends_at = session.starts_at + timedelta(hours=2)
    db.session.commit()
    output = app.test_cli_runner().invoke(args=["notify", "due"]).output
    assert "1 session reminders" in output, output
    reminder = db.session.scalar(sa.select(Notification).where(Notification.kind == NotificationKind.session_reminder))
    assert reminder.user_id == seated.id and reminder.language == "ko" and "태국 진출 상표 세미나" in reminder.subject
    assert "0 session reminders" in app.test_cli_runner().invoke(args=["notify", "due"]).output
    db.session.refresh(session)
    response = client.post(f"/sessions/{session.id}/cancel", data={"version": str(session.version)})
    assert response.status_code == 302
    assert len(_news(seated)) == 1 and len(_news(waiting)) == 1
    late = make_client()
    login(late, factories.exporter())
    refused = late.post(f"/sessions/{session.id}/register")
    assert refused.status_code == 422 and "cancelled" in refused.get_data(as_text=True)


@pytest.mark.db_independent  # two certificates rendered; the seat counting that differs is in the tests above
def test_staff_mark_who_came_and_each_gets_a_certificate_in_their_language(client, factories, login_as,
                                                                           make_client, login):
    login_as(factories.staff(hub_codes=("th",)))
    session = _new_session(client)
    came, stayed_away = factories.exporter(locale="ko", name="김민지"), factories.exporter(locale="en")
    browsers = {}
    for person in (came, stayed_away):
        browsers[person.id] = make_client()
        login(browsers[person.id], person)
        browsers[person.id].post(f"/sessions/{session.id}/register")
    registration = _registration(session, came)
    early = client.post(f"/sessions/{session.id}/attendance", data={"attended": str(registration.id)})
    assert early.status_code == 422 and "once the session has started" in early.get_data(as_text=True)
    session = db.session.get(EducationSession, session.id)
    session.starts_at, session.ends_at = utcnow() - timedelta(hours=3), utcnow() - timedelta(hours=1)
    db.session.commit()
    response = client.post(f"/sessions/{session.id}/attendance", data={"attended": str(registration.id)})
    assert response.status_code == 302
    assert _registration(session, came).attended and not _registration(session, stayed_away).attended
    pdf = browsers[came.id].get(f"/sessions/{session.id}/registrations/{registration.id}/certificate.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "참석 확인서" in text and "김민지" in text and "태국 진출 상표 세미나" in text
    english = client.get(f"/sessions/{session.id}/registrations/{registration.id}/certificate.pdf?lang=en")
    assert "Certificate of attendance" in " ".join(p.extract_text() for p in PdfReader(
        io.BytesIO(english.get_data())).pages)
    absent = _registration(session, stayed_away)
    assert browsers[stayed_away.id].get(
        f"/sessions/{session.id}/registrations/{absent.id}/certificate.pdf").status_code == 403
    assert browsers[stayed_away.id].get(
        f"/sessions/{session.id}/registrations/{registration.id}/certificate.pdf").status_code == 404


def _feed(browser) -> dict:
    """The events of ``browser``'s user's calendar feed, by UID, read back with icalendar."""
    page = browser.post("/account/calendar").get_data(as_text=True)
    link = re.search(r'id="calendar-link"[^>]*value="([^"]+)"', page).group(1).replace("http://ipdesk.test", "")
    feed = browser.get(link)
    assert feed.status_code == 200 and feed.mimetype == "text/calendar"
    return {str(event["uid"]): event for event in icalendar.Calendar.from_ical(feed.data).walk("VEVENT")}


def test_the_calendar_feed_holds_a_place_taken_the_waiting_list_and_a_cancellation(client, factories, login_as,
                                                                                   make_client, login):
    login_as(factories.staff(hub_codes=("th",)))
    session = _new_session(client, capacity="1", online_url="https://webinar.example.org/th")
    seated, waiting, other = (factories.exporter(locale=locale) for locale in ("en", "ko", "en"))
    browsers = {}
    for person in (seated, waiting):
        browsers[person.id] = make_client()
        login(browsers[person.id], person)
        assert browsers[person.id].post(f"/sessions/{session.id}/register").status_code == 302
    uid = f"session-{session.id}@ipdesk"
    mine = _feed(browsers[seated.id])[uid]
    assert str(mine["summary"]) == "Trademarks before entering Thailand" and str(mine["status"]) == "CONFIRMED"
    assert mine.decoded("dtstart") == session.starts_at.replace(tzinfo=mine.decoded("dtstart").tzinfo)
    assert mine.decoded("dtstart").utcoffset() == timedelta(0) and mine.decoded("dtstart").hour == 7  # 14:00 +07
    assert str(mine["location"]) == "KOTRA Bangkok, 16th floor" and f"/sessions/{session.id}" in str(mine["url"])
    theirs = _feed(browsers[waiting.id])[uid]
    assert str(theirs["summary"]) == "태국 진출 상표 세미나 (대기자 명단)" and str(theirs["status"]) == "TENTATIVE"
    stranger = make_client()
    login(stranger, other)
    assert uid not in _feed(stranger)  # a session nobody registered for stays off their calendar
    assert uid in _feed(client)  # the hub's staff see what their hub holds
    db.session.refresh(session)
    assert client.post(f"/sessions/{session.id}/cancel", data={"version": str(session.version)}).status_code == 302
    assert str(_feed(browsers[seated.id])[uid]["status"]) == "CANCELLED"
