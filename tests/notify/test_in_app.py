"""In the app: the bell's unread count, the list whose entries link to their cases, read marks, and the
settings that switch kinds of notification off (except the essential ones)."""
import re

import pytest
import sqlalchemy as sa

from ipdesk.extensions import db
from ipdesk.notify.models import EmailStatus, Notification, NotificationKind, NotificationPreference
from tests.factories import make_case, reason_id


def _bell(html: str) -> int:
    return int(re.search(r'id="bell-count">(\d+)<', html).group(1))


@pytest.fixture
def exporter_and_case(factories):
    exporter = factories.exporter(locale="en")
    staff = factories.staff(hub_codes=("cn-north",), locale="en")
    case = make_case("intake", company=exporter.company, author=exporter, assignee_id=staff.id)
    return exporter, staff, case


def test_the_bell_counts_up_when_staff_move_the_case_and_the_entry_links_to_it(
        client, make_client, login, exporter_and_case):
    exporter, staff, case = exporter_and_case
    assert login(client, exporter).status_code == 302
    assert _bell(client.get("/").get_data(as_text=True)) == 0
    officer = make_client()
    login(officer, staff)
    officer.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version})
    page = client.get("/").get_data(as_text=True)
    assert _bell(page) == 1 and "Notifications: 1 unread" in page
    listing = client.get("/notifications").get_data(as_text=True)
    assert f'<a href="/cases/{case.id}">Case {case.reference} is now at the stage: Evidence collection</a>' in listing
    (row,) = db.session.scalars(sa.select(Notification)).all()
    assert client.post(f"/notifications/{row.id}/read", data={"next": "/notifications"}).status_code == 302
    assert _bell(client.get("/").get_data(as_text=True)) == 0
    assert "Mark as read" not in client.get("/notifications").get_data(as_text=True)


def test_mark_all_read_and_nobody_reads_anothers(client, make_client, login, factories, exporter_and_case):
    exporter, staff, case = exporter_and_case
    officer = make_client()
    login(officer, staff)
    for text in ("one", "two", "three"):
        officer.post(f"/cases/{case.id}/messages", data={"body": text})
    mine = db.session.scalars(sa.select(Notification.id)).all()
    assert len(mine) == 3
    colleague = factories.exporter(company=factories.CompanyFactory())
    login(client, colleague)
    assert client.post(f"/notifications/{mine[0]}/read").status_code == 404
    assert "Counterfeit" not in client.get("/notifications").get_data(as_text=True)
    client.post("/logout")
    login(client, exporter)
    assert _bell(client.get("/").get_data(as_text=True)) == 3
    assert client.post("/notifications/read").status_code == 302
    assert _bell(client.get("/").get_data(as_text=True)) == 0


def test_the_bell_costs_no_query(client, login, count_queries, exporter_and_case, factories):
    exporter, staff, case = exporter_and_case
    login(client, exporter)
    client.get("/cases")
    with count_queries() as none_unread:
        client.get("/cases")
    from ipdesk.cases.services import post_message

    for n in range(5):
        post_message(case, f"message {n}", staff)
    db.session.commit()
    with count_queries() as five_unread:
        page = client.get("/cases").get_data(as_text=True)
    assert _bell(page) == 5
    assert five_unread.count == none_unread.count, five_unread.statements


def test_switched_off_kinds_are_not_sent_and_essential_ones_cannot_be(client, login_as, exporter_and_case):
    exporter, staff, case = exporter_and_case
    login_as(exporter)
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "stage_changed_email" in page and "info_requested_email" not in page and "Always on" in page
    response = client.post("/account/notifications", data={
        "stage_changed_in_app": "y",  # stage changes: in the app only
        "new_message_email": "y",  # messages: by e-mail only
        "info_requested_email": "",  # essential: the form has no such switch, and the service ignores it
    })
    assert response.status_code == 302
    preferences = {p.kind: (p.email, p.in_app) for p in db.session.scalars(sa.select(NotificationPreference))}
    assert preferences[NotificationKind.stage_changed] == (False, True)
    assert preferences[NotificationKind.new_message] == (True, False)
    assert preferences[NotificationKind.deadline] == (False, False)
    assert NotificationKind.info_requested not in preferences
    client.post("/logout")
    login_as(staff)
    client.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version})
    client.post(f"/cases/{case.id}/messages", data={"body": "hello"})
    reopened = make_case("intake", company=exporter.company, author=exporter, assignee_id=staff.id)
    client.post(f"/cases/{reopened.id}/move", data={"transition": "return", "version": reopened.version,
                                                    "note": "More, please", "reason_id": reason_id()})
    rows = {r.kind: r for r in db.session.scalars(sa.select(Notification).where(Notification.user_id == exporter.id))}
    assert rows[NotificationKind.stage_changed].email_status is EmailStatus.off
    assert rows[NotificationKind.stage_changed].in_app
    assert rows[NotificationKind.new_message].email_status is EmailStatus.pending
    assert not rows[NotificationKind.new_message].in_app
    assert rows[NotificationKind.info_requested].email_status is EmailStatus.pending  # essential: always
    assert rows[NotificationKind.info_requested].in_app


def test_the_database_refuses_to_switch_off_an_essential_kind(app, factories):
    user = factories.exporter()
    db.session.add(NotificationPreference(user_id=user.id, kind=NotificationKind.password_reset, email=False,
                                          in_app=True))
    with pytest.raises(sa.exc.IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_staff_settings_offer_the_digest_and_not_company_news(client, login_as, factories):
    login_as(factories.staff())
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "daily_digest_email" in page and "company_status_email" not in page
    assert 'href="/account/notifications"' in client.get("/account").get_data(as_text=True)
