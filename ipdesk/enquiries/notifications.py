"""Who hears of an enquiry: the staff of its hub when one is asked online, the asker when it is answered (by e-mail,
and in the app when they asked signed in), the address of a question asked without an account, to confirm it, and
whoever handled it as its follow-up date comes near and passes."""
from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ipdesk.auth.models import User
from ipdesk.enquiries.models import Enquiry
from ipdesk.extensions import db
from ipdesk.notify.models import NotificationKind as K
from ipdesk.notify.services import (
    due_work,
    mail_address,
    notify,
    remind,
    reminder_window,
    site_link,
    with_preferences,
)
from ipdesk.policy import can, hub_staff


def _link(enquiry: Enquiry) -> tuple[str, str]:
    return site_link("enquiries.view_enquiry", enquiry_id=enquiry.id)


def enquiry_to_confirm(email: str, token: str, *, name: str, language: str | None) -> None:
    hours = current_app.config["ENQUIRY_CONFIRM_HOURS"]
    mail_address(email, K.enquiry_confirmation, _l("Confirm your e-mail address to send your question to the IP "
                                                   "centre"),
                 language=language, name=name, link=site_link("enquiries.confirm_public", token=token), hours=hours)


def enquiry_arrived(enquiry: Enquiry) -> None:
    """A question asked online, to the active staff of the hub it went to."""
    staff = db.session.scalars(hub_staff(enquiry.hub_id).where(User.is_active)
                               .options(selectinload(User.hubs), with_preferences()).order_by(User.id)).unique()
    subject = _l("New question %(ref)s asked online at your IP centre", ref=enquiry.reference)
    for user in staff:
        if can(user, "enquiry.view", enquiry):  # the policy has the last word
            notify(user, K.new_enquiry_at_hub, subject, link=_link(enquiry), enquiry=enquiry)


def enquiry_answered(enquiry: Enquiry, *, first: bool) -> None:
    """The answer, to whoever asked: the account that asked online, else the address the asker gave."""
    if first:
        subject = _l("The IP centre has answered your question %(ref)s", ref=enquiry.reference)
    else:
        subject = _l("The IP centre has changed its answer to your question %(ref)s", ref=enquiry.reference)
    asker = db.session.scalar(sa.select(User).where(User.id == enquiry.asker_id)) if enquiry.asker_id else None
    if asker is not None and asker.is_active and can(asker, "enquiry.view", enquiry):
        notify(asker, K.enquiry_answered, subject, link=_link(enquiry), enquiry=enquiry, signed_in=True)
    elif enquiry.contact_email:
        mail_address(enquiry.contact_email, K.enquiry_answered, subject, language=enquiry.language,
                     name=enquiry.contact_name, enquiry=enquiry, signed_in=False)


def _follow_up_people(enquiry: Enquiry) -> list[User]:
    """Who is reminded of an enquiry's follow-up: whoever handled it, while they may still follow it up; else the
    active staff of its hub who may."""
    handler = enquiry.handled_by
    if handler is not None and handler.is_active and can(handler, "enquiry.follow_up", enquiry):
        return [handler]
    staff = db.session.scalars(hub_staff(enquiry.hub_id).where(User.is_active)
                               .options(selectinload(User.hubs), with_preferences()).order_by(User.id)).unique()
    return [user for user in staff if can(user, "enquiry.follow_up", enquiry)]


@due_work("follow-up reminders")
def follow_up_reminders(now: datetime) -> int:
    """Reminders of enquiries' follow-ups coming up or just passed and not yet made, at the days a case's deadline
    is reminded of (``NOTIFY_REMINDER_DAYS``, then overdue); each once, by its dedupe key."""
    enquiries = db.session.scalars(
        sa.select(Enquiry).where(Enquiry.followed_up_at.is_(None), Enquiry.follow_up_on.between(*reminder_window(now)))
        .options(selectinload(Enquiry.handled_by).selectinload(User.hubs)).order_by(Enquiry.follow_up_on, Enquiry.id))
    made = 0
    for enquiry in enquiries:
        for user in _follow_up_people(enquiry):
            made += remind(user, K.enquiry_follow_up, enquiry.follow_up_on, now, key=f"follow_up:{enquiry.id}",
                           link=_link(enquiry), enquiry=enquiry,
                           coming=_l("Enquiry %(ref)s: a follow-up is coming up", ref=enquiry.reference),
                           passed=_l("Enquiry %(ref)s: its follow-up date has passed", ref=enquiry.reference))
    return made
