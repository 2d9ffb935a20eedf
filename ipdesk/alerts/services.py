"""Importing alert files (upload, preview, confirmation), and the exporter asking the centre to act on an alert.

An upload is read and its rows kept with the import (``AlertImport.rows``) for the preview; the preview matches
them anew each time it is shown, and so does the confirmation, which turns each good row into an alert with its
draft opposition case (pre-filled, its deadline counted by the rule), links the applicant's infringer record and
tells each company's users once, in their language. The same application (office and number) is never imported
twice: the rows are checked before, and the database's unique key holds it under concurrency.
"""
import hashlib
from dataclasses import dataclass
from datetime import date

import sqlalchemy as sa
from flask_babel import force_locale, lazy_ngettext
from flask_babel import gettext as _
from sqlalchemy.orm import contains_eager, joinedload

from ipdesk.alerts.fileformat import AlertFile
from ipdesk.alerts.matching import Row, match_rows
from ipdesk.alerts.models import AlertImport, ImportStatus, SquattingAlert
from ipdesk.audit.services import log_event
from ipdesk.auth.models import Role, User
from ipdesk.cases.models import Case, DisputeType, IPRight, Stage, Urgency
from ipdesk.cases.services import move_case
from ipdesk.cases.stages import missing_for_submission
from ipdesk.companies.models import Company, Sector
from ipdesk.core.db import bulk_insert, new_ids, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.i18n import ShownDate, date_text
from ipdesk.deadlines.models import Deadline, DeadlineSource
from ipdesk.extensions import db
from ipdesk.infringers.models import CaseInfringer
from ipdesk.infringers.services import records_for_names
from ipdesk.network.models import Country
from ipdesk.network.services import routed_hub_id
from ipdesk.notify.models import NotificationKind
from ipdesk.notify.services import Outbox, site_link, with_preferences
from ipdesk.rights.models import CaseRight
from ipdesk.rights.offices import office_name
from ipdesk.search.index import note_inserted

URGENT_DAYS, HIGH_DAYS = 30, 60  # a draft whose opposition period ends this soon is marked urgent, high


@dataclass
class Preview:
    rows: list[Row]

    @property
    def good(self) -> list[Row]:
        return [row for row in self.rows if row.ok]

    @property
    def problems(self) -> list[Row]:
        return [row for row in self.rows if not row.ok]


def start_import(parsed: AlertFile, data: bytes, file_name: str, actor: User) -> AlertImport:
    """Keep the rows of a file read by ``read_alert_file`` (its bytes ``data``) for the preview."""
    alert_import = AlertImport(file_name=file_name[:200], file_sha256=hashlib.sha256(data).hexdigest(),
                               rows=parsed.rows, row_count=len(parsed.rows), uploaded_by_id=actor.id)
    db.session.add(alert_import)
    db.session.flush()
    log_event("alerts.uploaded", actor=actor, obj=alert_import,
              data={"rows": alert_import.row_count, "sha256": alert_import.file_sha256},
              personal={"file": alert_import.file_name})
    return alert_import


def preview(alert_import: AlertImport, today: date) -> Preview:
    return Preview(match_rows(alert_import.rows, today))


def _check_pending(alert_import: AlertImport) -> None:
    if alert_import.status is not ImportStatus.previewed:
        raise ServiceError(_("This file has been imported or discarded already."))


def discard_import(alert_import: AlertImport, actor: User) -> None:
    _check_pending(alert_import)
    alert_import.status = ImportStatus.discarded
    alert_import.rows = []
    db.session.flush()
    log_event("alerts.discarded", actor=actor, obj=alert_import, data={"rows": alert_import.row_count})


def _urgency(days_left: int) -> Urgency:
    return Urgency.urgent if days_left <= URGENT_DAYS else Urgency.high if days_left <= HIGH_DAYS else Urgency.normal


def _description(row: Row, offices: dict[str, str]) -> str:
    """The draft's description, in the importer's language (the case's text, as an intake typed by them);
    ``offices``: the name of each office of the file, in that language."""
    parts = [_("A watch service (%(source)s) found application %(number)s at %(office)s for the mark “%(mark)s”.",
               source=row.source or _("source not given"), number=row.number, office=offices[row.office],
               mark=row.mark)]
    if row.applicant:
        parts.append(_("Applicant: %(applicant)s.", applicant=row.applicant))
    if row.classes:
        parts.append(_("Classes: %(classes)s.", classes=", ".join(map(str, row.classes))))
    if row.filed_on:
        parts.append(_("Filed on %(date)s.", date=date_text(row.filed_on)))
    parts.append(_("Published on %(date)s; the opposition period ends on %(due)s (%(source)s).",
                   date=date_text(row.published_on), due=date_text(row.due_on), source=row.rule.source))
    if row.right is not None:
        parts.append(_("It conflicts with the company's right %(number)s (%(mark)s).", number=row.right.number,
                       mark=row.right.mark_text))
    return " ".join(parts)


