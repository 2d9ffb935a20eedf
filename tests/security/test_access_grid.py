"""Every route × every kind of user × other tenants' objects, generated from the URL map.

A new route without a row in EXPECTED fails the test, so no page ships without a rule.
Expected answers: 200/302 where allowed, 403 beyond the role, 404 for another company's object.
"""

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from ipdesk.actions.models import ActionKind, AdministrativeAction, Litigation
from ipdesk.cases.services import post_message
from ipdesk.companies.models import Invitation
from ipdesk.core.db import utcnow
from ipdesk.costs.models import Cost, CostCategory, CostShareRule, Payer
from ipdesk.deadlines.models import Deadline, DeadlineRule, DeadlineSource
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.extensions import db
from ipdesk.infringers.services import create_infringer
from ipdesk.network.models import Hub
from ipdesk.notify.models import Notification
from ipdesk.refusals.models import RefusalReason
from ipdesk.reports.jobs import pack_path
from ipdesk.reports.models import JobStatus, ReportJob
from tests.conftest import running_app
from tests.factories import make_case, make_evidence_file

ACTORS = ["exporter_a", "exporter_b", "staff_x", "staff_y", "manager", "admin"]
STAFF_SIDE = {"staff_x", "staff_y", "manager", "admin"}
EVERYONE = set(ACTORS)

# endpoint -> (actors allowed, actors who get 404 rather than 403)
# Object routes use objects of company A / hub X, so exporter B is "another tenant".
EXPECTED = {
    "main.index": (EVERYONE, set()),
    "main.privacy": (EVERYONE, set()),
    "main.healthz": (EVERYONE, set()),
    "main.set_language": (EVERYONE, set()),
    "auth.login": (EVERYONE, set()),  # signed-in users are sent home
    "auth.logout": (EVERYONE, set()),
    "auth.register": (EVERYONE, set()),  # signed-in users are sent home
    "auth.registration_sent": (EVERYONE, set()),  # the same page for everyone
    "auth.confirm_registration": (EVERYONE, set()),  # a made-up link is a 404 for everyone
    "auth.accept_invite": (EVERYONE, set()),  # signed-in users are told to sign out first
    "auth.awaiting_approval": (EVERYONE, set()),
    "auth.account": (EVERYONE, set()),
    "auth.password": (EVERYONE, set()),
    "auth.login_code": (EVERYONE, set()),  # without a pending sign-in it sends you back to sign in
    "auth.two_factor": (EVERYONE, set()),
    "auth.two_factor_off": (EVERYONE, set()),
    "auth.recovery_codes": (EVERYONE, set()),
    "auth.forgot_password": (EVERYONE, set()),  # signed-in users are sent to "change password"
    "auth.reset_password": (EVERYONE, set()),  # signed-in users are told to sign out first
    "companies.my_company": (EVERYONE, set()),  # staff are sent to the company list
    "companies.create_invitation": ({"exporter_a", "exporter_b"} | STAFF_SIDE, set()),  # own company only
    "companies.revoke_invite": ({"exporter_a"}, {"exporter_b"}),
    "companies.list_companies": (STAFF_SIDE, set()),
    "companies.view_company": (STAFF_SIDE | {"exporter_a"}, {"exporter_b"}),
    "companies.approve": (STAFF_SIDE, {"exporter_b"}),
    "companies.suspend": ({"manager", "admin"}, {"exporter_b"}),
    "companies.reinstate": ({"manager", "admin"}, {"exporter_b"}),
    "companies.refuse": (STAFF_SIDE, {"exporter_b"}),
    "network.overview": (EVERYONE, set()),
    "admin.index": ({"admin"}, set()),
    "admin.users": ({"admin"}, set()),
    "admin.create_user": ({"admin"}, set()),
    "admin.edit_user": ({"admin"}, set()),
    "admin.set_active": ({"admin"}, set()),
    "admin.hubs": ({"admin"}, set()),
    "admin.new_hub": ({"admin"}, set()),
    "admin.edit_hub": ({"admin"}, set()),
    "admin.countries": ({"admin"}, set()),
    "admin.new_country": ({"admin"}, set()),
    "admin.edit_country": ({"admin"}, set()),
    "admin.regions": ({"admin"}, set()),
    "admin.edit_region": ({"admin"}, set()),
    "admin.audit": ({"admin"}, set()),
    "admin.deadline_rules": ({"admin"}, set()),
    "admin.edit_deadline_rule": ({"admin"}, set()),
    "admin.cost_rules": ({"admin"}, set()),
    "admin.edit_cost_rule": ({"admin"}, set()),
    "admin.refusal_reasons": ({"admin"}, set()),
    "admin.edit_refusal_reason": ({"admin"}, set()),
    "admin.outbox": ({"admin"}, set()),
    "admin.retry_outbox": ({"admin"}, set()),
    # one's own notifications: exporter A's is nobody else's business
    "notify.list_notifications": (EVERYONE, set()),
    "notify.read": ({"exporter_a"}, EVERYONE - {"exporter_a"}),
    "notify.read_all": (EVERYONE, set()),
    "notify.preferences": (EVERYONE, set()),
    # the case belongs to exporter A's company and to hub X (China North)
    "cases.list_cases": (EVERYONE - {"admin"}, set()),
    "cases.export_cases": (EVERYONE - {"admin"}, set()),
    "cases.new_case": (EVERYONE - {"admin"}, set()),
    "cases.view_case": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "cases.edit_case": ({"exporter_a"}, {"exporter_b", "staff_y", "admin"}),
    "cases.move": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "cases.message": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "evidence.new_item": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "cases.consultation": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "cases.assign": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "cases.transfer": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "evidence.download": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "evidence.custody": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "evidence.verify": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "evidence.bundle": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "deadlines.add": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "actions.add": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "actions.edit": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "actions.add_suit": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "actions.edit_suit": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "actions.hearing": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "costs.add": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "costs.remove": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "documents.case_file": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "documents.reports": ({"manager"}, set()),
    "documents.country_summary": ({"manager"}, set()),
    "documents.make_pack": ({"manager"}, set()),
    "documents.pack_job": ({"manager"}, set()),  # the manager's own job
    "documents.pack_again": ({"manager"}, set()),  # a pack that is done is not made again: back to its page
    "documents.pack_download": ({"manager"}, set()),
    "deadlines.mine": (EVERYONE - {"admin"}, set()),
    "deadlines.rotate_calendar": (EVERYONE - {"admin"}, set()),
    "deadlines.calendar_feed": (EVERYONE, set()),  # by secret token, no sign-in: a made-up one is a 404
    "deadlines.done": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    # infringer records span companies: staff of every hub and managers, never exporters or admins
    "infringers.list_infringers": ({"staff_x", "staff_y", "manager"}, set()),
    "infringers.view_infringer": ({"staff_x", "staff_y", "manager"}, set()),
    "infringers.new_infringer": ({"staff_x", "staff_y", "manager"}, set()),
    "infringers.edit_infringer": ({"staff_x", "staff_y", "manager"}, set()),
    "infringers.link": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    "infringers.unlink": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}),
    # the network's numbers (staff: their hubs'), or the exporter's own company's; admins see no cases
    "reports.dashboard": (EVERYONE - {"admin"}, set()),
}
SKIP = {"static", "bootstrap.static"}
NOT_FOUND_BY_DESIGN = {
    "auth.accept_invite",
    "auth.confirm_registration",
    "auth.reset_password",
    "deadlines.calendar_feed",
}  # made-up tokens are a 404 for everyone
# once an allowed actor removed the object, it is gone for the next one too
ONE_SHOT = {"costs.remove"}
# pages that read a form from the query string
QUERY = {"documents.country_summary": {"country": "CN", "start": "2026-01-01", "end": "2026-06-30"}}


