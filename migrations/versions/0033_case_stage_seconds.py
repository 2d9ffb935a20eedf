"""Each case keeps how long it has spent in each open stage: ``intake_seconds``, ``returned_seconds``,
``evidence_seconds``, ``consultation_seconds`` and ``action_seconds``, the sum of its finished stays there (NULL while
it has finished none). A trigger adds a stay when a stage change is inserted: from the case's previous change to
this one, in the stage this one leaves. Country summaries take their medians per stage from these columns instead
of measuring every stage change of the period again. Stage changes are inserted in the order they happened (the app
inserts the present; bulk loads insert each case's history in order).

Columns are added with ALTER TABLE ADD COLUMN (no table rebuild on SQLite, so the triggers of 0032 stay).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

STAGES = ("intake", "returned", "evidence", "consultation", "action")


def _seconds(dialect: str, start: str, end: str) -> str:
    """Seconds from ``start`` to ``end``, to the millisecond on SQLite (as julianday counts them)."""
    if dialect == "postgresql":
        return f"EXTRACT(EPOCH FROM {end} - {start})"
    return f"(round((julianday({end}) - julianday({start})) * 86400000) / 1000.0)"


def _add_stay(dialect: str) -> str:
    """The UPDATE that adds the stay ending at NEW (a stage change) to its case."""
    previous = ("(SELECT p.created_at FROM stage_changes p WHERE p.case_id = NEW.case_id AND p.id <> NEW.id "
                "AND (p.created_at < NEW.created_at OR (p.created_at = NEW.created_at AND p.id < NEW.id)) "
                "ORDER BY p.created_at DESC, p.id DESC LIMIT 1)")
    stay = f"coalesce({_seconds(dialect, previous, 'NEW.created_at')}, 0)"
    sets = ", ".join(f"{stage}_seconds = CASE WHEN NEW.from_stage = '{stage}' "
                     f"THEN coalesce({stage}_seconds, 0) + {stay} ELSE {stage}_seconds END" for stage in STAGES)
    return f"UPDATE cases SET {sets} WHERE id = NEW.case_id"


OPEN = "(" + ", ".join(f"'{stage}'" for stage in STAGES) + ")"


def upgrade():
    for stage in STAGES:
        op.add_column("cases", sa.Column(f"{stage}_seconds", sa.Float(), nullable=True))
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(f"""CREATE FUNCTION case_stays() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    {_add_stay(dialect)};
    RETURN NULL;
END $$""")
        op.execute("CREATE TRIGGER case_stays_added AFTER INSERT ON stage_changes FOR EACH ROW "
                   f"WHEN (NEW.from_stage IN {OPEN}) EXECUTE FUNCTION case_stays()")
    else:
        op.execute(f"CREATE TRIGGER case_stays_added AFTER INSERT ON stage_changes WHEN NEW.from_stage IN {OPEN} "
                   f"BEGIN {_add_stay(dialect)}; END")
    # the stays already finished: each change's stage lasted until the case's next change
    seconds = _seconds(dialect, "created_at", "lead(created_at) OVER (PARTITION BY case_id ORDER BY created_at, id)")
    sums = ", ".join(f"sum(CASE WHEN stage = '{stage}' THEN seconds END) AS {stage}" for stage in STAGES)
    sets = ", ".join(f"{stage}_seconds = s.{stage}" for stage in STAGES)
    op.execute(f"UPDATE cases SET {sets} FROM (SELECT case_id, {sums} FROM (SELECT case_id, to_stage AS stage, "
               f"{seconds} AS seconds FROM stage_changes) AS stays WHERE seconds IS NOT NULL GROUP BY case_id) AS s "
               "WHERE cases.id = s.case_id")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS case_stays_added ON stage_changes")
        op.execute("DROP FUNCTION IF EXISTS case_stays()")
    else:
        op.execute("DROP TRIGGER IF EXISTS case_stays_added")
    for stage in reversed(STAGES):
        op.drop_column("cases", f"{stage}_seconds")
