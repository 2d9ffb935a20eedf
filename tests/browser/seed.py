"""Unread notifications and overdue deadlines on top of the demo data, for the pages the accessibility checks
read: run by the live server's set-up (``LIVE_SEED``) as ``python -m tests.browser.seed`` in the server's
environment."""
from datetime import timedelta

import sqlalchemy as sa

from ipdesk import create_app
from ipdesk.auth.models import User
from ipdesk.cases.models import OPEN_STAGES, Case
from ipdesk.core.i18n import local_today
from ipdesk.deadlines.models import Deadline, DeadlineSource
from ipdesk.extensions import db
from ipdesk.notify.services import Outbox, case_arrived_at_hub, case_received, submission_audience


def seed(cases: int = 3) -> None:
    """For the demo exporter's first open cases in China: a receipt to the exporter, a new-case notice to the
    hubs' staff, and a deadline that passed three days ago."""
    exporter = db.session.scalar(sa.select(User).where(User.email == "exporter@ipdesk.example"))
    staff = db.session.scalar(sa.select(User).where(User.email == "staff.china@ipdesk.example"))
    chosen = db.session.scalars(sa.select(Case).where(Case.company_id == exporter.company_id,
                                                      Case.country_code == "CN", Case.stage.in_(OPEN_STAGES))
                                .order_by(Case.id).limit(cases))
    outbox = Outbox()
    for case in chosen:
        company, hub_staff = submission_audience(case, exporter)
        case_received(case, outbox, company)
        case_arrived_at_hub(case, outbox, hub_staff)
        db.session.add(Deadline(case_id=case.id, what="Answer the market regulator's notice",
                                due_on=local_today() - timedelta(days=3), source=DeadlineSource.manual,
                                created_by_id=staff.id))
    outbox.send()


if __name__ == "__main__":
    with create_app().app_context():
        seed()
        db.session.commit()
