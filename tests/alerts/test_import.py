"""The alert import as staff and exporters meet it: a watch service's file (CSV or XLSX, English or Korean columns)
is previewed row by row, its good rows become draft opposition cases with the deadline each country's rule gives,
the company is told in its language and asks the centre to act with one click, and a second import adds nothing."""
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
import sqlalchemy as sa
from flask_babel import force_locale
from pypdf import PdfReader

from ipdesk.alerts.fileformat import FormatError, read_alert_file
from ipdesk.alerts.models import AlertImport, ImportStatus, SquattingAlert
from ipdesk.audit.models import AuditEntry
from ipdesk.audit.summaries import summary
from ipdesk.cases.models import Case, DisputeType, IPRight, Outcome, Stage
from ipdesk.core.db import utcnow
from ipdesk.deadlines.models import Deadline
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.extensions import db
from ipdesk.infringers.models import CaseInfringer, Infringer
from ipdesk.infringers.services import create_infringer
from ipdesk.notify.models import Notification, NotificationKind
from ipdesk.reports.stats import AlertFigures, alert_figures
from ipdesk.rights.models import CaseRight, CompanyRight, RightKind, RightStatus
from tests.factories import CompanyFactory, ExporterFactory, manager, staff

HEADER = ["office", "country", "application number", "mark", "applicant", "classes", "filing date",
          "publication date", "business registration number", "company", "source"]
KOREAN_HEADER = ["관청", "국가", "출원번호", "상표", "출원인", "상품류", "출원일", "공고일", "사업자등록번호", "기업명",
                 "출처"]


def csv_file(rows, header=HEADER, encoding="utf-8") -> bytes:
    lines = [",".join(header)] + [",".join(f'"{cell}"' if "," in cell else cell for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_file(rows, header=HEADER) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def row(office="CN", number="78451236", mark="AREUM", published="2027-11-30", company="", name="", country="",
        applicant="Guangzhou Meili Trading Co.", classes="3, 35", filed="2027-06-01", source="KIPO watch"):
    return [office, country, number, mark, applicant, classes, filed, published, company, name, source]


@pytest.fixture
def world(app):
    load_shipped_rules()
    company = CompanyFactory(name_en="Areum Cosmetics", name_ko="아름화장품")
    korean = ExporterFactory(company=company, locale="ko", email="ko@areum.example")
    english = ExporterFactory(company=company, locale="en", email="en@areum.example")
    right = CompanyRight(company_id=company.id, kind=RightKind.trademark, office="KR", number="40-1234567",
                         mark_text="AREUM", nice_classes=[3], status=RightStatus.registered,
                         registration_date=date(2020, 1, 1), expiry_date=date(2030, 1, 1), created_by_id=korean.id)
    db.session.add(right)
    db.session.commit()
    return {"company": company, "korean": korean, "english": english, "right": right, "manager": manager(),
            "staff": staff(("cn-north",))}


@pytest.fixture
def signed_in(make_client, login):
    def sign_in(user):
        browser = make_client()
        assert login(browser, user).status_code == 302
        return browser

    return sign_in


def upload(browser, data: bytes, name="alerts.csv"):
    return browser.post("/alerts/import", data={"file": (io.BytesIO(data), name)},
                        content_type="multipart/form-data")


def imported(browser, data: bytes, name="alerts.csv") -> AlertImport:
    response = upload(browser, data, name)
    assert response.status_code == 302, response.get_data(as_text=True)
    import_id = int(response.headers["Location"].rsplit("/", 1)[-1])
    return db.session.get(AlertImport, import_id)


def confirm(browser, alert_import: AlertImport):
    response = browser.post(f"/alerts/imports/{alert_import.id}/confirm")
    assert response.status_code == 302, response.get_data(as_text=True)
    db.session.expire_all()


# --- the file ------------------------------------------------------------------------------------------------

@pytest.mark.db_independent
def test_the_file_is_read_with_english_or_korean_columns_as_csv_or_xlsx(app):
    rows = [row(company="123-45-67891"), row(office="VN", number="4-2027-01234", classes="3 5")]
    for data in (csv_file(rows), csv_file(rows, KOREAN_HEADER, "cp949"), xlsx_file(rows, KOREAN_HEADER)):
        parsed = read_alert_file(io.BytesIO(data))
        assert [(r["office"], r["application_number"], r["classes"], r["line"]) for r in parsed.rows] == [
            ("CN", "78451236", "3, 35", 2), ("VN", "4-2027-01234", "3 5", 3)]
        assert parsed.rows[0]["company_number"] == "123-45-67891"
    # an XLSX date cell reads as the date
    workbook_rows = [row()]
    workbook_rows[0][7] = date(2027, 11, 30)
    assert read_alert_file(io.BytesIO(xlsx_file(workbook_rows))).rows[0]["publication_date"] == "2027-11-30"


@pytest.mark.db_independent
@pytest.mark.parametrize(("data", "message"), [
    (b"", "empty"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "neither a CSV nor an XLSX"),
    (b"mark,applicant\nAREUM,Someone\n", "missing: office (관청), application number (출원번호), "
                                                 "business registration number (사업자등록번호), company (기업명)"),
])
def test_a_file_that_is_not_an_alert_file_is_refused_with_the_reason(app, data, message):
    with app.test_request_context(), force_locale("en"), pytest.raises(FormatError) as refused:
        read_alert_file(io.BytesIO(data))
    assert message in refused.value.message


def test_an_upload_that_is_not_an_alert_file_comes_back_with_the_reason(world, signed_in):
    browser = signed_in(world["manager"])
    response = upload(browser, b"%PDF-1.4\n\x00\x01binary", "alerts.csv")
    assert response.status_code == 422
    assert "neither a CSV nor an XLSX" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AlertImport)) == 0


