"""The admin area: accounts, hubs, countries and the audit log; nobody else gets in."""
import pytest
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.auth.models import Role, User
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub

ADMIN_PAGES = ["/admin/", "/admin/users", "/admin/users/new", "/admin/hubs", "/admin/hubs/new",
               "/admin/countries", "/admin/countries/new", "/admin/audit"]


def hub(code):
    return db.session.scalar(sa.select(Hub).where(Hub.code == code))


@pytest.mark.parametrize("role", ["exporter", "staff", "manager"])
def test_admin_pages_are_403_for_other_roles(client, factories, login_as, role):
    user = {"exporter": factories.exporter, "staff": factories.staff, "manager": factories.manager}[role]()
    login_as(user)
    for url in ADMIN_PAGES + [f"/admin/users/{user.id}", "/admin/countries/CN", f"/admin/hubs/{hub('jp').id}"]:
        assert client.get(url).status_code == 403, url


def test_admin_sees_every_admin_page(client, factories, login_as):
    login_as(factories.admin())
    for url in ADMIN_PAGES:
        assert client.get(url).status_code == 200, url


def test_admin_creates_staff_in_hubs(client, factories, login_as, login, make_client):
    login_as(factories.admin())
    response = client.post("/admin/users/new", data={
        "name": "박직원", "email": "new.staff@ipdesk.example", "role": "staff",
        "hub_ids": [str(hub("cn-north").id), str(hub("cn-south").id)], "password": "initial password 1"})
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).where(User.email == "new.staff@ipdesk.example"))
    assert user.role is Role.staff
    assert [h.code for h in user.hubs] == ["cn-north", "cn-south"]
    assert login(make_client(), "new.staff@ipdesk.example", password="initial password 1").status_code == 302


@pytest.mark.parametrize("role", ["staff", "manager", "admin"])
def test_every_staff_side_role_is_created_by_an_admin_and_signs_in(client, make_client, factories, login_as, login,
                                                                   role):
    login_as(factories.admin())
    email = f"new.{role}@ipdesk.example"
    response = client.post("/admin/users/new", data={
        "name": f"New {role}", "email": email, "role": role, "hub_ids": [str(hub("th").id)],
        "password": "initial password 1"})
    assert response.status_code == 302
    newcomer = make_client()
    assert login(newcomer, email, password="initial password 1").status_code == 302
    home = newcomer.get("/").get_data(as_text=True)
    assert f"Welcome, New {role}" in home
    assert ("Administration" in home) == (role == "admin")
    created = db.session.scalar(sa.select(User).where(User.email == email))
    assert [h.code for h in created.hubs] == (["th"] if role == "staff" else [])


