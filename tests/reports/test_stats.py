"""The statistics on a small known data set: counts, medians, damages per currency, caps and the period."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import DisputeType, IPRight, Outcome, Stage
from ipdesk.companies.models import Sector
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.reports import tallies
from ipdesk.reports.models import Tally
from ipdesk.reports.stats import Amount, country_summary, exporter_overview, network_overview
from tests.reports.conftest import at

pytestmark = pytest.mark.usefixtures("english")

TODAY = date(2026, 12, 1)
START, END = date(2026, 1, 1), date(2026, 6, 30)


def counts(items) -> dict:
    return {c.key: c.count for c in items}


@pytest.fixture
def china(app, build):
    """Four Chinese cases in the first half of 2026, and three that the period or country leaves out."""
    c1 = build.case("intake", submitted_at=at(2026, 1, 10), sector=Sector.beauty, ip_right=IPRight.trademark,
                    dispute_type=DisputeType.counterfeit, damages_amount=Decimal("1000.50"), damages_currency="USD")
    c2 = build.case("evidence", submitted_at=at(2026, 2, 15), sector=Sector.food, ip_right=IPRight.design,
                    dispute_type=DisputeType.squatting, damages_amount=Decimal("2000"), damages_currency="CNY")
    c3 = build.case("closed", outcome=Outcome.won, submitted_at=at(2026, 3, 1), sector=Sector.content,
                    ip_right=IPRight.copyright, dispute_type=DisputeType.piracy, damages_amount=Decimal("500"),
                    damages_currency="USD")
    c4 = build.case("action", submitted_at=at(2026, 6, 30, 23), sector=None)  # the period's last evening
    late = build.case("intake", submitted_at=at(2026, 7, 1), damages_amount=Decimal(7), damages_currency="EUR")
    early = build.case("intake", submitted_at=at(2025, 12, 31, 23, 59))
    thai = build.case("intake", country="TH", submitted_at=at(2026, 3, 3))
    build.history(c1, ("draft", "intake", at(2026, 1, 10)))
    build.history(c2, ("draft", "intake", at(2026, 2, 15)), ("intake", "evidence", at(2026, 2, 25)))
    build.history(c3, ("draft", "intake", at(2026, 3, 1)), ("intake", "evidence", at(2026, 3, 3)),
                  ("evidence", "consultation", at(2026, 3, 13)), ("consultation", "action", at(2026, 3, 23)),
                  ("action", "closed", at(2026, 4, 22)))
    build.history(c4, ("draft", "intake", at(2026, 6, 30, 23)), ("intake", "evidence", at(2026, 7, 1, 11)),
                  ("evidence", "consultation", at(2026, 7, 5, 11)), ("consultation", "action", at(2026, 7, 6, 11)))
    build.history(late, ("draft", "intake", at(2026, 7, 1)), ("intake", "evidence", at(2026, 10, 9)))
    build.deadline(c1, "Opposition", date(2026, 11, 1))
    build.deadline(c1, "Reply", date(2026, 11, 20))
    build.deadline(c2, "Evidence", date(2026, 10, 1))
    build.deadline(c2, "Done already", date(2026, 9, 1), done=True)
    build.deadline(c3, "On a closed case", date(2026, 9, 1))
    build.deadline(c4, "Not yet due", date(2026, 12, 15))
    build.deadline(c4, "Due today", TODAY)
    build.deadline(late, "Out of the period", date(2026, 8, 1))
    build.suit(c3, "USD", awarded=Decimal(10000), recovered=Decimal("2500.25"))
    build.suit(c4, "CNY", awarded=Decimal(5000))
    build.suit(c4, "USD", awarded=Decimal(100), recovered=Decimal(0))
    build.suit(thai, "USD", awarded=Decimal(999), recovered=Decimal(999))
    build.infringer("Lucky Star 幸运星", c1, c2, c3)
    build.infringer("Once in the period", c1, late)
    build.infringer("Copy Corp", c2, c4, thai)
    return c1, c2, c3, c4, late, early


def test_counts_by_category_cover_only_the_period(china):
    summary = country_summary("CN", START, END, today=TODAY)
    assert summary.total == 4 and summary.country == "China"
    assert counts(summary.by_stage) == {"intake": 1, "returned": 0, "evidence": 1, "consultation": 0, "action": 1,
                                        "closed": 1}
    assert counts(summary.by_sector) == {"beauty": 1, "food": 1, "content": 1, "fashion": 0, "electronics": 0,
                                         "other": 0, "none": 1}
    assert summary.by_sector[-1].label == "Not given"
    assert counts(summary.by_ip_right) == {"trademark": 2, "design": 1, "patent": 0, "copyright": 1,
                                           "trade_secret": 0}
    assert counts(summary.by_dispute_type)["squatting"] == 1 and counts(summary.by_dispute_type)["other"] == 0
    assert counts(summary.by_outcome) == {"won": 1, "settled": 0, "takedown": 0, "seized": 0, "fined": 0,
                                          "upheld": 0, "lost": 0, "withdrawn": 0, "rejected": 0, "no_action": 0}
    assert summary.by_stage[0].label == "Intake"
    assert [(m.month, m.count) for m in summary.new_per_month] == [
        (date(2026, 1, 1), 1), (date(2026, 2, 1), 1), (date(2026, 3, 1), 1), (date(2026, 4, 1), 0),
        (date(2026, 5, 1), 0), (date(2026, 6, 1), 1)]
    assert summary.new_per_month[0].label == "Jan 2026"
    # a period of one day at either edge
    assert country_summary("CN", END, END, today=TODAY).total == 1
    assert country_summary("CN", date(2025, 12, 31), date(2025, 12, 31), today=TODAY).total == 1
    assert country_summary("CN", date(2026, 7, 1), date(2026, 7, 1), today=TODAY).total == 1


@pytest.mark.parametrize(("start", "end", "cases"), [
    (date(2026, 1, 11), date(2026, 6, 30), 3),  # a month cut at the start: the case of 10 January is left out
    (date(2026, 2, 15), date(2026, 3, 1), 2),  # two cut months and no whole one
    (date(2025, 12, 31), date(2026, 7, 1), 6),  # whole months with a day on either side
])
def test_a_period_cut_inside_months_counts_those_days_from_the_cases(china, start, end, cases):
    """Whole months come from the tallies, the days around them from the cases: the same summary either way, and
    the same after the tallies are folded."""
    summary = country_summary("CN", start, end, today=TODAY)
    assert summary.total == cases
    ours = [c for c in china if start <= c.submitted_at.date() <= end]
    assert counts(summary.by_stage) == {s.name: sum(c.stage is s for c in ours) for s in Stage if s is not Stage.draft}
    claimed = {}
    for case in ours:
        if case.damages_amount is not None:
            claimed[case.damages_currency] = claimed.get(case.damages_currency, 0) + case.damages_amount
    assert {a.currency: a.amount for a in summary.damages_claimed} == claimed
    assert sum(m.count for m in summary.new_per_month) == cases
    tallies.compact(TODAY)
    assert country_summary("CN", start, end, today=TODAY) == summary


def test_whole_months_are_read_from_the_tallies_not_from_every_case(china):
    """The first half of 2026 is six whole months: the summary's counts come from their tallies (none left: nothing
    counted), and come back when the tallies are counted again from the rows."""
    whole = country_summary("CN", START, END, today=TODAY)
    assert whole.overdue_deadlines == 3 and whole.overdue_open_cases == 2
    db.session.execute(sa.delete(Tally))
    db.session.commit()
    emptied = country_summary("CN", START, END, today=TODAY)
    assert (emptied.total, emptied.overdue_deadlines, emptied.damages_claimed) == (0, 0, [])
    assert [r.reference for r in emptied.open_cases] == [r.reference for r in whole.open_cases]  # found by index
    tallies.rebuild()
    assert country_summary("CN", START, END, today=TODAY) == whole


def test_a_period_running_to_today_reads_its_last_month_from_the_tallies(app, build, count_queries):
    """Nothing is submitted after today, so this year so far is whole months, the current one included: a case
    sent in this morning is counted without reading the cases."""
    today = date.today()
    build.case("intake", submitted_at=at(today.year, today.month, today.day))
    build.case("evidence", submitted_at=at(today.year, 1, 1))
    with count_queries() as queries:
        summary = country_summary("CN", today.replace(month=1, day=1), today, today=today)
    assert summary.total == 2 and summary.new_per_month[-1].count == (2 if today.month == 1 else 1)
    assert "FROM cases" not in queries.statements[0]  # the counts: the tallies alone


def test_median_days_per_stage(china):
    medians = {d.key: (d.median_days, d.cases) for d in country_summary("CN", START, END, today=TODAY).median_days}
    assert medians == {
        "intake": (Decimal("2.0"), 3),  # 10, 2 and half a day; the case still in intake is not counted
        "returned": (None, 0),
        "evidence": (Decimal("7.0"), 2),  # 10 and 4
        "consultation": (Decimal("5.5"), 2),  # 10 and 1
        "action": (Decimal("30.0"), 1),  # the case still in action is not counted
    }


@pytest.mark.parametrize(("seconds", "median"), [
    ([12_960], "0.1"),  # 0.15 days: counted as 0.1
    ([3_600, 7_200, 10_800, 14_400], "0.1"),  # 0.0, 0.0, 0.1 and 0.1: the mean of the middle two, 0.05, half up
    ([172_800, 900_000.5, 100, 216_000], "2.3"),  # 2.0 and 2.5 in the middle; 10.4 days counts as 10
    ([0.001, 1_000_000.25, 185_760, 900, 185_760.125], "2.1"),  # odd: 2.15 days counted as 2.1
    ([864_000 * 3 + 43_200, 1_900_000, 2_000_000], "23.0"),  # from ten days on, whole days: 21.99 -> 21, 23.1 -> 23
])
def test_medians_take_each_stay_to_the_tenth_of_a_day(app, build, seconds, median):
    """Each case's days in a stage count to the tenth, rounded down (to the day from ten days on), as the tallies
    keep them whatever the number of cases; the median of an even number of cases is the mean of the middle two,
    rounded half up."""
    for i, length in enumerate(seconds):
        case = build.case("evidence", submitted_at=at(2026, 3, 1) + timedelta(hours=i))
        entered = at(2026, 3, 2) + timedelta(hours=i, microseconds=123_000)
        build.history(case, ("draft", "intake", entered), ("intake", "evidence", entered + timedelta(seconds=length)))
    intake = country_summary("CN", START, END, today=TODAY).median_days[0]
    assert (intake.key, intake.cases, intake.median_days) == ("intake", len(seconds), Decimal(median))


def test_a_case_back_in_a_stage_counts_once_with_all_its_days_there(app, build, factories):
    """A case returned for information and sent in again has two stays in intake: the median is over cases, each
    with the days of all its finished stays; kept as the changes are written, through the app's own moves too."""
    from ipdesk.cases.services import move_case

    case = build.case("intake", submitted_at=at(2026, 3, 1))
    build.history(case, ("draft", "intake", at(2026, 3, 1)), ("intake", "returned", at(2026, 3, 2)),
                  ("returned", "intake", at(2026, 3, 5)), ("intake", "evidence", at(2026, 3, 8, 12)))
    other = build.case("intake", submitted_at=at(2026, 3, 1))
    build.history(other, ("draft", "intake", at(2026, 3, 1)))
    with app.test_request_context():
        move_case(other, "accept", factories.staff(hub_codes=("cn-north",)))
        db.session.commit()
    db.session.refresh(case)
    assert (case.intake_seconds, case.returned_seconds, case.evidence_seconds) == (4.5 * 86400, 3 * 86400, None)
    medians = {d.key: (d.median_days, d.cases) for d in country_summary("CN", START, END, today=TODAY).median_days}
    assert medians["returned"] == (Decimal("3.0"), 1)
    intake, counted = medians["intake"]  # 4.5 days, and the other case's days from 1 March to now
    assert counted == 2 and intake > Decimal("4.5")


