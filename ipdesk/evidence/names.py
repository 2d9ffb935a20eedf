"""The names evidence files leave the app under (downloads and bundle entries): ending with the extension of
the type their content was detected as, never the uploader's, and valid on Windows, macOS and Linux.

A file uploaded as "report.html" whose content is text comes back as "report.html.txt": the computer that
opens it treats it as text, whatever its name once was. The name shown in the app and kept in a bundle's
manifest stays the uploader's.
"""
import re
import unicodedata
from typing import BinaryIO
from urllib.parse import quote

from flask import Response, send_file

from ipdesk.evidence.documents import DOCX, HWP, HWPX, PDF, PPTX, XLSX

# The extensions each accepted type goes by, its usual one first (uploads.ALLOWED_TYPES lists the types).
EXTENSIONS = {
    "image/png": (".png",), "image/jpeg": (".jpg", ".jpeg"), "image/webp": (".webp",),
    PDF: (".pdf",), "text/plain": (".txt",), "text/csv": (".csv", ".tsv"),
    HWP: (".hwp",), HWPX: (".hwpx",), DOCX: (".docx",), XLSX: (".xlsx",), PPTX: (".pptx",),
    "video/mp4": (".mp4",), "video/webm": (".webm",),
    "audio/mpeg": (".mp3",), "audio/x-m4a": (".m4a",), "audio/mp4": (".m4a",),
}
UNKNOWN = ".bin"  # a type not (or no longer) accepted: opened by nothing without being asked

# Not allowed in a Windows file name (":" is not in macOS's Finder either, "/" nowhere)
FORBIDDEN = frozenset('<>:"/\\|?*')
# Invisible characters that are not text: controls, format marks (a right-to-left override makes
# "photo\u202egnp.exe" read as "photoexe.png"), lone surrogates (no encoding writes them), line separators.
FORBIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
# Device names Windows reserves, whatever follows their first dot ("CON.txt", "com1.tar.gz")
RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                      *(device + digit for device in ("COM", "LPT") for digit in "0123456789¹²³")})
MAX_BYTES = 255  # a file name's limit on Linux (bytes of UTF-8) and within macOS's and Windows' 255 units
# Windows Explorer still extracts within 260 characters of path: leave a hundred for the folder extracted into
MAX_CHARACTERS = 160


def download_type(content_type: str) -> str:
    """The Content-Type a stored file is served with: its detected type, or one that nothing opens unasked."""
    return content_type if content_type in EXTENSIONS else "application/octet-stream"


def typed_name(name: str, content_type: str) -> str:
    """``name`` ending with an extension of ``content_type``: as it is when it does, else with the type's
    usual extension added ("report.html" of text is "report.html.txt")."""
    extensions = EXTENSIONS.get(content_type, (UNKNOWN,))
    stem, dot, extension = name.rpartition(".")
    if stem and dot and f".{extension}".lower() in extensions:
        return name
    return name + extensions[0]


def portable_name(name: str, content_type: str, *, prefix: str = "") -> str:
    """The name a file of ``content_type`` is saved under on any system: ``prefix`` (ASCII, valid) and ``name``,
    typed (``typed_name``), its forbidden characters replaced by "_", no leading dots or spaces, no trailing
    ones, no Windows device name, and cut on a character boundary to fit ``MAX_BYTES`` and ``MAX_CHARACTERS``
    with its extension kept."""
    name = unicodedata.normalize("NFC", typed_name(name, content_type))
    name = "".join("_" if ch in FORBIDDEN or unicodedata.category(ch) in FORBIDDEN_CATEGORIES else ch
                   for ch in name)
    stem, _dot, extension = name.rpartition(".")  # the extension is the type's: ASCII letters and digits
    extension = f".{extension}"
    stem = stem.strip(" .")
    if not prefix and stem.split(".", 1)[0].rstrip(" ").upper() in RESERVED:
        stem = f"_{stem}"
    fixed = prefix + extension
    stem = stem[:MAX_CHARACTERS - len(fixed)]
    stem = stem.encode()[:MAX_BYTES - len(fixed.encode())].decode("utf-8", "ignore")  # a cut character goes
    return prefix + (stem.rstrip(" .") or "file") + extension


def attachment(name: str) -> str:
    """A Content-Disposition that saves the file as ``name`` (RFC 6266, the name in UTF-8 as RFC 5987 writes
    it), with an ASCII name for clients that read no other (accents dropped, other letters "_")."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[^A-Za-z0-9 ._()-]", "_", ascii_name).strip(" .") or "file"
    stem, _dot, extension = name.rpartition(".")
    if not ascii_name.lower().endswith(f".{extension}".lower()):
        ascii_name = f"file.{extension}"  # nothing of the name is left in ASCII: keep its extension
    return f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(name, safe='')}"


def stored_file_response(handle: BinaryIO, *, name: str, content_type: str, size: int, sha256: str) -> Response:
    """A stored file just checked against its hash (open in ``handle``, ``size`` bytes long), to be saved, never
    shown: under a name ending as its content is (not as its uploader named it), with that type."""
    response = send_file(handle, mimetype=download_type(content_type), etag=sha256, conditional=False)
    response.headers["Content-Disposition"] = attachment(portable_name(name, content_type))
    response.content_length = size  # checked just now: the stream is exactly this long
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "no-store"
    return response