def test_staff_without_a_hub_is_refused_and_input_kept(client, factories, login_as):
    login_as(factories.admin())
    response = client.post("/admin/users/new", data={
        "name": "허브없음", "email": "nohub@ipdesk.example", "role": "staff", "password": "initial password 1"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Staff must belong to at least one hub." in html
    assert 'value="허브없음"' in html and 'value="nohub@ipdesk.example"' in html


def test_admin_cannot_create_an_exporter(client, factories, login_as):
    login_as(factories.admin())
    response = client.post("/admin/users/new", data={
        "name": "X", "email": "x@ipdesk.example", "role": "exporter", "password": "initial password 1"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(User).where(User.email == "x@ipdesk.example")) is None


def test_stale_user_edit_answers_409_and_changes_nothing(client, factories, login_as):
    login_as(factories.admin())
    target = factories.staff(name="Original")
    data = {"name": "First edit", "role": "staff", "hub_ids": [str(hub("cn-north").id)], "version": "1"}
    assert client.post(f"/admin/users/{target.id}", data=data).status_code == 302
    stale = client.post(f"/admin/users/{target.id}", data={**data, "name": "Second edit"})
    assert stale.status_code == 409
    html = stale.get_data(as_text=True)
    assert "Reload the current version" in html and f"/admin/users/{target.id}" in html
    db.session.refresh(target)
    assert target.name == "First edit"


def test_fields_outside_the_form_cannot_be_mass_assigned(client, factories, login_as):
    login_as(factories.admin())
    target = factories.exporter()
    company_id = target.company_id
    other = factories.CompanyFactory()
    response = client.post(f"/admin/users/{target.id}", data={
        "name": "Renamed", "role": "exporter", "version": "1",
        "company_id": str(other.id), "is_active": "0", "email": "hijack@evil.example", "password_hash": "x"})
    assert response.status_code == 302
    db.session.refresh(target)
    assert target.name == "Renamed"
    assert target.role is Role.exporter and target.company_id == company_id and target.is_active
    assert target.email != "hijack@evil.example" and target.password_hash != "x"


def test_exporter_cannot_be_made_admin(client, factories, login_as):
    login_as(factories.admin())
    target = factories.exporter()
    response = client.post(f"/admin/users/{target.id}", data={"name": "X", "role": "admin", "version": "1"})
    assert response.status_code == 422
    db.session.refresh(target)
    assert target.role is Role.exporter


def test_stale_hubs_only_edit_answers_409(client, factories, login_as):
    login_as(factories.admin())
    target = factories.staff(hub_codes=("cn-north",))
    first = {"name": target.name, "role": "staff", "hub_ids": [str(hub("th").id)], "version": "1"}
    assert client.post(f"/admin/users/{target.id}", data=first).status_code == 302
    second = {**first, "hub_ids": [str(hub("jp").id)]}
    assert client.post(f"/admin/users/{target.id}", data=second).status_code == 409
    db.session.refresh(target)
    assert [h.code for h in target.hubs] == ["th"]


def test_signing_in_and_choosing_a_language_do_not_make_an_admin_form_stale(client, make_client, factories,
                                                                         login_as, login):
    login_as(factories.admin())
    target = factories.staff()
    other = make_client()
    login(other, target)
    other.post("/language", data={"lang": "ko"})
    data = {"name": "Renamed", "role": "staff", "hub_ids": [str(hub("cn-north").id)], "version": "1"}
    assert client.post(f"/admin/users/{target.id}", data=data).status_code == 302


def test_tampered_version_answers_409(client, factories, login_as):
    login_as(factories.admin())
    target = factories.staff()
    data = {"name": "X", "role": "staff", "hub_ids": [str(hub("cn-north").id)], "version": "abc"}
    assert client.post(f"/admin/users/{target.id}", data=data).status_code == 409


def test_concurrent_edit_between_read_and_write_answers_409(app, client, factories, login_as, monkeypatch):
    """Another admin's edit that lands after this request loaded the row (past the form check)."""
    from ipdesk.auth import services

    login_as(factories.admin())
    target = factories.staff()
    real_update = services.update_user

    def update_after_a_rival(user, data, actor):
        db.session.execute(sa.text("UPDATE users SET version = version + 1, name = 'Rival' WHERE id = :id"),
                           {"id": user.id})
        return real_update(user, data, actor)

    monkeypatch.setattr("ipdesk.admin.views.update_user", update_after_a_rival)
    data = {"name": "Mine", "role": "staff", "hub_ids": [str(hub("cn-north").id)], "version": "1"}
    response = client.post(f"/admin/users/{target.id}", data=data, headers={"Referer": f"http://ipdesk.test/admin/users/{target.id}"})
    assert response.status_code == 409
    assert f'href="/admin/users/{target.id}"' in response.get_data(as_text=True)
    db.session.refresh(target)
    assert target.name != "Mine"


def test_activation_accepts_only_zero_or_one(client, factories, login_as):
    login_as(factories.admin())
    target = factories.staff()
    assert client.post(f"/admin/users/{target.id}/active", data={}).status_code == 400
    assert client.post(f"/admin/users/{target.id}/active", data={"active": "yes"}).status_code == 400
    db.session.refresh(target)
    assert target.is_active


def test_admin_adds_a_country_named_by_babel(client, factories, login_as):
    login_as(factories.admin())
    page = client.get("/admin/countries/new").get_data(as_text=True)
    assert "Kazakhstan" in page and ">China<" not in page  # CN is already in the network
    response = client.post("/admin/countries/new", data={
        "code": "KZ", "primary_hub_id": str(hub("in").id), "secondary_hub_ids": [str(hub("eu").id)]})
    assert response.status_code == 302
    country = db.session.get(Country, "KZ")
    assert country.primary_hub.code == "in" and [h.code for h in country.secondary_hubs] == ["eu"]
    korean = client.get("/admin/countries", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "카자흐스탄" in korean


def test_admin_edits_a_country_and_a_hub(client, factories, login_as):
    login_as(factories.admin())
    response = client.post("/admin/countries/VN", data={
        "code": "XX", "primary_hub_id": str(hub("th").id), "is_active": "y", "version": "1"})
    assert response.status_code == 302
    vietnam = db.session.get(Country, "VN")
    assert vietnam.primary_hub.code == "th" and vietnam.code == "VN"
    vn_hub = hub("vn")
    response = client.post(f"/admin/hubs/{vn_hub.id}", data={
        "code": "renamed", "name_ko": "베트남 센터", "name_en": "Vietnam Centre", "city_ko": "하노이",
        "city_en": "Hanoi", "is_active": "y", "version": str(vn_hub.version)})
    assert response.status_code == 302
    db.session.refresh(vn_hub)
    assert vn_hub.city_en == "Hanoi"
    assert vn_hub.code == "vn"  # the code identifies the hub for good


def test_hub_that_is_still_primary_cannot_be_deactivated(client, factories, login_as):
    login_as(factories.admin())
    jp = hub("jp")
    response = client.post(f"/admin/hubs/{jp.id}", data={
        "code": "jp", "name_ko": jp.name_ko, "name_en": jp.name_en, "city_ko": jp.city_ko, "city_en": jp.city_en,
        "version": str(jp.version)})
    assert response.status_code == 422
    assert "primary hub of some countries" in response.get_data(as_text=True)
    db.session.refresh(jp)
    assert jp.is_active


def test_audit_log_records_and_filters(client, factories, login_as):
    admin = factories.admin()
    login_as(admin)
    company = factories.CompanyFactory(pending=True)
    client.post(f"/companies/{company.id}/approve")
    page = client.get("/admin/audit?action=company.").get_data(as_text=True)
    assert "company.approved" in page and "auth.login" not in page
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert "auth.login" in everything
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "company.approved"))
    assert entry.actor_id == admin.id and entry.object_type == "companies" and entry.object_id == str(company.id)
    assert client.get("/admin/audit?date_from=not-a-date").status_code == 200


def test_shipped_network_has_40_countries_under_10_hubs(app):
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Country)) == 40
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Hub)) == 10
    us = db.session.get(Country, "US")
    assert us.primary_hub.code == "us-east" and [h.code for h in us.secondary_hubs] == ["us-west"]
    cn = db.session.get(Country, "CN")
    assert [h.code for h in cn.hubs] == ["cn-north", "cn-south"]


def test_seeding_twice_duplicates_nothing_and_keeps_admin_edits(app):
    from ipdesk.network.reference import load_reference_network

    db.session.get(Country, "US").secondary_hubs = []
    db.session.commit()
    assert load_reference_network() == {"hubs": 0, "countries": 0, "regions": 0}
    db.session.commit()
    assert db.session.get(Country, "US").secondary_hubs == []
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Country)) == 40
