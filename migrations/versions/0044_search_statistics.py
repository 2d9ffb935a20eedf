"""Search's statistics (issue 21): PostgreSQL keeps the most common of the index's terms to ten times its default
depth (``SET STATISTICS 1000`` on ``search_entries.pieces``), so that a word a few per cent of a kind's entries hold
is among them. Search reads them to choose how to count a word's hits (``ipdesk.search.query``): a word of many
entries is counted among the newest entries, where the count can stop at its cap; the GIN index hands over every
hit first. The table is analysed once here so the choice holds from the first search. SQLite: nothing to do.

Revision ID: 0044
Revises: 0043
Create Date: 2026-12-07
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0044"
down_revision = "0043"
branch_labels = None
depends_on = None

# PostgreSQL's default, 100, kept 1,000 terms at 300,000 entries, none held by fewer than 2.9 % of them; 1,000 kept
# 2,827, down to 0.06 % (ANALYZE reads 300,000 entries instead of 30,000: 5 s there)
TERMS_STATISTICS = 1000


def upgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE search_entries ALTER COLUMN pieces SET STATISTICS {TERMS_STATISTICS}")
        op.execute("ANALYZE search_entries")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_entries ALTER COLUMN pieces SET STATISTICS -1")
