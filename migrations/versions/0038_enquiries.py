"""Enquiries (issue 23): the questions a centre answers without opening a case, and the questions asked online
without an account that wait for the link mailed to their asker; the notifications they bring (a question asked
online at a hub, an answer, a link to confirm), whose kinds widen the CHECK constraints of ``notifications`` and
``notification_preferences`` as 0025 and 0029 widened them.

Revision ID: 0038
Revises: 0037
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0038"
down_revision = "0037"
branch_labels = None
depends_on = None

OLD_KINDS = ("company_status", "case_received", "stage_changed", "new_case_at_hub", "company_awaiting_approval",
             "info_requested", "new_message", "case_assigned", "deadline", "daily_digest", "report_ready",
             "password_reset", "email_confirmation", "account_exists", "invitation")
NEW_KINDS = ("new_enquiry_at_hub", "enquiry_answered", "enquiry_confirmation")
KIND_TABLES = ("notifications", "notification_preferences")


def _kind_type(kinds) -> sa.Enum:
    return sa.Enum(*kinds, name="notification_kind", native_enum=False, create_constraint=True,
                   length=max(len(kind) for kind in kinds))


def _refuse_if_referenced() -> None:
    """A SQLite rebuild drops the old table: refuse if any table points at one of those rebuilt."""
    inspector = sa.inspect(op.get_bind())
    for table in inspector.get_table_names():
        for foreign_key in inspector.get_foreign_keys(table):
            if foreign_key["referred_table"] in KIND_TABLES:
                raise RuntimeError(f"{table} references {foreign_key['referred_table']}: rebuilding it on SQLite "
                                   "could cascade; migrate it another way")


def _change_kinds(old, new) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _refuse_if_referenced()
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("kind", existing_type=_kind_type(old), type_=_kind_type(new), existing_nullable=False)


def upgrade():
    op.create_table(
        "enquiry_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enquiry_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_enquiry_requests_token_hash")),
    )
    with op.batch_alter_table("enquiry_requests", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enquiry_requests_expires_at"), ["expires_at"], unique=False)

    op.create_table(
        "enquiries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.Enum("phone", "email", "visit", "trade_show", "trade_office", "web", name="enquiry_channel", native_enum=False, create_constraint=True), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("company_name", sa.String(length=200), nullable=False),
        sa.Column("registration_number", sa.String(length=20), nullable=False),
        sa.Column("contact_name", sa.String(length=120), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("contact_phone", sa.String(length=40), nullable=False),
        sa.Column("asker_id", sa.Integer(), nullable=True),
        sa.Column("language", sa.String(length=5), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("topic", sa.Enum("dispute", "prevention", "general", name="enquiry_topic", native_enum=False, create_constraint=True), nullable=False),
        sa.Column("ip_right", sa.Enum("trademark", "design", "patent", "copyright", "trade_secret", name="enquiry_ip_right", native_enum=False, create_constraint=True), nullable=True),
        sa.Column("dispute_type", sa.Enum("counterfeit", "squatting", "marketplace", "piracy", "claim_against", "other", name="enquiry_dispute_type", native_enum=False, create_constraint=True), nullable=True),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("open", "answered", name="enquiry_status", native_enum=False, create_constraint=True), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes_spent", sa.Integer(), nullable=True),
        sa.Column("handled_by_id", sa.Integer(), nullable=True),
        sa.Column("follow_up_on", sa.Date(), nullable=True),
        sa.Column("followed_up_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("(status = 'answered') = (answered_at IS NOT NULL AND answer <> '')", name=op.f("ck_enquiries_answered_has_answer")),
        sa.CheckConstraint("company_id IS NOT NULL OR company_name <> ''", name=op.f("ck_enquiries_names_its_company")),
        sa.CheckConstraint("topic = 'dispute' OR (ip_right IS NULL AND dispute_type IS NULL)", name=op.f("ck_enquiries_right_only_for_disputes")),
        sa.CheckConstraint("followed_up_at IS NULL OR follow_up_on IS NOT NULL", name=op.f("ck_enquiries_followed_up_had_date")),
        sa.CheckConstraint("minutes_spent IS NULL OR minutes_spent BETWEEN 0 AND 100000", name=op.f("ck_enquiries_minutes_in_range")),
        sa.ForeignKeyConstraint(["asker_id"], ["users.id"], name=op.f("fk_enquiries_asker_id_users")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_enquiries_case_id_cases"), ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_enquiries_company_id_companies")),
        sa.ForeignKeyConstraint(["country_code"], ["countries.code"], name=op.f("fk_enquiries_country_code_countries")),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_enquiries_created_by_id_users")),
        sa.ForeignKeyConstraint(["handled_by_id"], ["users.id"], name=op.f("fk_enquiries_handled_by_id_users")),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], name=op.f("fk_enquiries_hub_id_hubs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enquiries")),
        sa.UniqueConstraint("case_id", name=op.f("uq_enquiries_case_id")),
    )
    with op.batch_alter_table("enquiries", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_enquiries_asker_id"), ["asker_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enquiries_channel"), ["channel"], unique=False)
        batch_op.create_index(batch_op.f("ix_enquiries_company_id"), ["company_id"], unique=False)
        batch_op.create_index("ix_enquiries_country_code_created_at", ["country_code", "created_at"], unique=False)
        batch_op.create_index("ix_enquiries_created_at_id", ["created_at", "id"], unique=False)
        batch_op.create_index(batch_op.f("ix_enquiries_follow_up_on"), ["follow_up_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_enquiries_handled_by_id"), ["handled_by_id"], unique=False)
        batch_op.create_index("ix_enquiries_hub_id_created_at", ["hub_id", "created_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_enquiries_status"), ["status"], unique=False)
        batch_op.create_index(batch_op.f("ix_enquiries_topic"), ["topic"], unique=False)
    _change_kinds(OLD_KINDS, OLD_KINDS + NEW_KINDS)


def downgrade():
    # the old constraint cannot hold the new kinds: their notifications and preferences go with them
    for table in KIND_TABLES:
        op.execute(sa.table(table, sa.column("kind", sa.String)).delete().where(sa.column("kind").in_(NEW_KINDS)))
    _change_kinds(OLD_KINDS + NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table("enquiries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enquiries_topic"))
        batch_op.drop_index(batch_op.f("ix_enquiries_status"))
        batch_op.drop_index("ix_enquiries_hub_id_created_at")
        batch_op.drop_index(batch_op.f("ix_enquiries_handled_by_id"))
        batch_op.drop_index(batch_op.f("ix_enquiries_follow_up_on"))
        batch_op.drop_index("ix_enquiries_created_at_id")
        batch_op.drop_index("ix_enquiries_country_code_created_at")
        batch_op.drop_index(batch_op.f("ix_enquiries_company_id"))
        batch_op.drop_index(batch_op.f("ix_enquiries_channel"))
        batch_op.drop_index(batch_op.f("ix_enquiries_asker_id"))

    op.drop_table("enquiries")
    with op.batch_alter_table("enquiry_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enquiry_requests_expires_at"))

    op.drop_table("enquiry_requests")
