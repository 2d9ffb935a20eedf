"""Keeping a company's register of rights, the rights a case relies on, and the enforceability warning."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from ipdesk.audit.services import log_event
from ipdesk.cases.models import Case
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.evidence.uploads import UploadRefused, accept_upload
from ipdesk.extensions import db
from ipdesk.rights.enforceability import EnforcementWarning, assess
from ipdesk.rights.models import CaseRight, CompanyRight, EnforceabilityDismissal, RightStatus
from ipdesk.rights.offices import MADRID, is_office, office_name

FIELDS = ("kind", "office", "number", "mark_text", "nice_classes", "designations", "filing_date",
          "registration_date", "expiry_date", "status", "notes")


def _values(data: dict) -> dict:
    values = {name: data.get(name) for name in FIELDS}
    for name in ("number", "mark_text", "notes"):
        values[name] = (values[name] or "").strip()
    if not is_office(values["office"] or ""):
        raise ServiceError(_("Choose an office from the list."), field="office")
    values["nice_classes"] = sorted(set(values["nice_classes"] or ()))
    values["designations"] = sorted(set(values["designations"] or ())) if values["office"] == MADRID else []
    return values


def _store_image(right: CompanyRight, upload) -> None:
    """The mark's picture, through the upload checks; anything but an image is refused (nothing is kept)."""
    stored = accept_upload(upload)
    if not stored.content_type.startswith("image/"):
        raise UploadRefused(_("The file %(name)s is not a picture: give the mark as a PNG, JPEG or WebP image.",
                              name=stored.original_name))
    right.image_key, right.image_type = stored.key, stored.content_type
    right.image_size, right.image_sha256 = stored.size, stored.sha256


def _check_unique(company_id: int, values: dict, right_id: int | None = None) -> None:
    """A number names one right at an office: the register holds it once (the constraint guards it too)."""
    same = sa.select(CompanyRight.id).where(
        CompanyRight.company_id == company_id, CompanyRight.office == values["office"],
        CompanyRight.kind == values["kind"], CompanyRight.number == values["number"])
    if right_id is not None:
        same = same.where(CompanyRight.id != right_id)
    if db.session.scalar(same.limit(1)) is not None:
        raise ServiceError(_("The register already holds %(number)s at this office for this kind of right.",
                             number=values["number"]), field="number")


def create_right(company, data: dict, actor, *, image=None) -> CompanyRight:
    """A new right in ``company``'s register; ``image`` (an upload) is the mark's picture."""
    values = _values(data)
    _check_unique(company.id, values)
    right = CompanyRight(company_id=company.id, created_by_id=actor.id, **values)
    if image:
        _store_image(right, image)
    db.session.add(right)
    db.session.flush()
    log_event("right.created", actor=actor, obj=right,
              data={"company_id": company.id, "kind": right.kind.name, "office": right.office,
                    "status": right.status.name, "image_sha256": right.image_sha256},
              personal={"number": right.number, "mark": right.mark_text})
    return right


def update_right(right: CompanyRight, data: dict, actor, *, image=None) -> None:
    """Correct a right; the caller has checked the version the editor saw."""
    values = _values(data)
    _check_unique(right.company_id, values, right.id)
    changed = sorted(name for name, value in values.items() if getattr(right, name) != value)
    for name, value in values.items():
        setattr(right, name, value)
    if image:
        _store_image(right, image)
        changed.append("image")
    right.updated_at = utcnow()
    bump_version(right)
    db.session.flush()
    log_event("right.updated", actor=actor, obj=right,
              data={"company_id": right.company_id, "fields": changed, "status": right.status.name,
                    "image_sha256": right.image_sha256},
              personal={"number": right.number, "mark": right.mark_text})


def cases_relying_on(right: CompanyRight) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(CaseRight).where(CaseRight.right_id == right.id))


def delete_right(right: CompanyRight, actor) -> None:
    """Take a right out of the register; one a case relies on stays (its status says what became of it)."""
    if cases_relying_on(right):
        raise ServiceError(_("Cases rely on this right: it stays in the register. Change its status instead "
                             "(expired, refused, cancelled)."))
    log_event("right.deleted", actor=actor, obj=right, data={"company_id": right.company_id},
              personal={"number": right.number, "mark": right.mark_text})
    db.session.delete(right)
    db.session.flush()


