"""Country guides: articles that help exporters prevent disputes, per country (and optionally per sector or IP
right), in Korean and English; each edit is a revision of its own, and a guide shows the revision last published.
Files attached to a guide pass the evidence upload checks and live in the evidence storage."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.cases.models import IPRight
from ipdesk.companies.models import Sector
from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.i18n import current_locale
from ipdesk.extensions import db


class Guide(db.Model):
    """A guide: what it is about (a country; a sector or IP right if it is narrower), and which of its revisions
    readers see (``published_number``, None while it has never been published or is withdrawn)."""

    __tablename__ = "guides"

    id: Mapped[int] = mapped_column(primary_key=True)
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"))
    sector: Mapped[Sector | None] = mapped_column(enum_column(Sector, "case_sector"))
    ip_right: Mapped[IPRight | None] = mapped_column(enum_column(IPRight, "ip_right"))
    published_number: Mapped[int | None]
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # when that revision was published
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    revisions: Mapped[list["GuideRevision"]] = relationship(
        back_populates="guide", order_by="GuideRevision.number", cascade="all, delete-orphan")
    attachments: Mapped[list["GuideAttachment"]] = relationship(
        back_populates="guide", order_by="GuideAttachment.id", cascade="all, delete-orphan")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # the guides of a country, the published ones first found: the list's filter, the intake's link
        sa.Index("ix_guides_country_code_published", "country_code", "published_number"),
        sa.Index("ix_guides_published_at", "published_at"),  # the list, newest published first
    )

    @property
    def is_published(self) -> bool:
        return self.published_number is not None

    @property
    def latest(self) -> "GuideRevision":
        return self.revisions[-1]

    @property
    def published(self) -> "GuideRevision | None":
        return next((r for r in self.revisions if r.number == self.published_number), None)


class GuideRevision(db.Model):
    """One revision of a guide: its title and text in both languages (Markdown), what changed, who wrote it and
    when, and when it was published, if it ever was. Never changed once written."""

    __tablename__ = "guide_revisions"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(sa.ForeignKey("guides.id", ondelete="CASCADE"))
    number: Mapped[int]
    title_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    body_ko: Mapped[str] = mapped_column(sa.Text, default="")
    body_en: Mapped[str] = mapped_column(sa.Text, default="")
    note: Mapped[str] = mapped_column(sa.String(300), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    guide: Mapped[Guide] = relationship(back_populates="revisions")
    created_by: Mapped["User"] = relationship(foreign_keys=[created_by_id])  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("guide_id", "number", name="uq_guide_revisions_guide_id_number"),
        sa.CheckConstraint("title_ko <> '' OR title_en <> ''", name="guide_revision_has_title"),
    )

    def title_in(self, language: str) -> str:
        """The title in ``language``, or in the other one when it has none there."""
        return (self.title_ko or self.title_en) if language == "ko" else (self.title_en or self.title_ko)

    def body_in(self, language: str) -> str:
        return (self.body_ko or self.body_en) if language == "ko" else (self.body_en or self.body_ko)

    def has_language(self, language: str) -> bool:
        return bool(self.title_ko and self.body_ko) if language == "ko" else bool(self.title_en and self.body_en)

    @property
    def title(self) -> str:
        """The title in the reader's language."""
        return self.title_in(str(current_locale()))


class GuideAttachment(db.Model):
    """A file attached to a guide (a form to fill in, an official leaflet), stored as evidence is, under a
    generated key; readers of the guide may download it."""

    __tablename__ = "guide_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    guide_id: Mapped[int] = mapped_column(sa.ForeignKey("guides.id", ondelete="CASCADE"), index=True)
    storage_key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    original_name: Mapped[str] = mapped_column(sa.String(255))
    content_type: Mapped[str] = mapped_column(sa.String(100))
    size: Mapped[int] = mapped_column(sa.BigInteger)
    sha256: Mapped[str] = mapped_column(sa.String(64))
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    guide: Mapped[Guide] = relationship(back_populates="attachments")
