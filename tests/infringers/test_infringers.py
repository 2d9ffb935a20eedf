"""Infringer records: suggestions, linking, editing, and nothing of another company reaching an exporter."""
import pytest
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.cases.models import Case
from ipdesk.extensions import db
from ipdesk.infringers.models import CaseInfringer, IdentifierKind, Infringer, InfringerIdentifier
from ipdesk.infringers.services import create_infringer, link_case, suggestions
from tests.factories import make_case

LUCKY = {"name": "Lucky Star Trading Co., Ltd.", "aliases": "幸运星美妆", "shop_ids": "@Lucky-Star",
         "urls": "https://luckystar.tmall.com/\nhttps://item.taobao.com/item.htm?id=1",
         "contacts": "WeChat: LuckyStar88\n+86 138-0013-8000"}


def record(actor, case=None, **fields):
    infringer = create_infringer({**LUCKY, **fields}, actor, case=case)
    db.session.commit()
    return infringer


def actions() -> list[str]:
    return list(db.session.scalars(sa.select(AuditEntry.action).order_by(AuditEntry.id)))


def test_suggestions_match_normalised_identifiers_strongest_first(app, factories):
    officer = factories.staff()
    lucky = record(officer)
    namesake = record(officer, name="金星贸易", aliases="", shop_ids="other-shop", urls="", contacts="")
    record(officer, name="Unrelated", aliases="", shop_ids="nobody", urls="https://item.taobao.com/item.htm?id=2",
           contacts="")
    case = make_case("evidence", infringer_name="金星贸易", infringer_shop_id="ｌｕｃｋｙ ｓｔａｒ",
                     infringer_urls="luckystar.tmall.com/shop/view_shop.htm",
                     infringer_contacts="微信：luckystar88\n0086 138 0013 8000")
    found = suggestions(case)
    assert [s.infringer.id for s in found] == [lucky.id, namesake.id]
    assert {(m.kind, m.value) for m in found[0].matches} == {
        (IdentifierKind.seller_id, "luckystar"), (IdentifierKind.url_host, "tmall.com/luckystar"),
        (IdentifierKind.contact, "wechat:luckystar88"), (IdentifierKind.contact, "phone:8613800138000")}
    assert not found[0].is_weak and found[1].is_weak
    link_case(case, lucky, officer)
    db.session.commit()
    assert [s.infringer.id for s in suggestions(case)] == [namesake.id]  # linked records are not suggested


def test_a_marketplace_alone_suggests_nobody(app, factories):
    record(factories.staff(), shop_ids="", contacts="", urls="https://item.taobao.com/item.htm?id=1")
    case = make_case("evidence", infringer_name="Someone", infringer_shop_id="",
                     infringer_urls="https://item.taobao.com/item.htm?id=99")
    assert suggestions(case) == []


def test_identifiers_follow_edits(client, factories, login_as):
    officer = factories.staff()
    lucky = record(officer)
    login_as(officer)
    form = {**LUCKY, "shop_ids": "new-seller", "contacts": "", "version": str(lucky.version)}
    assert client.post(f"/infringers/{lucky.id}/edit", data=form).status_code == 302
    values = set(db.session.scalars(sa.select(InfringerIdentifier.value)
                                    .where(InfringerIdentifier.infringer_id == lucky.id)))
    assert "newseller" in values and "luckystar" not in values and "wechat:luckystar88" not in values
    assert "tmall.com/luckystar" in values and "幸运星美妆" in values
    assert client.post(f"/infringers/{lucky.id}/edit", data=form).status_code == 409  # the same old version
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "infringer.updated"))
    assert entry.actor_id == officer.id and entry.data["fields"] == ["contacts", "shop_ids"]


