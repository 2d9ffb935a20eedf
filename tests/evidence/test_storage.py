"""The contract every evidence storage backend keeps (the local folder is the only one so far)."""
import hashlib
import io
from pathlib import Path

import pytest

from ipdesk.evidence.storage import FilesystemStorage

pytestmark = pytest.mark.db_independent

CONTENT = bytes(range(256)) * 10_000  # 2.5 MB: more than one chunk


def _local_folder(tmp_path: Path):
    storage = FilesystemStorage(tmp_path / "evidence")
    return storage, lambda: sorted(p.name for p in storage.root.rglob("*") if p.is_file())


BACKENDS = {"local folder": _local_folder}  # name: tmp_path -> (storage, the names of every file it left)


@pytest.fixture(params=BACKENDS)
def backend(request, tmp_path):
    return BACKENDS[request.param](tmp_path)


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
