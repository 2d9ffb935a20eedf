"""Personal values in the audit log: kept out of the chain, erasable, checked against their keyed hashes,
and shown in summaries rendered in the reader's language."""
import sqlalchemy as sa

from ipdesk.audit.chain import CHAINED_FIELDS, ChainReport, canonical, personal_hash, verify_chain
from ipdesk.audit.models import AuditEntry, AuditPersonalValue
from ipdesk.audit.services import erase_personal_values, log_event
from ipdesk.extensions import db


def entry_of(action: str) -> AuditEntry:
    db.session.expire_all()
    return db.session.scalars(sa.select(AuditEntry).where(AuditEntry.action == action)).one()


def personal_of(entry: AuditEntry) -> dict:
    return {v.name: v.value for v in entry.personal_values}


def problems() -> list:
    found = list(verify_chain(db.session.connection(), ChainReport()))
    db.session.commit()
    return found


def test_an_entry_about_a_user_chains_no_email_name_or_address(app, client, factories, login_as):
    admin, user = factories.admin(), factories.staff(name="Kim Minji")
    login_as(admin)
    response = client.post(f"/admin/users/{user.id}", data={"name": "Kim Min-ji", "role": "staff",
                                                             "hub_ids": [h.id for h in user.hubs],
                                                             "version": user.version})
    assert response.status_code == 302
    entry = entry_of("user.updated")
    chained = canonical({name: getattr(entry, name) for name in CHAINED_FIELDS}, entry.prev_hash).decode()
    for personal in (user.email, "Kim Minji", "Kim Min-ji", "127.0.0.1"):
        assert personal not in chained
    assert '"format":2' in chained
    values = personal_of(entry)
    assert values == {"email": user.email, "name_before": "Kim Minji", "name_after": "Kim Min-ji", "ip": "127.0.0.1"}
    key = app.config["AUDIT_HMAC_KEY"]
    assert entry.personal_hashes == {name: personal_hash(key, value) for name, value in values.items()}
    owners = {v.name: v.user_id for v in entry.personal_values}
    assert owners == {"email": user.id, "name_before": user.id, "name_after": user.id, "ip": admin.id}


def test_erasing_a_persons_values_keeps_the_chain_and_shows_erased(app, client, factories, login_as):
    admin, user, other = factories.admin(), factories.staff(), factories.staff()
    login_as(admin)
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
    assert client.post(f"/admin/users/{other.id}/active", data={"active": "0"}).status_code == 302
    log_event("auth.login_failed", data={"user_id": None, "reason": "credentials"},
              personal={"email": user.email.upper()}, about=None)  # typed by someone, before any account matched
    db.session.commit()
    page = client.get("/admin/audit?action=user.deactivated").get_data(as_text=True)
    assert f"Account {user.email} deactivated" in page and f"Account {other.email} deactivated" in page

    assert erase_personal_values(user_id=user.id, email=user.email) == 2
    db.session.commit()
    assert problems() == []
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0 and "0 problem(s)" in result.output, result.output
    assert personal_of(entry_of("auth.login_failed")) == {"email": None}
    erased = db.session.scalars(sa.select(AuditPersonalValue).where(AuditPersonalValue.value.is_(None))).all()
    assert all(v.erased_at is not None for v in erased)
    page = client.get("/admin/audit?action=user.deactivated").get_data(as_text=True)
    assert "Account (erased) deactivated" in page and f"Account {other.email} deactivated" in page
    assert user.email not in page
    assert "Failed sign-in for (erased)" in client.get("/admin/audit?action=auth.").get_data(as_text=True)
    assert erase_personal_values() == 0  # nobody named: nothing erased


