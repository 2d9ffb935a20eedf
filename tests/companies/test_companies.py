"""Company approval and suspension, and who may see which company."""
import sqlalchemy as sa

from ipdesk.companies.models import Company, CompanyStatus
from ipdesk.extensions import db


def test_staff_approve_a_pending_company(client, factories, login_as):
    company = factories.CompanyFactory(pending=True)
    login_as(factories.staff())
    page = client.get(f"/companies/{company.id}")
    assert "Approve company" in page.get_data(as_text=True)
    assert client.post(f"/companies/{company.id}/approve").status_code == 302
    db.session.refresh(company)
    assert company.status is CompanyStatus.approved and company.approved_at is not None


def test_staff_cannot_suspend_but_managers_can(client, make_client, factories, login_as, login):
    company = factories.CompanyFactory()
    member = factories.exporter(company=company)
    member_client = make_client()
    login(member_client, member)
    login_as(factories.staff())
    assert client.post(f"/companies/{company.id}/suspend", data={"reason": "fraud"}).status_code == 403
    boss = make_client()
    login(boss, factories.manager())
    missing_reason = boss.post(f"/companies/{company.id}/suspend", data={"reason": ""})
    assert missing_reason.status_code == 422
    assert boss.post(f"/companies/{company.id}/suspend", data={"reason": "fraud"}).status_code == 302
    db.session.refresh(company)
    assert company.status is CompanyStatus.suspended
    # its users are signed out, and on signing in again they see only the suspension page
    assert member_client.get("/").status_code == 302
    login(member_client, member)
    page = member_client.get("/", follow_redirects=True)
    assert "Your company’s access is suspended" in page.get_data(as_text=True)
    assert boss.post(f"/companies/{company.id}/reinstate").status_code == 302
    db.session.refresh(company)
    assert company.status is CompanyStatus.approved


def test_exporters_see_only_their_own_company(client, factories, login_as):
    mine = factories.exporter()
    other = factories.CompanyFactory()
    login_as(mine)
    assert client.get(f"/companies/{mine.company_id}").status_code == 200
    assert client.get(f"/companies/{other.id}").status_code == 404
    assert client.get("/companies").status_code == 403
    assert client.post(f"/companies/{other.id}/approve").status_code == 404
    assert client.post(f"/companies/{mine.company_id}/approve").status_code == 403


def test_approving_twice_is_explained(client, factories, login_as):
    company = factories.CompanyFactory()
    login_as(factories.staff())
    response = client.post(f"/companies/{company.id}/approve", follow_redirects=True)
    assert response.status_code == 200
    assert "Only a company awaiting approval can be approved." in response.get_data(as_text=True)
    assert "Approve company" not in response.get_data(as_text=True)


def test_company_list_filters_and_paginates(app, client, factories, login_as):
    for _ in range(30):
        factories.CompanyFactory()
    factories.CompanyFactory(pending=True, name_en="Needle Pending Ltd")
    login_as(factories.staff())
    first = client.get("/companies").get_data(as_text=True)
    assert "31 in all" in first
    assert client.get("/companies?page=2").status_code == 200
    assert client.get("/companies?page=99").status_code == 404
    assert client.get("/companies?page=abc").status_code == 200  # a non-number falls back to page 1
    pending = client.get("/companies?status=pending").get_data(as_text=True)
    assert "Needle Pending Ltd" in pending and "1 in all" in pending
    by_name = client.get("/companies?q=needle").get_data(as_text=True)
    assert "Needle Pending Ltd" in by_name
    # page links keep the filters and survive odd query arguments
    filtered = client.get("/companies?status=approved&endpoint=x&_external=1")
    assert filtered.status_code == 200
    assert "status=approved" in filtered.get_data(as_text=True) and "page=2" in filtered.get_data(as_text=True)


def test_company_list_query_count_does_not_grow_with_rows(client, factories, login_as, count_queries):
    login_as(factories.staff())
    factories.CompanyFactory()
    with count_queries() as few:
        client.get("/companies")
    for _ in range(20):
        factories.CompanyFactory()
    with count_queries() as many:
        client.get("/companies")
    assert many.count == few.count <= 6, many.statements
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Company)) == 21
