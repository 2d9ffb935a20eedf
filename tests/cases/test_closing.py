"""Closing a case ends everything open on it: the close form lists each open action, suit and deadline and
takes an end for each, so a closed case never shows anything as under way, on its page or in its PDF.
Outcomes cover what administrative enforcement achieves; a closed case is neither assigned nor transferred."""
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.actions.models import ActionKind, ActionStatus, AdministrativeAction, Litigation, LitigationStatus
from ipdesk.audit.models import AuditEntry
from ipdesk.cases.models import Case, Outcome, Stage
from ipdesk.core.i18n import local_today
from ipdesk.deadlines.models import Deadline, DeadlineEnding, DeadlineSource
from ipdesk.extensions import db
from tests.factories import make_case, reason_id

NOTE = "The platform removed 14 listings; counsel carries on with the regulator."


@pytest.fixture
def people(factories, make_client, login):
    company = factories.CompanyFactory()
    exporter = factories.exporter(company=company)
    staff = factories.staff(hub_codes=("cn-north",))
    clients = {}
    for name, user in (("exporter", exporter), ("staff", staff)):
        clients[name] = make_client()
        assert login(clients[name], user).status_code == 302
    return company, exporter, staff, clients


def _with_open_records(company, exporter, staff, stage="action") -> tuple[Case, AdministrativeAction, Litigation,
                                                                        Deadline]:
    case = make_case(stage, company=company, author=exporter)
    action = AdministrativeAction(case_id=case.id, kind=ActionKind.regulator_complaint, authority="Shenzhen AMR",
                                  status=ActionStatus.filed, created_by_id=staff.id)
    suit = Litigation(case_id=case.id, court="Shenzhen Intermediate Court", court_case_number="(2026) 粤03民初 77",
                      status=LitigationStatus.pending, created_by_id=staff.id)
    deadline = Deadline(case_id=case.id, what="Reply to the regulator", due_on=local_today() - timedelta(days=3),
                        source=DeadlineSource.manual, created_by_id=staff.id)
    db.session.add_all([action, suit, deadline])
    db.session.commit()
    return case, action, suit, deadline


def _close(client, case, **fields):
    return client.post(f"/cases/{case.id}/move", data={
        "transition": "close", "outcome": "seized", "note": NOTE, "version": str(case.version), **fields})


def _pdf_text(client, case) -> str:
    response = client.get(f"/cases/{case.id}/case-file.pdf", headers={"Accept-Language": "en"})
    assert response.status_code == 200
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)


