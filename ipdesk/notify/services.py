"""Who hears of what: notifications rendered in each recipient's language, added to the outbox in the
transaction of the change that caused them (services flush, never commit), plus reminders, digests,
preferences and read marks."""
import zoneinfo
from collections.abc import Callable
from datetime import date, datetime, timedelta
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import current_app
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import joinedload, selectinload

from ipdesk.audit.services import log_event
from ipdesk.auth.models import Role, User
from ipdesk.cases.models import OPEN_STAGES, Case, Message, Stage, StageChange, Urgency
from ipdesk.cases.record import audience, on_staff_side, staff_only
from ipdesk.companies.models import Company, Invitation
from ipdesk.core.db import utcnow
from ipdesk.deadlines.models import Deadline
from ipdesk.extensions import db
from ipdesk.infringers.services import known_infringers
from ipdesk.network.services import hubs_covering
from ipdesk.notify.models import (
    ACCOUNT_KINDS,
    EmailStatus,
    Notification,
    NotificationKind,
    NotificationPreference,
)
from ipdesk.notify.sender import wake_sender
from ipdesk.policy import can, hub_ids, hub_member_ids, hub_staff
from ipdesk.reports.models import JobStatus, ReportJob

K = NotificationKind

# What each role can be told of, in the order the preferences page lists them. Managers hear of new
# companies (they approve them for every country) but not of each new case of the network: a case is its
# hub's to triage, and managers follow the network on the dashboards.
KINDS_BY_ROLE = {
    Role.exporter: (K.company_status, K.case_received, K.stage_changed, K.info_requested, K.new_message, K.deadline,
                    K.enquiry_answered, K.session_reminder, K.session_news, K.right_renewal, K.squatting_alert,
                    K.password_reset),
    Role.staff: (K.new_case_at_hub, K.case_assigned, K.stage_changed, K.new_message, K.deadline, K.daily_digest,
                 K.new_enquiry_at_hub, K.enquiry_follow_up, K.company_awaiting_approval, K.password_reset),
    Role.manager: (K.company_awaiting_approval, K.enquiry_follow_up, K.report_ready, K.password_reset),
    Role.admin: (K.password_reset,),
}


# --- links and channels --------------------------------------------------------------------

def site_link(endpoint: str, **values) -> tuple[str, str]:
    """The path of a page on this site and its absolute URL under ``BASE_URL``, without a request."""
    base = urlsplit(current_app.config["BASE_URL"])
    adapter = current_app.url_map.bind(base.netloc, url_scheme=base.scheme or "https")
    path = adapter.build(endpoint, values)
    return path, base.scheme + "://" + base.netloc + base.path.rstrip("/") + path


def channels(user: User, kind: NotificationKind) -> tuple[bool, bool]:
    """Whether ``user`` wants ``kind`` (by e-mail, in the app); essential kinds always go out."""
    if kind.is_essential:
        return True, True
    preference = db.session.get(NotificationPreference, (user.id, kind))
    return (preference.email, preference.in_app) if preference else (True, True)


def _channels_of(wanted: set[tuple[int, NotificationKind]]) -> dict[tuple[int, NotificationKind], tuple[bool, bool]]:
    """``channels`` of many (user id, kind) pairs in one query; pairs without a choice are left out."""
    asked = {pair for pair in wanted if not pair[1].is_essential}
    if not asked:
        return {}
    rows = db.session.execute(
        sa.select(NotificationPreference.user_id, NotificationPreference.kind, NotificationPreference.email,
                  NotificationPreference.in_app)
        .where(NotificationPreference.user_id.in_({user_id for user_id, _kind in asked}),
               NotificationPreference.kind.in_({kind for _user_id, kind in asked})))
    return {(user_id, kind): (by_email, in_app) for user_id, kind, by_email, in_app in rows}


def _language(user: User) -> str:
    config = current_app.config
    return user.locale if user.locale in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]


