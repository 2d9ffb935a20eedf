"""Every change to a country guide: written (a first revision), revised (a new revision each time, the old ones
kept), published (readers see that revision from then on), withdrawn, and its files attached and removed; and the
guides a reader finds: by country and subject, for the intake's chosen country, and on a case's page. Services
flush and never commit."""
import sqlalchemy as sa
from flask_babel import gettext as _

from ipdesk.audit.services import log_event
from ipdesk.cases.models import Case
from ipdesk.core.db import bump_version, utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.education.models import Guide, GuideAttachment, GuideRevision
from ipdesk.evidence.uploads import accept_upload
from ipdesk.extensions import db
from ipdesk.network.models import Country
from ipdesk.policy import writes_guide

TEXT_FIELDS = ("title_ko", "title_en", "body_ko", "body_en")
SUGGESTED = 3  # guides a case's page suggests


def _text(data: dict) -> dict:
    values = {name: (data.get(name) or "").strip() for name in TEXT_FIELDS}
    for language in ("ko", "en"):  # half a language would show a title over the other language's text
        if bool(values[f"title_{language}"]) != bool(values[f"body_{language}"]):
            field = f"body_{language}" if values[f"title_{language}"] else f"title_{language}"
            raise ServiceError(_("Write both the title and the text of a language, or neither."), field=field)
    if not values["title_ko"] and not values["title_en"]:
        raise ServiceError(_("Write the title and the text in Korean or in English (or both)."), field="title_ko")
    return values


def create_guide(data: dict, actor) -> Guide:
    """A guide about a country (a sector and an IP right if it is narrower) and its first revision, unpublished."""
    country = db.session.get(Country, data.get("country_code") or "")
    if country is None or not country.is_active:
        raise ServiceError(_("Choose a country of the network."), field="country_code")
    guide = Guide(country_code=country.code, sector=data.get("sector") or None,
                  ip_right=data.get("ip_right") or None, created_by_id=actor.id)
    if not writes_guide(actor, guide):
        raise ServiceError(_("You write the guides of your centre's countries only."), field="country_code")
    text = _text(data)
    db.session.add(guide)
    guide.revisions.append(GuideRevision(number=1, created_by_id=actor.id, note=(data.get("note") or "").strip(),
                                         **text))
    db.session.flush()
    log_event("guide.created", actor=actor, obj=guide, data={"country": guide.country_code})
    return guide


def revise_guide(guide: Guide, data: dict, actor) -> GuideRevision:
    """A new revision of ``guide`` (what it is about may change too); readers keep seeing the published one."""
    text = _text(data)
    latest = guide.latest
    guide.sector, guide.ip_right = data.get("sector") or None, data.get("ip_right") or None
    if all(getattr(latest, name) == value for name, value in text.items()):
        revision = latest  # nothing written differs: no revision of nothing
    else:
        revision = GuideRevision(number=latest.number + 1, created_by_id=actor.id,
                                 note=(data.get("note") or "").strip(), **text)
        guide.revisions.append(revision)
    guide.updated_at = utcnow()
    bump_version(guide)
    db.session.flush()
    log_event("guide.revised", actor=actor, obj=guide, data={"revision": revision.number})
    return revision


def publish_guide(guide: Guide, number: int, actor) -> GuideRevision:
    """Readers see revision ``number`` from now on."""
    revision = next((r for r in guide.revisions if r.number == number), None)
    if revision is None:
        raise ServiceError(_("That revision of the guide does not exist."))
    now = utcnow()
    if revision.published_at is None:
        revision.published_at, revision.published_by_id = now, actor.id
    guide.published_number, guide.published_at, guide.updated_at = revision.number, now, now
    bump_version(guide)
    db.session.flush()
    log_event("guide.published", actor=actor, obj=guide, data={"revision": revision.number})
    return revision


def withdraw_guide(guide: Guide, actor) -> None:
    """Readers no longer see the guide; its revisions stay, to be published again."""
    if guide.published_number is None:
        raise ServiceError(_("The guide is not published."))
    guide.published_number = guide.published_at = None
    guide.updated_at = utcnow()
    bump_version(guide)
    db.session.flush()
    log_event("guide.withdrawn", actor=actor, obj=guide)


def attach_file(guide: Guide, upload, actor) -> GuideAttachment:
    """Store ``upload`` with the evidence upload checks (its type by content, sizes, no active content) under a
    generated key; raises UploadRefused and keeps nothing on refusal."""
    stored = accept_upload(upload)
    attachment = GuideAttachment(guide_id=guide.id, storage_key=stored.key, original_name=stored.original_name,
                                 content_type=stored.content_type, size=stored.size, sha256=stored.sha256,
                                 uploaded_by_id=actor.id)
    db.session.add(attachment)
    guide.updated_at = utcnow()
    db.session.flush()
    log_event("guide.file_added", actor=actor, obj=guide, data={"file": attachment.id, "sha256": stored.sha256},
              personal={"name": stored.original_name})
    return attachment


def remove_file(attachment: GuideAttachment, actor) -> None:
    """The file leaves the guide; its stored copy is then named by no row, and ``flask evidence verify --repair``
    removes it."""
    guide = attachment.guide
    db.session.delete(attachment)
    guide.updated_at = utcnow()
    db.session.flush()
    log_event("guide.file_removed", actor=actor, obj=guide, data={"file": attachment.id})


# --- finding guides ------------------------------------------------------------------------

def published_guides():
    """The published guides with the revision readers see, as a select of (Guide, GuideRevision)."""
    return sa.select(Guide, GuideRevision).join(GuideRevision, sa.and_(
        GuideRevision.guide_id == Guide.id, GuideRevision.number == Guide.published_number))


def guides_for_countries() -> dict[str, list[tuple[int, str]]]:
    """Each country's published guides (id and title in the reader's language, general ones first): the intake
    form links those of the country chosen."""
    found: dict[str, list[tuple[int, str]]] = {}
    rows = db.session.execute(published_guides().order_by(
        Guide.country_code, Guide.sector.is_not(None), Guide.ip_right.is_not(None), Guide.id))
    for guide, revision in rows:
        found.setdefault(guide.country_code, []).append((guide.id, revision.title))
    return found


def suggested_guides(case: Case) -> list[tuple[Guide, GuideRevision]]:
    """The published guides about what ``case`` is about: its country's, those on its sector or right first, then
    the general ones; at most ``SUGGESTED``."""
    fits = sa.and_(sa.or_(Guide.sector.is_(None), Guide.sector == case.sector),
                   sa.or_(Guide.ip_right.is_(None), Guide.ip_right == case.ip_right))
    closer = sa.case((Guide.sector.is_not(None), 0), else_=1) + sa.case((Guide.ip_right.is_not(None), 0), else_=1)
    return [(guide, revision) for guide, revision in db.session.execute(
        published_guides().where(Guide.country_code == case.country_code, fits)
        .order_by(closer, Guide.published_at.desc(), Guide.id).limit(SUGGESTED))]