def test_form_errors_keep_what_was_typed(client, factories, login_as):
    officer = factories.staff()
    login_as(officer)
    refused = client.post("/infringers/new", data={"name": " ", "shop_ids": "金星旗舰店"})
    assert refused.status_code == 422
    assert "金星旗舰店" in refused.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Infringer)) == 0
    made = client.post("/infringers/new", data={"name": "金星贸易", "shop_ids": "金星旗舰店"})
    assert made.status_code == 302
    infringer = db.session.scalar(sa.select(Infringer))
    page = client.get(made.headers["Location"]).get_data(as_text=True)
    assert "金星贸易" in page and "金星旗舰店" in page and "No case is linked to this record." in page
    edit = client.post(f"/infringers/{infringer.id}/edit",
                       data={"name": "", "notes": "Seen at the Yiwu fair", "version": str(infringer.version)})
    assert edit.status_code == 422 and "Seen at the Yiwu fair" in edit.get_data(as_text=True)
    assert actions() == ["auth.login", "infringer.created"]


def test_staff_link_a_suggestion_and_see_other_cases_counted(client, factories, login_as):
    officer = factories.staff(hub_codes=("cn-north",))
    elsewhere = make_case("action", infringer_shop_id="lucky-star")
    lucky = record(officer, case=elsewhere)
    case = make_case("evidence", infringer_shop_id="@LuckyStar", infringer_name="")
    login_as(officer)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Suggested matches" in page and "Lucky Star Trading" in page and "Matched on:" in page
    assert "Also seen in" not in page
    assert client.post(f"/cases/{case.id}/infringers", data={"infringer_id": lucky.id}).status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Also seen in 1 other case" in page and "Suggested matches" not in page
    again = client.post(f"/cases/{case.id}/infringers", data={"infringer_id": lucky.id}, follow_redirects=True)
    assert "was linked to this case already" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseInfringer)) == 2
    assert client.post(f"/cases/{case.id}/infringers/{lucky.id}/unlink").status_code == 302
    assert db.session.get(CaseInfringer, (case.id, lucky.id)) is None
    assert actions()[-3:] == ["auth.login", "infringer.linked", "infringer.unlinked"]
    assert client.post(f"/cases/{case.id}/infringers", data={}).status_code == 422


def test_staff_create_a_record_from_the_case(client, factories, login_as):
    officer = factories.staff(hub_codes=("cn-north",))
    case = make_case("evidence", infringer_name="上海美妆贸易有限公司", infringer_shop_id="SH-Beauty",
                     infringer_urls="https://shbeauty.tmall.com", infringer_contacts="LINE: shbeauty")
    login_as(officer)
    assert client.post(f"/cases/{case.id}/infringers", data={"create": "y"}).status_code == 302
    infringer = db.session.scalar(sa.select(Infringer))
    assert (infringer.name, infringer.shop_ids, infringer.created_by_id) == (
        "上海美妆贸易有限公司", "SH-Beauty", officer.id)
    assert {(i.kind, i.value) for i in infringer.identifiers} == {
        (IdentifierKind.name, "上海美妆贸易有限公司"), (IdentifierKind.seller_id, "shbeauty"),
        (IdentifierKind.url_host, "tmall.com/shbeauty"), (IdentifierKind.contact, "line:shbeauty")}
    assert db.session.get(CaseInfringer, (case.id, infringer.id)).linked_by_id == officer.id
    assert actions()[-2:] == ["infringer.created", "infringer.linked"]
    nameless = make_case("evidence", infringer_name="", infringer_shop_id="")
    refused = client.post(f"/cases/{nameless.id}/infringers", data={"create": "y"})
    assert refused.status_code == 422 and "nothing to make a record from" in refused.get_data(as_text=True)


