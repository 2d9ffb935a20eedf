"""Every route × every kind of user × other tenants' objects, generated from the URL map.

A new route without a row in EXPECTED fails the test, so no page ships without a rule.
Expected answers: for an allowed request the exact status, or the exact place a 302 sends to; 403 beyond the
role, 404 for another company's object.
"""

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from flask import url_for

from ipdesk.actions.models import ActionKind, AdministrativeAction, Litigation
from ipdesk.alerts.models import AlertImport, SquattingAlert
from ipdesk.cases.models import DisputeType
from ipdesk.cases.services import post_message
from ipdesk.companies.models import Invitation
from ipdesk.core.db import utcnow
from ipdesk.costs.models import Cost, CostCategory, CostShareRule, Payer
from ipdesk.deadlines.models import Deadline, DeadlineRule, DeadlineSource
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.education.guides import create_guide, publish_guide
from ipdesk.education.models import (
    EducationSession,
    GuideAttachment,
    RegistrationStatus,
    SessionKind,
    SessionLanguage,
    SessionRegistration,
)
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from ipdesk.infringers.services import create_infringer
from ipdesk.network.models import Hub
from ipdesk.notify.models import Notification
from ipdesk.refusals.models import RefusalReason
from ipdesk.reports.models import JobStatus, ReportJob
from ipdesk.rights.models import CompanyRight, RightKind, RightStatus
from tests.conftest import running_app
from tests.evidence.conftest import image_bytes
from tests.factories import make_case, make_enquiry, make_evidence_file

PNG = image_bytes("PNG")
ACTORS = ["exporter_a", "exporter_b", "staff_x", "staff_y", "manager", "admin"]
STAFF_SIDE = {"staff_x", "staff_y", "manager", "admin"}
EVERYONE = set(ACTORS)

