"""Mail transports, chosen by ``MAIL_BACKEND``: SMTP, the console, or a folder of .eml files."""
import itertools
import os
import secrets
import smtplib
import sys
from dataclasses import dataclass
from email.header import Header
from email.message import EmailMessage
from email.utils import formatdate
from pathlib import Path
from urllib.parse import urlsplit

from flask import current_app


@dataclass(frozen=True)
class OutgoingMail:
    """What a sender needs of one claimed outbox row: plain data, no database session behind it."""

    id: int
    to: str
    subject: str
    body: str
    language: str


def encoded_words(text: str) -> str:
    """``text`` as a header value of RFC 2047 encoded words (UTF-8, base64), folded onto lines of at most 78
    characters with every space inside a word.

    Mail programs drop the white space between two encoded words, and the email package's own folding (of the
    Python 3.11 this app runs on) sometimes leaves a space of a long Korean subject there, between a plain
    word and the encoded words around it: "사건 접수" arrived as "사건접수". ``email.header.Header`` encodes the
    whole text as one run, split only between characters; ``set_raw`` keeps it as folded here.
    """
    return Header(text, "utf-8", header_name="Subject").encode(linesep="\n")


def build_message(mail: OutgoingMail) -> EmailMessage:
    config = current_app.config
    message = EmailMessage()
    message["From"] = config["MAIL_FROM"]
    message["To"] = mail.to
    if mail.subject.isascii():
        message["Subject"] = mail.subject
    else:
        message.set_raw("Subject", encoded_words(mail.subject))
    message["Date"] = formatdate(usegmt=True)
    # One Message-ID per outbox row: should a crash ever make a sender repeat a message, mail
    # programs recognise the copy.
    domain = urlsplit(config["BASE_URL"]).hostname or "localhost"
    message["Message-ID"] = f"<notification-{mail.id}@{domain}>"
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(mail.body)
    message["Content-Language"] = mail.language  # after the content: setting it clears Content-* headers
    return message


class SMTPTransport:
    """One SMTP connection for a batch of messages."""

    def open(self) -> None:
        config = current_app.config
        host, port, timeout = config["MAIL_SERVER"], config["MAIL_PORT"], config["MAIL_TIMEOUT"]
        if config["MAIL_USE_SSL"]:
            self.connection = smtplib.SMTP_SSL(host, port, timeout=timeout)
        else:
            self.connection = smtplib.SMTP(host, port, timeout=timeout)
        try:
            if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
                self.connection.starttls()
            if config["MAIL_USERNAME"]:
                self.connection.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"] or "")
        except Exception:
            self.connection.close()
            raise

    def send(self, message: EmailMessage) -> None:
        self.connection.send_message(message)

    def close(self) -> None:
        try:
            self.connection.quit()
        except (smtplib.SMTPException, OSError):
            self.connection.close()


class ConsoleTransport:
    """Prints each message as its reader sees it: headers decoded, the text and its links in clear (development)."""

    PLUMBING = {"mime-version", "content-type", "content-transfer-encoding"}

    def open(self) -> None:
        pass

    def send(self, message: EmailMessage) -> None:
        headers = "".join(f"{name}: {value}\n" for name, value in message.items()
                          if name.lower() not in self.PLUMBING)
        sys.stdout.write(f"{'-' * 30} mail {'-' * 30}\n{headers}\n{message.get_content()}\n")
        sys.stdout.flush()

    def close(self) -> None:
        pass


class FolderTransport:
    """Writes each message as an .eml file into ``MAIL_FOLDER`` (development), named by its Message-ID. A message
    sent again is kept beside the first copy (``<name>.2.eml``, ...), as a mailbox would receive it twice: the
    folder shows what a mail server would have been given, duplicates included."""

    def open(self) -> None:
        self.folder = Path(current_app.config["MAIL_FOLDER"])
        self.folder.mkdir(parents=True, exist_ok=True)

    def send(self, message: EmailMessage) -> None:
        name = message["Message-ID"].strip("<>").split("@")[0]
        partial = self.folder / f".{name}.{secrets.token_hex(8)}.part"  # two senders never write the same one
        partial.write_bytes(bytes(message))
        try:
            for copy in itertools.count(1):
                try:  # a link never replaces a file: the first free name is taken, even by senders side by side
                    os.link(partial, self.folder / (f"{name}.eml" if copy == 1 else f"{name}.{copy}.eml"))
                    return
                except FileExistsError:
                    continue
        finally:
            partial.unlink()

    def close(self) -> None:
        pass


TRANSPORTS = {"smtp": SMTPTransport, "console": ConsoleTransport, "folder": FolderTransport}


def transport():
    """The configured transport, not yet connected (``open``, ``send`` each message, ``close``)."""
    backend = current_app.config["MAIL_BACKEND"]
    if backend not in TRANSPORTS:
        raise RuntimeError(f"MAIL_BACKEND must be one of {', '.join(TRANSPORTS)}, not {backend!r}")
    return TRANSPORTS[backend]()


def is_permanent(error: Exception) -> bool:
    """Whether retrying cannot help: the server refused the message or its recipient for good (5xx)."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False
