"""The chain of custody refuses TRUNCATE, as the audit log does: on PostgreSQL a statement trigger calls
``custody_events_append_only()`` (made by 0003) before a TRUNCATE. SQLite has no TRUNCATE; its DELETE trigger
already refuses emptying the table.

Revision ID: 0028
Revises: 0026
Create Date: 2026-12-06
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0028"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE TRIGGER custody_events_no_truncate BEFORE TRUNCATE ON custody_events "
            "FOR EACH STATEMENT EXECUTE FUNCTION custody_events_append_only()"
        )


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER custody_events_no_truncate ON custody_events")
