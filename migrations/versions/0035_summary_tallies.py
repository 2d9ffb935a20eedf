"""Tallies for the country summary, so China's year to date reads a few thousand rows at any number of cases.

Each case now keeps ``next_due_on``, the earliest due date of its deadlines not done (NULL when it has none),
written by a trigger on ``deadlines``. The tallies gain three columns: ``bucket`` (a stay's length in tenths of a
day), ``due_on`` (a due date, when ``day`` holds the month of submission) and ``amount`` (a sum of money, beside the
count). New kinds, all by the case's country, hub and month of submission (``day``):

- ``sector``, ``ip_right``, ``dispute``, ``outcome``: submitted cases by that field (``key``; no ``outcome`` row
  while a case has none);
- ``claimed``: cases claiming damages, by currency, with the sum claimed;
- ``stay``: cases by open stage (``key``) and the length of their finished stays there (``bucket``): tenths of a
  day below ten days, whole days (in tenths) from ten days on; the summary's medians are taken over these;
- ``chased``: open cases with a deadline not done, by the earliest (``due_on``);
- ``late``: deadlines not done of open cases, by due date (``due_on``);
- ``awarded``, ``recovered``: the case's lawsuits awarding or recovering damages, by currency, with the sums.

The triggers of 0032 are made again with these kinds; lawsuits get triggers of their own. As in 0032, a change
writes rows of -1 for what it took away and +1 for what it added.

Revision ID: 0035
Revises: 0034
Create Date: 2026-12-06
"""
import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0035"
down_revision = "0034"
branch_labels = None
depends_on = None

STAGES = ("intake", "returned", "evidence", "consultation", "action")
OPEN = "(" + ", ".join(f"'{stage}'" for stage in STAGES) + ")"
COLUMNS = "INSERT INTO tallies (kind, country_code, hub_id, key, reason_id, bucket, due_on, day, n, amount) "
NONE = "CAST(NULL AS integer)"  # reason_id and bucket, where a kind has none
NO_DAY = "CAST(NULL AS date)"
NO_AMOUNT = "CAST(NULL AS numeric)"


def _month(dialect: str, column: str) -> str:
    if dialect == "postgresql":
        return f"CAST(date_trunc('month', {column} AT TIME ZONE 'UTC') AS date)"
    return f"date({column}, 'start of month')"


def _bucket(dialect: str, seconds: str) -> str:
    """A stay's length in tenths of a day, rounded down: to the tenth below ten days, to the day from ten days on
    (as ``ipdesk.core.db.StayBucket``)."""
    whole = "integer" if dialect == "postgresql" else "INTEGER"
    floor = (lambda x: f"floor({x})") if dialect == "postgresql" else (lambda x: x)  # SQLite's CAST rounds down
    return (f"CASE WHEN {seconds} < 864000 THEN CAST({floor(f'{seconds} / 8640')} AS {whole}) "
            f"ELSE 10 * CAST({floor(f'{seconds} / 86400')} AS {whole}) END")