# endpoint -> (actors allowed, actors who get 404 rather than 403, what an allowed actor gets by method)
# What an allowed actor gets is a status (OK, FORM: the form shown again with its errors) or, as a string, the
# path a 302 sends them to ({name} filled in from the world's objects); a dict by actor where actors differ.
# The grid posts no real form ({"lang": "en", "kind": "x"}), so an allowed POST mostly meets the form's 422.
# Object routes use objects of company A / hub X, so exporter B is "another tenant".
OK, FORM = 200, 422
EXPECTED = {
    "main.index": (EVERYONE, set(), {"GET": OK}),
    "main.privacy": (EVERYONE, set(), {"GET": OK}),
    "main.healthz": (EVERYONE, set(), {"GET": OK}),
    "main.set_language": (EVERYONE, set(), {"POST": "/"}),
    "auth.login": (EVERYONE, set(), {"GET": "/", "POST": "/"}),  # signed-in users are sent home
    "auth.logout": (EVERYONE, set(), {"POST": "/login"}),
    "auth.register": (EVERYONE, set(), {"GET": "/", "POST": "/"}),  # signed-in users are sent home
    "auth.registration_sent": (EVERYONE, set(), {"GET": OK}),  # the same page for everyone
    "auth.confirm_registration": (EVERYONE, set(), {"GET": 404, "POST": 404}),  # a made-up link
    "auth.accept_invite": (EVERYONE, set(), {"GET": 404, "POST": 404}),  # a made-up token
    "auth.awaiting_approval": (EVERYONE, set(), {"GET": "/"}),
    "auth.account": (EVERYONE, set(), {"GET": OK, "POST": FORM}),
    "auth.password": (EVERYONE, set(), {"GET": OK, "POST": FORM}),
    # without a pending sign-in it sends you back to sign in
    "auth.login_code": (EVERYONE, set(), {"GET": "/login", "POST": "/login"}),
    "auth.two_factor": (EVERYONE, set(), {"GET": OK, "POST": FORM}),
    "auth.two_factor_off": (EVERYONE, set(), {"POST": "/account/two-factor"}),
    "auth.recovery_codes": (EVERYONE, set(), {"POST": "/account/two-factor"}),
    # signed-in users are sent to "change password", and are not counted by the reset's rate limits
    "auth.forgot_password": (EVERYONE, set(), {"GET": "/account/password", "POST": "/account/password"}),
    # signed-in users are told to sign out first
    "auth.reset_password": (EVERYONE, set(), {"GET": "/", "POST": "/"}),
    # staff have no company of their own: they are sent to the company list
    "companies.my_company": (EVERYONE, set(),
                             {"GET": {"exporter_a": OK, "exporter_b": OK, **dict.fromkeys(STAFF_SIDE, "/companies")}}),
    "companies.create_invitation": ({"exporter_a", "exporter_b"} | STAFF_SIDE, set(),
                                    {"POST": {"exporter_a": FORM, "exporter_b": FORM,
                                              **dict.fromkeys(STAFF_SIDE, "/companies")}}),
    "companies.revoke_invite": ({"exporter_a"}, {"exporter_b"}, {"POST": "/company"}),
    "companies.list_companies": (STAFF_SIDE, set(), {"GET": OK}),
    "companies.view_company": (STAFF_SIDE | {"exporter_a"}, {"exporter_b"}, {"GET": OK}),
    "companies.approve": (STAFF_SIDE, {"exporter_b"}, {"POST": "/companies/{company_id}"}),
    "companies.suspend": ({"manager", "admin"}, {"exporter_b"}, {"POST": FORM}),
    "companies.reinstate": ({"manager", "admin"}, {"exporter_b"}, {"POST": "/companies/{company_id}"}),
    "companies.refuse": (STAFF_SIDE, {"exporter_b"}, {"POST": FORM}),
    "network.overview": (EVERYONE, set(), {"GET": OK}),
    "admin.index": ({"admin"}, set(), {"GET": OK}),
    "admin.users": ({"admin"}, set(), {"GET": OK}),
    "admin.create_user": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.edit_user": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.set_active": ({"admin"}, set(), {"POST": 400}),  # neither "0" nor "1"
    "admin.hubs": ({"admin"}, set(), {"GET": OK}),
    "admin.new_hub": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.edit_hub": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.countries": ({"admin"}, set(), {"GET": OK}),
    "admin.new_country": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.edit_country": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.regions": ({"admin"}, set(), {"GET": OK}),
    "admin.edit_region": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.audit": ({"admin"}, set(), {"GET": OK}),
    "admin.deadline_rules": ({"admin"}, set(), {"GET": OK}),
    "admin.edit_deadline_rule": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.cost_rules": ({"admin"}, set(), {"GET": OK}),
    "admin.edit_cost_rule": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.refusal_reasons": ({"admin"}, set(), {"GET": OK}),
    "admin.edit_refusal_reason": ({"admin"}, set(), {"GET": OK, "POST": FORM}),
    "admin.outbox": ({"admin"}, set(), {"GET": OK}),
    "admin.retry_outbox": ({"admin"}, set(), {"POST": "/admin/outbox"}),
    # one's own notifications: exporter A's is nobody else's business
    "notify.list_notifications": (EVERYONE, set(), {"GET": OK}),
    "notify.read": ({"exporter_a"}, EVERYONE - {"exporter_a"}, {"POST": "/notifications"}),
    "notify.read_all": (EVERYONE, set(), {"POST": "/notifications"}),
    "notify.preferences": (EVERYONE, set(), {"GET": OK, "POST": "/account/notifications"}),
    # the case belongs to exporter A's company and to hub X (China North)
    "cases.list_cases": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "cases.export_cases": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "cases.new_case": (EVERYONE - {"admin"}, set(), {"GET": OK, "POST": FORM}),
    "cases.view_case": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK}),
    # the case is submitted: its author can no longer edit it and is sent back to it
    "cases.edit_case": ({"exporter_a"}, {"exporter_b", "staff_y", "admin"},
                        {"GET": "/cases/{case_id}", "POST": "/cases/{case_id}"}),
    # a move names its transition, a custody event its kind: a post without one is a bad request
    "cases.move": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": 400}),
    "cases.message": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": FORM}),
    "evidence.new_item": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                          {"GET": OK, "POST": FORM}),
    "cases.consultation": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    # "nobody" is a valid assignee, but a post without the case's version cannot be told current: a conflict
    "cases.assign": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": 409}),
    "cases.transfer": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    "evidence.download": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK}),
    "evidence.custody": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": 400}),
    "evidence.verify": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                        {"POST": "/cases/{case_id}#evidence"}),
    "evidence.bundle": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": OK}),  # the ZIP
    "deadlines.add": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    "actions.add": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    "actions.edit": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    "actions.add_suit": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    "actions.edit_suit": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    "actions.hearing": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": FORM}),
    "costs.add": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK, "POST": FORM}),
    "costs.remove": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                     {"POST": "/cases/{case_id}#costs"}),
    "documents.case_file": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"GET": OK}),
    "documents.reports": ({"manager"}, set(), {"GET": OK}),
    "documents.country_summary": ({"manager"}, set(), {"GET": OK}),
    "documents.make_pack": ({"manager"}, set(), {"POST": FORM}),
    "documents.pack_job": ({"manager"}, set(), {"GET": OK}),  # the manager's own job
    # a pack that is done is not made again: back to its page
    "documents.pack_again": ({"manager"}, set(), {"POST": "/reports/jobs/{job_id}"}),
    "documents.pack_download": ({"manager"}, set(), {"GET": OK}),
    "deadlines.mine": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "deadlines.country_rules": (EVERYONE, set(), {"GET": OK}),  # the network's procedure rules: public law
    "deadlines.rotate_calendar": (EVERYONE - {"admin"}, set(), {"POST": OK}),  # the page with the new link
    # by secret token, no sign-in: a made-up one is a 404
    "deadlines.calendar_feed": (EVERYONE, set(), {"GET": 404}),
    "deadlines.done": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                       {"POST": "/cases/{case_id}#deadlines"}),
    # infringer records span companies: staff of every hub and managers, never exporters or admins
    "infringers.list_infringers": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK}),
    "infringers.view_infringer": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK}),
    "infringers.new_infringer": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK, "POST": FORM}),
    "infringers.edit_infringer": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK, "POST": FORM}),
    "infringers.link": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": FORM}),
    "infringers.unlink": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                          {"POST": "/cases/{case_id}#infringers"}),
    # a company's register of rights: its own users and the staff side see it (company A' here: exporter A's is
    # not it); the company and the centre's staff keep it, admins only read it; the right is exporter A's
    "rights.list_rights": (STAFF_SIDE, {"exporter_a", "exporter_b"}, {"GET": OK}),
    "rights.new_right": ({"staff_x", "staff_y", "manager"}, {"exporter_a", "exporter_b"}, {"GET": OK, "POST": FORM}),
    "rights.view_right": (STAFF_SIDE | {"exporter_a"}, {"exporter_b"}, {"GET": OK}),
    "rights.image": (STAFF_SIDE | {"exporter_a"}, {"exporter_b"}, {"GET": OK}),
    "rights.edit_right": ({"exporter_a", "staff_x", "staff_y", "manager"}, {"exporter_b"},
                          {"GET": OK, "POST": FORM}),
    # the grid's post has no version: the page says the form expired
    "rights.remove_right": ({"exporter_a", "staff_x", "staff_y", "manager"}, {"exporter_b"},
                            {"POST": "/rights/{right_id}"}),
    # the case's handlers set its enforceability warning aside, with a reason
    "rights.dismiss": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": FORM}),
    # squatting alerts: the alert is exporter A's company's, its draft opposition case staff X's hub's (China North);
    # the uploaded file has no rows: confirming it makes nothing, and once confirmed it cannot be again
    "alerts.list_alerts": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "alerts.file_format": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "alerts.sample": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "alerts.upload": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK, "POST": FORM}),
    "alerts.view_import": ({"staff_x", "staff_y", "manager"}, {"exporter_a", "exporter_b", "admin"}, {"GET": OK}),
    "alerts.confirm": ({"staff_x", "staff_y", "manager"}, {"exporter_a", "exporter_b", "admin"},
                       {"POST": {"staff_x": "/alerts/imports/{import_id}", "staff_y": 409, "manager": 409}}),
    "alerts.discard": ({"staff_x", "staff_y", "manager"}, {"exporter_a", "exporter_b", "admin"}, {"POST": 409}),
    "alerts.ask": ({"exporter_a"}, {"exporter_b", "staff_y", "admin"}, {"POST": "/cases/{alert_case_id}"}),
    # the network's numbers (staff: their hubs'), or the exporter's own company's; admins see no cases
    "reports.dashboard": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "reports.export_figures": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK}),  # of staff's own hubs
    "search.results": (EVERYONE, set(), {"GET": OK}),  # with exporter A's words: test_search_in_the_grid
    # enquiries: exporter A's company asked about China (hub X); exporters see their company's, staff their hubs'
    # country guides: published ones to everyone; the guide here is a draft about China, written by hub X
    "education.list_guides": (EVERYONE, set(), {"GET": OK}),
    "education.new_guide": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK, "POST": FORM}),
    "education.view_guide": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"}, {"GET": OK}),
    "education.edit_guide": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"}, {"GET": OK, "POST": FORM}),
    "education.publish": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"}, {"POST": FORM}),
    # a post without the guide's version cannot be told current: a conflict
    "education.withdraw": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"}, {"POST": 409}),
    "education.attach": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"}, {"POST": FORM}),
    "education.remove": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"},
                         {"POST": "/guides/{guide_id}#files"}),
    "education.download": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"}, {"GET": OK}),
    "education.guide_pdf": ({"staff_x", "manager"}, EVERYONE - {"staff_x", "manager"}, {"GET": OK}),
    # education sessions: open to everyone; the one here was held yesterday by hub X, exporter A attended it
    "sessions.list_sessions": (EVERYONE, set(), {"GET": OK}),
    "sessions.new_session": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK, "POST": FORM}),
    "sessions.view_session": (EVERYONE, set(), {"GET": OK}),
    "sessions.edit_session": ({"staff_x", "manager"}, set(), {"GET": OK, "POST": FORM}),
    "sessions.cancel": ({"staff_x", "manager"}, set(), {"POST": 409}),  # a post without the session's version
    "sessions.register_for": ({"exporter_a", "exporter_b"}, set(), {"POST": FORM}),  # it has started
    "sessions.cancel_my_registration": ({"exporter_a"}, {"exporter_b", "staff_y", "admin"}, {"POST": FORM}),
    "sessions.attendance": ({"staff_x", "manager"}, set(), {"POST": "/sessions/{session_id}#registrations"}),
    # the grid's attendance post (nobody ticked) comes first: exporter A no longer attended, no certificate is
    # printed (test_sessions prints one); those who may not know the registration still get 404
    "sessions.certificate": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                             {"GET": 403}),
    "enquiries.list_enquiries": (EVERYONE - {"admin"}, set(), {"GET": OK}),
    "enquiries.export_enquiries": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK}),
    "enquiries.new_enquiry": ({"staff_x", "staff_y", "manager"}, set(), {"GET": OK, "POST": FORM}),
    "enquiries.ask": ({"exporter_a", "exporter_b"}, set(), {"GET": OK, "POST": FORM}),
    "enquiries.view_enquiry": ({"exporter_a", "staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                               {"GET": OK}),
    "enquiries.edit_enquiry": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"},
                               {"GET": OK, "POST": FORM}),
    "enquiries.answer": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": FORM}),
    "enquiries.convert": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": FORM}),
    # the form has nothing to get wrong but the enquiry's version, which the grid does not send: a conflict
    "enquiries.followed_up": ({"staff_x", "manager"}, {"exporter_b", "staff_y", "admin"}, {"POST": 409}),
    # signed-in users ask in the app (a company's users) or are sent home, and mail no one
    "enquiries.ask_public": (EVERYONE, set(), {
        "GET": {"exporter_a": "/enquiries/ask", "exporter_b": "/enquiries/ask", **dict.fromkeys(STAFF_SIDE, "/")},
        "POST": {"exporter_a": "/enquiries/ask", "exporter_b": "/enquiries/ask", **dict.fromkeys(STAFF_SIDE, "/")}}),
    "enquiries.public_sent": (EVERYONE, set(), {"GET": OK}),  # the same page for everyone
    "enquiries.confirm_public": (EVERYONE, set(), {"GET": 404, "POST": 404}),  # a made-up link
}
SKIP = {"static", "bootstrap.static"}
# once an allowed actor removed the object, it is gone for the next one too
ONE_SHOT = {"costs.remove", "education.remove"}
# pages that read a form from the query string
QUERY = {"documents.country_summary": {"country": "CN", "start": "2026-01-01", "end": "2026-06-30"},
         "search.results": {"q": "A question about our case"},
         "reports.export_figures": {"figures-start": "2026-01-01", "figures-end": "2026-06-30"}}