# --- the preview ---------------------------------------------------------------------------------------------

def test_the_preview_matches_each_row_or_says_why_not(world, signed_in):
    other = CompanyFactory(name_en="Seoul Bap Foods", name_ko="서울밥푸드")
    CompanyFactory(name_en="Twin Name", name_ko="쌍둥이1")
    CompanyFactory(name_en="Twin Name", name_ko="쌍둥이2")
    brn = world["company"].registration_number
    rows = [
        row(company=brn),                                                   # 2: by number
        row(office="EU", country="DE", number="019087654", mark="SEOULBAP", name="seoul bap foods"),  # 3: by name
        row(number="1", name="Nobody Ltd"),                                 # 4: no company
        row(number="2", name="Twin Name"),                                  # 5: two companies
        row(office="Atlantis", number="3", company=brn),                    # 6: unknown office
        row(office="EU", number="4", company=brn),                          # 7: EU without a country
        row(number="5", company=brn, published="2020-01-02"),               # 8: closed on 2020-04-02
        row(number="6", company=brn, published=""),                        # 9: no publication date
        row(company=brn, mark="AREUM 2"),                                   # 10: line 2's application again
        row(number="7", company=brn, published="30/11/2027"),              # 11: not a date
        row(office="KR", number="8", company=brn),                          # 12: Korea is not in the network
    ]
    browser = signed_in(world["manager"])
    alert_import = imported(browser, csv_file(rows))
    good = browser.get(f"/alerts/imports/{alert_import.id}").get_data(as_text=True)
    assert "2 rows become draft opposition cases." in good and "9 rows cannot be imported." in good
    table = good.split('id="preview-good"')[1]
    assert "Areum Cosmetics" in table and "40-1234567" in table  # the Korean registration it conflicts with
    assert "Seoul Bap Foods" in table and other.name_en in table
    assert "Feb 29, 2028" in table  # EU: 3 months from 30 November 2027, the end of a leap February
    assert "Jan 30, 2028" in table  # China: 2 months under its revised law (the earlier date)
    problems = browser.get(f"/alerts/imports/{alert_import.id}?show=problems").get_data(as_text=True)
    reasons = {line: re.findall(r"<td>([^<]*)", cells)[-1].strip()
               for line, cells in re.findall(r"<tr><td>(\d+)</td>(.*?)</tr>", problems, re.S)}
    assert reasons == {
        "4": "No company matches “Nobody Ltd”.",
        "5": "Several companies are called “Twin Name”: give the business registration number.",
        "6": "Unknown country or office “Atlantis”.",
        "7": "An application at EUIPO (European Union) needs the country where the centre should act (the "
             "“country” column).",
        "8": "The opposition period closed on Apr 2, 2020.",
        "9": "No publication date: the opposition period runs from it.",
        "10": "The same application as line 2.",
        "11": "The publication date “30/11/2027” is not a date (write 2026-03-05).",
        "12": "South Korea is not a country of the network.",
    }
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0  # nothing before confirmation


