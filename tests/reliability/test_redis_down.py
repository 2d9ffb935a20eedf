"""Redis down (a Redis URL pointing at a port where nothing listens): sign-in and password reset keep working
with rate limits counted in the process's memory, and mail still goes out, password resets first."""
import email
import email.policy
import logging
import socket
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ipdesk.core.db import utcnow
from ipdesk.extensions import db, limiter
from ipdesk.notify.models import EmailStatus, Notification, NotificationKind
from ipdesk.notify.sender import claim_batch, local_sender
from ipdesk.notify.services import notify
from tests.conftest import PASSWORD, running_app

FALLBACK_MESSAGE = "falling back to in-memory storage"


def closed_redis_url() -> str:
    """A Redis URL on a loopback port nothing listens on (the machine's own Redis is left alone)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"


@pytest.fixture
def limiter_back_to_normal():
    yield
    # the one Limiter of the process outlives this test's app: later apps start from a healthy storage
    limiter._storage_dead = False


def test_sign_in_and_reset_work_and_stay_limited_with_redis_down(database_url, caplog, limiter_back_to_normal):
    url = closed_redis_url()
    with running_app(database_url, REDIS_URL=url, RATELIMIT_STORAGE_URI=url, LOGIN_RATE_LIMIT="3 per minute",
                     PASSWORD_RESET_RATE_LIMIT="2 per minute") as app:
        from tests import factories

        user = factories.exporter()
        db.session.commit()
        client = app.test_client()
        with caplog.at_level(logging.WARNING):
            wrong = [client.post("/login", data={"email": user.email, "password": "guess"}).status_code
                     for _ in range(3)]
            assert wrong == [200, 200, 200]
            # still limited, in memory: the fourth attempt from this address waits
            assert client.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 429

            owner = app.test_client()
            owner.environ_base["REMOTE_ADDR"] = "10.0.0.7"
            assert owner.post("/login", data={"email": user.email, "password": PASSWORD}).status_code == 302
            assert owner.get("/").status_code == 200

            resets = [app.test_client().post("/password/forgot", data={"email": user.email}).status_code
                      for _ in range(3)]
            assert resets == [302, 302, 429]
        said = [record for record in caplog.records if FALLBACK_MESSAGE in record.getMessage()]
        assert len(said) == 1, "the switch to memory is logged, once"
        assert said[0].levelno == logging.WARNING


def test_reset_mail_is_sent_by_the_web_process_when_redis_is_down(database_url, tmp_path, caplog):
    url = closed_redis_url()
    folder = tmp_path / "mail"
    with running_app(database_url, REDIS_URL=url, NOTIFY_SENDER="rq", MAIL_BACKEND="folder",
                     MAIL_FOLDER=str(folder)) as app:
        from tests import factories

        user = factories.exporter()
        db.session.commit()
        try:
            with caplog.at_level(logging.WARNING):
                response = app.test_client().post("/password/forgot", data={"email": user.email})
                assert response.status_code == 302
                deadline = time.monotonic() + 20
                while not list(folder.glob("*.eml")) and time.monotonic() < deadline:
                    time.sleep(0.1)
        finally:
            local_sender(app).stop()  # waits for the thread's batch to be marked
        mails = list(folder.glob("*.eml"))
        assert len(mails) == 1, "the reset mail went out without Redis"
        mail = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default)
        assert mail["To"] == user.email and "/password/reset/" in mail.get_content()
        assert any("Redis is unreachable" in record.getMessage() for record in caplog.records)
        db.session.expire_all()
        assert db.session.scalar(sa.select(Notification.email_status)) is EmailStatus.sent


def test_password_resets_are_claimed_before_a_backlog(app, factories):
    staff = factories.staff()
    for n in range(5):
        notify(staff, NotificationKind.daily_digest, f"digest {n}", dedupe_key=f"digest-{n}")
    db.session.commit()
    app.test_client().post("/password/forgot", data={"email": staff.email})
    _token, batch = claim_batch(utcnow() + timedelta(seconds=1), size=1)
    assert [db.session.get(Notification, mail.id).kind for mail in batch] == [NotificationKind.password_reset]