@pytest.fixture
def two_companies(factories):
    """One infringer in a case of company A and in a case of company B (another hub)."""
    exporter_a = factories.exporter()
    exporter_b = factories.exporter()
    case_a = make_case("evidence", company=exporter_a.company, author=exporter_a, country="CN",
                       infringer_name="金龙", infringer_shop_id="golden-dragon")
    case_b = make_case("action", company=exporter_b.company, author=exporter_b, country="TH",
                       title="Secret case of company B", infringer_name="Golden Dragon of B",
                       infringer_shop_id="golden-dragon")
    officer = factories.staff(hub_codes=("th",))
    golden = record(officer, case=case_b, name="Golden Dragon Syndicate", aliases="", shop_ids="golden-dragon",
                    urls="", contacts="")
    link_case(case_a, golden, officer)
    other = record(officer, name="Silver Phoenix", aliases="", shop_ids="golden dragon", urls="", contacts="")
    db.session.commit()
    return {"exporter_a": exporter_a, "exporter_b": exporter_b, "case_a": case_a, "case_b": case_b,
            "golden": golden, "other": other, "officer_th": officer}


def test_an_exporter_learns_nothing_of_the_other_company(client, login_as, two_companies):
    world = two_companies
    login_as(world["exporter_a"])
    case_a, case_b, golden = world["case_a"], world["case_b"], world["golden"]
    secrets = ["Golden Dragon", "Silver Phoenix", case_b.reference, case_b.title, case_b.company.name_en,
               case_b.company.name_ko, "Infringer records", "Also seen", "Suggested matches", "/infringers"]
    pages = [f"/cases/{case_a.id}", "/cases", "/deadlines", "/", "/cases/export.csv",
             f"/cases/{case_a.id}?lang=ko"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        text = response.get_data(as_text=True)
        assert [s for s in secrets if s in text] == [], url
    for url in ["/infringers", f"/infringers/{golden.id}", "/infringers/new", f"/infringers/{golden.id}/edit",
                f"/infringers?q=golden&case={case_a.id}", "/infringers/999999"]:
        assert client.get(url).status_code == 403, url
    assert client.post(f"/cases/{case_a.id}/infringers", data={"infringer_id": golden.id}).status_code == 403
    assert client.post(f"/cases/{case_a.id}/infringers/{golden.id}/unlink").status_code == 403
    assert client.post(f"/cases/{case_b.id}/infringers", data={"infringer_id": golden.id}).status_code == 404
    assert client.post("/infringers/new", data={"name": "x"}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseInfringer)) == 2


def test_staff_of_another_hub_see_a_count_and_cannot_link_to_cases_they_cannot_see(client, factories, login_as,
                                                                                   two_companies):
    world = two_companies
    officer_cn = factories.staff(hub_codes=("cn-north",))
    login_as(officer_cn)
    page = client.get(f"/infringers/{world['golden'].id}").get_data(as_text=True)
    assert world["case_a"].reference in page
    assert world["case_b"].reference not in page and "Secret case of company B" not in page
    assert world["case_b"].company.name_en not in page
    assert "And 1 other case you cannot open." in page
    case_page = client.get(f"/cases/{world['case_a'].id}").get_data(as_text=True)
    assert "Also seen in 1 other case" in case_page and world["case_b"].reference not in case_page
    assert "Silver Phoenix" in case_page  # suggested: it shares the seller id
    case_b = world["case_b"]
    assert client.post(f"/cases/{case_b.id}/infringers", data={"infringer_id": world["other"].id}).status_code == 404
    assert client.post(f"/cases/{case_b.id}/infringers", data={"create": "y"}).status_code == 404
    assert client.post(f"/cases/{case_b.id}/infringers/{world['golden'].id}/unlink").status_code == 404
    assert client.get(f"/infringers?case={case_b.id}").status_code == 404
    assert db.session.get(CaseInfringer, (case_b.id, world["golden"].id)) is not None


def test_managers_see_every_linked_case(client, factories, login_as, two_companies):
    login_as(factories.manager())
    page = client.get(f"/infringers/{two_companies['golden'].id}").get_data(as_text=True)
    assert two_companies["case_a"].reference in page and two_companies["case_b"].reference in page
    assert "cannot open" not in page


