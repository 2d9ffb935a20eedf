"""Accepting an uploaded file: its type from its content, size limits by type, a pixel cap for
images; the checks read the upload as it streams to storage, which hashes it."""
import os
import unicodedata
from dataclasses import dataclass
from typing import BinaryIO

import magic
from flask import current_app, g
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from PIL import Image, UnidentifiedImageError

from ipdesk.core.transaction import refuse
from ipdesk.evidence.documents import (
    CONTAINER_TYPES,
    DOCX,
    HWP,
    HWPX,
    PDF,
    PPTX,
    XLSX,
    DocumentRefused,
    inspect_document,
    inspect_pdf,
    looks_like_table,
)
from ipdesk.evidence.storage import StorageUnavailable, get_storage

CHUNK = 1024 * 1024

# The types evidence may have, decided by content (libmagic), never by name or browser claim.
ALLOWED_TYPES = {
    "image/png": "image", "image/jpeg": "image", "image/webp": "image",
    "application/pdf": "document", "text/plain": "document", "text/csv": "document",
    HWP: "document", HWPX: "document", DOCX: "document", XLSX: "document", PPTX: "document",
    "video/mp4": "video", "video/webm": "video",
    "audio/mpeg": "audio", "audio/x-m4a": "audio", "audio/mp4": "audio",
}


# What each allowed type is called where people read it (pages, PDFs, messages): words, not MIME types.
FILE_KINDS = {
    "image/png": _l("PNG image"), "image/jpeg": _l("JPEG photo"), "image/webp": _l("WebP image"),
    "application/pdf": _l("PDF document"), "text/plain": _l("Text file"), "text/csv": _l("CSV table"),
    HWP: _l("Hangul document (HWP)"), HWPX: _l("Hangul document (HWPX)"), DOCX: _l("Word document (DOCX)"),
    XLSX: _l("Excel workbook (XLSX)"), PPTX: _l("PowerPoint presentation (PPTX)"),
    "video/mp4": _l("MP4 video"), "video/webm": _l("WebM video"),
    "audio/mpeg": _l("MP3 audio"), "audio/x-m4a": _l("M4A audio"), "audio/mp4": _l("M4A audio"),
}


# Kinds that are refused, named in words when a refusal says what a file is.
REFUSED_KINDS = {
    "text/html": _l("a web page (HTML)"), "image/svg+xml": _l("a drawing with scripts (SVG)"),
    "image/gif": _l("a GIF animation"), "image/heic": _l("an iPhone photo (HEIC)"),
    "application/x-dosexec": _l("a program"), "application/x-executable": _l("a program"),
    "application/x-sharedlib": _l("a program"), "application/x-rar": _l("a RAR archive"),
    "application/x-7z-compressed": _l("a 7-Zip archive"), "application/gzip": _l("a compressed archive"),
}


def file_kind(content_type: str) -> str:
    """A file's kind in words in the reader's language, e.g. "JPEG 사진"; a type without a name as it is."""
    kind = FILE_KINDS.get(content_type)
    return str(kind) if kind is not None else content_type


def refused_kind(content_type: str) -> str:
    """What a refused file is, in words: never a MIME type."""
    kind = REFUSED_KINDS.get(content_type) or FILE_KINDS.get(content_type)
    return str(kind) if kind is not None else _("a kind of file that is not on the list")


class UploadRefused(Exception):
    """The file is not accepted; ``message`` says why in the user's language. Like a ServiceError,
    it refuses the request."""

    def __init__(self, message: str, *, too_large: bool = False, unavailable: bool = False):
        super().__init__(message)
        refuse()
        self.message = message
        self.too_large = too_large
        self.unavailable = unavailable  # the storage could not be reached: nothing of the request is kept

    @property
    def status(self) -> int:
        """The HTTP status of the page that says so: 503 when the storage could not be reached, 413 for a file over
        its size limit, else 422."""
        return 503 if self.unavailable else 413 if self.too_large else 422


def refusal_status(refusals) -> int:
    """The status of a page that gives several refusals: the one that matters most to the sender."""
    return min((refusal.status for refusal in refusals), key=(503, 413, 422).index, default=422)


@dataclass
class StoredFile:
    key: str
    original_name: str
    content_type: str
    size: int
    sha256: str
    width: int | None = None
    height: int | None = None


