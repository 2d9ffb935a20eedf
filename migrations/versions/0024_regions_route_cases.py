"""Regions route cases: the regions (ISO 3166-2 subdivisions) of the countries that two centres cover, each
with the hub that takes the cases of infringers operating there (none: the country's primary hub), and where
a case's infringer operates (``cases.infringer_region_code``).

The shipped regions and their split between hubs are loaded by ``flask seed-network``, not here, like the
rest of the network (admins edit them, and seeding never undoes their edits).

No table that others refer to is rebuilt (see 0018 and 0022): on SQLite the new column of ``cases`` is added
with ALTER TABLE, its foreign key and CHECK written in the column's definition, which SQLite allows there;
dropping it again is allowed too, as nothing else in the schema names the column.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

REGION_IN_COUNTRY = "infringer_region_code IS NULL OR substr(infringer_region_code, 1, 3) = country_code || '-'"


def upgrade():
    op.create_table(
        "regions",
        sa.Column("code", sa.String(length=6), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("name_en", sa.String(length=120), nullable=False),
        sa.Column("name_ko", sa.String(length=120), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(code) BETWEEN 4 AND 6 AND substr(code, 1, 3) = country_code || '-' "
                           "AND code = upper(code)", name=op.f("ck_regions_iso_3166_2")),
        sa.CheckConstraint("length(name_en) > 0 AND length(name_ko) > 0", name=op.f("ck_regions_names_given")),
        sa.ForeignKeyConstraint(["country_code"], ["countries.code"], name=op.f("fk_regions_country_code_countries")),
        sa.ForeignKeyConstraint(["hub_id"], ["hubs.id"], name=op.f("fk_regions_hub_id_hubs")),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_regions")),
    )
    op.create_index(op.f("ix_regions_country_code"), "regions", ["country_code"], unique=False)
    op.create_index(op.f("ix_regions_hub_id"), "regions", ["hub_id"], unique=False)
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE cases ADD COLUMN infringer_region_code VARCHAR(6) "
                   "CONSTRAINT fk_cases_infringer_region_code_regions REFERENCES regions (code) "
                   f"CONSTRAINT ck_cases_region_in_country CHECK ({REGION_IN_COUNTRY})")
    else:
        op.add_column("cases", sa.Column("infringer_region_code", sa.String(length=6), nullable=True))
        op.create_foreign_key(op.f("fk_cases_infringer_region_code_regions"), "cases", "regions",
                              ["infringer_region_code"], ["code"])
        op.create_check_constraint(op.f("ck_cases_region_in_country"), "cases", REGION_IN_COUNTRY)


def downgrade():
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_cases_region_in_country"), "cases", type_="check")
        op.drop_constraint(op.f("fk_cases_infringer_region_code_regions"), "cases", type_="foreignkey")
    op.execute("ALTER TABLE cases DROP COLUMN infringer_region_code")
    op.drop_index(op.f("ix_regions_hub_id"), table_name="regions")
    op.drop_index(op.f("ix_regions_country_code"), table_name="regions")
    op.drop_table("regions")
