"""Hostile uploads: each is refused with a clear message, nothing is stored, nothing is left half-written."""
import io
import zipfile

import pytest
import sqlalchemy as sa
from pikepdf import Dictionary, Name, String

from ipdesk.evidence.models import EvidenceFile, EvidenceItem
from ipdesk.extensions import db
from tests.conftest import running_app
from tests.evidence.conftest import image_bytes, pdf_bytes
from tests.evidence.test_uploads import upload
from tests.factories import make_case
from tests.support.storage import leftovers

pytestmark = pytest.mark.storage


def _zip(members: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def _zip_bomb() -> bytes:
    """A 100 MB file of zeros, compressed to about 100 kB."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("zeros.bin", "w") as member:
            block = b"\0" * (1 << 20)
            for _ in range(100):
                member.write(block)
    return out.getvalue()


JPEG = image_bytes("JPEG", (64, 48))
PNG = image_bytes("PNG", (64, 48))
PDF = pdf_bytes()

ATTACKS = {
    # name: (file name, content, what the user is told)
    "spoofed type (a program named .jpg)": ("photo.jpg", b"MZ\x90\x00\x03" + b"\x00" * 300, "not of an accepted type"),
    "HTML named .png": ("photo.png", b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script>",
                        "not of an accepted type"),
    "SVG with script": ("logo.png", b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)">'
                        b"<script>alert(1)</script></svg>", "not of an accepted type"),
    "polyglot: JPEG with a ZIP appended": ("receipt.jpg", JPEG + _zip({"evil.html": b"<script>x</script>"}),
                                           "holds another file or active content"),
    "polyglot: PNG with HTML appended": ("shot.png", PNG + b"<html><script>alert(1)</script></html>",
                                         "holds another file or active content"),
    "polyglot: JPEG with bytes after its end": ("shot.jpg", JPEG + b"payload that is not an image" * 4,
                                                "data follows the end of the image"),
    "PDF with JavaScript": ("contract.pdf", pdf_bytes(build=lambda pdf: setattr(pdf.Root, "OpenAction", Dictionary(
        S=Name.JavaScript, JS=String("app.alert(1)")))), "contains scripts (JavaScript)"),
    "polyglot: PDF with a ZIP appended": ("contract.pdf", PDF + _zip({"evil.html": b"<script>x</script>"}),
                                          "holds another file or active content"),
    "zip bomb": ("evidence.zip", _zip_bomb(), "a ZIP archive, not a document"),  # never unpacked to tell
    "zip bomb named .png": ("evidence.png", _zip_bomb(), "a ZIP archive, not a document"),
    "empty file": ("empty.png", b"", "is empty"),
}


def _leftovers(app) -> list[str]:
    return leftovers(app)


@pytest.fixture
def officer_case(client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    return make_case("evidence")


@pytest.mark.db_independent  # refused by its content, before anything is written
@pytest.mark.parametrize("attack", ATTACKS)
def test_hostile_file_is_refused_and_nothing_is_kept(app, client, officer_case, attack):
    name, content, message = ATTACKS[attack]
    response = upload(client, officer_case, (name, content), description="Seller's page, saved")
    page = response.get_data(as_text=True)
    assert response.status_code == 422, attack
    assert message in page
    assert "Seller&#39;s page, saved" in page  # what was typed is still there
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceItem)) == 0
    assert _leftovers(app) == []  # not even a temporary file


def test_an_oversized_file_is_413_and_nothing_is_kept(database_url, factories, login):
    with running_app(database_url, EVIDENCE_MAX_MB_DOCUMENT=1) as app:
        client = app.test_client()
        login(client, factories.staff(hub_codes=("cn-north",)))
        case = make_case("evidence")
        response = upload(client, case, ("scan.pdf", PDF + b"%" + b"x" * (1 << 20) + b"\n"))
        assert response.status_code == 413 and "larger than 1 MB" in response.get_data(as_text=True)
        assert _leftovers(app) == []


def test_a_pixel_flood_is_refused(database_url, factories, login):
    with running_app(database_url, EVIDENCE_MAX_PIXELS=1_000_000) as app:
        client = app.test_client()
        login(client, factories.staff(hub_codes=("cn-north",)))
        case = make_case("evidence")
        flood = image_bytes("PNG", size=(4000, 4000), mode="1")  # 16 million pixels in a few kB
        assert len(flood) < 100_000
        response = upload(client, case, ("flood.png", flood))
        assert response.status_code == 422 and "too many pixels" in response.get_data(as_text=True)
        assert _leftovers(app) == []


@pytest.mark.parametrize("name", ["../../../../etc/passwd.png", "..\\..\\windows\\system32\\evil.png",
                                  "/absolute/path/photo.png", "C:\\Users\\kim\\Desktop\\photo.png"])
def test_names_never_become_paths(app, client, officer_case, name):
    assert upload(client, officer_case, (name, PNG)).status_code == 302
    file = db.session.scalar(sa.select(EvidenceFile))
    shown = file.original_name
    assert shown.endswith(".png") and "/" not in shown and "\\" not in shown and not shown.startswith(".")
    stored = _leftovers(app)
    assert stored == [file.storage_key] and shown not in stored[0]


@pytest.mark.parametrize("name, status", [("nul\x00byte.png", 422), ("tab\tand\x7fdel.png", 422),
                                          ("line\r\nbreak.png", 400)])  # CR/LF break the multipart header
def test_control_characters_in_names_are_refused(app, client, officer_case, name, status):
    response = upload(client, officer_case, (name, PNG))
    assert response.status_code == status
    if status == 422:
        assert "contains control characters" in response.get_data(as_text=True)
    assert _leftovers(app) == [] and db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0


def test_a_good_photo_still_goes_through(app, client, officer_case):
    assert upload(client, officer_case, ("진짜 사진.jpg", JPEG), ("shop.png", PNG), ("contract.pdf", PDF)
                  ).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 3
