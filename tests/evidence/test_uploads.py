"""Evidence uploads: types by content, limits, pixel cap, hashes, downloads, tampering, bundles."""
import hashlib
import io
import json
import re
import zipfile

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage, MultiDict
from werkzeug.test import encode_multipart

from ipdesk.evidence.models import CustodyEvent, CustodyKind, EvidenceFile, EvidenceItem
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from tests.conftest import running_app
from tests.evidence.conftest import image_bytes
from tests.factories import make_case
from tests.support.storage import leftovers, replace_content

pytestmark = pytest.mark.storage


def multipart(fields: dict, files) -> dict:
    """A multipart body built in memory (the test client's own spools large bodies to temporary
    files it leaves to the garbage collector)."""
    values = MultiDict(fields)
    for name, content in files:
        values.add("files", FileStorage(io.BytesIO(content), filename=name))
    boundary, body = encode_multipart(values)
    return {"data": body, "content_type": f"multipart/form-data; boundary={boundary}"}


def upload(client, case, *files, kind="photo", description="Listing photos"):
    return client.post(f"/cases/{case.id}/evidence",
                       **multipart({"kind": kind, "description": description}, files))


def stored_files(app) -> list[str]:
    """Every stored file and unfinished upload, by name (its key)."""
    return leftovers(app)


@pytest.fixture
def officer_case(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    return make_case("evidence")


def test_every_accepted_type_is_stored_with_its_hash(app, client, officer_case, samples):
    for content_type, (name, content) in samples.items():
        response = upload(client, officer_case, (name, content))
        assert response.status_code == 302, (content_type, response.get_data(as_text=True)[:500])
        file = db.session.scalar(sa.select(EvidenceFile).order_by(EvidenceFile.id.desc()))
        assert file.content_type == content_type and file.size == len(content)
        assert file.sha256 == hashlib.sha256(content).hexdigest()
        assert file.original_name == name
    page = client.get(f"/cases/{officer_case.id}").get_data(as_text=True)
    png = samples["image/png"][1]
    assert hashlib.sha256(png).hexdigest() in page
    assert len(stored_files(app)) == len(samples)
    assert db.session.scalar(sa.select(sa.func.count()).where(CustodyEvent.kind == CustodyKind.uploaded)) == 9


@pytest.mark.parametrize("name, content, message", [
    ("photo.png", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "not of an accepted type"),
    ("drawing.svg", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>x</script></svg>',
     "not of an accepted type"),
    ("tool.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 200, "not of an accepted type"),
    ("empty.png", b"", "is empty"),
    ("broken.png", image_bytes("PNG", size=(300, 300))[:80], "could not be read"),  # truncated
])
def test_refused_files_leave_nothing_behind(app, client, officer_case, name, content, message):
    response = upload(client, officer_case, (name, content))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert 'value="photo"' in response.get_data(as_text=True) or "Listing photos" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceItem)) == 0
    assert stored_files(app) == []


def test_one_bad_file_refuses_the_item_and_keeps_the_good_one_attached(app, client, officer_case, samples):
    """Nothing is filed while one file is refused; the good file is kept (staged), shown as attached, and filed
    with the item when the form is sent again without the bad one."""
    response = upload(client, officer_case, samples["image/png"], ("page.png", b"<html></html>"))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0
    assert len(stored_files(app)) == 1 and "Files already attached" in page
    token = re.search(r'name="staged" value="([0-9a-f]{32})"', page).group(1)
    again = client.post(f"/cases/{officer_case.id}/evidence", data={
        "kind": "photo", "description": "Counterfeit on the shelf", "staged": token, "shown": token})
    assert again.status_code == 302
    assert db.session.scalar(sa.select(EvidenceFile.original_name)) == samples["image/png"][0]
    assert len(stored_files(app)) == 1


def test_size_limit_by_type_answers_413_and_stores_nothing(database_url, factories, login):
    with running_app(database_url, EVIDENCE_MAX_MB_DOCUMENT=1) as app:
        client = app.test_client()
        login(client, factories.staff(hub_codes=("cn-north",)))
        case = make_case("evidence")
        big_text = b"counterfeit listing\n" * 60_000  # 1.2 MB of text
        response = upload(client, case, ("notes.txt", big_text))
        assert response.status_code == 413
        assert "larger than 1 MB" in response.get_data(as_text=True)
        assert stored_files(app) == []
        assert upload(client, case, ("small.txt", b"short note\n")).status_code == 302


def test_pixel_flood_is_refused(database_url, factories, login):
    with running_app(database_url, EVIDENCE_MAX_PIXELS=10_000) as app:
        client = app.test_client()
        login(client, factories.staff(hub_codes=("cn-north",)))
        case = make_case("evidence")
        flood = image_bytes("PNG", size=(1000, 1000), mode="1")  # tiny file, a million pixels
        response = upload(client, case, ("flood.png", flood))
        assert response.status_code == 422
        assert "too many pixels" in response.get_data(as_text=True)
        assert stored_files(app) == []


