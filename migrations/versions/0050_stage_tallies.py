"""Submitted cases by the stage they are in now (issue 21): the tallies' kind ``stage``, by country, hub and stage
(``key``), at no day (``day`` holds 0001-01-01, before any period). The case list's count, the dashboard's open
cases and the manager's home page summed the kind ``cases`` over every month of submission ever, rows that grow
with the years of history; these rows are bounded by the network (countries × hubs × stages).

A trigger on ``cases`` writes -1 for what a change took away and +1 for what it added, in the change's transaction
(as 0040's); the cases already there are counted here.

Revision ID: 0050
Revises: 0049
Create Date: 2026-12-07
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0050"
down_revision = "0049"
branch_labels = None
depends_on = None

COLUMNS = "INSERT INTO tallies (kind, country_code, hub_id, key, reason_id, day, n) "
UNDATED = "'0001-01-01'"
COUNTED = "stage, country_code, hub_id, submitted_at"


def _rows(dialect: str, row: str, sign: str) -> str:
    """The row that case ``row`` (OLD or NEW) adds to the tallies, times ``sign``: one once it is submitted."""
    day = f"DATE {UNDATED}" if dialect == "postgresql" else UNDATED
    return (f"SELECT 'stage', {row}.country_code, {row}.hub_id, {row}.stage, CAST(NULL AS integer), {day}, {sign} "
            f"WHERE {row}.submitted_at IS NOT NULL")


def _unchanged(dialect: str) -> str:
    """An update that leaves what the kind counts by as it was (PostgreSQL fires on a column set to its value)."""
    same = " AND ".join(f"OLD.{c} IS NOT DISTINCT FROM NEW.{c}" for c in ("stage", "country_code", "hub_id"))
    return f"{same} AND (OLD.submitted_at IS NULL) = (NEW.submitted_at IS NULL)"


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"""CREATE FUNCTION tally_stages() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND {_unchanged(dialect)} THEN
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_rows(dialect, 'OLD', '-1')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_rows(dialect, 'NEW', '1')};
    END IF;
    RETURN NULL;
END $$""")
        op.execute(f"CREATE TRIGGER tally_stages_written AFTER INSERT OR UPDATE OF {COUNTED} OR DELETE "
                   "ON cases FOR EACH ROW EXECUTE FUNCTION tally_stages()")
    else:
        op.execute(f"CREATE TRIGGER tally_stages_insert AFTER INSERT ON cases WHEN NEW.submitted_at IS NOT NULL "
                   f"BEGIN {COLUMNS}{_rows(dialect, 'NEW', '1')}; END")
        op.execute(f"CREATE TRIGGER tally_stages_update AFTER UPDATE OF {COUNTED} ON cases "
                   f"WHEN NOT ({_unchanged(dialect)}) BEGIN "
                   f"{COLUMNS}{_rows(dialect, 'OLD', '-1')} UNION ALL {_rows(dialect, 'NEW', '1')}; END")
        op.execute(f"CREATE TRIGGER tally_stages_delete AFTER DELETE ON cases WHEN OLD.submitted_at IS NOT NULL "
                   f"BEGIN {COLUMNS}{_rows(dialect, 'OLD', '-1')}; END")
    day = f"DATE {UNDATED}" if dialect == "postgresql" else UNDATED
    op.execute(f"{COLUMNS}SELECT 'stage', country_code, hub_id, stage, NULL, {day}, count(*) FROM cases "
               "WHERE submitted_at IS NOT NULL GROUP BY country_code, hub_id, stage")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tally_stages_written ON cases")
        op.execute("DROP FUNCTION IF EXISTS tally_stages()")
    else:
        for trigger in ("tally_stages_insert", "tally_stages_update", "tally_stages_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DELETE FROM tallies WHERE kind = 'stage'")
