"""Unread notifications on top of the demo data, for the pages the accessibility checks read: run by the
live server's set-up (``LIVE_SEED``) as ``python -m tests.browser.seed`` in the server's environment."""
import sqlalchemy as sa

from ipdesk import create_app
from ipdesk.auth.models import User
from ipdesk.cases.models import Case
from ipdesk.extensions import db
from ipdesk.notify.services import case_arrived_at_hub, case_received


def unread_notifications(cases: int = 3) -> None:
    """Receipts to the demo exporter and new-case notices to its hubs' staff, for its first cases in China."""
    exporter = db.session.scalar(sa.select(User).where(User.email == "exporter@ipdesk.example"))
    for case in db.session.scalars(sa.select(Case).where(Case.company_id == exporter.company_id,
                                                         Case.country_code == "CN").order_by(Case.id).limit(cases)):
        case_received(case)
        case_arrived_at_hub(case, exporter)


if __name__ == "__main__":
    app = create_app()
    with app.app_context():
        unread_notifications()
        db.session.commit()
