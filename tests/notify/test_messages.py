"""Each kind of message, delivered to a real SMTP server: who gets it, in which language, what it says,
and that nothing private leaks (internal notes, message texts, other companies' cases)."""
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Case, Stage
from ipdesk.core.db import utcnow
from ipdesk.deadlines.models import Deadline, DeadlineEnding, DeadlineSource
from ipdesk.extensions import db
from ipdesk.notify.models import EmailStatus, Notification, NotificationKind
from tests.factories import make_case, reason_id

SECRET_NOTE = "Counsel thinks the exporter's claim is weak"
MESSAGE_TEXT = "Please send the invoice of your test purchase"


@pytest.fixture
def people(factories):
    """A company with two users (English and Korean), staff of its case's hub, and an outsider company."""
    company = factories.CompanyFactory(name_en="Areum Cosmetics", name_ko="아름코스메틱")
    return {
        "company": company,
        "alice": factories.exporter(company=company, locale="en", email="alice@areum.example"),
        "minji": factories.exporter(company=company, locale="ko", email="minji@areum.example"),
        "outsider": factories.exporter(locale="en", email="bob@other.example"),
        "staff": factories.staff(hub_codes=("cn-north",), locale="en", email="wang@centre.example"),
        "colleague": factories.staff(hub_codes=("cn-north",), locale="en", email="li@centre.example"),
        "elsewhere": factories.staff(hub_codes=("th",), locale="en", email="somchai@centre.example"),
        "manager": factories.manager(locale="en", email="head@centre.example"),
    }


def _body(message) -> str:
    return message.get_content()


def _only_case_link(message, case) -> None:
    assert f"http://ipdesk.test/cases/{case.id}" in _body(message)


def test_a_submitted_case_gets_a_receipt_in_each_users_language(client, login_as, people, smtp_server, send):
    draft = make_case("draft", company=people["company"], author=people["alice"], title="Fake serum on Tmall")
    login_as(people["alice"])
    response = client.post(f"/cases/{draft.id}/move", data={"transition": "submit", "version": draft.version})
    assert response.status_code == 302
    assert send().sent == 4  # the receipt to the company's two users; the hub's two officers hear of it
    reference = db.session.get(Case, draft.id).reference
    (english,) = smtp_server.to("alice@areum.example")
    assert english["Content-Language"] == "en"
    assert english["Subject"] == f"Case {reference} received: Fake serum on Tmall"
    assert "The IP centre has received your case." in _body(english)
    assert "Hello " + people["alice"].name in _body(english)
    _only_case_link(english, draft)
    (korean,) = smtp_server.to("minji@areum.example")
    assert korean["Content-Language"] == "ko" and reference in korean["Subject"]
    _only_case_link(korean, draft)
    # the hub's staff hear of the new case at once; other hubs, managers and the other company hear nothing
    assert {m["To"] for m in smtp_server.messages()} == {"alice@areum.example", "minji@areum.example",
                                                         "wang@centre.example", "li@centre.example"}
    assert smtp_server.messages()[0]["From"] == "ipdesk <no-reply@ipdesk.test>"


def test_a_stage_change_reaches_the_company_and_not_the_one_who_made_it(client, login_as, people, smtp_server, send):
    case = make_case("intake", company=people["company"], author=people["alice"])
    login_as(people["staff"])
    assert client.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version}
                       ).status_code == 302
    send()
    (mail,) = smtp_server.to("alice@areum.example")
    assert mail["Subject"] == f"Case {case.reference} is now at the stage: Evidence collection"
    assert "from Intake to Evidence collection" in _body(mail)
    _only_case_link(mail, case)
    recipients = {m["To"] for m in smtp_server.messages()}
    # nobody is assigned, so the hub's other staff hear of it; the mover, other hubs and companies do not
    assert recipients == {"alice@areum.example", "minji@areum.example", "li@centre.example"}


def test_closing_tells_the_outcome_but_not_the_closing_note(client, login_as, people, smtp_server, send):
    case = make_case("action", company=people["company"], author=people["alice"], assignee_id=people["staff"].id)
    login_as(people["staff"])
    client.post(f"/cases/{case.id}/move", data={"transition": "close", "version": case.version, "outcome": "settled",
                                                "note": SECRET_NOTE})
    assert db.session.get(Case, case.id).stage is Stage.closed
    send()
    (mail,) = smtp_server.to("alice@areum.example")
    assert "Outcome: Settled" in _body(mail)
    assert SECRET_NOTE not in mail.as_string()


