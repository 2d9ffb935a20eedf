"""Deadlines: one index on (case_id, is_done, due_on) for a case's open overdue deadlines, in place of case_id's.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-04
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade():
    # The new index leads with case_id, so it serves the foreign key's lookups too.
    op.create_index("ix_deadlines_case_id_is_done_due_on", "deadlines", ["case_id", "is_done", "due_on"], unique=False)
    op.drop_index("ix_deadlines_case_id", table_name="deadlines")


def downgrade():
    op.create_index("ix_deadlines_case_id", "deadlines", ["case_id"], unique=False)
    op.drop_index("ix_deadlines_case_id_is_done_due_on", table_name="deadlines")
