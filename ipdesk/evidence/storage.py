"""Where evidence files live: a small interface, with the filesystem as the default backend.

Keys are generated here (random, no user text), files are written to a temporary name and renamed
into place only once complete, so a failed upload never leaves a partial file under a real key. A
process killed mid-upload leaves its temporary file behind: ``pending_files`` finds those.
"""
import os
import secrets
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO, Protocol


class Storage(Protocol):
    def create(self) -> "PendingFile": ...
    def open(self, key: str) -> BinaryIO: ...
    def exists(self, key: str) -> bool: ...
    def delete(self, key: str) -> None: ...


PENDING_PREFIX = ".incoming-"
HEX = frozenset("0123456789abcdef")


class PendingFile:
    """A file being written; ``commit`` gives it its key, ``discard`` removes every trace."""

    def __init__(self, root: Path):
        self.root = root
        fd, name = tempfile.mkstemp(prefix=PENDING_PREFIX, dir=root)
        self.path = Path(name)
        self.handle = os.fdopen(fd, "wb")

    def write(self, chunk: bytes) -> None:
        self.handle.write(chunk)

    def commit(self) -> str:
        self.handle.flush()
        os.fsync(self.handle.fileno())
        self.handle.close()
        key = secrets.token_hex(20)
        final = self.root / key[:2] / key
        final.parent.mkdir(exist_ok=True)
        os.replace(self.path, final)
        return key

    def discard(self) -> None:
        if not self.handle.closed:
            self.handle.close()
        self.path.unlink(missing_ok=True)


class FilesystemStorage:
    """Files under one directory outside static/, named by random keys in 256 subfolders."""

    def __init__(self, root: str | Path):
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        if len(key) != 40 or not set(key) <= HEX:
            raise ValueError("not a storage key")
        return self.root / key[:2] / key

    def create(self) -> PendingFile:
        return PendingFile(self.root)

    def open(self, key: str) -> BinaryIO:
        return self._path(key).open("rb")

    def path(self, key: str) -> Path:
        return self._path(key)

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)

    def pending_files(self) -> Iterator[Path]:
        """Temporary files of uploads in progress, or of uploads whose process died."""
        return (path for path in self.root.glob(PENDING_PREFIX + "*") if path.is_file() and not path.is_symlink())

    def key_folders(self) -> Iterator[tuple[str, list[str]]]:
        """(prefix, the keys stored under it) for each of the subfolders, one folder at a time."""
        for folder in sorted(self.root.iterdir()):
            if folder.is_dir() and len(folder.name) == 2 and set(folder.name) <= HEX:
                yield folder.name, sorted(p.name for p in folder.iterdir()
                                          if p.is_file() and len(p.name) == 40 and p.name.startswith(folder.name)
                                          and set(p.name) <= HEX)


def get_storage() -> FilesystemStorage:
    from flask import current_app

    storage = current_app.extensions.get("evidence_storage")
    if storage is None:
        storage = current_app.extensions["evidence_storage"] = FilesystemStorage(
            current_app.config["EVIDENCE_STORAGE_DIR"])
    return storage
