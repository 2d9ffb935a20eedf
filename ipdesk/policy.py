"""Who may do what: the one access-policy module every view goes through.

Loaders here fetch an object and authorise the action in one step: an object that belongs to
another tenant answers 404 (its existence is not revealed), an action beyond the user's role 403.
"""
from functools import wraps

import sqlalchemy as sa
from flask import abort, g, has_app_context
from flask_login import current_user
from sqlalchemy.orm import joinedload, selectinload

from ipdesk.alerts.models import AlertImport, SquattingAlert
from ipdesk.auth.models import Role, User
from ipdesk.cases.models import Case, Stage
from ipdesk.companies.models import Company, CompanyStatus, Invitation
from ipdesk.education.models import EducationSession, Guide, SessionRegistration
from ipdesk.enquiries.models import Enquiry
from ipdesk.extensions import db
from ipdesk.infringers.models import Infringer
from ipdesk.network.models import Country, Hub, secondary_coverage, staff_hubs
from ipdesk.notify.models import Notification
from ipdesk.reports.models import Tally
from ipdesk.rights.models import CompanyRight

STAFF_SIDE = (Role.staff, Role.manager, Role.admin)

# A user's part in a case (``case_parts``): a user of the case's company, staff of the case's hub, a
# manager, whoever wrote the case, and staff writing a draft on the company's behalf.
EXPORTER, STAFF, MANAGER, AUTHOR, DRAFTER = "exporter", "staff", "manager", "author", "drafter"
HANDLERS = frozenset({STAFF, MANAGER})  # who handles a case: its internal side and the centre's tools
EXPORTER_SIDE = frozenset({EXPORTER, DRAFTER})  # who speaks for the company: the intake form
CONTRIBUTORS = HANDLERS | EXPORTER_SIDE  # who adds evidence


# --- the rules -----------------------------------------------------------------------------

def account_gate(user) -> str | None:
    """Why an authenticated user may not use the app: 'pending', 'suspended', 'refused' (for good) or None."""
    if not user.is_authenticated or user.role is not Role.exporter:
        return None
    if user.company.status is CompanyStatus.approved:
        return None
    return user.company.status.name


def _unproxied(user):
    """The user behind Flask-Login's ``current_user`` (the rules read a dozen of its attributes, each through the
    proxy's lookup otherwise), or ``user`` itself."""
    unwrap = getattr(user, "_get_current_object", None)
    return unwrap() if unwrap is not None else user


def can(user, action: str, obj=None) -> bool:
    """Whether ``user`` may take ``action`` on ``obj`` now: their role allows it and the object's
    state admits it. Pages offer exactly these actions."""
    return permits(user, action, obj) and state_admits(action, obj)


def state_admits(action: str, obj) -> bool:
    """Whether ``obj`` is in a state where ``action`` makes sense (services enforce it too)."""
    match action:
        case "company.approve" | "company.refuse":
            return obj.status is CompanyStatus.pending
        case "company.suspend":
            return obj.status is CompanyStatus.approved
        case "company.reinstate":
            return obj.status is CompanyStatus.suspended
        case "company.invite":
            return obj.is_approved
    return True


