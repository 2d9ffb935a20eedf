"""What the case page costs: a fixed number of queries however much a case holds."""
import sqlalchemy as sa

from ipdesk.cases.models import Case, Message, Stage, StageChange
from ipdesk.deadlines.models import Deadline, DeadlineRule, DeadlineSource
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.evidence.models import EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from tests.factories import make_case, make_evidence_file


def test_the_case_page_names_everyone_in_the_same_queries_however_many_they_are(client, login_as, factories,
                                                                                count_queries):
    """Authors, actors, uploaders and deadline rules: one query each kind, not one per person or rule."""
    load_shipped_rules()
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    reader = factories.staff(hub_codes=("cn-north",))
    login_as(reader)
    rule_ids = db.session.scalars(sa.select(DeadlineRule.id).order_by(DeadlineRule.id).limit(4)).all()
    case_id, noticed = case.id, case.first_noticed_on

    def add(n):
        for i in range(n):
            person = factories.staff(hub_codes=("cn-north",), name=f"Officer {i} {n}")
            db.session.add_all([
                Message(case_id=case_id, author_id=person.id, body=f"Note {i}"),
                StageChange(case_id=case_id, actor_id=person.id, from_stage=Stage.consultation, to_stage=Stage.action,
                            transition="to_action"),
                EvidenceItem(case_id=case_id, kind=EvidenceKind.screenshot, description=f"Listing {i}",
                             created_by_id=person.id),
                Deadline(case_id=case_id, what=f"Step {i}", due_on=noticed, source=DeadlineSource.rule,
                         rule_id=rule_ids[i % len(rule_ids)], trigger_on=noticed, created_by_id=person.id),
            ])
            db.session.commit()
            make_evidence_file(db.session.get(Case, case_id),
                               factories.staff(hub_codes=("cn-north",), name=f"Uploader {i} {n}"))

    def queries() -> int:
        db.session.expunge_all()  # the requests share the test's session: what it holds must not spare a query
        with count_queries() as counter:
            assert client.get(f"/cases/{case_id}").status_code == 200
        return counter.count

    add(1)
    few = queries()
    add(len(rule_ids) + 2)
    many = queries()
    page = client.get(f"/cases/{case_id}").get_data(as_text=True)
    assert "Officer 5 6" in page and "Uploader 5 6" in page and page.count("by rule:") == len(rule_ids) + 3
    assert many == few
