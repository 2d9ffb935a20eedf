"""Refusals with a reason: the list of reasons admins edit (shipped ones are loaded by seed-network), the
reason of a case's return or rejection on its stage change, and a company's refused registration (the
status "refused" and a row of company_refusals with the reason, the note, who and when).

No table that others refer to is rebuilt. On SQLite, Alembic's batch mode copies a table, drops the old
one and renames the copy; dropping ``companies`` with foreign keys on would delete its sectors through
their ON DELETE CASCADE (and cannot be done at all with its users and cases in place). So:
- ``stage_changes`` (nothing refers to it) takes its reason column, foreign key and index in batch mode;
- ``companies`` keeps its columns: the refusal is a row of its own table;
- its status CHECK is widened to admit 'refused': on PostgreSQL by dropping and adding the constraint; on
  SQLite by rewriting the CHECK's text in the schema (``PRAGMA writable_schema``), the documented way for a
  change that leaves every stored row valid and the file's layout as it is; the schema version is bumped
  so every connection reads the new definition.
- a return or rejection needs a reason from now on, but the moves made before have none: a CHECK cannot
  tell them apart, so the service requires it (``ipdesk.cases.services.move_case``).

Downgrading puts refused companies back to "awaiting approval" (the state they were refused from) before
the CHECK narrows again, and drops the reasons with the tables.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-08
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None

STATUSES = ("pending", "approved", "suspended")
WITH_REFUSED = (*STATUSES, "refused")
companies = sa.table("companies", sa.column("id", sa.Integer), sa.column("status", sa.String))


def _status_check(statuses: tuple[str, ...]) -> str:
    return "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")"


def _set_company_statuses(before: tuple[str, ...], after: tuple[str, ...]) -> None:
    """Replace the CHECK of the companies' status, without rebuilding the table (see above)."""
    connection = op.get_bind()
    if connection.dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_companies_company_status"), "companies", type_="check")
        op.create_check_constraint(op.f("ck_companies_company_status"), "companies", _status_check(after))
        return
    old, new = (f"CONSTRAINT ck_companies_company_status CHECK ({_status_check(s)})" for s in (before, after))
    sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'companies'"
                                     ).scalar_one()
    if sql.count(old) != 1:
        raise RuntimeError(f"the companies table does not have the expected status CHECK: {old}")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        connection.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = 'companies'",
                                   (sql.replace(old, new),))
        connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def upgrade():
    op.create_table(
        "refusal_reasons",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.Enum("case", "company", name="refusal_scope", native_enum=False,
                                   create_constraint=True, length=7), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=False),
        sa.Column("label_en", sa.String(length=200), nullable=False),
        sa.Column("label_ko", sa.String(length=200), nullable=False),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.CheckConstraint("length(code) > 0 AND length(label_en) > 0 AND length(label_ko) > 0",
                           name=op.f("ck_refusal_reasons_code_and_labels_given")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_refusal_reasons")),
        sa.UniqueConstraint("code", name=op.f("uq_refusal_reasons_code")),
    )
    with op.batch_alter_table("refusal_reasons", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_refusal_reasons_scope"), ["scope"], unique=False)

    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("reason_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_stage_changes_reason_id_refusal_reasons"), "refusal_reasons",
                                    ["reason_id"], ["id"])
        batch_op.create_index(batch_op.f("ix_stage_changes_reason_id"), ["reason_id"], unique=False)

    op.create_table(
        "company_refusals",
        sa.Column("company_id", sa.Integer(), nullable=False),
        sa.Column("reason_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("refused_by_id", sa.Integer(), nullable=False),
        sa.Column("refused_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["company_id"], ["companies.id"], name=op.f("fk_company_refusals_company_id_companies"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["reason_id"], ["refusal_reasons.id"],
                                name=op.f("fk_company_refusals_reason_id_refusal_reasons")),
        sa.ForeignKeyConstraint(["refused_by_id"], ["users.id"], name=op.f("fk_company_refusals_refused_by_id_users")),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_company_refusals")),
    )
    with op.batch_alter_table("company_refusals", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_company_refusals_reason_id"), ["reason_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_company_refusals_refused_at"), ["refused_at"], unique=False)

    _set_company_statuses(STATUSES, WITH_REFUSED)


def downgrade():
    op.execute(sa.update(companies).where(companies.c.status == "refused").values(status="pending"))
    _set_company_statuses(WITH_REFUSED, STATUSES)

    with op.batch_alter_table("company_refusals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_company_refusals_refused_at"))
        batch_op.drop_index(batch_op.f("ix_company_refusals_reason_id"))
    op.drop_table("company_refusals")

    with op.batch_alter_table("stage_changes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_stage_changes_reason_id"))
        batch_op.drop_constraint(batch_op.f("fk_stage_changes_reason_id_refusal_reasons"), type_="foreignkey")
        batch_op.drop_column("reason_id")

    with op.batch_alter_table("refusal_reasons", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_refusal_reasons_scope"))
    op.drop_table("refusal_reasons")