def permits(user, action: str, obj=None) -> bool:
    """Whether ``user``'s role allows ``action`` at all (on ``obj`` where it is about one object).

    A refusal here is a 403; an action refused only by the object's state is explained instead.
    """
    user = _unproxied(user)
    if user is None or not user.is_authenticated or account_gate(user):
        return False
    role = user.role
    match action:
        case "admin.access" | "user.manage" | "hub.manage" | "country.manage" | "region.manage" | "audit.view" \
                | "deadline_rule.manage" | "cost_rule.manage" | "refusal_reason.manage" | "outbox.manage":
            return role is Role.admin
        case "notification.view":  # one's own notifications and their settings
            return True
        case "company.list":
            return role in STAFF_SIDE
        case "company.view":
            return role in STAFF_SIDE or (role is Role.exporter and obj is not None and obj.id == user.company_id)
        case "company.approve" | "company.refuse":  # deciding on a registration, either way
            return role in STAFF_SIDE
        case "company.suspend" | "company.reinstate":
            return role in (Role.manager, Role.admin)
        case "company.invite":
            return role is Role.exporter and obj is not None and obj.id == user.company_id
        case "invitation.revoke":
            return role is Role.exporter and obj is not None and obj.company_id == user.company_id
        case "right.view":  # a company's register of rights (``obj``: the company, or one of its rights)
            return role in STAFF_SIDE or (role is Role.exporter and obj is not None
                                          and _company_of(obj) == user.company_id)
        case "right.manage":  # the company keeps its own; the centre's staff correct them (audited)
            return role in (Role.staff, Role.manager) or (role is Role.exporter and obj is not None
                                              and _company_of(obj) == user.company_id)
        case "alert.import":  # files of squatting alerts from watch services, into draft opposition cases
            return role in (Role.staff, Role.manager)
        case "alert.list":  # the company's alerts (exporters), the alerts of the cases one sees (the centre)
            return role in (Role.exporter, Role.staff, Role.manager)
        case "alert.view":
            return obj is not None and alert_visible(user, obj)
        case "alert.request":  # the company asks the centre to oppose
            return role is Role.exporter and obj is not None and obj.company_id == user.company_id
        case "network.view" | "search":  # search shows each user only what they may open (ipdesk.search)
            return True
        case "infringer.view" | "infringer.manage":  # records span companies: never the exporters'
            return role in (Role.staff, Role.manager)
        case "report.view":  # country summaries and the all-country pack
            return role is Role.manager
        case "dashboard.view":  # the network's (of the hubs, for staff), or the own company's
            return role in (Role.exporter, Role.staff, Role.manager)
        case "figures.export":  # the centre's work per country and hub as CSV (of the hubs, for staff)
            return role in (Role.staff, Role.manager)
        case "enquiry.list":  # the enquiries of the user's hubs, or of their own company
            return role is not Role.admin
        case "enquiry.record" | "enquiry.export":  # an enquiry taken by phone, at a visit...; the list as CSV
            return role in (Role.staff, Role.manager)
        case "enquiry.ask":  # online, signed in (anonymous visitors ask through the public form)
            return role is Role.exporter
        case "enquiry.view":
            return obj is not None and enquiry_visible(user, obj)
        case "enquiry.answer" | "enquiry.edit" | "enquiry.convert" | "enquiry.follow_up":
            return obj is not None and handles_enquiry(user, obj)
        case "guide.list":  # the published guides to everyone; drafts besides to whoever writes them
            return True
        case "guide.create":  # staff write the guides of their hubs' countries, managers of every country
            return role in (Role.staff, Role.manager)
        case "guide.view":
            return obj is not None and guide_visible(user, obj)
        case "guide.edit" | "guide.publish" | "guide.attach":
            return obj is not None and writes_guide(user, obj)
        case "session.list" | "session.view":  # the network's events are open to every signed-in user
            return True
        case "session.create":  # for their hubs (staff) or any hub (managers)
            return role in (Role.staff, Role.manager)
        case "session.edit" | "session.attendance" | "session.cancel":
            return obj is not None and manages_session(user, obj)
        case "session.register":  # a company's users take part
            return role is Role.exporter and user.company_id is not None
        case "registration.cancel":
            return obj is not None and obj.user_id == user.id
        case "registration.certificate":  # once attended: its participant, and whoever runs the session
            return obj is not None and obj.attended and (obj.user_id == user.id or manages_session(user, obj.session))
        case "case.list" | "case.export":
            return role is not Role.admin
        case "case.create":
            return role in (Role.exporter, Role.staff, Role.manager)
        case "case.create_on_behalf":
            return role in (Role.staff, Role.manager)
        case "case.view" | "case.move" | "evidence.download":  # moves are then checked by the stage table
            return obj is not None and case_visible(user, obj)
        case "case.edit":  # the intake form, while it is a draft or returned
            return obj is not None and case_visible(user, obj) and bool(case_parts(user, obj) & EXPORTER_SIDE)
        case "case.message":
            return obj is not None and case_visible(user, obj) and role is not Role.admin
        case "evidence.add":
            return obj is not None and case_visible(user, obj) and bool(case_parts(user, obj) & CONTRIBUTORS)
        case "case.view_internal" | "message.internal" | "case.assign" | "case.transfer" | "consultation.add" \
                | "action.record" | "cost.record" | "deadline.manage" | "evidence.verify" | "evidence.bundle" \
                | "evidence.custody" | "infringer.link" | "enforceability.dismiss":
            return obj is not None and case_visible(user, obj) and handles(user, obj)
    raise ValueError(f"unknown action {action!r}")


