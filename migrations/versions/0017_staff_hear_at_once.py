"""Staff hear at once: the countries a company exports to (declared at registration; companies registered
before have none), and two kinds of notification: a new case at a hub, a company awaiting approval.

The kind is stored by name with a CHECK constraint and a length, on ``notifications`` and
``notification_preferences``: both are widened. On SQLite that rebuilds the two tables (a batch copy, then
DROP TABLE of the old one). Dropping a table that others reference with ON DELETE CASCADE, with foreign keys
on, would empty the referencing rows; no table references these two, and the migration checks so before it
rebuilds anything.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

OLD_KINDS = ("company_status", "case_received", "stage_changed", "info_requested", "new_message", "case_assigned",
             "deadline", "daily_digest", "password_reset")
NEW_KINDS = ("new_case_at_hub", "company_awaiting_approval")
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
    op.create_table(
        "company_export_countries",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"],
                                name=op.f("fk_company_export_countries_company_id_companies"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["country_code"], ["countries.code"],
                                name=op.f("fk_company_export_countries_country_code_countries")),
        sa.PrimaryKeyConstraint("company_id", "country_code", name=op.f("pk_company_export_countries")),
    )
    op.create_index(op.f("ix_company_export_countries_country_code"), "company_export_countries", ["country_code"],
                    unique=False)
    _change_kinds(OLD_KINDS, OLD_KINDS + NEW_KINDS)


def downgrade():
    # the old constraint cannot hold the new kinds: their notifications and preferences go with them
    for table in KIND_TABLES:
        op.execute(sa.table(table, sa.column("kind", sa.String)).delete().where(sa.column("kind").in_(NEW_KINDS)))
    _change_kinds(OLD_KINDS + NEW_KINDS, OLD_KINDS)
    op.drop_index(op.f("ix_company_export_countries_country_code"), table_name="company_export_countries")
    op.drop_table("company_export_countries")
