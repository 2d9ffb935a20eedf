"""A pack job's heartbeat: the process making it writes the time every few seconds, so a job whose process died
(killed, or the machine restarted) is found and marked failed instead of showing "being made" for ever.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True))
    # jobs of before: their last sign of life is when they were asked for, or started
    op.execute("UPDATE report_jobs SET heartbeat_at = COALESCE(started_at, created_at)")


def downgrade():
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.drop_column("heartbeat_at")
