"""Every change to an enquiry: recorded by staff, asked online (signed in, or by a confirmed link), answered,
edited, followed up and turned into a case. Services flush and never commit."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from ipdesk.audit.services import log_event
from ipdesk.auth.models import User
from ipdesk.cases.models import Case, DisputeType, IPRight
from ipdesk.cases.services import create_case
from ipdesk.companies.models import Company
from ipdesk.companies.registration_number import normalize_registration_number
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.enquiries import notifications
from ipdesk.enquiries.models import Channel, Enquiry, EnquiryRequest, EnquiryStatus, Topic
from ipdesk.extensions import db
from ipdesk.network.models import Country

# what the intake of each kind fills in, besides who asked
TOPIC_FIELDS = ("country_code", "topic", "ip_right", "dispute_type", "question")
CONTACT_FIELDS = ("company_name", "registration_number", "contact_name", "contact_email", "contact_phone")


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _country(code: str | None) -> Country:
    country = db.session.get(Country, code or "")
    if country is None or not country.is_active:
        raise ServiceError(_("Choose a country of the network."), field="country_code")
    return country


def _topic_values(data: dict) -> dict:
    """The country, topic and question of an enquiry; a right and dispute type only for a dispute."""
    topic = data["topic"] if isinstance(data["topic"], Topic) else Topic[data["topic"]]
    values = {"country_code": _country(data.get("country_code")).code, "topic": topic,
              "question": (data.get("question") or "").strip()}
    if not values["question"]:
        raise ServiceError(_("Write the question."), field="question")
    if topic is Topic.dispute:
        values["ip_right"] = data.get("ip_right")
        values["dispute_type"] = data.get("dispute_type")
    else:
        values["ip_right"] = values["dispute_type"] = None
    return values


def _contact_values(data: dict, company: Company | None) -> dict:
    values = {name: (data.get(name) or "").strip() for name in CONTACT_FIELDS}
    if values["registration_number"]:
        values["registration_number"] = normalize_registration_number(values["registration_number"])
    if company is None and not values["company_name"]:
        raise ServiceError(_("Give the name of the company that asked, or choose it if it is registered."),
                           field="company_name")
    values["contact_email"] = values["contact_email"].lower()
    return values


def _hub_of(country_code: str) -> int:
    """Enquiries go to the primary hub of the country they are about."""
    return db.session.get(Country, country_code).primary_hub_id


def _company(company_id: int | None) -> Company | None:
    if not company_id:
        return None
    company = db.session.get(Company, company_id)
    if company is None:
        raise ServiceError(_("Choose a registered company, or leave it empty and give its name."),
                           field="company_id")
    return company


def record_enquiry(data: dict, actor: User) -> Enquiry:
    """An enquiry staff took (by phone, e-mail, at a visit, a trade show, from a trade office), answered at once
    when the answer is given.

    :param data: the enquiry form's data: channel, company_id (or company_name, registration_number), the contact,
        country_code, topic, ip_right and dispute_type (a dispute's), question, answer, minutes_spent,
        follow_up_on, language.
    """
    company = _company(data.get("company_id"))
    values = {**_topic_values(data), **_contact_values(data, company)}
    enquiry = Enquiry(channel=data["channel"], company=company, hub_id=_hub_of(values["country_code"]),
                      language=data.get("language") or "ko", created_by_id=actor.id, **values)
    db.session.add(enquiry)
    db.session.flush()
    log_event("enquiry.recorded", actor=actor, obj=enquiry,
              data={"channel": enquiry.channel.name, "country": enquiry.country_code, "hub_id": enquiry.hub_id,
                    "company_id": enquiry.company_id, "topic": enquiry.topic.name},
              personal=_personal(enquiry))
    if (data.get("answer") or "").strip():
        answer_enquiry(enquiry, data, actor, notify=False)  # given on the spot: the asker has it already
    elif data.get("follow_up_on"):
        enquiry.follow_up_on = data["follow_up_on"]
        enquiry.handled_by_id = actor.id
    return enquiry


def _personal(enquiry: Enquiry) -> dict:
    """What of an enquiry names a person, kept where it can be erased."""
    return {key: value for key, value in (("name", enquiry.contact_name), ("email", enquiry.contact_email),
                                          ("phone", enquiry.contact_phone)) if value}


def update_enquiry(enquiry: Enquiry, data: dict, actor: User) -> None:
    """Correct what was recorded of an enquiry (who asked, about what); its answer is given by ``answer_enquiry``."""
    company = _company(data.get("company_id"))
    values = {**_topic_values(data), **_contact_values(data, company), "channel": data["channel"],
              "company_id": company.id if company else None}
    changed = sorted(name for name, value in values.items() if getattr(enquiry, name) != value)
    for name, value in values.items():
        setattr(enquiry, name, value)
    if "country_code" in changed and enquiry.case_id is None:  # it goes to the hub of the country it is about
        enquiry.hub_id = _hub_of(enquiry.country_code)
    enquiry.updated_at = utcnow()
    bump_version(enquiry)
    db.session.flush()
    log_event("enquiry.updated", actor=actor, obj=enquiry, data={"fields": changed, "hub_id": enquiry.hub_id})


def answer_enquiry(enquiry: Enquiry, data: dict, actor: User, *, notify: bool = True) -> None:
    """Give (or correct) the answer: who answered, the time it took, a follow-up date; the asker hears of it by
    e-mail, and in the app when they asked signed in.

    :param data: answer, minutes_spent, follow_up_on.
    """
    answer = (data.get("answer") or "").strip()
    if not answer:
        raise ServiceError(_("Write the answer."), field="answer")
    first = enquiry.status is EnquiryStatus.open
    enquiry.answer = answer
    enquiry.status = EnquiryStatus.answered
    enquiry.answered_at = enquiry.answered_at or utcnow()
    enquiry.minutes_spent = data.get("minutes_spent")
    if data.get("follow_up_on") != enquiry.follow_up_on:
        enquiry.follow_up_on = data.get("follow_up_on")
        enquiry.followed_up_at = None
    enquiry.handled_by_id = actor.id
    enquiry.updated_at = utcnow()
    bump_version(enquiry)
    db.session.flush()
    log_event("enquiry.answered", actor=actor, obj=enquiry,
              data={"first": first, "minutes": enquiry.minutes_spent,
                    "follow_up_on": enquiry.follow_up_on.isoformat() if enquiry.follow_up_on else None},
              personal={"answer": answer[:500]})
    if notify:
        notifications.enquiry_answered(enquiry, first=first)


def mark_followed_up(enquiry: Enquiry, actor: User) -> None:
    if enquiry.follow_up_on is None or enquiry.followed_up_at is not None:
        raise ServiceError(_("This enquiry has no follow-up waiting."))
    enquiry.followed_up_at = utcnow()
    enquiry.updated_at = utcnow()
    bump_version(enquiry)
    db.session.flush()
    log_event("enquiry.followed_up", actor=actor, obj=enquiry)


def ask_online(data: dict, user: User) -> Enquiry:
    """A question asked in the app by a company's user: filed at once in the hub of the country asked about."""
    values = _topic_values(data)
    enquiry = Enquiry(channel=Channel.web, company_id=user.company_id, asker_id=user.id, contact_name=user.name,
                      contact_email=user.email, language=user.locale or "ko", hub_id=_hub_of(values["country_code"]),
                      created_by_id=user.id, **values)
    db.session.add(enquiry)
    db.session.flush()
    log_event("enquiry.asked", actor=user, obj=enquiry,
              data={"country": enquiry.country_code, "hub_id": enquiry.hub_id, "topic": enquiry.topic.name})
    notifications.enquiry_arrived(enquiry)
    return enquiry


PUBLIC_FIELDS = ("company_name", "registration_number", "contact_name", "contact_phone", "country_code", "topic",
                 "ip_right", "dispute_type", "question", "privacy_consent")


def request_public_enquiry(data: dict, *, locale: str | None) -> None:
    """A question asked without an account: checked as it will be filed, kept aside and a link mailed to the
    address given; it is filed only when the link is used (``file_public_enquiry``)."""
    _topic_values(data)
    _contact_values(data, None)
    email = data["contact_email"].strip().lower()
    now = utcnow()
    db.session.execute(sa.delete(EnquiryRequest).where(EnquiryRequest.expires_at <= now))  # with their personal data
    token = secrets.token_urlsafe(32)
    answers = {name: data.get(name) for name in PUBLIC_FIELDS}
    for name in ("topic", "ip_right", "dispute_type"):
        answers[name] = getattr(answers[name], "name", answers[name])
    db.session.add(EnquiryRequest(email=email, token_hash=_token_hash(token), data=answers, locale=locale,
                                  created_at=now, expires_at=now + timedelta(
                                      hours=current_app.config["ENQUIRY_CONFIRM_HOURS"])))
    db.session.flush()
    log_event("enquiry.requested", data={"country": data.get("country_code")}, personal={"email": email}, about=None)
    notifications.enquiry_to_confirm(email, token, name=(data.get("contact_name") or "").strip(), language=locale)


def find_enquiry_request(token: str) -> EnquiryRequest | None:
    """The online question waiting for this link, unless it expired."""
    request = db.session.scalar(sa.select(EnquiryRequest).where(EnquiryRequest.token_hash == _token_hash(token)))
    if request is None or request.expires_at <= utcnow():
        return None
    return request


def file_public_enquiry(request: EnquiryRequest) -> Enquiry | None:
    """File the question of a link that was used; None if it was used meanwhile (the link works once, even twice
    at the same instant: only one DELETE finds the row)."""
    taken = db.session.execute(sa.delete(EnquiryRequest).where(EnquiryRequest.id == request.id)
                               .execution_options(synchronize_session=False))
    if not taken.rowcount:
        return None
    data = dict(request.data)
    data["topic"] = Topic[data["topic"]]
    data["ip_right"] = IPRight[data["ip_right"]] if data.get("ip_right") else None
    data["dispute_type"] = DisputeType[data["dispute_type"]] if data.get("dispute_type") else None
    values = {**_topic_values(data), **_contact_values({**data, "contact_email": request.email}, None)}
    enquiry = Enquiry(channel=Channel.web, hub_id=_hub_of(values["country_code"]), language=request.locale or "ko",
                      **values)
    db.session.add(enquiry)
    db.session.flush()
    log_event("enquiry.confirmed", obj=enquiry, data={"country": enquiry.country_code, "hub_id": enquiry.hub_id,
                                                      "topic": enquiry.topic.name},
              personal=_personal(enquiry), about=None)
    notifications.enquiry_arrived(enquiry)
    return enquiry


def convert_to_case(enquiry: Enquiry, title: str, actor: User) -> Case:
    """A draft intake for the enquiry's company, filled in from the enquiry and linked to it both ways; staff
    complete and submit it as any intake filed on a company's behalf."""
    if enquiry.case_id is not None:
        raise ServiceError(_("This enquiry is a case already."))
    if enquiry.company is None:
        raise ServiceError(_("Choose the registered company that asked first: a case belongs to a registered "
                             "company."), field="company_id")
    data = {"title": title.strip(), "country_code": enquiry.country_code, "ip_right": enquiry.ip_right,
            "dispute_type": enquiry.dispute_type, "description": enquiry.question}
    if not data["title"]:
        raise ServiceError(_("Give the case a title."), field="title")
    case = create_case(enquiry.company, data, actor)
    enquiry.case_id = case.id
    enquiry.updated_at = utcnow()
    bump_version(enquiry)
    db.session.flush()
    log_event("enquiry.converted", actor=actor, obj=enquiry, data={"case_id": case.id})
    return case
