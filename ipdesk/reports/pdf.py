"""Rendering HTML to PDF with WeasyPrint: nothing is fetched but images the app made for the document.

User text reaches WeasyPrint only as escaped text in templates that get plain data. The URL fetcher
refuses every URL (``file:``, ``http(s):``, ``data:`` and the rest) except ``ipdesk-image:<key>`` for
images handed to :func:`render_pdf` by the caller, which are thumbnails the app re-encoded itself.
There is no ``base_url``, so no relative URL can point at a folder of user files.

Every PDF is tagged as PDF/UA-1 asks: its structure (headings, tables, lists) for screen readers, the
language of the template's ``<html lang>`` and the title of its ``<title>``, which viewers show.
"""
import gc
import io
import re
import threading
from pathlib import Path

from pypdf import PdfReader, PdfWriter
from pypdf.generic import ArrayObject, BooleanObject, DictionaryObject, NameObject, NumberObject, TextStringObject
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

STYLESHEET = Path(__file__).parent / "pdf.css"
PDF_VARIANT = "pdf/ua-1"  # tagged structure, /Lang, /Title shown as the window's title, XMP metadata
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
        return document.write_pdf(stylesheets=[stylesheet], font_config=font_config, pdf_variant=PDF_VARIANT)
    finally:
        if collecting:
            gc.enable()


def join_tagged(parts: list[bytes], lang: str) -> tuple[PdfWriter, list[int]]:
    """One tagged PDF made of tagged PDFs: their pages in order, and their structure trees as the parts of one
    document, so the whole stays readable by screen readers; returns the writer (for outlines and metadata)
    and the index of each part's first page. The first part's XMP metadata (its title) becomes the whole's.
    """
    writer = PdfWriter()
    # pypdf has no public way to add an indirect object; the structure tree needs a few
    document_ref = writer._add_object(_pdf_dict(Type="/StructElem", S="/Document", K=ArrayObject()))
    document = document_ref.get_object()
    tree_ref = writer._add_object(_pdf_dict(Type="/StructTreeRoot", K=ArrayObject([document_ref])))
    tree = tree_ref.get_object()
    document[NameObject("/P")] = tree_ref
    nums, next_key, first_pages = ArrayObject(), 0, []
    for number, data in enumerate(parts):
        reader = PdfReader(io.BytesIO(data))
        first_pages.append(len(writer.pages))
        for page in reader.pages:
            copy = writer.add_page(page)  # pypdf drops /StructParents: numbered again below
            if "/StructParents" in page:
                copy[NameObject("/StructParents")] = NumberObject(page["/StructParents"] + next_key)
            for annotation in copy.get("/Annots", []):
                annotation = annotation.get_object()
                if "/StructParent" in annotation:
                    annotation[NameObject("/StructParent")] = NumberObject(annotation["/StructParent"] + next_key)
        catalog = reader.trailer["/Root"]
        if number == 0 and "/Metadata" in catalog:
            writer.xmp_metadata = catalog["/Metadata"].get_object().get_data()
        if "/StructTreeRoot" not in catalog:
            continue
        # cloned after the pages, so that the elements' /Pg point at the copies made above
        part_tree = catalog["/StructTreeRoot"].get_object().clone(writer)
        part_nums = part_tree["/ParentTree"].get_object()["/Nums"]
        for key, value in zip(part_nums[::2], part_nums[1::2], strict=True):
            nums.extend([NumberObject(key + next_key), value])
        next_key += max(part_nums[::2], default=-1) + 1
        for kid in part_tree["/K"]:
            element = kid.get_object()
            element[NameObject("/S")], element[NameObject("/P")] = NameObject("/Part"), document_ref
            document["/K"].append(kid)
    tree[NameObject("/ParentTree")] = writer._add_object(_pdf_dict(Nums=nums))
    tree[NameObject("/ParentTreeNextKey")] = NumberObject(next_key)
    writer.root_object.update(_pdf_dict(StructTreeRoot=tree_ref, MarkInfo=_pdf_dict(Marked=BooleanObject(True)),
                                        ViewerPreferences=_pdf_dict(DisplayDocTitle=BooleanObject(True)),
                                        Lang=TextStringObject(lang)))
    return writer, first_pages


def _pdf_dict(**entries) -> DictionaryObject:
    """A PDF dictionary; values given as plain ``str`` ("/Name") are names."""
    return DictionaryObject({NameObject(f"/{key}"): NameObject(value) if type(value) is str else value
                             for key, value in entries.items()})


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