def _company_of(obj) -> int:
    """The company a register's object belongs to: the company itself, or one of its rights."""
    return obj.id if isinstance(obj, Company) else obj.company_id


# --- a user's part in a case ---------------------------------------------------------------

def hub_ids(user) -> frozenset[int]:
    """The hubs whose cases ``user`` works on as staff: the one place hub membership is read."""
    return frozenset(hub.id for hub in user.hubs) if user.role is Role.staff else frozenset()


def hub_staff(hub_id: int):
    """The staff of a hub, as a query of users (the other way round from ``hub_ids``): whom a case of
    the hub may be assigned to and who hears of it while nobody is."""
    return sa.select(User).join(staff_hubs, staff_hubs.c.user_id == User.id).where(
        staff_hubs.c.hub_id == hub_id, User.role == Role.staff)


def hub_member_ids(hub_id: int):
    """The ids of whoever is a member of a hub, as a query (staff among them: ``hub_ids`` tells), for a
    union with another indexed lookup: read through ``staff_hubs``' hub index alone."""
    return sa.select(staff_hubs.c.user_id).where(staff_hubs.c.hub_id == hub_id)


def handles(user, case) -> bool:
    """Whether ``user`` handles ``case``: staff of its hub, or a manager."""
    return bool(case_parts(user, case) & HANDLERS)


def case_parts(user, case) -> frozenset[str]:
    """The parts ``user`` plays in ``case``: its company's user (EXPORTER), staff of its hub (STAFF),
    a manager (MANAGER), whoever wrote it (AUTHOR); and DRAFTER for staff writing a draft on the
    company's behalf. The stage table names who may make each move by these parts."""
    parts = set()
    if user.role is Role.exporter and user.company_id == case.company_id:
        parts.add(EXPORTER)
    if case.hub_id in hub_ids(user):
        parts.add(STAFF)
    if user.role is Role.manager:
        parts.add(MANAGER)
    if case.created_by_id == user.id:
        parts.add(AUTHOR)
        if case.filed_on_behalf and case.stage is Stage.draft and user.role is not Role.exporter:
            parts.add(DRAFTER)
    return frozenset(parts)


def case_visible(user, case) -> bool:
    """Who may know a case exists: a draft only to its author's side, a submitted case to its
    company's users, to staff of its hub and to managers."""
    if user.role is Role.admin:
        return False
    if user.role is Role.exporter:
        if user.company_id != case.company_id:
            return False
        return case.stage is not Stage.draft or not case.filed_on_behalf
    if case.stage is Stage.draft and not case.filed_on_behalf:
        return False
    if case.stage is Stage.draft and case.created_by_id == user.id:
        return True  # staff writing a draft for a company see it wherever its country's hub is
    if user.role is Role.manager:
        return True
    return case.hub_id in hub_ids(user)


def visible_cases_clause(user):
    """The same rule as :func:`case_visible`, as a SQL condition on ``Case``."""
    is_draft = Case.stage == Stage.draft
    if user.role is Role.exporter:
        return sa.and_(Case.company_id == user.company_id, sa.or_(~is_draft, ~Case.filed_on_behalf))
    handled = sa.or_(~is_draft, Case.filed_on_behalf)
    own_draft = sa.and_(is_draft, Case.filed_on_behalf, Case.created_by_id == user.id)
    if user.role is Role.manager:
        return handled
    if user.role is Role.staff:
        return sa.or_(sa.and_(handled, Case.hub_id.in_(hub_ids(user))), own_draft)
    return sa.false()


