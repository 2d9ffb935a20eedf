"""Enquiries as centres and exporters meet them: recorded, asked online (signed in or by a mailed link), answered,
followed up, turned into a case, listed, exported and found; each seen only by whoever may."""
import re
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa

from ipdesk.audit.models import AuditEntry
from ipdesk.cases.models import Case, Stage
from ipdesk.core.db import utcnow
from ipdesk.enquiries.models import Channel, Enquiry, EnquiryRequest, EnquiryStatus, Topic
from ipdesk.extensions import db
from ipdesk.notify.models import Notification, NotificationKind
from ipdesk.reports import tallies
from ipdesk.reports.stats import country_summary
from ipdesk.search.models import SearchEntry
from tests.conftest import mailed_link
from tests.factories import make_case, make_enquiry


def _record(**changes) -> dict:
    data = {"channel": "phone", "company_id": "", "company_name": "미등록뷰티", "registration_number": "",
            "contact_name": "김민지", "contact_email": "minji@example.com", "contact_phone": "+82 2 555 0100",
            "language": "ko", "country_code": "VN", "topic": "dispute", "ip_right": "trademark",
            "dispute_type": "squatting", "question": "Someone filed our mark 'Areum' in Vietnam. What can we do?",
            "answer": "", "minutes_spent": "", "follow_up_on": ""}
    data.update(changes)
    return data


def _ask(**changes) -> dict:
    data = {"country_code": "TH", "topic": "prevention", "ip_right": "", "dispute_type": "",
            "question": "Should we register our brand in Thailand before the trade show?"}
    data.update(changes)
    return data


def _public(**changes) -> dict:
    data = {**_ask(), "company_name": "하늘식품", "registration_number": "", "contact_name": "박하늘",
            "contact_email": "Haneul@Example.com", "contact_phone": "", "privacy_consent": "y"}
    data.update(changes)
    return data


def test_staff_record_a_phone_enquiry_answered_on_the_spot(client, factories, login_as):
    officer = factories.staff(hub_codes=("vn",))
    login_as(officer)
    response = client.post("/enquiries/new", data=_record(answer="File an opposition within 3 months.",
                                                           minutes_spent="25", follow_up_on="2027-01-15"))
    assert response.status_code == 302
    enquiry = db.session.scalar(sa.select(Enquiry))
    assert response.headers["Location"] == f"/enquiries/{enquiry.id}"
    assert (enquiry.channel, enquiry.topic, enquiry.status, enquiry.minutes_spent) == (
        Channel.phone, Topic.dispute, EnquiryStatus.answered, 25)
    assert enquiry.hub.code == "vn" and enquiry.handled_by_id == officer.id and enquiry.company_id is None
    page = client.get(f"/enquiries/{enquiry.id}", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert "File an opposition within 3 months." in page and "미등록뷰티" in page and "25분" in page
    assert "2027. 1. 15." in page  # the follow-up date, in Korean
    actions = set(db.session.scalars(sa.select(AuditEntry.action)))
    assert {"enquiry.recorded", "enquiry.answered"} <= actions
    # answered on the phone: nobody is mailed the answer again
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.enquiry_answered)) == 0


def test_a_form_with_errors_comes_back_with_what_was_typed_in_the_readers_language(client, factories, login_as):
    login_as(factories.staff(hub_codes=("vn",)))
    response = client.post("/enquiries/new", data=_record(company_name="", topic="general",
                                                          registration_number="123-45-67890"),
                           headers={"Accept-Language": "ko"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "문의한 기업의 이름을 적거나" in page  # no company named
    assert "IP 권리는 분쟁" in page  # a right given for a general question
    assert "Someone filed our mark &#39;Areum&#39; in Vietnam." in page and 'value="123-45-67890"' in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enquiry)) == 0


