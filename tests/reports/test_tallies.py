"""The tallies the dashboards and home pages read: kept by the database in the same transaction as every change,
never waiting on another transaction, folded without losing a count, and checked by a command.

Every test that uses the app also ends with the tallies checked against the rows they count (``tests/conftest.py``),
so the whole suite's changes (intakes, moves, transfers, closings, deadlines) are covered."""
import threading
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import current_app

from ipdesk.cases.models import Case, Outcome, Stage
from ipdesk.cases.services import transfer_case
from ipdesk.core.db import utcnow
from ipdesk.deadlines.models import Deadline, DeadlineEnding
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.reports import tallies
from ipdesk.reports.models import Tally
from ipdesk.reports.stats import network_overview
from tests.conftest import IS_POSTGRES


def _row(overview, key):
    return next((row for row in overview.by_country if row.key == key), None)


def _overview(user, today):
    with current_app.test_request_context():  # labels in the request's language
        return network_overview(user, today=today)


def _hub(code: str) -> Hub:
    return db.session.scalar(sa.select(Hub).where(Hub.code == code))


def test_the_dashboard_follows_a_case_through_its_life(app, factories, build):
    manager, north = factories.manager(), factories.staff(hub_codes=("cn-north",))
    south = factories.staff(hub_codes=("cn-south",))
    today = date.today()
    case = build.case("intake", country="CN")
    build.deadline(case, "Opposition", today - timedelta(days=3))
    assert _row(_overview(manager, today=today), "CN").open_by_stage[:3] == (1, 0, 0)
    assert _row(_overview(manager, today=today), "CN").overdue_deadlines == 1

    case.stage = Stage.evidence
    db.session.commit()
    row = _row(_overview(north, today=today), "CN")
    assert (row.open_total, row.open_by_stage[2], row.overdue_deadlines) == (1, 1, 1)

    transfer_case(case, _hub("cn-south"), "Guangdong seller.", manager)
    db.session.commit()
    assert _row(_overview(north, today=today), "CN") is None  # no longer theirs to count
    assert _row(_overview(south, today=today), "CN").overdue_deadlines == 1

    case.stage, case.outcome, case.closed_at, case.closed_from = Stage.closed, Outcome.takedown, utcnow(), \
        Stage.evidence
    db.session.commit()
    overview = _overview(manager, today=today)
    row = _row(overview, "CN")
    assert (row.open_total, row.overdue_deadlines, row.closed) == (0, 0, 1)  # a closed case's deadlines are not due
    assert {c.key: c.count for c in overview.outcomes}["takedown"] == 1
    assert overview.new_per_month[-1].count == 1

    db.session.delete(case)
    db.session.commit()
    overview = _overview(manager, today=today)
    assert overview.open_total == 0 and overview.new_per_month[-1].count == 0 and _row(overview, "CN") is None


def test_a_deadline_done_moved_or_deleted_leaves_the_overdue_count(app, factories, build):
    manager, today = factories.manager(), date.today()
    case = build.case("action", country="TH")
    for days in (1, 2, 3):
        build.deadline(case, f"Step {days}", today - timedelta(days=days))
    first, second, third = db.session.scalars(sa.select(Deadline).order_by(Deadline.id)).all()
    first.is_done, first.done_at, first.ending = True, utcnow(), DeadlineEnding.done
    second.due_on = today + timedelta(days=10)
    db.session.delete(third)
    db.session.commit()
    assert _overview(manager, today=today).overdue_deadlines == 0
    assert _overview(manager, today=today + timedelta(days=11)).overdue_deadlines == 1


def test_folding_keeps_every_count(app, factories, build):
    manager, today = factories.manager(), date.today()
    cases = [build.case("intake", country="VN") for _ in range(3)]
    for case in cases:
        build.deadline(case, "Long past", today - timedelta(days=400))
        build.deadline(case, "Next week", today + timedelta(days=7))
    for case in cases[:2]:
        case.stage = Stage.evidence
        db.session.commit()
    shown = _overview(manager, today=today)

    before, after = tallies.compact(today)

    assert after < before
    # one row per key: the three cases' intake and evidence counts, and the deadlines' two due days
    assert db.session.scalar(sa.select(sa.func.count()).where(Tally.kind == "cases")) == 2
    assert db.session.scalar(sa.select(sa.func.count()).where(Tally.kind == "due")) == 2
    assert _overview(manager, today=today) == shown
    assert _row(shown, "VN").open_by_stage[:3] == (1, 0, 2) and _row(shown, "VN").overdue_deadlines == 3
    # past days fold together: still counted on any later day
    db.session.execute(sa.update(Deadline).where(Deadline.what == "Next week")
                       .values(due_on=today - timedelta(days=30)))
    db.session.commit()
    tallies.compact(today)
    assert db.session.scalar(sa.select(sa.func.count()).where(Tally.kind == "due")) == 1
    assert _row(_overview(manager, today=today), "VN").overdue_deadlines == 6


