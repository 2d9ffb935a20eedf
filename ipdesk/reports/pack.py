"""The all-country pack: a cover with a table of contents, the network's overview, then every country's summary
with a bookmark each; the countries without a case in the period share one closing page. Page numbers run
through the whole pack."""
import io
from contextlib import contextmanager
from dataclasses import asdict

import pikepdf
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _

from ipdesk.cases.models import Stage
from ipdesk.core.db import utcnow
from ipdesk.core.i18n import country_name, date_text
from ipdesk.reports.context import page_header
from ipdesk.reports.pdf import PAGE_MARK, PAGES_MARK, join_tagged, page_counter, render_pdf
from ipdesk.reports.stats import PACK_STAGES, PackOverview


@contextmanager
def in_language(lang: str):
    """A request context of its own in ``lang``: a job or a command renders and translates outside any request."""
    with current_app.test_request_context(headers={"Accept-Language": lang}), force_locale(lang):
        yield


def _page_count(pdf: bytes) -> int:
    with pikepdf.Pdf.open(io.BytesIO(pdf)) as document:
        return len(document.pages)


def assemble_pack(summaries: dict[str, bytes], overview: PackOverview, lang: str) -> tuple[bytes, int]:
    """One PDF: the contents, the overview, the summaries in the order of the countries' names in ``lang``, and
    one closing page for the countries of ``overview.without_cases``; returns it and its page count.

    :param summaries: the summary PDF of every country with a case in the period, rendered ``in_pack``
        (without page numbers of their own: the pack's are stamped on every page).
    :param overview: the statistics of the period, made in ``lang``.
    """
    start, end = overview.start, overview.end
    with in_language(lang):
        names = {code: country_name(code) for code in [*summaries, *overview.without_cases]}
        order = sorted(names, key=lambda code: names[code])
        lengths = {code: _page_count(summaries[code]) for code in summaries}
        title = _("All-country pack, %(start)s to %(end)s", start=date_text(start), end=date_text(end))
        header = page_header(_("All-country pack"), numbered=False)
        overview_pdf = _overview_pdf(overview, lang, header)
        closing_pdf = _closing_pdf(overview.without_cases, names, start, end, lang, header)
        toc_pages = 1
        while True:  # the contents' own length moves every start page
            overview_page = toc_pages + 1
            page = overview_page + _page_count(overview_pdf)
            first_pages = {}
            for code in (code for code in order if code in summaries):
                first_pages[code] = page
                page += lengths[code]
            first_pages.update(dict.fromkeys(overview.without_cases, page))  # the closing page, shared
            contents = _contents_pdf(order, names, first_pages, overview_page, overview, lang, title, header)
            length = _page_count(contents)
            if length == toc_pages:
                break
            toc_pages = length
        contents_title, overview_title = _("Contents"), _("Network overview")
        parts = [contents, overview_pdf, *(summaries[code] for code in order if code in summaries)]
        pack = join_tagged(parts + ([closing_pdf] if closing_pdf else []), lang)
        _number_pages(pack, lang)
    with pack.open_outline() as outline:
        outline.root.append(pikepdf.OutlineItem(contents_title, 0))
        outline.root.append(pikepdf.OutlineItem(overview_title, overview_page - 1))
        outline.root.extend(pikepdf.OutlineItem(names[code], first_pages[code] - 1) for code in order)
    pack.docinfo.update({"/Title": title, "/Author": "ipdesk", "/Producer": "ipdesk",
                         "/CreationDate": utcnow().strftime("D:%Y%m%d%H%M%SZ")})
    out = io.BytesIO()
    pack.save(out, object_stream_mode=pikepdf.ObjectStreamMode.generate)
    return out.getvalue(), len(pack.pages)


def _contents_pdf(order, names, first_pages, overview_page: int, overview: PackOverview, lang: str, title: str,
                  header: dict) -> bytes:
    """The cover and contents; its title (and XMP metadata) are the whole pack's."""
    without = set(overview.without_cases)
    entries = [{"code": code, "name": names[code], "page": first_pages[code], "has_cases": code not in without}
               for code in order]
    html = render_template("reports/pdf/pack_contents.html", lang=lang, title=title, entries=entries,
                           overview_page=overview_page, start=overview.start, end=overview.end,
                           generated_at=utcnow(), header=header)
    return render_pdf(html)


def _overview_pdf(overview: PackOverview, lang: str, header: dict) -> bytes:
    """The network's cases of the period: totals, then by hub and by country, by stage."""
    html = render_template("reports/pdf/pack_overview.html", lang=lang, overview=asdict(overview), header=header,
                           stage_labels=[stage.short_title for stage in PACK_STAGES],
                           open_stages=len(PACK_STAGES) - 1, closed_label=Stage.closed.short_title)
    return render_pdf(html)


def _closing_pdf(codes: list[str], names: dict[str, str], start, end, lang: str, header: dict) -> bytes | None:
    """One page for every country without a case in the period, where each of their bookmarks leads."""
    if not codes:
        return None
    countries = sorted(({"code": code, "name": names[code]} for code in codes), key=lambda c: c["name"])
    html = render_template("reports/pdf/pack_no_cases.html", lang=lang, countries=countries, start=start, end=end,
                           header=header)
    return render_pdf(html)


def _number_pages(pack: pikepdf.Pdf, lang: str) -> None:
    """Stamp "page n of N" on every page of the joined pack: one document of N pages holding nothing but their
    numbers, each laid over the pack's page of the same number."""
    label = page_counter(_("Page %(page)s of %(pages)s", page=PAGE_MARK, pages=PAGES_MARK))
    html = render_template("reports/pdf/pack_page_numbers.html", lang=lang, pages=len(pack.pages), counter=label)
    with pikepdf.Pdf.open(io.BytesIO(render_pdf(html))) as numbers:
        for page, number in zip(pack.pages, numbers.pages, strict=True):
            page.add_overlay(pack.copy_foreign(number.as_form_xobject()))
