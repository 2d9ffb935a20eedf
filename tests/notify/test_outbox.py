"""The outbox survives a mail server outage, retries with backoff, gives up in the end, and two senders
running at once never send a message twice."""
import smtplib
import threading
import time
import uuid
from datetime import timedelta

import pytest
import redis
import sqlalchemy as sa
from flask import current_app

from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from ipdesk.notify import sender as sender_module
from ipdesk.notify.mail import SMTPTransport
from ipdesk.notify.models import EmailStatus, Notification, NotificationKind
from ipdesk.notify.sender import claim_batch, local_sender, send_pending
from ipdesk.notify.services import notify
from tests.conftest import IS_POSTGRES, PASSWORD, running_app
from tests.factories import make_case
from tests.notify.conftest import mail_settings

REDIS_URL = "redis://127.0.0.1:6379/15"


def _rows():
    db.session.commit()  # a fresh look at what the senders wrote
    # read as a GET would: outside a request SQLite begins for writing, and a poll holding the write
    # lock would race the sender thread it is watching
    with current_app.test_request_context():
        return db.session.scalars(sa.select(Notification).order_by(Notification.id)).all()


def _wait_for(condition, seconds: float = 15):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        db.session.commit()
        time.sleep(0.05)
    raise AssertionError("timed out")


def _accept_a_case(client, login_as, factories):
    exporter = factories.exporter(locale="en", email="alice@areum.example")
    staff = factories.staff(hub_codes=("cn-north",), locale="en")
    case = make_case("intake", company=exporter.company, author=exporter, assignee_id=staff.id)
    login_as(staff)
    response = client.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version})
    return case, response


def test_an_smtp_outage_loses_nothing_and_each_message_goes_out_once_it_is_back(
        app, client, login_as, factories, smtp_server):
    smtp_server.stop()
    case, response = _accept_a_case(client, login_as, factories)
    assert response.status_code == 302  # the user's request does not wait for, or fail with, the mail server
    started = utcnow()
    report = send_pending(now=started)
    assert (report.sent, report.retrying, report.failed) == (0, 1, 0)
    (row,) = _rows()
    assert row.email_status is EmailStatus.pending and row.attempts == 1 and "Connection" in row.last_error
    assert row.next_attempt_at == started + timedelta(seconds=60)
    assert send_pending(now=started + timedelta(seconds=30)).retrying == 0  # backing off: not tried yet
    assert _rows()[0].attempts == 1
    second = started + timedelta(seconds=61)
    assert send_pending(now=second).retrying == 1  # still down: the pause doubles
    assert _rows()[0].next_attempt_at == second + timedelta(seconds=120)

    smtp_server.start()
    assert send_pending(now=second + timedelta(seconds=30)).sent == 0  # its time has not come yet
    assert send_pending(now=second + timedelta(minutes=5)).sent == 1
    assert send_pending(now=second + timedelta(hours=5)).sent == 0
    (mail,) = smtp_server.messages()
    assert mail["To"] == "alice@areum.example" and case.reference in mail["Subject"]
    (row,) = _rows()
    assert row.email_status is EmailStatus.sent and row.sent_at is not None and row.attempts == 3
    assert row.last_error == "" and row.claim_token is None


def test_the_web_process_sends_by_itself_and_keeps_what_it_could_not_send(database_url, smtp_server, factories):
    """With the thread sender (``make run``, or gunicorn without Redis) mail goes out right after the change;
    while the server is down the change still succeeds and its mail waits in the outbox."""
    with running_app(database_url, **mail_settings(smtp_server), NOTIFY_SENDER="thread",
                     NOTIFY_POLL_SECONDS=3600) as app:
        client = app.test_client()
        exporter = factories.exporter(locale="en", email="alice@areum.example")
        staff = factories.staff(hub_codes=("cn-north",), locale="en")
        first = make_case("intake", company=exporter.company, author=exporter, assignee_id=staff.id)
        second = make_case("intake", company=exporter.company, author=exporter, assignee_id=staff.id)
        assert client.post("/login", data={"email": staff.email, "password": PASSWORD}).status_code == 302
        try:
            client.post(f"/cases/{first.id}/move", data={"transition": "accept", "version": first.version})
            _wait_for(lambda: len(smtp_server.messages()) == 1)
            smtp_server.stop()
            response = client.post(f"/cases/{second.id}/move", data={"transition": "accept",
                                                                      "version": second.version})
            assert response.status_code == 302
            # the claim counts the attempt; the failed send then puts the row back to wait
            _wait_for(lambda: _rows()[-1].attempts == 1 and _rows()[-1].email_status is EmailStatus.pending)
            waiting = _rows()[-1]
            assert waiting.email_status is EmailStatus.pending and waiting.case_id == second.id
            smtp_server.start()
            assert send_pending(now=utcnow() + timedelta(minutes=2)).sent == 1
            assert [m["Subject"].split()[1] for m in smtp_server.messages()] == [first.reference, second.reference]
        finally:
            local_sender(app).stop()


