"""Routing where one country has two centres: the region where the infringer operates picks the centre, the
country's primary hub is the fallback; regions and their centres are reference data admins edit."""
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.audit.models import AuditEntry
from ipdesk.cases.models import Case, Stage
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub, Region
from ipdesk.network.reference import load_reference_network
from tests.cases.test_intake import FULL
from tests.factories import make_case

CHINA = {**FULL, "country_code": "CN", "damages_currency": "CNY",
         "infringer_urls": "https://detail.1688.com/offer/1.html", "infringer_contacts": ""}


def _hub(code: str) -> Hub:
    return db.session.scalar(sa.select(Hub).where(Hub.code == code))


def _file(client, **changes):
    data = {k: v for k, v in {**CHINA, "submit": "1", **changes}.items() if v is not None}
    return client.post("/cases/new", data=data)


def test_the_shipped_regions_carry_both_names_and_split_china_and_the_usa(app):
    guangdong = db.session.get(Region, "CN-GD")
    assert (guangdong.name_en, guangdong.name_ko, guangdong.hub.code) == ("Guangdong", "광둥성", "cn-south")
    assert db.session.get(Region, "US-CA").hub.code == "us-west"
    # the rest go to the primary hub, whoever that is when a case comes
    assert db.session.get(Region, "CN-BJ").hub_id is None and db.session.get(Region, "US-NY").hub_id is None
    counts = dict(db.session.execute(
        sa.select(Region.country_code, sa.func.count()).group_by(Region.country_code)).all())
    assert counts == {"CN": 31, "US": 56}  # Hong Kong, Macao and Taiwan are countries of their own


@pytest.mark.parametrize(("country", "region", "hub"), [
    ("CN", "CN-GD", "cn-south"),   # Guangdong: the southern centre in Guangzhou
    ("CN", "CN-FJ", "cn-south"),
    ("CN", "CN-SH", "cn-north"),   # Shanghai: no centre of its own, the primary hub
    ("CN", "", "cn-north"),        # not known: the primary hub
    ("US", "US-CA", "us-west"),
    ("US", "US-NY", "us-east"),
])
def test_a_case_goes_to_the_centre_of_the_infringers_region(client, factories, login_as, country, region, hub):
    login_as(factories.exporter())
    response = _file(client, country_code=country, infringer_region_code=region,
                     damages_currency="USD" if country == "US" else "CNY")
    assert response.status_code == 302, response.get_data(as_text=True)
    case = db.session.scalar(sa.select(Case))
    assert case.stage is Stage.intake and case.hub.code == hub
    assert case.infringer_region_code == (region or None)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert _hub(hub).name_en in page
    if region:
        assert db.session.get(Region, region).name_en in page


@pytest.mark.parametrize(("locale", "china", "guangdong", "usa", "california"), [
    ("ko", "중국", "광둥성", "미국", "캘리포니아주"),
    ("en", "China", "Guangdong", "United States", "California"),
])
def test_the_menu_lists_regions_by_country_in_the_readers_language(client, factories, login_as, locale, china,
                                                                   guangdong, usa, california):
    login_as(factories.exporter(locale=locale))
    page = client.get("/cases/new").get_data(as_text=True)
    group = page.index(f'<optgroup label="{china}">')
    assert group < page.index(f'value="CN-GD">{guangdong}<') < page.index("</optgroup>", group)
    assert page.index(f'<optgroup label="{usa}">') < page.index(f'value="US-CA">{california}<')
    assert 'value="CN-HK"' not in page  # chosen as a country, not as a region


def test_a_region_of_another_country_comes_back_with_everything_typed(client, factories, login_as):
    login_as(factories.exporter())
    response = _file(client, country_code="JP", infringer_region_code="CN-GD", damages_currency="JPY")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "This region is not in the country chosen above" in page
    assert '<option selected value="CN-GD">' in page and '<option selected value="JP">' in page
    # the menus come back whole, though the submission was checked against the choices alone
    assert '<option value="TH">' in page and '<option value="US-CA">' in page
    assert CHINA["title"] in page and CHINA["description"] in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0


