"""Announced changes of the law (issue 24): a deadline rule may carry a change announced but not yet read in its
official text (from a day, another period); from that day it gives the earlier of the two dates. China's revised
Trademark Law (from 2027-01-01) reportedly shortens opposition to 2 months; ``load_shipped_rules`` fills it in.

Revision ID: 0049
Revises: 0048
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0049"
down_revision = "0048"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("deadline_rules", schema=None) as batch_op:
        batch_op.add_column(sa.Column("change_from", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("change_months", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("change_days", sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table("deadline_rules", schema=None) as batch_op:
        batch_op.drop_column("change_days")
        batch_op.drop_column("change_months")
        batch_op.drop_column("change_from")