def _wake_after_commit() -> None:
    """Hand new e-mail to the sender once this transaction commits (never before: it may roll back)."""
    session = db.session()
    if session.info.get("notify_wake"):
        return
    session.info["notify_wake"] = True
    app = current_app._get_current_object()

    def wake(committed_session):
        committed_session.info.pop("notify_wake", None)
        try:
            wake_sender(app)
        except Exception:  # the change is committed and its mail is in the outbox: cron sends it
            app.logger.exception("could not hand new e-mail to the sender")

    sa.event.listen(session, "after_commit", wake, once=True)


def _outbox_values(user: User, kind: NotificationKind, subject, by_email: bool, in_app: bool, *,
                   link: tuple[str, str] | None, case: Case | None, dedupe_key: str | None,
                   context: dict) -> dict | None:
    """The outbox row of one notification, rendered in ``user``'s language; None when it goes nowhere."""
    in_app = in_app and kind not in ACCOUNT_KINDS  # a key to an account lives in the mailbox only
    if not (by_email or in_app):
        return None
    return _row(kind, subject, user_id=user.id, email_to=user.email if by_email else None, name=user.name,
                language=_language(user), in_app=in_app, link=link, case=case, dedupe_key=dedupe_key,
                context={"user": user, **context})


def _row(kind: NotificationKind, subject, *, user_id: int | None, email_to: str | None, name: str | None,
         language: str, in_app: bool, link: tuple[str, str] | None, case: Case | None, dedupe_key: str | None,
         context: dict) -> dict:
    path, url = link or (None, None)
    _prefs_path, preferences_url = site_link("notify.preferences")
    with force_locale(language):
        subject_text = " ".join(str(subject).split())[:300]  # one line: never a header injection
        # straight from the environment: no context processor brings the acting user's request in
        body = current_app.jinja_env.get_template(f"notify/email/{kind.name}.txt").render(
            name=name, link=url, case=case, preferences_url=preferences_url, essential=kind.is_essential, **context)
    now = utcnow()
    return dict(user_id=user_id, kind=kind, case_id=case.id if case else None, language=language,
                subject=subject_text, body=body, link_path=path, dedupe_key=dedupe_key, created_at=now,
                in_app=in_app, email_to=email_to,
                email_status=EmailStatus.pending if email_to else EmailStatus.off,
                next_attempt_at=now if email_to else None, attempts=0, last_error="")


def mail_address(address: str, kind: NotificationKind, subject, *, language: str | None,
                 link: tuple[str, str] | None = None, name: str | None = None, **context) -> None:
    """Add an e-mail to an address that has no account (yet) to the outbox: a registration to confirm, an
    invitation; it is never shown in the app."""
    config = current_app.config
    language = language if language in config["LANGUAGES"] else config["BABEL_DEFAULT_LOCALE"]
    values = _row(kind, subject, user_id=None, email_to=address, name=name, language=language, in_app=False,
                  link=link, case=None, dedupe_key=None, context=context)
    db.session.execute(sa.insert(Notification.__table__), [values])
    _wake_after_commit()


def notify(user: User, kind: NotificationKind, subject, *, link: tuple[str, str] | None = None,
           case: Case | None = None, dedupe_key: str | None = None, **context) -> bool:
    """Add one notification of ``user`` to the outbox, rendered in their language; whether it was added.

    :param subject: a lazy string (``_l`` with its placeholders), rendered in the recipient's language;
        it is also the line shown in the app.
    :param link: ``site_link(...)`` of the page the notification is about.
    :param dedupe_key: for reminders and digests: a second notification with the same key is not added.
    :param context: values for the template ``notify/email/<kind>.txt``.
    """
    if not user.is_active:
        return False
    values = _outbox_values(user, kind, subject, *channels(user, kind), link=link, case=case, dedupe_key=dedupe_key,
                            context=context)
    if values is None:
        return False
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    statement = insert(Notification).values(**values)
    if dedupe_key:
        statement = statement.on_conflict_do_nothing(index_elements=["dedupe_key"])
    added = db.session.execute(statement.returning(Notification.id)).scalar_one_or_none() is not None
    if added and values["email_to"]:
        _wake_after_commit()
    return added


