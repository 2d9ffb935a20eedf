"""Supports given (issue 23): a case that reached evidence collection or a later stage is a support the centre
gave. Each case keeps when it first did (``supported_at``), written by a trigger as stage changes are inserted, as
its stays are (0033); and the tallies count them (kind ``supports``, by country, hub and month supported), kept by
triggers on ``cases`` as the enquiries' are (0039), so the dashboards and the country summary count a year of them
from a few rows.

The column is added with ALTER TABLE ADD COLUMN (no table rebuild on SQLite, so the triggers of 0032 stay); the
cases already supported are dated by their first such stage change.

Revision ID: 0040
Revises: 0039
Create Date: 2026-12-07
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0040"
down_revision = "0039"
branch_labels = None
depends_on = None

SUPPORT_STAGES = "('evidence', 'consultation', 'action')"
COLUMNS = "INSERT INTO tallies (kind, country_code, hub_id, key, reason_id, day, n) "
COUNTED = "supported_at, country_code, hub_id"
MARK = ("UPDATE cases SET supported_at = NEW.created_at WHERE id = NEW.case_id "
        "AND (supported_at IS NULL OR supported_at > NEW.created_at)")


def _month(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)"
    return f"date({column}, 'start of month')"


def _rows(dialect: str, row: str, sign: str) -> str:
    """The row that case ``row`` (OLD or NEW) adds to the tallies, times ``sign``: one when it was supported."""
    return (f"SELECT 'supports', {row}.country_code, {row}.hub_id, NULL, CAST(NULL AS integer), "
            f"{_month(dialect, f'{row}.supported_at')}, {sign} WHERE {row}.supported_at IS NOT NULL")


def upgrade():
    op.add_column("cases", sa.Column("supported_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index("ix_cases_supported_at_country_code", "cases", ["supported_at", "country_code"], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"""CREATE FUNCTION case_supported() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {MARK};
    RETURN NULL;
END $$""")
        op.execute("CREATE TRIGGER case_supported_added AFTER INSERT ON stage_changes FOR EACH ROW "
                   f"WHEN (NEW.to_stage IN {SUPPORT_STAGES}) EXECUTE FUNCTION case_supported()")
        op.execute(f"""CREATE FUNCTION tally_supports() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_rows(dialect, 'OLD', '-1')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_rows(dialect, 'NEW', '1')};
    END IF;
    RETURN NULL;
END $$""")
        op.execute(f"CREATE TRIGGER tally_supports_written AFTER INSERT OR UPDATE OF {COUNTED} OR DELETE "
                   "ON cases FOR EACH ROW EXECUTE FUNCTION tally_supports()")
    else:
        op.execute(f"CREATE TRIGGER case_supported_added AFTER INSERT ON stage_changes "
                   f"WHEN NEW.to_stage IN {SUPPORT_STAGES} BEGIN {MARK}; END")
        op.execute(f"CREATE TRIGGER tally_supports_insert AFTER INSERT ON cases WHEN NEW.supported_at IS NOT NULL "
                   f"BEGIN {COLUMNS}{_rows(dialect, 'NEW', '1')}; END")
        op.execute(f"CREATE TRIGGER tally_supports_update AFTER UPDATE OF {COUNTED} ON cases BEGIN "
                   f"{COLUMNS}{_rows(dialect, 'OLD', '-1')} UNION ALL {_rows(dialect, 'NEW', '1')}; END")
        op.execute(f"CREATE TRIGGER tally_supports_delete AFTER DELETE ON cases WHEN OLD.supported_at IS NOT NULL "
                   f"BEGIN {COLUMNS}{_rows(dialect, 'OLD', '-1')}; END")
    # the cases supported already: dated by their first change into a support stage (the trigger above counts them)
    op.execute(f"UPDATE cases SET supported_at = s.first FROM (SELECT case_id, min(created_at) AS first "
               f"FROM stage_changes WHERE to_stage IN {SUPPORT_STAGES} GROUP BY case_id) AS s "
               "WHERE cases.id = s.case_id")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tally_supports_written ON cases")
        op.execute("DROP FUNCTION IF EXISTS tally_supports()")
        op.execute("DROP TRIGGER IF EXISTS case_supported_added ON stage_changes")
        op.execute("DROP FUNCTION IF EXISTS case_supported()")
    else:
        for trigger in ("tally_supports_insert", "tally_supports_update", "tally_supports_delete",
                        "case_supported_added"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DELETE FROM tallies WHERE kind = 'supports'")
    op.drop_index("ix_cases_supported_at_country_code", table_name="cases")
    op.drop_column("cases", "supported_at")