@pytest.fixture
def app(database_url):
    """The grid signs many people in from one address: lift the sign-in limits for it."""
    with running_app(database_url, LOGIN_RATE_LIMIT="1000 per minute") as app:
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
    pack = get_storage().put(io.BytesIO(b"%PDF-"))  # the finished pack the download serves
    job = ReportJob(lang="en", period_start=date(2026, 1, 1), period_end=date(2026, 12, 31), backend="local",
                    status=JobStatus.done, pages=1, result_size=pack.size, result_key=pack.key,
                    requested_by_id=people["manager"].id)
    db.session.add_all([action, suit, cost, job])
    db.session.commit()
    load_shipped_rules()
    infringer = create_infringer({"name": "Lucky Star", "shop_ids": "luckystar"}, people["staff_x"], case=case)
    post_message(case, "A question about our case", people["staff_x"])  # exporter A hears of it
    enquiry = make_enquiry(company=own, country="CN", question="A question before any case")
    guide = create_guide({"country_code": "CN", "title_en": "Before exporting to China",
                          "body_en": "Register first."}, people["staff_x"])
    held = EducationSession(kind=SessionKind.seminar, title_en="Trademarks in China", hub_id=case.hub_id,
                            language=SessionLanguage.ko, starts_at=utcnow() - timedelta(days=1),
                            ends_at=utcnow() - timedelta(days=1) + timedelta(hours=2), time_zone="Asia/Shanghai",
                            place="Beijing", capacity=10, created_by_id=people["staff_x"].id)
    db.session.add(held)
    db.session.flush()
    seat = SessionRegistration(session_id=held.id, user_id=people["exporter_a"].id, company_id=own.id,
                               status=RegistrationStatus.registered, attended=True)
    db.session.add(seat)
    published = create_guide({"country_code": "TH", "title_en": "Watching the Thai register",
                              "body_en": "Search the Thai gazette every month."}, people["staff_y"])
    publish_guide(published, 1, people["staff_y"])
    leaflet = get_storage().put(io.BytesIO(b"%PDF-"))
    db.session.add(GuideAttachment(guide_id=guide.id, storage_key=leaflet.key, original_name="leaflet.pdf",
                                   content_type="application/pdf", size=leaflet.size, sha256=leaflet.sha256,
                                   uploaded_by_id=people["staff_x"].id))
    mark = get_storage().put(io.BytesIO(PNG))
    right = CompanyRight(company_id=own.id, kind=RightKind.trademark, office="CN", number="G1234567",
                         mark_text="Counterfeit serum", status=RightStatus.filed, image_key=mark.key,
                         image_type="image/png", image_size=mark.size, image_sha256=mark.sha256,
                         created_by_id=people["exporter_a"].id)
    db.session.add(right)
    alert_import = AlertImport(file_name="alerts.csv", file_sha256="0" * 64, rows=[], row_count=0,
                               uploaded_by_id=people["staff_x"].id)
    drafted = make_case("draft", company=own, author=people["staff_x"], country="CN", filed_on_behalf=True,
                        dispute_type=DisputeType.squatting)
    alert = SquattingAlert(office="CN", application_number="78451236", country_code="CN", mark="SERUM",
                           company_id=own.id, case_id=drafted.id, due_on=date(2099, 1, 1))
    db.session.add_all([alert_import, alert])
    db.session.commit()
    notification = db.session.scalar(sa.select(Notification).where(Notification.user_id == people["exporter_a"].id))
    objects = {
        "notification_id": notification.id,
        "infringer_id": infringer.id,
        "enquiry_id": enquiry.id,
        "right_id": right.id,
        "guide_id": guide.id,
        "session_id": held.id,
        "registration_id": seat.id,
        "attachment_id": guide.attachments[0].id,
        "lang": "en",
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
        "import_id": alert_import.id,
        "alert_id": alert.id,
        "alert_case_id": alert.case_id,
        "kind": "csv",
    }
    return {"clients": clients, "objects": objects, "company_a": company_a, "own": own}