def test_an_exporter_asks_online_and_the_countrys_centre_hears_of_it(client, factories, login_as, make_client,
                                                                     login):
    exporter = factories.exporter()
    thai, chinese = factories.staff(hub_codes=("th",)), factories.staff(hub_codes=("cn-north",))
    login_as(exporter)
    response = client.post("/enquiries/ask", data=_ask())
    assert response.status_code == 302
    enquiry = db.session.scalar(sa.select(Enquiry))
    assert (enquiry.channel, enquiry.hub.code, enquiry.company_id, enquiry.asker_id) == (
        Channel.web, "th", exporter.company_id, exporter.id)
    heard = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == NotificationKind.new_enquiry_at_hub)).all()
    assert heard == [thai.id]
    assert "Should we register our brand" in client.get("/enquiries").get_data(as_text=True)
    other = make_client()
    login(other, chinese)
    assert other.get(f"/enquiries/{enquiry.id}").status_code == 404
    assert "Should we register" not in other.get("/enquiries").get_data(as_text=True)
    stranger = make_client()
    login(stranger, factories.exporter())
    assert stranger.get(f"/enquiries/{enquiry.id}").status_code == 404


def test_the_answer_reaches_the_exporter_who_asked_in_their_language(client, factories, login_as, make_client,
                                                                     login):
    exporter = factories.exporter(locale="ko")
    enquiry = make_enquiry(company=exporter.company, country="TH", channel=Channel.web, asker_id=exporter.id,
                           contact_email=exporter.email, language="ko")
    officer = factories.staff(hub_codes=("th",))
    login_as(officer)
    page = client.get(f"/enquiries/{enquiry.id}").get_data(as_text=True)
    version = re.search(r'name="version" type="hidden" value="(\d+)"', page).group(1)
    response = client.post(f"/enquiries/{enquiry.id}/answer", data={
        "answer": "네, 박람회 전에 태국에 상표를 출원하세요.", "minutes_spent": "15", "follow_up_on": "",
        "version": version})
    assert response.status_code == 302
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == NotificationKind.enquiry_answered))
    assert note.user_id == exporter.id and note.in_app and note.email_to == exporter.email
    assert "답변" in note.subject and "박람회 전에 태국에 상표를 출원하세요" in note.body
    asker = make_client()
    login(asker, exporter)
    assert "박람회 전에" in asker.get(f"/enquiries/{enquiry.id}").get_data(as_text=True)
    # an answer given on an older view of the enquiry is refused, with a way to reload
    stale = client.post(f"/enquiries/{enquiry.id}/answer", data={"answer": "Changed.", "version": version})
    assert stale.status_code == 409
    assert db.session.get(Enquiry, enquiry.id).answer.startswith("네, 박람회")


def test_a_question_without_an_account_is_filed_only_once_its_link_is_used(client, factories):
    thai = factories.staff(hub_codes=("th",))
    response = client.post("/ask", data=_public())
    assert response.status_code == 302 and response.headers["Location"] == "/ask/sent"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enquiry)) == 0  # nothing filed yet
    path = mailed_link("haneul@example.com", "enquiry_confirmation")
    assert client.get(path).status_code == 200
    filed = client.post(path)
    assert filed.status_code == 200 and "Q-" in filed.get_data(as_text=True)
    enquiry = db.session.scalar(sa.select(Enquiry))
    assert (enquiry.company_name, enquiry.contact_email, enquiry.hub.code, enquiry.channel) == (
        "하늘식품", "haneul@example.com", "th", Channel.web)
    assert db.session.scalar(sa.select(Notification.user_id).where(
        Notification.kind == NotificationKind.new_enquiry_at_hub)) == thai.id
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnquiryRequest)) == 0
    assert client.post(path).status_code == 404  # the link works once
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Enquiry)) == 1


def test_the_answer_to_a_question_without_an_account_goes_to_its_address(client, factories, login_as):
    enquiry = make_enquiry(country="TH", channel=Channel.web, company_name="하늘식품",
                           contact_email="haneul@example.com", language="en")
    login_as(factories.staff(hub_codes=("th",)))
    client.post(f"/enquiries/{enquiry.id}/answer", data={"answer": "Register before the show.", "version": "1"})
    note = db.session.scalar(sa.select(Notification).where(Notification.kind == NotificationKind.enquiry_answered))
    assert note.user_id is None and note.email_to == "haneul@example.com" and not note.in_app
    assert "Register before the show." in note.body and "has answered your question" in note.subject