def with_preferences():
    """The loader option that reads recipients with their notification choices, in the same query."""
    return joinedload(User.notification_preferences)


class Outbox:
    """The notifications of one change, added together: as many ``notify`` calls would, but in one insert,
    however many people hear of it. Recipients loaded ``with_preferences()`` bring their choices along; those
    of the others are read in one query."""

    def __init__(self):
        self._pending = []

    def add(self, user: User, kind: NotificationKind, subject, *, link: tuple[str, str] | None = None,
            case: Case | None = None, **context) -> None:
        """Add a notification of ``user`` as ``notify`` would (no ``dedupe_key``: those go one at a time)."""
        if user.is_active:
            self._pending.append((user, kind, subject, link, case, context))

    def send(self) -> int:
        """Write what was added to the outbox; how many notifications that made."""
        pending, self._pending = self._pending, []
        chosen, unknown = {}, set()
        for user, kind, *_rest in pending:
            if "notification_preferences" in sa.inspect(user).unloaded:
                unknown.add((user.id, kind))
            else:
                chosen.update(((user.id, p.kind), (p.email, p.in_app)) for p in user.notification_preferences)
        chosen.update(_channels_of(unknown))
        rows = []
        for user, kind, subject, link, case, context in pending:
            by_email, in_app = (True, True) if kind.is_essential else chosen.get((user.id, kind), (True, True))
            values = _outbox_values(user, kind, subject, by_email, in_app, link=link, case=case, dedupe_key=None,
                                    context=context)
            if values is not None:
                rows.append(values)
        if rows:
            # a Core insert of the table: one statement for all the rows (the ORM's bulk insert would split
            # them by which columns are None)
            db.session.execute(sa.insert(Notification.__table__), rows)
            if any(row["email_to"] for row in rows):
                _wake_after_commit()
        return len(rows)


# --- who hears of a case -------------------------------------------------------------------

def _company_users(company_id: int) -> list[User]:
    """Their one company is loaded once, from the session when the case's company is already there."""
    return list(db.session.scalars(
        sa.select(User).where(User.company_id == company_id, User.role == Role.exporter, User.is_active)
        .options(with_preferences()).order_by(User.id)).unique())


def _handlers(case: Case) -> list[User]:
    """The assigned staff member; while nobody is assigned, the staff of the case's hub."""
    if case.assignee_id is not None:
        assignee = db.session.get(User, case.assignee_id)
        if assignee is not None and assignee.is_active:
            return [assignee]
    return list(db.session.scalars(hub_staff(case.hub_id).where(User.is_active)
                                   .options(selectinload(User.hubs), with_preferences()).order_by(User.id)).unique())


def _people_of(case: Case, *, staff: bool = True, besides: User | None = None,
               people: list[User] | None = None) -> list[User]:
    """The case's people who may see it now, except ``besides`` (who did what they would hear of); ``people``,
    when given, are the candidates already loaded."""
    if people is None:
        people = _company_users(case.company_id) + (_handlers(case) if staff else [])
    seen = {besides.id} if besides is not None else set()
    chosen = []
    for user in people:
        if user.id not in seen and can(user, "case.view", case):  # the policy has the last word
            seen.add(user.id)
            chosen.append(user)
    return chosen


def _case_link(case: Case, anchor: str | None = None) -> tuple[str, str]:
    path, url = site_link("cases.view_case", case_id=case.id)
    return (path + f"#{anchor}", url + f"#{anchor}") if anchor else (path, url)