def limit_for(group: str) -> int:
    """The maximum size in bytes for a group of types (configurable, in MB)."""
    megabytes = {"video": "EVIDENCE_MAX_MB_VIDEO", "audio": "EVIDENCE_MAX_MB_AUDIO"}.get(
        group, "EVIDENCE_MAX_MB_DOCUMENT")
    return current_app.config[megabytes] * 1024 * 1024


def clean_name(name: str | None) -> str:
    """A display name from the browser's file name: no path, no control characters, NFC, ≤ 255."""
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return name[:255] or "file"


# Inside an image or a PDF, these betray a second file (a polyglot: an archive or a web page riding
# along, which another program would open as such). A PDF's own active content is found by parsing it
# (documents.inspect_pdf), which sees through the encodings a scan of bytes cannot.
ARCHIVE_MARKS = (b"PK\x03\x04", b"PK\x05\x06", b"Rar!\x1a\x07", b"7z\xbc\xaf\x27\x1c")
MARKUP_MARKS = (b"<script", b"<html", b"<!doctype html", b"<?php", b"<svg", b"<iframe", b"javascript:")
WINDOW = 64  # bytes kept between chunks so a mark split across two chunks is still seen


class ContentScanner:
    """Looks through a file as it streams by for marks of a second file or of active content."""

    def __init__(self, group: str, content_type: str):
        marks = []
        if group == "image" or content_type == PDF:
            marks += [(m, "archive") for m in ARCHIVE_MARKS] + [(m, "markup") for m in MARKUP_MARKS]
        self.marks = marks
        self.tail = b""
        self.found: str | None = None

    def feed(self, chunk: bytes) -> None:
        if not self.marks or self.found:
            return
        window = (self.tail + chunk).lower()
        for mark, kind in self.marks:
            if mark.lower() in window:
                self.found = kind
                return
        self.tail = window[-WINDOW:]


def detect_type(head: bytes) -> str:
    content_type = magic.from_buffer(head, mime=True)
    if content_type == "text/plain" and b"\x00" in head:
        return "application/octet-stream"
    return content_type


