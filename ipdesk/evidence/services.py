"""Evidence: adding items with their files, custody events, integrity checks and bundles."""
import hashlib
import json
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from itertools import groupby
from typing import BinaryIO

import sqlalchemy as sa
from flask import Flask, current_app
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from ipdesk.audit.services import log_event
from ipdesk.auth.models import User
from ipdesk.cases.models import Case, Stage
from ipdesk.core.db import utcnow
from ipdesk.core.errors import ServiceError
from ipdesk.core.transaction import record_despite_refusal
from ipdesk.evidence.models import CustodyEvent, CustodyKind, EvidenceFile, EvidenceItem, EvidenceKind, StagedFile
from ipdesk.evidence.names import portable_name
from ipdesk.evidence.storage import PendingUpload, get_storage
from ipdesk.evidence.uploads import accept_upload
from ipdesk.extensions import db


def add_evidence_item(case: Case, data: dict, actor: User, uploads=(), staged=()) -> EvidenceItem:
    """An evidence item, with its files stored and hashed (raises UploadRefused for a bad file), and the
    files staged for it when its form was sent back before."""
    if case.stage is Stage.closed:
        raise ServiceError(_("Evidence cannot be added to a closed case."))
    item = EvidenceItem(case_id=case.id, kind=data["kind"], description=data["description"].strip(),
                        collected_on=data.get("collected_on"), collected_by=(data.get("collected_by") or "").strip(),
                        source=(data.get("source") or "").strip(), created_by_id=actor.id)
    db.session.add(item)
    case.updated_at = utcnow()
    db.session.flush()
    attach_files(item, uploads, actor)
    file_staged(item, staged, actor)
    log_event("evidence.added", actor=actor, obj=item, data={"case_id": case.id, "kind": item.kind.name})
    return item


def add_intake_files(case: Case, uploads, actor: User, staged=()) -> EvidenceItem | None:
    """Files attached to the intake form (now or staged when it came back) become one evidence item of the
    case (none without files)."""
    uploads = [u for u in uploads if u and u.filename]
    if not uploads and not staged:
        return None
    return add_evidence_item(case, {"kind": EvidenceKind.photo, "description": _("Files attached to the intake form"),
                                    "collected_by": actor.name}, actor, uploads, staged)


def file_staged(item: EvidenceItem, staged, actor) -> list[EvidenceFile]:
    """File staged files as files of ``item``: the stored file stays where it is, now under its evidence row."""
    files = []
    for source in staged:
        file = EvidenceFile(item_id=item.id, case_id=item.case_id, storage_key=source.storage_key,
                            original_name=source.original_name, content_type=source.content_type, size=source.size,
                            sha256=source.sha256, width=source.width, height=source.height,
                            uploaded_by_id=source.user_id)
        db.session.delete(source)
        db.session.flush()  # the staged row lets go of the storage key before the evidence row takes it
        db.session.add(file)
        db.session.flush()
        record_custody(file, CustodyKind.uploaded, actor)
        files.append(file)
    return files


def attach_files(item: EvidenceItem, uploads, actor) -> list[EvidenceFile]:
    """Store each upload as a file of ``item``; raises UploadRefused and keeps nothing on refusal."""
    files = []
    for upload in uploads:
        if upload is None or not upload.filename:
            continue
        stored = accept_upload(upload)
        file = EvidenceFile(item_id=item.id, case_id=item.case_id, storage_key=stored.key,
                            original_name=stored.original_name, content_type=stored.content_type, size=stored.size,
                            sha256=stored.sha256, width=stored.width, height=stored.height, uploaded_by_id=actor.id)
        db.session.add(file)
        db.session.flush()
        record_custody(file, CustodyKind.uploaded, actor)
        files.append(file)
    return files


def record_custody(file: EvidenceFile, kind: CustodyKind, actor, note: str = "") -> CustodyEvent:
    event = CustodyEvent(file_id=file.id, case_id=file.case_id, kind=kind, actor_id=getattr(actor, "id", None),
                         note=note.strip())
    db.session.add(event)
    log_event(f"evidence.{kind.name}", actor=actor, obj=file, data={"case_id": file.case_id, "sha256": file.sha256},
              personal={"note": note.strip()})
    return event


def _hash(handle: BinaryIO) -> str:
    digest = hashlib.sha256()
    for chunk in iter(lambda: handle.read(1024 * 1024), b""):
        digest.update(chunk)
    return digest.hexdigest()


def stored_hash(key: str) -> str | None:
    """The SHA-256 of the file stored under ``key`` now, or None when there is none (StorageUnavailable when the
    storage cannot say: that is no failed check)."""
    try:
        handle = get_storage().open(key)
    except FileNotFoundError:
        return None
    with handle:
        return _hash(handle)


