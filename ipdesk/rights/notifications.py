"""Renewals: each registered right of a company's register reminds the company's users before it expires, and
once more in the grace period after (most offices renew late for a surcharge within six months)."""
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import joinedload

from ipdesk.auth.models import Role, User
from ipdesk.extensions import db
from ipdesk.notify.models import NotificationKind as K
from ipdesk.notify.services import due_work, notify, site_link, today_of, with_preferences
from ipdesk.rights.models import CompanyRight, RightStatus

RENEWAL_DAYS = (180, 90, 30)  # days before expiry a company is reminded (a renewal opens six months before)
GRACE_DAYS = 180  # and once within this many days after it, while a late renewal is still possible


def renewal_tier(days_left: int) -> str | None:
    """Which reminder a right expiring in ``days_left`` days gets: the nearest of ``RENEWAL_DAYS`` at or above it
    (a missed tick is caught up), "grace" once it has expired, or none."""
    if days_left < 0:
        return "grace" if -days_left <= GRACE_DAYS else None
    tiers = [days for days in RENEWAL_DAYS if days >= days_left]
    return str(min(tiers)) if tiers else None


def _company_users(company_ids) -> dict[int, list[User]]:
    users: dict[int, list[User]] = {}
    for user in db.session.scalars(
            sa.select(User).where(User.company_id.in_(company_ids), User.role == Role.exporter, User.is_active)
            .options(with_preferences()).order_by(User.id)).unique():
        users.setdefault(user.company_id, []).append(user)
    return users


@due_work("renewal reminders")
def renewal_reminders(now: datetime) -> int:
    """Remind each company's users of its registered rights coming up for renewal or just expired, in their
    language; each once per right, expiry date, tier and person (its dedupe key)."""
    rights = db.session.scalars(
        sa.select(CompanyRight).where(
            CompanyRight.status == RightStatus.registered,
            CompanyRight.expiry_date.between(now.date() - timedelta(days=GRACE_DAYS + 1),
                                             now.date() + timedelta(days=max(RENEWAL_DAYS) + 1)))
        .options(joinedload(CompanyRight.company)).order_by(CompanyRight.expiry_date, CompanyRight.id)).all()
    users = _company_users({right.company_id for right in rights}) if rights else {}
    made = 0
    for right in rights:
        for user in users.get(right.company_id, ()):
            days_left = (right.expiry_date - today_of(user, now)).days
            tier = renewal_tier(days_left)
            if tier is None:
                continue
            subject = (_l("%(number)s expired: renew it in its grace period", number=right.number) if tier == "grace"
                       else _l("%(number)s is due for renewal", number=right.number))
            made += notify(user, K.right_renewal, subject, link=site_link("rights.view_right", right_id=right.id),
                           dedupe_key=f"renewal:{right.id}:{right.expiry_date.isoformat()}:{tier}:{user.id}",
                           right=right, due_on=right.expiry_date,
                           days_left=days_left)
    return made
