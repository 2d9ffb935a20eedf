"""Country guides (issue 23): guides per country (and optionally per sector or IP right), their revisions in
Korean and English (each edit a new one, the published one named by the guide), and the files attached to them
(kept in the evidence storage under generated keys).

Revision ID: 0042
Revises: 0041
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = '0042'
down_revision = '0041'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('guides',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('country_code', sa.String(length=2), nullable=False),
    sa.Column('sector', sa.Enum('beauty', 'food', 'content', 'fashion', 'electronics', 'other', name='case_sector', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('ip_right', sa.Enum('trademark', 'design', 'patent', 'copyright', 'trade_secret', name='ip_right', native_enum=False, create_constraint=True), nullable=True),
    sa.Column('published_number', sa.Integer(), nullable=True),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['country_code'], ['countries.code'], name=op.f('fk_guides_country_code_countries')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_guides_created_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guides'))
    )
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.create_index('ix_guides_country_code_published', ['country_code', 'published_number'], unique=False)
        batch_op.create_index('ix_guides_published_at', ['published_at'], unique=False)

    op.create_table('guide_attachments',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('storage_key', sa.String(length=80), nullable=False),
    sa.Column('original_name', sa.String(length=255), nullable=False),
    sa.Column('content_type', sa.String(length=100), nullable=False),
    sa.Column('size', sa.BigInteger(), nullable=False),
    sa.Column('sha256', sa.String(length=64), nullable=False),
    sa.Column('uploaded_by_id', sa.Integer(), nullable=False),
    sa.Column('uploaded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], name=op.f('fk_guide_attachments_guide_id_guides'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['uploaded_by_id'], ['users.id'], name=op.f('fk_guide_attachments_uploaded_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_attachments')),
    sa.UniqueConstraint('storage_key', name=op.f('uq_guide_attachments_storage_key'))
    )
    with op.batch_alter_table('guide_attachments', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_guide_attachments_guide_id'), ['guide_id'], unique=False)

    op.create_table('guide_revisions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('guide_id', sa.Integer(), nullable=False),
    sa.Column('number', sa.Integer(), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('body_ko', sa.Text(), nullable=False),
    sa.Column('body_en', sa.Text(), nullable=False),
    sa.Column('note', sa.String(length=300), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('published_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("title_ko <> '' OR title_en <> ''", name=op.f('ck_guide_revisions_guide_revision_has_title')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_guide_revisions_created_by_id_users')),
    sa.ForeignKeyConstraint(['guide_id'], ['guides.id'], name=op.f('fk_guide_revisions_guide_id_guides'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['published_by_id'], ['users.id'], name=op.f('fk_guide_revisions_published_by_id_users')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guide_revisions')),
    sa.UniqueConstraint('guide_id', 'number', name='uq_guide_revisions_guide_id_number')
    )


def downgrade():
    op.drop_table('guide_revisions')
    with op.batch_alter_table('guide_attachments', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_guide_attachments_guide_id'))

    op.drop_table('guide_attachments')
    with op.batch_alter_table('guides', schema=None) as batch_op:
        batch_op.drop_index('ix_guides_published_at')
        batch_op.drop_index('ix_guides_country_code_published')

    op.drop_table('guides')