def test_a_request_for_information_does_not_carry_the_question(client, login_as, people, smtp_server, send):
    case = make_case("intake", company=people["company"], author=people["alice"])
    login_as(people["staff"])
    client.post(f"/cases/{case.id}/move", data={"transition": "return", "version": case.version, "note": MESSAGE_TEXT,
                                                "reason_id": reason_id("missing_proof_of_rights")})
    send()
    (mail,) = smtp_server.to("alice@areum.example")
    assert mail["Subject"] == f"Case {case.reference}: the IP centre asks for more information"
    assert MESSAGE_TEXT not in mail.as_string()  # the note stays on the case page; its reason is told
    assert "Reason: Missing proof of rights" in _body(mail)
    assert f"http://ipdesk.test/cases/{case.id}#messages" in _body(mail)
    assert not smtp_server.to("li@centre.example")  # a request to the exporter, not news for staff
    assert db.session.scalar(sa.select(sa.func.count()).where(
        Notification.kind == NotificationKind.new_message)) == 0  # the request is not also "a new message"


def test_messages_reach_the_other_side_and_internal_notes_only_staff(client, login_as, people, smtp_server, send):
    case = make_case("evidence", company=people["company"], author=people["alice"])
    login_as(people["staff"])
    client.post(f"/cases/{case.id}/messages", data={"body": SECRET_NOTE, "internal": "y"})
    client.post(f"/cases/{case.id}/messages", data={"body": MESSAGE_TEXT})
    send()
    everything = "\n".join(m.as_string() for m in smtp_server.messages())
    assert SECRET_NOTE not in everything and MESSAGE_TEXT not in everything
    (note, message) = smtp_server.to("li@centre.example")
    assert "internal note" in note["Subject"] and "a new message" in message["Subject"]
    for address, subject in (("alice@areum.example", f"Case {case.reference}: a new message"),
                             ("minji@areum.example", f"사건 {case.reference}: 새 메시지")):  # each in their language
        (only,) = smtp_server.to(address)  # the message, never the internal note
        assert "internal" not in only.as_string().lower() and "내부" not in only.get_payload(decode=True).decode()
        assert only["Subject"] == subject
    assert not smtp_server.to("wang@centre.example")  # not told of one's own words
    assert not smtp_server.to("bob@other.example") and not smtp_server.to("somchai@centre.example")
    # the exporter's in-app list does not hold the note either
    alice_rows = db.session.scalars(sa.select(Notification).where(Notification.user_id == people["alice"].id)).all()
    assert len(alice_rows) == 1 and "internal" not in alice_rows[0].body


def test_an_exporters_message_reaches_the_assigned_officer(client, login_as, people, smtp_server, send):
    case = make_case("evidence", company=people["company"], author=people["alice"], assignee_id=people["staff"].id)
    login_as(people["alice"])
    client.post(f"/cases/{case.id}/messages", data={"body": MESSAGE_TEXT})
    send()
    assert {m["To"] for m in smtp_server.messages()} == {"wang@centre.example", "minji@areum.example"}


def test_an_assignment_reaches_the_assignee(client, login_as, people, smtp_server, send):
    case = make_case("intake", company=people["company"], author=people["alice"])
    login_as(people["manager"])
    client.post(f"/cases/{case.id}/assign", data={"assignee_id": people["colleague"].id, "version": case.version})
    send()
    (mail,) = smtp_server.messages()
    assert mail["To"] == "li@centre.example"
    assert mail["Subject"] == f"Case {case.reference} is assigned to you"
    _only_case_link(mail, case)


def test_approval_and_suspension_reach_the_companys_users(client, login_as, people, factories, smtp_server, send):
    pending = factories.CompanyFactory(pending=True, name_en="Byeolbit Entertainment", name_ko="별빛엔터")
    applicant = factories.exporter(company=pending, locale="en", email="jisoo@byeolbit.example")
    korean = factories.exporter(company=pending, locale="ko", email="hana@byeolbit.example")
    login_as(people["manager"])
    assert client.post(f"/companies/{pending.id}/approve").status_code == 302
    assert client.post(f"/companies/{pending.id}/suspend", data={"reason": "Unpaid invoices"}).status_code == 302
    send()
    approved, suspended = smtp_server.to(applicant.email)
    assert approved["Subject"] == "Byeolbit Entertainment is approved: you can file cases now"
    assert "http://ipdesk.test/company" in _body(approved)
    assert suspended["Subject"] == "The account of Byeolbit Entertainment is suspended"
    assert "Unpaid invoices" not in suspended.as_string()
    korean_mails = smtp_server.to(korean.email)
    assert [m["Content-Language"] for m in korean_mails] == ["ko", "ko"]
    assert "별빛엔터" in korean_mails[0]["Subject"]  # the company's Korean name for a Korean reader
    assert {m["To"] for m in smtp_server.messages()} == {applicant.email, korean.email}


def _deadline(case, days: int, author) -> Deadline:
    deadline = Deadline(case_id=case.id, what="Opposition at CNIPA", due_on=utcnow().date() + timedelta(days=days),
                        source=DeadlineSource.manual, created_by_id=author.id)
    db.session.add(deadline)
    db.session.commit()
    return deadline


