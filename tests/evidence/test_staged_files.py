"""Files that come with a form that is sent back are kept (issue 16, point 1): staged with their hash, shown as
attached, filed with the form when it goes through, removable by their owner, and cleaned by
`flask evidence verify --repair` once their grace period is over."""
import hashlib
import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Case
from ipdesk.core.db import utcnow
from ipdesk.evidence.models import EvidenceFile, StagedFile
from ipdesk.extensions import db
from tests.cases.test_intake import FULL
from tests.evidence.test_uploads import multipart, stored_files, upload

pytestmark = pytest.mark.storage


def _tokens(page: str) -> list[str]:
    return re.findall(r'name="staged" value="([0-9a-f]{32})"', page)


def test_a_refused_intake_keeps_its_photo_and_files_it_with_the_case(app, client, factories, login_as, samples):
    """Today's bug: the intake came back with the text but without the chosen files, and the case was then filed
    without its evidence. Without a title even a draft cannot be made: the photo is kept, staged."""
    login_as(factories.exporter())
    name, png = samples["image/png"]
    refused = client.post("/cases/new", headers={"Accept-Language": "ko"},
                          **multipart({**FULL, "title": "", "description": "", "submit": "1"}, [(name, png)]))
    assert refused.status_code == 422
    page = refused.get_data(as_text=True)
    assert "이미 첨부된 파일" in page and name in page
    tokens = _tokens(page)
    assert len(tokens) == 1
    sha256 = hashlib.sha256(png).hexdigest()
    assert db.session.scalar(sa.select(StagedFile.sha256)) == sha256 and db.session.scalar(sa.select(Case)) is None

    filed = client.post("/cases/new", data={**FULL, "submit": "1", "staged": tokens, "shown": tokens})
    assert filed.status_code == 302
    case = db.session.scalar(sa.select(Case))
    file = db.session.scalar(sa.select(EvidenceFile))
    assert file.case_id == case.id and file.original_name == name and file.sha256 == sha256
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StagedFile)) == 0
    assert len(stored_files(app)) == 1  # the same stored file, now evidence
    download = client.get(f"/cases/{case.id}/evidence/files/{file.id}")
    assert download.get_data() == png
    download.close()


def test_a_first_intake_with_errors_and_a_photo_is_saved_as_a_draft(app, client, factories, login_as, samples):
    """The photo needs a home: the intake is saved as a draft with what it got right, the user is told, and the
    form comes back as the draft's, with the errors and what was typed; completing it submits the case."""
    login_as(factories.exporter())
    name, png = samples["image/png"]
    response = client.post("/cases/new", headers={"Accept-Language": "en"},
                           **multipart({**FULL, "description": "", "submit": "1"}, [(name, png)]))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    draft = db.session.scalar(sa.select(Case))
    assert draft.stage.name == "draft" and draft.title == FULL["title"]
    assert "saved as a draft so the files you attached are kept" in page
    assert 'id="description-error"' in page and FULL["infringer_name"] in page
    assert f'action="/cases/{draft.id}/edit"' in page
    assert db.session.scalar(sa.select(EvidenceFile.case_id)) == draft.id
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    done = client.post(f"/cases/{draft.id}/edit", data={**FULL, "submit": "1", "version": version})
    assert done.status_code == 302
    db.session.refresh(draft)
    assert draft.stage.name == "intake" and db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1


def test_an_unticked_staged_file_is_removed_and_no_one_else_can_claim_one(app, client, make_client, login,
                                                                        factories, login_as, samples):
    staff = factories.staff(hub_codes=("cn-north",))
    login_as(staff)
    from tests.factories import make_case

    case = make_case("evidence")
    refused = upload(client, case, samples["image/png"], samples["application/pdf"], description="")
    tokens = _tokens(refused.get_data(as_text=True))
    assert refused.status_code == 422 and len(tokens) == 2 and len(stored_files(app)) == 2

    other = make_client()
    assert login(other, factories.staff(hub_codes=("cn-north",))).status_code == 302
    stolen = other.post(f"/cases/{case.id}/evidence", data={"kind": "photo", "description": "Mine now",
                                                           "staged": tokens, "shown": tokens})
    assert stolen.status_code == 302  # an item without files: the tokens name nothing of theirs
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 0

    kept = client.post(f"/cases/{case.id}/evidence", data={"kind": "photo", "description": "Shelf",
                                                          "staged": tokens[:1], "shown": tokens})
    assert kept.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EvidenceFile)) == 1
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StagedFile)) == 0
    assert len(stored_files(app)) == 1  # the unticked file is gone from the storage too


def test_verify_repair_removes_staged_files_past_their_grace_period(app, client, factories, login_as, samples):
    from tests.factories import make_case

    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("evidence")
    assert upload(client, case, samples["image/png"], description="").status_code == 422
    runner = app.test_cli_runner()
    fresh = runner.invoke(args=["evidence", "verify"])
    assert fresh.exit_code == 0 and "0 stored without a row" in fresh.output  # a staged file has its row
    db.session.execute(sa.update(StagedFile).values(created_at=utcnow() - timedelta(hours=25)))
    db.session.commit()
    expired = runner.invoke(args=["evidence", "verify"])
    assert expired.exit_code == 1 and "EXPIRED: staged file" in expired.output
    repaired = runner.invoke(args=["evidence", "verify", "--repair"])
    assert repaired.exit_code == 0 and "REMOVED: staged file" in repaired.output, repaired.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(StagedFile)) == 0
    assert stored_files(app) == []
