"""The evidence files' part of a backup: each stored file copied with its hash, put back under its key on
restore, and re-hashed against the restored rows."""
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from ipdesk.core.backup import BackupError, BackupPart, Query, copy_hashed
from ipdesk.evidence.services import stored_hash
from ipdesk.evidence.storage import StorageUnavailable, get_storage, is_key


def _in_backup(key) -> str:
    """Where a stored file goes in a backup directory: ``evidence/`` laid out as the local storage is. A
    manifest is read from disk and may have been tampered with: anything but a storage key is refused
    before it becomes a path."""
    if not isinstance(key, str) or not is_key(key):
        raise BackupError(f"the manifest names {str(key)[:80]!r} as an evidence file, which is not a storage key.")
    return f"evidence/{key[:2]}/{key}"


@contextmanager
def _storage_answering() -> Iterator[None]:
    try:
        yield
    except StorageUnavailable as error:
        raise BackupError(f"the evidence storage cannot be reached ({error}); try again once it answers.") from None


class EvidenceFiles(BackupPart):
    key = "evidence"  # a list of {"key", "sha256", "size"}, one per evidence_files row, by id
    append_only = ("custody_events",)  # the chain of custody

    def inventory(self, query: Query, tables: set[str]) -> list[dict]:
        if "evidence_files" not in tables:
            return []
        return [{"key": key, "sha256": sha, "size": size}
                for key, sha, size in query("SELECT storage_key, sha256, size FROM evidence_files ORDER BY id")]

    def files(self, entry) -> list[tuple[str, str]]:
        return [(_in_backup(file["key"]), file["sha256"]) for file in entry or []]

    def write(self, entry, out: Path) -> dict[str, int]:
        storage = get_storage()
        for file in entry:
            key = file["key"]
            with _storage_answering():
                try:
                    reader = storage.open(key)
                except FileNotFoundError:
                    raise BackupError(f"evidence file {key} is missing from the storage; "
                                      "run `flask evidence verify`.") from None
                with reader:
                    copied = copy_hashed(reader, out / _in_backup(key))
            if copied != file["sha256"]:
                raise BackupError(f"evidence file {key} no longer matches its recorded hash; "
                                  "run `flask evidence verify`.")
        return {"evidence files": len(entry)}

    def held(self) -> dict[str, int]:
        with _storage_answering():
            return {"stored evidence files": sum(1 for _key in get_storage().list())}

    def restore(self, entry, source: Path) -> None:
        storage = get_storage()
        for file in entry or []:
            with (source / _in_backup(file["key"])).open("rb") as reader, _storage_answering():
                storage.put(reader, key=file["key"])

    def verify(self, entry, connection) -> tuple[list[str], dict[str, int]]:
        problems, checked = [], 0
        for key, sha256 in connection.execute(sa.text("SELECT storage_key, sha256 FROM evidence_files ORDER BY id")):
            checked += 1
            with _storage_answering():
                if stored_hash(key) != sha256:
                    problems.append(f"evidence file {key} is missing or does not match its hash")
        return problems, {"evidence files": checked}
