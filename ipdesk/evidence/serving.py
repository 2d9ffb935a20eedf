"""Serving a stored file that is not evidence (a guide's attachment, a mark's picture): only once it matches the
hash recorded when it was stored, checked with no transaction open."""
from flask import render_template
from flask_babel import gettext as _

from ipdesk.core.transaction import outside_transaction
from ipdesk.evidence.names import stored_file_response
from ipdesk.evidence.services import check_result, open_hashed


def checked_file_response(key: str, sha256: str, *, name: str, content_type: str, size: int, mismatch: str):
    """The file under ``key`` as a download, or a 409 page saying ``mismatch`` when it no longer matches
    ``sha256`` (or is gone)."""
    with outside_transaction():
        handle, current = open_hashed(key)
    if check_result(sha256, current) != "ok":
        if handle is not None:
            handle.close()
        return render_template("errors/error.html", code=409, title=_("Integrity check failed"), message=mismatch), 409
    return stored_file_response(handle, name=name, content_type=content_type, size=size, sha256=sha256)
