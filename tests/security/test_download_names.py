"""A download's name ends with the extension of its detected type, never the uploader's: a web page, a script,
a drawing or a program named so by its uploader comes back as the text, image or PDF its content is, and
always as an attachment (saved, never shown by the browser)."""
import re
from urllib.parse import unquote

import pytest
import sqlalchemy as sa

from ipdesk.evidence.models import EvidenceFile
from ipdesk.extensions import db
from tests.evidence.conftest import image_bytes, pdf_bytes
from tests.evidence.test_uploads import upload
from tests.factories import make_case, make_evidence_file

TEXT = "판매 페이지 메모: 위조품 https://shop.example/item/1\n".encode()
PNG = image_bytes("PNG")

NAMES = [
    # uploaded as, content, saved as, served as
    ("report.html", TEXT, "report.html.txt", "text/plain"),
    ("payload.js", TEXT, "payload.js.txt", "text/plain"),
    ("logo.svg", PNG, "logo.svg.png", "image/png"),
    ("setup.exe", pdf_bytes(), "setup.exe.pdf", "application/pdf"),
    ("invoice.pdf.exe", pdf_bytes(), "invoice.pdf.exe.pdf", "application/pdf"),
    ("notes", TEXT, "notes.txt", "text/plain"),
    ("scan.png", pdf_bytes(), "scan.png.pdf", "application/pdf"),
    ("photo.PNG", PNG, "photo.PNG", "image/png"),  # already named as it is: unchanged
    ("증거 사진.png", PNG, "증거 사진.png", "image/png"),
    ("CON.txt", TEXT, "_CON.txt", "text/plain"),  # a device on Windows, not a file
]


def disposition(response) -> tuple[str, str, str]:
    """The Content-Disposition's type, its ASCII ``filename`` and its ``filename*`` decoded (RFC 5987)."""
    header = response.headers["Content-Disposition"]
    kind = header.split(";", 1)[0]
    ascii_name = re.search(r'; filename="([^"]*)"', header).group(1)
    encoded = re.search(r"; filename\*=UTF-8''(\S+)", header).group(1)
    return kind, ascii_name, unquote(encoded, errors="strict")


@pytest.fixture
def officer_case(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    return make_case("evidence")


@pytest.mark.parametrize("uploaded, content, saved, served", NAMES, ids=[n[0] for n in NAMES])
def test_a_download_is_saved_under_the_extension_of_its_content(client, officer_case, uploaded, content, saved,
                                                               served):
    assert upload(client, officer_case, (uploaded, content), kind="document").status_code == 302
    file = db.session.scalar(sa.select(EvidenceFile))
    assert file.original_name == uploaded  # shown in the app as its uploader named it
    response = client.get(f"/cases/{officer_case.id}/evidence/files/{file.id}")
    assert response.status_code == 200 and response.get_data() == content
    response.close()
    kind, ascii_name, name = disposition(response)
    assert kind == "attachment" and name == saved
    assert ascii_name.endswith(saved[saved.rindex("."):])  # a client that reads only the ASCII name: same type
    assert response.mimetype == served and response.headers["X-Content-Type-Options"] == "nosniff"


@pytest.mark.storage  # runs again on S3
def test_a_stored_type_no_longer_accepted_is_served_as_bytes(client, factories, login_as):
    """A row from before a type was refused (an HTML page, say) is served as nothing a browser would show."""
    officer = factories.staff(hub_codes=("cn-north",))
    login_as(officer)
    case = make_case("evidence")
    file = make_evidence_file(case, officer, b"<html><script>alert(1)</script></html>", name="page.html",
                              content_type="text/html")
    response = client.get(f"/cases/{case.id}/evidence/files/{file.id}")
    response.close()
    assert response.mimetype == "application/octet-stream"
    assert disposition(response) == ("attachment", "page.html.bin", "page.html.bin")


@pytest.mark.storage  # runs again on S3
def test_the_bundle_is_an_attachment_too(client, officer_case):
    upload(client, officer_case, ("report.html", TEXT), kind="document")
    response = client.post(f"/cases/{officer_case.id}/evidence/bundle")
    response.close()
    kind, _ascii, name = disposition(response)
    assert kind == "attachment" and name.endswith("-evidence.zip") and response.mimetype == "application/zip"
