"""Tallies: counts of cases kept up to date by the database itself, so dashboards, home pages and the case list's
count read a few thousand rows whatever the number of cases.

One table of signed deltas, ``tallies``, written only by the triggers made here, in the same transaction as the
change they count:

- ``cases``: submitted cases by country, hub, stage (``key``) and month of submission (``day``, the 1st);
- ``closed``: closed cases by country, hub, outcome (``key``) and month of closing;
- ``due``: open deadlines of open cases by country, hub and due date;
- ``refusals``: returns for information and rejections by the case's country and hub, transition (``key``),
  reason and month of the change.

A change writes rows of -1 for what it took away and +1 for what it added; nothing ever updates a row, so two
transactions never wait on each other's counts, nor deadlock taking them in different orders. The app folds the
rows into one per key now and then (``ipdesk.reports.tallies.compact``). Months are UTC months, as the reports'
periods are UTC dates.

SQLite recreates a table that ``batch_alter_table`` alters, and loses its triggers: a later migration that alters
``cases``, ``deadlines`` or ``stage_changes`` on SQLite must make these triggers again
(``tests/reports/test_tallies.py`` fails otherwise).

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None

OPEN = "('intake', 'returned', 'evidence', 'consultation', 'action')"
COLUMNS = "INSERT INTO tallies (kind, country_code, hub_id, key, reason_id, day, n) "


def _month(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)"
    return f"date({column}, 'start of month')"


def _case_rows(dialect: str, row: str, sign: str, *, counted: str, closed: str, due: str, moved: str) -> str:
    """The rows that case ``row`` (OLD or NEW) adds to the tallies times ``sign``; each kind only when its condition
    holds (on an update, when what it counts by changed)."""
    month = _month(dialect, "s.created_at")
    return (
        f"SELECT 'cases', {row}.country_code, {row}.hub_id, {row}.stage, CAST(NULL AS integer), "
        f"{_month(dialect, f'{row}.submitted_at')}, {sign} WHERE {row}.submitted_at IS NOT NULL AND {counted} "
        f"UNION ALL SELECT 'closed', {row}.country_code, {row}.hub_id, {row}.outcome, CAST(NULL AS integer), "
        f"{_month(dialect, f'{row}.closed_at')}, {sign} "
        f"WHERE {row}.stage = 'closed' AND {row}.closed_at IS NOT NULL AND {closed} "
        f"UNION ALL SELECT 'due', {row}.country_code, {row}.hub_id, NULL, CAST(NULL AS integer), d.due_on, {sign} * count(*) "
        f"FROM deadlines d WHERE d.case_id = {row}.id AND NOT d.is_done AND {row}.stage IN {OPEN} AND {due} "
        f"GROUP BY d.due_on "
        f"UNION ALL SELECT 'refusals', {row}.country_code, {row}.hub_id, s.transition, s.reason_id, {month}, "
        f"{sign} * count(*) FROM stage_changes s "
        f"WHERE s.case_id = {row}.id AND s.transition IN ('return', 'reject') AND {moved} "
        f"GROUP BY s.transition, s.reason_id, {month}"
    )


# what a case's counts go by: its place in the network, and per kind
MOVED = "(OLD.country_code IS DISTINCT FROM NEW.country_code OR OLD.hub_id IS DISTINCT FROM NEW.hub_id)"
UPDATE_CONDITIONS = {
    "counted": f"({MOVED} OR OLD.stage IS DISTINCT FROM NEW.stage "
               "OR OLD.submitted_at IS DISTINCT FROM NEW.submitted_at)",
    "closed": f"({MOVED} OR OLD.stage IS DISTINCT FROM NEW.stage OR OLD.outcome IS DISTINCT FROM NEW.outcome "
              "OR OLD.closed_at IS DISTINCT FROM NEW.closed_at)",
    "due": f"({MOVED} OR (OLD.stage IN {OPEN}) IS DISTINCT FROM (NEW.stage IN {OPEN}))",
    "moved": MOVED,
}
ALWAYS = {"counted": "1 = 1", "closed": "1 = 1", "due": "1 = 1", "moved": "1 = 1"}
# a new case has no deadlines or stage changes yet: they are counted as they are added
ON_INSERT = {**ALWAYS, "due": "1 = 0", "moved": "1 = 0"}


def _deadline_rows(row: str, sign: str) -> str:
    return (f"SELECT 'due', c.country_code, c.hub_id, NULL, CAST(NULL AS integer), {row}.due_on, {sign} FROM cases c "
            f"WHERE c.id = {row}.case_id AND c.stage IN {OPEN} AND NOT {row}.is_done")


def _refusal_rows(dialect: str, row: str, sign: str) -> str:
    return (f"SELECT 'refusals', c.country_code, c.hub_id, {row}.transition, {row}.reason_id, "
            f"{_month(dialect, f'{row}.created_at')}, {sign} FROM cases c "
            f"WHERE c.id = {row}.case_id AND {row}.transition IN ('return', 'reject')")


CASE_COLUMNS = "stage, outcome, hub_id, country_code, submitted_at, closed_at"
CHANGE_COLUMNS = "transition, reason_id, created_at, case_id"


def _sqlite_triggers() -> list[str]:
    d = "sqlite"
    return [
        f"CREATE TRIGGER tally_cases_insert AFTER INSERT ON cases BEGIN "
        f"{COLUMNS}{_case_rows(d, 'NEW', '1', **ON_INSERT)}; END",
        f"CREATE TRIGGER tally_cases_update AFTER UPDATE OF {CASE_COLUMNS} ON cases BEGIN "
        f"{COLUMNS}{_case_rows(d, 'OLD', '-1', **UPDATE_CONDITIONS)} "
        f"UNION ALL {_case_rows(d, 'NEW', '1', **UPDATE_CONDITIONS)}; END",
        # before: the case's deadlines and stage changes are still there to be taken away
        f"CREATE TRIGGER tally_cases_delete BEFORE DELETE ON cases BEGIN "
        f"{COLUMNS}{_case_rows(d, 'OLD', '-1', **ALWAYS)}; END",
        f"CREATE TRIGGER tally_deadlines_insert AFTER INSERT ON deadlines BEGIN "
        f"{COLUMNS}{_deadline_rows('NEW', '1')}; END",
        f"CREATE TRIGGER tally_deadlines_update AFTER UPDATE OF is_done, due_on, case_id ON deadlines BEGIN "
        f"{COLUMNS}{_deadline_rows('OLD', '-1')} UNION ALL {_deadline_rows('NEW', '1')}; END",
        f"CREATE TRIGGER tally_deadlines_delete AFTER DELETE ON deadlines BEGIN "
        f"{COLUMNS}{_deadline_rows('OLD', '-1')}; END",
        f"CREATE TRIGGER tally_stage_changes_insert AFTER INSERT ON stage_changes "
        f"WHEN NEW.transition IN ('return', 'reject') BEGIN {COLUMNS}{_refusal_rows(d, 'NEW', '1')}; END",
        f"CREATE TRIGGER tally_stage_changes_update AFTER UPDATE OF {CHANGE_COLUMNS} ON stage_changes BEGIN "
        f"{COLUMNS}{_refusal_rows(d, 'OLD', '-1')} UNION ALL {_refusal_rows(d, 'NEW', '1')}; END",
        f"CREATE TRIGGER tally_stage_changes_delete AFTER DELETE ON stage_changes "
        f"WHEN OLD.transition IN ('return', 'reject') BEGIN {COLUMNS}{_refusal_rows(d, 'OLD', '-1')}; END",
    ]


def _postgres_triggers() -> list[str]:
    d = "postgresql"
    return [
        f"""CREATE FUNCTION tally_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {COLUMNS}{_case_rows(d, 'NEW', '1', **ON_INSERT)};
    ELSIF TG_OP = 'UPDATE' THEN
        {COLUMNS}{_case_rows(d, 'OLD', '-1', **UPDATE_CONDITIONS)}
        UNION ALL {_case_rows(d, 'NEW', '1', **UPDATE_CONDITIONS)};
    ELSE
        {COLUMNS}{_case_rows(d, 'OLD', '-1', **ALWAYS)};
        RETURN OLD;
    END IF;
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER tally_cases_written AFTER INSERT OR UPDATE OF {CASE_COLUMNS} ON cases "
        "FOR EACH ROW EXECUTE FUNCTION tally_cases()",
        "CREATE TRIGGER tally_cases_deleted BEFORE DELETE ON cases FOR EACH ROW EXECUTE FUNCTION tally_cases()",
        f"""CREATE FUNCTION tally_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_deadline_rows('OLD', '-1')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_deadline_rows('NEW', '1')};
    END IF;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER tally_deadlines_written AFTER INSERT OR UPDATE OF is_done, due_on, case_id OR DELETE "
        "ON deadlines FOR EACH ROW EXECUTE FUNCTION tally_deadlines()",
        f"""CREATE FUNCTION tally_stage_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_refusal_rows(d, 'OLD', '-1')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_refusal_rows(d, 'NEW', '1')};
    END IF;
    RETURN NULL;