def _case_rows(dialect: str, row: str, sign: str, when: dict) -> str:
    """The rows that case ``row`` (OLD or NEW) adds to the tallies times ``sign``; each kind only when its condition
    in ``when`` holds (on an update: when what it counts by changed)."""
    changed = _month(dialect, "s.created_at")
    month = _month(dialect, f"{row}.submitted_at")
    submitted = f"{row}.submitted_at IS NOT NULL"
    is_open = f"{row}.stage IN {OPEN}"
    where = f"{row}.country_code, {row}.hub_id"

    def simple(kind: str, key: str, condition: str, *, bucket: str = NONE, due_on: str = NO_DAY,
               amount: str = NO_AMOUNT) -> str:
        return (f"SELECT '{kind}', {where}, {key}, {NONE}, {bucket}, {due_on}, {month}, {sign}, {amount} "
                f"WHERE {submitted} AND {condition}")

    parts = [
        simple("cases", f"{row}.stage", when["counted"]),
        f"SELECT 'closed', {where}, {row}.outcome, {NONE}, {NONE}, {NO_DAY}, {_month(dialect, f'{row}.closed_at')}, "
        f"{sign}, {NO_AMOUNT} WHERE {row}.stage = 'closed' AND {row}.closed_at IS NOT NULL AND {when['closed']}",
        f"SELECT 'due', {where}, NULL, {NONE}, {NONE}, {NO_DAY}, d.due_on, {sign} * count(*), {NO_AMOUNT} "
        f"FROM deadlines d WHERE d.case_id = {row}.id AND NOT d.is_done AND {is_open} AND {when['due']} "
        f"GROUP BY d.due_on",
        f"SELECT 'refusals', {where}, s.transition, s.reason_id, {NONE}, {NO_DAY}, {changed}, {sign} * count(*), "
        f"{NO_AMOUNT} FROM stage_changes s WHERE s.case_id = {row}.id AND s.transition IN ('return', 'reject') "
        f"AND {when['moved']} GROUP BY s.transition, s.reason_id, {changed}",
        simple("sector", f"{row}.sector", when["sector"]),
        simple("ip_right", f"{row}.ip_right", when["ip_right"]),
        simple("dispute", f"{row}.dispute_type", when["dispute"]),
        simple("outcome", f"{row}.outcome", f"{row}.outcome IS NOT NULL AND {when['outcome']}"),
        simple("claimed", f"{row}.damages_currency", f"{row}.damages_amount IS NOT NULL AND {when['claimed']}",
               amount=f"{sign} * {row}.damages_amount"),
        *(simple("stay", f"'{stage}'", f"{row}.{stage}_seconds IS NOT NULL AND {when['stay_' + stage]}",
                 bucket=_bucket(dialect, f"{row}.{stage}_seconds")) for stage in STAGES),
        simple("chased", "NULL", f"{is_open} AND {row}.next_due_on IS NOT NULL AND {when['chased']}",
               due_on=f"{row}.next_due_on"),
        f"SELECT 'late', {where}, NULL, {NONE}, {NONE}, d.due_on, {month}, {sign} * count(*), {NO_AMOUNT} "
        f"FROM deadlines d WHERE d.case_id = {row}.id AND NOT d.is_done AND {submitted} AND {is_open} "
        f"AND {when['late']} GROUP BY d.due_on",
        *(f"SELECT '{kind}', {where}, l.damages_currency, {NONE}, {NONE}, {NO_DAY}, {month}, {sign} * count(*), "
          f"{sign} * sum(l.damages_{kind}) FROM litigations l WHERE l.case_id = {row}.id "
          f"AND l.damages_{kind} IS NOT NULL AND {submitted} AND {when['suits']} GROUP BY l.damages_currency"
          for kind in ("awarded", "recovered")),
    ]
    return " UNION ALL ".join(parts)


def _changed(*columns: str) -> str:
    return " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in columns)


MOVED = _changed("country_code", "hub_id")
PLACED = _changed("country_code", "hub_id", "submitted_at")  # the keys of every kind counted by submission
OPENED = f"(OLD.stage IN {OPEN}) IS DISTINCT FROM (NEW.stage IN {OPEN})"
UPDATE_CONDITIONS = {
    "counted": f"({PLACED} OR {_changed('stage')})",
    "closed": f"({MOVED} OR {_changed('stage', 'outcome', 'closed_at')})",
    "due": f"({MOVED} OR {OPENED})",
    "moved": f"({MOVED})",
    "sector": f"({PLACED} OR {_changed('sector')})",
    "ip_right": f"({PLACED} OR {_changed('ip_right')})",
    "dispute": f"({PLACED} OR {_changed('dispute_type')})",
    "outcome": f"({PLACED} OR {_changed('outcome')})",
    "claimed": f"({PLACED} OR {_changed('damages_amount', 'damages_currency')})",
    **{f"stay_{stage}": f"({PLACED} OR {_changed(f'{stage}_seconds')})" for stage in STAGES},
    "chased": f"({PLACED} OR {OPENED} OR {_changed('next_due_on')})",
    "late": f"({PLACED} OR {OPENED})",
    "suits": f"({PLACED})",
}
ALWAYS = {name: "1 = 1" for name in UPDATE_CONDITIONS}
# a new case has no deadlines, stage changes or lawsuits yet: they are counted as they are added
ON_INSERT = {**ALWAYS, "due": "1 = 0", "moved": "1 = 0", "late": "1 = 0", "suits": "1 = 0"}
CASE_COLUMNS = ("stage, outcome, hub_id, country_code, submitted_at, closed_at, sector, ip_right, dispute_type, "
                "damages_amount, damages_currency, next_due_on, " + ", ".join(f"{s}_seconds" for s in STAGES))


def _deadline_rows(dialect: str, row: str, sign: str) -> str:
    return (f"SELECT 'due', c.country_code, c.hub_id, NULL, {NONE}, {NONE}, {NO_DAY}, {row}.due_on, {sign}, "
            f"{NO_AMOUNT} FROM cases c WHERE c.id = {row}.case_id AND c.stage IN {OPEN} AND NOT {row}.is_done "
            f"UNION ALL SELECT 'late', c.country_code, c.hub_id, NULL, {NONE}, {NONE}, {row}.due_on, "
            f"{_month(dialect, 'c.submitted_at')}, {sign}, {NO_AMOUNT} FROM cases c WHERE c.id = {row}.case_id "
            f"AND c.stage IN {OPEN} AND NOT {row}.is_done AND c.submitted_at IS NOT NULL")


