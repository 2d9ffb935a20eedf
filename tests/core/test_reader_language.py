"""Everything in the reader's language: deadlines ipdesk makes and their rules' legal sources, time-zone names,
file kinds in words, the demo data, the notification settings' headers. Exporters keep each file's SHA-256,
folded under "integrity" on the page and in the PDF."""
import io
import re

import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.actions.models import ActionKind, ActionStatus
from ipdesk.auth.models import Role, User
from ipdesk.cases.models import Case
from ipdesk.deadlines.models import Deadline, DeadlineRule, RuleProcedure
from ipdesk.deadlines.rules import load_shipped_rules
from ipdesk.extensions import db
from tests.factories import make_case, make_evidence_file

KO = {"Accept-Language": "ko"}
EN = {"Accept-Language": "en"}


def _pdf_text(client, case, headers) -> str:
    response = client.get(f"/cases/{case.id}/case-file.pdf", headers=headers)
    assert response.status_code == 200
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(response.get_data())).pages)


def test_deadlines_ipdesk_makes_read_in_the_readers_language(app, client, make_client, factories, login_as,
                                                             login):
    """A Korean officer adds a deadline from a rule, records an action with one and a hearing: an English
    reader reads them in English, a Korean reader in Korean, on the page, in the PDF, in "my deadlines" and in
    the calendar feed; the rule's legal source too."""
    load_shipped_rules()
    db.session.commit()
    officer = factories.staff(hub_codes=("cn-north",), locale="ko")
    login_as(officer)
    case = make_case("action", country="CN")
    cn = db.session.scalar(sa.select(DeadlineRule).where(DeadlineRule.jurisdiction == "CN",
                                                         DeadlineRule.procedure_kind == RuleProcedure.opposition))
    assert client.post(f"/cases/{case.id}/deadlines", data={"rule_id": str(cn.id), "trigger_on": "2026-11-30"},
                       headers=KO).status_code == 302
    assert client.post(f"/cases/{case.id}/actions", data={
        "action-kind": ActionKind.customs_seizure.name, "action-authority": "Shanghai Customs",
        "action-status": ActionStatus.filed.name, "action-trigger_on": "2026-12-01",
        "action-deadline_rule_id": str(cn.id), "action-penalty_currency": ""}, headers=KO).status_code == 302
    korean = client.get(f"/cases/{case.id}", headers=KO).get_data(as_text=True)
    assert "CN · 상표 이의신청" in korean and "세관 압류 · Shanghai Customs" in korean
    assert "제33조" in korean and "Trademark Law of the PRC" not in korean

    reader = factories.staff(hub_codes=("cn-north",), locale="en")
    english_client = make_client()
    assert login(english_client, reader).status_code == 302
    for shown in (english_client.get(f"/cases/{case.id}").get_data(as_text=True),
                  _pdf_text(english_client, case, EN), english_client.get("/deadlines").get_data(as_text=True)):
        assert "CN · Trademark opposition" in shown and "Customs seizure · Shanghai Customs" in shown
        assert "상표 이의신청" not in shown and "세관 압류" not in shown
    english = english_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Trademark Law of the PRC (2019 amendment), Art. 33" in english

    page = english_client.post("/account/calendar").get_data(as_text=True)
    link = re.search(r'id="calendar-link"[^>]*value="([^"]+)"', page).group(1).replace("http://ipdesk.test", "")
    feed = make_client().get(link, headers=KO).get_data(as_text=True)  # the owner's language, not the fetcher's
    assert "CN · Trademark opposition" in feed and "상표" not in feed


def test_a_deadline_someone_typed_stays_as_typed(app, client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    case = make_case("action", country="CN")
    client.post(f"/cases/{case.id}/deadlines", data={"what": "답변서 제출", "due_on": "2027-01-10"})
    deadline = db.session.scalar(sa.select(Deadline))
    assert (deadline.what, deadline.what_ko) == ("답변서 제출", None)
    assert "답변서 제출" in client.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)


def test_time_zones_are_named_in_the_readers_language_the_networks_first(app, client, factories, login_as):
    login_as(factories.staff(hub_codes=("cn-north",)))
    page = client.get("/account", headers=KO).get_data(as_text=True)
    menu = page[page.index('name="timezone"'):]
    menu = menu[:menu.index("</select>")]
    groups = re.findall(r'<optgroup label="([^"]+)">', menu)
    assert groups == ["네트워크의 시간대", "그 밖의 시간대"]
    first = re.search(r'<option[^>]*value="([^"]+)"[^>]*>([^<]+)</option>', menu)
    assert first.groups() == ("Asia/Seoul", "대한민국 시간 · GMT+09:00")
    network = menu[:menu.index("그 밖의 시간대")]
    assert "중국(상하이) 시간" in network and "베트남 시간" in network
    assert ">Asia/Shanghai<" not in menu  # the zone's id is the value, never the label
    english = client.get("/account", headers=EN).get_data(as_text=True)
    assert "China (Shanghai) Time · GMT+08:00" in english


def test_files_are_named_by_kind_in_words_and_exporters_keep_their_fingerprint(app, make_client, factories, login):
    exporter = factories.exporter()
    case = make_case("evidence", company=exporter.company, author=exporter)
    photo = make_evidence_file(case, exporter, b"\xff\xd8\xff\xe0 not really a photo", name="fake-serum.jpg",
                               content_type="image/jpeg")
    client = make_client()
    login(client, exporter)
    korean = client.get(f"/cases/{case.id}", headers=KO).get_data(as_text=True)
    assert "JPEG 사진" in korean and "image/jpeg" not in korean
    integrity = re.search(r"<details[^>]*><summary>무결성</summary>(.*?)</details>", korean, re.S)
    assert integrity and photo.sha256 in integrity.group(1)
    english = client.get(f"/cases/{case.id}", headers=EN).get_data(as_text=True)
    assert "JPEG photo" in english
    pdf = _pdf_text(client, case, KO)
    assert "JPEG 사진" in pdf and photo.sha256[:32] in pdf.replace(" ", "").replace("\n", "")


def test_notification_settings_say_what_each_column_holds(app, client, factories, login_as):
    login_as(factories.exporter())
    page = client.get("/account/notifications", headers=EN).get_data(as_text=True)
    headers = re.findall(r'<th scope="col">([^<]+)</th>', page)
    assert headers == ["What you hear about", "By e-mail", "In the app"]


def test_the_demo_data_speaks_to_korean_readers_in_korean(app):
    result = app.test_cli_runner().invoke(args=["seed-demo", "--cases", "120", "--password", "demo pass 123"])
    assert result.exit_code == 0, result.output
    korean_readers = db.session.scalars(sa.select(User.id).where(User.role == Role.exporter, User.locale == "ko"))
    english_readers = db.session.scalars(sa.select(User.id).where(User.role == Role.exporter, User.locale == "en"))
    hangul = re.compile(r"[\uac00-\ud7a3]")
    korean_cases = db.session.scalars(sa.select(Case).where(Case.created_by_id.in_(list(korean_readers)))).all()
    english_cases = db.session.scalars(sa.select(Case).where(Case.created_by_id.in_(list(english_readers)))).all()
    assert korean_cases and english_cases
    assert all(hangul.search(c.title) and hangul.search(c.description) for c in korean_cases)
    assert not any(hangul.search(c.title) for c in english_cases)
    tasks = db.session.scalars(sa.select(Deadline)).all()
    assert tasks and all(t.what_ko and hangul.search(t.what_ko) and not hangul.search(t.what) for t in tasks)
