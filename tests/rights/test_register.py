"""A company's register of rights as its users meet it: the exporter keeps it, staff correct it (audited), nobody
else sees it; the intake picks from it, and the enforceability warning is computed from what it holds."""
import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.audit.models import AuditEntry
from ipdesk.cases.models import Case, IPRight
from ipdesk.core.i18n import local_today
from ipdesk.extensions import db
from ipdesk.rights.enforceability import assess
from ipdesk.rights.models import CaseRight, CompanyRight, RightKind, RightStatus
from tests.evidence.conftest import image_bytes, pdf_bytes
from tests.factories import CompanyFactory, make_case

TODAY = date(2026, 12, 7)
FORM = {"kind": "trademark", "office": "CN", "number": "27311045", "mark_text": "AREUM 雅琳", "nice_classes": "3, 35",
        "status": "registered", "filing_date": "2017-11-20", "registration_date": "2019-02-07",
        "expiry_date": "2029-02-06", "notes": ""}


def right(company, **values) -> CompanyRight:
    fields = dict(kind=RightKind.trademark, office="CN", number="27311045", mark_text="AREUM", nice_classes=[3],
                  status=RightStatus.registered, registration_date=date(2019, 2, 7), expiry_date=date(2029, 2, 6),
                  created_by_id=1)
    fields.update(values)
    held = CompanyRight(company_id=company.id, **fields)
    db.session.add(held)
    db.session.commit()
    return held


def _unsaved(**values) -> CompanyRight:
    fields = dict(kind=RightKind.trademark, office="CN", number="1", nice_classes=[3], designations=[],
                  status=RightStatus.registered, registration_date=date(2019, 2, 7), expiry_date=date(2029, 2, 6))
    fields.update(values)
    return CompanyRight(**fields)


@pytest.fixture
def signed_in(make_client, login):
    """A browser of its own, signed in as ``user``."""

    def sign_in(user):
        browser = make_client()
        assert login(browser, user).status_code == 302
        return browser

    return sign_in


# --- the warning, as a table ---------------------------------------------------------------------------------

@pytest.mark.parametrize(("ip_right", "country", "classes", "rights", "code"), [
    (IPRight.copyright, "CN", [], [], None),  # unregistered copyright: the Berne Convention protects it
    (IPRight.trade_secret, "CN", [], [], None),
    (None, "CN", [], [], None),  # not yet known: not judged
    (IPRight.trademark, "CN", [], [], "unregistered"),
    (IPRight.trademark, "CN", [3], [dict()], None),
    (IPRight.trademark, "VN", [3], [dict()], "unregistered"),  # China's registration protects in China only
    (IPRight.trademark, "CN", [3, 5], [dict()], "classes"),  # the goods of class 5 are not covered
    (IPRight.trademark, "CN", [3, 5], [dict(), dict(number="2", nice_classes=[5])], None),  # two cover them
    (IPRight.trademark, "DE", [3], [dict(office="EU")], None),  # an EU trade mark has effect in Germany
    (IPRight.trademark, "GB", [3], [dict(office="EU")], "unregistered"),  # not since Brexit
    (IPRight.trademark, "NL", [3], [dict(office="BX")], None),  # Benelux
    (IPRight.trademark, "VN", [3], [dict(office="WO", designations=["ID", "VN"])], None),  # Madrid, designated
    (IPRight.trademark, "TH", [3], [dict(office="WO", designations=["ID", "VN"])], "unregistered"),
    (IPRight.trademark, "CN", [3], [dict(status=RightStatus.filed, registration_date=None)], "pending"),
    (IPRight.trademark, "CN", [3], [dict(expiry_date=TODAY - timedelta(days=1))], "lapsed"),
    (IPRight.trademark, "CN", [3], [dict(expiry_date=TODAY)], None),  # in force on its last day
    (IPRight.trademark, "CN", [3], [dict(status=RightStatus.cancelled)], "lapsed"),
    (IPRight.trademark, "CN", [3], [dict(kind=RightKind.design)], "unregistered"),  # a design is not a mark
    (IPRight.patent, "CN", [], [dict(kind=RightKind.utility_model, nice_classes=[])], None),
    (IPRight.design, "CN", [], [dict(kind=RightKind.design, nice_classes=[])], None),
])
def test_the_warning_comes_from_the_register(app, ip_right, country, classes, rights, code):
    with app.test_request_context():
        warning = assess(ip_right, country, classes, [_unsaved(**values) for values in rights], TODAY)
    assert (warning.code if warning else None) == code


