"""Administrative actions, civil litigation with hearings, costs and the cost-share rules.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-28
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "cost_share_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "company_size",
            sa.Enum("sme", "midsize", "large", name="rule_company_size", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("share_percent", sa.Numeric(precision=5, scale=2), nullable=False),
        sa.Column("annual_cap_krw", sa.BigInteger(), nullable=False),
        sa.Column("source", sa.String(length=300), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("annual_cap_krw >= 0", name=op.f("ck_cost_share_rules_cap_not_negative")),
        sa.CheckConstraint(
            "share_percent >= 0 AND share_percent <= 100", name=op.f("ck_cost_share_rules_share_is_percent")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cost_share_rules")),
        sa.UniqueConstraint("company_size", name=op.f("uq_cost_share_rules_company_size")),
    )
    op.create_table(
        "litigations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("court", sa.String(length=300), nullable=False),
        sa.Column("court_case_number", sa.String(length=200), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "preparing",
                "pending",
                "won",
                "partly_won",
                "lost",
                "settled",
                "withdrawn",
                name="litigation_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("preservation_orders", sa.Text(), nullable=False),
        sa.Column("judgment", sa.Text(), nullable=False),
        sa.Column("judged_on", sa.Date(), nullable=True),
        sa.Column("damages_currency", sa.String(length=3), nullable=True),
        sa.Column("damages_awarded", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("damages_recovered", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(damages_awarded IS NULL AND damages_recovered IS NULL) OR damages_currency IS NOT NULL",
            name=op.f("ck_litigations_damages_have_currency"),
        ),
        sa.CheckConstraint(
            "damages_awarded IS NULL OR damages_awarded >= 0", name=op.f("ck_litigations_awarded_not_negative")
        ),
        sa.CheckConstraint(
            "damages_recovered IS NULL OR damages_recovered >= 0", name=op.f("ck_litigations_recovered_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_litigations_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_litigations_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_litigations")),
    )
    op.create_index(op.f("ix_litigations_case_id"), "litigations", ["case_id"], unique=False)

    op.create_table(
        "administrative_actions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "opposition",
                "invalidation",
                "regulator_complaint",
                "raid",
                "customs_seizure",
                "platform_takedown",
                name="action_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("authority", sa.String(length=300), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "planned",
                "filed",
                "succeeded",
                "partly",
                "failed",
                "withdrawn",
                name="action_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("filed_on", sa.Date(), nullable=True),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("trigger_on", sa.Date(), nullable=True),
        sa.Column("result", sa.Text(), nullable=False),
        sa.Column("quantity_seized", sa.Integer(), nullable=True),
        sa.Column("penalty_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("penalty_currency", sa.String(length=3), nullable=True),
        sa.Column("deadline_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(penalty_amount IS NULL) = (penalty_currency IS NULL)",
            name=op.f("ck_administrative_actions_penalty_has_currency"),
        ),
        sa.CheckConstraint(
            "penalty_amount IS NULL OR penalty_amount >= 0", name=op.f("ck_administrative_actions_penalty_not_negative")
        ),
        sa.CheckConstraint(
            "quantity_seized IS NULL OR quantity_seized >= 0",
            name=op.f("ck_administrative_actions_quantity_not_negative"),
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_administrative_actions_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_administrative_actions_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["deadline_id"],
            ["deadlines.id"],
            name=op.f("fk_administrative_actions_deadline_id_deadlines"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_administrative_actions")),
    )
    op.create_index(op.f("ix_administrative_actions_case_id"), "administrative_actions", ["case_id"], unique=False)

    op.create_table(
        "costs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "category",
            sa.Enum(
                "counsel",
                "official_fee",
                "investigation",
                "notarisation",
                "translation",
                "litigation",
                "other",
                name="cost_category",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.String(length=500), nullable=False),
        sa.Column(
            "payer",
            sa.Enum("company", "centre", name="cost_payer", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("amount", sa.Numeric(precision=16, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("krw_rate", sa.Numeric(precision=18, scale=6), nullable=False),
        sa.Column("amount_krw", sa.BigInteger(), nullable=False),
        sa.Column("incurred_on", sa.Date(), nullable=False),
        sa.Column("consultation_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("currency <> 'KRW' OR krw_rate = 1", name=op.f("ck_costs_won_rate_is_one")),
        sa.CheckConstraint("amount >= 0", name=op.f("ck_costs_amount_not_negative")),
        sa.CheckConstraint("krw_rate > 0", name=op.f("ck_costs_rate_positive")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_costs_case_id_cases"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(
            ["consultation_id"],
            ["consultations.id"],
            name=op.f("fk_costs_consultation_id_consultations"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_costs_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_costs")),
    )
    op.create_index(op.f("ix_costs_case_id"), "costs", ["case_id"], unique=False)
    op.create_index(op.f("ix_costs_incurred_on"), "costs", ["incurred_on"], unique=False)

    op.create_table(
        "hearings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("litigation_id", sa.Integer(), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_hearings_created_by_id_users")),
        sa.ForeignKeyConstraint(
            ["litigation_id"],
            ["litigations.id"],
            name=op.f("fk_hearings_litigation_id_litigations"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hearings")),
    )
    op.create_index(op.f("ix_hearings_litigation_id"), "hearings", ["litigation_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_hearings_litigation_id"), table_name="hearings")

    op.drop_table("hearings")
    op.drop_index(op.f("ix_costs_incurred_on"), table_name="costs")
    op.drop_index(op.f("ix_costs_case_id"), table_name="costs")

    op.drop_table("costs")
    op.drop_index(op.f("ix_administrative_actions_case_id"), table_name="administrative_actions")

    op.drop_table("administrative_actions")
    op.drop_index(op.f("ix_litigations_case_id"), table_name="litigations")

    op.drop_table("litigations")
    op.drop_table("cost_share_rules")