def test_unicode_names_survive_and_downloads_are_attachments(client, officer_case, samples):
    png = samples["image/png"][1]
    upload(client, officer_case, ("证据.png", png), ("증거 사진.jpg", samples["image/jpeg"][1]),
           ("../../etc/passwd.png", png), ("..\\..\\windows.png", png))
    names = list(db.session.scalars(sa.select(EvidenceFile.original_name).order_by(EvidenceFile.id)))
    assert names == ["证据.png", "증거 사진.jpg", "passwd.png", "windows.png"]
    assert all(name not in str(path) for path in stored_files(client.application) for name in names)
    # a file name with CR/LF cannot even be parsed: refused, nothing stored
    assert upload(client, officer_case, ("a\r\nb.png", png)).status_code == 400
    assert len(stored_files(client.application)) == 4
    file = db.session.scalar(sa.select(EvidenceFile).where(EvidenceFile.original_name == "证据.png"))
    response = client.get(f"/cases/{officer_case.id}/evidence/files/{file.id}")
    assert response.status_code == 200
    assert response.get_data() == png
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=UTF-8''%E8%AF%81%E6%8D%AE.png" in disposition
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    response.close()
    assert db.session.scalar(sa.select(sa.func.count()).where(CustodyEvent.kind == CustodyKind.downloaded)) == 1


def test_tampered_file_is_reported_not_served(app, client, officer_case, samples):
    upload(client, officer_case, samples["text/plain"])
    file = db.session.scalar(sa.select(EvidenceFile))
    replace_content(app, file.storage_key, b"forged content\n")
    response = client.get(f"/cases/{officer_case.id}/evidence/files/{file.id}")
    assert response.status_code == 409
    assert "no longer matches" in response.get_data(as_text=True)
    assert b"forged" not in response.get_data()
    assert db.session.scalar(sa.select(sa.func.count()).where(CustodyEvent.kind == CustodyKind.mismatch)) == 1
    verified = client.post(f"/cases/{officer_case.id}/evidence/verify", follow_redirects=True)
    assert "Integrity check failed for: notes.txt" in verified.get_data(as_text=True)
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 1 and "MISMATCH: file" in result.output and "1 mismatched" in result.output
    get_storage().delete(file.storage_key)
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert "1 missing" in result.output


def test_verify_command_when_all_is_well(app, client, officer_case, samples):
    upload(client, officer_case, samples["application/pdf"])
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 0 and "1 ok, 0 mismatched, 0 missing" in result.output


def test_bundle_holds_the_files_and_a_manifest(client, officer_case, samples):
    upload(client, officer_case, samples["image/png"], ("证据.pdf", samples["application/pdf"][1]))
    response = client.post(f"/cases/{officer_case.id}/evidence/bundle")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    manifest = json.loads(archive.read("manifest.json"))
    assert [f["name"] for f in manifest["files"]] == ["photo.png", "证据.pdf"]
    for entry in manifest["files"]:
        assert hashlib.sha256(archive.read(entry["file"])).hexdigest() == entry["sha256"]
        assert entry["custody"][0]["event"] == "uploaded"
    assert db.session.scalar(sa.select(sa.func.count()).where(CustodyEvent.kind == CustodyKind.exported)) == 2


def test_other_tenants_cannot_download(client, make_client, factories, login, officer_case, samples):
    upload(client, officer_case, samples["image/png"])
    file = db.session.scalar(sa.select(EvidenceFile))
    for outsider in (factories.exporter(), factories.staff(hub_codes=("th",))):
        other = make_client()
        login(other, outsider)
        assert other.get(f"/cases/{officer_case.id}/evidence/files/{file.id}").status_code == 404
        assert other.post(f"/cases/{officer_case.id}/evidence/bundle").status_code == 404
    stranger_case = make_case("intake", country="CN")
    assert client.get(f"/cases/{stranger_case.id}/evidence/files/{file.id}").status_code == 404


def test_exporter_attaches_files_at_intake_and_downloads_them(client, factories, login_as, samples):
    exporter = factories.exporter()
    login_as(exporter)
    response = client.post("/cases/new", **multipart(
        {"title": "Fake cushion", "country_code": "TH", "urgency": "normal", "save": "1"},
        [("증거 사진.jpg", samples["image/jpeg"][1])]))
    assert response.status_code == 302
    file = db.session.scalar(sa.select(EvidenceFile))
    assert file.original_name == "증거 사진.jpg" and file.uploaded_by_id == exporter.id
    download = client.get(f"/cases/{file.case_id}/evidence/files/{file.id}")
    download.close()
    assert download.status_code == 200
    # the exporter may not record custody events or verify: that is staff's work
    assert client.post(f"/cases/{file.case_id}/evidence/verify").status_code == 403
