"""Accepting an uploaded file: its type from its content, size limits by type, a pixel cap for
images, SHA-256 computed while the file streams to storage."""
import hashlib
import unicodedata
from dataclasses import dataclass

import magic
from flask import current_app, g
from flask_babel import gettext as _
from PIL import Image, UnidentifiedImageError

from ipdesk.evidence.storage import get_storage

CHUNK = 1024 * 1024

# The types evidence may have, decided by content (libmagic), never by name or browser claim.
ALLOWED_TYPES = {
    "image/png": "image", "image/jpeg": "image", "image/webp": "image",
    "application/pdf": "document", "text/plain": "document",
    "video/mp4": "video", "video/webm": "video",
    "audio/mpeg": "audio", "audio/x-m4a": "audio", "audio/mp4": "audio",
}


class UploadRefused(Exception):
    """The file is not accepted; ``message`` says why in the user's language."""

    def __init__(self, message: str, *, too_large: bool = False):
        super().__init__(message)
        self.message = message
        self.too_large = too_large


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


def detect_type(head: bytes) -> str:
    content_type = magic.from_buffer(head, mime=True)
    if content_type == "text/plain" and b"\x00" in head:
        return "application/octet-stream"
    return content_type


def accept_upload(upload) -> StoredFile:
    """Stream ``upload`` (a werkzeug FileStorage) into storage, or refuse it and keep nothing.

    The file is registered for removal should the request's transaction not commit.
    """
    name = clean_name(upload.filename)
    stream = upload.stream
    head = stream.read(CHUNK)
    if not head:
        raise UploadRefused(_("The file %(name)s is empty.", name=name))
    content_type = detect_type(head)
    group = ALLOWED_TYPES.get(content_type)
    if group is None:
        raise UploadRefused(_("The file %(name)s is not of an accepted type (its content is %(type)s). "
                              "Accepted: images (PNG, JPEG, WebP), PDF, plain text, video (MP4, WebM) and "
                              "audio (MP3, M4A).", name=name, type=content_type))
    limit = limit_for(group)
    pending = get_storage().create()
    digest = hashlib.sha256()
    size = 0
    try:
        chunk = head
        while chunk:
            size += len(chunk)
            if size > limit:
                raise UploadRefused(_("The file %(name)s is larger than %(mb)d MB, the limit for this type.",
                                      name=name, mb=limit // (1024 * 1024)), too_large=True)
            digest.update(chunk)
            pending.write(chunk)
            chunk = stream.read(CHUNK)
        pending.handle.flush()
        width = height = None
        if group == "image":
            width, height = _check_image(pending.path, name)
        key = pending.commit()
    except BaseException:
        pending.discard()
        raise
    g.setdefault("stored_files", []).append(key)
    return StoredFile(key, name, content_type, size, digest.hexdigest(), width, height)


def _check_image(path, name: str) -> tuple[int, int]:
    """Refuse images whose pixel count could exhaust memory when decoded, and broken images."""
    cap = current_app.config["EVIDENCE_MAX_PIXELS"]
    try:
        with Image.open(path) as image:
            width, height = image.size
            if width * height > cap:
                raise UploadRefused(_("The image %(name)s has too many pixels (%(w)d × %(h)d); the limit is "
                                      "%(cap)d million.", name=name, w=width, h=height, cap=cap // 1_000_000))
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise UploadRefused(_("The image %(name)s could not be read.", name=name)) from exc
    return width, height


def discard_uncommitted_files() -> None:
    """After a failed request: remove the files it stored, so no file is left without its row."""
    keys = g.pop("stored_files", [])
    if keys:
        storage = get_storage()
        for key in keys:
            storage.delete(key)