def test_every_route_has_a_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()} - SKIP
    assert endpoints - EXPECTED.keys() == set(), "add the new routes to EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "remove routes that no longer exist"


def _outcome(status: int, location: str | None):
    """What a response did, as the table writes it: a 302's path, or the status."""
    if status == 302:
        return location
    return status


def test_access_grid(app, world):
    wrong = []
    checked = 0
    consumed = set()
    # signing out goes last, so every other route is tried signed in
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.endpoint == "auth.logout", r.rule)):
        if rule.endpoint in SKIP:
            continue
        allowed, hidden, outcomes = EXPECTED[rule.endpoint]
        assert set(outcomes) == rule.methods - {"HEAD", "OPTIONS"}, f"{rule.endpoint}: an outcome for each method"
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
                got = _outcome(response.status_code, response.headers.get("Location"))
                if actor in hidden:
                    expected = 404
                elif actor not in allowed:
                    expected = {403, 404} if rule.arguments else 403
                elif rule.endpoint in consumed:
                    expected = 404  # removed by the allowed actor before
                else:
                    expected = outcomes[method]
                    if isinstance(expected, dict):
                        expected = expected[actor]
                    if isinstance(expected, str):
                        expected = expected.format(**world["objects"])
                    if rule.endpoint in ONE_SHOT:
                        consumed.add(rule.endpoint)
                if got != expected and not (isinstance(expected, set) and got in expected):
                    wrong.append(f"{method} {target} as {actor}: {got!r}, expected {expected!r}")
    assert checked > 200
    assert wrong == [], "\n".join(wrong)


