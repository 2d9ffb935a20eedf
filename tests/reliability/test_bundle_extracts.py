"""The evidence bundle extracts everywhere: each entry's name fits 255 bytes of UTF-8, is valid on Windows, macOS
and Linux, differs from every other even with case folded, and ends as its content is; the manifest keeps the
names the files were uploaded under."""
import hashlib
import io
import json
import os
import unicodedata
import zipfile

import pytest
import sqlalchemy as sa

from ipdesk.evidence.models import EvidenceFile
from ipdesk.extensions import db
from tests.evidence.conftest import image_bytes, pdf_bytes
from tests.evidence.test_uploads import upload
from tests.factories import make_case, make_evidence_file

pytestmark = pytest.mark.storage

TEXT = b"seller's page, saved\n"
PNG = image_bytes("PNG")
WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$",
                   *(f"{device}{n}" for device in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"])}
EXTENSION_OF = {"text/plain": ".txt", "image/png": ".png", "application/pdf": ".pdf"}

UPLOADED = [  # names a browser may send, as uploaded
    ("증거 사진 " * 60 + ".png", PNG),  # 600 characters: 1,800 bytes of UTF-8
    ("🙂" * 120 + ".pdf", pdf_bytes()),  # 480 bytes, and 240 UTF-16 units
    ("a" * 250 + ".txt", TEXT),
    ("Photo.png", PNG), ("photo.png", PNG), ("PHOTO.PNG", PNG),  # one name to Windows and macOS
    ("CON.txt", TEXT), ("aux", TEXT), ("lpt1.tar.txt", TEXT),
    ('what<is>this:"a|b"?*.txt', TEXT),
    ("trailing dots. . .txt", TEXT), ("report.html", TEXT), ("manifest.json", TEXT),
]
STORED = [  # names only an older version, a restore or a bug could have kept
    ("../../etc/passwd", TEXT), ("..", TEXT), ("..\\..\\windows\\win.ini", TEXT), ("C:\\boot.ini", TEXT),
    ("line\nbreak\ttab.txt", TEXT), ("right\u202eto\u202dleft.txt", TEXT), ("trailing space .txt ", TEXT),
    (".hidden", TEXT),
]


def valid_everywhere(name: str) -> bool:
    """Whether Windows, macOS and Linux all take ``name`` as a file name in a folder, as it is."""
    return (0 < len(name.encode()) <= 255 and len(name.encode("utf-16-le")) // 2 <= 255
            and not any(ch in '<>:"/\\|?*' or unicodedata.category(ch) in ("Cc", "Cf") for ch in name)
            and not name.endswith((" ", ".")) and not name.startswith((".", " "))
            and name.split(".", 1)[0].rstrip(" ").upper() not in WINDOWS_DEVICES)


@pytest.fixture
def hostile_case(client, factories, login_as):
    officer = factories.staff(hub_codes=("cn-north",))
    login_as(officer)
    case = make_case("evidence")
    for name, content in UPLOADED:
        assert upload(client, case, (name, content), kind="document").status_code == 302, name
    for name, content in STORED:
        make_evidence_file(case, officer, content, name=name)
    return case


def test_every_entry_of_the_bundle_extracts_on_any_system(client, hostile_case, tmp_path):
    response = client.post(f"/cases/{hostile_case.id}/evidence/bundle")
    assert response.status_code == 200
    bundle = zipfile.ZipFile(io.BytesIO(response.get_data()))
    response.close()
    names = bundle.namelist()
    assert len(names) == len(UPLOADED) + len(STORED) + 1  # and the manifest
    assert all(valid_everywhere(name) for name in names), [n for n in names if not valid_everywhere(n)]
    folded = {unicodedata.normalize("NFC", name).casefold() for name in names}
    assert len(folded) == len(names)  # unique where case is folded (Windows, macOS)
    # extracted as a program does, into a real folder: every entry a file of that folder, under its own name
    folder = tmp_path / "extracted"
    folder.mkdir()
    for info in bundle.infolist():
        assert info.flag_bits & 0x800 or info.filename.isascii()  # UTF-8 names are marked as such
        (folder / info.filename).write_bytes(bundle.read(info))
    assert sorted(os.listdir(folder)) == sorted(names)

    manifest = json.loads(bundle.read("manifest.json"))
    files = db.session.scalars(sa.select(EvidenceFile).order_by(EvidenceFile.id)).all()
    assert [entry["name"] for entry in manifest["files"]] == [file.original_name for file in files]
    assert {name for name, _ in STORED} <= {entry["name"] for entry in manifest["files"]}  # kept as they were
    for entry, file in zip(manifest["files"], files, strict=True):
        assert entry["file"] in names and entry["file"].lower().endswith(EXTENSION_OF[file.content_type])
        assert hashlib.sha256((folder / entry["file"]).read_bytes()).hexdigest() == file.sha256