def test_deadline_reminders_are_made_once_however_often_the_command_runs(app, people, smtp_server, send):
    people["alice"].timezone = people["staff"].timezone = "UTC"  # "today" is the same day for the test and them
    people["minji"].is_active = people["colleague"].is_active = False  # fewer recipients to count
    db.session.commit()
    case = make_case("evidence", company=people["company"], author=people["alice"], assignee_id=people["staff"].id)
    other = make_case("evidence", company=people["outsider"].company, author=people["outsider"])
    for days in (7, 1, -1, 30, -30):
        _deadline(case, days, people["staff"])
    _deadline(other, 1, people["staff"])
    done = _deadline(case, 3, people["staff"])
    done.is_done, done.done_at, done.ending = True, utcnow(), DeadlineEnding.done
    closed = make_case("closed", company=people["company"], author=people["alice"])
    _deadline(closed, 1, people["staff"])
    db.session.commit()
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notify", "due"])
    assert first.exit_code == 0, first.output
    # 7 days, 1 day, passed: for the exporter and the assigned officer; and the other company's own one
    assert "8 deadline reminders" in first.output
    again = runner.invoke(args=["notify", "due"])
    assert "0 deadline reminders" in again.output
    assert send().sent == 8
    assert send().sent == 0
    subjects = sorted(m["Subject"] for m in smtp_server.to("alice@areum.example"))
    assert subjects == sorted([f"Case {case.reference}: a deadline has passed"]
                              + [f"Case {case.reference}: a deadline is coming up"] * 2)
    bodies = "\n".join(_body(m) for m in smtp_server.to("alice@areum.example"))
    assert "is due in 7 days" in bodies and "is due in 1 day," in bodies and "passed on" in bodies
    assert f"http://ipdesk.test/cases/{case.id}#deadlines" in bodies
    assert "Opposition at CNIPA" not in bodies  # what is due stays on the case page
    (outsiders,) = smtp_server.to("bob@other.example")
    assert other.reference in outsiders["Subject"] and case.reference not in outsiders.as_string()
    assert len(smtp_server.to("wang@centre.example")) == 4  # the assigned officer: his case's three and the other


def test_a_moved_deadline_is_reminded_of_again(app, people, send):
    people["alice"].timezone = "UTC"
    db.session.commit()
    case = make_case("evidence", company=people["company"], author=people["alice"])
    deadline = _deadline(case, 1, people["staff"])
    from ipdesk.notify.services import deadline_reminders

    assert deadline_reminders(utcnow()) > 0
    deadline.due_on += timedelta(days=6)  # corrected to a week later: the 7-day reminder is due
    db.session.commit()
    assert deadline_reminders(utcnow()) > 0
    assert deadline_reminders(utcnow()) == 0


def test_staff_get_a_daily_digest_of_their_hubs_new_cases(app, people, smtp_server, send):
    yesterday = utcnow() - timedelta(days=1)
    for user in (people["staff"], people["elsewhere"], people["colleague"]):
        user.timezone = "UTC"
    db.session.commit()
    china = [make_case("intake", company=people["company"], author=people["alice"], country="CN",
                       submitted_at=yesterday, title=f"Fake serum {n}") for n in range(2)]
    make_case("intake", company=people["company"], author=people["alice"], country="CN",
              submitted_at=utcnow() - timedelta(days=3))  # older: not in yesterday's digest
    thai = make_case("intake", company=people["company"], author=people["alice"], country="TH", submitted_at=yesterday)
    runner = app.test_cli_runner()
    assert "3 daily digests" in runner.invoke(args=["notify", "due"]).output
    assert "0 daily digests" in runner.invoke(args=["notify", "due"]).output
    send()
    (digest,) = smtp_server.to("wang@centre.example")
    assert digest["Subject"] == "New cases of your IP centre: 2"
    for case in china:
        assert case.reference in _body(digest) and case.title in _body(digest)
        assert f"http://ipdesk.test/cases/{case.id}" in _body(digest)
    assert thai.reference not in _body(digest)
    (thai_digest,) = smtp_server.to("somchai@centre.example")
    assert thai.reference in _body(thai_digest) and china[0].reference not in _body(thai_digest)
    assert not smtp_server.to("alice@areum.example")  # digests are for staff


def test_the_outbox_row_is_written_with_the_change_or_not_at_all(client, login_as, people):
    """A refused move (a stale form) leaves no notification behind."""
    case = make_case("intake", company=people["company"], author=people["alice"])
    login_as(people["staff"])
    assert client.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": "99"}).status_code == 409
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification)) == 0
    assert client.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version}
                       ).status_code == 302
    rows = db.session.scalars(sa.select(Notification)).all()
    assert rows and all(r.email_status is EmailStatus.pending for r in rows)