def submission_audience(case: Case, actor: User) -> tuple[list[User], list[User]]:
    """Who hears of a submitted case, in one statement: its company's active users (the receipt) and the active staff
    of its hub but ``actor`` (the new case), each with their choices and hubs."""
    # A union of two lookups by the narrowest index each (an OR of the two would read every user on SQLite):
    # roles are told apart here, as a role condition in SQL made SQLite walk every exporter by the role index.
    of_company = sa.select(User.id).where(User.company_id == case.company_id)
    at_hub = hub_member_ids(case.hub_id)
    people = db.session.scalars(sa.select(User).where(User.is_active, User.id.in_(sa.union(of_company, at_hub)))
                                .options(joinedload(User.hubs), with_preferences()).order_by(User.id)).unique()
    company, staff = [], []
    for user in people:
        if user.role is Role.exporter and user.company_id == case.company_id:
            company.append(user)
        elif user.id != actor.id and case.hub_id in hub_ids(user):  # staff of the hub
            staff.append(user)
    return company, staff


def case_received(case: Case, outbox: Outbox, people: list[User]) -> None:
    """The receipt of a submitted case, to its company's users (``people``, loaded)."""
    for user in _people_of(case, staff=False, people=people):
        outbox.add(user, K.case_received, _l("Case %(ref)s received: %(title)s", ref=case.reference,
                                             title=case.title), case=case, link=_case_link(case))


def case_arrived_at_hub(case: Case, outbox: Outbox, staff: list[User]) -> None:
    """A newly submitted case, to the active staff of its hub (not to whoever submitted it); urgent ones
    say so in the subject, and the infringer records its seller id, web address or contact matches are named
    for triage (staff only: the records span companies). ``staff``: the hub's, loaded."""
    urgent = case.urgency is Urgency.urgent
    if urgent:
        subject = _l("Urgent: new case %(ref)s at your IP centre: %(title)s", ref=case.reference, title=case.title)
    else:
        subject = _l("New case %(ref)s at your IP centre: %(title)s", ref=case.reference, title=case.title)
    known = known_infringers(case) if staff else []
    for user in staff:
        if can(user, "case.view", case):  # the policy has the last word
            outbox.add(user, K.new_case_at_hub, subject, case=case, link=_case_link(case), urgent=urgent,
                       known=known if on_staff_side(user, case) else [])


def stage_changed(case: Case, change: StageChange, actor: User) -> None:
    """Tell the case's people of a move: a receipt (and the hub's staff of a new case), a request for
    information, or the new stage.

    A refusal's reason is told in each recipient's language; its note, like any message's text, stays on
    the case page behind sign-in."""
    outbox = Outbox()
    if change.transition == "submit":
        company, staff = submission_audience(case, actor)
        case_received(case, outbox, company)
        case_arrived_at_hub(case, outbox, staff)
    elif change.transition == "return":
        for user in _people_of(case, staff=False, besides=actor):
            outbox.add(user, K.info_requested,
                       _l("Case %(ref)s: the IP centre asks for more information", ref=case.reference),
                       case=case, link=_case_link(case, "messages"), reason=change.reason)
    else:
        for user in audience(case, change, _people_of(case, besides=actor)):
            outbox.add(user, K.stage_changed, _l("Case %(ref)s is now at the stage: %(stage)s", ref=case.reference,
                                                 stage=change.to_stage.title),
                       case=case, link=_case_link(case), change=change)
    outbox.send()


def message_posted(case: Case, message: Message, actor: User) -> None:
    """A message reaches the case's other people who may see it: an internal note only the staff side."""
    if case.stage is Stage.draft:
        return
    internal = staff_only(message)
    subject = (_l("Case %(ref)s: a new internal note", ref=case.reference) if internal
               else _l("Case %(ref)s: a new message", ref=case.reference))
    outbox = Outbox()
    for user in audience(case, message, _people_of(case, besides=actor)):
        outbox.add(user, K.new_message, subject, case=case, link=_case_link(case, "messages"), internal=internal)
    outbox.send()


