"""Filing a case: drafts, validation, submission, references, the registration warning, on-behalf filing."""
import threading
from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from ipdesk.cases.models import Case, Stage
from ipdesk.companies.models import CompanyStatus
from ipdesk.extensions import db
from tests.conftest import IS_POSTGRES
from tests.factories import make_case

FULL = {
    "title": "Counterfeit cushion compact on Shopee",
    "country_code": "ID",
    "sector": "beauty",
    "ip_right": "trademark",
    "dispute_type": "marketplace",
    "found_where": "Shopee Indonesia, shop 'glowbeauty.id'",
    "infringer_name": "Toko Glow Beauty",
    "infringer_shop_id": "glowbeauty.id",
    "infringer_urls": "https://shopee.co.id/glowbeauty.id",
    "infringer_contacts": "WhatsApp +62 812 0000 0000",
    "damages_amount": "15000000",
    "damages_currency": "IDR",
    "urgency": "high",
    "description": "Our cushion compact is sold with a fake hologram.",
    "first_noticed_on": "2026-10-15",
}


def file(client, **changes):
    data = {k: v for k, v in {**FULL, **changes}.items() if v is not None}
    return client.post("/cases/new", data=data)


def test_exporter_submits_a_complete_case_and_gets_a_reference(client, factories, login_as):
    user = factories.exporter()
    login_as(user)
    response = file(client, submit="1")
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    year = datetime.now(UTC).year
    assert case.reference in (f"ID-{year}-00001", f"ID-{year + 1}-00001")
    assert case.stage is Stage.intake and case.hub.code == "th"  # Indonesia's primary hub
    assert case.company_id == user.company_id and not case.filed_on_behalf
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert case.reference in page and "Counterfeit cushion compact on Shopee" in page
    assert "Toko Glow Beauty" in page and "IDR" in page


def test_a_draft_needs_only_a_title_and_country_and_can_be_finished_later(client, factories, login_as):
    login_as(factories.exporter())
    response = client.post("/cases/new", data={"title": "Squatter in Vietnam", "country_code": "VN",
                                                "urgency": "normal", "save": "1"})
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.stage is Stage.draft and case.reference is None
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Still needed before submitting" in page
    edit = client.post(f"/cases/{case.id}/edit", data={**FULL, "country_code": "VN", "version": str(case.version),
                                                       "submit": "1"})
    assert edit.status_code == 302
    db.session.refresh(case)
    assert case.stage is Stage.intake and case.reference.startswith("VN-")


def test_submitting_an_incomplete_case_shows_errors_next_to_fields_and_keeps_input(client, factories, login_as):
    login_as(factories.exporter())
    response = file(client, description="", sector="", damages_currency="", submit="1")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'id="description-error"' in html and 'id="sector-error"' in html
    assert "Required to submit the case." in html
    assert 'id="damages_currency-error"' in html
    assert 'value="Counterfeit cushion compact on Shopee"' in html and "Toko Glow Beauty" in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_errors_in_korean(client, factories, login_as):
    login_as(factories.exporter())
    response = client.post("/cases/new", data={**FULL, "title": "", "submit": "1"},
                           headers={"Accept-Language": "ko"})
    assert response.status_code == 422
    assert "이 항목은 필수입니다" in response.get_data(as_text=True)


def test_missing_registration_is_flagged(client, factories, login_as):
    """The company's register holds no trademark in force in Indonesia (tests/rights: the warning as a table)."""
    login_as(factories.exporter())
    response = file(client, submit="1")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "No registration in force in Indonesia among the rights this case relies on" in page


def test_staff_file_on_behalf_of_a_company(client, factories, login_as):
    company = factories.CompanyFactory()
    officer = factories.staff(hub_codes=("th",))
    login_as(officer)
    response = file(client, company_id=str(company.id), submit="1")
    assert response.status_code == 302
    case = db.session.scalar(sa.select(Case))
    assert case.filed_on_behalf and case.created_by_id == officer.id and case.company_id == company.id
    assert "on its behalf" in client.get(f"/cases/{case.id}").get_data(as_text=True)


@pytest.mark.parametrize("amount", ["sNaN", "NaN", "Infinity", "-5", "1e20", "123456789012345.678"])
def test_impossible_amounts_are_refused_with_a_message(client, factories, login_as, amount):
    login_as(factories.exporter())
    response = file(client, damages_amount=amount, submit="1")
    assert response.status_code == 422
    assert "Enter an amount between 0 and 9,999,999,999,999.99." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_staff_must_choose_the_company(client, factories, login_as):
    login_as(factories.staff(hub_codes=("th",)))
    response = file(client, submit="1")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Choose the company you are filing for." in html and "Toko Glow Beauty" in html


