"""The audit log as a hash chain, and the case each entry is about.

Existing entries get their case and hashes here, in id order. The append-only guard refuses the
UPDATE that takes, so it is switched off for the backfill and put back afterwards (on SQLite the
triggers are dropped and created again; there, changing a column's nullability rebuilds the table,
which would drop them anyway).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02
"""

import sqlalchemy as sa
from alembic import op

from ipdesk.audit.chain import GENESIS
from ipdesk.audit.chain_v1 import chain_rows  # the format of this revision, kept as it was
from ipdesk.core.db import UTCDateTime

# revision identifiers, used by Alembic.
revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BATCH = 5000

entries = sa.table(
    "audit_entries",
    sa.column("id", sa.Integer), sa.column("created_at", UTCDateTime), sa.column("actor_id", sa.Integer),
    sa.column("action", sa.String), sa.column("object_type", sa.String), sa.column("object_id", sa.String),
    sa.column("case_id", sa.Integer), sa.column("summary", sa.Text), sa.column("data", sa.JSON),
    sa.column("ip_address", sa.String), sa.column("prev_hash", sa.String), sa.column("entry_hash", sa.String),
)


def upgrade():
    guard_off()
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("case_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("prev_hash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("entry_hash", sa.String(length=64), nullable=True))
    backfill()
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.alter_column("prev_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.alter_column("entry_hash", existing_type=sa.String(length=64), nullable=False)
        batch_op.create_index(batch_op.f("ix_audit_entries_prev_hash"), ["prev_hash"], unique=True)
        batch_op.create_check_constraint(batch_op.f("ck_audit_entries_hashes_hex"),
                                         "length(prev_hash) = 64 AND length(entry_hash) = 64")
        batch_op.create_index(batch_op.f("ix_audit_entries_case_id"), ["case_id"], unique=False)
    guard_on()


def downgrade():
    guard_off()
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_entries_case_id"))
        batch_op.drop_constraint(batch_op.f("ck_audit_entries_hashes_hex"), type_="check")
        batch_op.drop_index(batch_op.f("ix_audit_entries_prev_hash"))
        batch_op.drop_column("entry_hash")
        batch_op.drop_column("prev_hash")
        batch_op.drop_column("case_id")
    guard_on()


def _case_ids(connection, rows: list[dict]) -> None:
    """Each entry's case: the case itself, its object's case (tables with a case_id), or data["case_id"]."""
    inspector = sa.inspect(connection)
    by_table: dict[str, set[int]] = {}
    for row in rows:
        if row["object_type"] and row["object_id"] and row["object_id"].isdigit():
            by_table.setdefault(row["object_type"], set()).add(int(row["object_id"]))
    owners: dict[tuple[str, int], int] = {}
    for name, ids in by_table.items():
        if name == "cases":
            owners.update(((name, i), i) for i in ids)
        elif inspector.has_table(name) and "case_id" in {c["name"] for c in inspector.get_columns(name)}:
            table = sa.table(name, sa.column("id", sa.Integer), sa.column("case_id", sa.Integer))
            owners.update(((name, i), case_id) for i, case_id in connection.execute(
                sa.select(table.c.id, table.c.case_id).where(table.c.id.in_(ids))))
    for row in rows:
        object_id = int(row["object_id"]) if row["object_id"] and row["object_id"].isdigit() else None
        from_data = (row["data"] or {}).get("case_id") if isinstance(row["data"], dict) else None
        row["case_id"] = owners.get((row["object_type"], object_id)) or (
            from_data if isinstance(from_data, int) else None)


def backfill() -> None:
    connection = op.get_bind()
    columns = [c for c in entries.c if c.name not in ("prev_hash", "entry_hash")]
    update = (entries.update().where(entries.c.id == sa.bindparam("row_id"))
              .values(case_id=sa.bindparam("new_case_id"), prev_hash=sa.bindparam("new_prev_hash"),
                      entry_hash=sa.bindparam("new_entry_hash")))
    prev_hash, last_id = GENESIS, 0
    while True:
        rows = [dict(r) for r in connection.execute(
            sa.select(*columns).where(entries.c.id > last_id).order_by(entries.c.id).limit(BATCH)).mappings()]
        if not rows:
            break
        _case_ids(connection, rows)
        prev_hash = chain_rows(rows, prev_hash)
        connection.execute(update, [{"row_id": r["id"], "new_case_id": r["case_id"], "new_prev_hash": r["prev_hash"],
                                     "new_entry_hash": r["entry_hash"]} for r in rows])
        last_id = rows[-1]["id"]


def guard_off() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entries DISABLE TRIGGER audit_entries_no_change")
    else:
        op.execute("DROP TRIGGER audit_entries_no_update")
        op.execute("DROP TRIGGER audit_entries_no_delete")


def guard_on() -> None:
    """The append-only guard of revision 0001, as it was."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE audit_entries ENABLE TRIGGER audit_entries_no_change")
    else:
        for verb in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_entries_no_{verb.lower()} BEFORE {verb} ON audit_entries "
                "BEGIN SELECT RAISE(ABORT, 'audit_entries is append-only'); END"
            )
