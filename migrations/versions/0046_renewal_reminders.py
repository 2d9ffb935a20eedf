"""Renewal reminders (issue 24): a registered right of a company's register reminds the company's users before
it expires and once in its grace period; the new notification kind widens the CHECK constraints of
``notifications`` and ``notification_preferences`` as 0043 widened them.

Revision ID: 0046
Revises: 0045
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0046"
down_revision = "0045"
branch_labels = None
depends_on = None

OLD_KINDS = ("company_status", "case_received", "stage_changed", "new_case_at_hub", "company_awaiting_approval",
             "info_requested", "new_message", "case_assigned", "deadline", "daily_digest", "report_ready",
             "password_reset", "email_confirmation", "account_exists", "invitation", "new_enquiry_at_hub",
             "enquiry_answered", "enquiry_confirmation", "enquiry_follow_up", "session_reminder", "session_news")
NEW_KINDS = ("right_renewal",)
KIND_TABLES = ("notifications", "notification_preferences")


def _kind_type(kinds) -> sa.Enum:
    return sa.Enum(*kinds, name="notification_kind", native_enum=False, create_constraint=True,
                   length=max(len(kind) for kind in kinds))


def _change_kinds(old, new) -> None:
    if op.get_bind().dialect.name == "sqlite":  # a rebuild drops the old table: refuse if any table points at it
        inspector = sa.inspect(op.get_bind())
        for table in inspector.get_table_names():
            for foreign_key in inspector.get_foreign_keys(table):
                if foreign_key["referred_table"] in KIND_TABLES:
                    raise RuntimeError(f"{table} references {foreign_key['referred_table']}: rebuilding it on SQLite "
                                       "could cascade; migrate it another way")
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("kind", existing_type=_kind_type(old), type_=_kind_type(new), existing_nullable=False)


def upgrade():
    _change_kinds(OLD_KINDS, OLD_KINDS + NEW_KINDS)


def downgrade():
    # the old constraint cannot hold the new kind: its notifications and preferences go with it
    for table in KIND_TABLES:
        op.execute(sa.table(table, sa.column("kind", sa.String)).delete().where(sa.column("kind").in_(NEW_KINDS)))
    _change_kinds(OLD_KINDS + NEW_KINDS, OLD_KINDS)
