"""One viewer-scoped case record: the case page, the case-file PDF and notifications show each kind of
record to the same people, because all three take it from ``ipdesk.cases.record``."""
import ast
import io
from pathlib import Path

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.cases import record as case_record
from ipdesk.cases.models import CaseTransfer, Consultation, Message, Route, Stage, StageChange
from ipdesk.deadlines.models import Deadline, DeadlineSource
from ipdesk.evidence.models import CustodyEvent, CustodyKind, EvidenceFile, EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from ipdesk.network.models import Hub
from ipdesk.notify.services import _people_of
from tests.factories import make_case, make_evidence_file

PACKAGE = Path(__file__).resolve().parents[2] / "ipdesk"


def _message(case, staff, marker, internal):
    return Message(case_id=case.id, author_id=staff.id, body=marker, is_internal=internal)


def _custody(case, staff, marker, kind):
    file = db.session.scalar(sa.select(EvidenceFile).where(EvidenceFile.case_id == case.id))
    return CustodyEvent(file_id=file.id, case_id=case.id, kind=kind, actor_id=staff.id, note=marker)


def _transfer(case, staff, marker):
    hubs = {hub.code: hub.id for hub in db.session.scalars(sa.select(Hub))}
    return CaseTransfer(case_id=case.id, actor_id=staff.id, from_hub_id=hubs["cn-south"], to_hub_id=hubs["cn-north"],
                        reason=marker)


# kind of record -> (its model, make one that shows ``marker``, whether only the staff side sees it)
KINDS = {
    "internal note": (Message, lambda c, s, m: _message(c, s, m, True), True),
    "message": (Message, lambda c, s, m: _message(c, s, m, False), False),
    "transfer": (CaseTransfer, _transfer, True),
    "stage change": (StageChange, lambda c, s, m: StageChange(case_id=c.id, actor_id=s.id, from_stage=Stage.intake,
                                                 to_stage=Stage.evidence, transition="accept", note=m), False),
    "download": (CustodyEvent, lambda c, s, m: _custody(c, s, m, CustodyKind.downloaded), True),
    "bundle export": (CustodyEvent, lambda c, s, m: _custody(c, s, m, CustodyKind.exported), True),
    "notarisation": (CustodyEvent, lambda c, s, m: _custody(c, s, m, CustodyKind.notarised), False),
    "submission to an authority": (CustodyEvent, lambda c, s, m: _custody(c, s, m, CustodyKind.submitted), False),
    "integrity check": (CustodyEvent, lambda c, s, m: _custody(c, s, m, CustodyKind.verified), False),
    "evidence item": (EvidenceItem, lambda c, s, m: EvidenceItem(
        case_id=c.id, kind=EvidenceKind.screenshot, description=m, created_by_id=s.id), False),
    "consultation": (Consultation, lambda c, s, m: Consultation(
        case_id=c.id, consulted_on=c.first_noticed_on, firm="Lee & Ko", lawyer="Kim", summary=m,
        recommended_route=Route.administrative, created_by_id=s.id), False),
    "evidence file": (EvidenceFile, lambda c, s, m: make_evidence_file(c, s, name=f"{m}.txt"), False),
    "deadline": (Deadline, lambda c, s, m: Deadline(case_id=c.id, what=m, due_on=c.first_noticed_on,
                                          source=DeadlineSource.manual, created_by_id=s.id), False),
}


def test_every_kind_the_record_knows_is_checked_here():
    """A kind added to the record module without a row in KINDS fails here, so it gets the check below."""
    assert {model for model, _make, _staff_only in KINDS.values()} == set(case_record.EXPORTERS_SEE)