def _next_due(case_id: str) -> str:
    """Keep the case's earliest due date of its deadlines not done (its update counts it in ``chased``)."""
    earliest = f"(SELECT min(d.due_on) FROM deadlines d WHERE d.case_id = {case_id} AND NOT d.is_done)"
    return f"UPDATE cases SET next_due_on = {earliest} WHERE id = {case_id} AND next_due_on IS DISTINCT FROM {earliest}"


def _refusal_rows(dialect: str, row: str, sign: str) -> str:
    return (f"SELECT 'refusals', c.country_code, c.hub_id, {row}.transition, {row}.reason_id, {NONE}, {NO_DAY}, "
            f"{_month(dialect, f'{row}.created_at')}, {sign}, {NO_AMOUNT} FROM cases c "
            f"WHERE c.id = {row}.case_id AND {row}.transition IN ('return', 'reject')")


def _suit_rows(dialect: str, row: str, sign: str) -> str:
    return " UNION ALL ".join(
        f"SELECT '{kind}', c.country_code, c.hub_id, {row}.damages_currency, {NONE}, {NONE}, {NO_DAY}, "
        f"{_month(dialect, 'c.submitted_at')}, {sign}, {sign} * {row}.damages_{kind} FROM cases c "
        f"WHERE c.id = {row}.case_id AND c.submitted_at IS NOT NULL AND {row}.damages_{kind} IS NOT NULL"
        for kind in ("awarded", "recovered"))


SUIT_COLUMNS = "case_id, damages_currency, damages_awarded, damages_recovered"
CHANGE_COLUMNS = "transition, reason_id, created_at, case_id"
SQLITE_TRIGGERS = ("tally_cases_insert", "tally_cases_update", "tally_cases_delete", "tally_deadlines_insert",
                   "tally_deadlines_update", "tally_deadlines_delete", "tally_stage_changes_insert",
                   "tally_stage_changes_update", "tally_stage_changes_delete")


def _sqlite_triggers() -> list[str]:
    d = "sqlite"
    return [
        f"CREATE TRIGGER tally_cases_insert AFTER INSERT ON cases BEGIN "
        f"{COLUMNS}{_case_rows(d, 'NEW', '1', ON_INSERT)}; END",
        f"CREATE TRIGGER tally_cases_update AFTER UPDATE OF {CASE_COLUMNS} ON cases BEGIN "
        f"{COLUMNS}{_case_rows(d, 'OLD', '-1', UPDATE_CONDITIONS)} "
        f"UNION ALL {_case_rows(d, 'NEW', '1', UPDATE_CONDITIONS)}; END",
        # before: the case's deadlines, stage changes and lawsuits are still there to be taken away
        f"CREATE TRIGGER tally_cases_delete BEFORE DELETE ON cases BEGIN "
        f"{COLUMNS}{_case_rows(d, 'OLD', '-1', ALWAYS)}; END",
        f"CREATE TRIGGER tally_deadlines_insert AFTER INSERT ON deadlines BEGIN "
        f"{COLUMNS}{_deadline_rows(d, 'NEW', '1')}; {_next_due('NEW.case_id')}; END",
        f"CREATE TRIGGER tally_deadlines_update AFTER UPDATE OF is_done, due_on, case_id ON deadlines BEGIN "
        f"{COLUMNS}{_deadline_rows(d, 'OLD', '-1')} UNION ALL {_deadline_rows(d, 'NEW', '1')}; "
        f"{_next_due('OLD.case_id')}; {_next_due('NEW.case_id')}; END",
        f"CREATE TRIGGER tally_deadlines_delete AFTER DELETE ON deadlines BEGIN "
        f"{COLUMNS}{_deadline_rows(d, 'OLD', '-1')}; {_next_due('OLD.case_id')}; END",
        f"CREATE TRIGGER tally_stage_changes_insert AFTER INSERT ON stage_changes "
        f"WHEN NEW.transition IN ('return', 'reject') BEGIN {COLUMNS}{_refusal_rows(d, 'NEW', '1')}; END",
        f"CREATE TRIGGER tally_stage_changes_update AFTER UPDATE OF {CHANGE_COLUMNS} ON stage_changes BEGIN "
        f"{COLUMNS}{_refusal_rows(d, 'OLD', '-1')} UNION ALL {_refusal_rows(d, 'NEW', '1')}; END",
        f"CREATE TRIGGER tally_stage_changes_delete AFTER DELETE ON stage_changes "
        f"WHEN OLD.transition IN ('return', 'reject') BEGIN {COLUMNS}{_refusal_rows(d, 'OLD', '-1')}; END",
        f"CREATE TRIGGER tally_litigations_insert AFTER INSERT ON litigations BEGIN "
        f"{COLUMNS}{_suit_rows(d, 'NEW', '1')}; END",
        f"CREATE TRIGGER tally_litigations_update AFTER UPDATE OF {SUIT_COLUMNS} ON litigations BEGIN "
        f"{COLUMNS}{_suit_rows(d, 'OLD', '-1')} UNION ALL {_suit_rows(d, 'NEW', '1')}; END",
        f"CREATE TRIGGER tally_litigations_delete AFTER DELETE ON litigations BEGIN "
        f"{COLUMNS}{_suit_rows(d, 'OLD', '-1')}; END",
    ]