def test_verify_finds_a_personal_value_that_was_changed(app, factories):
    user = factories.staff()
    log_event("user.deactivated", actor=factories.admin(), obj=user, personal={"email": user.email})
    db.session.commit()
    entry = entry_of("user.deactivated")
    db.session.execute(sa.update(AuditPersonalValue).where(AuditPersonalValue.entry_id == entry.id)
                       .values(value="someone.else@example.com"))
    db.session.commit()
    assert problems() == []  # the chain itself is intact: only the value moved away from its hash
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"PERSONAL: personal value 'email' of entry #{entry.id} does not match its keyed hash" in result.output
    assert "1 problem(s)" in result.output


def test_summaries_render_in_the_readers_language(client, factories, login_as):
    admin, user = factories.admin(), factories.staff()
    login_as(admin)
    assert client.post(f"/admin/users/{user.id}/active", data={"active": "0"}).status_code == 302
    log_event("test.unknown", actor=admin, obj=user)
    db.session.commit()
    english = client.get("/admin/audit").get_data(as_text=True)
    korean = client.get("/admin/audit", headers={"Accept-Language": "ko"}).get_data(as_text=True)
    assert f"Account {user.email} deactivated" in english
    assert f"계정 {user.email} 비활성화" in korean
    assert f"test.unknown on users {user.id}" in english  # an action without a template still reads
    assert f"test.unknown (users {user.id})" in korean


def test_a_deleted_personal_value_is_caught_where_an_erased_one_is_not(app, factories):
    user = factories.staff(name="Park Jiwoo")
    log_event("user.profile_updated", actor=user, obj=user, personal={"name": user.name})
    db.session.commit()
    entry = entry_of("user.profile_updated")
    erase_personal_values(user_id=user.id)
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output  # erased: the row stays, its value is gone
    db.session.execute(sa.delete(AuditPersonalValue).where(AuditPersonalValue.entry_id == entry.id))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 1
    assert f"personal value 'name' of entry #{entry.id} was deleted" in result.output


def test_the_case_list_export_chains_only_the_filters_it_accepted(app, client, factories, login_as):
    login_as(factories.manager())
    response = client.get("/cases/export.csv?stage=intake&q=Kim+Minji&applicant=kim.minji@example.kr&phone=010-1234")
    response.close()  # the streamed rows are not read: its request's context ends now, not when collected
    assert response.status_code == 200
    entry = entry_of("case.exported")
    chained = canonical({name: getattr(entry, name) for name in CHAINED_FIELDS}, entry.prev_hash).decode()
    assert entry.data["filters"] == {"stage": "intake"}
    for personal in ("Kim", "kim.minji", "010-1234"):
        assert personal not in chained
    assert personal_of(entry)["search"] == "Kim Minji"


def test_codes_in_a_summary_read_as_words_in_the_readers_language(app, client, make_client, factories, login,
                                                                  login_as):
    from tests.factories import make_case

    case = make_case("intake")
    staff = make_client()
    assert login(staff, factories.manager()).status_code == 302
    assert staff.post(f"/cases/{case.id}/move", data={"transition": "accept", "version": case.version}
                      ).status_code == 302
    login_as(factories.admin())
    korean = client.get("/admin/audit?action=case.stage_changed", headers={"Accept-Language": "ko"}).get_data(
        as_text=True)
    english = client.get("/admin/audit?action=case.stage_changed", headers={"Accept-Language": "en"}).get_data(
        as_text=True)
    assert "접수 → 증거 수집" in korean and "intake" not in korean.split("<tbody>")[-1]
    assert "Intake → Evidence collection (Accept and start collecting evidence)" in english


def test_a_korean_summary_chooses_its_particles_by_the_values(app, factories):
    """`사건 CN-2026-00043을 거점 th로 이관`, never `을(를)` or `(으)로`: the case reference and hub code decide."""
    from flask_babel import force_locale

    from ipdesk.audit.summaries import summary
    from tests.factories import make_case

    case = make_case("intake", country="TH", reference="TH-2026-00043")
    log_event("case.transferred", obj=case, data={"hub": "th"})
    db.session.commit()
    with app.test_request_context("/"), force_locale("ko"):
        assert summary(entry_of("case.transferred")) == "사건 TH-2026-00043을 거점 th로 이관"