def test_open_cases_are_read_from_rows_that_do_not_grow_with_the_years(app, factories, build):
    """Open cases by stage (the dashboard, the manager's home, the list's count) come from the kind ``stage``: one
    row per country, hub and stage however many months the cases were submitted in, kept as cases move."""
    manager, today = factories.manager(), date.today()
    for months_ago in range(0, 36, 3):  # three years of history
        case = build.case("intake", country="MY")
        case.submitted_at = utcnow() - timedelta(days=30 * months_ago)
    db.session.commit()
    moved = db.session.scalars(sa.select(Case).where(Case.country_code == "MY").order_by(Case.id)).first()
    moved.stage = Stage.evidence
    db.session.commit()
    tallies.compact(today)
    months = db.session.scalar(sa.select(sa.func.count()).where(Tally.kind == "cases", Tally.country_code == "MY"))
    now = db.session.scalars(sa.select(Tally.key).where(Tally.kind == "stage", Tally.country_code == "MY")).all()
    assert months >= 12 and sorted(now) == ["evidence", "intake"]  # 12 months of submission, 2 rows of stages
    assert _row(_overview(manager, today=today), "MY").open_by_stage[:3] == (11, 0, 1)
    moved.country_code, moved.hub_id = "TH", _hub("th").id
    db.session.commit()
    assert _row(_overview(manager, today=today), "MY").open_by_stage[:3] == (11, 0, 0)
    assert _row(_overview(manager, today=today), "TH").open_by_stage[:3] == (0, 0, 1)


def test_the_command_finds_and_repairs_counts_that_drifted(app, build):
    build.case("intake", country="CN")
    runner = app.test_cli_runner()
    assert runner.invoke(args=["reports", "tallies"]).exit_code == 0
    db.session.execute(sa.delete(Tally).where(Tally.kind == "cases"))  # as if written with the triggers off
    db.session.commit()
    checked = runner.invoke(args=["reports", "tallies"])
    assert checked.exit_code == 1 and "DRIFT: cases ('CN'" in checked.output
    repaired = runner.invoke(args=["reports", "tallies", "--rebuild", "--compact"])
    assert repaired.exit_code == 0, repaired.output
    assert "0 key(s) disagree" in repaired.output


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite has one writer at a time: nobody waits on a count there")
def test_opposite_moves_in_two_transactions_neither_wait_nor_deadlock(app, build):
    """Counts kept as rows to update would lock: one move takes evidence's count then consultation's, the other
    the other way round. Deltas are only ever inserted."""
    a, b = build.case("evidence", country="CN"), build.case("consultation", country="CN")
    with db.engine.connect() as first, db.engine.connect() as second:
        first.execute(sa.update(Case).where(Case.id == a.id).values(stage="consultation"))
        second.execute(sa.text("SET lock_timeout = '2s'"))
        second.execute(sa.update(Case).where(Case.id == b.id).values(stage="evidence"))  # would wait on the first
        first.commit()
        second.commit()
    assert tallies.drift() == []


@pytest.mark.skipif(not IS_POSTGRES, reason="SQLite has one writer at a time: nothing commits during a fold")
def test_a_count_written_while_the_tallies_are_folded_is_kept(app, factories, build):
    manager = factories.manager()
    build.case("intake", country="CN")
    with db.engine.connect() as writer:
        writer.execute(sa.update(Case).where(Case.country_code == "CN").values(stage="evidence"))
        # the fold runs while that move is written but not committed, and commits first
        folding = threading.Thread(target=_fold, args=(app,))
        folding.start()
        folding.join(timeout=30)
        writer.commit()
    assert tallies.drift() == []
    assert _row(_overview(manager, today=date.today()), "CN").open_by_stage[:3] == (0, 0, 1)