END $$""",
        "CREATE TRIGGER tally_stage_changes_written AFTER INSERT ON stage_changes FOR EACH ROW "
        "WHEN (NEW.transition IN ('return', 'reject')) EXECUTE FUNCTION tally_stage_changes()",
        f"CREATE TRIGGER tally_stage_changes_rewritten AFTER UPDATE OF {CHANGE_COLUMNS} OR DELETE ON stage_changes "
        "FOR EACH ROW EXECUTE FUNCTION tally_stage_changes()",
    ]


def _backfill(dialect: str) -> str:
    """The tallies of the rows already there, one row per key."""
    cases, closed = _month(dialect, "submitted_at"), _month(dialect, "closed_at")
    refused = _month(dialect, "s.created_at")
    return (
        f"{COLUMNS}"
        f"SELECT 'cases', country_code, hub_id, stage, CAST(NULL AS integer), {cases}, count(*) FROM cases "
        f"WHERE submitted_at IS NOT NULL GROUP BY country_code, hub_id, stage, {cases} "
        f"UNION ALL SELECT 'closed', country_code, hub_id, outcome, CAST(NULL AS integer), {closed}, count(*) FROM cases "
        f"WHERE stage = 'closed' AND closed_at IS NOT NULL GROUP BY country_code, hub_id, outcome, {closed} "
        f"UNION ALL SELECT 'due', c.country_code, c.hub_id, NULL, CAST(NULL AS integer), d.due_on, count(*) FROM deadlines d "
        f"JOIN cases c ON c.id = d.case_id WHERE NOT d.is_done AND c.stage IN {OPEN} "
        f"GROUP BY c.country_code, c.hub_id, d.due_on "
        f"UNION ALL SELECT 'refusals', c.country_code, c.hub_id, s.transition, s.reason_id, {refused}, count(*) "
        f"FROM stage_changes s JOIN cases c ON c.id = s.case_id WHERE s.transition IN ('return', 'reject') "
        f"GROUP BY c.country_code, c.hub_id, s.transition, s.reason_id, {refused}"
    )


def upgrade():
    op.create_table(
        "tallies",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("country_code", sa.String(length=2), nullable=False),
        sa.Column("hub_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=32), nullable=True),
        sa.Column("reason_id", sa.Integer(), nullable=True),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tallies")),
    )
    op.create_index(op.f("ix_tallies_kind_day"), "tallies", ["kind", "day"], unique=False)
    dialect = op.get_bind().dialect.name
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    op.execute(_backfill(dialect))


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        for table in ("cases", "deadlines", "stage_changes"):
            op.execute(f"DROP TRIGGER IF EXISTS tally_{table}_written ON {table}")
        op.execute("DROP TRIGGER IF EXISTS tally_cases_deleted ON cases")
        op.execute("DROP TRIGGER IF EXISTS tally_stage_changes_rewritten ON stage_changes")
        for function in ("tally_cases", "tally_deadlines", "tally_stage_changes"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for trigger in ("cases_insert", "cases_update", "cases_delete", "deadlines_insert", "deadlines_update",
                        "deadlines_delete", "stage_changes_insert", "stage_changes_update", "stage_changes_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS tally_{trigger}")
    op.drop_index(op.f("ix_tallies_kind_day"), table_name="tallies")
    op.drop_table("tallies")
