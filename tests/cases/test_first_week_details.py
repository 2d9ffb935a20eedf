"""Issue 18's smaller points: exporters know who helps them; a pending company's user keeps their account;
amounts as people write them; staff see their own hubs first and not the exporters' status line; and
`flask demo-code` works from the project folder without variables."""
import os
import re
import subprocess
import sys
from decimal import Decimal

import sqlalchemy as sa

from ipdesk.cases.models import Case
from ipdesk.config import PROJECT_ROOT
from ipdesk.extensions import db
from tests.cases.test_intake import FULL
from tests.conftest import PASSWORD
from tests.factories import make_case

EN = {"Accept-Language": "en"}


def test_the_exporter_sees_who_handles_the_case_and_how_to_reach_the_centre(app, make_client, factories, login):
    exporter = factories.exporter()
    officer = factories.staff(hub_codes=("cn-north",), name="Park Ji-hoon")
    case = make_case("evidence", company=exporter.company, author=exporter, assignee_id=officer.id)
    client = make_client()
    login(client, exporter)
    page = client.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "Who helps you" in page and "Park Ji-hoon" in page and 'href="#messages"' in page
    assert "1600-9099" in page
    assert "Evidence is being collected. Add what you have." in page  # the exporters' status line

    staff_client = make_client()
    login(staff_client, officer)
    staff_page = staff_client.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "Evidence is being collected. Add what you have." not in staff_page
    assert "Who helps you" not in staff_page


def test_staff_see_their_own_hubs_first_in_the_filters(app, make_client, factories, login):
    officer = factories.staff(hub_codes=("th", "vn"))
    client = make_client()
    login(client, officer)
    page = client.get("/cases", headers=EN).get_data(as_text=True)
    menu = page[page.index('name="hub"'):]
    menu = menu[:menu.index("</select>")]
    options = re.findall(r"<option[^>]*>([^<]+)</option>", menu)[1:]  # after "all"
    assert {options[0], options[1]} == {"Thailand IP Centre", "Vietnam IP Centre"}, options[:4]


def test_a_pending_companys_user_keeps_their_account_and_password(app, make_client, factories, login):
    from ipdesk.companies.models import CompanyStatus

    company = factories.CompanyFactory(status=CompanyStatus.pending, approved_at=None)
    user = factories.exporter(company=company)
    client = make_client()
    login(client, user)
    assert client.get("/", headers=EN).headers["Location"].endswith("/awaiting-approval")
    waiting = client.get("/awaiting-approval", headers=EN).get_data(as_text=True)
    assert 'href="/account"' in waiting and 'href="/account/password"' in waiting
    account = client.get("/account", headers=EN)
    assert account.status_code == 200 and "Two-factor sign-in" not in account.get_data(as_text=True)
    changed = client.post("/account/password", data={"current_password": PASSWORD,
                                                       "password": "a new long pass phrase 2026",
                                                       "password_confirm": "a new long pass phrase 2026"})
    assert changed.status_code == 302
    assert client.get("/cases").status_code == 302  # everything else still waits for approval


def test_amounts_are_accepted_as_people_write_them(app, client, factories, login_as):
    login_as(factories.exporter())
    for typed, expected in (("150,000", Decimal("150000")), ("１５０，０００", Decimal("150000")),
                            ("1,385.25", Decimal("1385.25"))):
        response = client.post("/cases/new", data={**FULL, "damages_amount": typed}, headers=EN)
        assert response.status_code == 302, response.get_data(as_text=True)[-600:]
        newest = db.session.scalar(sa.select(Case).order_by(Case.id.desc()))
        assert newest.damages_amount == expected
    refused = client.post("/cases/new", data={**FULL, "damages_amount": "1,50"}, headers=EN)
    assert refused.status_code == 422
    assert "Enter a number, such as 150,000 or 1,385.2." in refused.get_data(as_text=True)
    assert 'value="1,50"' in refused.get_data(as_text=True)


def test_demo_code_works_from_the_project_folder_without_variables(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FLASK_APP", "IPDESK_ENV", "SECRET_KEY")}
    env["DATABASE_URL"] = f"sqlite:///{tmp_path / 'unused.sqlite3'}"
    result = subprocess.run([sys.executable, "-m", "flask", "demo-code"], cwd=PROJECT_ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-800:]
    assert re.fullmatch(r"\d{6}", result.stdout.strip())