def test_overdue_deadlines_and_open_cases(china):
    c1, c2, c3, c4, *_ = china
    summary = country_summary("CN", START, END, today=TODAY)
    assert summary.overdue_deadlines == 3  # not done, not on a closed case, due before today
    assert [(d.reference, d.what, d.due_on, d.days_overdue) for d in summary.most_overdue] == [
        (c2.reference, "Evidence", date(2026, 10, 1), 61),
        (c1.reference, "Opposition", date(2026, 11, 1), 30),
        (c1.reference, "Reply", date(2026, 11, 20), 11)]
    assert (summary.open_cases_total, summary.overdue_open_cases) == (3, 2)
    rows = [(r.reference, r.stage, r.overdue_what, r.overdue_due_on) for r in summary.open_cases]
    assert rows == [(c2.reference, "evidence", "Evidence", date(2026, 10, 1)),
                    (c1.reference, "intake", "Opposition", date(2026, 11, 1)),
                    (c4.reference, "action", None, None)]
    first = summary.open_cases[0]
    assert first.company == c2.company.name_en and first.submitted_on == date(2026, 2, 15)
    assert first.days_open == (TODAY - date(2026, 2, 15)).days and first.stage_label == "Evidence collection"


def test_damages_per_currency_and_repeat_infringers(china):
    summary = country_summary("CN", START, END, today=TODAY)
    assert summary.damages_claimed == [Amount("CNY", Decimal("2000.00")), Amount("USD", Decimal("1500.50"))]
    assert summary.damages_awarded == [Amount("CNY", Decimal("5000.00")), Amount("USD", Decimal("10100.00"))]
    assert summary.damages_recovered == [Amount("USD", Decimal("2500.25"))]
    assert [(i.name, i.cases) for i in summary.repeat_infringers] == [("Lucky Star 幸运星", 3), ("Copy Corp", 2)]


