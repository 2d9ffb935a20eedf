"""Rendering HTML to PDF with WeasyPrint: nothing is fetched but images the app made for the document.

User text reaches WeasyPrint only as escaped text in templates that get plain data. The URL fetcher
refuses every URL (``file:``, ``http(s):``, ``data:`` and the rest) except ``ipdesk-image:<key>`` for
images handed to :func:`render_pdf` by the caller, which are thumbnails the app re-encoded itself.
There is no ``base_url``, so no relative URL can point at a folder of user files.

Every run of text a document shows gets places to wrap (``soft_breaks``) before WeasyPrint lays it out, so that
no field of any template can hold a long unbroken run that is slow to lay out or runs off the page.

Every PDF is tagged as PDF/UA-1 asks: its structure (headings, tables, lists) for screen readers, the
language of the template's ``<html lang>`` and the title of its ``<title>``, which viewers show.
"""
import atexit
import ctypes
import gc
import html as html_text
import io
import re
import threading
from pathlib import Path

import pikepdf
from flask import current_app, has_app_context
from pikepdf import Array, Dictionary, Name
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

from ipdesk.core.text import SOFT_BREAK_EVERY, soft_breaks

STYLESHEET = Path(__file__).parent / "pdf.css"
PDF_VARIANT = "pdf/ua-1"  # tagged structure, /Lang, /Title shown as the window's title, XMP metadata
IMAGE_SCHEME = "ipdesk-image:"
TIME_LIMIT = 25  # seconds, outside an app (the app's is PDF_TIME_LIMIT)

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


_TAG = re.compile(r"(<[^>]*>)")
_UNSHOWN = re.compile(r"<(style|title|script)\b", re.IGNORECASE)  # their text is CSS, metadata or a tooltip


def breakable(html: str) -> str:
    """``html`` with ``soft_breaks`` in the text between its tags (not in attributes, styles or titles).

    Templates escape every value, so a ``<`` or ``>`` in user text arrives as an entity, never as a tag."""
    parts, skip_until = _TAG.split(html), None
    for i in range(0, len(parts), 2):  # even parts are text, odd parts tags
        if i and skip_until is None and (opened := _UNSHOWN.match(parts[i - 1])):
            skip_until = f"</{opened.group(1).lower()}"
        elif skip_until is not None and parts[i - 1].lower().startswith(skip_until):
            skip_until = None
        if skip_until is None and len(parts[i]) > SOFT_BREAK_EVERY:
            text = html_text.unescape(parts[i])
            if (broken := soft_breaks(text)) != text:
                parts[i] = html_text.escape(broken, quote=False)
    return "".join(parts)


class RenderTimeout(Exception):
    """A document took longer than its time limit to make; the app answers with a page that says so."""


class _Expired(BaseException):
    """Set on the rendering thread when its time is up; a BaseException, so that no ``except Exception`` inside
    WeasyPrint (which logs and goes on after a bad image or font) can swallow it."""


class _Deadline:
    """Raises _Expired in the rendering thread once ``seconds`` have passed, unless the block ended first.

    WeasyPrint lays out text in Python between short calls into Pango, so an exception set on the thread
    (``PyThreadState_SetAsyncExc``) stops it within milliseconds, in a request thread, a pack's thread or a
    rendering process alike; nothing else of the process is touched. The exception is set at most once, and
    never after the block: it is raised inside the block or in ``__exit__``, whichever it reaches first."""

    def __init__(self, seconds: float):
        self.thread = threading.get_ident()
        self.lock = threading.Lock()
        self.running, self.expired = True, False
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True

    def _set(self, exception) -> None:
        ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(self.thread), exception)

    def _expire(self) -> None:
        with self.lock:
            if self.running:
                self.expired = True
                self._set(ctypes.py_object(_Expired))

    def __enter__(self):
        self.timer.start()
        return self

    def __exit__(self, *exc_info):
        with self.lock:
            self.running = False
            if self.expired:
                self._set(None)  # still pending if the block ended just as the time was up: raised here instead
        self.timer.cancel()
        if self.expired and exc_info[0] is None:
            raise _Expired
        return False


def render_pdf(html: str, *, images: dict[str, tuple[bytes, str]] | None = None,
               fetcher: DocumentFetcher | None = None, time_limit: float | None = None) -> bytes:
    """The PDF of ``html`` (a rendered template); RenderTimeout when it takes longer than ``time_limit``
    seconds (the app's PDF_TIME_LIMIT by default).

    :param images: key -> (bytes, mimetype) of images the app made, referenced as ``ipdesk-image:<key>``.
    :param fetcher: a fetcher to use instead of a new one (tests pass one to see what was requested).
    """
    if time_limit is None:
        time_limit = current_app.config["PDF_TIME_LIMIT"] if has_app_context() else TIME_LIMIT
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
        with _Deadline(time_limit):
            document = HTML(string=breakable(html), base_url=None, url_fetcher=fetcher)
            return document.write_pdf(stylesheets=[stylesheet], font_config=font_config, pdf_variant=PDF_VARIANT)
    except _Expired:
        _local.resources = None  # a layout stopped halfway leaves nothing of it for the next document
        raise RenderTimeout(f"no PDF after {time_limit:g} s") from None
    finally:
        if collecting:
            gc.enable()


def join_tagged(parts: list[bytes], lang: str) -> pikepdf.Pdf:
    """One tagged PDF made of tagged PDFs: their pages in order, and their structure trees as the parts of one
    document, so the whole stays readable by screen readers. The first part's XMP metadata (its title) becomes
    the whole's. (qpdf copies the trees in C++: pypdf took 5 s for the pack's forty and wrote them three times
    larger, without object streams.)
    """
    whole = pikepdf.Pdf.new()
    document = whole.make_indirect(Dictionary(Type=Name.StructElem, S=Name.Document, K=Array()))
    tree = whole.make_indirect(Dictionary(Type=Name.StructTreeRoot, K=Array([document])))
    document.P = tree
    nums, next_key = Array(), 0
    for number, data in enumerate(parts):
        part = pikepdf.Pdf.open(io.BytesIO(data))
        first = len(whole.pages)
        whole.pages.extend(part.pages)
        if number == 0 and "/Metadata" in part.Root:
            whole.Root.Metadata = whole.copy_foreign(part.Root.Metadata)
        if "/StructTreeRoot" not in part.Root:
            continue
        # copied after the pages, so that the elements' /Pg point at the copies made above
        part_tree = whole.copy_foreign(part.Root.StructTreeRoot)
        for page in whole.pages[first:]:  # each page's (and link's) key in the parent tree, numbered on
            if "/StructParents" in page.obj:
                page.obj.StructParents = int(page.obj.StructParents) + next_key
            for annotation in page.obj.get("/Annots", Array()):
                if "/StructParent" in annotation:
                    annotation.StructParent = int(annotation.StructParent) + next_key
        part_nums = list(part_tree.ParentTree.Nums)
        for key, value in zip(part_nums[::2], part_nums[1::2], strict=True):
            nums.extend([int(key) + next_key, value])
        next_key += max((int(key) for key in part_nums[::2]), default=-1) + 1
        for element in part_tree.K:
            element.S, element.P = Name.Part, document
            document.K.append(element)
    tree.ParentTree = whole.make_indirect(Dictionary(Nums=nums))
    tree.ParentTreeNextKey = next_key
    whole.Root.StructTreeRoot = tree
    whole.Root.MarkInfo = Dictionary(Marked=True)
    whole.Root.ViewerPreferences = Dictionary(DisplayDocTitle=True)
    whole.Root.Lang = pikepdf.String(lang)
    return whole


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