@pytest.fixture
def app(database_url, tmp_path):
    """The grid signs many people in from one address: lift the sign-in limits for it."""
    with running_app(database_url, LOGIN_RATE_LIMIT="1000 per minute", REPORTS_DIR=str(tmp_path)) as app:
        yield app


@pytest.fixture
def world(app, factories, make_client, login):
    """Two companies, staff of two hubs, a manager and an admin, each signed in in a browser."""
    company_a = factories.CompanyFactory(pending=True)  # pending, so approve is a meaningful action
    company_b = factories.CompanyFactory()
    people = {
        "exporter_a": factories.exporter(company=factories.CompanyFactory()),
        "exporter_b": factories.exporter(company=company_b),
        "staff_x": factories.staff(hub_codes=("cn-north",)),
        "staff_y": factories.staff(hub_codes=("th",)),
        "manager": factories.manager(),
        "admin": factories.admin(),
    }
    # exporter A's own company is approved; the pending company A' stands for "company A" objects
    # that staff act on. Exporter A's invitation is the tenant object for revoke.
    own = people["exporter_a"].company
    invitation = Invitation(
        company=own,
        email="new@a.example",
        token_hash="0" * 64,
        invited_by_id=people["exporter_a"].id,
        expires_at=utcnow() + timedelta(days=7),
    )
    db.session.add(invitation)
    db.session.commit()
    clients = {}
    for name, user in people.items():
        clients[name] = make_client()
        assert login(clients[name], user).status_code == 302
    case = make_case("intake", company=own, author=people["exporter_a"], country="CN")
    file = make_evidence_file(case, people["staff_x"])
    deadline = Deadline(
        case_id=case.id,
        what="Opposition",
        due_on=case.first_noticed_on,
        source=DeadlineSource.manual,
        created_by_id=people["staff_x"].id,
    )
    db.session.add(deadline)
    action = AdministrativeAction(case_id=case.id, kind=ActionKind.opposition, authority="CNIPA",
                                  created_by_id=people["staff_x"].id)
    suit = Litigation(case_id=case.id, court="Beijing IP Court", created_by_id=people["staff_x"].id)
    cost = Cost(case_id=case.id, category=CostCategory.counsel, payer=Payer.company, amount=100, currency="KRW",
                krw_rate=1, amount_krw=100, incurred_on=case.first_noticed_on, created_by_id=people["staff_x"].id)
    job = ReportJob(lang="en", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), backend="local",
                    status=JobStatus.done, pages=1, result_size=5, requested_by_id=people["manager"].id)
    db.session.add_all([action, suit, cost, job])
    db.session.commit()
    with app.test_request_context():
        pack_path(job).write_bytes(b"%PDF-")  # the finished pack the download serves
    load_shipped_rules()
    infringer = create_infringer({"name": "Lucky Star", "shop_ids": "luckystar"}, people["staff_x"], case=case)
    post_message(case, "A question about our case", people["staff_x"])  # exporter A hears of it
    db.session.commit()
    notification = db.session.scalar(sa.select(Notification).where(Notification.user_id == people["exporter_a"].id))
    objects = {
        "notification_id": notification.id,
        "infringer_id": infringer.id,
        "rule_id": db.session.scalar(sa.select(DeadlineRule.id).limit(1)),
        "cost_rule_id": db.session.scalar(sa.select(CostShareRule.id).limit(1)),
        "reason_id": db.session.scalar(sa.select(RefusalReason.id).limit(1)),
        "action_id": action.id,
        "suit_id": suit.id,
        "cost_id": cost.id,
        "job_id": job.id,
        "deadline_id": deadline.id,
        "file_id": file.id,
        "case_id": case.id,
        "company_id": company_a.id,
        "invitation_id": invitation.id,
        "user_id": people["staff_x"].id,
        "hub_id": db.session.scalar(sa.select(Hub.id).where(Hub.code == "cn-north")),
        "code": "CN",
        "region_code": "CN-GD",
        "token": "not-a-token",
    }
    return {"clients": clients, "objects": objects, "company_a": company_a, "own": own}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIP
    assert endpoints - EXPECTED.keys() == set(), "add the new routes to EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "remove routes that no longer exist"