def _pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages).replace("\n", " ")


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_reaches_the_same_people_on_the_page_in_the_pdf_and_by_notification(
        kind, app, factories, make_client, login):
    model, make, staff_only = KINDS[kind]
    exporter = factories.exporter()
    staff = factories.staff(hub_codes=("cn-north",))
    case = make_case("consultation", company=exporter.company, author=exporter, country="CN")
    make_evidence_file(case, exporter)
    marker = f"Marker{abs(hash(kind)) % 10**6}"
    made = make(case, staff, marker)
    assert isinstance(made, model)
    db.session.add(made)
    db.session.commit()

    seen = {}
    for name, user in (("exporter", exporter), ("staff", staff)):
        client = make_client()
        assert login(client, user).status_code == 302
        page = client.get(f"/cases/{case.id}").get_data(as_text=True)
        pdf = client.get(f"/cases/{case.id}/case-file.pdf")
        assert pdf.status_code == 200
        seen[name] = (marker in page, marker in _pdf_text(pdf.get_data()))
    told = {user.id for user in case_record.audience(case, made, _people_of(case))}

    assert seen["staff"] == (True, True)
    assert seen["exporter"] == ((False, False) if staff_only else (True, True))
    assert told == ({staff.id} if staff_only else {staff.id, exporter.id})


def test_no_other_module_filters_internal_records_or_decides_the_staff_side():
    """Reading ``is_internal`` (to filter or word something) and asking for the staff side's view happen in
    the record module alone; the policy only defines the permission."""
    where = {"is_internal": set(), "case.view_internal": set()}
    for path in PACKAGE.rglob("*.py"):
        name = path.relative_to(PACKAGE).as_posix()
        for node in ast.walk(ast.parse(path.read_text(), name)):
            if isinstance(node, ast.Attribute) and node.attr == "is_internal":
                where["is_internal"].add(name)
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and "case.view_internal" in node.value:
                where["case.view_internal"].add(name)
    assert where == {"is_internal": {"cases/record.py"}, "case.view_internal": {"cases/record.py", "policy.py"}}


def test_an_internal_note_is_announced_to_the_staff_side_only(app, factories):
    from ipdesk.cases.services import post_message
    from ipdesk.notify.models import Notification

    exporter = factories.exporter()
    staff = factories.staff(hub_codes=("cn-north",))
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    manager = factories.manager()
    post_message(case, "Check the seller's other shops", manager, internal=True)
    post_message(case, "We have filed the complaint", manager)
    db.session.commit()
    told = db.session.execute(sa.select(Notification.user_id, Notification.subject)).all()
    to_staff = sorted(subject for user_id, subject in told if user_id == staff.id)
    to_exporter = [subject for user_id, subject in told if user_id == exporter.id]
    assert len(to_staff) == 2 and to_staff[0] != to_staff[1]  # a note and a message, told apart
    assert len(to_exporter) == 1 and to_exporter[0] in to_staff  # the message alone
    assert len(told) == 3


@pytest.mark.storage
def test_exporters_see_an_integrity_check_but_not_who_opened_the_file(app, factories, make_client, login):
    """A download of a file that no longer matches its hash records the failed check; the exporter sees the
    failure in the file's chain of custody, and the checks that held, but never the name of who opened it."""
    from ipdesk.evidence.storage import get_storage

    exporter = factories.exporter()
    staff = factories.staff(hub_codes=("cn-north",), name="Officer Curious")
    case = make_case("evidence", company=exporter.company, author=exporter, country="CN")
    file = make_evidence_file(case, exporter)
    staff_client = make_client()
    assert login(staff_client, staff).status_code == 302
    assert staff_client.post(f"/cases/{case.id}/evidence/verify").status_code == 302  # a check that holds
    storage = get_storage()
    storage.delete(file.storage_key)
    assert staff_client.get(f"/cases/{case.id}/evidence/files/{file.id}").status_code == 409

    exporter_client = make_client()
    assert login(exporter_client, exporter).status_code == 302
    page = exporter_client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    pdf = _pdf_text(exporter_client.get(f"/cases/{case.id}/case-file.pdf", headers={"Accept-Language": "en"})
                    .get_data())
    for shown in (page, pdf):
        assert "Integrity check failed" in shown and "Integrity verified" in shown
        assert "Officer Curious" not in shown
    staff_page = staff_client.get(f"/cases/{case.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Officer Curious" in staff_page and "Downloaded" not in page
