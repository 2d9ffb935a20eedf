"""The countries a company exports to: declared at registration (the network's active countries, by their
names in the reader's language), kept on a form with errors, and shown to staff on the company's page."""
import re

import sqlalchemy as sa

from ipdesk.companies.models import Company, CompanyExportCountry
from ipdesk.extensions import db
from ipdesk.network.models import Country
from tests.auth.test_registration import register, registered


def _checked(html: str) -> set[str]:
    return set(re.findall(r'<input checked[^>]*name="export_countries"[^>]*value="([A-Z]{2})"', html))


def test_the_form_offers_the_networks_active_countries_by_their_local_names(client):
    db.session.get(Country, "VN").is_active = False
    db.session.commit()
    english = client.get("/register", headers={"Accept-Language": "en"}).get_data(as_text=True)
    offered = set(re.findall(r'name="export_countries"[^>]*value="([A-Z]{2})"', english))
    active = set(db.session.scalars(sa.select(Country.code).where(Country.is_active)))
    assert offered == active and "VN" not in offered and "CN" in offered
    assert "Countries you export to" in english and ">China</label>" in english
    korean = client.get("/register", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "수출 국가" in korean and ">중국</label>" in korean


def test_a_form_with_errors_comes_back_with_the_chosen_countries_still_chosen(client):
    response = register(client, export_countries=["TH", "US"], password_confirm="something else entirely")
    assert response.status_code == 422
    assert _checked(response.get_data(as_text=True)) == {"TH", "US"}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


def test_a_country_outside_the_network_or_switched_off_is_refused(client):
    db.session.get(Country, "VN").is_active = False
    db.session.commit()
    for countries in (["CN", "KP"], ["VN"]):
        response = register(client, export_countries=countries)
        assert response.status_code == 422, countries
        assert 'id="export_countries-error"' in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompanyExportCountry)) == 0


def test_staff_see_the_countries_on_the_companys_page(client, factories, login_as):
    assert registered(client, export_countries=["US", "CN"]).status_code == 302
    client.post("/logout")
    company = db.session.scalar(sa.select(Company).where(Company.registration_number == "1248100998"))
    assert company.export_countries == ["CN", "US"]
    older = factories.CompanyFactory()  # registered before companies declared their countries
    login_as(factories.staff(hub_codes=("th",)))
    page = client.get(f"/companies/{company.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert re.search(r'id="export-countries">China, United States<', page)
    page = client.get(f"/companies/{older.id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert re.search(r'id="export-countries">신고된 국가 없음<', page)
