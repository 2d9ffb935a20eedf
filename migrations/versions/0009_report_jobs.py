"""Jobs that make documents in the background (the all-country pack).

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "report_jobs",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued", "running", "done", "failed", name="job_status", native_enum=False, create_constraint=True
            ),
            nullable=False,
        ),
        sa.Column("lang", sa.String(length=5), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("backend", sa.String(length=10), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("result_size", sa.BigInteger(), nullable=True),
        sa.Column("pages", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("done >= 0 AND done <= total OR total = 0", name=op.f("ck_report_jobs_progress_in_range")),
        sa.CheckConstraint("period_start <= period_end", name=op.f("ck_report_jobs_period_in_order")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"], name=op.f("fk_report_jobs_requested_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_jobs")),
    )
    op.create_index(op.f("ix_report_jobs_created_at"), "report_jobs", ["created_at"], unique=False)
    op.create_index(op.f("ix_report_jobs_requested_by_id"), "report_jobs", ["requested_by_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_report_jobs_requested_by_id"), table_name="report_jobs")
    op.drop_index(op.f("ix_report_jobs_created_at"), table_name="report_jobs")

    op.drop_table("report_jobs")
