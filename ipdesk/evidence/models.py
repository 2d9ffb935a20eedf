"""Evidence items, their files and the files' chain-of-custody events."""
from datetime import date, datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class EvidenceKind(LabelledEnum):
    screenshot = "screenshot", _l("Screenshot")
    photo = "photo", _l("Photo")
    test_purchase = "test_purchase", _l("Test purchase")
    notarised_page = "notarised_page", _l("Notarised web page")
    sample = "sample", _l("Product sample")
    registration = "registration", _l("Registration certificate")
    document = "document", _l("Document")
    recording = "recording", _l("Video or audio recording")
    other = "other", _l("Other")


class CustodyKind(LabelledEnum):
    uploaded = "uploaded", _l("Uploaded")
    downloaded = "downloaded", _l("Downloaded")
    exported = "exported", _l("Exported in an evidence bundle")
    notarised = "notarised", _l("Notarised")
    submitted = "submitted", _l("Submitted to an authority")
    verified = "verified", _l("Integrity verified")
    mismatch = "mismatch", _l("Integrity check failed")


class EvidenceItem(db.Model):
    """A piece of evidence on a case: what it shows and where it came from; its files hang off it."""

    __tablename__ = "evidence_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[EvidenceKind] = mapped_column(enum_column(EvidenceKind, "evidence_kind"))
    description: Mapped[str] = mapped_column(sa.Text)
    collected_on: Mapped[date | None] = mapped_column(sa.Date)
    collected_by: Mapped[str] = mapped_column(sa.String(200), default="")
    source: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped["User"] = relationship()  # noqa: F821


class EvidenceFile(db.Model):
    """One stored file: its hash, size and type are kept for good, its name only for display."""

    __tablename__ = "evidence_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence_items.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64), index=True)
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    uploaded_by: Mapped["User"] = relationship()  # noqa: F821

    __table_args__ = (sa.CheckConstraint("size > 0", name="not_empty"),
                      sa.CheckConstraint("length(sha256) = 64", name="sha256_hex"))


class CustodyEvent(db.Model):
    """Who did what with an evidence file, and when; never changed afterwards."""

    __tablename__ = "custody_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    file_id: Mapped[int] = mapped_column(sa.ForeignKey("evidence_files.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    kind: Mapped[CustodyKind] = mapped_column(enum_column(CustodyKind, "custody_kind"))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    actor: Mapped["User | None"] = relationship()  # noqa: F821


class StagedFile(db.Model):
    """A file that came with a form that was sent back (an error elsewhere on it): stored and hashed like
    evidence, shown as attached when the form comes back, and filed as evidence when the form goes through.
    Its owner sees it by ``token``; ``flask evidence verify --repair`` removes those never filed."""

    __tablename__ = "staged_files"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(32), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    case_id: Mapped[int | None] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    width: Mapped[int | None] = mapped_column()
    height: Mapped[int | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    __table_args__ = (sa.CheckConstraint("size > 0", name="not_empty"),
                      sa.CheckConstraint("length(sha256) = 64", name="sha256_hex"))
