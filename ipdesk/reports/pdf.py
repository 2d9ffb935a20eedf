"""Rendering HTML to PDF with WeasyPrint: nothing is fetched but images the app made for the document.

User text reaches WeasyPrint only as escaped text in templates that get plain data. The URL fetcher
refuses every URL (``file:``, ``http(s):``, ``data:`` and the rest) except ``ipdesk-image:<key>`` for
images handed to :func:`render_pdf` by the caller, which are thumbnails the app re-encoded itself.
There is no ``base_url``, so no relative URL can point at a folder of user files.
"""
import atexit
import gc
import re
import threading
from pathlib import Path

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STYLESHEET = Path(__file__).parent / "pdf.css"
IMAGE_SCHEME = "ipdesk-image:"

_local = threading.local()


class DocumentFetcher(URLFetcher):
    """Serves the document's own images by key and refuses everything else; keeps every URL asked for."""

    def __init__(self):
        super().__init__(allowed_protocols=(), allow_redirects=False)
        self.images: dict[str, tuple[bytes, str]] = {}
        self.requested: list[str] = []

    def fetch(self, url, headers=None):
        self.requested.append(url)
        if url.startswith(IMAGE_SCHEME) and url[len(IMAGE_SCHEME):] in self.images:
            body, mimetype = self.images[url[len(IMAGE_SCHEME):]]
            return URLFetcherResponse(url, body=body, headers={"Content-Type": mimetype})
        raise ValueError(f"refused: {url[:200]}")


def _resources() -> tuple[FontConfiguration, CSS]:
    """One font configuration and parsed stylesheet per thread: reusing them saves a third of a page's cost."""
    if getattr(_local, "resources", None) is None:
        font_config = FontConfiguration()
        _local.resources = font_config, CSS(string=STYLESHEET.read_text(encoding="utf-8"), font_config=font_config)
    return _local.resources


@atexit.register
def _release_resources() -> None:
    """Free the exiting thread's font configuration while WeasyPrint's libraries are still loaded.

    At interpreter exit, module globals are torn down after cffi has closed the libraries WeasyPrint
    opened; a Pango font map freed then calls into code that is no longer mapped and the process dies
    of a segmentation fault after its work is done (``make bench``, a pack's rendering processes).
    Other threads' configurations go with their threads, which end before this runs."""
    _local.resources = None
    gc.collect()  # a font configuration caught in a reference cycle too


def render_pdf(html: str, *, images: dict[str, tuple[bytes, str]] | None = None,
               fetcher: DocumentFetcher | None = None) -> bytes:
    """The PDF of ``html`` (a rendered template).

    :param images: key -> (bytes, mimetype) of images the app made, referenced as ``ipdesk-image:<key>``.
    :param fetcher: a fetcher to use instead of a new one (tests pass one to see what was requested).
    """
    font_config, stylesheet = _resources()
    if fetcher is None:
        fetcher = DocumentFetcher()
    fetcher.images = images or {}
    # WeasyPrint makes hundreds of thousands of short-lived objects (boxes, styles, text runs) that
    # hold no cycles worth collecting mid-render; the cyclic collector's passes over them were a
    # tenth of a render or more (make bench). It runs again as soon as the document is made.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=None, url_fetcher=fetcher)
        return document.write_pdf(stylesheets=[stylesheet], font_config=font_config)
    finally:
        if collecting:
            gc.enable()


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string (for page headers), with quotes, backslashes and newlines escaped."""
    escaped = "".join(c if c.isalnum() or c in " -_.·/:()#,%" else f"\\{ord(c):x} " for c in text)
    return f'"{escaped}"'


PAGE_MARK, PAGES_MARK = "\0P\0", "\0N\0"


def page_counter(label: str) -> str:
    """CSS ``content`` for a translated "page X of Y" made with PAGE_MARK and PAGES_MARK as its values."""
    parts = re.split(f"({re.escape(PAGE_MARK)}|{re.escape(PAGES_MARK)})", label)
    css = {PAGE_MARK: "counter(page)", PAGES_MARK: "counter(pages)"}
    return " ".join(css.get(part) or css_string(part) for part in parts if part)
