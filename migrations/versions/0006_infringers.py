"""Infringer records, their normalised identifiers and their links to cases.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "infringers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=300), nullable=False),
        sa.Column("aliases", sa.Text(), nullable=False),
        sa.Column("shop_ids", sa.Text(), nullable=False),
        sa.Column("urls", sa.Text(), nullable=False),
        sa.Column("contacts", sa.Text(), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"], name=op.f("fk_infringers_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infringers")),
    )
    op.create_index(op.f("ix_infringers_name"), "infringers", ["name"], unique=False)

    op.create_table(
        "infringer_identifiers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("infringer_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("seller_id", "url_host", "contact", "name", name="identifier_kind", native_enum=False,
                    create_constraint=True),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(["infringer_id"], ["infringers.id"],
                                name=op.f("fk_infringer_identifiers_infringer_id_infringers"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_infringer_identifiers")),
        sa.UniqueConstraint("infringer_id", "kind", "value", name="uq_infringer_identifiers_infringer_kind_value"),
    )
    op.create_index("ix_infringer_identifiers_kind_value", "infringer_identifiers", ["kind", "value"], unique=False)

    op.create_table(
        "case_infringers",
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("infringer_id", sa.Integer(), nullable=False),
        sa.Column("linked_by_id", sa.Integer(), nullable=False),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_case_infringers_case_id_cases"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["infringer_id"], ["infringers.id"],
                                name=op.f("fk_case_infringers_infringer_id_infringers"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["linked_by_id"], ["users.id"], name=op.f("fk_case_infringers_linked_by_id_users")),
        sa.PrimaryKeyConstraint("case_id", "infringer_id", name=op.f("pk_case_infringers")),
    )
    op.create_index(op.f("ix_case_infringers_infringer_id"), "case_infringers", ["infringer_id"], unique=False)


def downgrade():
    op.drop_index(op.f("ix_case_infringers_infringer_id"), table_name="case_infringers")
    op.drop_table("case_infringers")
    op.drop_index("ix_infringer_identifiers_kind_value", table_name="infringer_identifiers")
    op.drop_table("infringer_identifiers")
    op.drop_index(op.f("ix_infringers_name"), table_name="infringers")
    op.drop_table("infringers")
