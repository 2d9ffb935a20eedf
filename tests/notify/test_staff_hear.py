"""Staff hear at once: a submitted case reaches its hub's staff (urgent ones marked), and a company that
registers reaches the managers and the staff of the hubs covering the countries it exports to."""
import sqlalchemy as sa

from ipdesk.auth.models import User
from ipdesk.cases.models import Case, Urgency
from ipdesk.companies.models import Company
from ipdesk.extensions import db
from ipdesk.notify.models import EmailStatus, Notification, NotificationKind, NotificationPreference
from tests.auth.test_registration import VALID
from tests.conftest import confirm_registration
from tests.factories import make_case

K = NotificationKind


def _rows(kind: NotificationKind) -> dict[str, Notification]:
    """The notifications of ``kind``, by their reader's e-mail address."""
    db.session.expire_all()
    rows = db.session.execute(sa.select(User.email, Notification).join(User, User.id == Notification.user_id)
                              .where(Notification.kind == kind)).all()
    emails = [email for email, _ in rows]
    assert len(emails) == len(set(emails)), "someone heard twice"
    return {email: row for email, row in rows}


def _hub_people(factories):
    company = factories.CompanyFactory(name_en="Areum Cosmetics", name_ko="아름코스메틱")
    people = {
        "alice": factories.exporter(company=company, locale="en", email="alice@areum.example"),
        "wang": factories.staff(hub_codes=("cn-north",), locale="en", email="wang@centre.example"),
        "li": factories.staff(hub_codes=("cn-north",), locale="ko", email="li@centre.example"),
        "quiet": factories.staff(hub_codes=("cn-north",), locale="en", email="quiet@centre.example"),
        "gone": factories.staff(hub_codes=("cn-north",), locale="en", email="gone@centre.example", is_active=False),
        "somchai": factories.staff(hub_codes=("th",), locale="en", email="somchai@centre.example"),
        "manager": factories.manager(locale="en", email="head@centre.example"),
    }
    db.session.add(NotificationPreference(user_id=people["quiet"].id, kind=K.new_case_at_hub, email=False,
                                          in_app=False))
    db.session.add(NotificationPreference(user_id=people["li"].id, kind=K.new_case_at_hub, email=False, in_app=True))
    db.session.commit()
    return company, people


def _submit(client, case):
    response = client.post(f"/cases/{case.id}/move", data={"transition": "submit", "version": case.version})
    assert response.status_code == 302
    return db.session.get(Case, case.id).reference


def test_an_urgent_submitted_case_reaches_its_hubs_staff_at_once_marked_urgent(
        client, login_as, factories, smtp_server, send):
    company, people = _hub_people(factories)
    draft = make_case("draft", company=company, author=people["alice"], title="Fake cushions on Tmall",
                      urgency=Urgency.urgent)
    login_as(people["alice"])
    reference = _submit(client, draft)

    rows = _rows(K.new_case_at_hub)
    # the hub's active staff per their settings: not the submitter, another hub, a manager, a switched-off reader
    assert set(rows) == {"wang@centre.example", "li@centre.example"}
    wang, li = rows["wang@centre.example"], rows["li@centre.example"]
    assert wang.subject == f"Urgent: new case {reference} at your IP centre: Fake cushions on Tmall"
    assert wang.in_app and wang.email_status is EmailStatus.pending and wang.link_path == f"/cases/{draft.id}"
    assert li.subject == f"긴급: 내 센터의 새 사건 {reference}: Fake cushions on Tmall"  # in her language
    assert li.in_app and li.email_status is EmailStatus.off  # she switched e-mail off for this kind

    send()
    (mail,) = smtp_server.to("wang@centre.example")
    assert str(mail["Subject"]).strip().startswith("Urgent: new case " + reference)  # a long subject is folded
    body = mail.get_content()
    assert "An urgent case has arrived at your IP centre." in body
    assert "Company: Areum Cosmetics" in body and "Country: China" in body
    assert f"http://ipdesk.test/cases/{draft.id}" in body
    assert not smtp_server.to("li@centre.example") and not smtp_server.to("somchai@centre.example")

    client.post("/logout")
    login_as(people["wang"])
    assert f"Urgent: new case {reference}" in client.get("/notifications").get_data(as_text=True)


