"""The all-country pack: a cover with a table of contents, then every country's summary, with a bookmark each."""
import io
from datetime import date

import pikepdf
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ipdesk.core.db import utcnow
from ipdesk.core.i18n import country_name
from ipdesk.reports.context import page_header
from ipdesk.reports.pdf import join_tagged, render_pdf


def _page_count(pdf: bytes) -> int:
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def assemble_pack(summaries: dict[str, bytes], start: date, end: date, lang: str) -> tuple[bytes, int]:
    """One PDF of the summaries in the order of the countries' names in ``lang``; returns it and its page count.

    It runs in a job or a command, not a request: the contents are rendered in a request context of their own.
    """
    with current_app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        names = {code: country_name(code) for code in summaries}
        order = sorted(summaries, key=lambda code: names[code])
        lengths = {code: _page_count(summaries[code]) for code in order}
        title = _("All-country pack, %(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())
        toc_pages = 1
        while True:  # the contents' own length moves every start page
            first_pages, page = {}, toc_pages + 1
            for code in order:
                first_pages[code] = page
                page += lengths[code]
            contents = _contents_pdf(order, names, first_pages, start, end, lang, title)
            length = _page_count(contents)
            if length == toc_pages:
                break
            toc_pages = length
        contents_title = _("Contents")
    pack = join_tagged([contents, *(summaries[code] for code in order)], lang)
    with pack.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem(contents_title, 0))
        outline.root.extend(pikepdf.OutlineItem(names[code], first_pages[code] - 1) for code in order)
    pack.docinfo.update({"/Title": title, "/Author": "ipdesk", "/Producer": "ipdesk",
                         "/CreationDate": utcnow().strftime("D:%Y%m%d%H%M%SZ")})
    out = io.BytesIO()
    pack.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue(), len(pack.pages)


def _contents_pdf(order, names, first_pages, start: date, end: date, lang: str, title: str) -> bytes:
    """The cover and contents; its title (and XMP metadata) are the whole pack's."""
    entries = [{"code": code, "name": names[code], "page": first_pages[code]} for code in order]
    html = render_template("reports/pdf/pack_contents.html", lang=lang, title=title, entries=entries, start=start,
                           end=end, generated_at=utcnow(), header=page_header(_("All-country pack")))
    return render_pdf(html)
