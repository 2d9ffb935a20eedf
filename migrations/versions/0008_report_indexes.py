"""Indexes for the statistics: a country's cases by submission date, and cases by closing time.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"], unique=False)
    op.create_index("ix_cases_country_code_submitted_at", "cases", ["country_code", "submitted_at"], unique=False)


def downgrade():
    op.drop_index("ix_cases_country_code_submitted_at", table_name="cases")
    op.drop_index("ix_cases_closed_at", table_name="cases")