def test_a_case_submitted_by_an_officer_reaches_the_hubs_other_staff_unmarked(client, login_as, factories):
    company, people = _hub_people(factories)
    draft = make_case("draft", company=company, author=people["wang"], title="Webtoon piracy")
    login_as(people["wang"])
    reference = _submit(client, draft)
    rows = _rows(K.new_case_at_hub)
    assert set(rows) == {"li@centre.example"}  # the officer who submitted it knows
    assert rows["li@centre.example"].subject == f"내 센터의 새 사건 {reference}: Webtoon piracy"
    assert not rows["li@centre.example"].subject.startswith("긴급")


def test_a_returned_case_sent_back_is_not_news_again(client, login_as, factories):
    company, people = _hub_people(factories)
    case = make_case("returned", company=company, author=people["alice"])
    login_as(people["alice"])
    client.post(f"/cases/{case.id}/move", data={"transition": "resubmit", "version": case.version})
    assert _rows(K.new_case_at_hub) == {}


def _register(client, countries, **changes):
    """Register, and open the link mailed to the address (staff hear of a company once it is confirmed)."""
    assert client.post("/register", data={**VALID, "export_countries": countries, **changes},
                       headers={"Accept-Language": "ko"}).status_code == 302
    assert _rows(K.company_awaiting_approval) == {}
    return confirm_registration(client, VALID["email"])


def test_a_new_company_reaches_the_managers_and_the_staff_of_the_hubs_covering_its_countries(
        client, factories, smtp_server, send):
    readers = {
        "thai": factories.staff(hub_codes=("th",), locale="en", email="somchai@centre.example"),
        "us-west": factories.staff(hub_codes=("us-west",), locale="en", email="west@centre.example"),  # second hub
        "both": factories.staff(hub_codes=("th", "us-east"), locale="en", email="both@centre.example"),
        "manager": factories.manager(locale="ko", email="head@centre.example"),
    }
    others = {
        "china": factories.staff(hub_codes=("cn-north",), email="wang@centre.example"),
        "gone": factories.staff(hub_codes=("th",), email="gone@centre.example", is_active=False),
        "former": factories.manager(email="former@centre.example", is_active=False),
        "admin": factories.admin(email="admin@centre.example"),
        "exporter": factories.exporter(email="bob@other.example"),
    }
    db.session.add(NotificationPreference(user_id=readers["both"].id, kind=K.company_awaiting_approval, email=False,
                                          in_app=True))
    db.session.commit()
    assert _register(client, ["TH", "US"]).status_code == 302
    company = db.session.scalar(sa.select(Company).where(Company.registration_number == "1248100998"))
    assert company.export_countries == ["TH", "US"]

    rows = _rows(K.company_awaiting_approval)
    assert set(rows) == {user.email for user in readers.values()}  # once each, even staff of two covering hubs
    assert not set(rows) & {user.email for user in others.values()}
    assert all(row.link_path == f"/companies/{company.id}" for row in rows.values())
    assert rows["somchai@centre.example"].subject == "Areum Cosmetics has registered and awaits approval"
    assert rows["head@centre.example"].subject == "아름코스메틱 가입, 승인 대기 중"  # the manager's language
    assert rows["both@centre.example"].email_status is EmailStatus.off and rows["both@centre.example"].in_app

    send()
    (mail,) = smtp_server.to("somchai@centre.example")
    body = mail.get_content()
    assert "Areum Cosmetics has registered on ipdesk and awaits approval." in body
    assert "Countries it exports to: Thailand, United States" in body
    assert f"http://ipdesk.test/companies/{company.id}" in body
    (korean,) = smtp_server.to("head@centre.example")
    assert "수출 국가: 태국, 미국" in korean.get_content()
    assert not smtp_server.to("wang@centre.example") and not smtp_server.to("admin@centre.example")


def test_the_settings_offer_the_new_kinds_to_whom_they_concern(client, login_as, factories):
    login_as(factories.staff())
    page = client.get("/account/notifications").get_data(as_text=True)
    assert "new_case_at_hub_email" in page and "company_awaiting_approval_in_app" in page
    client.post("/logout")
    login_as(factories.manager())
    page = client.get("/account/notifications").get_data(as_text=True)
    # managers approve companies of every country; a new case is its hub's to triage
    assert "company_awaiting_approval_email" in page and "new_case_at_hub" not in page
    assert "report_ready_email" in page  # the all-country pack they asked for is ready
    response = client.post("/account/notifications", data={"company_awaiting_approval_in_app": "y"})
    assert response.status_code == 302
    (preference,) = db.session.scalars(sa.select(NotificationPreference).where(
        NotificationPreference.kind == K.company_awaiting_approval)).all()
    assert (preference.kind, preference.email, preference.in_app) == (K.company_awaiting_approval, False, True)
