"""Accounts, companies, the network and the append-only audit log.

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "companies",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name_ko", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("registration_number", sa.String(length=10), nullable=False),
        sa.Column(
            "size",
            sa.Enum(
                "sme",
                "midsize",
                "large",
                name="company_size",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "approved",
                "suspended",
                name="company_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suspended_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("suspension_reason", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(status = 'suspended') = (suspended_at IS NOT NULL)",
            name=op.f("ck_companies_suspended_has_time"),
        ),
        sa.CheckConstraint(
            "length(registration_number) = 10 AND registration_number <> '0000000000'",
            name=op.f("ck_companies_registration_number_shape"),
        ),
        sa.CheckConstraint(
            "status <> 'approved' OR approved_at IS NOT NULL",
            name=op.f("ck_companies_approved_has_time"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_companies")),
        sa.UniqueConstraint(
            "registration_number", name=op.f("uq_companies_registration_number")
        ),
    )
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_companies_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_companies_status"), ["status"], unique=False
        )

    op.create_table(
        "hubs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("name_ko", sa.String(length=120), nullable=False),
        sa.Column("city_en", sa.String(length=80), nullable=False),
        sa.Column("city_ko", sa.String(length=80), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hubs")),
        sa.UniqueConstraint("code", name=op.f("uq_hubs_code")),
    )
    op.create_table(
        "company_sectors",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column(
            "sector",
            sa.Enum(
                "beauty",
                "food",
                "content",
                "fashion",
                "electronics",
                "other",
                name="sector",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_company_sectors_company_id_companies"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "company_id", "sector", name=op.f("pk_company_sectors")
        ),
    )
    with op.batch_alter_table("company_sectors", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_company_sectors_sector"), ["sector"], unique=False
        )

    op.create_table(
        "countries",
        sa.Column("code", sa.String(length=2), nullable=False),
        sa.Column("primary_hub_id", sa.Integer(), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "length(code) = 2 AND code = upper(code)",
            name=op.f("ck_countries_iso_alpha2"),
        ),
        sa.ForeignKeyConstraint(
            ["primary_hub_id"],
            ["hubs.id"],
            name=op.f("fk_countries_primary_hub_id_hubs"),
        ),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_countries")),
    )
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_countries_primary_hub_id"), ["primary_hub_id"], unique=False
        )

    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "exporter",
                "staff",
                "manager",
                "admin",
                name="role",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column("company_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("timezone", sa.String(length=64), nullable=False),
        sa.Column("privacy_consent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("privacy_policy_version", sa.String(length=20), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "(role = 'exporter') = (company_id IS NOT NULL)",
            name=op.f("ck_users_exporter_has_company"),
        ),
        sa.CheckConstraint(
            "role <> 'exporter' OR privacy_consent_at IS NOT NULL",
            name=op.f("ck_users_exporter_consented"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"], ["companies.id"], name=op.f("fk_users_company_id_companies")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("email", name=op.f("uq_users_email")),
    )
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_users_company_id"), ["company_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_users_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_users_is_active"), ["is_active"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_users_name"), ["name"], unique=False)
        batch_op.create_index(batch_op.f("ix_users_role"), ["role"], unique=False)

    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=32), nullable=True),
        sa.Column("object_id", sa.String(length=64), nullable=True),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_entries_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_entries_action"), ["action"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_entries_actor_id"), ["actor_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_entries_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_audit_entries_object_type"), ["object_type"], unique=False
        )

    op.create_table(
        "hub_secondary_countries",
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.ForeignKeyConstraint(
            ["country_code"],
            ["countries.code"],
            name=op.f("fk_hub_secondary_countries_country_code_countries"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["hub_id"],
            ["hubs.id"],
            name=op.f("fk_hub_secondary_countries_hub_id_hubs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint(
            "hub_id", "country_code", name=op.f("pk_hub_secondary_countries")
        ),
    )
    with op.batch_alter_table("hub_secondary_countries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hub_secondary_countries_country_code"),
            ["country_code"],
            unique=False,
        )

    op.create_table(
        "invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_user_id", sa.Integer(), nullable=True),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_user_id"],
            ["users.id"],
            name=op.f("fk_invitations_accepted_user_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["company_id"],
            ["companies.id"],
            name=op.f("fk_invitations_company_id_companies"),
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["users.id"],
            name=op.f("fk_invitations_invited_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_invitations_token_hash")),
    )
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_invitations_company_id"), ["company_id"], unique=False
        )

    op.create_table(
        "staff_hubs",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["hub_id"],
            ["hubs.id"],
            name=op.f("fk_staff_hubs_hub_id_hubs"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_staff_hubs_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("user_id", "hub_id", name=op.f("pk_staff_hubs")),
    )
    with op.batch_alter_table("staff_hubs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_staff_hubs_hub_id"), ["hub_id"], unique=False
        )

    op.create_table(
        "user_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ip_address", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_user_sessions_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_user_sessions")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_user_sessions_token_hash")),
    )
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_user_sessions_user_id"), ["user_id"], unique=False
        )

    create_audit_guard()


def downgrade():
    drop_audit_guard()
    with op.batch_alter_table("user_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_user_sessions_user_id"))

    op.drop_table("user_sessions")
    with op.batch_alter_table("staff_hubs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_staff_hubs_hub_id"))

    op.drop_table("staff_hubs")
    with op.batch_alter_table("invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_invitations_company_id"))

    op.drop_table("invitations")
    with op.batch_alter_table("hub_secondary_countries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hub_secondary_countries_country_code"))

    op.drop_table("hub_secondary_countries")
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_object_type"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_created_at"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_actor_id"))
        batch_op.drop_index(batch_op.f("ix_audit_entries_action"))

    op.drop_table("audit_entries")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_users_role"))
        batch_op.drop_index(batch_op.f("ix_users_name"))
        batch_op.drop_index(batch_op.f("ix_users_is_active"))
        batch_op.drop_index(batch_op.f("ix_users_created_at"))
        batch_op.drop_index(batch_op.f("ix_users_company_id"))

    op.drop_table("users")
    with op.batch_alter_table("countries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_countries_primary_hub_id"))

    op.drop_table("countries")
    with op.batch_alter_table("company_sectors", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_sectors_sector"))

    op.drop_table("company_sectors")
    op.drop_table("hubs")
    with op.batch_alter_table("companies", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_companies_status"))
        batch_op.drop_index(batch_op.f("ix_companies_created_at"))

    op.drop_table("companies")


def create_audit_guard():
    """The audit log is append-only: the database itself refuses UPDATE, DELETE and TRUNCATE."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ "
            "BEGIN RAISE EXCEPTION 'audit_entries is append-only'; END $$"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_no_change BEFORE UPDATE OR DELETE ON audit_entries "
            "FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_entries_append_only()"
        )
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
            )


def drop_audit_guard():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_entries_no_truncate ON audit_entries")
        op.execute("DROP TRIGGER audit_entries_no_change ON audit_entries")
        op.execute("DROP FUNCTION audit_entries_append_only()")
    else:
        op.execute("DROP TRIGGER audit_entries_no_update")
        op.execute("DROP TRIGGER audit_entries_no_delete")
