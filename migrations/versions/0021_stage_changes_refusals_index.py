"""Stage changes: an index on (transition, created_at) that also holds the reason and the case, for the
dashboard's refusals by reason.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade():
    # Without it SQLite walked every stage change in reason order (ix_stage_changes_reason_id, for the GROUP BY)
    # and read each row: about 70 ms of the dashboard's 250 at 100,000 cases. With it, the year's returns and
    # rejections (about 6,000 of 330,000 changes) come from the index alone.
    op.create_index("ix_stage_changes_transition_created_at_covering", "stage_changes",
                    ["transition", "created_at", "reason_id", "case_id"], unique=False)


def downgrade():
    op.drop_index("ix_stage_changes_transition_created_at_covering", table_name="stage_changes")
