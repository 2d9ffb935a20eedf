"""Evidence pages: adding an item with its files, downloads (hash re-checked), custody events, verification
and bundles."""
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from ipdesk.audit.services import log_event
from ipdesk.cases.models import Stage
from ipdesk.core.db import reads_first, takes_files
from ipdesk.core.errors import ServiceError
from ipdesk.core.transaction import outside_transaction, record_despite_refusal
from ipdesk.core.views import form_error
from ipdesk.evidence.forms import EvidenceForm
from ipdesk.evidence.models import CustodyKind, EvidenceFile
from ipdesk.evidence.names import attachment, stored_file_response
from ipdesk.evidence.services import (
    add_evidence_item,
    bundle_contents,
    case_files,
    check_result,
    open_hashed,
    record_bundle,
    record_custody,
    record_failed_check,
    stored_hashes,
    verify_case,
    write_bundle,
)
from ipdesk.evidence.staging import files_of_form
from ipdesk.extensions import db
from ipdesk.policy import get_case

bp = Blueprint("evidence", __name__)

MANUAL_EVENTS = {"notarised": CustodyKind.notarised, "submitted": CustodyKind.submitted}


def _file_of(case, file_id: int) -> EvidenceFile:
    file = db.session.get(EvidenceFile, file_id)
    if file is None or file.case_id != case.id:
        abort(404)
    return file


@bp.route("/cases/<int:case_id>/evidence", methods=["GET", "POST"])
@login_required
@takes_files
def new_item(case_id: int):
    """An evidence item and its files, on a page of its own (the case page links to it)."""
    case = get_case(case_id, "evidence.add")
    if case.stage is Stage.closed and request.method == "GET":  # a form sent anyway comes back with the reason
        flash(_("Evidence cannot be added to a closed case."), "warning")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="evidence"))
    form = EvidenceForm()
    valid = form.validate_on_submit()
    staged, refused = files_of_form(form.files, current_user, case) if form.is_submitted() else ([], None)
    if not valid or refused:
        return render_template("evidence/new_item.html", form=form, case=case, staged=staged), \
            refused or (422 if form.errors else 200)
    try:
        add_evidence_item(case, form.data, current_user, staged=staged)
    except ServiceError as error:
        return form_error(form, error, "evidence/new_item.html", case=case, staged=staged)
    flash(_("The evidence item is added."), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="evidence"))


@bp.get("/cases/<int:case_id>/evidence/files/<int:file_id>")
@login_required
@reads_first
def download(case_id: int, file_id: int):
    """The file, after its hash is checked against the one recorded at upload: the check (a video: seconds) runs
    with no transaction open, so nobody waits for it; the custody event after it is a short write. What is served
    is what was checked: the same handle, read again from its start."""
    case = get_case(case_id, "evidence.download")
    file = _file_of(case, file_id)
    key = file.storage_key
    with outside_transaction():
        handle, current = open_hashed(key)
    try:
        return _serve_checked(case_id, file_id, key, handle, current)
    except BaseException:
        if handle is not None:
            handle.close()
        raise


def _serve_checked(case_id: int, file_id: int, key: str, handle, current: str | None):
    """The download of a file whose stored copy (open in ``handle``, hashed to ``current``) was just checked: the
    file, or the 409 page when it no longer matches (``handle`` is then closed)."""
    file = _file_of(get_case(case_id, "evidence.download"), file_id)  # read again, as it is now
    result = check_result(file.sha256, current) if file.storage_key == key else "mismatch"
    if result != "ok":
        if handle is not None:
            handle.close()
        record_failed_check(file, current, current_user)
        record_despite_refusal(lambda: log_event("evidence.download_refused", actor=current_user, obj=file,
                                                 data={"result": result}))
        return render_template(
            "errors/error.html", code=409, title=_("Integrity check failed"),
            message=_("The stored file %(name)s no longer matches the SHA-256 recorded at upload, or is missing. "
                      "It is not served; the failure is recorded in its chain of custody.", name=file.original_name),
        ), 409
    record_custody(file, CustodyKind.downloaded, current_user)
    return stored_file_response(handle, name=file.original_name, content_type=file.content_type, size=file.size,
                                sha256=file.sha256)


@bp.post("/cases/<int:case_id>/evidence/files/<int:file_id>/custody")
@login_required
def custody(case_id: int, file_id: int):
    case = get_case(case_id, "evidence.custody")
    file = _file_of(case, file_id)
    kind = MANUAL_EVENTS.get(request.form.get("kind", ""))
    if kind is None:
        abort(400)
    record_custody(file, kind, current_user, note=request.form.get("note", "")[:2000])
    flash(_("Recorded: %(event)s.", event=kind.title), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="evidence"))


@bp.post("/cases/<int:case_id>/evidence/verify")
@login_required
@reads_first
def verify(case_id: int):
    """Re-hash the case's files with no transaction open, then record the results in a short write."""
    case = get_case(case_id, "evidence.verify")
    keys = {file.id: file.storage_key for file in case_files(case)}
    with outside_transaction():
        hashes = stored_hashes(keys)
    case = get_case(case_id, "evidence.verify")
    results = verify_case(case, current_user, hashes)
    if results["mismatch"] or results["missing"]:
        flash(_("Integrity check failed for: %(names)s. The failures are recorded.",
                names=", ".join(f.original_name for f in results["mismatch"] + results["missing"])), "danger")
    else:
        flash(_("All %(n)d files match the SHA-256 recorded at upload.", n=len(results["ok"])), "success")
    return redirect(url_for("cases.view_case", case_id=case.id, _anchor="evidence"))


@bp.post("/cases/<int:case_id>/evidence/bundle")
@login_required
@reads_first
def bundle(case_id: int):
    """A ZIP of the case's files and a manifest, each file checked as it is copied in; written with no transaction
    open (a bundle of videos takes a while), its exports (or the failed checks) recorded after in a short write."""
    case = get_case(case_id, "evidence.bundle")
    contents, made_by = bundle_contents(case), current_user.email
    with outside_transaction():
        archive, failed = write_bundle(contents, made_by)
    case = get_case(case_id, "evidence.bundle")
    bad = record_bundle(case, current_user, [entry["id"] for entry in contents["entries"]], failed)
    if bad:
        flash(_("No bundle was made: these files failed their integrity check: %(names)s.",
                names=", ".join(file.original_name for file in bad)), "danger")
        return redirect(url_for("cases.view_case", case_id=case.id, _anchor="evidence"))
    response = send_file(archive, mimetype="application/zip")
    response.headers["Content-Disposition"] = attachment(f"{case.reference or case.id}-evidence.zip")  # app-made
    return response
