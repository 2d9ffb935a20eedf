"""Closing a case ends everything open on it: outcomes of administrative enforcement, "carried on by counsel"
for actions and suits, and how each deadline ended.

- Outcomes gain what administrative enforcement achieves: ``seized`` (raid or seizure made), ``fined`` (fine
  imposed) and ``upheld`` (opposition or invalidation upheld); ``takedown`` (a listing removed) was there.
- Actions and suits gain the status ``counsel``: the centre's part ended when the case closed, counsel carries on.
- A deadline says how it ended (``ending``: done, withdrawn, carried on by counsel); every deadline already done
  was met, so it is ``done``. A CHECK ties ``ending`` to ``is_done``.

No table is rebuilt (cases, deadlines and the actions are referred to by other tables, whose ON DELETE
actions a rebuild would fire). On PostgreSQL the CHECKs are dropped and added again; on SQLite their text is
rewritten in the schema (``PRAGMA writable_schema``), as migration 0018 does, for changes that every stored
row already satisfies; the new column is added with ALTER TABLE.

Downgrading maps the new values to the nearest old ones (an enforcement outcome to "takedown achieved",
"carried on by counsel" to "withdrawn") before the CHECKs narrow again, and drops the column.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

OUTCOMES = ("won", "settled", "takedown", "lost", "withdrawn", "rejected", "no_action")
NEW_OUTCOMES = ("won", "settled", "takedown", "seized", "fined", "upheld", "lost", "withdrawn", "rejected",
                "no_action")
ACTION_STATUSES = ("planned", "filed", "succeeded", "partly", "failed", "withdrawn")
SUIT_STATUSES = ("preparing", "pending", "won", "partly_won", "lost", "settled", "withdrawn")
ENDINGS = ("done", "withdrawn", "counsel")

# (table, constraint, column, values before, values after)
ENUM_CHECKS = (
    ("cases", "ck_cases_outcome", "outcome", OUTCOMES, NEW_OUTCOMES),
    ("stage_changes", "ck_stage_changes_change_outcome", "outcome", OUTCOMES, NEW_OUTCOMES),
    ("administrative_actions", "ck_administrative_actions_action_status", "status", ACTION_STATUSES,
     (*ACTION_STATUSES, "counsel")),
    ("litigations", "ck_litigations_litigation_status", "status", SUIT_STATUSES, (*SUIT_STATUSES, "counsel")),
)
DONE_HAS_ENDING = "is_done = (ending IS NOT NULL)"


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")"


def _rewrite_sqlite_table(table: str, old: str | None, new: str | None) -> None:
    """Replace ``old`` (a constraint's text, which must occur once) by ``new`` in the table's schema; without
    ``old``, add ``new`` as the table's last constraint; without ``new``, remove ``old`` with its separator."""
    connection = op.get_bind()
    sql = connection.exec_driver_sql("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?",
                                     (table,)).scalar_one()
    if old is None:
        end = sql.rstrip().rindex(")")
        rewritten = f"{sql[:end].rstrip()}, \n\t{new}\n)"
    else:
        if sql.count(old) != 1:
            raise RuntimeError(f"the {table} table does not have the expected constraint: {old}")
        rewritten = sql.replace(old, new) if new is not None else sql.replace(f", \n\t{old}", "")
        if rewritten == sql:
            raise RuntimeError(f"could not remove from the {table} table: {old}")
    version = connection.exec_driver_sql("PRAGMA schema_version").scalar_one()
    connection.exec_driver_sql("PRAGMA writable_schema = ON")
    try:
        connection.exec_driver_sql("UPDATE sqlite_master SET sql = ? WHERE type = 'table' AND name = ?",
                                   (rewritten, table))
        connection.exec_driver_sql(f"PRAGMA schema_version = {int(version) + 1}")
    finally:
        connection.exec_driver_sql("PRAGMA writable_schema = OFF")


def _set_check(table: str, name: str, before: str | None, after: str | None) -> None:
    """Change, add (``before`` None) or drop (``after`` None) the CHECK ``name`` of ``table``."""
    if op.get_bind().dialect.name == "sqlite":
        _rewrite_sqlite_table(table, before and f"CONSTRAINT {name} CHECK ({before})",
                              after and f"CONSTRAINT {name} CHECK ({after})")
        return
    if before is not None:
        op.drop_constraint(op.f(name), table, type_="check")
    if after is not None:
        op.create_check_constraint(op.f(name), table, after)


def upgrade():
    for table, name, column, before, after in ENUM_CHECKS:
        _set_check(table, name, _in(column, before), _in(column, after))
    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE deadlines ADD COLUMN ending VARCHAR(9) "
                   f"CONSTRAINT ck_deadlines_deadline_ending CHECK ({_in('ending', ENDINGS)})")
    else:
        op.add_column("deadlines", sa.Column("ending", sa.String(9), nullable=True))
        op.create_check_constraint(op.f("ck_deadlines_deadline_ending"), "deadlines", _in("ending", ENDINGS))
    deadlines = sa.table("deadlines", sa.column("is_done", sa.Boolean), sa.column("ending", sa.String))
    op.execute(sa.update(deadlines).where(deadlines.c.is_done).values(ending="done"))
    _set_check("deadlines", "ck_deadlines_done_has_ending", None, DONE_HAS_ENDING)


def downgrade():
    _set_check("deadlines", "ck_deadlines_done_has_ending", DONE_HAS_ENDING, None)
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(op.f("ck_deadlines_deadline_ending"), "deadlines", type_="check")
    op.execute("ALTER TABLE deadlines DROP COLUMN ending")
    for table in ("cases", "stage_changes"):
        t = sa.table(table, sa.column("outcome", sa.String))
        op.execute(sa.update(t).where(t.c.outcome.in_(("seized", "fined", "upheld"))).values(outcome="takedown"))
    for table in ("administrative_actions", "litigations"):
        t = sa.table(table, sa.column("status", sa.String))
        op.execute(sa.update(t).where(t.c.status == "counsel").values(status="withdrawn"))
    for table, name, column, before, after in ENUM_CHECKS:
        _set_check(table, name, _in(column, after), _in(column, before))