def _many_notifications(factories, count: int) -> None:
    users = [factories.exporter(locale="en") for _ in range(4)]
    case = make_case("evidence", company=users[0].company, author=users[0])
    for n in range(count):
        notify(users[n % 4], NotificationKind.new_message, f"Message {n}", case=case)
    db.session.commit()


def test_two_senders_at_once_never_send_the_same_message_twice(app, factories, smtp_server, monkeypatch):
    _many_notifications(factories, 80)
    original = SMTPTransport.send

    def slow_send(self, message):  # the senders overlap for certain
        time.sleep(0.005)
        original(self, message)
        sent_by[threading.current_thread().name] += 1

    monkeypatch.setattr(SMTPTransport, "send", slow_send)
    claim = sender_module.claim_batch
    claimed = []

    def recorded_claim(now, size):
        token, batch = claim(now, size)
        claimed.append(len(batch))
        return token, batch

    monkeypatch.setattr(sender_module, "claim_batch", recorded_claim)
    sent_by = {"sender-1": 0, "sender-2": 0, "sender-3": 0}
    start = threading.Barrier(len(sent_by))
    errors = []

    def sender():
        try:
            with app.app_context():
                start.wait()
                send_pending(batch_size=3)
                db.session.remove()
        except Exception as error:  # reported below, not lost in the thread
            errors.append(error)

    threads = [threading.Thread(target=sender, name=name) for name in sent_by]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    ids = [m["Message-ID"] for m in smtp_server.messages()]
    assert len(ids) == 80 and len(set(ids)) == 80
    assert sum(sent_by.values()) == 80 and min(sent_by.values()) > 0, sent_by  # all three really took part
    assert max(claimed) == 3 and sum(claimed) == 80  # never more than a batch at a time
    rows = _rows()
    assert {r.email_status for r in rows} == {EmailStatus.sent} and {r.attempts for r in rows} == {1}


def test_on_postgresql_a_sender_skips_the_rows_another_one_holds(app, factories):
    if not IS_POSTGRES:
        pytest.skip("SQLite lets one writer at a time: a second sender waits for the first one's claim")
    _many_notifications(factories, 6)
    first_three = [r.id for r in _rows()[:3]]
    with db.engine.connect() as other_sender:
        other_sender.execute(sa.text("SET lock_timeout = '2s'"))
        other_sender.execute(sa.select(Notification.id).where(Notification.id.in_(first_three)).with_for_update())
        _token, batch = claim_batch(utcnow(), 5)  # does not wait for the other sender's lock
        other_sender.rollback()
    assert [mail.id for mail in batch] == [r.id for r in _rows()[3:]]


def test_a_claim_left_by_a_dead_sender_lapses_and_a_live_one_is_respected(app, factories, smtp_server):
    _many_notifications(factories, 2)
    dead, live = _rows()
    long_ago = utcnow() - timedelta(minutes=20)
    db.session.execute(sa.update(Notification).where(Notification.id == dead.id).values(
        email_status=EmailStatus.sending, claim_token="a" * 32, claimed_at=long_ago, attempts=1))
    db.session.execute(sa.update(Notification).where(Notification.id == live.id).values(
        email_status=EmailStatus.sending, claim_token="b" * 32, claimed_at=utcnow(), attempts=1))
    db.session.commit()
    assert send_pending().sent == 1
    dead, live = _rows()
    assert dead.email_status is EmailStatus.sent and dead.attempts == 2
    assert live.email_status is EmailStatus.sending and live.claim_token == "b" * 32
    assert [m["Message-ID"] for m in smtp_server.messages()] == [f"<notification-{dead.id}@ipdesk.test>"]


@pytest.mark.parametrize(("code", "status"), [(550, EmailStatus.failed), (451, EmailStatus.pending)])
def test_a_refused_recipient_is_given_up_and_a_busy_server_retried(app, factories, monkeypatch, code, status):
    _many_notifications(factories, 1)

    def refuse(self, message):
        raise smtplib.SMTPRecipientsRefused({message["To"]: (code, b"mailbox says no")})

    monkeypatch.setattr(SMTPTransport, "send", refuse)
    send_pending()
    (row,) = _rows()
    assert row.email_status is status and row.attempts == 1 and "SMTPRecipientsRefused" in row.last_error