def test_the_preview_reads_in_a_fixed_number_of_queries(world, signed_in, count_queries):
    browser = signed_in(world["manager"])
    brn = world["company"].registration_number
    counts = []
    for size in (5, 60):
        alert_import = imported(browser, csv_file([row(number=f"{size}-{n}", company=brn) for n in range(size)]))
        with count_queries() as counted:
            assert browser.get(f"/alerts/imports/{alert_import.id}").status_code == 200
        counts.append(counted.count)
    assert counts[0] == counts[1]


# --- confirmation --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("office", "country", "published", "due", "source"), [
    # China: 3 months, but from 2027 the revised law reportedly gives 2: the earlier date until it is confirmed
    ("CN", "", "2027-11-30", date(2028, 1, 30), "Art. 33"),
    ("EU", "DE", "2027-11-30", date(2028, 2, 29), "Art. 46(1)"),       # EUTMR: 3 months from publication
    ("JP", "", "2027-11-30", date(2028, 1, 31), "Art. 43-2"),       # 2 months from the day after (Civil Code 143)
    ("US", "", "2027-12-15", date(2028, 1, 14), "1063"),            # 30 days from the Official Gazette
    ("TH", "", "2027-12-31", date(2028, 2, 29), "section 35"),      # 60 days
    ("VN", "", "2027-11-30", date(2028, 2, 29), "112"),             # 3 months since 1 April 2026, to a leap February
    ("ID", "", "2027-12-31", date(2028, 2, 29), "Art. 14(2)"),              # 2 months, clamped to the month's end
    ("GB", "", "2027-12-31", date(2028, 2, 28), "r. 17(2)"),        # 2 months counted from the day itself
    ("WO", "VN", "2027-11-30", date(2028, 2, 29), "112"),           # a Madrid designation: its country's rule
])
def test_a_confirmed_row_becomes_a_draft_opposition_case_with_its_rules_deadline(world, signed_in, office, country,
                                                                                 published, due, source):
    browser = signed_in(world["manager"])
    alert_import = imported(browser, csv_file([row(office=office, country=country, published=published,
                                                   company=world["company"].registration_number)]))
    confirm(browser, alert_import)
    alert = db.session.scalar(sa.select(SquattingAlert))
    case, deadline = alert.case, db.session.scalar(sa.select(Deadline))
    assert (alert.office, alert.country_code, alert.due_on) == (office, country or office, due)
    assert (deadline.case_id, deadline.due_on, deadline.trigger_on) == (case.id, due, date.fromisoformat(published))
    assert deadline.rule.jurisdiction == (office if office in ("EU",) else country or office)
    assert source in deadline.rule.source_en
    assert (case.stage, case.filed_on_behalf, case.dispute_type, case.ip_right) == (
        Stage.draft, True, DisputeType.squatting, IPRight.trademark)
    assert case.goods_classes == [3, 35] and case.company_id == world["company"].id
    assert "AREUM" in case.title and "78451236" in case.description
    assert db.session.scalar(sa.select(CaseRight.right_id)) == world["right"].id
    infringer = db.session.scalar(sa.select(Infringer).join(CaseInfringer))
    assert infringer.name == "Guangzhou Meili Trading Co." and alert.infringer_id == infringer.id
    assert db.session.get(AlertImport, alert_import.id).status is ImportStatus.confirmed


