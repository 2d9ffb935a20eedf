"""The reasons a case may be returned or rejected, or a company's registration refused (admin reference data)."""
from datetime import datetime

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Mapped, mapped_column

from ipdesk.core.db import UTCDateTime, enum_column, utcnow
from ipdesk.core.enums import LabelledEnum
from ipdesk.core.i18n import localized
from ipdesk.extensions import db


class RefusalScope(LabelledEnum):
    """What a reason is given for: a case returned or rejected at intake, or a company's registration."""

    case = "case", _l("A case returned or rejected")
    company = "company", _l("A company's registration refused")


class RefusalReason(db.Model):
    """One reason of the list, with its label in both languages; a reason in use is deactivated, never deleted."""

    __tablename__ = "refusal_reasons"

    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[RefusalScope] = mapped_column(enum_column(RefusalScope, "refusal_scope"), index=True)
    code: Mapped[str] = mapped_column(sa.String(40), unique=True)  # stable: the audit log and exports name it
    label_en: Mapped[str] = mapped_column(sa.String(200))
    label_ko: Mapped[str] = mapped_column(sa.String(200))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (
        sa.CheckConstraint("length(code) > 0 AND length(label_en) > 0 AND length(label_ko) > 0",
                           name="code_and_labels_given"),
    )

    @property
    def label(self) -> str:
        """The label in the current language (a recipient's, under ``force_locale``)."""
        return localized(self, "label")
