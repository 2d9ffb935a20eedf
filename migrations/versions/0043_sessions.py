"""Education sessions (issue 23): seminars, webinars and clinics a hub holds, and exporters' registrations (a seat,
the waiting list, cancelled; attended or not); and the notifications they bring (a session coming up, a seat given,
a session moved or cancelled), whose kinds widen the CHECK constraints of ``notifications`` and
``notification_preferences`` as 0041 widened them.

Revision ID: 0043
Revises: 0042
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0043"
down_revision = "0042"
branch_labels = None
depends_on = None

OLD_KINDS = ("company_status", "case_received", "stage_changed", "new_case_at_hub", "company_awaiting_approval",
             "info_requested", "new_message", "case_assigned", "deadline", "daily_digest", "report_ready",
             "password_reset", "email_confirmation", "account_exists", "invitation", "new_enquiry_at_hub",
             "enquiry_answered", "enquiry_confirmation", "enquiry_follow_up")
NEW_KINDS = ("session_reminder", "session_news")
KIND_TABLES = ("notifications", "notification_preferences")


def _kind_type(kinds) -> sa.Enum:
    return sa.Enum(*kinds, name="notification_kind", native_enum=False, create_constraint=True,
                   length=max(len(kind) for kind in kinds))


def _change_kinds(old, new) -> None:
    if op.get_bind().dialect.name == "sqlite":  # a rebuild drops the old table: refuse if any table points at it
        inspector = sa.inspect(op.get_bind())
        for table in inspector.get_table_names():
            for foreign_key in inspector.get_foreign_keys(table):
                if foreign_key["referred_table"] in KIND_TABLES:
                    raise RuntimeError(f"{table} references {foreign_key['referred_table']}: rebuilding it on SQLite "
                                       "could cascade; migrate it another way")
    for table in KIND_TABLES:
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column("kind", existing_type=_kind_type(old), type_=_kind_type(new), existing_nullable=False)


def upgrade():
    op.create_table('education_sessions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('seminar', 'webinar', 'clinic', name='session_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_ko', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('hub_id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=True),
    sa.Column('sector', sa.Enum('beauty', 'food', 'content', 'fashion', 'electronics', 'other', name='case_sector', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('language', sa.Enum('ko', 'en', 'both', name='session_language', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('online_url', sa.String(length=500), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("place <> '' OR online_url <> ''", name=op.f('ck_education_sessions_has_place_or_link')),
    sa.CheckConstraint("title_ko <> '' OR title_en <> ''", name=op.f('ck_education_sessions_session_has_title')),
    sa.CheckConstraint('capacity > 0', name=op.f('ck_education_sessions_has_seats')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_education_sessions_ends_after_start')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_education_sessions_country_code_countries')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_education_sessions_created_by_id_users')),
    sa.ForeignKeyConstraint(['hub_id'], ['hubs.id'], name=op.f('fk_education_sessions_hub_id_hubs')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_education_sessions'))
    )
    with op.batch_alter_table('education_sessions', schema=None) as batch_op:
        batch_op.create_index('ix_education_sessions_hub_id_starts_at', ['hub_id', 'starts_at'], unique=False)
        batch_op.create_index('ix_education_sessions_starts_at', ['starts_at'], unique=False)

    op.create_table('session_registrations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('session_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('registered', 'waiting', 'cancelled', name='registration_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attended', sa.Boolean(), nullable=False),
    sa.Column('attendance_marked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attendance_marked_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("NOT attended OR status = 'registered'", name=op.f('ck_session_registrations_attended_was_registered')),
    sa.ForeignKeyConstraint(['attendance_marked_by_id'], ['users.id'], name=op.f('fk_session_registrations_attendance_marked_by_id_users')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_session_registrations_company_id_companies')),
    sa.ForeignKeyConstraint(['session_id'], ['education_sessions.id'], name=op.f('fk_session_registrations_session_id_education_sessions'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_session_registrations_user_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_session_registrations')),
    sa.UniqueConstraint('session_id', 'user_id', name='uq_session_registrations_session_id_user_id')
    )
    with op.batch_alter_table('session_registrations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_session_registrations_company_id'), ['company_id'], unique=False)
        batch_op.create_index('ix_session_registrations_session_id_status', ['session_id', 'status', 'registered_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_session_registrations_user_id'), ['user_id'], unique=False)
    _change_kinds(OLD_KINDS, OLD_KINDS + NEW_KINDS)


def downgrade():
    # the old constraint cannot hold the new kinds: their notifications and preferences go with them
    for table in KIND_TABLES:
        op.execute(sa.table(table, sa.column("kind", sa.String)).delete().where(sa.column("kind").in_(NEW_KINDS)))
    _change_kinds(OLD_KINDS + NEW_KINDS, OLD_KINDS)
    with op.batch_alter_table('session_registrations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_session_registrations_user_id'))
        batch_op.drop_index('ix_session_registrations_session_id_status')
        batch_op.drop_index(batch_op.f('ix_session_registrations_company_id'))

    op.drop_table('session_registrations')
    with op.batch_alter_table('education_sessions', schema=None) as batch_op:
        batch_op.drop_index('ix_education_sessions_starts_at')
        batch_op.drop_index('ix_education_sessions_hub_id_starts_at')

    op.drop_table('education_sessions')
