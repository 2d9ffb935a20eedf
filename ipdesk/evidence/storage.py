"""Where evidence files live: a small interface, and the local folder as its one backend for now.

Keys are generated here (random, no user text). A file is written to a temporary name and renamed
into place only once complete, so a failed upload never leaves a partial file under a real key. A
process killed mid-upload leaves its temporary file behind: ``pending_files`` finds those.
"""
import hashlib
import os
import secrets
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from flask import current_app

CHUNK = 1024 * 1024
PENDING_PREFIX = ".incoming-"
HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Stored:
    """A file just stored: its key, and the SHA-256 and size of exactly what was read."""

    key: str
    sha256: str
    size: int


class Storage(Protocol):
    def put(self, stream: BinaryIO, *, key: str | None = None) -> Stored:
        """Store what ``stream`` gives until it ends, under a new key (or ``key``, to restore a backup).

        If reading the stream raises, nothing is kept and the exception propagates.
        """

    def open(self, key: str) -> BinaryIO:
        """The stored file, for reading; the caller closes it."""

    def delete(self, key: str) -> None:
        """Remove the file; a key that names nothing is not an error."""

    def exists(self, key: str) -> bool: ...

    def modified(self, key: str) -> float:
        """When the file was last written (a POSIX timestamp); FileNotFoundError if there is none."""

    def list(self) -> Iterator[str]:
        """Every stored key, in sorted order (callers may batch by prefix)."""


def is_key(key: str) -> bool:
    return len(key) == 40 and set(key) <= HEX


class FilesystemStorage:
    """Files under one directory outside static/, named by random keys in 256 subfolders."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if not is_key(key):
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def put(self, stream: BinaryIO, *, key: str | None = None) -> Stored:
        final = self._path(key or secrets.token_hex(20))
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

    def pending_files(self) -> Iterator[Path]:
        """Temporary files of uploads in progress, or of uploads whose process died (this backend's own)."""
        return (path for path in self.root.glob(PENDING_PREFIX + "*") if path.is_file() and not path.is_symlink())


def get_storage() -> FilesystemStorage:
    """The app's evidence storage (the local folder ``EVIDENCE_STORAGE_DIR``, the only backend for now)."""
    storage = current_app.extensions.get("evidence_storage")
    if storage is None:
        storage = current_app.extensions["evidence_storage"] = FilesystemStorage(
            current_app.config["EVIDENCE_STORAGE_DIR"])
    return storage
