"""Cases: intake, stage history, transfers, messages, evidence items and consultations.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "case_sequences",
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("last_value", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("country_code", "year", name=op.f("pk_case_sequences")),
    )
    op.create_table(
        "cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=20), nullable=True),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("assignee_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("filed_on_behalf", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column(
            "sector",
            sa.Enum(
                "beauty",
                "food",
                "content",
                "fashion",
                "electronics",
                "other",
                name="case_sector",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "ip_right",
            sa.Enum(
                "trademark",
                "design",
                "patent",
                "copyright",
                "trade_secret",
                name="ip_right",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "dispute_type",
            sa.Enum(
                "counterfeit",
                "squatting",
                "marketplace",
                "piracy",
                "claim_against",
                "other",
                name="dispute_type",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("found_where", sa.Text(), nullable=False),
        sa.Column("infringer_name", sa.String(length=300), nullable=False),
        sa.Column("infringer_shop_id", sa.String(length=300), nullable=False),
        sa.Column("infringer_urls", sa.Text(), nullable=False),
        sa.Column("infringer_contacts", sa.Text(), nullable=False),
        sa.Column("registration_numbers", sa.Text(), nullable=False),
        sa.Column("damages_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("damages_currency", sa.String(length=3), nullable=True),
        sa.Column(
            "urgency",
            sa.Enum("low", "normal", "high", "urgent", name="urgency", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("first_noticed_on", sa.Date(), nullable=True),
        sa.Column(
            "stage",
            sa.Enum(
                "draft",
                "intake",
                "returned",
                "evidence",
                "consultation",
                "action",
                "closed",
                name="stage",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "closed_from",
            sa.Enum(
                "draft",
                "intake",
                "returned",
                "evidence",
                "consultation",
                "action",
                "closed",
                name="closed_from_stage",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column(
            "outcome",
            sa.Enum(
                "won",
                "settled",
                "takedown",
                "lost",
                "withdrawn",
                "rejected",
                "no_action",
                name="outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("closing_note", sa.Text(), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stage_changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(stage = 'closed') = (outcome IS NOT NULL AND closed_at IS NOT NULL AND closed_from IS NOT NULL)",
            name=op.f("ck_cases_closed_has_outcome"),
        ),
        sa.CheckConstraint("stage = 'draft' OR reference IS NOT NULL", name=op.f("ck_cases_submitted_has_reference")),
        sa.CheckConstraint(
            "(damages_amount IS NULL) = (damages_currency IS NULL)", name=op.f("ck_cases_damages_have_currency")
        ),
        sa.CheckConstraint("damages_amount IS NULL OR damages_amount >= 0", name=op.f("ck_cases_damages_not_negative")),
        sa.ForeignKeyConstraint(["assignee_id"], ["users.id"], name=op.f("fk_cases_assignee_id_users")),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_cases_company_id_companies")),
        sa.ForeignKeyConstraint(["country_code"], ["countries.code"], name=op.f("fk_cases_country_code_countries")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_cases_created_by_id_users")),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], name=op.f("fk_cases_hub_id_hubs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases")),
        sa.UniqueConstraint("reference", name=op.f("uq_cases_reference")),
    )
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_cases_assignee_id"), ["assignee_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_cases_company_id_stage", ["company_id", "stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_country_code"), ["country_code"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_dispute_type"), ["dispute_type"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_hub_id"), ["hub_id"], unique=False)
        batch_op.create_index("ix_cases_hub_id_stage", ["hub_id", "stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_ip_right"), ["ip_right"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_outcome"), ["outcome"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_sector"), ["sector"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_stage"), ["stage"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_stage_changed_at"), ["stage_changed_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_submitted_at"), ["submitted_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_cases_updated_at"), ["updated_at"], unique=False)

    op.create_table(
        "case_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column("from_hub_id", sa.Integer(), nullable=False),
        sa.Column("to_hub_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_case_transfers_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_case_transfers_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["from_hub_id"], ["hubs.id"], name=op.f("fk_case_transfers_from_hub_id_hubs")),
        sa.ForeignKeyConstraint(["to_hub_id"], ["hubs.id"], name=op.f("fk_case_transfers_to_hub_id_hubs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_transfers")),
    )
    with op.batch_alter_table("case_transfers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_case_transfers_case_id"), ["case_id"], unique=False)

    op.create_table(
        "consultations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("firm", sa.String(length=200), nullable=False),
        sa.Column("lawyer", sa.String(length=200), nullable=False),
        sa.Column("consulted_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column(
            "recommended_route",
            sa.Enum(
                "administrative",
                "civil",
                "both",
                "settlement",
                "none",
                name="recommended_route",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("cost_amount", sa.Numeric(precision=16, scale=2), nullable=True),
        sa.Column("cost_currency", sa.String(length=3), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(cost_amount IS NULL) = (cost_currency IS NULL)", name=op.f("ck_consultations_cost_has_currency")
        ),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_consultations_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_consultations_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consultations")),
    )
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consultations_case_id"), ["case_id"], unique=False)

    op.create_table(
        "evidence_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "screenshot",
                "photo",
                "test_purchase",
                "notarised_page",
                "sample",
                "registration",
                "document",
                "recording",
                "other",
                name="evidence_kind",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("collected_on", sa.Date(), nullable=True),
        sa.Column("collected_by", sa.String(length=200), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_evidence_items_case_id_cases"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_evidence_items_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence_items")),
    )
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_items_case_id"), ["case_id"], unique=False)

    op.create_table(
        "messages",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("is_internal", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_messages_author_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_messages_case_id_cases"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_messages")),
    )
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_messages_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_messages_created_at"), ["created_at"], unique=False)

    op.create_table(
        "stage_changes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=False),
        sa.Column(
            "from_stage",
            sa.Enum(
                "draft",
                "intake",
                "returned",
                "evidence",
                "consultation",
                "action",
                "closed",
                name="from_stage",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "to_stage",
            sa.Enum(
                "draft",
                "intake",
                "returned",
                "evidence",
                "consultation",
                "action",
                "closed",
                name="to_stage",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("transition", sa.String(length=32), nullable=False),
        sa.Column(
            "outcome",
            sa.Enum(
                "won",
                "settled",
                "takedown",
                "lost",
                "withdrawn",
                "rejected",
                "no_action",
                name="change_outcome",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=True,
        ),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["actor_id"], ["users.id"], name=op.f("fk_stage_changes_actor_id_users")),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.id"], name=op.f("fk_stage_changes_case_id_cases"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stage_changes")),
    )
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_stage_changes_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_changes_created_at"), ["created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_stage_changes_to_stage"), ["to_stage"], unique=False)


def downgrade():
    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_changes_to_stage"))
        batch_op.drop_index(batch_op.f("ix_stage_changes_created_at"))
        batch_op.drop_index(batch_op.f("ix_stage_changes_case_id"))

    op.drop_table("stage_changes")
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_messages_created_at"))
        batch_op.drop_index(batch_op.f("ix_messages_case_id"))

    op.drop_table("messages")
    with op.batch_alter_table("evidence_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_items_case_id"))

    op.drop_table("evidence_items")
    with op.batch_alter_table("consultations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consultations_case_id"))

    op.drop_table("consultations")
    with op.batch_alter_table("case_transfers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_case_transfers_case_id"))

    op.drop_table("case_transfers")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_cases_updated_at"))
        batch_op.drop_index(batch_op.f("ix_cases_submitted_at"))
        batch_op.drop_index(batch_op.f("ix_cases_stage_changed_at"))
        batch_op.drop_index(batch_op.f("ix_cases_stage"))
        batch_op.drop_index(batch_op.f("ix_cases_sector"))
        batch_op.drop_index(batch_op.f("ix_cases_outcome"))
        batch_op.drop_index(batch_op.f("ix_cases_ip_right"))
        batch_op.drop_index("ix_cases_hub_id_stage")
        batch_op.drop_index(batch_op.f("ix_cases_hub_id"))
        batch_op.drop_index(batch_op.f("ix_cases_dispute_type"))
        batch_op.drop_index(batch_op.f("ix_cases_created_at"))
        batch_op.drop_index(batch_op.f("ix_cases_country_code"))
        batch_op.drop_index("ix_cases_company_id_stage")
        batch_op.drop_index(batch_op.f("ix_cases_company_id"))
        batch_op.drop_index(batch_op.f("ix_cases_assignee_id"))

    op.drop_table("cases")
    op.drop_table("case_sequences")
