"""Managers hear when the all-country pack they asked for is ready: a kind of notification, ``report_ready``.

The kind is stored by name with a CHECK constraint on ``notifications`` and ``notification_preferences``; both are
widened as 0017 widened them (on SQLite a batch rebuild of the two tables, refused if any table references them).

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None

OLD_KINDS = ("company_status", "case_received", "stage_changed", "new_case_at_hub", "company_awaiting_approval",
             "info_requested", "new_message", "case_assigned", "deadline", "daily_digest", "password_reset")
NEW_KINDS = ("report_ready",)
KIND_TABLES = ("notifications", "notification_preferences")


def _kind_type(kinds) -> sa.Enum:
    return sa.Enum(*kinds, name="notification_kind", native_enum=False, create_constraint=True,
                   length=max(len(kind) for kind in kinds))


def _refuse_if_referenced() -> None:
    """A SQLite rebuild drops the old table: refuse if any table points at one of those rebuilt."""
    inspector = sa.inspect(op.get_bind())
    for table in inspector.get_table_names():
        for foreign_key in inspector.get_foreign_keys(table):
            if foreign_key["referred_table"] in KIND_TABLES:
                raise RuntimeError(f"{table} references {foreign_key['referred_table']}: rebuilding it on SQLite "
                                   "could cascade; migrate it another way")


def _change_kinds(old, new) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _refuse_if_referenced()
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            # the old type names its CHECK constraint, which is dropped; the new type's is added
            batch_op.alter_column("kind", existing_type=_kind_type(old), type_=_kind_type(new), existing_nullable=False)


def upgrade():
    _change_kinds(OLD_KINDS, OLD_KINDS + NEW_KINDS)


def downgrade():
    # the old constraint cannot hold the new kind: its notifications and preferences go with it
    for table in KIND_TABLES:
        op.execute(sa.table(table, sa.column("kind", sa.String)).delete().where(sa.column("kind").in_(NEW_KINDS)))
    _change_kinds(OLD_KINDS + NEW_KINDS, OLD_KINDS)
