"""Where evidence files live: a small interface with two backends, a local folder and S3-compatible object storage.

Keys are generated here (random, no user text). A file is never visible under a real key before it is complete:
the folder writes a temporary file and renames it into place; S3 completes a multipart upload (or a single PUT)
only once every byte is in. A process killed mid-upload leaves a pending upload behind (a temporary file, or an
incomplete multipart upload): ``pending_uploads`` finds those and ``discard_pending`` removes one once it has been
left alone long enough (``flask evidence verify --repair``).
"""
import hashlib
import os
import secrets
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from flask import Flask, current_app

CHUNK = 1024 * 1024
PENDING_PREFIX = ".incoming-"
HEX = frozenset("0123456789abcdef")
BACKENDS = ("filesystem", "s3")
S3_REQUIRED = ("S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID", "S3_SECRET_ACCESS_KEY")
MIN_PART_MB = 5  # S3 refuses smaller parts (but the last)


class StorageUnavailable(Exception):
    """The storage did not answer, or answered with a server error: nothing was stored or read. The message is for
    the log and the operator; people are told in their language that the evidence store cannot be reached."""


@dataclass(frozen=True)
class Stored:
    """A file just stored: its key, and the SHA-256 and size of exactly what was read."""

    key: str
    sha256: str
    size: int


@dataclass(frozen=True)
class PendingUpload:
    """An upload that has not finished: in progress, or left by a process that died.

    ``name`` is what an operator reads (a temporary file's name, or an object key and its upload id); ``modified``
    is when it was last written to (a POSIX timestamp); ``handle`` is the backend's own reference to it."""

    name: str
    modified: float
    handle: Any


class Storage(Protocol):
    def put(self, stream: BinaryIO, *, key: str | None = None) -> Stored:
        """Store what ``stream`` gives until it ends, under a new key (or ``key``, to restore a backup).

        If reading the stream raises, nothing is kept and the exception propagates.
        """

    def open(self, key: str) -> BinaryIO:
        """The stored file, for reading (seekable, read as it streams); the caller closes it.
        FileNotFoundError if there is none."""

    def delete(self, key: str) -> None:
        """Remove the file; a key that names nothing is not an error."""

    def exists(self, key: str) -> bool: ...

    def modified(self, key: str) -> float:
        """When the file was last written (a POSIX timestamp); FileNotFoundError if there is none."""

    def list(self) -> Iterator[str]:
        """Every stored key, in sorted order (callers may batch by prefix)."""

    def pending_uploads(self) -> Iterator[PendingUpload]:
        """Uploads (and restores) not finished: in progress, or abandoned by a process that died."""

    def discard_pending(self, upload: PendingUpload, older_than: timedelta) -> bool:
        """Remove ``upload`` if it is still pending and nothing has written to it for ``older_than``; True if so."""


def is_key(key: str) -> bool:
    return len(key) == 40 and set(key) <= HEX


def check_key(key: str) -> str:
    if not is_key(key):
        raise ValueError("not a storage key")
    return key


def new_key() -> str:
    return secrets.token_hex(20)


class FilesystemStorage:
    """Files under one directory outside static/, named by random keys in 256 subfolders."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        return self.root / key[:2] / check_key(key)

    def put(self, stream: BinaryIO, *, key: str | None = None) -> Stored:
        final = self._path(key or new_key())
        fd, name = tempfile.mkstemp(prefix=PENDING_PREFIX, dir=self.root)
        temporary = Path(name)
        digest, size = hashlib.sha256(), 0
        try:
            with os.fdopen(fd, "wb") as handle:
                for chunk in iter(lambda: stream.read(CHUNK), b""):
                    digest.update(chunk)
                    size += len(chunk)
                    handle.write(chunk)
                handle.flush()
                os.fsync(handle.fileno())
            final.parent.mkdir(exist_ok=True)
            os.replace(temporary, final)
        except BaseException:
            temporary.unlink(missing_ok=True)
            raise
        return Stored(final.name, digest.hexdigest(), size)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def modified(self, key: str) -> float:
        return self._path(key).stat().st_mtime

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def list(self) -> Iterator[str]:
        for folder in sorted(self.root.iterdir()):  # one subfolder at a time
            if folder.is_dir() and len(folder.name) == 2 and set(folder.name) <= HEX:
                yield from sorted(p.name for p in folder.iterdir()
                                  if p.is_file() and is_key(p.name) and p.name.startswith(folder.name))

    def pending_uploads(self) -> Iterator[PendingUpload]:
        for path in self.root.glob(PENDING_PREFIX + "*"):
            if path.is_file() and not path.is_symlink():
                try:
                    yield PendingUpload(path.name, path.stat().st_mtime, path)
                except FileNotFoundError:  # finished meanwhile
                    continue

    def discard_pending(self, upload: PendingUpload, older_than: timedelta) -> bool:
        path: Path = upload.handle
        try:
            if time.time() - path.stat().st_mtime < older_than.total_seconds():
                return False
        except FileNotFoundError:
            return False
        path.unlink(missing_ok=True)
        return True


def check_storage_settings(config) -> None:
    """Refuse to start with an unknown backend, or with S3 chosen and a setting it needs missing."""
    backend = config.get("EVIDENCE_STORAGE", "filesystem")
    if backend not in BACKENDS:
        raise RuntimeError(f"EVIDENCE_STORAGE is {backend!r}; it must be one of: {', '.join(BACKENDS)}.")
    if backend != "s3":
        return
    missing = [name for name in S3_REQUIRED if not config.get(name)]
    if missing:
        raise RuntimeError(f"EVIDENCE_STORAGE=s3 needs {', '.join(missing)} set (the object store's address, the "
                           "bucket and the credentials of an account that may read, write and list it).")
    if _part_size_mb(config) < MIN_PART_MB:
        raise RuntimeError(f"S3_PART_SIZE_MB is {config['S3_PART_SIZE_MB']}; S3 needs parts of at least "
                           f"{MIN_PART_MB} MB.")


def _part_size_mb(config) -> int:
    return int(config.get("S3_PART_SIZE_MB") or 8)


def init_storage(app: Flask) -> None:
    """Check the storage settings when the app is made, so a wrong one stops it at start-up, not at an upload."""
    check_storage_settings(app.config)


def make_storage(config) -> Storage:
    """The backend the settings choose: ``EVIDENCE_STORAGE`` = ``filesystem`` (``EVIDENCE_STORAGE_DIR``) or ``s3``."""
    check_storage_settings(config)
    if config.get("EVIDENCE_STORAGE", "filesystem") == "s3":
        # boto3 takes a quarter of a second to import, which only the S3 backend should pay
        from ipdesk.evidence.s3 import S3Storage  # cycle: ipdesk.evidence.s3 builds on this module's types

        return S3Storage(endpoint_url=config["S3_ENDPOINT_URL"], bucket=config["S3_BUCKET"],
                         region=config.get("S3_REGION") or "us-east-1", access_key_id=config["S3_ACCESS_KEY_ID"],
                         secret_access_key=config["S3_SECRET_ACCESS_KEY"], prefix=config.get("S3_PREFIX") or "",
                         part_size=_part_size_mb(config) * 1024 * 1024)
    return FilesystemStorage(config["EVIDENCE_STORAGE_DIR"])


def get_storage() -> Storage:
    """The app's evidence storage, made on first use."""
    storage = current_app.extensions.get("evidence_storage")
    if storage is None:
        storage = current_app.extensions["evidence_storage"] = make_storage(current_app.config)
    return storage
