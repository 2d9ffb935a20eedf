"""The all-country pack: a cover with a table of contents, then every country's summary, with a bookmark each."""
import io
from datetime import date

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from pypdf import PdfReader

from ipdesk.core.db import utcnow
from ipdesk.core.i18n import country_name
from ipdesk.reports.context import page_header
from ipdesk.reports.pdf import join_tagged, render_pdf


def assemble_pack(summaries: dict[str, bytes], start: date, end: date, lang: str) -> tuple[bytes, int]:
    """One PDF of the summaries in the order of the countries' names in ``lang``; returns it and its page count.

    It runs in a job or a command, not a request: the contents are rendered in a request context of their own.
    """
    with current_app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        names = {code: country_name(code) for code in summaries}
        order = sorted(summaries, key=lambda code: names[code])
        readers = {code: PdfReader(io.BytesIO(summaries[code])) for code in order}
        title = _("All-country pack, %(start)s to %(end)s", start=start.isoformat(), end=end.isoformat())
        toc_pages = 1
        while True:  # the contents' own length moves every start page
            first_pages, page = {}, toc_pages + 1
            for code in order:
                first_pages[code] = page
                page += len(readers[code].pages)
            contents = _contents_pdf(order, names, first_pages, start, end, lang, title)
            length = len(PdfReader(io.BytesIO(contents)).pages)
            if length == toc_pages:
                break
            toc_pages = length
        contents_title = _("Contents")
    writer, first = join_tagged([contents, *(summaries[code] for code in order)], lang)
    writer.add_outline_item(title=contents_title, page_number=0)
    for code, at in zip(order, first[1:], strict=True):
        writer.add_outline_item(title=names[code], page_number=at)
    writer.add_metadata({"/Title": title, "/Author": "ipdesk", "/Producer": "ipdesk",
                         "/CreationDate": utcnow().strftime("D:%Y%m%d%H%M%SZ")})
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue(), len(writer.pages)


def _contents_pdf(order, names, first_pages, start: date, end: date, lang: str, title: str) -> bytes:
    """The cover and contents; its title (and XMP metadata) are the whole pack's."""
    entries = [{"code": code, "name": names[code], "page": first_pages[code]} for code in order]
    html = render_template("reports/pdf/pack_contents.html", lang=lang, title=title, entries=entries, start=start,
                           end=end, generated_at=utcnow(), header=page_header(_("All-country pack")))
    return render_pdf(html)
