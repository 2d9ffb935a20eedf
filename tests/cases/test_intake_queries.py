"""What filing a case costs: a fixed, small number of queries however many people hear of it."""
import sqlalchemy as sa

from ipdesk.cases.models import Case
from ipdesk.extensions import db
from ipdesk.notify.models import Notification, NotificationKind, NotificationPreference
from tests.cases.test_intake import FULL

# The statements of an intake filed on a company's behalf and submitted at once, BEGIN and COMMIT aside: the
# session, the company and country chosen (the whole menus only when the form is shown again; the access check
# finds that company in the session), the case, its reference and stage change, the receipt and the hub's
# notices (their recipients with their choices and hubs in one statement, the infringer records the case
# matches, one insert), the audit entries (on PostgreSQL after the lock of the audit chain), and the case's search
# entry (its text read once at commit, one insert; on SQLite one more for its FTS5 terms). Raise it only for a
# reason.
INTAKE_QUERIES = 20


def test_an_intake_costs_the_same_few_queries_however_many_people_hear_of_it(client, login_as, factories,
                                                                             count_queries):
    manager = factories.manager()
    small, large = factories.CompanyFactory(), factories.CompanyFactory()
    factories.exporter(company=small)
    readers = [factories.exporter(company=large).id for _ in range(3)]
    officers = [factories.staff(hub_codes=("th",)).id]
    small_id, large_id = small.id, large.id
    login_as(manager)

    def file(company_id: int) -> int:
        db.session.expunge_all()  # the request shares the test's session: what it holds must not spare a query
        with count_queries() as counter:
            response = client.post("/cases/new", data={**FULL, "country_code": "TH", "company_id": str(company_id),
                                                       "submit": "1"})
        assert response.status_code == 302
        return counter.count

    few = file(small_id)
    officers += [factories.staff(hub_codes=("th",)).id for _ in range(4)]
    db.session.add(NotificationPreference(user_id=officers[1], kind=NotificationKind.new_case_at_hub,
                                          email=False, in_app=True))
    db.session.add(NotificationPreference(user_id=readers[0], kind=NotificationKind.case_received,
                                          email=False, in_app=False))
    db.session.commit()
    many = file(large_id)

    latest = db.session.scalar(sa.select(Case.id).order_by(Case.id.desc()).limit(1))
    heard = {user_id: email_to for user_id, email_to in db.session.execute(
        sa.select(Notification.user_id, Notification.email_to).where(Notification.case_id == latest))}
    assert set(heard) == {*readers[1:], *officers}  # the one who switched receipts off hears nothing
    assert heard[officers[1]] is None  # in the app only, as chosen
    assert many == few <= INTAKE_QUERIES
