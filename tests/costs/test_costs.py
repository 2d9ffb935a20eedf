"""Costs in any currency with their rate, the cost-share rules and the subsidy a case is due."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.companies.models import CompanySize
from ipdesk.costs.models import Cost, CostCategory, CostShareRule, Payer
from ipdesk.costs.services import case_subsidy, load_shipped_cost_rules
from ipdesk.extensions import db
from tests.factories import make_case


def _cost(**changes) -> dict:
    data = {"cost-category": "counsel", "cost-description": "Cease-and-desist letter", "cost-payer": "company",
            "cost-amount": "1000000", "cost-currency": "KRW", "cost-krw_rate": "", "cost-incurred_on": "2026-05-04"}
    data.update({f"cost-{k}": v for k, v in changes.items()})
    return data


def _add_cost(case, staff, amount_krw, on, payer=Payer.company):
    db.session.add(Cost(case_id=case.id, category=CostCategory.investigation, payer=payer, amount=amount_krw,
                        currency="KRW", krw_rate=1, amount_krw=amount_krw, incurred_on=on, created_by_id=staff.id))
    db.session.commit()


def test_the_shipped_rules_are_the_programmes(app):
    assert load_shipped_cost_rules() == 0  # the app loads them; never twice
    rules = {r.company_size: r for r in db.session.scalars(sa.select(CostShareRule))}
    assert rules[CompanySize.sme].share_percent == 70 and rules[CompanySize.midsize].share_percent == 50
    assert rules[CompanySize.sme].annual_cap_krw == 50_000_000 and CompanySize.large not in rules


def test_a_cost_in_yuan_is_converted_at_its_rate_and_the_sme_share_is_due(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("consultation", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/cases/{case.id}/costs", data=_cost(amount="3000", currency="CNY", krw_rate="190.5"))
    assert response.status_code == 302
    cost = db.session.scalar(sa.select(Cost))
    assert cost.amount_krw == 571_500 and cost.krw_rate == Decimal("190.5")
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "CN¥3,000.00" in page and "₩571,500" in page
    assert "Subsidy due: ₩400,050" in page  # 70 % for an SME
    korean = client.get(f"/cases/{case.id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "지원금" in korean and "₩400,050" in korean
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "cost.added"))
    assert entry.data["krw_rate"] == "190.5" and entry.data["amount_krw"] == 571_500


def test_a_foreign_cost_without_its_rate_is_refused_with_the_input_kept(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("consultation", company=exporter.company, author=exporter, country="TH")
    login_as(factories.manager())
    response = client.post(f"/cases/{case.id}/costs", data=_cost(amount="12500", currency="THB",
                                                                 description="ค่าทนายความ"))
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Give the rate that converts the amount to won (KRW per 1 THB)." in page
    assert 'value="ค่าทนายความ"' in page and 'value="12500"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cost)) == 0


def test_the_yearly_cap_counts_all_the_companys_cases_in_order(app, factories):
    staff = factories.staff(hub_codes=("cn-north",))
    exporter = factories.exporter()
    first = make_case("action", company=exporter.company, author=exporter, country="CN")
    second = make_case("action", company=exporter.company, author=exporter, country="CN")
    _add_cost(first, staff, 60_000_000, date(2026, 2, 1))       # 42M of the 50M cap
    _add_cost(second, staff, 20_000_000, date(2026, 3, 1))      # 14M wanted, 8M left
    _add_cost(second, staff, 10_000_000, date(2026, 4, 1))      # nothing left this year
    _add_cost(second, staff, 10_000_000, date(2027, 1, 5))      # a new year, a new cap
    subsidy = case_subsidy(second)
    assert [line.subsidy_krw for line in subsidy.lines] == [8_000_000, 0, 7_000_000]
    assert [line.capped for line in subsidy.lines] == [True, True, False]
    assert subsidy.subsidy_krw == 15_000_000 and subsidy.cap_left == {2026: 0, 2027: 43_000_000}
    assert case_subsidy(first).subsidy_krw == 42_000_000
    other = factories.exporter()  # another company has its own cap
    third = make_case("action", company=other.company, author=other, country="CN")
    _add_cost(third, staff, 10_000_000, date(2026, 4, 1))
    assert case_subsidy(third).subsidy_krw == 7_000_000


def test_who_paid_decides_refund_or_own_share(app, factories):
    staff = factories.staff(hub_codes=("cn-north",))
    exporter = factories.exporter(company=factories.CompanyFactory(size=CompanySize.midsize))
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    _add_cost(case, staff, 2_000_000, date(2026, 2, 1), payer=Payer.company)
    _add_cost(case, staff, 1_000_000, date(2026, 2, 2), payer=Payer.centre)
    subsidy = case_subsidy(case)
    assert subsidy.subsidy_krw == 1_500_000  # 50 % for a mid-sized company
    assert subsidy.refund_to_company_krw == 1_000_000 and subsidy.owed_by_company_krw == 500_000


def test_a_large_company_gets_no_subsidy_and_is_told(client, factories, login_as):
    exporter = factories.exporter(company=factories.CompanyFactory(size=CompanySize.large))
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    staff = factories.staff(hub_codes=("cn-north",))
    _add_cost(case, staff, 2_000_000, date(2026, 2, 1))
    assert case_subsidy(case).subsidy_krw == 0
    login_as(exporter)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "No cost-sharing rule applies to a company of this size (Large company)" in page


def test_admins_change_the_rules_and_the_subsidy_follows(client, factories, login_as, make_client, login):
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    _add_cost(case, factories.staff(hub_codes=("cn-north",)), 1_000_000, date(2026, 2, 1))
    login_as(factories.admin())
    rule = db.session.scalar(sa.select(CostShareRule).where(CostShareRule.company_size == CompanySize.sme))
    url = f"/admin/cost-rules/{rule.id}"
    assert f'href="{url}"' in client.get("/admin/cost-rules").get_data(as_text=True)
    assert "Overseas IP dispute consulting" in client.get(url).get_data(as_text=True)
    data = {"company_size": "sme", "share_percent": "80", "annual_cap_krw": "30000000",
            "source": "Programme notice 2027", "is_active": "y", "version": str(rule.version)}
    assert client.post(url, data=data).status_code == 302
    listing = client.get("/admin/cost-rules").get_data(as_text=True)
    assert "80%" in listing and "₩30,000,000" in listing
    assert case_subsidy(case).subsidy_krw == 800_000
    assert client.post(url, data={**data, "share_percent": "10"}).status_code == 409  # the old version
    duplicate = client.post("/admin/cost-rules/new", data={**data, "company_size": "midsize", "version": ""})
    assert duplicate.status_code == 422 and "already has a rule" in duplicate.get_data(as_text=True)
    over = client.post(url, data={**data, "share_percent": "120", "version": str(rule.version + 1)})
    assert over.status_code == 422 and 'value="Programme notice 2027"' in over.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(CostShareRule, rule.id).share_percent == 80
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "cost_rule.saved"))
    assert entry.data["before"]["share_percent"] == "70.00" and entry.data["after"]["share_percent"] == "80"
    staff_client = make_client()
    login(staff_client, factories.manager())
    assert staff_client.get(url).status_code == 403


def test_a_consultation_fee_becomes_a_cost_of_the_case(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("consultation", company=exporter.company, author=exporter, country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/cases/{case.id}/consultations", data={
        "firm": "北京知识产权律师事务所", "consulted_on": "2026-11-20", "summary": "Send a warning letter.",
        "recommended_route": "settlement", "cost_amount": "2000", "cost_currency": "CNY", "cost_krw_rate": "",
        "cost_payer": "centre"})
    assert response.status_code == 422  # yuan without a rate
    assert "KRW per 1 CNY" in response.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/consultations", data={
        "firm": "北京知识产权律师事务所", "consulted_on": "2026-11-20", "summary": "Send a warning letter.",
        "recommended_route": "settlement", "cost_amount": "2000", "cost_currency": "CNY", "cost_krw_rate": "191",
        "cost_payer": "centre"})
    assert response.status_code == 302
    cost = db.session.scalar(sa.select(Cost))
    assert (cost.category, cost.payer, cost.amount_krw) == (CostCategory.counsel, Payer.centre, 382_000)
    assert cost.consultation_id is not None and cost.incurred_on == date(2026, 11, 20)


@pytest.mark.parametrize("who", ["exporter", "other_hub"])
def test_only_staff_of_the_hub_and_managers_record_costs(client, factories, login_as, who):
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    staff = factories.staff(hub_codes=("cn-north",))
    _add_cost(case, staff, 1_000_000, date(2026, 2, 1))
    cost = db.session.scalar(sa.select(Cost))
    login_as(exporter if who == "exporter" else factories.staff(hub_codes=("th",)))
    expected = 403 if who == "exporter" else 404
    assert client.get(f"/cases/{case.id}/costs").status_code == expected
    assert client.post(f"/cases/{case.id}/costs", data=_cost()).status_code == expected
    assert client.post(f"/cases/{case.id}/costs/{cost.id}/remove").status_code == expected
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cost)) == 1
    if who == "exporter":
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "Subsidy due: ₩700,000" in page and "Add a cost" not in page
        assert f'href="/cases/{case.id}/costs"' not in page


def test_removing_a_cost_is_audited(client, factories, login_as):
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    staff = factories.staff(hub_codes=("cn-north",))
    _add_cost(case, staff, 1_000_000, date(2026, 2, 1))
    cost = db.session.scalar(sa.select(Cost))
    login_as(staff)
    assert client.post(f"/cases/{case.id}/costs/{cost.id}/remove").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Cost)) == 0
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "cost.removed"))
    assert entry.data["amount_krw"] == 1_000_000


def test_the_case_page_shows_costs_by_many_people_in_one_more_query(client, factories, login_as, count_queries):
    """Costs add one query to the case page (the company's year for the cap), whoever recorded them: the
    subsidy's lines load nobody's account."""
    exporter = factories.exporter()
    case = make_case("action", company=exporter.company, author=exporter, country="CN")
    reader = factories.staff(hub_codes=("cn-north",))
    login_as(reader)
    case_id = case.id

    def queries() -> tuple[int, str]:
        db.session.expunge_all()  # the requests share the test's session: what it holds must not spare a query
        with count_queries() as counter:
            response = client.get(f"/cases/{case_id}")
        assert response.status_code == 200
        return counter.count, response.get_data(as_text=True)

    without, _page = queries()
    for n in range(3):
        _add_cost(db.session.get(type(case), case_id), factories.staff(hub_codes=("cn-north",)), 1_000_000 * (n + 1),
                  date(2026, 3, n + 1))
    with_costs, page = queries()
    assert "₩4,200,000" in page  # 70 % of the six million they cost
    assert with_costs == without + 1