def open_hashed(key: str) -> tuple[BinaryIO | None, str | None]:
    """The file stored under ``key``, hashed as it streams and then open again at its start, and its SHA-256 (None,
    None when there is none). What the handle then gives is what was hashed (the storage reads one version of a
    file through one handle), so a download serves exactly the bytes it checked; the caller closes the handle."""
    try:
        handle = get_storage().open(key)
    except FileNotFoundError:
        return None, None
    try:
        current = _hash(handle)
        handle.seek(0)
    except BaseException:
        handle.close()
        raise
    return handle, current


def check_result(expected: str, current: str | None) -> str:
    """'ok', 'mismatch' or 'missing': a stored file's hash now (None: no file) against the one recorded."""
    if current == expected:
        return "ok"
    return "missing" if current is None else "mismatch"


def record_failed_check(file: EvidenceFile, current: str | None, actor=None) -> None:
    """A failed integrity check, in the file's chain of custody and the audit log (kept if the request is refused)."""
    note = f"SHA-256 {current}" if current else ""  # what was found, in no one language (the kind says it failed)
    record_despite_refusal(lambda: record_custody(file, CustodyKind.mismatch, actor, note=note))


def verify_file(file: EvidenceFile, actor=None) -> str:
    """'ok', 'mismatch' or 'missing'; a failure is recorded in the chain of custody and the audit log."""
    current = stored_hash(file.storage_key)
    result = check_result(file.sha256, current)
    if result != "ok":
        record_failed_check(file, current, actor)
    return result


STORED_FILE_COLUMNS = "stored_file_columns"


def register_stored_files(app: Flask, column) -> None:
    """Another domain keeps files in the evidence storage under the keys of ``column`` (the finished all-country
    packs): the files it names are then never taken for leftovers of a crash."""
    app.extensions.setdefault(STORED_FILE_COLUMNS, []).append(column)


def _key_columns() -> list:
    """Every column that names stored files: evidence files, staged files, and what other domains registered."""
    return [EvidenceFile.storage_key, StagedFile.storage_key, *current_app.extensions.get(STORED_FILE_COLUMNS, ())]


def unreferenced_keys() -> Iterator[str]:
    """Stored files that no row names (an upload whose process died before its transaction committed); one query
    per key prefix (the storage lists its keys in order)."""
    columns = _key_columns()
    for prefix, keys in groupby(get_storage().list(), key=lambda key: key[:2]):
        known = set(db.session.scalars(sa.union(*(
            sa.select(column).where(column >= prefix, column < prefix + "g") for column in columns))))
        yield from (key for key in keys if key not in known)


def stored_age(key: str) -> timedelta | None:
    """How long ago the file stored under ``key`` was written (None: there is none)."""
    try:
        return timedelta(seconds=max(0.0, time.time() - get_storage().modified(key)))
    except FileNotFoundError:
        return None


def discard_unreferenced(key: str, older_than: timedelta) -> bool:
    """Delete the stored file ``key`` if it is still named by no row and still older than ``older_than`` (a crash
    between storing a file and committing its row, or a file a forced restore left behind); True if deleted."""
    age = stored_age(key)
    if age is None or age < older_than:
        return False
    named = db.session.scalar(sa.select(sa.or_(*(sa.exists().where(column == key) for column in _key_columns()))))
    if named:
        return False
    get_storage().delete(key)
    return True


Aged = list[tuple[PendingUpload, timedelta]]


def abandoned_uploads(older_than: timedelta) -> tuple[Aged, Aged]:
    """Unfinished uploads and restores (a temporary file, an incomplete multipart upload) as (stale, recent), each
    with its age: a stale one has not been written to for ``older_than``, so it is over (its process died); a recent
    one may be live."""
    now = time.time()
    stale, recent = [], []
    for upload in get_storage().pending_uploads():
        age = timedelta(seconds=max(0.0, now - upload.modified))
        (stale if age >= older_than else recent).append((upload, age))
    return stale, recent


def discard_abandoned_upload(upload: PendingUpload, older_than: timedelta) -> bool:
    """Remove an unfinished upload if it is still one that nothing has written to for ``older_than``."""
    return get_storage().discard_pending(upload, older_than)


def case_files(case: Case) -> list[EvidenceFile]:
    return list(db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.case_id == case.id)
                                   .order_by(EvidenceFile.id)))


def stored_hashes(keys: dict[int, str]) -> dict[int, str | None]:
    """The SHA-256 now of each stored file, by file id (``keys``: file id to storage key). Slow, and touches no
    database: call it outside any transaction (``outside_transaction``)."""
    return {file_id: stored_hash(key) for file_id, key in keys.items()}


