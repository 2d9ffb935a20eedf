"""Revision 0016 gives every hearing recorded before it a deadline of its case, done when it was held."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask_migrate import upgrade

from ipdesk.actions.models import Hearing
from ipdesk.core.db import utcnow
from ipdesk.deadlines.models import Deadline
from ipdesk.extensions import db
from ipdesk.network.reference import load_reference_network
from ipdesk.search.index import paused
from tests.conftest import IS_POSTGRES, create_database, make_app


def test_hearings_recorded_before_get_their_deadlines(tmp_path, worker):
    from tests import factories

    url = create_database(worker, "hearings") if IS_POSTGRES else f"sqlite:///{tmp_path / 'hearings.sqlite3'}"
    app = make_app(url)
    with app.app_context():
        upgrade(revision="0015")
        load_reference_network(regions=False)  # revision 0015 has no regions yet
        with paused():  # revision 0015 has no search index yet
            company_id = factories.CompanyFactory().id
        db.session.remove()  # the raw inserts below write from a connection of their own
        now = utcnow()
        stamp = now.replace(tzinfo=None) if not IS_POSTGRES else now
        with db.engine.begin() as connection:  # the officer and the case as revision 0015's schema has them
            officer_id = connection.execute(sa.text(
                "INSERT INTO users (email, name, password_hash, role, is_active, timezone, created_at, version) "
                "VALUES ('officer@ipdesk.example', 'Officer', 'x', 'staff', true, 'Asia/Seoul', :now, 1) "
                "RETURNING id"), {"now": stamp}).scalar_one()
            case_id = connection.execute(sa.text(
                "INSERT INTO cases (reference, company_id, country_code, hub_id, created_by_id, filed_on_behalf, "
                "title, found_where, infringer_name, infringer_shop_id, infringer_urls, infringer_contacts, "
                "registration_numbers, urgency, description, stage, created_at, submitted_at, stage_changed_at, "
                "updated_at, version) SELECT 'CN-2026-90001', :company, 'CN', primary_hub_id, :user, true, "
                "'Counterfeit serum', '', '', '', '', '', '', 'normal', '', 'action', :now, :now, :now, :now, 1 "
                "FROM countries WHERE code = 'CN' RETURNING id"),
                {"company": company_id, "user": officer_id, "now": stamp}).scalar_one()
        with db.engine.begin() as connection:
            suit_id = connection.execute(sa.text(
                "INSERT INTO litigations (case_id, court, court_case_number, status, preservation_orders, judgment, "
                "created_by_id, created_at, updated_at, version) VALUES (:case, 'Seoul Court', '', 'pending', '', '', "
                ":user, :now, :now, 1) RETURNING id"),
                {"case": case_id, "user": officer_id, "now": now.replace(tzinfo=None) if not IS_POSTGRES else now}
            ).scalar_one()
            for day in (date.today() + timedelta(days=10), date.today() - timedelta(days=10)):
                connection.execute(sa.text(
                    "INSERT INTO hearings (litigation_id, held_on, note, created_by_id, created_at) "
                    "VALUES (:suit, :day, '', :user, :now)"),
                    {"suit": suit_id, "day": day, "user": officer_id,
                     "now": now.replace(tzinfo=None) if not IS_POSTGRES else now})
        db.session.remove()
        upgrade()
        found = sorted((h.held_on, db.session.get(Deadline, h.deadline_id))
                       for h in db.session.scalars(sa.select(Hearing)))
        assert [(d.case_id, d.due_on, d.is_done, d.what) for _day, d in found] == [
            (case_id, date.today() - timedelta(days=10), True, "Hearing at Seoul Court"),
            (case_id, date.today() + timedelta(days=10), False, "Hearing at Seoul Court")]
        db.session.remove()
        db.engine.dispose()