def handled_cases_clause(user):
    """The same rule as :func:`handles`, as a SQL condition on ``Case``: the cases whose internal side ``user``
    sees (internal notes), when ``user`` may see them at all (:func:`visible_cases_clause`)."""
    if user.role is Role.manager:
        return sa.true()
    if user.role is Role.staff:
        return Case.hub_id.in_(hub_ids(user))
    return sa.false()


def enquiry_visible(user, enquiry) -> bool:
    """Who may know an enquiry exists: its company's users (a registered company's), staff of its hub, managers."""
    if user.role is Role.exporter:
        return enquiry.company_id is not None and enquiry.company_id == user.company_id
    return handles_enquiry(user, enquiry)


def handles_enquiry(user, enquiry) -> bool:
    """Whether ``user`` answers ``enquiry``: staff of its hub, or a manager."""
    return user.role is Role.manager or enquiry.hub_id in hub_ids(user)


def visible_enquiries_clause(user):
    """The same rule as :func:`enquiry_visible`, as a SQL condition on ``Enquiry``."""
    if user.role is Role.exporter:
        return Enquiry.company_id == user.company_id
    if user.role is Role.manager:
        return sa.true()
    if user.role is Role.staff:
        return Enquiry.hub_id.in_(hub_ids(user))
    return sa.false()


def covered_countries(user) -> frozenset[str]:
    """The countries the hubs of a staff member cover (primary or not); none for other roles. Read once per
    request and user (a list asks it of every guide it shows)."""
    hubs = hub_ids(user)
    if not hubs:
        return frozenset()
    known = g.setdefault("covered_countries", {}) if has_app_context() else {}
    if (user.id, hubs) not in known:
        known[user.id, hubs] = frozenset(db.session.scalars(sa.union(
            sa.select(Country.code).where(Country.primary_hub_id.in_(hubs)),
            sa.select(secondary_coverage.c.country_code).where(secondary_coverage.c.hub_id.in_(hubs)))))
    return known[user.id, hubs]


def writes_guides_for(user, country_code: str) -> bool:
    """Whether ``user`` writes the guides of a country: staff of a hub covering it, or a manager."""
    return user.role is Role.manager or (user.role is Role.staff and country_code in covered_countries(user))


def holds_sessions_for(user, hub_id: int) -> bool:
    """Whether ``user`` plans and runs the sessions of a hub: its staff, or a manager."""
    return user.role is Role.manager or hub_id in hub_ids(user)


def writes_guide(user, guide) -> bool:
    """Whether ``user`` writes, publishes and attaches files to ``guide``."""
    return writes_guides_for(user, guide.country_code)


def manages_session(user, session) -> bool:
    """Whether ``user`` runs ``session``."""
    return holds_sessions_for(user, session.hub_id)


def registration_visible(user, registration) -> bool:
    """Who may know a registration exists: its participant, and whoever runs its session."""
    return registration.user_id == user.id or manages_session(user, registration.session)


def guide_visible(user, guide) -> bool:
    """Who may know a guide exists: everyone once it is published; before, whoever writes it."""
    return guide.published_number is not None or writes_guide(user, guide)


def visible_guides_clause(user):
    """The same rule as :func:`guide_visible`, as a SQL condition on ``Guide``."""
    if user.role is Role.manager:
        return sa.true()
    published = Guide.published_number.is_not(None)
    covered = covered_countries(user)
    return sa.or_(published, Guide.country_code.in_(covered)) if covered else published


def visible_companies_clause(user, company_id):
    """The rule of :func:`_visible` for companies, as a SQL condition on the column ``company_id``: every company
    to the staff side, their own to a company's users."""
    if user.role in STAFF_SIDE:
        return sa.true()
    if user.role is Role.exporter:
        return company_id == user.company_id
    return sa.false()


