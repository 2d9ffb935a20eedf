"""Companies' registers of rights (issue 24): each right at its office (a country's, or EUIPO, BOIP, WIPO with the
countries a Madrid registration designates), its number, mark, Nice classes, dates, status and the mark's picture;
the rights a case relies on; the Nice classes of a case's goods; and the enforceability warnings staff dismissed,
with their reasons.

Revision ID: 0045
Revises: 0044
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0045'
down_revision = '0044'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('company_rights',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('trademark', 'design', 'patent', 'utility_model', 'copyright', name='right_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('office', sa.String(length=2), nullable=False),
    sa.Column('number', sa.String(length=60), nullable=False),
    sa.Column('mark_text', sa.String(length=300), nullable=False),
    sa.Column('nice_classes', sa.JSON(), nullable=False),
    sa.Column('designations', sa.JSON(), nullable=False),
    sa.Column('filing_date', sa.Date(), nullable=True),
    sa.Column('registration_date', sa.Date(), nullable=True),
    sa.Column('expiry_date', sa.Date(), nullable=True),
    sa.Column('status', sa.Enum('filed', 'registered', 'opposed', 'refused', 'expired', 'cancelled', name='right_status', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('image_key', sa.String(length=80), nullable=True),
    sa.Column('image_type', sa.String(length=40), nullable=True),
    sa.Column('image_size', sa.Integer(), nullable=True),
    sa.Column('image_sha256', sa.String(length=64), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.CheckConstraint("status != 'registered' OR registration_date IS NOT NULL", name=op.f('ck_company_rights_registered_has_date')),
    sa.CheckConstraint('(image_key IS NULL) = (image_sha256 IS NULL)', name=op.f('ck_company_rights_image_has_hash')),
    sa.CheckConstraint('expiry_date IS NULL OR filing_date IS NULL OR expiry_date > filing_date', name=op.f('ck_company_rights_expires_after_filing')),
    sa.CheckConstraint('registration_date IS NULL OR filing_date IS NULL OR registration_date >= filing_date', name=op.f('ck_company_rights_registered_after_filing')),
    sa.ForeignKeyConstraint(['company_id'], ['companies.id'], name=op.f('fk_company_rights_company_id_companies')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_company_rights_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_company_rights')),
    sa.UniqueConstraint('company_id', 'office', 'kind', 'number', name='uq_company_rights_number'),
    sa.UniqueConstraint('image_key', name=op.f('uq_company_rights_image_key'))
    )
    with op.batch_alter_table('company_rights', schema=None) as batch_op:
        batch_op.create_index('ix_company_rights_company_office', ['company_id', 'office'], unique=False)
        batch_op.create_index(batch_op.f('ix_company_rights_expiry_date'), ['expiry_date'], unique=False)

    op.create_table('case_rights',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('right_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_case_rights_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['right_id'], ['company_rights.id'], name=op.f('fk_case_rights_right_id_company_rights'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('case_id', 'right_id', name=op.f('pk_case_rights'))
    )
    with op.batch_alter_table('case_rights', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_case_rights_right_id'), ['right_id'], unique=False)

    op.create_table('enforceability_dismissals',
    sa.Column('case_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=20), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('dismissed_by_id', sa.Integer(), nullable=False),
    sa.Column('dismissed_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['case_id'], ['cases.id'], name=op.f('fk_enforceability_dismissals_case_id_cases'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['dismissed_by_id'], ['users.id'], name=op.f('fk_enforceability_dismissals_dismissed_by_id_users')),
    sa.PrimaryKeyConstraint('case_id', name=op.f('pk_enforceability_dismissals'))
    )
    # a plain ADD COLUMN (a batch would copy the cases table, and SQLite its triggers with it)
    op.add_column('cases', sa.Column('goods_classes', sa.JSON(), server_default=sa.text("'[]'"), nullable=False))



def downgrade():
    op.drop_column('cases', 'goods_classes')

    op.drop_table('enforceability_dismissals')
    with op.batch_alter_table('case_rights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_case_rights_right_id'))

    op.drop_table('case_rights')
    with op.batch_alter_table('company_rights', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_company_rights_expiry_date'))
        batch_op.drop_index('ix_company_rights_company_office')

    op.drop_table('company_rights')
