"""Files that come with a form that is sent back are kept: stored and hashed at once, shown as attached
when the form comes back, filed as evidence when it goes through, or removed by their owner.

A staged file is written through ``record_despite_refusal``, so the refusal of the form's request
(which undoes everything else it did) keeps it; its owner finds it again by a random token that the
form carries. ``flask evidence verify --repair`` removes staged files never filed after a grace period.
"""
import secrets
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app, request

from ipdesk.core.db import transaction_will_write
from ipdesk.core.transaction import outside_transaction, record_despite_refusal
from ipdesk.evidence.models import StagedFile
from ipdesk.evidence.storage import StorageUnavailable, get_storage
from ipdesk.evidence.uploads import UploadRefused, accept_upload, keep_stored_file, refusal_status
from ipdesk.extensions import db

MAX_STAGED = 50  # files one form may hold at a time


def accept_uploads(uploads) -> list:
    """Each upload stored and checked by its content (hashing it; a PDF parsed in a process of its own): a stored
    file, or the refusal with its reason. Slow, and touches no database."""
    outcomes = []
    for upload in uploads:
        if upload is None or not upload.filename:
            continue
        try:
            outcomes.append(accept_upload(upload))
        except UploadRefused as refusal:
            outcomes.append(refusal)
    return outcomes


def stage_uploads(uploads, user, case=None) -> tuple[list[StagedFile], list[UploadRefused]]:
    """Store each acceptable upload as a staged file of ``user`` (for ``case``, or a case not made yet);
    the refusals of the others, each with its reason. A request that began read-only (a view that
    ``takes_files``) checks them with no transaction open, and then begins writing. When the storage could not be
    reached, nothing is staged: the request's stored files go with its refusal, and the form is sent again whole."""
    if transaction_will_write():
        outcomes = accept_uploads(uploads)
    else:
        with outside_transaction():  # nobody waits for the write lock while a video is hashed
            outcomes = accept_uploads(uploads)
    if any(isinstance(outcome, UploadRefused) and outcome.unavailable for outcome in outcomes):
        return [], [outcome for outcome in outcomes if isinstance(outcome, UploadRefused)]
    staged, refusals = [], []
    for stored in outcomes:
        if isinstance(stored, UploadRefused):
            refusals.append(stored)
            continue
        keep_stored_file(stored.key)
        values = {"token": secrets.token_hex(16), "user_id": user.id, "case_id": case.id if case else None,
                  "storage_key": stored.key, "original_name": stored.original_name,
                  "content_type": stored.content_type, "size": stored.size, "sha256": stored.sha256,
                  "width": stored.width, "height": stored.height}
        staged.append(record_despite_refusal(lambda values=values: _add(StagedFile(**values))))
    db.session.flush()
    return staged, refusals


def _add(file: StagedFile) -> StagedFile:
    db.session.add(file)
    return file


def staged_files(user, tokens, case=None) -> list[StagedFile]:
    """The staged files of ``user`` for ``case`` (None: a new case) named by ``tokens``, in the order staged;
    a token of anyone else's file, or of another case's, names nothing."""
    tokens = [t for t in tokens if isinstance(t, str) and len(t) == 32][:MAX_STAGED]
    if not tokens:
        return []
    case_clause = StagedFile.case_id == case.id if case is not None else StagedFile.case_id.is_(None)
    return list(db.session.scalars(sa.select(StagedFile).where(
        StagedFile.token.in_(tokens), StagedFile.user_id == user.id, case_clause).order_by(StagedFile.id)))


def remove_staged(staged: list[StagedFile]) -> None:
    """Remove staged files their owner took off the form; the stored files go once this commits."""
    if not staged:
        return
    keys = [file.storage_key for file in staged]
    for file in staged:
        db.session.delete(file)
    _delete_after_commit(keys)


def _delete_after_commit(keys: list[str]) -> None:
    session = db.session()
    storage = get_storage()

    def delete(_session):
        for key in keys:
            try:
                storage.delete(key)
            except StorageUnavailable as error:  # removed by `flask evidence verify --repair` later
                current_app.logger.warning("a removed staged file stays in the storage for now: %s", error)

    sa.event.listen(session, "after_commit", delete, once=True)


def expired_staged(before: datetime) -> list[StagedFile]:
    return list(db.session.scalars(sa.select(StagedFile).where(StagedFile.created_at < before)
                                   .order_by(StagedFile.id)))


def staged_grace() -> timedelta:
    """How long a staged file waits for its form before ``flask evidence verify --repair`` removes it."""
    return timedelta(hours=current_app.config["EVIDENCE_STAGED_HOURS"])


def files_of_form(files_field, user, case=None) -> tuple[list[StagedFile], int | None]:
    """On a form's POST: the staged files ``user`` kept ticked and this request's uploads, all staged; the ones
    untaken are removed. A refused upload's reason goes next to ``files_field``; returns the staged files and
    the status a refusal calls for (413 for a file too large, else 422), or None when every file was taken."""
    new, refusals = stage_uploads(request.files.getlist(files_field.name), user, case)  # first: it may begin writing
    kept = staged_files(user, request.form.getlist("staged"), case)
    untaken = set(request.form.getlist("shown")) - {file.token for file in kept}
    remove_staged(staged_files(user, untaken, case))
    if not refusals:
        return kept + new, None
    files_field.errors = [*files_field.errors, *(refusal.message for refusal in refusals)]
    return kept + new, refusal_status(refusals)
