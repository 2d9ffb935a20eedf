"""Documents as evidence, checked by their content: PDFs parsed for active content, and office documents by
their container (a Compound File for HWP, a ZIP package for HWPX and Office Open XML), their main part, and
nothing active inside.

Korean firms keep their evidence in HWP and HWPX (Hancom), DOCX, XLSX and PPTX. Each is recognised by what it
holds, never by its name: an HWP by its file header and body text streams; an HWPX by its mimetype entry and
its sections; a DOCX, XLSX or PPTX by the main part its content types name. Macros (VBA, Hancom's scripts),
OLE objects and ActiveX controls, links that fetch content from elsewhere, and password protection (which
hides the content from this check) are refused, each with a reason in words. Only the package's directory and
its few small index parts are read, never the whole document unpacked.

A PDF is parsed and every object of it walked (``pdf_walk``) in a child process capped in memory and time:
scripts, actions that start programs, open other files or send data, attached files, XFA forms and
multimedia are refused, however the file encodes them.
"""
import csv
import io
import json
import re
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path
from typing import BinaryIO
from xml.etree import ElementTree

import olefile
from flask import current_app
from flask_babel import gettext as _

from ipdesk.evidence import pdf_walk

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
HWP_SIGNATURE = b"HWP Document File"
HWP_PASSWORD, HWP_SCRIPTS, HWP_DRM = 0x2, 0x8, 0x10  # bits of the HWP file header's properties
HWPX_MIMETYPE = b"application/hwp+zip"
HWP, HWPX = "application/x-hwp", "application/hwp+zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# the main part's content type in [Content_Types].xml -> what the package is (the macro-enabled kinds are refused)
MAIN_PARTS = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": DOCX,
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml": XLSX,
    "application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml": PPTX,
}
# what libmagic calls the containers that are looked into (the final type comes from their content)
CONTAINER_TYPES = frozenset({
    "application/zip", "application/x-zip-compressed", HWP, "application/x-ole-storage", "application/CDFV2",
    "application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint", "application/vnd.ms-office",
    "application/encrypted", DOCX, XLSX, PPTX,
})
MAX_ENTRIES = 20_000  # a document has dozens of parts; tens of thousands is an archive, or a trap
MAX_INDEX_PART = 1024 * 1024  # the content types, the relationships, HWPX's mimetype and manifest are small
EXTERNAL_LINK = re.compile(rb'TargetMode\s*=\s*["\']External["\']', re.I)
LINK_TYPES_FETCHED = (b"/attachedTemplate", b"/oleObject", b"/frame", b"/subDocument")
PDF = "application/pdf"
# wall time of the child that walks a PDF (its CPU is capped at pdf_walk.CPU_SECONDS), within the 30 s a
# gunicorn worker is given to answer
PDF_CHECK_SECONDS = pdf_walk.CPU_SECONDS + 5