def test_the_public_form_asks_for_consent_and_keeps_what_was_typed(client):
    response = client.post("/ask", data=_public(privacy_consent=""), headers={"Accept-Language": "ko"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "개인정보 처리방침에 동의" in page
    assert 'value="하늘식품"' in page and "Should we register our brand in Thailand" in page
    assert db.session.scalar(sa.select(sa.func.count()).select_from(EnquiryRequest)) == 0


def test_the_public_form_mails_one_address_only_a_few_times(client):
    for _ in range(3):
        assert client.post("/ask", data=_public()).status_code == 302
    assert client.post("/ask", data=_public()).status_code == 429
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
        Notification.kind == NotificationKind.enquiry_confirmation)) == 3


def test_an_enquiry_becomes_a_case_in_one_step_linked_both_ways(client, factories, login_as, make_client, login):
    exporter = factories.exporter()
    enquiry = make_enquiry(company=exporter.company, country="CN", topic=Topic.dispute, ip_right=None,
                           question="A Tmall shop sells fake 'Areum' serum.\nWe have test purchases.")
    login_as(factories.staff(hub_codes=("cn-north",)))
    page = client.get(f"/enquiries/{enquiry.id}").get_data(as_text=True)
    assert 'value="A Tmall shop sells fake &#39;Areum&#39; serum."' in page  # the title offered
    response = client.post(f"/enquiries/{enquiry.id}/convert", data={"title": "Fake Areum serum on Tmall",
                                                                     "version": "1"})
    case = db.session.scalar(sa.select(Case))
    assert response.status_code == 302 and response.headers["Location"] == f"/cases/{case.id}/edit"
    assert (case.stage, case.company_id, case.country_code, case.filed_on_behalf) == (
        Stage.draft, exporter.company_id, "CN", True)
    assert case.description.startswith("A Tmall shop sells fake") and case.title == "Fake Areum serum on Tmall"
    assert db.session.get(Enquiry, enquiry.id).case_id == case.id
    page = client.get(f"/enquiries/{enquiry.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}"' in page and "Draft" in page  # the case's stage
    again = client.post(f"/enquiries/{enquiry.id}/convert", data={"title": "Again", "version": "2"})
    assert again.status_code == 422 and db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 1
    case_page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/enquiries/{enquiry.id}"' in case_page and enquiry.reference in case_page  # and back
    asker = make_client()  # the company does not learn of the centre's draft before it is submitted
    login(asker, exporter)
    for page in (asker.get(f"/enquiries/{enquiry.id}"), asker.get("/enquiries")):
        assert page.status_code == 200 and "Draft #" not in page.get_data(as_text=True)


def test_an_enquiry_of_an_unregistered_company_cannot_become_a_case(client, factories, login_as):
    company = factories.exporter().company
    company.registration_number = "2018100029"  # one a tax office issues
    typed = "201-81-00029"
    enquiry = make_enquiry(country="CN", registration_number=typed)  # the asker's company, not chosen yet
    login_as(factories.staff(hub_codes=("cn-north",)))
    response = client.post(f"/enquiries/{enquiry.id}/convert", data={"title": "Fake serum", "version": "1"})
    assert response.status_code == 422 and "registered company" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Case)) == 0
    # the registration number the asker gave finds the company: the edit form chooses it for staff to confirm
    page = client.get(f"/enquiries/{enquiry.id}/edit").get_data(as_text=True)
    assert re.search(rf"is that of ({company.name_en}|{company.name_ko}), a registered company", page)
    assert re.search(rf'<option selected value="{company.id}">|<option value="{company.id}" selected>', page)
    form = {**_record(company_id=str(company.id), company_name="", country_code="CN", registration_number=typed),
            "version": str(enquiry.version)}
    saved = client.post(f"/enquiries/{enquiry.id}/edit", data=form)
    assert saved.status_code == 302, re.findall(r"invalid-feedback[^>]*>([^<]+)", saved.get_data(as_text=True))
    db.session.refresh(enquiry)
    assert enquiry.company_id == company.id
    assert client.post(f"/enquiries/{enquiry.id}/convert",
                       data={"title": "Fake serum", "version": str(enquiry.version)}).status_code == 302
    assert db.session.scalar(sa.select(Case.company_id)) == company.id