def visible_tallies_clause(user):
    """The tallies of the cases ``user`` may see, as a SQL condition on ``Tally``. Tallies count submitted cases
    only, so the rule is :func:`visible_cases_clause`'s for them: a manager's are the network's, staff's their
    hubs'; exporters read their company's cases themselves."""
    return visible_hubs_clause(user, Tally.hub_id)


def visible_hubs_clause(user, hub_id):
    """The rows of the network's figures (the tallies, the enquiries and cases they count) ``user`` may read, as a
    SQL condition on their hub column ``hub_id``: a manager's are the network's, staff's their hubs'."""
    if user.role is Role.manager:
        return sa.true()
    if user.role is Role.staff:
        return hub_id.in_(hub_ids(user))
    return sa.false()


def _visible(user, action: str, obj) -> bool:
    """Whether ``user`` may know ``obj`` exists at all (else 404 rather than 403)."""
    if isinstance(obj, Case):
        return case_visible(user, obj)
    if isinstance(obj, Company):
        return user.role in STAFF_SIDE or obj.id == user.company_id
    if isinstance(obj, Enquiry):
        return enquiry_visible(user, obj)
    if isinstance(obj, Guide):
        return guide_visible(user, obj)
    if isinstance(obj, SessionRegistration):
        return registration_visible(user, obj)
    if isinstance(obj, SquattingAlert):
        return alert_visible(user, obj)
    if isinstance(obj, AlertImport):
        return user.role in (Role.staff, Role.manager)
    if isinstance(obj, Invitation | CompanyRight):
        return user.role in STAFF_SIDE or obj.company_id == user.company_id
    return True  # users, hubs and countries are not tenant data: beyond the role is a 403


def authorize(action: str, obj=None):
    """404 when the object is not the user's to see, 403 when the action is beyond them."""
    if obj is not None and not _visible(current_user, action, obj):
        abort(404)
    if not permits(current_user, action, obj):
        abort(403)
    return obj


def requires(action: str):
    """A view decorator for actions that are not about one object."""

    def decorator(view):
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not permits(current_user, action):
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


# --- loaders: load-or-404 plus authorise-or-403 --------------------------------------------

def get_company(company_id: int, action: str = "company.view") -> Company:
    # from the session's identity map when the request loaded it already (the intake's chosen company)
    company = db.session.get(Company, company_id, options=[selectinload(Company.sector_rows)])
    if company is None:
        abort(404)
    return authorize(action, company)


def get_invitation(invitation_id: int, action: str) -> Invitation:
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        abort(404)
    return authorize(action, invitation)


def get_user(user_id: int, action: str = "user.manage") -> User:
    user = db.session.scalar(
        sa.select(User).where(User.id == user_id).options(selectinload(User.hubs), selectinload(User.company))
    )
    if user is None:
        abort(404)
    return authorize(action, user)


def get_hub(hub_id: int, action: str = "hub.manage") -> Hub:
    hub = db.session.get(Hub, hub_id)
    if hub is None:
        abort(404)
    return authorize(action, hub)


def get_country(code: str, action: str = "country.manage") -> Country:
    country = db.session.get(Country, code.upper()) if len(code) == 2 else None
    if country is None:
        abort(404)
    return authorize(action, country)


def get_case(case_id: int, action: str = "case.view"):
    """Load a case for ``action``: 404 when the user may not know it exists, 403 beyond their part."""
    case = db.session.scalar(  # its one-of-each neighbours in the same query
        sa.select(Case).where(Case.id == case_id)
        .options(joinedload(Case.company), joinedload(Case.country), joinedload(Case.hub),
                 joinedload(Case.assignee), joinedload(Case.created_by))
    )
    if case is None:
        abort(404)
    return authorize(action, case)


def get_infringer(infringer_id: int, action: str = "infringer.view"):
    """Load an infringer record for ``action``; beyond the role is a 403 whether or not it exists."""
    if not permits(current_user, action):
        abort(403)
    infringer = db.session.get(Infringer, infringer_id)
    if infringer is None:
        abort(404)
    return infringer