def case_assigned(case: Case, assignee: User | None, actor: User) -> None:
    if assignee is None or assignee.id == actor.id:
        return
    notify(assignee, K.case_assigned, _l("Case %(ref)s is assigned to you", ref=case.reference), case=case,
           link=_case_link(case))


def _company_name(company: Company, user: User) -> str:
    """The company's name in ``user``'s language (for a subject, made before their language is in force)."""
    return company.name_ko if _language(user) == "ko" else company.name_en


def company_status_changed(company: Company, event: str, *, refusal=None) -> None:
    """Tell a company's users that it was approved, suspended, reinstated or refused (``event``).

    A refusal carries its reason, in each user's language, and its note as written: they can no longer
    sign in to read it anywhere else."""
    outbox = Outbox()
    for user in _company_users(company.id):
        name = _company_name(company, user)
        subject = {
            "approved": _l("%(company)s is approved: you can file cases now", company=name),
            "suspended": _l("The account of %(company)s is suspended", company=name),
            "reinstated": _l("The account of %(company)s is active again", company=name),
            "refused": _l("The registration of %(company)s is refused", company=name),
        }[event]
        link = site_link("auth.login") if event == "refused" else site_link("companies.my_company")
        outbox.add(user, K.company_status, subject, link=link, company_name=name, event=event, refusal=refusal)
    outbox.send()


def company_awaiting_approval(company: Company) -> None:
    """A newly registered company, to the managers and the active staff of the hubs that cover any of the
    countries it exports to; each hears once."""
    managers = db.session.scalars(sa.select(User).where(User.role == Role.manager, User.is_active).order_by(User.id))
    people = list(managers)
    for hub_id in hubs_covering(company.export_countries):
        people += db.session.scalars(hub_staff(hub_id).where(User.is_active).order_by(User.id))
    heard = set()
    outbox = Outbox()
    for user in people:
        if user.id in heard or not can(user, "company.view", company):
            continue
        heard.add(user.id)
        name = _company_name(company, user)
        outbox.add(user, K.company_awaiting_approval,
                   _l("%(company)s has registered and awaits approval", company=name),
                   link=site_link("companies.view_company", company_id=company.id), company_name=name,
                   countries=company.export_countries)
    outbox.send()


def pack_finished(job: ReportJob) -> None:
    """The manager who asked for an all-country pack hears that it is ready, or that it could not be made."""
    ready = job.status is JobStatus.done
    period = {"start": job.period_start.isoformat(), "end": job.period_end.isoformat()}
    subject = (_l("Your all-country pack for %(start)s to %(end)s is ready", **period) if ready
               else _l("Your all-country pack for %(start)s to %(end)s could not be made", **period))
    notify(job.requested_by, K.report_ready, subject, link=site_link("documents.pack_job", job_id=job.id),
           ready=ready, start=job.period_start, end=job.period_end, pages=job.pages)


def password_reset_requested(user: User, token: str) -> None:
    minutes = current_app.config["PASSWORD_RESET_MINUTES"]
    notify(user, K.password_reset, _l("Reset your ipdesk password"), link=site_link("auth.reset_password", token=token),
           minutes=minutes)


def password_reset_for_no_account(email: str, *, language: str | None) -> None:
    """The answer to a reset asked for an address without an active account: mailed to it all the same, so
    the request does the same work, and the page the same thing, whether or not the address has an account."""
    mail_address(email, K.password_reset, _l("Reset your ipdesk password"), language=language,
                 link=site_link("auth.register"), email=email, no_account=True)


def registration_to_confirm(email: str, token: str, *, name: str, language: str | None) -> None:
    hours = current_app.config["REGISTRATION_CONFIRM_HOURS"]
    mail_address(email, K.email_confirmation, _l("Confirm your e-mail address to finish registering on ipdesk"),
                 language=language, name=name, link=site_link("auth.confirm_registration", token=token), hours=hours)


