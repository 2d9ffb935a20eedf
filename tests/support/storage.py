"""What the evidence storage holds, seen the same way on either backend (a folder, or S3)."""
import io

from flask import Flask

from ipdesk.evidence.storage import get_storage


def stored_keys(app: Flask) -> list[str]:
    with app.app_context():
        return list(get_storage().list())


def leftovers(app: Flask) -> list[str]:
    """Every stored file and every unfinished upload (a temporary file, an incomplete multipart upload)."""
    with app.app_context():
        storage = get_storage()
        return [*storage.list(), *(upload.name for upload in storage.pending_uploads())]


def stored_content(app: Flask, key: str) -> bytes:
    with app.app_context(), get_storage().open(key) as handle:
        return handle.read()


def replace_content(app: Flask, key: str, content: bytes) -> None:
    """Put other bytes under ``key``, as someone tampering with the storage would."""
    with app.app_context():
        get_storage().put(io.BytesIO(content), key=key)