def test_after_the_last_attempt_admins_see_the_failure_and_can_try_again(
        app, client, login_as, factories, smtp_server):
    app.config["NOTIFY_MAX_ATTEMPTS"] = 2
    _many_notifications(factories, 1)
    smtp_server.stop()
    now = utcnow()
    send_pending(now=now)
    send_pending(now=now + timedelta(hours=1))
    (row,) = _rows()
    assert row.email_status is EmailStatus.failed and row.attempts == 2
    login_as(factories.admin())
    page = client.get("/admin/outbox").get_data(as_text=True)
    assert "Failed" in page and row.email_to in page and "ConnectionRefusedError" in page
    smtp_server.start()
    assert client.post("/admin/outbox/retry").status_code == 302
    assert send_pending().sent == 1
    assert _rows()[0].email_status is EmailStatus.sent
    assert "No e-mail is having trouble." in client.get("/admin/outbox").get_data(as_text=True)


def test_a_sent_reset_link_is_not_kept_in_the_outbox(app, client, factories, smtp_server):
    user = factories.exporter(locale="en")
    client.post("/password/forgot", data={"email": user.email})
    (row,) = _rows()
    assert "/password/reset/" in row.body and not row.in_app
    send_pending()
    (row,) = _rows()
    assert row.email_status is EmailStatus.sent and row.body == ""
    assert "/password/reset/" in smtp_server.messages()[0].get_content()


def test_with_redis_each_change_queues_a_send_job(database_url, smtp_server, factories):
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379 (.ci/run starts it)")
    from rq import Queue, SimpleWorker

    queue_name = f"ipdesk-test-{uuid.uuid4().hex}"
    with running_app(database_url, **mail_settings(smtp_server), REDIS_URL=REDIS_URL, NOTIFY_SENDER="rq",
                     NOTIFY_QUEUE=queue_name) as app:
        client = app.test_client()
        exporter = factories.exporter(locale="en", email="alice@areum.example")
        staff = factories.staff(hub_codes=("cn-north",), locale="en")
        case = make_case("intake", company=exporter.company, author=exporter, assignee_id=staff.id)
        assert client.post("/login", data={"email": staff.email, "password": PASSWORD}).status_code == 302
        client.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version})
        connection = redis.Redis.from_url(REDIS_URL)
        queue = Queue(queue_name, connection=connection)
        try:
            assert queue.count == 1
            SimpleWorker([queue], connection=connection).work(burst=True)
        finally:
            queue.delete(delete_jobs=True)
        (mail,) = smtp_server.messages()
        assert mail["To"] == "alice@areum.example" and case.reference in mail["Subject"]


def test_without_a_mail_server_development_keeps_mail_in_a_folder_or_prints_it(app, factories, tmp_path, capsys):
    _many_notifications(factories, 2)
    app.config.update(MAIL_BACKEND="folder", MAIL_FOLDER=str(tmp_path / "mail"))
    assert send_pending(batch_size=1).sent == 2  # batch by batch until none is due
    files = sorted((tmp_path / "mail").glob("*.eml"))
    assert [f.name for f in files] == [f"notification-{r.id}.eml" for r in _rows()]
    assert "Message 0" in files[0].read_text()
    first = _rows()[0]
    # sent again (a sender that died after sending, before marking it sent): the folder keeps both copies
    db.session.execute(sa.update(Notification).where(Notification.id == first.id)
                       .values(email_status=EmailStatus.pending, sent_at=None))
    db.session.commit()
    assert send_pending().sent == 1
    assert sorted(f.name for f in (tmp_path / "mail").glob(f"notification-{first.id}.*")) == [
        f"notification-{first.id}.2.eml", f"notification-{first.id}.eml"]
    assert not list((tmp_path / "mail").glob(".*"))  # no partial file left behind
    _many_notifications(factories, 1)
    app.config["MAIL_BACKEND"] = "console"
    assert send_pending().sent == 1
    assert "Subject: Message 0" in capsys.readouterr().out


def test_an_unreachable_redis_does_not_fail_the_change(database_url, smtp_server, factories, caplog):
    with running_app(database_url, **mail_settings(smtp_server), REDIS_URL="redis://127.0.0.1:9/0",
                     RATELIMIT_STORAGE_URI="memory://", NOTIFY_SENDER="rq") as app:
        client = app.test_client()
        exporter = factories.exporter(locale="en")
        staff = factories.staff(hub_codes=("cn-north",), locale="en")
        case = make_case("intake", company=exporter.company, author=exporter, assignee_id=staff.id)
        assert client.post("/login", data={"email": staff.email, "password": PASSWORD}).status_code == 302
        response = client.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version})
        assert response.status_code == 302
        # the web process sends it itself (tests/reliability/test_redis_down.py)
        assert "Redis is unreachable" in caplog.text
        local_sender(app).stop()
        send_pending()  # whatever the thread had not sent yet
        assert len(smtp_server.messages()) == 1
