"""What prevention education reached, as managers and staff read it on the dashboard, in the country summary and
in the figures' CSV: sessions held, attendees, companies reached, and of those the companies that later asked a
question or filed a case."""
import csv
import io
import re
from datetime import date, timedelta

import sqlalchemy as sa

from ipdesk.core.db import utcnow
from ipdesk.education.models import (
    EducationSession,
    RegistrationStatus,
    SessionKind,
    SessionLanguage,
    SessionRegistration,
)
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.reports.stats import country_summary, network_overview
from tests.factories import make_enquiry


def _session(author, hub: str, country: str | None, days_ago: float, *, cancelled=False) -> EducationSession:
    starts = utcnow() - timedelta(days=days_ago)
    session = EducationSession(
        kind=SessionKind.seminar, title_en=f"Session {hub} {country} {days_ago}", language=SessionLanguage.ko,
        hub_id=db.session.scalar(sa.select(Hub.id).where(Hub.code == hub)), country_code=country, starts_at=starts,
        ends_at=starts + timedelta(hours=2), time_zone="Asia/Bangkok", place="Bangkok", capacity=50,
        created_by_id=author.id, cancelled_at=utcnow() if cancelled else None)
    db.session.add(session)
    db.session.flush()
    return session


def _seat(session, user, attended: bool) -> None:
    db.session.add(SessionRegistration(session_id=session.id, user_id=user.id, company_id=user.company_id,
                                       status=RegistrationStatus.registered, attended=attended,
                                       registered_at=session.starts_at - timedelta(days=3)))


def test_sessions_held_their_attendees_and_the_companies_that_came_back(client, factories, login_as, make_client,
                                                                        login):
    manager = factories.manager()
    came_back, came_once, stayed_away = (factories.exporter() for _ in range(3))
    held = _session(manager, "th", "TH", 20)
    for person, attended in ((came_back, True), (came_once, True), (stayed_away, False)):
        _seat(held, person, attended)
    _seat(_session(manager, "th", "TH", 10, cancelled=True), stayed_away, False)  # cancelled: not held
    _seat(_session(manager, "th", "TH", -5), stayed_away, False)  # still to come
    _seat(_session(manager, "th", None, 8), came_once, True)  # about no country in particular
    db.session.commit()
    make_enquiry(company=came_back.company, country="TH", question="After the seminar: can we oppose this filing?")
    make_enquiry(company=came_once.company, country="TH", question="Before it", created_at=utcnow() - timedelta(
        days=30))
    with client.application.test_request_context():
        overview = network_overview(manager, today=date.today())
        by_country = {row.key: row.reach for row in overview.education_by_country}
        assert (by_country["TH"].sessions, by_country["TH"].attendees, by_country["TH"].companies,
                by_country["TH"].followed) == (1, 2, 2, 1)
        assert by_country[""].sessions == 1 and overview.education.sessions == 2
        summary = country_summary("TH", date.today() - timedelta(days=60), date.today(), today=date.today())
        (thai,) = [hub for hub in summary.hubs if hub.key == "th"]
        assert (thai.education.sessions, thai.education.companies, thai.education.followed) == (1, 2, 1)
    login_as(manager)
    page = client.get("/dashboard?by=hub").get_data(as_text=True)
    assert re.search(r'data-education="th">.*?<td class="text-end">2</td><td class="text-end">3</td>', page, re.S)
    period = {"figures-start": (date.today() - timedelta(days=60)).isoformat(),
              "figures-end": date.today().isoformat()}
    rows = list(csv.reader(io.StringIO(client.get("/dashboard/figures.csv", query_string=period).get_data()
                                       .decode("utf-8")[1:])))
    by = {(row[1], row[3]): row[9:] for row in rows[1:]}
    assert by["TH", "th"] == ["1", "2", "2", "1"] and by["", "th"] == ["1", "1", "1", "0"]
    china = make_client()
    login(china, factories.staff(hub_codes=("cn-north",)))
    assert 'data-education="th"' not in china.get("/dashboard?by=hub").get_data(as_text=True)
