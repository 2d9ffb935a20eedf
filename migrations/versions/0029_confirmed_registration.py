"""Registration and invitations by mail: a registration waits in ``registration_requests`` until the link
mailed to its address is used, and the outbox can mail an address that has no account yet.

``notifications.user_id`` becomes optional (a mail-only row to an address, never shown in the app: CHECK
``in_app_has_user``), and three kinds are added (``email_confirmation``, ``account_exists``, ``invitation``),
widened as 0025 widened them (on SQLite a batch rebuild of the two tables, refused if any table references them).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

OLD_KINDS = ("company_status", "case_received", "stage_changed", "new_case_at_hub", "company_awaiting_approval",
             "info_requested", "new_message", "case_assigned", "deadline", "daily_digest", "password_reset",
             "report_ready")
NEW_KINDS = ("email_confirmation", "account_exists", "invitation")
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


def upgrade():
    op.create_table(
        "registration_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("locale", sa.String(length=5), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_registration_requests")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_registration_requests_token_hash")),
    )
    op.create_index(op.f("ix_registration_requests_expires_at"), "registration_requests", ["expires_at"])
    if op.get_bind().dialect.name == "sqlite":
        _refuse_if_referenced()
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind_type(OLD_KINDS), type_=_kind_type(OLD_KINDS + NEW_KINDS),
                              existing_nullable=False)
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=True)
        batch_op.create_check_constraint("in_app_has_user", "user_id IS NOT NULL OR NOT in_app")
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind_type(OLD_KINDS), type_=_kind_type(OLD_KINDS + NEW_KINDS),
                              existing_nullable=False)


def downgrade():
    # mail to addresses without an account, and the new kinds, cannot be kept by the old tables
    notifications = sa.table("notifications", sa.column("kind", sa.String), sa.column("user_id", sa.Integer))
    op.execute(notifications.delete().where(sa.or_(notifications.c.kind.in_(NEW_KINDS),
                                                   notifications.c.user_id.is_(None))))
    preferences = sa.table("notification_preferences", sa.column("kind", sa.String))
    op.execute(preferences.delete().where(preferences.c.kind.in_(NEW_KINDS)))
    if op.get_bind().dialect.name == "sqlite":
        _refuse_if_referenced()
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_constraint("in_app_has_user", type_="check")
        batch_op.alter_column("user_id", existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column("kind", existing_type=_kind_type(OLD_KINDS + NEW_KINDS), type_=_kind_type(OLD_KINDS),
                              existing_nullable=False)
    with op.batch_alter_table("notification_preferences", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=_kind_type(OLD_KINDS + NEW_KINDS), type_=_kind_type(OLD_KINDS),
                              existing_nullable=False)
    op.drop_index(op.f("ix_registration_requests_expires_at"), table_name="registration_requests")
    op.drop_table("registration_requests")