def get_enquiry(enquiry_id: int, action: str = "enquiry.view") -> Enquiry:
    """Load an enquiry for ``action``: 404 when the user may not know it exists, 403 beyond their part."""
    enquiry = db.session.scalar(
        sa.select(Enquiry).where(Enquiry.id == enquiry_id)
        .options(joinedload(Enquiry.company), joinedload(Enquiry.hub), joinedload(Enquiry.handled_by),
                 joinedload(Enquiry.case)))
    if enquiry is None:
        abort(404)
    return authorize(action, enquiry)


def get_guide(guide_id: int, action: str = "guide.view") -> Guide:
    """Load a guide, with its revisions, for ``action``: 404 when the user may not know it exists, 403 beyond
    their part."""
    guide = db.session.scalar(sa.select(Guide).where(Guide.id == guide_id)
                              .options(selectinload(Guide.revisions), selectinload(Guide.attachments)))
    if guide is None:
        abort(404)
    return authorize(action, guide)


def get_session(session_id: int, action: str = "session.view") -> EducationSession:
    """Load an education session for ``action`` (every session is known to everyone: beyond one's part, 403)."""
    session = db.session.scalar(sa.select(EducationSession).where(EducationSession.id == session_id)
                                .options(joinedload(EducationSession.hub)))
    if session is None:
        abort(404)
    return authorize(action, session)


def get_registration(session: EducationSession, registration_id: int, action: str) -> SessionRegistration:
    """Load a registration of ``session`` for ``action``: 404 when it is another session's or not the user's to
    know, 403 beyond their part."""
    registration = db.session.scalar(
        sa.select(SessionRegistration).where(SessionRegistration.id == registration_id,
                                             SessionRegistration.session_id == session.id)
        .options(joinedload(SessionRegistration.user), joinedload(SessionRegistration.company)))
    if registration is None:
        abort(404)
    return authorize(action, registration)


def get_right(right_id: int, action: str = "right.view") -> CompanyRight:
    """Load a right of a company's register for ``action``: 404 when it is another company's, 403 beyond the
    user's part."""
    right = db.session.scalar(sa.select(CompanyRight).where(CompanyRight.id == right_id)
                              .options(joinedload(CompanyRight.company)))
    if right is None:
        abort(404)
    return authorize(action, right)


def visible_rights_clause(user):
    """The rights ``user`` may see, as a SQL condition on ``CompanyRight``: those of the companies they see."""
    return visible_companies_clause(user, CompanyRight.company_id)


def get_notification(notification_id: int):
    """One of the user's own notifications; anyone else's is a 404."""
    if not permits(current_user, "notification.view"):
        abort(403)
    notification = db.session.get(Notification, notification_id)
    if notification is None or notification.user_id != current_user.id or not notification.in_app:
        abort(404)
    return notification


def alert_visible(user, alert: SquattingAlert) -> bool:
    """A squatting alert: its company's users, and whoever sees its case (the centre's draft, then the case)."""
    if user.role is Role.exporter:
        return alert.company_id == user.company_id
    return case_visible(user, alert.case)


def visible_alerts_clause(user):
    """The same rule as :func:`alert_visible`, as a SQL condition on ``SquattingAlert``."""
    if user.role is Role.exporter:
        return SquattingAlert.company_id == user.company_id
    return sa.exists().where(Case.id == SquattingAlert.case_id, visible_cases_clause(user))


def get_alert(alert_id: int, action: str = "alert.view") -> SquattingAlert:
    alert = db.session.scalar(sa.select(SquattingAlert).where(SquattingAlert.id == alert_id)
                              .options(joinedload(SquattingAlert.case), joinedload(SquattingAlert.company)))
    if alert is None:
        abort(404)
    return authorize(action, alert)


def get_alert_import(import_id: int, action: str = "alert.import") -> AlertImport:
    """An uploaded file of alerts: the centre's staff and managers."""
    alert_import = db.session.get(AlertImport, import_id)
    if alert_import is None:
        abort(404)
    return authorize(action, alert_import)
