"""Helpers for the reports tests: stage histories, deadlines, lawsuits and many cases at once."""
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ipdesk.actions.models import Litigation
from ipdesk.cases.models import Case, Stage, StageChange
from ipdesk.deadlines.models import Deadline, DeadlineEnding, DeadlineSource
from ipdesk.extensions import db
from ipdesk.infringers.models import CaseInfringer, Infringer
from tests.factories import make_case


def at(*parts) -> datetime:
    return datetime(*parts, tzinfo=UTC)


class Builder:
    """Adds the rows around cases that the statistics read."""

    def __init__(self, factories):
        self.actor = factories.manager()

    def case(self, stage="intake", **fields):
        return make_case(stage, **fields)

    def history(self, case, *moves):
        """moves: (from, to, when) as stage names and datetimes."""
        db.session.add_all(StageChange(case_id=case.id, actor_id=self.actor.id, from_stage=Stage[a], to_stage=Stage[b],
                                       transition="test", created_at=when) for a, b, when in moves)
        db.session.commit()

    def deadline(self, case, what, due_on, done=False):
        db.session.add(Deadline(case_id=case.id, what=what, due_on=due_on, source=DeadlineSource.manual,
                                is_done=done, done_at=at(2026, 1, 1) if done else None,
                                ending=DeadlineEnding.done if done else None, created_by_id=self.actor.id))
        db.session.commit()

    def suit(self, case, currency, awarded=None, recovered=None):
        db.session.add(Litigation(case_id=case.id, court="Court", damages_currency=currency, damages_awarded=awarded,
                                  damages_recovered=recovered, created_by_id=self.actor.id))
        db.session.commit()

    def infringer(self, name, *cases):
        infringer = Infringer(name=name, created_by_id=self.actor.id)
        db.session.add(infringer)
        db.session.flush()
        db.session.add_all(CaseInfringer(case_id=c.id, infringer_id=infringer.id, linked_by_id=self.actor.id)
                           for c in cases)
        db.session.commit()
        return infringer

    def bulk(self, template, n: int, prefix: str, **overrides):
        """n copies of ``template`` (a case), spread by ``overrides`` values that may be callables of i."""
        columns = {c.key: getattr(template, c.key) for c in Case.__table__.columns
                   if c.key not in ("id", "reference", "next_due_on")}  # the copies have no deadlines
        db.session.execute(sa.insert(Case), [
            {**columns, "reference": f"{prefix}-{i:05d}",
             **{k: v(i) if callable(v) else v for k, v in overrides.items()}}
            for i in range(n)])
        db.session.commit()


@pytest.fixture
def build(factories):
    return Builder(factories)


@pytest.fixture
def english(app):
    """Statistics translate their labels: call them as a request in English would."""
    with app.test_request_context(headers={"Accept-Language": "en"}):
        yield
