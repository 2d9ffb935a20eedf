"""Audit entries: an untranslated summary plus structured data, chained by hash; the database refuses edits."""
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
    summary: Mapped[str] = mapped_column(sa.Text)
    data: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    # Unique: two entries can never follow the same one, so the chain cannot fork.
    prev_hash: Mapped[str] = mapped_column(sa.String(64), unique=True, index=True)
    entry_hash: Mapped[str] = mapped_column(sa.String(64))

    actor: Mapped["User | None"] = relationship()  # noqa: F821
    case: Mapped["Case | None"] = relationship(  # noqa: F821
        primaryjoin="foreign(AuditEntry.case_id) == Case.id", viewonly=True)

    __table_args__ = (sa.CheckConstraint("length(prev_hash) = 64 AND length(entry_hash) = 64", name="hashes_hex"),)
