"""`flask seed-demo --cases N` makes what the services would have made, and is idempotent."""
import pytest
import sqlalchemy as sa

from ipdesk import demo_cases
from ipdesk.alerts.demo import DEMO_ALERTS
from ipdesk.alerts.models import SquattingAlert
from ipdesk.cases.models import SUPPORT_STAGES, Case, CaseSequence, Consultation, Stage, StageChange
from ipdesk.cases.stages import missing_for_submission
from ipdesk.companies.models import Company
from ipdesk.evidence.models import EvidenceItem
from ipdesk.extensions import db
from ipdesk.search.models import SearchEntry
from tests.conftest import IS_POSTGRES


def run_seed(app, cases):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", str(cases), "--password", "demo pass 123"])
    assert result.exit_code == 0, result.output
    return result.output


def test_seeded_cases_keep_every_rule(app):
    output = run_seed(app, 300)
    assert "300 added" in output
    # the synthetic cases; the demo's squatting alerts add their draft opposition cases besides
    cases = db.session.scalars(sa.select(Case).where(Case.id.not_in(sa.select(SquattingAlert.case_id)))).all()
    assert len(cases) == 300
    assert {c.stage for c in cases} == set(Stage)
    assert len({c.country_code for c in cases}) >= 10
    china = sum(c.country_code == "CN" for c in cases) / len(cases)
    assert 0.3 < china < 0.55  # NETWORK.md: China is 42 % of squatting cases
    evidence = set(db.session.scalars(sa.select(EvidenceItem.case_id)))
    consulted = set(db.session.scalars(sa.select(Consultation.case_id)))
    changes: dict[int, list[StageChange]] = {}
    for change in db.session.scalars(sa.select(StageChange).order_by(StageChange.created_at, StageChange.id)):
        changes.setdefault(change.case_id, []).append(change)
    for case in cases:
        reached = case.closed_from if case.stage is Stage.closed else case.stage
        if reached in (Stage.consultation, Stage.action):
            assert case.id in evidence, case.id
        if reached is Stage.action:
            assert case.id in consulted, case.id
        history = changes.get(case.id, [])
        if case.stage is Stage.draft:
            assert history == [] and case.reference is None
            continue
        assert not missing_for_submission(case)
        assert history[0].from_stage is Stage.draft and history[-1].to_stage is case.stage
        assert all(a.to_stage is b.from_stage for a, b in zip(history, history[1:], strict=False))
        assert case.reference.startswith(case.country_code + "-")
        # its days per stage, as the summaries read them: the finished stays of its history (PostgreSQL's bulk load
        # writes them itself with the triggers off; SQLite's trigger adds them as the history goes in)
        stays = {}
        for change, following in zip(history, history[1:], strict=False):
            if change.to_stage.is_open:
                stays[change.to_stage] = stays.get(change.to_stage, 0) + \
                    (following.created_at - change.created_at).total_seconds()
        for stage in (Stage.intake, Stage.returned, Stage.evidence, Stage.consultation, Stage.action):
            kept = getattr(case, f"{stage.name}_seconds")
            assert (kept is None) == (stage not in stays), (case.id, stage)
            assert kept is None or abs(kept - stays[stage]) < 0.01, (case.id, stage, kept, stays[stage])
        # a support from its first move to evidence collection or later, however it was written
        supported = next((c.created_at for c in history if c.to_stage in SUPPORT_STAGES), None)
        assert case.supported_at == supported, case.id
    refs = [c.reference for c in cases if c.reference]
    assert len(refs) == len(set(refs))
    # recent cases' later steps crowd towards the day of seeding, never onto one instant (the benchmark's
    # "this week" and "overdue" would otherwise all happen at once)
    moments = db.session.scalars(sa.select(StageChange.created_at)).all()
    assert len(set(moments)) == len(moments)


def held() -> list[tuple]:
    """Every search entry, as written (on PostgreSQL with its terms)."""
    columns = [SearchEntry.kind, SearchEntry.record_id, SearchEntry.case_id, SearchEntry.restricted, SearchEntry.text]
    if db.session.get_bind().dialect.name == "postgresql":
        columns.append(sa.column("pieces"))
    return sorted(map(tuple, db.session.execute(sa.select(*columns).select_from(SearchEntry)).all()))