def test_a_follow_up_date_is_kept_as_a_deadline_until_done(client, factories, login_as):
    today = date.today()
    due = make_enquiry(country="CN", follow_up_on=today - timedelta(days=2), question="Due one")
    make_enquiry(country="CN", follow_up_on=today + timedelta(days=20), question="Later one")
    make_enquiry(country="CN", question="No follow-up")
    login_as(factories.staff(hub_codes=("cn-north",)))
    listed = client.get("/enquiries", query_string={"follow_up_due": "y"}).get_data(as_text=True)
    assert "Due one" in listed and "Later one" not in listed and "No follow-up" not in listed
    assert "Follow-up overdue since" in listed
    deadlines = client.get("/deadlines").get_data(as_text=True)  # beside the cases' deadlines
    assert 'id="follow-ups"' in deadlines and due.reference in deadlines and "Later one" in deadlines
    assert "No follow-up" not in deadlines
    page = client.post("/account/calendar").get_data(as_text=True)
    link = re.search(r'id="calendar-link"[^>]*value="([^"]+)"', page).group(1).replace("http://ipdesk.test", "")
    feed = client.get(link).get_data(as_text=True)
    assert f"문의 {due.reference} 후속 조치" in feed and f"/enquiries/{due.id}" in feed  # in the owner's language
    assert client.post(f"/enquiries/{due.id}/followed-up", data={"version": "1"}).status_code == 302
    listed = client.get("/enquiries", query_string={"follow_up_due": "y"}).get_data(as_text=True)
    assert "Due one" not in listed
    assert due.reference not in client.get("/deadlines").get_data(as_text=True)


def test_the_list_filters_and_exports_what_staff_see(client, factories, login_as):
    exporter = factories.exporter()
    make_enquiry(company=exporter.company, country="CN", question="Customs seizure in Shanghai?", answer="Yes.")
    make_enquiry(country="CN", question="=HYPERLINK(\"http://evil\")", topic=Topic.general)
    make_enquiry(country="TH", question="Thai question")
    login_as(factories.staff(hub_codes=("cn-north",)))
    page = client.get("/enquiries", query_string={"status": "answered"}).get_data(as_text=True)
    assert "Customs seizure" in page and "HYPERLINK" not in page and "Thai question" not in page
    page = client.get("/enquiries", query_string={"q": "Shanghai"}).get_data(as_text=True)
    assert "Customs seizure" in page and "HYPERLINK" not in page
    response = client.get("/enquiries/export.csv")
    body = response.get_data()
    assert response.status_code == 200 and body.startswith(b"\xef\xbb\xbf")
    text = body.decode("utf-8-sig")
    assert "Customs seizure in Shanghai?" in text and "Thai question" not in text
    assert "'=HYPERLINK" in text  # a formula typed in stays text
    assert db.session.scalar(sa.select(AuditEntry.action).where(AuditEntry.action == "enquiry.exported"))


def test_exporters_see_their_companys_enquiries_but_cannot_export_or_record(client, factories, login_as):
    exporter = factories.exporter()
    mine = make_enquiry(company=exporter.company, country="CN", question="Ours")
    make_enquiry(company=factories.CompanyFactory(), country="CN", question="Theirs")
    login_as(exporter)
    page = client.get("/enquiries").get_data(as_text=True)
    assert "Ours" in page and "Theirs" not in page and mine.reference in page
    assert client.get("/enquiries/export.csv").status_code == 403
    assert client.get("/enquiries/new").status_code == 403


def test_the_list_costs_the_same_queries_for_a_few_and_many(client, factories, login_as, count_queries):
    login_as(factories.manager())

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as counter:
            assert client.get("/enquiries").status_code == 200
        return counter.count

    for n in range(2):
        make_enquiry(company=factories.CompanyFactory(), country="CN", question=f"Question {n}", answer="Done",
                     handled_by_id=factories.staff().id)
    few = queries()
    for n in range(12):
        make_enquiry(company=factories.CompanyFactory(), country=("CN", "TH", "VN")[n % 3],
                     question=f"Question {n}", answer="Done", handled_by_id=factories.staff().id)
    assert queries() == few


