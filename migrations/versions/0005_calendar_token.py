"""The secret of each user's deadline calendar feed (stored hashed).

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE, not a batch copy: on SQLite a copy of `users` would trip the foreign keys
    # of every table that points at it once there is data.
    op.add_column("users", sa.Column("calendar_token_hash", sa.String(length=64), nullable=True))
    op.create_index(op.f("ix_users_calendar_token_hash"), "users", ["calendar_token_hash"], unique=True)


def downgrade():
    op.drop_index(op.f("ix_users_calendar_token_hash"), table_name="users")
    op.drop_column("users", "calendar_token_hash")
