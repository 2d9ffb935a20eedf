"""Hubs, countries, and which hubs cover which countries."""
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, utcnow
from ipdesk.core.i18n import country_name, localized
from ipdesk.extensions import db

# Hubs that cover a country besides its primary hub (the USA and China have a second one).
secondary_coverage = sa.Table(
    "hub_secondary_countries",
    db.metadata,
    sa.Column("hub_id", sa.ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("country_code", sa.ForeignKey("countries.code", ondelete="CASCADE"), primary_key=True, index=True),
)

# The hubs a staff member belongs to.
staff_hubs = sa.Table(
    "staff_hubs",
    db.metadata,
    sa.Column("user_id", sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("hub_id", sa.ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Hub(db.Model):
    """An IP centre (해외지식재산센터) in one city, covering one or more countries."""

    __tablename__ = "hubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_ko: Mapped[str] = mapped_column(sa.String(120))
    city_en: Mapped[str] = mapped_column(sa.String(80))
    city_ko: Mapped[str] = mapped_column(sa.String(80))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    primary_countries: Mapped[list["Country"]] = relationship(
        back_populates="primary_hub", order_by="Country.code"
    )
    secondary_countries: Mapped[list["Country"]] = relationship(
        secondary=secondary_coverage, back_populates="secondary_hubs", order_by="Country.code"
    )

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}

    @property
    def name(self) -> str:
        return localized(self, "name")

    @property
    def city(self) -> str:
        return localized(self, "city")

    @property
    def country_codes(self) -> list[str]:
        """Every country this hub covers, primary or not."""
        return sorted({c.code for c in self.primary_countries} | {c.code for c in self.secondary_countries})

    def __repr__(self) -> str:
        return f"<Hub {self.code}>"


class Country(db.Model):
    """A country of the network, by ISO 3166-1 alpha-2 code; its name comes from Babel."""

    __tablename__ = "countries"

    code: Mapped[str] = mapped_column(sa.String(2), primary_key=True)
    primary_hub_id: Mapped[int] = mapped_column(sa.ForeignKey("hubs.id"), index=True)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    primary_hub: Mapped[Hub] = relationship(back_populates="primary_countries")
    secondary_hubs: Mapped[list[Hub]] = relationship(
        secondary=secondary_coverage, back_populates="secondary_countries", order_by="Hub.code"
    )

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (sa.CheckConstraint("length(code) = 2 AND code = upper(code)", name="iso_alpha2"),)

    @property
    def name(self) -> str:
        return country_name(self.code)

    @property
    def hubs(self) -> list[Hub]:
        """The hubs that may hold this country's cases: the primary one first."""
        return [self.primary_hub, *[h for h in self.secondary_hubs if h.id != self.primary_hub_id]]

    def __repr__(self) -> str:
        return f"<Country {self.code}>"


class Region(db.Model):
    """A subdivision of a country (ISO 3166-2: a province, state...) and the hub that takes the cases of
    infringers operating there; without a hub, the country's primary hub takes them."""

    __tablename__ = "regions"

    code: Mapped[str] = mapped_column(sa.String(6), primary_key=True)
    country_code: Mapped[str] = mapped_column(sa.ForeignKey("countries.code"), index=True)
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_ko: Mapped[str] = mapped_column(sa.String(120))
    hub_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hubs.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    country: Mapped[Country] = relationship()
    hub: Mapped[Hub | None] = relationship()

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        # "CN-GD": the country's code, a hyphen and one to three letters or digits
        sa.CheckConstraint("length(code) BETWEEN 4 AND 6 AND substr(code, 1, 3) = country_code || '-' "
                           "AND code = upper(code)", name="iso_3166_2"),
        sa.CheckConstraint("length(name_en) > 0 AND length(name_ko) > 0", name="names_given"),
    )

    @property
    def name(self) -> str:
        return localized(self, "name")

    def __repr__(self) -> str:
        return f"<Region {self.code}>"