def test_search_finds_an_enquiry_for_whoever_may_open_it(client, factories, login_as, make_client, login):
    exporter = factories.exporter()
    make_enquiry(company=exporter.company, country="CN", question="Our kimchi brand 'Mattang' was copied")
    login_as(factories.staff(hub_codes=("cn-north",)))
    page = client.get("/search", query_string={"q": "Mattang"}).get_data(as_text=True)
    assert 'id="hits-enquiry"' in page and "<mark>Mattang</mark>" in page
    for someone in (exporter, factories.exporter(), factories.staff(hub_codes=("th",))):
        other = make_client()
        login(other, someone)
        found = 'id="hits-enquiry"' in other.get("/search", query_string={"q": "Mattang"}).get_data(as_text=True)
        assert found is (someone is exporter), someone.email


def test_seed_demo_makes_enquiries_of_every_kind_found_by_search(app, factories):
    """``flask seed-demo --enquiries``: registered and unregistered askers, every channel, most answered by the
    staff of the country's hub, some followed up, a few become cases; indexed for search as they are written."""
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "40", "--enquiries", "400"])
    assert result.exit_code == 0, result.output
    enquiries = db.session.scalars(sa.select(Enquiry)).all()
    assert len(enquiries) == 400
    assert {e.channel for e in enquiries} == set(Channel) and {e.topic for e in enquiries} == set(Topic)
    assert any(e.company_id for e in enquiries) and any(not e.company_id for e in enquiries)
    answered = [e for e in enquiries if e.status is EnquiryStatus.answered]
    assert 0.7 * len(enquiries) < len(answered) < len(enquiries)
    assert all(e.handled_by is None or e.hub_id in {h.id for h in e.handled_by.hubs} for e in answered)
    assert any(e.follow_up_on for e in enquiries) and any(e.case_id for e in enquiries)
    assert all(e.case.company_id == e.company_id for e in enquiries if e.case_id)
    again = app.test_cli_runner().invoke(args=["seed-demo", "--enquiries", "400"])
    assert again.exit_code == 0 and db.session.scalar(sa.select(sa.func.count()).select_from(Enquiry)) == 400
    assert db.session.scalar(sa.select(sa.func.count()).select_from(SearchEntry).where(
        SearchEntry.kind == "enquiry")) == 400


def test_a_long_list_is_counted_up_to_a_cap_and_still_paged(client, factories, login_as, monkeypatch):
    """Beyond its cap the list says "more than" (a million enquiries are not counted one by one) and every page
    still opens."""
    monkeypatch.setattr("ipdesk.enquiries.listing.COUNT_CAP", 3)
    monkeypatch.setitem(client.application.config, "ITEMS_PER_PAGE", 2)
    for n in range(5):
        make_enquiry(country="CN", question=f"Question number {n}")
    login_as(factories.manager())
    first = client.get("/enquiries").get_data(as_text=True)
    assert "More than 3 in all" in first and "Question number 4" in first
    last = client.get("/enquiries", query_string={"page": 3}).get_data(as_text=True)
    assert "Question number 0" in last


def test_the_dashboard_counts_enquiries_and_those_that_became_cases_per_country(client, factories, login_as,
                                                                               make_client, login):
    """From the tallies the database keeps: a year of a million enquiries is read from a few thousand rows."""
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, country="CN")
    for n in range(3):
        make_enquiry(company=exporter.company, country="CN", question=f"China {n}", case_id=case.id if n == 0 else None)
    make_enquiry(country="TH", question="Thai one")
    make_enquiry(country="CN", question="Two years ago", created_at=utcnow() - timedelta(days=800))
    login_as(factories.manager())
    page = client.get("/dashboard").get_data(as_text=True)
    assert re.search(r'data-enquiries="CN">3<', page) and re.search(r'data-enquiries="TH">1<', page)
    assert re.search(r'data-enquiries="total">4<', page)
    assert re.search(r'data-enquiries="CN">3</td><td class="text-end">1<', page)  # one became a case
    thai = make_client()
    login(thai, factories.staff(hub_codes=("th",)))
    page = thai.get("/dashboard").get_data(as_text=True)  # staff count their hubs' only
    assert re.search(r'data-enquiries="total">1<', page) and 'data-enquiries="CN"' not in page


