"""Tallies of enquiries (issue 23), kept by the database as those of cases are (0032): the dashboards and the
country summary count a year of a million enquiries from a few thousand rows.

- ``enquiries``: enquiries by country, hub, topic (``key``) and month asked (``day``, the 1st);
- ``enq_cases``: those of them that became a case, by country, hub and month asked.

Triggers on ``enquiries`` write -1 for what a change took away and +1 for what it added, in the change's
transaction; the rows already there are counted here.

Revision ID: 0039
Revises: 0038
Create Date: 2026-12-07
"""
from alembic import op

# revision identifiers, used by Alembic.
revision = "0039"
down_revision = "0038"
branch_labels = None
depends_on = None

COLUMNS = "INSERT INTO tallies (kind, country_code, hub_id, key, reason_id, day, n) "
COUNTED = "topic, hub_id, country_code, created_at, case_id"


def _month(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)"
    return f"date({column}, 'start of month')"


def _rows(dialect: str, row: str, sign: str) -> str:
    """The rows that enquiry ``row`` (OLD or NEW) adds to the tallies, times ``sign``."""
    month = _month(dialect, f"{row}.created_at")
    return (f"SELECT 'enquiries', {row}.country_code, {row}.hub_id, {row}.topic, CAST(NULL AS integer), {month}, "
            f"{sign} UNION ALL SELECT 'enq_cases', {row}.country_code, {row}.hub_id, NULL, CAST(NULL AS integer), "
            f"{month}, {sign} WHERE {row}.case_id IS NOT NULL")


def upgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"""CREATE FUNCTION tally_enquiries() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_rows(dialect, 'OLD', '-1')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_rows(dialect, 'NEW', '1')};
    END IF;
    RETURN NULL;
END $$""")
        op.execute(f"CREATE TRIGGER tally_enquiries_written AFTER INSERT OR UPDATE OF {COUNTED} OR DELETE "
                   "ON enquiries FOR EACH ROW EXECUTE FUNCTION tally_enquiries()")
    else:
        op.execute(f"CREATE TRIGGER tally_enquiries_insert AFTER INSERT ON enquiries BEGIN "
                   f"{COLUMNS}{_rows(dialect, 'NEW', '1')}; END")
        op.execute(f"CREATE TRIGGER tally_enquiries_update AFTER UPDATE OF {COUNTED} ON enquiries BEGIN "
                   f"{COLUMNS}{_rows(dialect, 'OLD', '-1')} UNION ALL {_rows(dialect, 'NEW', '1')}; END")
        op.execute(f"CREATE TRIGGER tally_enquiries_delete AFTER DELETE ON enquiries BEGIN "
                   f"{COLUMNS}{_rows(dialect, 'OLD', '-1')}; END")
    month = _month(dialect, "created_at")
    op.execute(f"{COLUMNS}SELECT 'enquiries', country_code, hub_id, topic, CAST(NULL AS integer), {month}, count(*) "
               f"FROM enquiries GROUP BY country_code, hub_id, topic, {month} "
               f"UNION ALL SELECT 'enq_cases', country_code, hub_id, NULL, CAST(NULL AS integer), {month}, count(*) "
               f"FROM enquiries WHERE case_id IS NOT NULL GROUP BY country_code, hub_id, {month}")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tally_enquiries_written ON enquiries")
        op.execute("DROP FUNCTION IF EXISTS tally_enquiries()")
    else:
        for trigger in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER IF EXISTS tally_enquiries_{trigger}")
    op.execute("DELETE FROM tallies WHERE kind IN ('enquiries', 'enq_cases')")