def test_the_warning_names_the_classes_and_the_country_in_korean(app):
    with app.test_request_context(headers={"Accept-Language": "ko"}):
        warning = assess(IPRight.trademark, "CN", [3, 5, 29], [_unsaved()], TODAY)
    assert warning.message.startswith("중국에 등록된 상표는 해당 상품의 5, 29류를 지정하지 않습니다")


# --- keeping the register ------------------------------------------------------------------------------------

def test_an_exporter_adds_a_right_and_finds_it_in_the_register(client, factories, login_as):
    exporter = factories.exporter()
    login_as(exporter)
    response = client.post(f"/companies/{exporter.company_id}/rights/new",
                           data={**FORM, "image": (io.BytesIO(image_bytes("PNG")), "mark.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    held = db.session.scalar(sa.select(CompanyRight))
    assert (held.company_id, held.nice_classes, held.status) == (exporter.company_id, [3, 35], RightStatus.registered)
    page = client.get(f"/companies/{exporter.company_id}/rights").get_data(as_text=True)
    assert "27311045" in page and "雅琳" in page and "3, 35" in page
    picture = client.get(f"/rights/{held.id}/image")
    assert picture.status_code == 200 and picture.data == image_bytes("PNG")
    picture.close()
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "right.created"))
    assert entry.data["office"] == "CN" and entry.data["image_sha256"] == held.image_sha256


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"nice_classes": "3, 46"}, "nice_classes", "“46” is not a Nice class"),
    ({"registration_date": ""}, "registration_date", "Give the date of registration of a registered right."),
    ({"registration_date": "2016-01-01"}, "registration_date", "A right cannot be registered before it was filed."),
    ({"office": "WO"}, "designations", "Choose the countries the international registration designates."),
    ({"kind": "design"}, "nice_classes", "Nice classes belong to trademarks"),
])
def test_a_right_with_errors_comes_back_with_what_was_typed(client, factories, login_as, changes, field, message):
    exporter = factories.exporter()
    login_as(exporter)
    response = client.post(f"/companies/{exporter.company_id}/rights/new", data={**FORM, **changes})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert message in page.replace("&#34;", '"').replace("&#39;", "'")
    assert 'value="AREUM 雅琳"' in page and 'value="27311045"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompanyRight)) == 0


def test_a_picture_that_is_not_an_image_is_refused_and_nothing_is_kept(client, factories, login_as):
    exporter = factories.exporter()
    login_as(exporter)
    response = client.post(f"/companies/{exporter.company_id}/rights/new",
                           data={**FORM, "image": (io.BytesIO(pdf_bytes()), "mark.png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "is not a picture" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompanyRight)) == 0


def test_the_same_number_twice_is_refused_in_words(client, factories, login_as):
    exporter = factories.exporter()
    right(exporter.company)
    login_as(exporter)
    response = client.post(f"/companies/{exporter.company_id}/rights/new", data=FORM)
    assert response.status_code == 422
    assert "already holds 27311045" in response.get_data(as_text=True)


def test_staff_correct_a_right_and_a_stale_edit_gets_409(client, factories, login_as, make_client, login):
    exporter = factories.exporter()
    held = right(exporter.company)
    staff = factories.staff()
    login_as(staff)
    form = client.get(f"/rights/{held.id}/edit").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', form).group(1)
    other = make_client()
    login(other, exporter)
    assert other.post(f"/rights/{held.id}/edit", data={**FORM, "status": "expired", "version": version}
                      ).status_code == 302
    response = client.post(f"/rights/{held.id}/edit", data={**FORM, "nice_classes": "3", "version": version})
    assert response.status_code == 409
    db.session.refresh(held)
    assert held.status is RightStatus.expired and held.nice_classes == [3, 35]
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "right.updated"))
    assert entry.actor_id == exporter.id and "status" in entry.data["fields"]


def test_another_company_and_an_admin_cannot_change_a_register(factories, signed_in):
    held = right(factories.exporter().company)
    other = signed_in(factories.exporter(company=CompanyFactory()))
    assert other.get(f"/rights/{held.id}").status_code == 404
    assert other.get(f"/companies/{held.company_id}/rights").status_code == 404
    assert other.get(f"/rights/{held.id}/image").status_code == 404
    admin = signed_in(factories.admin())
    assert admin.get(f"/rights/{held.id}").status_code == 200
    assert admin.post(f"/rights/{held.id}/edit", data=FORM).status_code == 403


def test_a_right_a_case_relies_on_stays_in_the_register(client, factories, login_as):
    exporter = factories.exporter()
    held = right(exporter.company)
    case = make_case("intake", company=exporter.company, author=exporter, country="CN")
    db.session.add(CaseRight(case_id=case.id, right_id=held.id))
    db.session.commit()
    login_as(exporter)
    response = client.post(f"/rights/{held.id}/delete", data={"version": held.version}, follow_redirects=True)
    assert "Cases rely on this right" in response.get_data(as_text=True)
    assert db.session.get(CompanyRight, held.id) is not None
    db.session.execute(sa.delete(CaseRight))
    db.session.commit()
    assert client.post(f"/rights/{held.id}/delete", data={"version": held.version}).status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CompanyRight)) == 0