def _fold(app):
    with app.app_context():
        tallies.compact()
        db.session.remove()


def test_the_reminders_command_folds_the_tallies_too(app, build):
    """``flask notify due`` from cron (or the web process's scheduler at each tick) keeps the rows few."""
    for _ in range(3):
        build.case("intake", country="CN")
    result = app.test_cli_runner().invoke(args=["notify", "due"])
    # each case counted by stage (by month of submission and as it is now), sector, IP right and dispute type
    assert "Tallies folded: 15 rows to 5." in result.output, result.output


def test_the_country_summary_follows_deadlines_lawsuits_and_moves(app, factories, build):
    """What the summary reads from the tallies changes with each write: a deadline done, a lawsuit's damages
    changed or deleted, a case moved to China's other hub or to another month of submission."""
    from decimal import Decimal

    from ipdesk.actions.models import Litigation
    from ipdesk.reports.stats import country_summary

    today = date.today()
    start, end = today.replace(month=1, day=1), today
    case = build.case("action", country="CN", submitted_at=utcnow())
    build.deadline(case, "First", today - timedelta(days=5))
    build.deadline(case, "Second", today - timedelta(days=1))
    build.suit(case, "USD", awarded=Decimal(1000), recovered=Decimal(100))

    def summary():
        with current_app.test_request_context():
            return country_summary("CN", start, end, today=today)

    first = summary()
    assert (first.overdue_open_cases, first.overdue_deadlines) == (1, 2)
    assert first.open_cases[0].overdue_what == "First" and first.damages_awarded[0].amount == Decimal(1000)
    assert db.session.scalar(sa.select(Case.next_due_on).where(Case.id == case.id)) == today - timedelta(days=5)

    deadline = db.session.scalar(sa.select(Deadline).where(Deadline.what == "First"))
    deadline.is_done, deadline.done_at, deadline.ending = True, utcnow(), DeadlineEnding.done
    suit = db.session.scalar(sa.select(Litigation))
    suit.damages_awarded = Decimal(2500)
    transfer_case(case, _hub("cn-south"), "Guangdong seller.", factories.manager())
    db.session.commit()
    second = summary()
    assert (second.overdue_open_cases, second.overdue_deadlines) == (1, 1)
    assert second.open_cases[0].overdue_what == "Second" and second.damages_awarded[0].amount == Decimal(2500)
    assert second.damages_recovered[0].amount == Decimal(100)

    db.session.delete(suit)
    case.submitted_at = utcnow() - timedelta(days=400)  # out of the period
    db.session.commit()
    third = summary()
    assert third.total == 0 and third.damages_awarded == [] and third.overdue_deadlines == 0
    assert tallies.drift() == []


@pytest.mark.skipif(IS_POSTGRES, reason="SQLite's planner: PostgreSQL finds a period's rows by the day index as it is")
def test_a_periods_tallies_are_found_by_day_with_the_statistics_of_a_large_network(app):
    """With the statistics ANALYZE took of 100,000 cases, SQLite read every closing of the network in (kind, key)
    order to group them, 9 ms a dashboard, instead of this year's from the (kind, day) covering index."""
    with db.engine.connect() as conn:
        conn.exec_driver_sql("ANALYZE")  # makes sqlite_stat1; then the large network's figures in it
        conn.exec_driver_sql("DELETE FROM sqlite_stat1 WHERE tbl = 'tallies'")
        for index, stat in (("ix_tallies_kind_day_covering", "132762 9483 220 9 9 3 3 3"),
                            ("ix_tallies_kind_key_covering", "132762 9483 1795 61 61 12"),
                            ("ix_tallies_country_code_day", "132762 3320 67")):
            conn.exec_driver_sql("INSERT INTO sqlite_stat1 VALUES ('tallies', ?, ?)", (index, stat))
        conn.exec_driver_sql("ANALYZE sqlite_schema")  # read the statistics again
        query = tallies.tally("closed", Tally.country_code, Tally.hub_id, Tally.key,
                              where=(Tally.day >= date(2026, 1, 1),), by_day=True)
        sql = str(query.compile(conn, compile_kwargs={"literal_binds": True}))
        plan = " ".join(row[3] for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}"))
        conn.rollback()
    assert "COVERING INDEX ix_tallies_kind_day_covering (kind=? AND day>?)" in plan, plan