def test_an_empty_country_gives_zeros(app):
    summary = country_summary("VN", START, END, today=TODAY)
    assert summary.total == 0 and summary.open_cases == [] and summary.overdue_deadlines == 0
    assert all(c.count == 0 for c in summary.by_stage) and summary.damages_claimed == []
    assert all(d.median_days is None for d in summary.median_days)
    assert len(summary.new_per_month) == 6 and summary.repeat_infringers == []


def test_at_most_50_open_cases_are_listed(app, build):
    template = build.case("evidence", submitted_at=at(2026, 2, 1))
    build.deadline(template, "Overdue", date(2026, 11, 1))
    build.bulk(template, 64, "CN-2026-B", submitted_at=lambda i: at(2026, 3, 1) + timedelta(hours=i))
    summary = country_summary("CN", START, END, today=TODAY)
    assert len(summary.open_cases) == 50 and summary.open_cases_total == 65 and summary.overdue_open_cases == 1
    assert summary.open_cases[0].reference == template.reference  # the overdue case first
    assert [r.reference for r in summary.open_cases[1:4]] == ["CN-2026-B-00000", "CN-2026-B-00001",
                                                              "CN-2026-B-00002"]  # then the oldest


def test_labels_follow_the_callers_locale(app, china):
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("ko"):
        summary = country_summary("CN", START, END, today=TODAY)
    assert summary.country == "중국" and summary.new_per_month[0].label == "2026년 1월"
    assert summary.by_stage[0].label != "Intake"