# --- the intake and the case -------------------------------------------------------------------------------

INTAKE = {"title": "Counterfeit serum on Tmall", "country_code": "CN", "sector": "beauty", "ip_right": "trademark",
          "dispute_type": "counterfeit", "found_where": "Tmall", "urgency": "normal", "description": "Fakes.",
          "first_noticed_on": "2026-11-02", "goods_classes": "3"}


def test_an_intake_without_a_registration_there_is_warned_and_one_relying_on_it_is_not(client, factories, login_as):
    exporter = factories.exporter()
    held = right(exporter.company)
    right(exporter.company, office="TH", number="220118832", status=RightStatus.filed, registration_date=None,
          expiry_date=None)
    login_as(exporter)
    form = client.get("/cases/new").get_data(as_text=True)
    assert "27311045" in form and "220118832" in form  # the register is offered
    response = client.post("/cases/new", data={**INTAKE, "submit": "1"}, follow_redirects=True)
    assert "No registration in force in China among the rights this case relies on" in response.get_data(as_text=True)
    response = client.post("/cases/new", data={**INTAKE, "title": "Second", "rights": [str(held.id)],
                                               "submit": "1"}, follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "No registration in force" not in page and 'id="enforceability"' not in page
    case = db.session.scalar(sa.select(Case).where(Case.title == "Second"))
    assert [r.right_id for r in db.session.scalars(sa.select(CaseRight).where(CaseRight.case_id == case.id))] == [
        held.id]
    assert case.goods_classes == [3]


def test_an_intake_cannot_rely_on_another_companys_right(client, factories, login_as):
    exporter = factories.exporter()
    theirs = right(CompanyFactory())
    login_as(exporter)
    response = client.post("/cases/new", data={**INTAKE, "rights": [str(theirs.id)], "submit": "1"})
    assert response.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CaseRight)) == 0


def test_staff_dismiss_a_warning_with_a_reason_until_it_changes(client, factories, login_as, signed_in):
    exporter = factories.exporter()
    pending = right(exporter.company, status=RightStatus.filed, registration_date=None)
    case = make_case("intake", company=exporter.company, author=exporter, country="CN", ip_right=IPRight.trademark)
    db.session.add(CaseRight(case_id=case.id, right_id=pending.id))
    db.session.commit()
    login_as(exporter)
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "an application still pending" in page and 'id="dismiss-warning"' not in page
    assert client.post(f"/cases/{case.id}/enforceability/dismiss",
                       data={"code": "pending", "reason": "x"}).status_code == 403
    client = signed_in(factories.staff())
    assert client.post(f"/cases/{case.id}/enforceability/dismiss",
                       data={"code": "unregistered", "reason": "It is well known."}).status_code == 409
    response = client.post(f"/cases/{case.id}/enforceability/dismiss",
                           data={"code": "pending", "reason": "Registration is granted next week."},
                           follow_redirects=True)
    page = response.get_data(as_text=True)
    assert 'id="enforceability"' not in page and "Registration is granted next week." in page
    pdf = client.get(f"/cases/{case.id}/case-file.pdf")
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert "Registration is granted next week." in text and "27311045" in text
    pending.expiry_date = local_today() - timedelta(days=1)
    pending.status = RightStatus.expired
    db.session.commit()
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="enforceability"' in page and "no longer in force" in page  # another reason: shown again
    assert db.session.scalar(sa.select(AuditEntry.data).where(AuditEntry.action == "case.warning_dismissed")) == {
        "code": "pending"}


def test_search_finds_a_right_for_its_company_and_the_staff_side_only(factories, signed_in):
    exporter = factories.exporter()
    right(exporter.company, number="G1456789", mark_text="AREUM")
    held = db.session.scalar(sa.select(CompanyRight))
    hit = f'href="/rights/{held.id}"'
    assert hit in signed_in(exporter).get("/search", query_string={"q": "G1456789"}).get_data(as_text=True)
    staff = signed_in(factories.staff(hub_codes=("th",)))
    assert hit in staff.get("/search", query_string={"q": "areum"}).get_data(as_text=True)
    other = signed_in(factories.exporter(company=CompanyFactory()))
    page = other.get("/search", query_string={"q": "G1456789"}).get_data(as_text=True)
    assert hit not in page and 'id="hits-right"' not in page