# What each actor finds of exporter A's case (company A, hub X) when searching its words: kind -> who finds it.
# Companies are every staff member's to open; infringer records staff's and managers'; the admin opens no case.
CASE_SEEN = {"exporter_a", "staff_x", "manager"}
FOUND = {
    "Counterfeit serum": {"case": CASE_SEEN},  # the case's title
    "A question about our case": {"message": CASE_SEEN},
    "Lucky Star": {"infringer": {"staff_x", "staff_y", "manager"}},
    "A question before any case": {"enquiry": CASE_SEEN},  # the enquiry of company A about China (hub X)
    # each exporter finds their own company only; a case and an enquiry are found by their company's name too
    "테스트기업": {"company": STAFF_SIDE | {"exporter_a", "exporter_b"}, "case": CASE_SEEN, "enquiry": CASE_SEEN},
    "Thai gazette": {"guide": EVERYONE},  # a published guide: everyone's
    "Before exporting to China": {},  # a draft guide: in no entry, its writers find it on the guides' list
}


@pytest.mark.parametrize("scope_cases", [0, 10_000])  # read from the engine's terms, or from the viewer's cases
def test_search_in_the_grid(app, world, scope_cases):
    """Every actor searches exporter A's words: each finds exactly what they may open, and nobody else is shown
    a hit or a count of it."""
    app.config["SEARCH_SCOPE_CASES"] = scope_cases
    wrong = []
    for typed, kinds in FOUND.items():
        for actor in ACTORS:
            page = world["clients"][actor].get("/search", query_string={"q": typed}).get_data(as_text=True)
            for kind, finders in kinds.items():
                shown = f'id="hits-{kind}"' in page
                if shown != (actor in finders):
                    wrong.append(f"{typed!r} as {actor}: {kind} {'shown' if shown else 'not shown'}")
            others = {f'id="hits-{kind}"' for kind in ("case", "message", "evidence", "infringer", "enquiry",
                                                         "guide")} - {
                f'id="hits-{kind}"' for kind, finders in kinds.items() if actor in finders}
            if any(other in page for other in others):
                wrong.append(f"{typed!r} as {actor}: a kind beyond what they may open")
    exporter_b = world["clients"]["exporter_b"].get("/search", query_string={"q": "테스트기업"}).get_data(as_text=True)
    assert world["own"].name_en not in exporter_b  # B finds B's company, not A's
    assert wrong == [], "\n".join(wrong)


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