@pytest.fixture
def network(app, factories, build):
    """Cases in China (hub China North) and Thailand, closed ones inside and outside the last year."""
    today = date.today()
    cn = [build.case("intake", submitted_at=at(today.year, today.month, 1)),
          build.case("evidence"), build.case("evidence")]
    th = build.case("action", country="TH")
    build.case("closed", country="TH", outcome=Outcome.won, closed_at=at(today.year, today.month, 1))
    build.case("closed", country="CN", outcome=Outcome.lost, closed_at=at(today.year - 2, 1, 1))
    build.case("draft")  # nobody's dashboard counts a draft
    build.deadline(cn[1], "Overdue", today - timedelta(days=3))
    build.deadline(th, "Overdue", today - timedelta(days=1))
    build.deadline(th, "Overdue too", today - timedelta(days=1))
    build.deadline(th, "Due later", today + timedelta(days=10))
    return today


def test_network_overview_for_a_manager(network, factories):
    overview = network_overview(factories.manager(), today=network)
    assert [s.key for s in overview.stages] == ["intake", "returned", "evidence", "consultation", "action"]
    assert counts(overview.stages) == {"intake": 1, "returned": 0, "evidence": 2, "consultation": 0, "action": 1}
    rows = {r.key: (r.open_by_stage, r.open_total, r.overdue_deadlines, r.closed) for r in overview.by_country}
    assert rows == {"CN": ((1, 0, 2, 0, 0), 3, 1, 0), "TH": ((0, 0, 0, 0, 1), 1, 2, 1)}
    assert [r.label for r in overview.by_country] == ["China", "Thailand"]
    hubs = {r.key: (r.open_total, r.overdue_deadlines, r.closed) for r in overview.by_hub}
    assert hubs == {"cn-north": (3, 1, 0), "th": (1, 2, 1)}
    assert (overview.open_total, overview.overdue_deadlines) == (4, 3)
    assert counts(overview.outcomes)["won"] == 1 and counts(overview.outcomes)["lost"] == 0
    assert len(overview.new_per_month) == 12 and overview.new_per_month[-1].month == network.replace(day=1)
    assert sum(m.count for m in overview.new_per_month) >= 1 and overview.since == overview.new_per_month[0].month


