"""Companies, their sectors, and invitations for colleagues."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.core.i18n import localized
from ipdesk.extensions import db


class CompanySize(LabelledEnum):
    sme = "sme", _l("SME")
    midsize = "midsize", _l("Mid-sized company")
    large = "large", _l("Large company")


class CompanyStatus(LabelledEnum):
    pending = "pending", _l("Awaiting approval")
    approved = "approved", _l("Approved")
    suspended = "suspended", _l("Suspended")
    refused = "refused", _l("Registration refused")  # final: its users can no longer sign in


class Sector(LabelledEnum):
    beauty = "beauty", _l("K-beauty / cosmetics")
    food = "food", _l("K-food")
    content = "content", _l("Content (music, video, webtoon, games)")
    fashion = "fashion", _l("Fashion")
    electronics = "electronics", _l("Consumer electronics")
    other = "other", _l("Other")


class Company(db.Model):
    """A Korean exporting company; its users may act only once it is approved."""

    __tablename__ = "companies"

    id: Mapped[int] = mapped_column(primary_key=True)
    name_ko: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    registration_number: Mapped[str] = mapped_column(sa.String(10), unique=True)
    size: Mapped[CompanySize] = mapped_column(enum_column(CompanySize, "company_size"))
    status: Mapped[CompanyStatus] = mapped_column(
        enum_column(CompanyStatus, "company_status"), default=CompanyStatus.pending, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    suspension_reason: Mapped[str | None] = mapped_column(sa.Text)
    version: Mapped[int] = mapped_column(default=1)

    sector_rows: Mapped[list["CompanySector"]] = relationship(
        cascade="all, delete-orphan", order_by="CompanySector.sector"
    )
    export_country_rows: Mapped[list["CompanyExportCountry"]] = relationship(
        cascade="all, delete-orphan", order_by="CompanyExportCountry.country_code"
    )
    users: Mapped[list["User"]] = relationship(  # noqa: F821
        back_populates="company", foreign_keys="User.company_id", order_by="User.name"
    )
    refusal: Mapped["CompanyRefusal | None"] = relationship(lazy="select", viewonly=True)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint(
            "length(registration_number) = 10 AND registration_number <> '0000000000'",
            name="registration_number_shape",
        ),
        sa.CheckConstraint("status <> 'approved' OR approved_at IS NOT NULL", name="approved_has_time"),
        sa.CheckConstraint(
            "(status = 'suspended') = (suspended_at IS NOT NULL)", name="suspended_has_time"
        ),
    )

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def sectors(self) -> list[Sector]:
        return [row.sector for row in self.sector_rows]

    @property
    def export_countries(self) -> list[str]:
        """The codes of the countries the company declared it exports to (none for older companies)."""
        return [row.country_code for row in self.export_country_rows]

    @property
    def formatted_registration_number(self) -> str:
        """The usual 000-00-00000 grouping."""
        n = self.registration_number
        return f"{n[:3]}-{n[3:5]}-{n[5:]}"

    @property
    def is_approved(self) -> bool:
        return self.status is CompanyStatus.approved

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name_en}>"


class CompanyRefusal(db.Model):
    """Why a company's registration was refused: a reason of the list and a note, by whom and when.

    A row of its own rather than columns of ``companies``: adding and dropping it never rebuilds that
    table, which users, cases and invitations refer to (see migration 0018)."""

    __tablename__ = "company_refusals"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    reason_id: Mapped[int] = mapped_column(sa.ForeignKey("refusal_reasons.id"), index=True)
    note: Mapped[str] = mapped_column(sa.Text)
    refused_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    refused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)  # dashboards count them

    reason: Mapped["RefusalReason"] = relationship()  # noqa: F821


class CompanySector(db.Model):
    __tablename__ = "company_sectors"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    sector: Mapped[Sector] = mapped_column(enum_column(Sector, "sector"), primary_key=True, index=True)


class CompanyExportCountry(db.Model):
    """A country of the network a company exports to, declared at registration: whose hubs hear of it."""

    __tablename__ = "company_export_countries"

    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id", ondelete="CASCADE"), primary_key=True)
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"), primary_key=True, index=True)


class Invitation(db.Model):
    """A colleague's invitation into an approved company; only the token's hash is stored."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accepted_user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    company: Mapped[Company] = relationship()
    invited_by: Mapped["User"] = relationship(foreign_keys=[invited_by_id])  # noqa: F821

    def is_open(self, now: datetime) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > now


class RegistrationRequest(db.Model):
    """A company's registration waiting for its first user to open the link mailed to their address.

    Nothing exists in ``companies`` or ``users`` until then, so a registration with someone else's address
    creates nothing, and the answer to the form cannot tell whether the address has an account. Only the
    token's hash is kept; the row goes once used or expired.
    """

    __tablename__ = "registration_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    # the form's answers (company, sectors, countries, name), as register_company takes them
    data: Mapped[dict] = mapped_column(sa.JSON)
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    locale: Mapped[str | None] = mapped_column(sa.String(5))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