def verify_case(case: Case, actor, hashes: dict[int, str | None]) -> dict[str, list[EvidenceFile]]:
    """Record the check of the case's files whose hashes (``stored_hashes``, taken outside the transaction) are
    given: a failure in the file's chain of custody (kept if the request is refused), a check that held too."""
    results: dict[str, list[EvidenceFile]] = {"ok": [], "mismatch": [], "missing": []}
    for file in case_files(case):
        if file.id not in hashes:  # added since the hashes were taken: checked next time
            continue
        result = check_result(file.sha256, hashes[file.id])
        if result == "ok":
            record_custody(file, CustodyKind.verified, actor)
        else:
            record_failed_check(file, hashes[file.id], actor)
        results[result].append(file)
    log_event("evidence.verified", actor=actor, obj=case, data={k: [f.id for f in v] for k, v in results.items()})
    return results


def bundle_contents(case: Case) -> dict:
    """What a case's evidence bundle holds, as plain data read in one go, so that the ZIP is written with no
    transaction open: the manifest's head and, for each file, its entry name, where it is stored and its manifest
    entry (its uploader's name, its chain of custody)."""
    files = db.session.scalars(sa.select(EvidenceFile).where(EvidenceFile.case_id == case.id)
                               .options(selectinload(EvidenceFile.uploaded_by)).order_by(EvidenceFile.id)).all()
    events = db.session.scalars(sa.select(CustodyEvent).where(CustodyEvent.case_id == case.id)
                                .options(selectinload(CustodyEvent.actor))
                                .order_by(CustodyEvent.created_at, CustodyEvent.id)).all()
    entries = []
    for number, file in enumerate(files, 1):
        # unique by its number (case folded or not), valid and extracted whole on every system
        arcname = portable_name(file.original_name, file.content_type, prefix=f"{number:03d}-")
        entries.append({"id": file.id, "key": file.storage_key, "manifest": {
            "file": arcname, "name": file.original_name, "size": file.size, "type": file.content_type,
            "sha256": file.sha256, "uploaded_by": file.uploaded_by.email, "uploaded_at": file.uploaded_at.isoformat(),
            "custody": [{"event": e.kind.name, "at": e.created_at.isoformat(),
                         "by": e.actor.email if e.actor else None, "note": e.note}
                        for e in events if e.file_id == file.id]}})
    return {"case": case.reference, "title": case.title, "entries": entries}


def write_bundle(contents: dict, made_by: str | None):
    """The ZIP of ``contents`` (``bundle_contents``) with its manifest, as an open temporary file, and the files
    that failed their integrity check, by id with the hash found (None: missing). Each file is hashed as it is
    copied in, so it is read once; with any failure the ZIP is discarded (None), since it would not be evidence.
    Slow, and touches no database: call it outside any transaction."""
    manifest = {"case": contents["case"], "title": contents["title"], "made_at": utcnow().isoformat(),
                "made_by": made_by, "files": []}
    buffer = tempfile.TemporaryFile()  # on disk: a bundle of videos does not fit in memory
    try:
        failed = _write_entries(buffer, contents["entries"], manifest)
    except BaseException:  # the storage could not be read: no half-made ZIP is kept open
        buffer.close()
        raise
    if failed:
        buffer.close()
        return None, failed
    buffer.seek(0)
    return buffer, failed


def _write_entries(buffer, entries: list[dict], manifest: dict) -> dict[int, str | None]:
    """Write each entry's file, hashed as it is copied, and the manifest into the ZIP ``buffer``; the files that
    failed their check, by id, with the hash found (None: missing)."""
    storage = get_storage()
    failed: dict[int, str | None] = {}
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for entry in entries:
            try:
                handle = storage.open(entry["key"])
            except FileNotFoundError:
                failed[entry["id"]] = None
                continue
            digest = hashlib.sha256()
            with handle, bundle.open(entry["manifest"]["file"], "w", force_zip64=True) as out:
                for chunk in iter(lambda h=handle: h.read(1024 * 1024), b""):
                    digest.update(chunk)
                    out.write(chunk)
            if digest.hexdigest() != entry["manifest"]["sha256"]:
                failed[entry["id"]] = digest.hexdigest()
            manifest["files"].append(entry["manifest"])
        bundle.writestr("manifest.json", json.dumps(manifest, ensure_ascii=False, indent=2))
    return failed


def record_bundle(case: Case, actor, file_ids: list[int], failed: dict[int, str | None]) -> list[EvidenceFile]:
    """Record a bundle made of ``file_ids``: each file's export in its chain of custody; or, when some failed their
    check, those failures (kept if the request is refused). Returns the files that failed."""
    files = {file.id: file for file in case_files(case)}
    if failed:
        bad = [files[file_id] for file_id in failed if file_id in files]
        for file in bad:
            record_failed_check(file, failed[file.id], actor)
        return bad
    for file_id in file_ids:
        if file_id in files:
            record_custody(files[file_id], CustodyKind.exported, actor, note=_("Evidence bundle"))
    log_event("evidence.bundle", actor=actor, obj=case, data={"files": file_ids})
    return []