def _postgres_triggers() -> list[str]:
    d = "postgresql"
    return [
        f"""CREATE OR REPLACE FUNCTION tally_cases() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        {COLUMNS}{_case_rows(d, 'NEW', '1', ON_INSERT)};
    ELSIF TG_OP = 'UPDATE' THEN
        {COLUMNS}{_case_rows(d, 'OLD', '-1', UPDATE_CONDITIONS)}
        UNION ALL {_case_rows(d, 'NEW', '1', UPDATE_CONDITIONS)};
    ELSE
        {COLUMNS}{_case_rows(d, 'OLD', '-1', ALWAYS)};
        RETURN OLD;
    END IF;
    RETURN NULL;
END $$""",
        "DROP TRIGGER tally_cases_written ON cases",
        f"CREATE TRIGGER tally_cases_written AFTER INSERT OR UPDATE OF {CASE_COLUMNS} ON cases "
        "FOR EACH ROW EXECUTE FUNCTION tally_cases()",
        f"""CREATE OR REPLACE FUNCTION tally_deadlines() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_deadline_rows(d, 'OLD', '-1')};
        {_next_due('OLD.case_id')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_deadline_rows(d, 'NEW', '1')};
        {_next_due('NEW.case_id')};
    END IF;
    RETURN NULL;
END $$""",
        f"""CREATE FUNCTION tally_litigations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_suit_rows(d, 'OLD', '-1')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_suit_rows(d, 'NEW', '1')};
    END IF;
    RETURN NULL;
END $$""",
        f"CREATE TRIGGER tally_litigations_written AFTER INSERT OR UPDATE OF {SUIT_COLUMNS} OR DELETE "
        "ON litigations FOR EACH ROW EXECUTE FUNCTION tally_litigations()",
        f"""CREATE OR REPLACE FUNCTION tally_stage_changes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {COLUMNS}{_refusal_rows(d, 'OLD', '-1')};
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {COLUMNS}{_refusal_rows(d, 'NEW', '1')};
    END IF;
    RETURN NULL;
END $$""",
    ]


def upgrade():
    dialect = op.get_bind().dialect.name
    op.add_column("cases", sa.Column("next_due_on", sa.Date(), nullable=True))
    op.execute("UPDATE cases SET next_due_on = (SELECT min(d.due_on) FROM deadlines d WHERE d.case_id = cases.id "
               "AND NOT d.is_done) WHERE EXISTS (SELECT 1 FROM deadlines d WHERE d.case_id = cases.id "
               "AND NOT d.is_done)")
    # the country summary's cases to chase, the most overdue first: found in that order, their period and stage read
    # from the index
    op.create_index(op.f("ix_cases_country_code_next_due_on"), "cases",
                    ["country_code", "next_due_on", "submitted_at", "stage"])
    op.add_column("tallies", sa.Column("bucket", sa.Integer(), nullable=True))
    op.add_column("tallies", sa.Column("due_on", sa.Date(), nullable=True))
    op.add_column("tallies", sa.Column("amount", sa.Numeric(20, 2), nullable=True))
    op.create_index(op.f("ix_tallies_country_code_day"), "tallies", ["country_code", "day"])
    # the dashboards' reads from the index alone: open cases by stage (kind, key), closings and refusals since a
    # month (kind, day); these replace 0032's index on (kind, day)
    op.drop_index(op.f("ix_tallies_kind_day"), table_name="tallies")
    op.create_index(op.f("ix_tallies_kind_key_covering"), "tallies", ["kind", "key", "country_code", "hub_id", "n"])
    op.create_index(op.f("ix_tallies_kind_day_covering"), "tallies",
                    ["kind", "day", "country_code", "hub_id", "key", "reason_id", "n"])
    if dialect == "sqlite":
        for trigger in SQLITE_TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    for statement in _postgres_triggers() if dialect == "postgresql" else _sqlite_triggers():
        op.execute(statement)
    op.execute(_backfill(dialect))