def test_a_second_import_of_the_same_applications_adds_nothing(world, signed_in):
    browser = signed_in(world["manager"])
    data = csv_file([row(company=world["company"].registration_number),
                     row(office="VN", number="4-2027-01234", company=world["company"].registration_number)])
    confirm(browser, imported(browser, data))
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Infringer)) == 1
    second = imported(browser, data)
    page = browser.get(f"/alerts/imports/{second.id}?show=problems").get_data(as_text=True)
    assert page.count("Imported before.") == 2
    assert browser.post(f"/alerts/imports/{second.id}/confirm").status_code == 302
    db.session.expire_all()
    counts = [db.session.scalar(sa.select(sa.func.count()).select_from(model))
              for model in (SquattingAlert, Case, Deadline, Infringer, Notification)]
    assert counts[:4] == [2, 2, 2, 1]
    assert db.session.get(AlertImport, second.id).created_count == 0


def test_the_imported_drafts_and_alerts_are_found_by_search(world, signed_in):
    """The rows are written in bulk, past the ORM's flushes: the search index still hears of every one."""
    browser = signed_in(world["manager"])
    confirm(browser, imported(browser, csv_file([
        row(number="78451236", mark="AREUMSKIN", company=world["company"].registration_number),
        row(office="VN", number="4-2027-01234", mark="AREUMSKIN", company=world["company"].registration_number)])))
    cases = browser.get("/search", query_string={"q": "areumskin", "kind": "case"}).get_data(as_text=True)
    alerts = browser.get("/search", query_string={"q": "4-2027-01234", "kind": "alert"}).get_data(as_text=True)
    drafts = db.session.scalars(sa.select(Case.id).order_by(Case.id)).all()
    assert len(drafts) == 2 and all(f"/cases/{case_id}" in cases for case_id in drafts)
    alert_id = db.session.scalar(sa.select(SquattingAlert.id).where(SquattingAlert.office == "VN"))
    assert f"#alert-{alert_id}" in alerts


def test_the_applicant_is_linked_to_the_infringer_record_the_centre_knows(world, signed_in):
    known = create_infringer({"name": "GUANGZHOU MEILI TRADING CO"}, world["manager"])  # written another way
    db.session.commit()
    browser = signed_in(world["manager"])
    confirm(browser, imported(browser, csv_file([row(company=world["company"].registration_number)])))
    assert db.session.scalar(sa.select(SquattingAlert.infringer_id)) == known.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Infringer)) == 1


def test_the_company_is_told_in_each_users_language_and_the_import_is_audited(app, world, signed_in):
    browser = signed_in(world["manager"])
    confirm(browser, imported(browser, csv_file([
        row(company=world["company"].registration_number),
        row(office="VN", number="4-2027-01234", published="2027-11-30", company=world["company"].registration_number),
    ])))
    told = {n.user_id: n for n in db.session.scalars(
        sa.select(Notification).where(Notification.kind == NotificationKind.squatting_alert))}
    assert set(told) == {world["korean"].id, world["english"].id}
    english, korean = told[world["english"].id], told[world["korean"].id]
    assert english.subject == "2 squatting alerts, the first to oppose by Jan 30, 2028"
    assert "2028. 1. 30." in korean.subject and korean.language == "ko"
    assert "Oppose by Jan 30, 2028" in english.body and "78451236" in english.body
    assert english.link_path == "/alerts"
    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "alerts.imported"))
    with app.test_request_context(), force_locale("en"):
        assert summary(entry) == "Squatting alerts imported as draft opposition cases: 2 (companies: 1)"


# --- the exporter ---------------------------------------------------------------------------------------------

