"""Who hears of an enquiry: the staff of its hub when one is asked online, the asker when it is answered (by e-mail,
and in the app when they asked signed in), and the address of a question asked without an account, to confirm it."""
import sqlalchemy as sa
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import selectinload

from ipdesk.auth.models import User
from ipdesk.enquiries.models import Enquiry
from ipdesk.extensions import db
from ipdesk.notify.models import NotificationKind as K
from ipdesk.notify.services import mail_address, notify, site_link, with_preferences
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
