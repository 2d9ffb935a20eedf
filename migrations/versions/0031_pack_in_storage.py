"""Finished all-country packs are kept in the evidence storage (S3 when configured) under a generated key recorded
on their job, instead of in a folder every app node had to share. Packs made before are not carried over: their
jobs show them as no longer kept, with a button to make them again.

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-20
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("result_key", sa.String(length=80), nullable=True))
        batch_op.create_unique_constraint(batch_op.f("uq_report_jobs_result_key"), ["result_key"])
        batch_op.create_check_constraint(batch_op.f("ck_report_jobs_result_only_when_done"),
                                         "result_key IS NULL OR status = 'done'")


def downgrade():
    with op.batch_alter_table("report_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_report_jobs_result_only_when_done"), type_="check")
        batch_op.drop_constraint(batch_op.f("uq_report_jobs_result_key"), type_="unique")
        batch_op.drop_column("result_key")