def _backfill(dialect: str) -> str:
    """The new kinds of the rows already there, one row per key (0032's kinds are counted already)."""
    month = _month(dialect, "submitted_at")
    c_month = _month(dialect, "c.submitted_at")
    by = "country_code, hub_id"

    def per_case(kind: str, key: str, where: str = "1 = 1", *, bucket: str = NONE, due_on: str = NO_DAY,
                 amount: str = NO_AMOUNT) -> str:
        grouped = ", ".join(c for c in (key, bucket, due_on) if c not in ("NULL", NONE, NO_DAY) and c[0] != "'")
        return (f"SELECT '{kind}', {by}, {key}, {NONE}, {bucket}, {due_on}, {month}, count(*), {amount} FROM cases "
                f"WHERE submitted_at IS NOT NULL AND {where} GROUP BY {by}, {grouped + ', ' if grouped else ''}{month}")

    parts = [
        per_case("sector", "sector"), per_case("ip_right", "ip_right"), per_case("dispute", "dispute_type"),
        per_case("outcome", "outcome", "outcome IS NOT NULL"),
        per_case("claimed", "damages_currency", "damages_amount IS NOT NULL", amount="sum(damages_amount)"),
        *(per_case("stay", f"'{stage}'", f"{stage}_seconds IS NOT NULL", bucket=_bucket(dialect, f"{stage}_seconds"))
          for stage in STAGES),
        per_case("chased", "NULL", f"stage IN {OPEN} AND next_due_on IS NOT NULL", due_on="next_due_on"),
        f"SELECT 'late', c.country_code, c.hub_id, NULL, {NONE}, {NONE}, d.due_on, {c_month}, count(*), {NO_AMOUNT} "
        f"FROM deadlines d JOIN cases c ON c.id = d.case_id WHERE NOT d.is_done AND c.stage IN {OPEN} "
        f"AND c.submitted_at IS NOT NULL GROUP BY c.country_code, c.hub_id, d.due_on, {c_month}",
        *(f"SELECT '{kind}', c.country_code, c.hub_id, l.damages_currency, {NONE}, {NONE}, {NO_DAY}, {c_month}, "
          f"count(*), sum(l.damages_{kind}) FROM litigations l JOIN cases c ON c.id = l.case_id "
          f"WHERE c.submitted_at IS NOT NULL AND l.damages_{kind} IS NOT NULL "
          f"GROUP BY c.country_code, c.hub_id, l.damages_currency, {c_month}" for kind in ("awarded", "recovered")),
    ]
    return COLUMNS + " UNION ALL ".join(parts)


def _previous():
    """Migration 0032, whose triggers a downgrade makes again."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("tallies_0032", Path(__file__).with_name("0032_tallies.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS tally_litigations_written ON litigations")
        op.execute("DROP FUNCTION IF EXISTS tally_litigations()")
        for table in ("cases", "deadlines", "stage_changes"):
            op.execute(f"DROP TRIGGER IF EXISTS tally_{table}_written ON {table}")
        op.execute("DROP TRIGGER IF EXISTS tally_cases_deleted ON cases")
        op.execute("DROP TRIGGER IF EXISTS tally_stage_changes_rewritten ON stage_changes")
        for function in ("tally_cases", "tally_deadlines", "tally_stage_changes"):
            op.execute(f"DROP FUNCTION IF EXISTS {function}()")
    else:
        for trigger in (*SQLITE_TRIGGERS, "tally_litigations_insert", "tally_litigations_update",
                        "tally_litigations_delete"):
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    op.execute("DELETE FROM tallies WHERE kind NOT IN ('cases', 'closed', 'due', 'refusals')")
    op.drop_index(op.f("ix_tallies_country_code_day"), table_name="tallies")
    op.drop_index(op.f("ix_tallies_kind_day_covering"), table_name="tallies")
    op.drop_index(op.f("ix_tallies_kind_key_covering"), table_name="tallies")
    op.create_index(op.f("ix_tallies_kind_day"), "tallies", ["kind", "day"])
    for column in ("amount", "due_on", "bucket"):
        op.drop_column("tallies", column)
    op.drop_index(op.f("ix_cases_country_code_next_due_on"), table_name="cases")
    op.drop_column("cases", "next_due_on")
    previous = _previous()
    for statement in previous._postgres_triggers() if dialect == "postgresql" else previous._sqlite_triggers():
        op.execute(statement)
