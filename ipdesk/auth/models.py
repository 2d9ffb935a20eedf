"""Users, their roles, and the server-side sessions that make sign-out and revocation real."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.companies.models import Company
from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db
from ipdesk.network.models import Hub, staff_hubs


class Role(LabelledEnum):
    exporter = "exporter", _l("Exporter")
    staff = "staff", _l("IP centre staff")
    manager = "manager", _l("Manager")
    admin = "admin", _l("Administrator")


class User(UserMixin, db.Model):
    """A person who signs in; exporters belong to a company, staff to one or more hubs."""

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(120), index=True)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), index=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True, index=True)
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Asia/Seoul")
    privacy_consent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    privacy_policy_version: Mapped[str | None] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The secret of the user's deadline calendar feed, stored hashed; rotating it kills the old link.
    calendar_token_hash: Mapped[str | None] = mapped_column(sa.String(64), unique=True, index=True)
    # Two-factor sign-in with an authenticator app (TOTP): the shared secret once confirmed, encrypted
    # under TOTP_KEYS (ipdesk.auth.twofactor); the secret being set up, kept here rather than in the
    # session cookie, which the browser can read; and the last time step used, so a code cannot be replayed.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    totp_pending_secret_encrypted: Mapped[str | None] = mapped_column(sa.String(255))
    totp_enabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(sa.BigInteger)
    version: Mapped[int] = mapped_column(default=1)

    company: Mapped[Company | None] = relationship(back_populates="users", foreign_keys=[company_id])
    hubs: Mapped[list[Hub]] = relationship(secondary=staff_hubs, order_by=Hub.code)
    # read with the recipients of a notification, in their query (ipdesk.notify.services)
    notification_preferences: Mapped[list["NotificationPreference"]] = relationship(viewonly=True)  # noqa: F821

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("(role = 'exporter') = (company_id IS NOT NULL)", name="exporter_has_company"),
        sa.CheckConstraint(
            "role <> 'exporter' OR privacy_consent_at IS NOT NULL", name="exporter_consented"
        ),
        # the staff menus (assignees, list filters) by name, among thousands of exporters' accounts
        sa.Index("ix_users_role_name", "role", "name"),
    )

    @property
    def has_two_factor(self) -> bool:
        return self.totp_enabled_at is not None

    @property
    def is_exporter(self) -> bool:
        return self.role is Role.exporter

    @property
    def is_staff_side(self) -> bool:
        """Staff, managers and admins: people of the programme rather than of a company."""
        return self.role in (Role.staff, Role.manager, Role.admin)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role.name}>"


class UserSession(db.Model):
    """One signed-in browser; the cookie holds a random id whose hash is stored here."""

    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # "Remember me": the session outlives idle periods, but never this moment.
    remember_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))
    user_agent: Mapped[str | None] = mapped_column(sa.String(255))

    user: Mapped[User] = relationship()


class RecoveryCode(db.Model):
    """A one-time code that stands in for the authenticator app; only its hash is kept."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PasswordResetToken(db.Model):
    """A password-reset link sent by e-mail: stored hashed, used once, short-lived."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ip_address: Mapped[str | None] = mapped_column(sa.String(45))

    user: Mapped[User] = relationship()

    def is_open(self, now: datetime) -> bool:
        return self.used_at is None and now < self.expires_at
