"""Deadline rules and the deadlines of cases.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "deadline_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("jurisdiction", sa.String(length=2), nullable=False),
        sa.Column("procedure_en", sa.String(length=200), nullable=False),
        sa.Column("procedure_ko", sa.String(length=200), nullable=False),
        sa.Column("trigger_en", sa.String(length=100), nullable=False),
        sa.Column("trigger_ko", sa.String(length=100), nullable=False),
        sa.Column("months", sa.Integer(), nullable=False),
        sa.Column("days", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "months >= 0 AND days >= 0 AND months + days > 0", name=op.f("ck_deadline_rules_some_period")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadline_rules")),
        sa.UniqueConstraint("jurisdiction", "procedure_en", name="uq_deadline_rules_jurisdiction_procedure"),
    )
    with op.batch_alter_table("deadline_rules", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadline_rules_jurisdiction"), ["jurisdiction"], unique=False)

    op.create_table(
        "deadlines",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("what", sa.String(length=300), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("manual", "rule", name="deadline_source", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("rule_id", sa.Integer(), nullable=True),
        sa.Column("trigger_on", sa.Date(), nullable=True),
        sa.Column("is_done", sa.Boolean(), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(source = 'rule') = (rule_id IS NOT NULL AND trigger_on IS NOT NULL)",
            name=op.f("ck_deadlines_rule_has_trigger"),
        ),
        sa.CheckConstraint("is_done = (done_at IS NOT NULL)", name=op.f("ck_deadlines_done_has_time")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_deadlines_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_deadlines_created_by_id_users")),
        sa.ForeignKeyConstraint(["rule_id"], ["deadline_rules.id"], name=op.f("fk_deadlines_rule_id_deadline_rules")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_deadlines")),
    )
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_deadlines_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_deadlines_due_on"), ["due_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_deadlines_is_done"), ["is_done"], unique=False)


def downgrade():
    with op.batch_alter_table("deadlines", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadlines_is_done"))
        batch_op.drop_index(batch_op.f("ix_deadlines_due_on"))
        batch_op.drop_index(batch_op.f("ix_deadlines_case_id"))

    op.drop_table("deadlines")
    with op.batch_alter_table("deadline_rules", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_deadline_rules_jurisdiction"))

    op.drop_table("deadline_rules")