def test_staff_choosing_an_unapproved_company_get_the_whole_menu_back(client, factories, login_as):
    """A submission is checked against the company chosen only; the page that comes back offers them all."""
    approved = [factories.CompanyFactory() for _ in range(3)]
    pending = factories.CompanyFactory(pending=True)
    login_as(factories.staff(hub_codes=("th",)))
    for chosen in (str(pending.id), "999999", "not-a-number"):
        response = file(client, company_id=chosen, submit="1")
        assert response.status_code == 422, chosen
        html = response.get_data(as_text=True)
        assert all(c.name_en in html for c in approved) and pending.name_en not in html
        assert 'value="Counterfeit cushion compact on Shopee"' in html  # what was typed is still there
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    assert file(client, company_id=str(approved[1].id), submit="1").status_code == 302


def test_a_draft_of_a_company_suspended_since_can_still_be_edited(client, factories, login_as):
    exporter = factories.exporter()
    officer = factories.staff(hub_codes=("th",))
    login_as(officer)
    assert file(client, company_id=str(exporter.company_id), country_code="TH").status_code == 302
    case = db.session.scalar(sa.select(Case))
    exporter.company.status, exporter.company.suspended_at = CompanyStatus.suspended, datetime.now(UTC)
    exporter.company.suspension_reason = "Registration lapsed"
    db.session.commit()
    response = client.post(f"/cases/{case.id}/edit", data={**FULL, "country_code": "TH", "title": "Renamed draft",
                                                            "version": str(case.version)})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.refresh(case)
    assert case.title == "Renamed draft" and case.company_id == exporter.company_id


def test_staff_author_sees_the_case_only_while_it_is_a_draft_unless_of_its_hub(client, factories, login_as):
    company = factories.CompanyFactory()
    author = factories.staff(hub_codes=("jp",))  # files a Chinese case, not of China's hubs
    login_as(author)
    file(client, company_id=str(company.id), country_code="CN", save="1")
    case = db.session.scalar(sa.select(Case))
    assert client.get(f"/cases/{case.id}").status_code == 200
    assert client.post(f"/cases/{case.id}/move", data={"transition": "submit",
                                                        "version": str(case.version)}).status_code == 302
    assert client.get(f"/cases/{case.id}").status_code == 404
    assert "Counterfeit cushion" not in client.get("/cases").get_data(as_text=True)
    assert client.post(f"/cases/{case.id}/messages", data={"body": "x"}).status_code == 404


def test_exporter_cannot_file_for_another_company(client, factories, login_as):
    login_as(factories.exporter())
    other = factories.CompanyFactory()
    file(client, company_id=str(other.id), submit="1")
    case = db.session.scalar(sa.select(Case))
    assert case.company_id != other.id


def test_references_count_per_country_and_year(client, factories, login_as):
    login_as(factories.exporter())
    for country in ("CN", "CN", "TH", "CN"):
        file(client, country_code=country, submit="1")
    refs = sorted(db.session.scalars(sa.select(Case.reference)))
    numbers = sorted(r.split("-", 1)[0] + r[-5:] for r in refs)
    assert numbers == ["CN00001", "CN00002", "CN00003", "TH00001"]


def test_references_stay_unique_when_submissions_arrive_together(app, factories):
    """Eight drafts submitted at the same moment from eight threads, each with its own connection."""
    from ipdesk.cases.services import move_case

    user = factories.exporter()
    user_id = user.id
    ids = [make_case("draft", company=user.company, author=user).id for _ in range(8)]
    db.session.commit()  # end this thread's transaction: SQLite would hold its write lock
    barrier = threading.Barrier(len(ids))
    errors = []

    def submit(case_id):
        try:
            barrier.wait(timeout=30)  # released together; each then runs its whole transaction
            with app.app_context():
                from ipdesk.auth.models import User

                case = db.session.get(Case, case_id)
                actor = db.session.get(User, user_id)
                move_case(case, "submit", actor)
                db.session.commit()
        except Exception as exc:  # collected and reported below
            errors.append(repr(exc))

    threads = [threading.Thread(target=submit, args=(i,)) for i in ids]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    refs = list(db.session.scalars(sa.select(Case.reference)))
    assert len(refs) == len(set(refs)) == 8
    assert sorted(int(r[-5:]) for r in refs) == list(range(1, 9))


@pytest.mark.skipif(not IS_POSTGRES, reason="the sequence row lock is PostgreSQL's; SQLite serialises writers")
def test_sequence_uses_one_row_per_country_and_year(app, factories):
    from ipdesk.cases.models import CaseSequence

    user = factories.exporter()
    from ipdesk.cases.services import move_case

    for _ in range(3):
        move_case(make_case("draft", company=user.company, author=user), "submit", user)
    db.session.commit()
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseSequence)) == 1