def test_the_exporter_sees_the_alert_at_home_and_asks_the_centre_with_one_click(world, signed_in):
    importer = signed_in(world["manager"])
    confirm(importer, imported(importer, csv_file([row(company=world["company"].registration_number)])))
    alert = db.session.scalar(sa.select(SquattingAlert))
    exporter = signed_in(world["english"])
    home = exporter.get("/").get_data(as_text=True)
    assert "AREUM" in home and "Oppose by Jan 30, 2028" in home and "Ask the centre to oppose" in home
    assert exporter.get(f"/cases/{alert.case_id}").status_code == 404  # the centre's draft, until asked
    response = exporter.post(f"/alerts/{alert.id}/request")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/cases/{alert.case_id}")
    db.session.expire_all()
    case = db.session.get(Case, alert.case_id)
    assert case.stage is Stage.intake and case.reference.startswith("CN-")
    assert db.session.get(SquattingAlert, alert.id).requested_by_id == world["english"].id
    assert "You asked the centre on" in exporter.get("/alerts").get_data(as_text=True)
    # a colleague's second click changes nothing
    colleague = signed_in(world["korean"])
    assert colleague.post(f"/alerts/{alert.id}/request").status_code == 302
    db.session.expire_all()
    assert db.session.get(SquattingAlert, alert.id).requested_by_id == world["english"].id
    assert db.session.scalar(sa.select(sa.func.count()).where(
        sa.text("transition = 'submit'")).select_from(sa.table("stage_changes"))) == 1


def test_who_may_import_and_see_alerts(world, signed_in, factories):
    importer = signed_in(world["manager"])
    alert_import = imported(importer, csv_file([row(company=world["company"].registration_number)]))
    confirm(importer, alert_import)
    alert = db.session.scalar(sa.select(SquattingAlert))
    exporter = signed_in(world["english"])
    assert exporter.get("/alerts/import").status_code == 403
    assert exporter.get(f"/alerts/imports/{alert_import.id}").status_code == 404  # the centre's files are unknown
    stranger = signed_in(ExporterFactory())
    assert stranger.post(f"/alerts/{alert.id}/request").status_code == 404
    assert "AREUM" not in stranger.get("/alerts").get_data(as_text=True)
    hub_staff = signed_in(world["staff"])  # China's hub sees its draft
    assert "AREUM" in hub_staff.get("/alerts").get_data(as_text=True)
    assert hub_staff.post(f"/alerts/{alert.id}/request").status_code == 403
    other_hub = signed_in(staff(("vn",)))
    assert "AREUM" not in other_hub.get("/alerts").get_data(as_text=True)


# --- the records that show them -------------------------------------------------------------------------------

def test_the_case_file_and_the_country_summary_show_the_alerts(world, signed_in):
    importer = signed_in(world["manager"])
    brn = world["company"].registration_number
    confirm(importer, imported(importer, csv_file([row(number=f"7000{n}", company=brn) for n in range(3)])))
    alerts = db.session.scalars(sa.select(SquattingAlert).order_by(SquattingAlert.id)).all()
    exporter = signed_in(world["english"])
    for alert in alerts[:2]:
        assert exporter.post(f"/alerts/{alert.id}/request").status_code == 302
    db.session.expire_all()
    won = db.session.get(Case, alerts[0].case_id)
    won.stage, won.closed_from, won.outcome, won.closing_note, won.closed_at = (
        Stage.closed, Stage.intake, Outcome.upheld, "CNIPA upheld the opposition.", utcnow())
    db.session.commit()

    response = exporter.get(f"/cases/{alerts[1].case_id}/case-file.pdf", headers={"Accept-Language": "en"})
    text = " ".join(PdfReader(io.BytesIO(response.data)).pages[0].extract_text().split())
    assert "The squatting alert" in text and "70001" in text and "Guangzhou Meili Trading Co." in text
    assert "Opposition deadline Jan 30, 2028" in text

    figures = alert_figures("CN", date.today() - timedelta(days=1), date.today() + timedelta(days=1))
    submitted = db.session.get(Case, alerts[1].case_id).submitted_at.date()
    assert figures == AlertFigures(received=3, opposed=2, won=1,
                                   median_days_left=(date(2028, 1, 30) - submitted).days)
    summary = importer.get(f"/reports/country-summary.pdf?country=CN&start={date.today().isoformat()}"
                           f"&end={date.today().isoformat()}&lang=en")
    assert summary.status_code == 200
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(summary.data)).pages)
    assert "Squatting alerts: 3 received · 2 opposed · 1 won · median" in " ".join(text.split())