class CheckedUpload:
    """An upload's stream as storage reads it, refused mid-stream: past the size limit of its type, or,
    at its end, when a second file or active content rode along (the storage then keeps nothing)."""

    def __init__(self, stream, head: bytes, *, name: str, content_type: str, group: str):
        self.stream, self.pending = stream, head
        self.name, self.content_type = name, content_type
        self.limit = limit_for(group)
        self.scanner = ContentScanner(group, content_type)
        self.size = 0

    def read(self, size: int = -1) -> bytes:
        """The next chunk of the upload (as the upload gives it, whatever ``size`` asks); b"" at its end."""
        chunk, self.pending = self.pending or self.stream.read(CHUNK), b""
        if not chunk:
            if self.scanner.found:
                raise UploadRefused(_("The file %(name)s is refused: besides a %(type)s it holds another file or "
                                      "active content (a script or an archive). Save the picture or document "
                                      "again on its own and upload that.", name=self.name,
                                      type=file_kind(self.content_type)))
            return b""
        self.size += len(chunk)
        if self.size > self.limit:
            raise UploadRefused(_("The file %(name)s is larger than %(mb)d MB, the limit for this type.",
                                  name=self.name, mb=self.limit // (1024 * 1024)), too_large=True)
        self.scanner.feed(chunk)
        return chunk


def accept_upload(upload) -> StoredFile:
    """Stream ``upload`` (a werkzeug FileStorage) into storage, or refuse it and keep nothing (also when the storage
    cannot be reached: the refusal then says so, with status 503).

    The file is registered for removal should the request's transaction not commit.
    """
    try:
        return _accept_upload(upload)
    except StorageUnavailable as error:
        current_app.logger.warning("an upload could not be stored: %s", error)
        raise UploadRefused(_("The file %(name)s could not be stored: the evidence store cannot be reached just now. "
                              "None of the files sent with this form were kept; send it again in a few minutes.",
                              name=clean_name(upload.filename)), unavailable=True) from None


def _accept_upload(upload) -> StoredFile:
    name = clean_name(upload.filename)
    if any(unicodedata.category(ch) == "Cc" for ch in upload.filename or ""):
        raise UploadRefused(_("The name of the file %(name)s contains control characters. Rename the file and "
                              "upload it again.", name=name))
    head = upload.stream.read(CHUNK)
    if not head:
        raise UploadRefused(_("The file %(name)s is empty.", name=name))
    content_type = detect_type(head)
    if content_type in ("text/plain", "text/csv"):  # a table by its content; a note with commas is text
        content_type = "text/csv" if looks_like_table(head) else "text/plain"
    container = content_type in CONTAINER_TYPES  # a document: what it is, its content tells once stored
    parsed = container or content_type == PDF  # a PDF: whether it holds active content, parsing it tells
    group = "document" if container else ALLOWED_TYPES.get(content_type)
    if group is None:
        raise UploadRefused(_("The file %(name)s is not of an accepted type: it is %(kind)s. Accepted: images "
                              "(PNG, JPEG, WebP), PDF, documents (HWP, HWPX, DOCX, XLSX, PPTX), text and CSV, "
                              "video (MP4, WebM) and audio (MP3, M4A).", name=name, kind=refused_kind(content_type)))
    storage = get_storage()
    stored = storage.put(CheckedUpload(upload.stream, head, name=name, content_type=content_type, group=group))
    if parsed:
        try:
            with storage.open(stored.key) as handle:
                content_type = inspect_document(handle) if container else inspect_pdf(handle)
        except DocumentRefused as refused:
            _discard(stored.key)
            raise UploadRefused(_("The file %(name)s is refused: %(reason)s.", name=name,
                                  reason=refused.reason)) from None
        except BaseException:
            _discard(stored.key)
            raise
    width = height = None
    if group == "image":  # what only the whole file tells: the image's size, and nothing after its end
        try:
            with storage.open(stored.key) as handle:
                width, height = _check_image(handle, name)
                if _trailing_bytes(handle, content_type):
                    raise UploadRefused(_("The file %(name)s is refused: data follows the end of the image. Save "
                                          "the picture again on its own and upload that.", name=name))
        except BaseException:
            _discard(stored.key)
            raise
    g.setdefault("stored_files", []).append(stored.key)
    return StoredFile(stored.key, name, content_type, stored.size, stored.sha256, width, height)


def _discard(key: str) -> None:
    """Remove a file just stored and refused; if the storage cannot be reached, it stays without a row until
    ``flask evidence verify --repair`` (the refusal still goes to the user)."""
    try:
        get_storage().delete(key)
    except StorageUnavailable as error:
        current_app.logger.warning("a refused upload could not be removed: %s", error)


def _trailing_bytes(handle: BinaryIO, content_type: str) -> bool:
    """Whether bytes follow the end of a PNG (its IEND chunk) or a JPEG (its last end-of-image mark)."""
    if content_type == "image/png":
        handle.seek(8)
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return False  # truncated: Pillow's check reports it
            length, kind = int.from_bytes(header[:4], "big"), header[4:]
            handle.seek(length + 4, os.SEEK_CUR)  # the chunk's data and CRC
            if kind == b"IEND":
                return handle.read(1) != b""
    if content_type == "image/jpeg":
        handle.seek(0, os.SEEK_END)
        size = handle.tell()
        handle.seek(max(0, size - CHUNK))
        tail = handle.read()
        end = tail.rfind(b"\xff\xd9")
        return end >= 0 and tail[end + 2:].strip(b"\x00\r\n ") != b""
    return False


def _check_image(handle: BinaryIO, name: str) -> tuple[int, int]:
    """Refuse images whose pixel count could exhaust memory when decoded, and broken images."""
    cap = current_app.config["EVIDENCE_MAX_PIXELS"]
    try:
        with Image.open(handle) as image:
            width, height = image.size
            if width * height > cap:
                raise UploadRefused(_("The image %(name)s has too many pixels (%(w)d × %(h)d); the limit is "
                                      "%(cap)d million.", name=name, w=width, h=height, cap=cap // 1_000_000))
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadRefused(_("The image %(name)s could not be read.", name=name)) from exc
    return width, height


def keep_stored_file(key: str) -> None:
    """A file this request stored that outlives a refusal of the request (its row is written despite it)."""
    keys = g.get("stored_files", [])
    if key in keys:
        keys.remove(key)


def discard_uncommitted_files() -> None:
    """After a failed request: remove the files it stored, so no file is left without its row."""
    for key in g.pop("stored_files", []):
        _discard(key)