def company_rights(company_id: int, *, among=None) -> list[CompanyRight]:
    """A company's register (or the rights of it ``among`` the ids given): by office, then kind and number."""
    stmt = sa.select(CompanyRight).where(CompanyRight.company_id == company_id)
    if among is not None:
        stmt = stmt.where(CompanyRight.id.in_(among))
    return list(db.session.scalars(stmt.order_by(CompanyRight.office, CompanyRight.kind, CompanyRight.number)))


def right_label(right: CompanyRight) -> str:
    """A right in one line, as a menu offers it: office, kind, number, mark and classes."""
    parts = [office_name(right.office), right.kind.title, right.number]
    if right.mark_text:
        parts.append(right.mark_text)
    if right.nice_classes:
        parts.append(ngettext("class %(classes)s", "classes %(classes)s", len(right.nice_classes),
                              classes=", ".join(str(number) for number in right.nice_classes)))
    if right.status is not RightStatus.registered:
        parts.append(right.status.title)
    return " · ".join(parts)


def right_choices(company_id: int | None) -> list[tuple[int, str]]:
    """The rights of a company's register as the intake form offers them."""
    return [(right.id, right_label(right)) for right in company_rights(company_id)] if company_id else []


def case_rights(case_id: int) -> list[CompanyRight]:
    """The rights a case relies on."""
    return list(db.session.scalars(sa.select(CompanyRight).join(CaseRight, CaseRight.right_id == CompanyRight.id)
                                   .where(CaseRight.case_id == case_id)
                                   .order_by(CompanyRight.office, CompanyRight.number)))


def set_case_rights(case: Case, right_ids, actor) -> bool:
    """The rights ``case`` relies on become ``right_ids`` (rights of the case's company only). True if they
    changed."""
    wanted = set(right_ids or ())
    if wanted:
        owned = set(db.session.scalars(sa.select(CompanyRight.id).where(CompanyRight.id.in_(wanted),
                                                                         CompanyRight.company_id == case.company_id)))
        if owned != wanted:
            raise ServiceError(_("Choose rights of the case's company only."), field="rights")
    held = set(db.session.scalars(sa.select(CaseRight.right_id).where(CaseRight.case_id == case.id)))
    if held == wanted:
        return False
    if held - wanted:
        db.session.execute(sa.delete(CaseRight).where(CaseRight.case_id == case.id,
                                                      CaseRight.right_id.in_(held - wanted)))
    db.session.add_all(CaseRight(case_id=case.id, right_id=right_id) for right_id in sorted(wanted - held))
    db.session.flush()
    log_event("case.rights_chosen", actor=actor, obj=case, data={"rights": sorted(wanted)})
    return True


def case_warning(case: Case, rights: list[CompanyRight], today: date) -> EnforcementWarning | None:
    """The case's enforceability warning from the rights it relies on (before any dismissal)."""
    return assess(case.ip_right, case.country_code, case.goods_classes or (), rights, today)


def dismissal_of(case_id: int, warning: EnforcementWarning | None) -> EnforceabilityDismissal | None:
    """Staff's dismissal of ``warning``: it holds while the warning gives the reason that was dismissed."""
    if warning is None:
        return None
    dismissal = db.session.get(EnforceabilityDismissal, case_id)
    return dismissal if dismissal is not None and dismissal.code == warning.code else None


def dismiss_warning(case: Case, warning: EnforcementWarning | None, code: str, reason: str, actor) -> None:
    """Staff set the case's current warning aside with ``reason``; the warning must still be the one they saw."""
    if warning is None or warning.code != code:
        raise ServiceError(_("The warning has changed since the page was loaded: read it again before you "
                             "dismiss it."))
    dismissal = db.session.get(EnforceabilityDismissal, case.id) or EnforceabilityDismissal(case_id=case.id)
    dismissal.code, dismissal.reason = code, reason.strip()
    dismissal.dismissed_by_id, dismissal.dismissed_at = actor.id, utcnow()
    db.session.add(dismissal)
    db.session.flush()
    log_event("case.warning_dismissed", actor=actor, obj=case, data={"code": code},
              personal={"reason": dismissal.reason})
