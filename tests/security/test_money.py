"""Money is exact and the same on both databases (issue 19, point 13): an amount with more decimals than its
currency has, or more digits than both databases keep exactly, is refused rather than rounded (PostgreSQL
rounds 1.005 up, SQLite keeps a double and reads 1.00); rates keep at most 6 decimals; an amount that comes to
more won than a cost can hold is a form error; every ISO 4217 currency Babel knows can be chosen."""
from decimal import Decimal

import pytest
import sqlalchemy as sa
from babel.numbers import list_currencies

from ipdesk.actions.models import AdministrativeAction
from ipdesk.cases.models import Consultation
from ipdesk.companies.models import CompanySize
from ipdesk.costs.models import Cost, CostShareRule
from ipdesk.extensions import db
from tests.factories import make_case


@pytest.fixture
def case(client, factories, login_as):
    case = make_case("action", country="CN")
    login_as(factories.staff(hub_codes=("cn-north",)))
    return case


def _post_cost(client, case, amount, currency, rate=""):
    return client.post(f"/cases/{case.id}/costs", data={
        "cost-category": "counsel", "cost-payer": "company", "cost-amount": amount, "cost-currency": currency,
        "cost-krw_rate": rate, "cost-incurred_on": "2026-05-04"})


def _stored_costs() -> list[tuple]:
    db.session.expire_all()
    return db.session.execute(sa.select(Cost.currency, Cost.amount, Cost.krw_rate, Cost.amount_krw)
                              .order_by(Cost.id)).all()


@pytest.mark.parametrize("amount, currency, rate, message", [
    ("1000.5", "KRW", "", "Amounts in KRW have no decimals."),
    ("10.1", "JPY", "9.1", "Amounts in JPY have no decimals."),
    ("1.005", "USD", "1385.2", "Amounts in USD have at most 2 decimals."),
    ("12.345", "BHD", "3700", "Amounts in BHD have at most 2 decimals."),
    ("99,999,999,999,999.99", "IDR", "0.08", "Enter an amount between 0 and 9,999,999,999,999.99."),
    ("100", "USD", "1385.1234567", "Give the rate with at most 6 decimals."),
    ("9,999,999,999,999.99", "USD", "10000000", "This comes to more than 9,999,999,999,999 won"),
    ("10,000,000,000,000", "KRW", "", "Enter an amount between 0 and 9,999,999,999,999.99."),
])
def test_an_amount_or_rate_the_databases_would_round_is_refused(client, case, amount, currency, rate, message):
    response = _post_cost(client, case, amount, currency, rate)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert message in page and f'value="{amount}"' in page  # what was typed is kept
    assert _stored_costs() == []


@pytest.mark.parametrize("amount, currency, rate, stored", [
    ("1000.00", "KRW", "", ("KRW", Decimal("1000"), Decimal(1), 1000)),
    ("1.25", "USD", "1385.123456", ("USD", Decimal("1.25"), Decimal("1385.123456"), 1731)),
    ("9,999,999,999,999.99", "IDR", "0.081234", ("IDR", Decimal("9999999999999.99"), Decimal("0.081234"),
                                                  812340000000)),
    ("9,999,999,999,999", "KRW", "", ("KRW", Decimal("9999999999999"), Decimal(1), 9999999999999)),
    ("0.01", "USD", "0.000001", ("USD", Decimal("0.01"), Decimal("0.000001"), 0)),
])
def test_an_amount_that_fits_is_kept_exactly(client, case, amount, currency, rate, stored):
    assert _post_cost(client, case, amount, currency, rate).status_code == 302
    assert _stored_costs() == [stored]


def test_every_iso_4217_currency_in_babel_can_be_chosen(client, case):
    page = client.get(f"/cases/{case.id}/costs").get_data(as_text=True)
    offered = {code for code in list_currencies() if f'<option value="{code}">' in page}
    assert offered == set(list_currencies())
    for currency, amount in (("CHF", "10.50"), ("XOF", "5000"), ("KWD", "1.25"), ("CLF", "2.5"), ("UYW", "3")):
        assert _post_cost(client, case, amount, currency, "12.5").status_code == 302, currency
    assert {row.currency for row in _stored_costs()} == {"CHF", "XOF", "KWD", "CLF", "UYW"}


def test_other_money_forms_refuse_the_same(client, case):
    """The consultation's cost, an action's penalty and a case's damages follow their currency too."""
    response = client.post(f"/cases/{case.id}/consultations", data={
        "firm": "Firm", "consulted_on": "2026-05-04", "summary": "File it.", "recommended_route": "administrative",
        "cost_amount": "3000.5", "cost_currency": "JPY", "cost_krw_rate": "9.1", "cost_payer": "company"})
    assert response.status_code == 422
    assert "Amounts in JPY have no decimals." in response.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/consultations", data={
        "firm": "Firm", "consulted_on": "2026-05-04", "summary": "File it.", "recommended_route": "administrative",
        "cost_amount": "9,999,999,999,999", "cost_currency": "CNY", "cost_krw_rate": "190.5",
        "cost_payer": "company"})
    assert response.status_code == 422
    assert "This comes to more than 9,999,999,999,999 won" in response.get_data(as_text=True)
    response = client.post(f"/cases/{case.id}/actions", data={
        "action-kind": "opposition", "action-authority": "CNIPA", "action-status": "filed",
        "action-penalty_amount": "0.001", "action-penalty_currency": "CNY"})
    assert response.status_code == 422
    assert "Amounts in CNY have at most 2 decimals." in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Consultation)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AdministrativeAction)) == 0


def test_a_cost_share_with_more_decimals_than_kept_is_refused(client, factories, login_as):
    login_as(factories.admin())
    rule = db.session.scalar(sa.select(CostShareRule).where(CostShareRule.company_size == CompanySize.sme))
    data = {"company_size": "sme", "share_percent": "66.665", "annual_cap_krw": "30000000",
            "source": "Programme notice 2027", "is_active": "y", "version": str(rule.version)}
    response = client.post(f"/admin/cost-rules/{rule.id}", data=data)
    assert response.status_code == 422
    assert "Give the share with at most 2 decimals." in response.get_data(as_text=True)
    assert client.post(f"/admin/cost-rules/{rule.id}", data={**data, "share_percent": "66.67"}).status_code == 302
    db.session.expire_all()
    assert db.session.get(CostShareRule, rule.id).share_percent == Decimal("66.67")