def registration_with_existing_address(user: User) -> None:
    """Someone registered with an address that has an account: its owner hears, and how to sign in."""
    notify(user, K.account_exists, _l("Someone tried to register on ipdesk with your e-mail address"),
           link=site_link("auth.login"), reset_url=site_link("auth.forgot_password")[1])


def invitation_sent(invitation: Invitation, token: str, *, account: User | None, language: str | None) -> None:
    """Mail an invitation: its link to an address without an account; to one with an account, that it has one."""
    days = current_app.config["INVITATION_DAYS"]
    company, inviter = invitation.company, invitation.invited_by.name
    if account is not None:
        notify(account, K.invitation, _l("%(company)s invites you to ipdesk", company=_company_name(company, account)),
               link=site_link("auth.login"), company_name=_company_name(company, account), inviter=inviter,
               reset_url=site_link("auth.forgot_password")[1])
        return
    language = language if language in current_app.config["LANGUAGES"] else current_app.config["BABEL_DEFAULT_LOCALE"]
    company_name = company.name_ko if language == "ko" else company.name_en
    mail_address(invitation.email, K.invitation, _l("%(company)s invites you to ipdesk", company=company_name),
                 language=language, link=site_link("auth.accept_invite", token=token), company_name=company_name,
                 inviter=inviter, days=days)


# --- reminders and digests -----------------------------------------------------------------

# What each tick of the scheduler (and ``flask notify due``) adds, by what it is called in the command's output: a
# function of the present that adds its notifications once each (by their dedupe keys) and returns how many it
# added. Other packages add theirs with ``due_work`` (the enquiries' follow-ups).
DUE_WORK: dict[str, Callable[[datetime], int]] = {}


def due_work(name: str):
    """Register the decorated function as work of every tick, reported as ``name`` ("deadline reminders")."""
    def register(function: Callable[[datetime], int]) -> Callable[[datetime], int]:
        DUE_WORK[name] = function
        return function
    return register