def test_access_grid(app, world):
    leaks = []
    checked = 0
    consumed = set()
    # signing out goes last, so every other route is tried signed in
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule)):
        if rule.endpoint in SKIP:
            continue
        allowed, hidden = EXPECTED[rule.endpoint]
        args = {a: world["objects"][a] for a in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **args, **QUERY.get(rule.endpoint, {}))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            for actor in ACTORS:
                target = url
                if actor == "exporter_a" and rule.endpoint == "companies.view_company":
                    with app.test_request_context():
                        target = url_for(rule.endpoint, company_id=world["own"].id)
                response = world["clients"][actor].open(target, method=method, data={"lang": "en", "kind": "x"})
                response.close()
                checked += 1
                status = response.status_code
                if actor in hidden:
                    expected_ok = status == 404
                elif actor not in allowed:
                    expected_ok = status in (403, 404) if rule.arguments else status == 403
                elif method == "GET" and rule.endpoint not in NOT_FOUND_BY_DESIGN:
                    expected_ok = status < 400
                elif rule.endpoint in consumed:
                    expected_ok = status == 404
                else:  # an allowed action may still be refused by the object's state or the input
                    expected_ok = status not in (401, 403, 404) or rule.endpoint in NOT_FOUND_BY_DESIGN
                    if rule.endpoint in ONE_SHOT and status < 400:
                        consumed.add(rule.endpoint)
                if not expected_ok:
                    leaks.append(f"{method} {target} as {actor}: {status}")
    assert checked > 200
    assert leaks == [], "\n".join(leaks)


# Tables a GET may add to: the audit log (with its entries' personal values, such as the client's address),
# an evidence file's chain of custody (a download is a custody event), and the session's last-seen time.
GET_MAY_WRITE = {"audit_entries", "audit_personal_values", "custody_events", "user_sessions"}


def _state() -> dict:
    db.session.rollback()
    state = {}
    for table in db.metadata.sorted_tables:
        if table.name in GET_MAY_WRITE:
            continue
        state[table.name] = db.session.execute(sa.select(sa.func.count()).select_from(table)).scalar()
        if "version" in table.c:
            state[f"{table.name}.version"] = db.session.execute(
                sa.select(sa.func.coalesce(sa.func.sum(table.c.version), 0))).scalar()
        if "updated_at" in table.c:
            state[f"{table.name}.updated_at"] = str(db.session.execute(sa.select(sa.func.max(table.c.updated_at)))
                                                     .scalar())
    db.session.rollback()
    return state


def test_no_get_changes_anything(app, world):
    """Every GET route, by every actor: row counts, versions and update times of the data stay the same."""
    before = _state()
    checked = 0
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        if rule.endpoint in SKIP or "GET" not in rule.methods or rule.endpoint == "auth.logout":
            continue
        args = {a: world["objects"][a] for a in rule.arguments}
        with app.test_request_context():
            url = url_for(rule.endpoint, **args, **QUERY.get(rule.endpoint, {}))
        for actor in ACTORS:
            world["clients"][actor].get(url).close()
            checked += 1
    assert checked > 300
    assert _state() == before
