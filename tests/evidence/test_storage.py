"""The contract every evidence storage backend keeps: the local folder, and S3 (in the S3 run, on SeaweedFS)."""
import hashlib
import io
import time
import uuid

import pytest

from ipdesk.evidence.storage import FilesystemStorage, make_storage
from tests.conftest import TEST_STORAGE

pytestmark = [pytest.mark.db_independent, pytest.mark.storage]

CONTENT = bytes(range(256)) * 40_000  # 10 MB: more than one chunk, and more than one S3 part of 5 MB


@pytest.fixture
def backend(request, tmp_path):
    """The backend of this run, empty, and what it holds: the names of every file it left (a folder's files; a
    bucket's objects under the prefix and its unfinished multipart uploads)."""
    if TEST_STORAGE == "s3":
        server = request.getfixturevalue("s3_server")
        prefix = f"contract-{uuid.uuid4().hex}/"
        storage = make_storage({**server.settings(prefix=prefix), "S3_PART_SIZE_MB": 5})
        client = server.client()

        def left():
            objects = client.list_objects_v2(Bucket=server.bucket, Prefix=prefix).get("Contents", [])
            uploads = client.list_multipart_uploads(Bucket=server.bucket, Prefix=prefix).get("Uploads", [])
            return sorted([o["Key"].rsplit("/", 1)[-1] for o in objects] + [u["Key"] for u in uploads])

        return storage, left
    storage = FilesystemStorage(tmp_path / "evidence")
    return storage, lambda: sorted(p.name for p in storage.root.rglob("*") if p.is_file())


class Breaks:
    """A stream that gives some data, then fails (a client that drops, a check that refuses)."""

    def __init__(self, before: bytes):
        self.before = before

    def read(self, size: int = -1) -> bytes:
        if self.before:
            chunk, self.before = self.before, b""
            return chunk
        raise OSError("the client went away")


def test_put_returns_the_hash_and_size_of_what_was_read_and_open_gives_it_back(backend):
    storage, _left = backend
    stored = storage.put(io.BytesIO(CONTENT))
    assert stored.sha256 == hashlib.sha256(CONTENT).hexdigest() and stored.size == len(CONTENT)
    assert storage.exists(stored.key)
    with storage.open(stored.key) as handle:
        assert handle.read() == CONTENT


def test_every_put_gets_a_key_of_its_own_and_list_gives_them_in_order(backend):
    storage, _left = backend
    keys = [storage.put(io.BytesIO(b"same content\n")).key for _ in range(3)]
    assert len(set(keys)) == 3
    assert list(storage.list()) == sorted(keys)


def test_delete_removes_the_file_and_is_quiet_about_a_missing_one(backend):
    storage, left = backend
    kept, removed = (storage.put(io.BytesIO(content)).key for content in (b"kept\n", b"removed\n"))
    storage.delete(removed)
    storage.delete(removed)
    assert not storage.exists(removed) and storage.exists(kept)
    assert list(storage.list()) == [kept] and left() == [kept]


def test_put_under_a_given_key_restores_a_file_there(backend):
    storage, _left = backend
    key = storage.put(io.BytesIO(b"original\n")).key
    storage.delete(key)
    stored = storage.put(io.BytesIO(b"original\n"), key=key)
    assert stored.key == key and list(storage.list()) == [key]
    with storage.open(key) as handle:
        assert handle.read() == b"original\n"


def test_a_stream_that_raises_leaves_nothing_and_the_error_goes_on(backend):
    storage, left = backend
    with pytest.raises(OSError, match="went away"):
        storage.put(Breaks(b"x" * (3 << 20)))
    assert list(storage.list()) == [] and left() == []  # not even a temporary file


@pytest.mark.parametrize("key", ["../../etc/passwd", "a" * 39, "A" * 40, "g" * 40, ""])
def test_a_key_that_the_storage_did_not_make_is_refused(backend, key):
    storage, _left = backend
    for use in (storage.open, storage.exists, storage.delete):
        with pytest.raises(ValueError):
            use(key)
    if key:
        with pytest.raises(ValueError):
            storage.put(io.BytesIO(b"data\n"), key=key)
    assert list(storage.list()) == []


def test_open_reads_from_any_position_and_a_missing_file_is_not_found(backend):
    storage, _left = backend
    key = storage.put(io.BytesIO(CONTENT)).key
    with storage.open(key) as handle:
        handle.seek(len(CONTENT) - 100)
        assert handle.read() == CONTENT[-100:]
        handle.seek(5 << 20)
        assert handle.read(10) == CONTENT[5 << 20:(5 << 20) + 10] and handle.tell() == (5 << 20) + 10
        assert handle.seek(0, io.SEEK_END) == len(CONTENT) and handle.read() == b""
    assert abs(storage.modified(key) - time.time()) < 120
    missing = "0" * 40
    assert not storage.exists(missing)
    for use in (storage.open, storage.modified):
        with pytest.raises(FileNotFoundError):
            use(missing)


def test_nothing_is_pending_once_uploads_are_done(backend):
    storage, _left = backend
    storage.put(io.BytesIO(CONTENT))
    with pytest.raises(OSError):
        storage.put(Breaks(CONTENT))
    assert list(storage.pending_uploads()) == []


S3_COMPLETE = {"EVIDENCE_STORAGE": "s3", "S3_ENDPOINT_URL": "http://127.0.0.1:8333", "S3_BUCKET": "evidence",
               "S3_ACCESS_KEY_ID": "ipdesk", "S3_SECRET_ACCESS_KEY": "secret"}


@pytest.mark.parametrize("environment, says", [
    ({"EVIDENCE_STORAGE": "s3"}, "EVIDENCE_STORAGE=s3 needs S3_ENDPOINT_URL, S3_BUCKET, S3_ACCESS_KEY_ID, "
                                 "S3_SECRET_ACCESS_KEY set"),
    ({**S3_COMPLETE, "S3_BUCKET": ""}, "EVIDENCE_STORAGE=s3 needs S3_BUCKET set"),
    ({**S3_COMPLETE, "S3_PART_SIZE_MB": "4"}, "S3_PART_SIZE_MB is 4; S3 needs parts of at least 5 MB"),
    ({"EVIDENCE_STORAGE": "nfs"}, "EVIDENCE_STORAGE is 'nfs'; it must be one of: filesystem, s3"),
])
def test_storage_settings_that_cannot_work_stop_the_app_at_start_up(monkeypatch, environment, says):
    from ipdesk import create_app

    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(RuntimeError) as refused:
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert says in str(refused.value)
    for name, value in S3_COMPLETE.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("S3_PART_SIZE_MB", raising=False)
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["S3_REGION"] == "us-east-1"  # all it needs