def _zone_of(user: User) -> zoneinfo.ZoneInfo:
    try:
        return zoneinfo.ZoneInfo(user.timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return zoneinfo.ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def today_of(user: User, now: datetime) -> date:
    """The date ``now`` is where ``user`` is."""
    return now.astimezone(_zone_of(user)).date()


def reminder_window(now: datetime) -> tuple[date, date]:
    """The due dates that may get a reminder at ``now`` whatever the reader's time zone (``reminder_tier``)."""
    config = current_app.config
    return (now.date() - timedelta(days=config["NOTIFY_OVERDUE_DAYS"] + 1),
            now.date() + timedelta(days=max(config["NOTIFY_REMINDER_DAYS"], default=0) + 1))


def reminder_tier(days_left: int) -> str | None:
    """Which reminder a deadline ``days_left`` away gets: the nearest of ``NOTIFY_REMINDER_DAYS`` at or
    above it (so a missed day is caught up), "overdue" for a recently passed one, or none."""
    config = current_app.config
    if days_left < 0:
        return "overdue" if -days_left <= config["NOTIFY_OVERDUE_DAYS"] else None
    tiers = [days for days in config["NOTIFY_REMINDER_DAYS"] if days >= days_left]
    return str(min(tiers)) if tiers else None


@due_work("deadline reminders")
def deadline_reminders(now: datetime) -> int:
    """Reminders of open deadlines coming up or just passed; each is made once (by its dedupe key)."""
    deadlines = db.session.scalars(
        sa.select(Deadline).join(Case, Case.id == Deadline.case_id)
        .where(~Deadline.is_done, Case.stage.in_(OPEN_STAGES), Deadline.due_on.between(*reminder_window(now)))
        .options(selectinload(Deadline.case)).order_by(Deadline.due_on, Deadline.id))
    made = 0
    for deadline in deadlines:
        case = deadline.case
        for user in _people_of(case):
            made += remind(user, K.deadline, deadline.due_on, now, key=f"deadline:{deadline.id}", case=case,
                           link=_case_link(case, "deadlines"),
                           coming=_l("Case %(ref)s: a deadline is coming up", ref=case.reference),
                           passed=_l("Case %(ref)s: a deadline has passed", ref=case.reference))
    return made


def remind(user: User, kind: NotificationKind, due_on: date, now: datetime, *, key: str, coming, passed,
           **values) -> bool:
    """Remind ``user`` of something due on ``due_on`` if it is a reminder day where they are (``reminder_tier``):
    with the subject ``coming`` or, once it has passed, ``passed`` (None: not once it has passed); once per thing
    (``key``), due date, day and person. ``values``: as ``notify`` takes them (the link, the case, what the message
    shows)."""
    days_left = (due_on - today_of(user, now)).days
    tier = reminder_tier(days_left)
    if tier is None or (tier == "overdue" and passed is None):
        return False
    return notify(user, kind, passed if tier == "overdue" else coming,
                  dedupe_key=f"{key}:{due_on.isoformat()}:{tier}:{user.id}", due_on=due_on, days_left=days_left,
                  **values)


@due_work("daily digests")
def daily_digests(now: datetime) -> int:
    """For each staff member, yesterday's (in their time zone) new cases of their hubs, once per day."""
    made = 0
    staff = db.session.scalars(sa.select(User).where(User.role == Role.staff, User.is_active)
                               .options(selectinload(User.hubs)).order_by(User.id))
    for user in staff:
        hubs = hub_ids(user)
        if not hubs:
            continue
        day = today_of(user, now) - timedelta(days=1)
        start = datetime.combine(day, datetime.min.time(), _zone_of(user))
        cases = db.session.scalars(
            sa.select(Case).where(Case.hub_id.in_(hubs), Case.stage != Stage.draft,
                                  Case.submitted_at >= start, Case.submitted_at < start + timedelta(days=1))
            .order_by(Case.submitted_at, Case.id)).all()
        if not cases:
            continue
        made += notify(user, K.daily_digest, _l("New cases of your IP centre: %(count)d", count=len(cases)),
                       link=site_link("cases.list_cases"), dedupe_key=f"digest:{user.id}:{day.isoformat()}",
                       cases=[(c.reference, c.title, site_link("cases.view_case", case_id=c.id)[1]) for c in cases],
                       day=day)
    return made


# --- the user's side -----------------------------------------------------------------------

def kinds_for(user: User) -> tuple[NotificationKind, ...]:
    return KINDS_BY_ROLE[user.role]


def save_preferences(user: User, choices: dict[NotificationKind, tuple[bool, bool]]) -> None:
    """Record which kinds ``user`` wants by e-mail and in the app; essential kinds stay on."""
    for kind, (by_email, in_app) in choices.items():
        if kind.is_essential or kind not in kinds_for(user):
            continue
        preference = db.session.get(NotificationPreference, (user.id, kind))
        if preference is None:
            preference = NotificationPreference(user_id=user.id, kind=kind)
            db.session.add(preference)
        preference.email, preference.in_app = by_email, in_app
    db.session.flush()
    log_event("user.notifications_changed", actor=user, obj=user,
              data={kind.name: list(pair) for kind, pair in choices.items() if not kind.is_essential})


def mark_read(notification: Notification) -> None:
    if notification.read_at is None:
        notification.read_at = utcnow()
        db.session.flush()


def mark_all_read(user: User) -> int:
    return db.session.execute(
        sa.update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow()).execution_options(synchronize_session=False)).rowcount


def retry_failed(actor: User) -> int:
    """Give every given-up e-mail a fresh series of attempts (after the mail settings were fixed)."""
    count = db.session.execute(
        sa.update(Notification).where(Notification.email_status == EmailStatus.failed)
        .values(email_status=EmailStatus.pending, attempts=0, next_attempt_at=utcnow())
        .execution_options(synchronize_session=False)).rowcount
    log_event("notify.retry_failed", actor=actor, data={"count": count})
    if count:
        _wake_after_commit()
    return count
