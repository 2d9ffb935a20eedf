"""The S3 store going down, or answering with server errors: the person sees a clear message in their language
(never a 500), nothing is half-stored, and `flask evidence verify` records no failed check for a file it could not
read. The outage is the real SeaweedFS process killed mid-upload; only the server errors, which SeaweedFS does not
give on demand, come from a stand-in on loopback."""
import html
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa

from ipdesk.evidence.models import CustodyEvent, CustodyKind, EvidenceFile, StagedFile
from ipdesk.evidence.storage import get_storage
from ipdesk.extensions import db
from tests.conftest import running_app
from tests.evidence.conftest import image_bytes
from tests.evidence.test_s3 import clock_ahead
from tests.evidence.test_uploads import multipart
from tests.factories import make_case, make_evidence_file
from tests.support.seaweed import seaweedfs

pytestmark = [pytest.mark.s3, pytest.mark.storage]

VIDEO = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00\x00\x00\x08free"
UNREACHABLE = {"en": "the evidence store cannot be reached just now",
               "ko": "지금 증거 저장소에 연결할 수 없습니다"}
STORE_DOWN = {"en": "The store that keeps evidence files cannot be reached just now",
              "ko": "증거 파일을 보관하는 저장소에 지금 연결할 수 없어"}


@pytest.fixture
def store():
    """A SeaweedFS of this test's own, which it may kill."""
    with seaweedfs() as server:
        yield server


@pytest.fixture
def app(database_url, store):
    with running_app(database_url, **store.settings(prefix="outage/"), S3_PART_SIZE_MB=5) as app:
        yield app


@pytest.fixture
def officer_case(client, factories, login_as):
    officer = factories.staff(hub_codes=("cn-north",))
    login_as(officer)
    return make_case("evidence"), officer


def send_video(client, case, size: int, lang: str = "en"):
    video = VIDEO + os.urandom(size - len(VIDEO))
    return client.post(f"/cases/{case.id}/evidence", headers={"Accept-Language": lang},
                       **multipart({"kind": "recording", "description": "Seller's live stream"},
                                   [("stream.mp4", video)]))


def rows(model) -> int:
    db.session.commit()
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_the_store_dying_mid_upload_keeps_nothing_and_says_so(app, client, store, officer_case, monkeypatch, lang):
    case, _officer = officer_case
    storage = get_storage()
    sent = []

    def die_at_part_two(request, **kwargs):
        sent.append(request.url)
        if "partNumber=2" in request.url:
            store.kill()

    storage.client.meta.events.register("before-send.s3.UploadPart", die_at_part_two)
    response = send_video(client, case, 3 * (5 << 20), lang)
    assert any("partNumber=1" in url for url in sent)  # part 1 was stored before the store died
    page = html.unescape(response.get_data(as_text=True))
    assert response.status_code == 503 and UNREACHABLE[lang] in page and "stream.mp4" in page
    assert rows(EvidenceFile) == 0 and rows(StagedFile) == 0
    store.start()  # back, with what it had on disk
    assert list(storage.list()) == []  # nothing under a real key
    unfinished = list(storage.pending_uploads())  # the abort could not reach the store: repair does it
    assert len(unfinished) == 1
    clock_ahead(monkeypatch, 61)
    result = app.test_cli_runner().invoke(args=["evidence", "verify", "--repair"])
    assert result.exit_code == 0 and f"REMOVED: unfinished upload {unfinished[0].name}" in result.output
    assert list(storage.pending_uploads()) == [] and list(storage.list()) == []


def test_with_the_store_down_downloads_bundles_verify_and_backups_say_so_and_record_no_failed_check(
        app, client, store, officer_case, tmp_path):
    case, officer = officer_case
    file = make_evidence_file(case, officer, b"receipt of the test purchase\n")
    make_evidence_file(case, officer, image_bytes("PNG"), name="shop.png", content_type="image/png")  # a thumbnail
    assert client.get(f"/cases/{case.id}/evidence/files/{file.id}").status_code == 200
    store.kill()
    for lang in ("en", "ko"):
        response = client.get(f"/cases/{case.id}/evidence/files/{file.id}", headers={"Accept-Language": lang})
        assert response.status_code == 503 and STORE_DOWN[lang] in html.unescape(response.get_data(as_text=True))
    assert client.post(f"/cases/{case.id}/evidence/verify").status_code == 503
    assert client.post(f"/cases/{case.id}/evidence/bundle").status_code == 503
    assert client.get(f"/cases/{case.id}/case-file.pdf").status_code == 503
    result = app.test_cli_runner().invoke(args=["evidence", "verify"])
    assert result.exit_code == 1 and "the evidence storage cannot be reached" in result.output
    assert "MISSING" not in result.output
    result = app.test_cli_runner().invoke(args=["backup", "--out", str(tmp_path / "backup")])
    assert result.exit_code == 1 and "the evidence storage cannot be reached" in result.output
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).where(CustodyEvent.kind == CustodyKind.mismatch)) == 0
    store.start()
    response = client.get(f"/cases/{case.id}/evidence/files/{file.id}")
    assert response.status_code == 200 and response.get_data() == b"receipt of the test purchase\n"


class ServerErrors(BaseHTTPRequestHandler):
    """An S3 endpoint that answers every request with 500 InternalError (a store that is up but failing)."""

    def _fail(self):
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        body = b"<?xml version='1.0'?><Error><Code>InternalError</Code><Message>We encountered an internal " \
               b"error. Please try again.</Message></Error>"
        self.send_response(500)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_PUT = do_POST = do_HEAD = do_DELETE = _fail

    def log_message(self, *args):
        pass


@pytest.fixture
def failing_store():
    server = ThreadingHTTPServer(("127.0.0.1", 0), ServerErrors)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_a_store_answering_server_errors_refuses_the_upload_with_a_message(database_url, failing_store,
                                                                           factories):
    with running_app(database_url, EVIDENCE_STORAGE="s3", S3_ENDPOINT_URL=failing_store, S3_BUCKET="evidence",
                     S3_ACCESS_KEY_ID="key", S3_SECRET_ACCESS_KEY="secret") as app:
        client = app.test_client()
        officer = factories.staff(hub_codes=("cn-north",))
        assert client.post("/login", data={"email": officer.email, "password": "correct horse battery staple"}
                           ).status_code == 302
        case = make_case("evidence")
        response = send_video(client, case, 1 << 20, "ko")
        assert response.status_code == 503 and UNREACHABLE["ko"] in html.unescape(response.get_data(as_text=True))
        assert rows(EvidenceFile) == 0 and rows(StagedFile) == 0