def test_the_seeded_records_are_found_by_search_as_the_index_would_write_them(app, client, login_as, factories):
    """The seed writes cases, their messages and evidence, companies and enquiries in bulk (COPY on PostgreSQL) and
    indexes them as it goes: the entries are those a rebuild writes, and search finds the records."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "60", "--messages", "150", "--enquiries", "40",
                                                "--password", "demo pass 123"])
    assert result.exit_code == 0, result.output

    seeded = held()
    kinds = {row[0] for row in seeded}
    assert {"case", "message", "evidence", "company", "enquiry"} <= kinds
    assert len([row for row in seeded if row[0] == "company"]) > 5  # the synthetic exporters' companies
    rebuilt = app.test_cli_runner().invoke(args=["search", "rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
    assert held() == seeded
    # a synthetic company, as a manager finds it by its Korean name
    company = db.session.scalars(sa.select(Company).where(Company.registration_number.is_not(None))
                                 .order_by(Company.id.desc())).first()
    login_as(factories.manager(email="searching.manager@ipdesk.example"))
    page = client.get("/search", query_string={"q": company.name_ko}).get_data(as_text=True)
    assert company.name_ko in page


def test_seeding_is_idempotent_and_sequences_continue(app, factories):
    run_seed(app, 50)
    assert "0 added" in run_seed(app, 50)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 50 + len(DEMO_ALERTS)
    from ipdesk.cases.services import next_reference
    from ipdesk.core.db import utcnow

    year = max(s.year for s in db.session.scalars(sa.select(CaseSequence).where(CaseSequence.country_code == "CN")))
    last = db.session.scalar(sa.select(CaseSequence.last_value).where(CaseSequence.country_code == "CN",
                                                                      CaseSequence.year == year))
    from babel.dates import get_timezone

    if year == utcnow().astimezone(get_timezone(app.config["BABEL_DEFAULT_TIMEZONE"])).year:
        assert next_reference("CN", utcnow()) == f"CN-{year}-{last + 1:05d}"



INDEXES = sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() ORDER BY 1")


@pytest.mark.skipif(not IS_POSTGRES, reason="PostgreSQL's bulk load sets indexes aside; SQLite's batches commit")
def test_a_large_load_builds_its_indexes_again_and_a_failed_one_leaves_nothing(app, monkeypatch):
    """A load of many cases goes in as one transaction with the tables' secondary indexes built at its end: after
    it, every index is there as it was defined and is used; a load that fails half way leaves no case and every
    index."""
    indexes = db.session.execute(INDEXES).all()
    assert any(name == "ix_cases_stage" for name, _ in indexes)  # a secondary index set aside and built again
    before = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    written = []
    real_write = demo_cases._write_batch

    def failing_write(plans, **kwargs):
        if written:
            raise RuntimeError("the database went away")
        written.append(len(plans))
        return real_write(plans, **kwargs)

    monkeypatch.setattr(demo_cases, "BATCH", 40)
    monkeypatch.setattr(demo_cases, "_write_batch", failing_write)
    with pytest.raises(RuntimeError):
        demo_cases.generate_cases(before + 100, password="demo pass 123", echo=lambda _: None, one_load=True)
    db.session.rollback()
    assert written == [40]  # one batch went in before the failure, and went with it
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == before
    assert db.session.execute(INDEXES).all() == indexes

    monkeypatch.setattr(demo_cases, "_write_batch", real_write)
    lines = []
    assert demo_cases.generate_cases(before + 100, password="demo pass 123", echo=lines.append, one_load=True) == 100
    assert any("indexes set aside" in line for line in lines), lines
    assert db.session.execute(INDEXES).all() == indexes
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == before + 100
    # the entries the planner made beside the writing are those a rebuild writes
    seeded = held()
    assert {"case", "message", "evidence"} <= {row[0] for row in seeded}
    assert app.test_cli_runner().invoke(args=["search", "rebuild"]).exit_code == 0
    assert held() == seeded
    # the rebuilt index answers: PostgreSQL reads the stage's cases through it when told to avoid a scan
    db.session.execute(sa.text("SET LOCAL enable_seqscan = off"))
    plan = "\n".join(db.session.scalars(sa.text("EXPLAIN SELECT id FROM cases WHERE stage = 'closed'")))
    assert "ix_cases_stage" in plan, plan
    closed = db.session.scalar(sa.select(sa.func.count()).select_from(Case).where(Case.stage == Stage.closed))
    assert closed == len(db.session.scalars(sa.text("SELECT id FROM cases WHERE stage = 'closed'")).all()) > 0
    db.session.rollback()