def _sector(company: Company) -> Sector:
    sectors = company.sectors
    return sectors[0] if sectors else Sector.other


def confirm_import(alert_import: AlertImport, actor: User, today: date, *, tell: bool = True) -> int:
    """Make each good row an alert with its draft opposition case and deadline, link the applicants' infringer
    records, tell the companies (``tell``); the file's rows are then dropped; returns how many alerts were made. The
    rows are matched again first: what the preview showed may have changed (another import of the same
    applications, a company renamed). A file holds thousands of rows: they are written with one insert per table
    (the search index hears of the new cases and alerts, and writes their entries before the commit)."""
    _check_pending(alert_import)
    good = [row for row in match_rows(alert_import.rows, today) if row.ok]
    countries = {c.code: c for c in db.session.scalars(
        sa.select(Country).where(Country.code.in_({row.country for row in good})))}
    infringers = records_for_names([row.applicant for row in good], actor)
    with force_locale("en"):
        whats = [_deadline_title(row) for row in good]
    with force_locale("ko"):
        whats_ko = [_deadline_title(row) for row in good]
    offices = {office: office_name(office) for office in {row.office for row in good}}
    now = utcnow()
    case_ids = _insert(Case, [{
        "company_id": row.company.id, "country_code": row.country,
        "hub_id": routed_hub_id(countries[row.country], None), "created_by_id": actor.id, "filed_on_behalf": True,
        "stage": Stage.draft,
        "title": _("Opposition: %(mark)s (%(office)s %(number)s)", mark=row.mark, office=row.office,
                   number=row.number)[:200],
        "sector": _sector(row.company), "ip_right": IPRight.trademark, "dispute_type": DisputeType.squatting,
        "found_where": row.source or _("Watch service alert"), "infringer_name": row.applicant,
        "goods_classes": row.classes, "urgency": _urgency((row.due_on - today).days),
        "description": _description(row, offices), "first_noticed_on": today, "created_at": now,
        "stage_changed_at": now, "updated_at": now} for row in good])
    made = [{"office": row.office, "application_number": row.number, "country_code": row.country, "mark": row.mark,
             "applicant": row.applicant, "nice_classes": row.classes, "filed_on": row.filed_on,
             "published_on": row.published_on, "source": row.source, "company_id": row.company.id,
             "right_id": row.right.id if row.right else None, "rule_id": row.rule.id, "due_on": row.due_on,
             "case_id": case_id, "infringer_id": _id(infringers.get(row.applicant)), "import_id": alert_import.id,
             "created_at": now} for row, case_id in zip(good, case_ids, strict=True)]
    bulk_insert(db.session, Deadline, [{"case_id": case_id, "what": what[:300], "what_ko": what_ko[:300],
                                       "due_on": row.due_on, "source": DeadlineSource.rule, "rule_id": row.rule.id,
                                       "trigger_on": row.published_on, "created_by_id": actor.id, "created_at": now}
                                      for row, case_id, what, what_ko in zip(good, case_ids, whats, whats_ko,
                                                                             strict=True)])
    bulk_insert(db.session, CaseInfringer, [{"case_id": alert["case_id"], "infringer_id": alert["infringer_id"],
                                             "linked_by_id": actor.id, "linked_at": now}
                                            for alert in made if alert["infringer_id"]])
    bulk_insert(db.session, CaseRight, [{"case_id": alert["case_id"], "right_id": alert["right_id"]}
                                        for alert in made if alert["right_id"]])
    for alert, alert_id in zip(made, _insert(SquattingAlert, made), strict=True):
        alert["id"] = alert_id  # the notifications sort by it
    note_inserted(db.session, Case, case_ids)
    note_inserted(db.session, SquattingAlert, [alert["id"] for alert in made])
    alert_import.status = ImportStatus.confirmed
    alert_import.confirmed_at = now
    alert_import.created_count = len(made)
    alert_import.rows = []
    db.session.flush()
    log_event("alerts.imported", actor=actor, obj=alert_import,
              data={"alerts": len(made), "companies": len({alert["company_id"] for alert in made}),
                    "first_case_id": case_ids[0] if case_ids else None,
                    "last_case_id": case_ids[-1] if case_ids else None})
    if tell:
        _tell_companies(made)
    return len(made)


