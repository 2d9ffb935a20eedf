"""Exporter self-registration, approval by staff, and what a user sees before and after."""
import pytest
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.auth.models import Role, User
from ipdesk.companies.models import Company, CompanyStatus, Sector
from ipdesk.extensions import db
from tests.conftest import PASSWORD, confirm_registration, mailed_link
from tests.factories import registration_number

VALID = {
    "name_ko": "아름코스메틱",
    "name_en": "Areum Cosmetics",
    "registration_number": "124-81-00998",
    "size": "sme",
    "sectors": ["beauty", "content"],
    "export_countries": ["CN", "TH"],
    "user_name": "정수출",
    "email": "Founder@Areum.example",
    "password": PASSWORD,
    "password_confirm": PASSWORD,
    "privacy_consent": "y",
}


def register(client, **changes):
    data = {**VALID, **changes}
    return client.post("/register", data={k: v for k, v in data.items() if v is not None})


def registered(client, **changes):
    """Register and open the mailed link: the response of the link's button."""
    assert register(client, **changes).status_code == 302
    return confirm_registration(client, VALID["email"])


def test_registration_creates_a_pending_company_and_its_first_user_once_the_mailed_link_is_used(client):
    response = register(client)
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/register/sent")
    assert "Check your e-mail" in client.get("/register/sent").get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0  # nothing before the link
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 0
    response = confirm_registration(client, VALID["email"])
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/awaiting-approval")
    company = db.session.scalar(sa.select(Company))
    assert company.status is CompanyStatus.pending
    assert company.registration_number == "1248100998"
    assert company.name_ko == "아름코스메틱" and company.name_en == "Areum Cosmetics"
    assert set(company.sectors) == {Sector.beauty, Sector.content}
    user = db.session.scalar(sa.select(User).where(User.company_id == company.id))
    assert user.email == "founder@areum.example"
    assert user.role is Role.exporter
    assert user.privacy_consent_at is not None and user.privacy_policy_version
    assert user.password_hash.startswith("$argon2id$")
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "company.registered"))


def test_pending_exporter_sees_only_the_awaiting_approval_page(client):
    registered(client)
    page = client.get("/awaiting-approval", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Your company is awaiting approval" in page.get_data(as_text=True)
    assert 'href="/company"' not in page.get_data(as_text=True)  # no menu leading nowhere
    for url in ("/", "/company", "/network", "/account/notifications"):
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/awaiting-approval"), url
    assert client.get("/account").status_code == 200  # their own account and password they keep
    assert client.post("/company/invitations", data={"email": "a@b.example"}).status_code == 403


def test_full_journey_registration_approval_login(client, make_client, factories, login):
    registered(client)
    client.post("/logout")
    officer = factories.staff()
    staff_client = make_client()
    login(staff_client, officer)
    company = db.session.scalar(sa.select(Company))
    listing = staff_client.get("/companies?status=pending").get_data(as_text=True)
    assert "아름코스메틱" in listing
    assert staff_client.post(f"/companies/{company.id}/approve").status_code == 302
    db.session.expire_all()
    assert db.session.get(Company, company.id).status is CompanyStatus.approved

    response = login(client, "founder@areum.example")
    assert response.status_code == 302
    home = client.get("/", headers={"Accept-Language": "en"})
    assert home.status_code == 200
    assert "Areum Cosmetics" in home.get_data(as_text=True)


@pytest.mark.parametrize("field, value, message", [
    ("registration_number", "124-81-00999", "The last digit does not match the others"),
    ("registration_number", "000-00-00000", "No tax office issues a number like this one"),
    ("registration_number", "124-81-0099", "A business registration number has 10 digits"),
    ("registration_number", "124-81-OO998", "A business registration number has 10 digits"),
    ("email", "not-an-email", "Invalid email address"),
    ("password_confirm", "something else entirely", "The two passwords are not the same"),
    ("password", "short", "Use at least 10 characters"),
    ("privacy_consent", None, "You must agree to the privacy policy"),
    ("sectors", None, "Choose at least one sector"),
    ("export_countries", None, "Choose at least one country you export to"),
])
def test_errors_are_shown_next_to_the_field_and_input_is_kept(client, field, value, message):
    response = register(client, **{field: value})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    assert f'id="{field}-error"' in html
    # what was typed is still there (passwords are never echoed back)
    assert 'value="아름코스메틱"' in html
    assert 'value="Areum Cosmetics"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_error_messages_in_korean(client):
    response = client.post("/register", data={**VALID, "registration_number": "1234567890"},
                           headers={"Accept-Language": "ko-KR,ko;q=0.9"})
    assert response.status_code == 422
    assert "마지막 검증 숫자가 앞자리와 맞지 않아" in response.get_data(as_text=True)


def test_duplicate_registration_number_is_refused_with_a_clear_message(client, factories):
    factories.CompanyFactory(registration_number="1248100998")
    response = register(client)
    assert response.status_code == 422
    assert "already registered" in response.get_data(as_text=True)
    assert 'value="Areum Cosmetics"' in response.get_data(as_text=True)


def test_an_address_with_an_account_gets_the_same_answer_and_its_owner_a_mail(client, factories):
    factories.staff(email="founder@areum.example")
    response = register(client)
    assert response.status_code == 302 and response.headers["Location"].endswith("/register/sent")
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0
    assert "/login" in mailed_link("founder@areum.example", "account_exists")


def test_a_link_works_once(client, make_client):
    register(client)
    path = mailed_link(VALID["email"], "email_confirmation")
    assert client.post(path).status_code == 302
    again = make_client()
    assert again.get(path).status_code == 404 and again.post(path).status_code == 404
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_two_registrations_of_one_address_make_one_account(client, make_client):
    register(client)
    first = mailed_link(VALID["email"], "email_confirmation")
    register(make_client(), registration_number=registration_number(4242), name_en="Second Try")
    second = mailed_link(VALID["email"], "email_confirmation")
    assert make_client().post(second).status_code == 302
    response = make_client().post(first)
    assert response.status_code == 422
    assert "already" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_posting_privileged_fields_changes_nothing(client):
    registered(client, status="approved", role="admin", company_id="99", is_active="1")
    user = db.session.scalar(sa.select(User))
    assert user.role is Role.exporter
    assert user.company.status is CompanyStatus.pending


def test_a_number_typed_through_an_ime_is_accepted_and_kept_plain(client):
    """Full-width digits and dashes, and an ideographic space, as a Korean input method may give them."""
    response = client.post("/register", data={**VALID, "registration_number": "１２４－８１\u3000００９９８"})
    assert response.status_code == 302, response.get_data(as_text=True)[-800:]
    confirm_registration(client, VALID["email"])
    assert db.session.scalar(sa.select(Company.registration_number)) == "1248100998"


def test_the_forms_example_is_a_valid_number(client):
    from ipdesk.companies.registration_number import EXAMPLE, registration_number_problem

    page = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert f"e.g. {EXAMPLE}." in page
    assert registration_number_problem(EXAMPLE) is None
    assert registration_number_problem("123-45-67890") == "check_digit"  # the example it used to give
