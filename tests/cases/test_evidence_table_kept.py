"""The case page's evidence table is rendered once and kept (``ipdesk.core.fragments``): what each viewer sees is
still what they would see rendered afresh, the forms in it carry the viewer's own CSRF token, and any change to
what the table shows shows at once."""
import re

import pytest
import sqlalchemy as sa

from ipdesk.core.fragments import fragments
from ipdesk.evidence.models import CustodyEvent, CustodyKind
from ipdesk.extensions import db
from tests.conftest import PASSWORD, running_app
from tests.factories import make_case, make_evidence_file

pytestmark = pytest.mark.csrf


@pytest.fixture
def csrf_app(database_url):
    with running_app(database_url, WTF_CSRF_ENABLED=True) as app:
        fragments.clear()
        yield app
        fragments.clear()


def _token(page: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)


def _sign_in(app, user):
    browser = app.test_client()
    token = _token(browser.get("/login").get_data(as_text=True))
    assert browser.post("/login", data={"email": user.email, "password": PASSWORD, "csrf_token": token}) \
        .status_code == 302
    return browser


def _evidence(page: str) -> str:
    return page[page.index('id="evidence-h"'):page.index("</section>", page.index('id="evidence-h"'))]


def test_each_viewer_gets_their_own_table_and_token_and_every_change_shows(csrf_app, factories):
    exporter = factories.exporter()
    staff = factories.staff(hub_codes=("cn-north",))
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    file = make_evidence_file(case, exporter, name="receipt.png")
    db.session.commit()
    url = f"/cases/{case.id}"

    staff_browser = _sign_in(csrf_app, staff)
    first = staff_browser.get(url).get_data(as_text=True)
    kept = staff_browser.get(url).get_data(as_text=True)  # from the kept table
    assert len(fragments._kept) == 1 and "receipt.png" in kept
    assert _evidence(kept).count("Record notarisation") == 1 and "csrf-" not in kept

    # the token in the kept table is this viewer's, good for a post
    form_token = re.search(r'evidence/files/\d+/custody".*?name="csrf_token" value="([^"]+)"', kept, re.S).group(1)
    recorded = staff_browser.post(f"/cases/{case.id}/evidence/files/{file.id}/custody",
                                  data={"csrf_token": form_token, "kind": "notarised", "note": "Seoul notary 42"})
    assert recorded.status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CustodyEvent)
                             .where(CustodyEvent.kind == CustodyKind.notarised)) == 1
    after = staff_browser.get(url).get_data(as_text=True)
    assert "Seoul notary 42" in _evidence(after) and "Seoul notary 42" not in _evidence(first)

    # the exporter may not record custody: no form, whatever the staff's table holds
    exporter_page = _sign_in(csrf_app, exporter).get(url).get_data(as_text=True)
    assert "receipt.png" in exporter_page and "Record notarisation" not in _evidence(exporter_page)

    # a name changed anywhere shows in the table at once
    exporter.name = "Renamed Uploader"
    db.session.commit()
    assert "Renamed Uploader" in _evidence(staff_browser.get(url).get_data(as_text=True))

    # another language: its own table
    staff_browser.post("/language", data={"lang": "ko", "csrf_token": _token(after)})
    korean = staff_browser.get(url).get_data(as_text=True)
    assert "공증 기록" in _evidence(korean) and "Record notarisation" not in _evidence(korean)
