"""A real SMTP server process (aiosmtpd) on 127.0.0.1 that keeps what it receives in a Maildir."""
import email
import email.policy
import mailbox
import socket
import subprocess
import sys
import time

import pytest

from tests.conftest import running_app


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SMTPServer:
    """``python -m aiosmtpd`` with the Maildir handler; can be stopped and started again on its port."""

    def __init__(self, folder):
        self.port = _free_port()
        self.maildir = folder / "maildir"
        self.process = None

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{self.port}",
             "-c", "aiosmtpd.handlers.Mailbox", str(self.maildir)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("the SMTP server did not start")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def messages(self) -> list[email.message.EmailMessage]:
        """Every message received so far, parsed, oldest first."""
        if not self.maildir.exists():
            return []
        box = mailbox.Maildir(str(self.maildir), create=False)
        parsed = [email.message_from_bytes(box.get_bytes(key), policy=email.policy.default) for key in box.keys()]
        return sorted(parsed, key=lambda m: int(m["Message-ID"].split("-")[1].split("@")[0]))

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages() if m["To"] == address]


@pytest.fixture
def smtp_server(tmp_path):
    server = SMTPServer(tmp_path)
    server.start()
    yield server
    server.stop()


def mail_settings(server: SMTPServer) -> dict:
    return {"MAIL_BACKEND": "smtp", "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": server.port, "MAIL_TIMEOUT": 5,
            "MAIL_FROM": "ipdesk <no-reply@ipdesk.test>", "LOGIN_RATE_LIMIT": "1000 per minute"}


@pytest.fixture
def app(database_url, smtp_server):
    """The app, mailing to the test's SMTP server; the outbox is sent when a test calls the sender."""
    with running_app(database_url, **mail_settings(smtp_server)) as app:
        yield app


@pytest.fixture
def send():
    """Run the sender as cron would, and return its report."""
    from ipdesk.notify.sender import send_pending

    return send_pending
