"""Squatting alerts (issue 24, the alert import): the files staff upload (``alert_imports``, their rows kept for the
preview until confirmed), the alerts (``squatting_alerts``: an office's application, identified by office and
number, with its company, conflicting right, opposition rule, deadline, draft case and infringer record), and the
notification kind that tells the company; its CHECK constraints widen as 0046 widened them.

Revision ID: 0048
Revises: 0047
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0048"
down_revision = "0047"
branch_labels = None
depends_on = None

KINDS = ("company_status", "case_received", "stage_changed", "new_case_at_hub", "company_awaiting_approval",
         "info_requested", "new_message", "case_assigned", "deadline", "daily_digest", "report_ready", "password_reset",
         "email_confirmation", "account_exists", "invitation", "new_enquiry_at_hub", "enquiry_answered",
         "enquiry_confirmation", "enquiry_follow_up", "session_reminder", "session_news", "right_renewal")
NEW_KINDS = ("squatting_alert",)
KIND_TABLES = ("notifications", "notification_preferences")


def _kind_type(kinds) -> sa.Enum:
    return sa.Enum(*kinds, name="notification_kind", native_enum=False, create_constraint=True,
                   length=max(len(kind) for kind in kinds))


def _change_kinds(old, new) -> None:
    """As 0046: the notification kinds' CHECK constraints of both tables, rebuilt on SQLite."""
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
    op.create_table('alert_imports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('file_name', sa.String(length=200), nullable=False),
    sa.Column('file_sha256', sa.String(length=64), nullable=False),
    sa.Column('rows', sa.JSON(), nullable=False),
    sa.Column('row_count', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('previewed', 'confirmed', 'discarded', name='alert_import_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('created_count', sa.Integer(), nullable=True),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_alert_imports_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_alert_imports'))
    )
    with op.batch_alter_table('alert_imports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_alert_imports_created_at'), ['created_at'], unique=False)

    op.create_table('squatting_alerts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('office', sa.String(length=2), nullable=False),
    sa.Column('application_number', sa.String(length=60), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('mark', sa.String(length=300), nullable=False),
    sa.Column('applicant', sa.String(length=300), nullable=False),
    sa.Column('nice_classes', sa.JSON(), nullable=False),
    sa.Column('filed_on', sa.Date(), nullable=True),
    sa.Column('published_on', sa.Date(), nullable=True),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=True),
    sa.Column('rule_id', sa.Integer(), nullable=True),
    sa.Column('due_on', sa.Date(), nullable=True),
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('infringer_id', sa.Integer(), nullable=True),
    sa.Column('import_id', sa.Integer(), nullable=True),
    sa.Column('requested_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('requested_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_squatting_alerts_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_squatting_alerts_company_id_companies')),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_squatting_alerts_country_code_countries')),
    sa.ForeignKeyConstraint(['import_id'], ['alert_imports.id'], name=op.f('fk_squatting_alerts_import_id_alert_imports'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['infringer_id'], ['infringers.id'], name=op.f('fk_squatting_alerts_infringer_id_infringers'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['requested_by_id'], ['users.id'], name=op.f('fk_squatting_alerts_requested_by_id_users')),
    sa.ForeignKeyConstraint(['right_id'], ['company_rights.id'], name=op.f('fk_squatting_alerts_right_id_company_rights'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['rule_id'], ['deadline_rules.id'], name=op.f('fk_squatting_alerts_rule_id_deadline_rules')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_squatting_alerts')),
    sa.UniqueConstraint('case_id', name=op.f('uq_squatting_alerts_case_id')),
    sa.UniqueConstraint('office', 'application_number', name='uq_squatting_alerts_office_application_number')
    )
    with op.batch_alter_table('squatting_alerts', schema=None) as batch_op:
        batch_op.create_index('ix_squatting_alerts_company_id_created_at', ['company_id', 'created_at'], unique=False)
        batch_op.create_index('ix_squatting_alerts_country_code_created_at', ['country_code', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_squatting_alerts_import_id'), ['import_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_squatting_alerts_infringer_id'), ['infringer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_squatting_alerts_right_id'), ['right_id'], unique=False)
    _change_kinds(KINDS, KINDS + NEW_KINDS)


def downgrade():
    for table in KIND_TABLES:
        op.execute(sa.table(table, sa.column("kind", sa.String)).delete().where(sa.column("kind").in_(NEW_KINDS)))
    _change_kinds(KINDS + NEW_KINDS, KINDS)
    with op.batch_alter_table('squatting_alerts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_squatting_alerts_right_id'))
        batch_op.drop_index(batch_op.f('ix_squatting_alerts_infringer_id'))
        batch_op.drop_index(batch_op.f('ix_squatting_alerts_import_id'))
        batch_op.drop_index('ix_squatting_alerts_country_code_created_at')
        batch_op.drop_index('ix_squatting_alerts_company_id_created_at')

    op.drop_table('squatting_alerts')
    with op.batch_alter_table('alert_imports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_alert_imports_created_at'))

    op.drop_table('alert_imports')