class DocumentRefused(Exception):
    """The document is not accepted; ``reason`` says why, in words, in the user's language."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def _macros() -> DocumentRefused:
    return DocumentRefused(_("it contains macros (scripts that run when the document is opened); save a copy "
                             "without macros and upload that"))


def _objects() -> DocumentRefused:
    return DocumentRefused(_("it contains objects embedded from other programs (OLE objects or ActiveX "
                             "controls); save a copy without them, or as PDF, and upload that"))


def _password() -> DocumentRefused:
    return DocumentRefused(_("it is protected by a password, so its content cannot be checked; save a copy "
                             "without the password and upload that"))


def _damaged() -> DocumentRefused:
    return DocumentRefused(_("it is damaged, or not a complete document"))


def inspect_document(handle: BinaryIO) -> str:
    """The type of the office document in ``handle`` (a stored upload), by its content.

    :raises DocumentRefused: it is not an HWP, HWPX, DOCX, XLSX or PPTX document, or it holds active content.
    """
    head = handle.read(len(OLE_MAGIC))
    handle.seek(0)
    if head == OLE_MAGIC:
        return _compound_file(handle)
    if head.startswith(b"PK\x03\x04"):
        return _package(handle)
    raise _damaged()


def _pdf_refusals() -> dict:
    return {
        pdf_walk.SCRIPT: _("it contains scripts (JavaScript) that can run when it is opened; print it to a new PDF "
                           "and upload that"),
        pdf_walk.ACTION: _("it can start programs, open other files or send data elsewhere when it is opened or "
                           "clicked; print it to a new PDF and upload that"),
        pdf_walk.ATTACHMENT: _("it carries other files inside it (attachments); upload those files on their own, "
                               "and the PDF printed to a new PDF without them"),
        pdf_walk.XFA: _("it is an XFA form, whose pages are made by scripts when it is opened; print it to a new "
                        "PDF and upload that"),
        pdf_walk.MEDIA: _("it contains multimedia or 3D content that plays on its own; print it to a new PDF and "
                          "upload that"),
        pdf_walk.TOO_COMPLEX: _("it could not be checked within the memory and time allowed (it unpacks to far "
                                "more than its size); print it to a new PDF and upload that"),
    }


def inspect_pdf(handle: BinaryIO) -> str:
    """The type of the PDF in ``handle`` (a stored upload): PDF, once nothing active is found in it.

    :raises DocumentRefused: it holds active content, cannot be parsed, or is protected by a password.
    """
    try:
        handle.fileno()
    except (OSError, AttributeError):  # an object in S3: the checking process reads a local copy as its input
        with tempfile.TemporaryFile() as local:
            shutil.copyfileobj(handle, local, 1024 * 1024)
            local.seek(0)
            return _inspect_pdf_file(local)
    return _inspect_pdf_file(handle)


def _inspect_pdf_file(handle: BinaryIO) -> str:
    try:
        child = subprocess.run([sys.executable, "-I", str(Path(pdf_walk.__file__))], stdin=handle,
                               capture_output=True, timeout=PDF_CHECK_SECONDS, check=False)
    except subprocess.TimeoutExpired:
        found = pdf_walk.TOO_COMPLEX
    except OSError:  # no process to be had (the machine is out of memory or processes)
        current_app.logger.exception("PDF check could not start")
        raise DocumentRefused(_("it could not be checked just now; upload it again in a moment")) from None
    else:
        try:
            found = json.loads(child.stdout)["found"]
        except (ValueError, KeyError, TypeError):  # the child died: its memory or CPU cap, or a fault of qpdf
            current_app.logger.warning("PDF check ended without an answer (exit status %s): %s", child.returncode,
                                       child.stderr.decode(errors="replace")[-2000:])
            found = pdf_walk.TOO_COMPLEX
    if found is None:
        return PDF
    if found == pdf_walk.DAMAGED:
        raise _damaged()
    if found == pdf_walk.PASSWORD:
        raise _password()
    raise DocumentRefused(_pdf_refusals()[found])


def _compound_file(handle: BinaryIO) -> str:
    try:
        ole = olefile.OleFileIO(handle)
    except OSError as exc:
        raise _damaged() from exc
    with ole:
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
            raise _password()  # an Office document saved with a password
        if ole.exists("FileHeader"):
            return _hwp(ole)
        if any(ole.exists(name) for name in ("WordDocument", "Workbook", "Book", "PowerPoint Document")):
            raise DocumentRefused(_("it is an older Word, Excel or PowerPoint file (97–2003); save it as DOCX, "
                                    "XLSX or PPTX and upload that"))
    raise DocumentRefused(_("it is a container of another program, not a document"))


def _hwp(ole: olefile.OleFileIO) -> str:
    header = ole.openstream("FileHeader").read(256)
    if not header.startswith(HWP_SIGNATURE) or len(header) < 40:
        raise _damaged()
    properties = int.from_bytes(header[36:40], "little")
    if properties & (HWP_PASSWORD | HWP_DRM):
        raise _password()
    entries = ["/".join(path) for path in ole.listdir()]
    if properties & HWP_SCRIPTS or any(e.lower().startswith("scripts/") for e in entries):
        raise _macros()
    if any(e.lower().startswith("bindata/") and e.lower().endswith(".ole") for e in entries):
        raise _objects()
    if not ole.exists("DocInfo") or not any(re.fullmatch(r"(BodyText|ViewText)/Section\d+", e) for e in entries):
        raise _damaged()
    return HWP


def _package(handle: BinaryIO) -> str:
    try:
        package = zipfile.ZipFile(handle)
        infos = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _damaged() from exc
    if len(infos) > MAX_ENTRIES:
        raise DocumentRefused(_("it is an archive of many files, not a document"))
    by_name = {info.filename: info for info in infos}

    def small(name: str) -> bytes:
        info = by_name[name]
        if info.file_size > MAX_INDEX_PART:
            raise _damaged()
        try:
            return package.read(info)
        except (zipfile.BadZipFile, OSError, ValueError, RuntimeError) as exc:  # RuntimeError: encrypted entry
            raise _damaged() from exc

    with package:
        if "mimetype" in by_name and small("mimetype").strip() == HWPX_MIMETYPE:
            return _hwpx(by_name, small)
        if "[Content_Types].xml" in by_name:
            return _office_open_xml(by_name, small)
    raise DocumentRefused(_("it is a ZIP archive, not a document; upload the files in it one by one"))


def _hwpx(by_name: dict, small) -> str:
    names = [name.lower() for name in by_name]
    if "meta-inf/manifest.xml" in names and b"encryption-data" in small(
            next(n for n in by_name if n.lower() == "meta-inf/manifest.xml")):
        raise _password()
    if any(name.startswith("scripts/") for name in names):
        raise _macros()
    if any(name.startswith("bindata/") and name.endswith(".ole") for name in names):
        raise _objects()
    if "contents/content.hpf" not in names or not any(re.fullmatch(r"contents/section\d+\.xml", n) for n in names):
        raise _damaged()
    return HWPX


def _office_open_xml(by_name: dict, small) -> str:
    try:
        types = ElementTree.fromstring(small("[Content_Types].xml"))
    except ElementTree.ParseError as exc:
        raise _damaged() from exc
    overrides = {element.get("PartName", ""): (element.get("ContentType") or "").lower()
                 for element in types if element.tag.endswith("}Override")}
    defaults = [(element.get("ContentType") or "").lower() for element in types if element.tag.endswith("}Default")]
    declared = [*overrides.values(), *defaults]
    if any("vbaproject" in t or "macroenabled" in t for t in declared):  # .docm, .xlsm, .pptm and templates
        raise _macros()
    names = [name.lower() for name in by_name]
    if any(name.endswith("vbaproject.bin") or name.endswith("vbadata.xml") for name in names):
        raise _macros()
    if any("oleobject" in t or "activex" in t for t in declared) or any(
            "/embeddings/" in name or "/activex/" in name for name in names):
        raise _objects()
    for name in by_name:
        if name.lower().endswith(".rels"):
            relationships = small(name)
            for line in re.findall(rb"<Relationship\b[^>]*>", relationships):
                if EXTERNAL_LINK.search(line) and any(kind in line for kind in LINK_TYPES_FETCHED):
                    raise DocumentRefused(_("it fetches content from outside the document when it is opened "
                                            "(a linked template or object); save a copy without the link"))
    mains = [(part, MAIN_PARTS[t]) for part, t in overrides.items() if t in MAIN_PARTS]
    if len(mains) != 1 or mains[0][0].lstrip("/") not in by_name:
        raise _damaged()
    return mains[0][1]


def looks_like_table(head: bytes) -> bool:
    """Whether text is a table (CSV): at least two lines, each with the same number of fields, more than one,
    split by one delimiter. A note that happens to hold commas is text."""
    for encoding in ("utf-8-sig", "cp949"):
        try:
            text = head.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        return False
    lines = text.splitlines()
    if len(head) >= 1024 * 1024 and lines:
        lines = lines[:-1]  # the last line of a file's first megabyte may be cut short
    lines = [line for line in lines[:200] if line.strip()]
    if len(lines) < 2:
        return False
    for delimiter in (",", ";", "\t"):
        counts = {len(row) for row in csv.reader(io.StringIO("\n".join(lines)), delimiter=delimiter)}
        if len(counts) == 1 and counts.pop() > 1:
            return True
    return False
