"""Country guides in search: the published revision's titles and texts in both languages, found by everyone (the
drafts are in no entry: their writers find them on the guides' list)."""
import sqlalchemy as sa
from flask import url_for
from flask_babel import lazy_gettext as _l

from ipdesk.core.i18n import country_name, current_locale
from ipdesk.education.models import Guide, GuideRevision
from ipdesk.extensions import db
from ipdesk.search.registry import Hit, SearchKind, register

TEXT = ("title_ko", "title_en", "body_ko", "body_en")


def _published():
    return sa.and_(GuideRevision.guide_id == Guide.id, GuideRevision.number == Guide.published_number)


def _source():
    return (sa.select(Guide.id.label("record_id"), sa.null().label("case_id"), sa.false().label("restricted"),
                      *(getattr(GuideRevision, name) for name in TEXT))
            .join(GuideRevision, _published()))


def _visible(user):
    """Every entry is a published guide's: everyone may open it."""
    return sa.true()


def _describe(ids, user) -> dict[int, Hit]:
    korean = str(current_locale()) == "ko"
    hits = {}
    for guide_id, country, *texts in db.session.execute(
            sa.select(Guide.id, Guide.country_code, *(getattr(GuideRevision, name) for name in TEXT))
            .join(GuideRevision, _published()).where(Guide.id.in_(ids))):
        title_ko, title_en = texts[:2]
        title = (title_ko or title_en) if korean else (title_en or title_ko)
        hits[guide_id] = Hit(title, url_for("education.view_guide", guide_id=guide_id), country_name(country),
                             tuple(texts))
    return hits


register(SearchKind(
    name="guide", label=_l("Country guides"), model=Guide, source=_source, case_column=None,
    fields=("published_number",), visible=_visible, describe=_describe,
))
