"""Prevention education. Country guides: articles that help exporters prevent disputes, per country (and optionally
per sector or IP right), in Korean and English; each edit is a revision of its own, and a guide shows the revision
last published. Files attached to a guide pass the evidence upload checks and live in the evidence storage.
Education sessions: seminars, webinars and clinics a hub holds, with exporters' registrations, waiting lists and
attendance."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.cases.models import IPRight
from ipdesk.companies.models import Sector
from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.core.i18n import in_language, localized
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
        return in_language(self.title_ko, self.title_en, language)

    def body_in(self, language: str) -> str:
        return in_language(self.body_ko, self.body_en, language)

    def has_language(self, language: str) -> bool:
        return bool(self.title_ko and self.body_ko) if language == "ko" else bool(self.title_en and self.body_en)

    @property
    def title(self) -> str:
        """The title in the reader's language."""
        return localized(self, "title")


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


class SessionKind(LabelledEnum):
    seminar = "seminar", _l("Seminar")
    webinar = "webinar", _l("Webinar")
    clinic = "clinic", _l("One-to-one clinic")


class SessionLanguage(LabelledEnum):
    ko = "ko", _l("Korean")
    en = "en", _l("English")
    both = "both", _l("Korean and English")


class RegistrationStatus(LabelledEnum):
    registered = "registered", _l("Registered")
    waiting = "waiting", _l("On the waiting list")
    cancelled = "cancelled", _l("Cancelled")


class EducationSession(db.Model):
    """A seminar, webinar or one-to-one clinic a hub holds: when (kept in UTC, shown in its own time zone and the
    reader's), where or at which link, for how many, in which language, about which country and sector."""

    __tablename__ = "education_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    title_ko: Mapped[str] = mapped_column(sa.String(200), default="")
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_ko: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    hub_id: Mapped[int] = mapped_column(sa.ForeignKey("hubs.id"))
    country_code: Mapped[str | None] = mapped_column(sa.ForeignKey("countries.code"))
    sector: Mapped[Sector | None] = mapped_column(enum_column(Sector, "case_sector"))
    language: Mapped[SessionLanguage] = mapped_column(enum_column(SessionLanguage, "session_language"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    online_url: Mapped[str] = mapped_column(sa.String(500), default="")
    capacity: Mapped[int]
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(default=1)

    hub: Mapped["Hub"] = relationship()  # noqa: F821
    registrations: Mapped[list["SessionRegistration"]] = relationship(
        back_populates="session", order_by="SessionRegistration.registered_at, SessionRegistration.id")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.CheckConstraint("capacity > 0", name="has_seats"),
        sa.CheckConstraint("place <> '' OR online_url <> ''", name="has_place_or_link"),
        sa.CheckConstraint("title_ko <> '' OR title_en <> ''", name="session_has_title"),
        sa.Index("ix_education_sessions_starts_at", "starts_at"),  # the list: upcoming first, past newest first
        sa.Index("ix_education_sessions_hub_id_starts_at", "hub_id", "starts_at"),  # a hub's figures
    )

    @property
    def title(self) -> str:
        return localized(self, "title")

    def title_in(self, language: str) -> str:
        return in_language(self.title_ko, self.title_en, language)

    @property
    def description(self) -> str:
        return localized(self, "description")

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None


class SessionRegistration(db.Model):
    """An exporter's place at a session: registered, on the waiting list (in the order they came) or cancelled;
    and, once it was held, whether they attended (staff mark it)."""

    __tablename__ = "session_registrations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(sa.ForeignKey("education_sessions.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_column(RegistrationStatus, "registration_status"))
    registered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended: Mapped[bool] = mapped_column(default=False)
    attendance_marked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attendance_marked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    session: Mapped[EducationSession] = relationship(back_populates="registrations")
    user: Mapped["User"] = relationship(foreign_keys=[user_id])  # noqa: F821
    company: Mapped["Company"] = relationship()  # noqa: F821

    __table_args__ = (
        sa.UniqueConstraint("session_id", "user_id", name="uq_session_registrations_session_id_user_id"),
        sa.CheckConstraint("NOT attended OR status = 'registered'", name="attended_was_registered"),
        # a session's seats and waiting list, in the order people came
        sa.Index("ix_session_registrations_session_id_status", "session_id", "status", "registered_at"),
    )