def test_network_overview_of_staff_covers_their_hubs_only(network, factories):
    overview = network_overview(factories.staff(hub_codes=("th",)), today=network)
    assert [r.key for r in overview.by_country] == ["TH"] and [r.key for r in overview.by_hub] == ["th"]
    assert (overview.open_total, overview.overdue_deadlines) == (1, 2)
    th = db.session.scalar(sa.select(Hub.id).where(Hub.code == "th"))
    assert overview.by_hub[0].hub_id == th


def test_exporter_overview_counts_only_the_own_company(app, factories, build):
    today = date.today()
    exporter = factories.exporter()
    company = exporter.company
    mine = [build.case("intake", company=company, author=exporter),
            build.case("returned", company=company, author=exporter, title="Send the receipt"),
            build.case("closed", company=company, author=exporter, outcome=Outcome.takedown),
            build.case("draft", company=company, author=exporter)]
    build.case("draft", company=company, author=factories.staff())  # staff still writing it: not yet theirs
    other = factories.exporter()
    for stage in ("intake", "intake", "evidence", "returned", "closed"):
        theirs = build.case(stage, company=other.company, author=other)
        build.deadline(theirs, "Their deadline", today - timedelta(days=1))
        build.history(theirs, ("draft", "intake", at(2026, 1, 1)))
    build.deadline(mine[0], "Later", today + timedelta(days=9))
    build.deadline(mine[0], "Overdue", today - timedelta(days=2))
    build.deadline(mine[2], "On a closed case", today + timedelta(days=1))
    build.history(mine[0], ("draft", "intake", at(2026, 1, 1)))
    build.history(mine[1], ("draft", "intake", at(2025, 12, 31)), ("intake", "returned", at(2026, 1, 2)))
    overview = exporter_overview(exporter, today=today)
    assert counts(overview.open_by_stage) == {"intake": 1, "returned": 1, "evidence": 0, "consultation": 0,
                                              "action": 0}
    assert (overview.open_total, overview.closed_total, overview.drafts) == (2, 1, 1)
    assert counts(overview.closed_by_outcome)["takedown"] == 1
    assert [(d.what, d.is_overdue) for d in overview.next_deadlines] == [("Overdue", True), ("Later", False)]
    assert [c.title for c in overview.waiting_on_us] == ["Send the receipt"]
    assert [(a.reference, a.from_stage, a.to_stage) for a in overview.recent_activity] == [
        (mine[1].reference, "intake", "returned"), (mine[0].reference, "draft", "intake"),
        (mine[1].reference, "draft", "intake")]
    assert {a.case_id for a in overview.recent_activity} <= {c.id for c in mine}
    assert Stage.closed.name not in counts(overview.open_by_stage)


def test_stats_run_a_fixed_number_of_queries(china, factories, count_queries):
    manager = factories.manager()
    assert manager.role.name == "manager"  # loaded before counting
    with count_queries() as summary:
        country_summary("CN", START, END, today=TODAY)
    with count_queries() as network:
        network_overview(manager, today=TODAY)
    # the summary: its counts, the repeat infringers, the overdue cases, the oldest, their overdue deadlines, the
    # sessions about the country (held, then the companies they reached), and its squatting alerts
    # the network: open, overdue, closed, enquiries (with those that became cases) and supports, hubs, per month,
    # refusals, and the sessions (held, then the companies they reached)
    assert (summary.count, network.count) == (8, 9), "\n".join(summary.statements + network.statements)
