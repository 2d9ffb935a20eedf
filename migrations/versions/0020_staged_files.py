"""Staged files: files that came with a form that was sent back, kept until the form goes through.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-05
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "staged_files",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("storage_key", sa.String(length=80), nullable=False),
        sa.Column("original_name", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("size > 0", name=op.f("ck_staged_files_not_empty")),
        sa.CheckConstraint("length(sha256) = 64", name=op.f("ck_staged_files_sha256_hex")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_staged_files_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["user_id"], ["users.id"], name=op.f("fk_staged_files_user_id_users"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staged_files")),
        sa.UniqueConstraint("storage_key", name=op.f("uq_staged_files_storage_key")),
        sa.UniqueConstraint("token", name=op.f("uq_staged_files_token")),
    )
    with op.batch_alter_table("staged_files", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_staged_files_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_staged_files_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_staged_files_user_id"), ["user_id"], unique=False)


def downgrade():
    op.drop_table("staged_files")
