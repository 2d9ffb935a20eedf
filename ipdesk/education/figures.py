"""What prevention education reached, for the dashboards, the country summary and the figures' CSV: sessions held,
who attended, how many companies that was, and how many of those companies later asked the centre a question or
filed a case (after the first session they attended). Sessions are few (hundreds a year), so these are counted
from the rows, by the session's country (None: no country in particular) and hub, in two queries."""
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ipdesk.cases.models import Case
from ipdesk.core.db import utcnow
from ipdesk.education.models import EducationSession, SessionRegistration
from ipdesk.enquiries.models import Enquiry
from ipdesk.extensions import db
from ipdesk.network.models import Hub


@dataclass(frozen=True)
class Reach:
    sessions: int = 0  # held (begun, not cancelled)
    attendees: int = 0  # registrations marked attended
    companies: int = 0  # the companies of those attendees
    followed: int = 0  # of those companies, those that asked an enquiry or filed a case after their first session

    def __add__(self, other: "Reach") -> "Reach":
        return Reach(self.sessions + other.sessions, self.attendees + other.attendees,
                     self.companies + other.companies, self.followed + other.followed)


def reach(*where, start: datetime, end: datetime) -> tuple[dict[tuple[str | None, int], Reach], dict[int, tuple]]:
    """The sessions held in [start, end) meeting ``where`` (conditions on ``EducationSession``): their reach by
    (country, hub_id), and each of those hubs' (code, name_ko, name_en)."""
    held = sa.and_(EducationSession.cancelled_at.is_(None), EducationSession.starts_at >= start,
                   EducationSession.starts_at < min(end, utcnow()), *where)
    session, registration = EducationSession, SessionRegistration
    counts: dict[tuple[str | None, int], list[int]] = {}
    hubs = {}
    for code, hub_id, hub_code, name_ko, name_en, sessions, attendees in db.session.execute(
            sa.select(session.country_code, session.hub_id, Hub.code, Hub.name_ko, Hub.name_en,
                      sa.func.count(sa.distinct(session.id)),
                      sa.func.coalesce(sa.func.sum(sa.case((registration.attended, 1), else_=0)), 0))
            .join(Hub, Hub.id == session.hub_id)
            .outerjoin(registration, registration.session_id == session.id).where(held)
            .group_by(session.country_code, session.hub_id, Hub.code, Hub.name_ko, Hub.name_en)):
        counts[code, hub_id] = [sessions, attendees, 0, 0]
        hubs[hub_id] = (hub_code, name_ko, name_en)
    first = (sa.select(session.country_code, session.hub_id, registration.company_id,
                       sa.func.min(session.starts_at).label("first"))
             .join(registration, registration.session_id == session.id).where(held, registration.attended)
             .group_by(session.country_code, session.hub_id, registration.company_id).subquery())
    later = sa.or_(
        sa.exists().where(Enquiry.company_id == first.c.company_id, Enquiry.created_at > first.c.first),
        sa.exists().where(Case.company_id == first.c.company_id, Case.submitted_at > first.c.first))
    for code, hub_id, companies, followed in db.session.execute(
            sa.select(first.c.country_code, first.c.hub_id, sa.func.count(),
                      sa.func.sum(sa.case((later, 1), else_=0)))
            .group_by(first.c.country_code, first.c.hub_id)):
        row = counts.setdefault((code, hub_id), [0, 0, 0, 0])
        row[2], row[3] = companies, followed or 0
    return {key: Reach(*values) for key, values in counts.items()}, hubs