def test_a_draft_follows_its_region_and_a_submitted_case_keeps_its_centre(client, factories, login_as):
    user = factories.exporter()
    login_as(user)
    assert _file(client, submit=None, save="1", infringer_region_code="CN-GD").status_code == 302
    draft = db.session.scalar(sa.select(Case))
    assert draft.stage is Stage.draft and draft.hub.code == "cn-south"
    data = {**CHINA, "infringer_region_code": "CN-SH", "version": draft.version, "save": "1"}
    assert client.post(f"/cases/{draft.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    assert db.session.get(Case, draft.id).hub.code == "cn-north"

    returned = make_case("returned", company=user.company, author=user, country="CN", infringer_region_code="CN-GD",
                         hub_id=_hub("cn-south").id)
    data = {**CHINA, "infringer_region_code": "CN-BJ", "version": returned.version, "save": "1"}
    assert client.post(f"/cases/{returned.id}/edit", data=data).status_code == 302
    db.session.expire_all()
    returned = db.session.get(Case, returned.id)
    assert returned.infringer_region_code == "CN-BJ" and returned.hub.code == "cn-south"  # staff transfer it


def test_a_routed_case_is_transferred_between_the_two_centres_as_before(client, factories, login_as):
    login_as(factories.exporter())
    _file(client, infringer_region_code="CN-GD")
    case = db.session.scalar(sa.select(Case))
    client.post("/logout")
    login_as(factories.staff(hub_codes=("cn-south",)))
    response = client.post(f"/cases/{case.id}/transfer", data={"hub_id": _hub("cn-north").id, "version": case.version,
                                                               "reason": "The seller's warehouse is in Tianjin."})
    assert response.status_code == 302
    db.session.expire_all()
    case = db.session.get(Case, case.id)
    assert case.hub.code == "cn-north" and case.infringer_region_code == "CN-GD"


def test_a_region_whose_centre_stopped_covering_the_country_goes_to_the_primary_hub(client, factories, login_as):
    db.session.get(Country, "CN").secondary_hubs = []
    db.session.commit()
    login_as(factories.exporter())
    assert _file(client, infringer_region_code="CN-GD").status_code == 302
    assert db.session.scalar(sa.select(Case)).hub.code == "cn-north"


def test_the_database_refuses_a_region_of_another_country(app):
    case = make_case("intake", country="CN")
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("UPDATE cases SET infringer_region_code = 'US-CA' WHERE id = :id"), {"id": case.id})
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):  # a region that is not on the list
        db.session.execute(sa.text("UPDATE cases SET infringer_region_code = 'CN-ZZ' WHERE id = :id"), {"id": case.id})
    db.session.rollback()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.text("INSERT INTO regions (code, country_code, name_en, name_ko, created_at, version) "
                                   "VALUES ('JP-13', 'CN', 'Tokyo', '도쿄도', '2026-12-07 00:00:00', 1)"))
    db.session.rollback()


def test_admins_move_a_region_to_another_centre_and_seeding_keeps_their_choice(client, factories, login_as):
    login_as(factories.admin())
    page = client.get("/admin/regions").get_data(as_text=True)
    assert "Guangdong" in page and "California" in page and "USA (West) IP Centre" in page
    zhejiang = db.session.get(Region, "CN-ZJ")
    response = client.post("/admin/regions/CN-ZJ", data={"name_ko": "저장성", "name_en": "Zhejiang",
                                                         "hub_id": _hub("cn-south").id, "version": zhejiang.version})
    assert response.status_code == 302
    response = client.post("/admin/regions/CN-GD", data={"name_ko": "광둥성", "name_en": "Guangdong", "hub_id": 0,
                                                         "version": db.session.get(Region, "CN-GD").version})
    assert response.status_code == 302
    assert db.session.scalar(sa.select(AuditEntry.data).where(AuditEntry.action == "region.saved")
                             .order_by(AuditEntry.id.desc()).limit(1))["code"] == "CN-GD"

    assert load_reference_network()["regions"] == 0
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Region, "CN-ZJ").hub.code == "cn-south" and db.session.get(Region, "CN-GD").hub_id is None

    client.post("/logout")
    login_as(factories.exporter())
    _file(client, infringer_region_code="CN-ZJ")
    _file(client, infringer_region_code="CN-GD", title="Second case")
    hubs = dict(db.session.execute(
        sa.select(Case.infringer_region_code, Hub.code).join(Hub, Hub.id == Case.hub_id)).all())
    assert hubs == {"CN-ZJ": "cn-south", "CN-GD": "cn-north"}


def test_the_region_form_refuses_a_centre_of_another_country_and_keeps_what_was_typed(client, factories, login_as):
    login_as(factories.admin())
    response = client.post("/admin/regions/new", data={"country_code": "JP", "code": "jp-13", "name_ko": "도쿄도",
                                                       "name_en": "Tokyo", "hub_id": _hub("cn-south").id})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Choose a hub that covers the region&#39;s country." in page
    assert 'value="도쿄도"' in page and 'value="jp-13"' in page
    response = client.post("/admin/regions/new", data={"country_code": "JP", "code": "CN-13", "name_ko": "도쿄도",
                                                       "name_en": "Tokyo", "hub_id": 0})
    assert response.status_code == 422 and "ISO 3166-2 code of a region of Japan" in response.get_data(as_text=True)
    response = client.post("/admin/regions/new", data={"country_code": "JP", "code": "jp-13", "name_ko": "도쿄도",
                                                       "name_en": "Tokyo", "hub_id": _hub("jp").id})
    assert response.status_code == 302
    assert db.session.get(Region, "JP-13").hub.code == "jp"
    again = client.post("/admin/regions/new", data={"country_code": "JP", "code": "JP-13", "name_ko": "도쿄도",
                                                    "name_en": "Tokyo", "hub_id": 0})
    assert again.status_code == 422 and "This region is on the list already." in again.get_data(as_text=True)


def test_the_regions_page_costs_the_same_queries_however_many_regions(client, factories, login_as, count_queries):
    login_as(factories.admin())

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get("/admin/regions").status_code == 200
        return counter.count

    few = queries()
    jp = _hub("jp")
    db.session.add_all([Region(code=f"JP-{n:02d}", country_code="JP", name_en=f"Prefecture {n}",
                               name_ko=f"현 {n}", hub_id=jp.id) for n in range(1, 8)])
    db.session.commit()
    assert queries() == few


def test_the_case_file_names_the_region_in_the_readers_language(client, factories, login_as):
    login_as(factories.exporter(locale="ko"))
    _file(client, infringer_region_code="CN-GD")
    case = db.session.scalar(sa.select(Case))
    response = client.get(f"/cases/{case.id}/case-file.pdf")
    assert response.status_code == 200
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(response.data)).pages)
    assert "침해자 활동 지역" in text and "광둥성" in text