def test_the_country_summary_counts_the_enquiries_of_its_period_whole_months_and_days(app, factories):
    """Enquiries asked about the country in the period, and those that became a case: whole months from the
    tallies, the days around them from the enquiries, the same either way and after the tallies are folded."""
    today = date(2026, 12, 7)
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, country="CN")
    asked = [datetime(2026, 1, 31, 23, 0, tzinfo=UTC), datetime(2026, 2, 1, 0, 30, tzinfo=UTC),
             datetime(2026, 3, 15, tzinfo=UTC), datetime(2026, 4, 2, tzinfo=UTC), datetime(2026, 4, 20, tzinfo=UTC)]
    for n, when in enumerate(asked):
        make_enquiry(company=exporter.company, country="CN", created_at=when, question=f"Asked {n}",
                     case_id=case.id if n == 2 else None)
    make_enquiry(country="TH", created_at=datetime(2026, 3, 1, tzinfo=UTC), question="Not China")
    with app.test_request_context():
        for start, end, expected, converted in ((date(2026, 2, 1), date(2026, 4, 10), 3, 1),  # Feb, Mar; 10 days
                                                (date(2026, 1, 31), date(2026, 3, 31), 3, 1),
                                                (date(2026, 4, 3), date(2026, 12, 7), 1, 0)):
            summary = country_summary("CN", start, end, today=today)
            assert (summary.enquiries, summary.enquiries_converted) == (expected, converted), (start, end)
        tallies.compact(today)
        summary = country_summary("CN", date(2026, 2, 1), date(2026, 4, 10), today=today)
        assert (summary.enquiries, summary.enquiries_converted) == (3, 1)


def test_follow_ups_are_reminded_to_who_handled_them_once_each(app, factories):
    """Seven days and one day before, and once passed, as a case's deadlines; whoever handled the enquiry, or the
    staff of its hub once they no longer can; never once it is followed up; each once however often it runs."""
    officer = factories.staff(hub_codes=("vn",), locale="en", timezone="UTC")
    colleague = factories.staff(hub_codes=("vn",), locale="ko", timezone="UTC")
    today = utcnow().date()
    soon = make_enquiry(country="VN", handled_by_id=officer.id, follow_up_on=today + timedelta(days=7),
                        question="Soon")
    late = make_enquiry(country="VN", handled_by_id=officer.id, follow_up_on=today - timedelta(days=2),
                        question="Late")
    make_enquiry(country="VN", handled_by_id=officer.id, follow_up_on=today + timedelta(days=30), question="Later")
    made = make_enquiry(country="VN", handled_by_id=officer.id, follow_up_on=today + timedelta(days=1),
                        followed_up_at=utcnow(), question="Made")
    gone = make_enquiry(country="VN", handled_by_id=factories.staff(hub_codes=("th",)).id,
                        follow_up_on=today + timedelta(days=1), question="Its handler moved to Thailand")
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notify", "due"])
    assert "4 follow-up reminders" in first.output, first.output
    assert "0 follow-up reminders" in runner.invoke(args=["notify", "due"]).output
    notes = db.session.scalars(sa.select(Notification).where(
        Notification.kind == NotificationKind.enquiry_follow_up).order_by(Notification.id)).all()
    got = {(n.user_id, n.link_path) for n in notes}
    assert got == {(officer.id, f"/enquiries/{soon.id}"), (officer.id, f"/enquiries/{late.id}"),  # the hub's staff:
                   (officer.id, f"/enquiries/{gone.id}"), (colleague.id, f"/enquiries/{gone.id}")}  # its handler left
    by_path = {n.link_path: n for n in notes if n.user_id == officer.id}
    assert by_path[f"/enquiries/{late.id}"].subject == f"Enquiry {late.reference}: its follow-up date has passed"
    assert "was due on" in by_path[f"/enquiries/{late.id}"].body
    assert "is due in 7 days" in by_path[f"/enquiries/{soon.id}"].body
    assert f"/enquiries/{made.id}" not in {n.link_path for n in notes}
    korean = next(n for n in notes if n.user_id == colleague.id)
    assert korean.language == "ko" and gone.reference in korean.subject
