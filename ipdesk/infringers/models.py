"""Infringer records, their normalised identifiers and their links to cases."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.extensions import db


class IdentifierKind(LabelledEnum):
    seller_id = "seller_id", _l("Shop or seller ID")
    url_host = "url_host", _l("Web address")
    contact = "contact", _l("Contact ID")
    name = "name", _l("Name (a weaker match)")


class Infringer(db.Model):
    """A seller, shop or company that infringes, as known from one or more cases."""

    __tablename__ = "infringers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(300), index=True)
    aliases: Mapped[str] = mapped_column(sa.Text, default="")
    shop_ids: Mapped[str] = mapped_column(sa.Text, default="")
    urls: Mapped[str] = mapped_column(sa.Text, default="")
    contacts: Mapped[str] = mapped_column(sa.Text, default="")
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    created_by: Mapped["User"] = relationship()  # noqa: F821
    identifiers: Mapped[list["InfringerIdentifier"]] = relationship(
        back_populates="infringer", cascade="all, delete-orphan", order_by="InfringerIdentifier.id")

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}


class InfringerIdentifier(db.Model):
    """One normalised identifier of an infringer; suggestions match on (kind, value)."""

    __tablename__ = "infringer_identifiers"

    id: Mapped[int] = mapped_column(primary_key=True)
    infringer_id: Mapped[int] = mapped_column(sa.ForeignKey("infringers.id", ondelete="CASCADE"))
    kind: Mapped[IdentifierKind] = mapped_column(enum_column(IdentifierKind, "identifier_kind"))
    value: Mapped[str] = mapped_column(sa.String(500))

    infringer: Mapped[Infringer] = relationship(back_populates="identifiers")

    __table_args__ = (
        sa.UniqueConstraint("infringer_id", "kind", "value", name="uq_infringer_identifiers_infringer_kind_value"),
        sa.Index("ix_infringer_identifiers_kind_value", "kind", "value"),
    )


class CaseInfringer(db.Model):
    """A case in which an infringer appears."""

    __tablename__ = "case_infringers"

    case_id: Mapped[int] = mapped_column(sa.ForeignKey("cases.id", ondelete="CASCADE"), primary_key=True)
    infringer_id: Mapped[int] = mapped_column(sa.ForeignKey("infringers.id", ondelete="CASCADE"), primary_key=True,
                                              index=True)
    linked_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    linked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