def test_list_searches_names_and_identifiers_and_counts_cases(client, factories, login_as, two_companies):
    login_as(factories.staff(hub_codes=("cn-north",)))
    listing = client.get("/infringers").get_data(as_text=True)
    assert "Golden Dragon Syndicate" in listing and "Silver Phoenix" in listing
    assert "<td>2</td>" in listing and "<td>0</td>" in listing
    by_identifier = client.get("/infringers", query_string={"q": "＠Golden_Dragon"}).get_data(as_text=True)
    assert "Golden Dragon Syndicate" in by_identifier and "Silver Phoenix" in by_identifier
    by_name = client.get("/infringers", query_string={"q": "phoenix"}).get_data(as_text=True)
    assert "Silver Phoenix" in by_name and "Golden Dragon Syndicate" not in by_name
    assert "No infringer records found." in client.get("/infringers", query_string={"q": "%"}).get_data(as_text=True)
    for_case = client.get("/infringers", query_string={"case": two_companies["case_a"].id}).get_data(as_text=True)
    assert f"Link to {two_companies['case_a'].reference}" in for_case
    assert client.get("/infringers", headers={"Accept-Language": "ko"}).status_code == 200


def test_case_page_queries_do_not_grow_with_links(app, client, factories, login_as, count_queries):
    officer = factories.staff(hub_codes=("cn-north",))
    case = make_case("evidence", infringer_shop_id="shared-seller\nsecond-seller",
                     infringer_contacts="WeChat: shared")
    login_as(officer)

    def add_records(n):
        for i in range(n):
            linked = record(officer, case=case, name=f"Linked {i}", aliases="", urls="", contacts="",
                            shop_ids=f"linked-{i}")
            for _ in range(2):
                link_case(make_case("action"), linked, officer)
            record(officer, name=f"Suggested {i}", aliases="", urls="", shop_ids="shared-seller",
                   contacts="wechat: shared")
        db.session.commit()

    def queries() -> int:
        with count_queries() as counter:
            assert client.get(f"/cases/{case.id}").status_code == 200
        return counter.count

    add_records(1)
    client.get(f"/cases/{case.id}")  # warm up
    few = queries()
    add_records(6)
    many = queries()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert page.count("Also seen in 2 other cases") == 7 and page.count("Matched on:") == 7
    assert many == few


def test_list_queries_do_not_grow_with_records(client, factories, login_as, count_queries):
    officer = factories.staff()
    login_as(officer)
    case = make_case("action")
    for i in range(2):
        record(officer, case=case, name=f"Record {i}")
    client.get("/infringers")
    with count_queries() as few:
        client.get("/infringers")
    for i in range(2, 12):
        record(officer, case=case, name=f"Record {i}")
    with count_queries() as many:
        client.get("/infringers")
    assert many.count == few.count


def test_demo_seller_appears_in_cases_of_two_companies(app):
    from ipdesk.alerts.demo import DEMO_ALERTS
    from ipdesk.demo import DEMO_INFRINGER

    for _ in range(2):  # the second run adds nothing
        result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "60", "--password", "demo pass 123"])
        assert result.exit_code == 0, result.output
    infringer = db.session.scalar(sa.select(Infringer).where(Infringer.name == DEMO_INFRINGER["name"]))
    # and the applicants of the demo's squatting alerts, each once
    applicants = {applicant for *_start, applicant, _classes, _days in DEMO_ALERTS}
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Infringer)) == 1 + len(applicants)
    linked = db.session.scalars(sa.select(Case).join(CaseInfringer, CaseInfringer.case_id == Case.id)
                                .where(CaseInfringer.infringer_id == infringer.id)).all()
    assert len(linked) == 2 and linked[0].company_id != linked[1].company_id
    suggested_on = db.session.scalars(sa.select(Case).where(Case.id.not_in([c.id for c in linked]),
                                                            Case.infringer_shop_id != "")).all()
    assert any(infringer.id in [s.infringer.id for s in suggestions(case)] for case in suggested_on)
    assert actions().count("infringer.linked") == 2