def _deadline_title(row: Row) -> str:
    return _("Opposition deadline: %(mark)s (%(office)s %(number)s)", mark=row.mark, office=row.office,
             number=row.number)


def _id(record) -> int | None:
    return record.id if record is not None else None


def _insert(model, rows: list[dict]) -> list[int]:
    """Insert ``rows`` of ``model`` in bulk, each given its key first; the keys, in order."""
    ids = new_ids(db.session, model, len(rows))
    bulk_insert(db.session, model, [{**row, "id": row_id} for row, row_id in zip(rows, ids, strict=True)])
    return ids


def _tell_companies(alerts: list[dict]) -> None:
    """Each company's active users hear once of the alerts the import made for it (``confirm_import``'s rows), the
    nearest deadline first."""
    by_company: dict[int, list[dict]] = {}
    for alert in sorted(alerts, key=lambda a: (a["due_on"], a["id"])):
        by_company.setdefault(alert["company_id"], []).append(alert)
    if not by_company:
        return
    outbox = Outbox()
    link = site_link("alerts.list_alerts")
    for start in range(0, len(by_company), 500):
        chunk = sorted(by_company)[start:start + 500]
        for user in db.session.scalars(
                sa.select(User).where(User.company_id.in_(chunk), User.role == Role.exporter, User.is_active)
                .options(with_preferences()).order_by(User.id)).unique():
            found = by_company[user.company_id]
            first = found[0]
            subject = lazy_ngettext(
                "%(num)d squatting alert: %(mark)s in %(office)s, oppose by %(date)s",
                "%(num)d squatting alerts, the first to oppose by %(date)s",
                len(found), mark=first["mark"], office=first["country_code"], date=ShownDate(first["due_on"]))
            outbox.add(user, NotificationKind.squatting_alert, subject, link=link, alerts=found[:50],
                       more=max(0, len(found) - 50))
    outbox.send()


def request_action(alert: SquattingAlert, actor: User) -> bool:
    """The exporter asks the centre to oppose: recorded once (a second click, or a colleague's, changes nothing),
    and the draft opposition case is submitted to the centre in the company's name. False when it was asked
    already."""
    claimed = db.session.execute(
        sa.update(SquattingAlert).where(SquattingAlert.id == alert.id, SquattingAlert.requested_at.is_(None))
        .values(requested_at=utcnow(), requested_by_id=actor.id)).rowcount
    if not claimed:
        return False
    db.session.refresh(alert)
    case = alert.case
    log_event("alert.requested", actor=actor, obj=alert, data={"case_id": case.id})
    if case.stage is Stage.draft:
        if missing_for_submission(case):  # staff emptied a field of the draft: they complete and submit it
            raise ServiceError(_("The centre's draft is not complete yet: write to the centre instead."))
        move_case(case, "submit", actor)
    return True


def alert_state(alert: SquattingAlert, today: date) -> str:
    """Where an alert stands for its company: "new" (the centre's draft awaits the company's word), "requested",
    "acting" (the case is with the centre), "closed"; "lapsed" when its period closed before anyone acted."""
    stage = alert.case.stage
    if stage is Stage.closed:
        return "closed"
    if stage is not Stage.draft:
        return "acting" if alert.requested_at is None else "requested"
    if alert.due_on is not None and alert.due_on < today:
        return "lapsed"
    return "new"



HOME_ALERTS = 5


def incoming_alerts(user: User, today: date) -> list[SquattingAlert]:
    """The alerts on an exporter's home page: those still awaiting the company's word whose period is open, the
    nearest deadline first."""
    return db.session.scalars(
        sa.select(SquattingAlert).join(Case, Case.id == SquattingAlert.case_id)
        .where(SquattingAlert.company_id == user.company_id, Case.stage == Stage.draft,
               SquattingAlert.requested_at.is_(None), SquattingAlert.due_on >= today)
        .options(contains_eager(SquattingAlert.case), joinedload(SquattingAlert.right))
        .order_by(SquattingAlert.due_on, SquattingAlert.id).limit(HOME_ALERTS)).all()
