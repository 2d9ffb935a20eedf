"""Staff menus (the case list's assignee filter, assignment) read the staff by name among thousands of exporters'
accounts: an index on (role, name), so they are found and ordered without walking every user.

Revision ID: 0034
Revises: 0033
Create Date: 2026-12-06
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0034"
down_revision = "0033"
branch_labels = None
depends_on = None


def upgrade():
    op.create_index(op.f("ix_users_role_name"), "users", ["role", "name"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_users_role_name"), table_name="users")
