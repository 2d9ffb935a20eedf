"""Audit entries (ids, codes and keyed hashes, chained, never edited) and their erasable personal values."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, utcnow
from ipdesk.extensions import db


class AuditEntry(db.Model):
    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(64), index=True)
    object_type: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    object_id: Mapped[str | None] = mapped_column(sa.String(64))
    # The case the entry is about, for the log browser; no foreign key, the log outlives everything.
    case_id: Mapped[int | None] = mapped_column(index=True)
    # Ids, codes, numbers, dates and file hashes only: never a personal value.
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    # name -> HMAC-SHA256 of each personal value of the entry (the values: AuditPersonalValue).
    personal_hashes: Mapped[dict] = mapped_column(sa.JSON, default=dict, server_default=sa.text("'{}'"))
    # Unique: two entries can never follow the same one, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, index=True)
    entry_hash: Mapped[str] = mapped_column(sa.String(64))

    actor: Mapped["User | None"] = relationship()  # noqa: F821
    case: Mapped["Case | None"] = relationship(  # noqa: F821
        primaryjoin="foreign(AuditEntry.case_id) == Case.id", viewonly=True)
    personal_values: Mapped[list["AuditPersonalValue"]] = relationship(back_populates="entry")

    __table_args__ = (sa.CheckConstraint("length(prev_hash) = 64 AND length(entry_hash) = 64", name="hashes_hex"),)

    def personal(self, name: str) -> "AuditPersonalValue | None":
        return next((v for v in self.personal_values if v.name == name), None)


class AuditPersonalValue(db.Model):
    """A personal value of an audit entry (an e-mail, a name, a note, a client address). Not append-only:
    erasing it leaves the chain intact, since the entry chained only its keyed hash."""

    __tablename__ = "audit_personal_values"

    id: Mapped[int] = mapped_column(primary_key=True)
    entry_id: Mapped[int] = mapped_column(sa.ForeignKey("audit_entries.id"), index=True)
    name: Mapped[str] = mapped_column(sa.String(64))
    value: Mapped[str | None] = mapped_column(sa.Text)
    # The account the value is about, when one is known; no foreign key, like the entry's case.
    user_id: Mapped[int | None] = mapped_column(index=True)
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    entry: Mapped[AuditEntry] = relationship(back_populates="personal_values")

    __table_args__ = (
        sa.UniqueConstraint("entry_id", "name"),
        sa.CheckConstraint("(value IS NULL) = (erased_at IS NOT NULL)", name="erased_has_no_value"),
    )
