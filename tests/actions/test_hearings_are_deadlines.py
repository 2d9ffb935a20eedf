"""Hearings are deadlines (issue 16, point 5): a suit's coming hearing appears in "my deadlines", in the
calendar feed and in the reminders like any other deadline; one recorded after it was held is done."""
import re
from datetime import timedelta

import sqlalchemy as sa
from icalendar import Calendar

from ipdesk.actions.models import Hearing, Litigation
from ipdesk.core.db import utcnow
from ipdesk.deadlines.models import Deadline
from ipdesk.extensions import db
from ipdesk.notify.models import Notification
from ipdesk.notify.services import deadline_reminders
from tests.factories import make_case


def test_a_coming_hearing_is_in_my_deadlines_the_calendar_and_the_reminders(client, make_client, factories,
                                                                          login_as):
    officer = factories.staff(hub_codes=("cn-north",), locale="en")  # the calendar speaks their language
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    login_as(officer)
    assert client.post(f"/cases/{case.id}/litigation", data={
        "suit-court": "Beijing IP Court", "suit-status": "pending", "suit-filed_on": "2026-06-01",
        "suit-damages_currency": ""}).status_code == 302
    suit = db.session.scalar(sa.select(Litigation))
    coming = (utcnow() + timedelta(days=7)).date()
    held = (utcnow() - timedelta(days=20)).date()
    for day, note in ((coming, "Evidence exchange"), (held, "First hearing")):
        assert client.post(f"/cases/{case.id}/litigation/{suit.id}/hearings", data={
            "hearing-held_on": day.isoformat(), "hearing-note": note}).status_code == 302

    hearings = {h.held_on: h for h in db.session.scalars(sa.select(Hearing))}
    assert all(h.deadline_id is not None for h in hearings.values())
    assert db.session.get(Deadline, hearings[held].deadline_id).is_done  # held already: nothing to keep
    assert not db.session.get(Deadline, hearings[coming].deadline_id).is_done

    mine = client.get("/deadlines", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Hearing at Beijing IP Court" in mine

    page = client.post("/account/calendar").get_data(as_text=True)
    link = re.search(r'id="calendar-link"[^>]*value="([^"]+)"', page).group(1).replace("http://ipdesk.test", "")
    events = Calendar.from_ical(make_client().get(link).get_data()).walk("VEVENT")
    assert [(str(e["summary"]), e.decoded("dtstart")) for e in events] == [
        (f"{case.reference}: Hearing at Beijing IP Court", coming)]

    assert deadline_reminders(utcnow()) > 0
    db.session.commit()
    reminded = set(db.session.scalars(sa.select(Notification.user_id).where(Notification.kind == "deadline")))
    assert {officer.id, exporter.id} <= reminded