def test_the_close_form_lists_what_is_open_and_refuses_to_close_without_an_end_for_each(app, people):
    company, exporter, staff, clients = people
    case, action, suit, deadline = _with_open_records(company, exporter, staff)
    page = clients["staff"].get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Still open on this case" in page
    for name in (f"end_action_{action.id}", f"end_suit_{suit.id}", f"end_deadline_{deadline.id}"):
        assert f'name="{name}"' in page
    assert "Carried on by counsel" in page

    response = _close(clients["staff"], case, **{f"end_action_{action.id}": "counsel"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert page.count("Choose how this ends.") == 2  # the suit and the deadline, each next to its menu
    assert NOTE.split(";")[0] in page  # the note typed comes back
    assert '<option selected value="counsel">' in page  # and so does the end chosen for the action
    empty = _close(clients["staff"], case, note="", outcome="").get_data(as_text=True)
    for error in ("Choose how this ends.", "Write a note: it is required for this action.", "Choose an outcome."):
        assert error in empty  # every missing part is said at once, next to its field
    db.session.expire_all()
    assert db.session.get(Case, case.id).stage is Stage.action
    assert db.session.get(AdministrativeAction, action.id).status is ActionStatus.filed


def test_closing_ends_each_open_record_as_chosen_and_nothing_reads_as_under_way(app, people):
    company, exporter, staff, clients = people
    case, action, suit, deadline = _with_open_records(company, exporter, staff)
    response = _close(clients["staff"], case, **{f"end_action_{action.id}": "counsel",
                                                  f"end_suit_{suit.id}": "withdrawn",
                                                  f"end_deadline_{deadline.id}": "done"})
    assert response.status_code == 302
    db.session.expire_all()
    closed = db.session.get(Case, case.id)
    assert closed.stage is Stage.closed and closed.outcome is Outcome.seized
    assert db.session.get(AdministrativeAction, action.id).status is ActionStatus.counsel
    assert db.session.get(Litigation, suit.id).status is LitigationStatus.withdrawn
    ended = db.session.get(Deadline, deadline.id)
    assert ended.is_done and ended.ending is DeadlineEnding.done
    actions = set(db.session.scalars(sa.select(AuditEntry.action).where(AuditEntry.case_id == case.id)))
    assert {"action.ended", "litigation.ended", "deadline.ended", "case.stage_changed"} <= actions

    for client in clients.values():
        page = client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
        pdf = _pdf_text(client, case)
        for shown in (page, pdf):
            assert "Raid or seizure made" in shown
            assert "Carried on by counsel" in shown and "Withdrawn" in shown
            assert "Filed, pending" not in shown and "Pending before the court" not in shown
            assert "Overdue" not in shown
        assert "Mark done" not in page


def test_the_exporter_withdrawing_a_case_withdraws_what_was_open_on_it(app, people):
    company, exporter, staff, clients = people
    case, action, suit, deadline = _with_open_records(company, exporter, staff)
    response = clients["exporter"].post(f"/cases/{case.id}/move", data={
        "transition": "withdraw", "note": "We settled with the seller.", "version": str(case.version)})
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).outcome is Outcome.withdrawn
    assert db.session.get(AdministrativeAction, action.id).status is ActionStatus.withdrawn
    assert db.session.get(Litigation, suit.id).status is LitigationStatus.withdrawn
    assert db.session.get(Deadline, deadline.id).ending is DeadlineEnding.withdrawn


def test_rejecting_at_intake_ends_an_open_deadline_too(app, people):
    company, exporter, staff, clients = people
    case = make_case("intake", company=company, author=exporter)
    deadline = Deadline(case_id=case.id, what="Answer the exporter", due_on=date(2027, 1, 5),
                        source=DeadlineSource.manual, created_by_id=staff.id)
    db.session.add(deadline)
    db.session.commit()
    data = {"transition": "reject", "note": "Outside the programme.", "reason_id": reason_id(),
            "version": str(case.version)}
    assert clients["staff"].post(f"/cases/{case.id}/move", data=data).status_code == 422
    ended = {**data, f"end_deadline_{deadline.id}": "withdrawn"}
    response = clients["staff"].post(f"/cases/{case.id}/move", data=ended)
    assert response.status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).outcome is Outcome.rejected
    assert db.session.get(Deadline, deadline.id).ending is DeadlineEnding.withdrawn


@pytest.mark.parametrize("outcome, label", [("takedown", "Listing removed"), ("seized", "Raid or seizure made"),
                                            ("fined", "Fine imposed"), ("upheld", "Opposition or invalidation upheld")])
def test_outcomes_of_administrative_enforcement(app, people, outcome, label):
    company, exporter, staff, clients = people
    case = make_case("action", company=company, author=exporter)
    assert _close(clients["staff"], case, outcome=outcome).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, case.id).outcome is Outcome[outcome]
    page = clients["exporter"].get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert label in page


def test_a_case_closed_before_closing_asked_shows_its_open_records_as_not_ended(app, people):
    """Cases closed by an earlier version may hold an action still "filed" or a deadline never met: they read
    as not ended, never as under way or overdue."""
    company, exporter, staff, clients = people
    case, action, suit, deadline = _with_open_records(company, exporter, staff)
    db.session.execute(sa.update(Case).where(Case.id == case.id).values(
        stage=Stage.closed, outcome=Outcome.settled, closed_from=Stage.action, closed_at=case.created_at,
        closing_note="Settled."))
    db.session.commit()
    page = clients["staff"].get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    pdf = _pdf_text(clients["staff"], case)
    for shown in (page, pdf):
        assert shown.count("Not ended when the case was closed") >= 3
        assert "Filed, pending" not in shown and "Pending before the court" not in shown and "Overdue" not in shown


def test_nothing_new_opens_on_a_closed_case(app, people):
    company, exporter, staff, clients = people
    case = make_case("closed", company=company, author=exporter)
    response = clients["staff"].post(f"/cases/{case.id}/deadlines", data={"what": "File the appeal",
                                                                          "due_on": "2027-02-01"})
    assert response.status_code == 422
    assert "Deadlines cannot be added to a closed case" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Deadline).where(Deadline.case_id == case.id)) == 0
    page = clients["staff"].get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    for offer in ("Add a deadline", f"/cases/{case.id}/assign", f"/cases/{case.id}/transfer",
                  "Record an administrative action"):
        assert offer not in page
    assert clients["staff"].post(f"/cases/{case.id}/assign", data={"assignee_id": staff.id,
                                                                   "version": case.version}).status_code == 422
