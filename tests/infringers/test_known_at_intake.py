"""Known infringers at intake: a new case whose seller id, web address or contact matches an infringer record
is flagged to its hub's staff on triage (the case page and the new-case notification); its exporter never
learns of the record or of the other companies' cases."""
import io

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from ipdesk.auth.models import User
from ipdesk.cases.models import Case
from ipdesk.extensions import db
from ipdesk.infringers.services import create_infringer
from ipdesk.notify.models import Notification, NotificationKind
from tests.cases.test_intake import FULL
from tests.factories import make_case

SELLER = "Golden Dragon Syndicate"
# what exporters must never see: the record, the other company's case, any word of a match
SECRETS = [SELLER, "Other company's secret case", "Known infringer", "known-infringer", "알려진 침해자",
           "matches these infringer records", "Infringer records"]


@pytest.fixture
def world(factories):
    """A record of a seller already in a case of another company, and a new company's exporter."""
    other = factories.exporter()
    earlier = make_case("action", company=other.company, author=other, country="TH",
                        title="Other company's secret case", infringer_shop_id="golden-dragon")
    officer_th = factories.staff(hub_codes=("th",))
    create_infringer({"name": SELLER, "shop_ids": "golden-dragon", "urls": "https://golden-dragon.example/shop",
                      "contacts": "WeChat: GoldenDragon88"}, officer_th, case=earlier)
    db.session.commit()
    return {
        "exporter": factories.exporter(locale="en"),
        "wang": factories.staff(hub_codes=("cn-north",), locale="en", email="wang@centre.example"),
        "li": factories.staff(hub_codes=("cn-north",), locale="ko", email="li@centre.example"),
    }


def _submit(client, secrets=SECRETS, **changes) -> Case:
    data = {**FULL, "country_code": "CN", "damages_currency": "CNY", "infringer_name": "金龙商贸",
            "infringer_urls": "", "infringer_contacts": "", "submit": "1", **changes}
    response = client.post("/cases/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    page = client.get(response.headers["Location"]).get_data(as_text=True)  # the exporter's flash and case page
    assert [s for s in secrets if s in page] == []
    return db.session.scalar(sa.select(Case).order_by(Case.id.desc()).limit(1))


def _notifications(kind: NotificationKind) -> dict[str, Notification]:
    db.session.expire_all()
    return {email: n for email, n in db.session.execute(
        sa.select(User.email, Notification).join(User, User.id == Notification.user_id)
        .where(Notification.kind == kind)).all()}


@pytest.mark.parametrize("changes", [
    {"infringer_shop_id": "Golden_Dragon"},  # the seller id, written another way
    {"infringer_shop_id": "", "infringer_urls": "https://www.golden-dragon.example/item/7"},  # the web address
    {"infringer_shop_id": "", "infringer_contacts": "wechat goldendragon88"},  # a contact
])
def test_staff_see_a_known_seller_on_triage_and_the_exporter_learns_nothing(client, login_as, world, changes):
    login_as(world["exporter"])
    case = _submit(client, **changes)
    receipt = _notifications(NotificationKind.case_received)
    assert receipt and all(not any(s in n.subject + n.body for s in SECRETS) for n in receipt.values())

    staff = _notifications(NotificationKind.new_case_at_hub)
    assert set(staff) == {"wang@centre.example", "li@centre.example"}
    wang, li = staff["wang@centre.example"].body, staff["li@centre.example"].body
    assert "Known infringer: the seller of this case matches these infringer records." in wang
    assert f"{SELLER}, in 1 case" in wang
    assert "알려진 침해자" in li and f"{SELLER}, 사건 1건" in li  # in her language

    pdf = client.get(f"/cases/{case.id}/case-file.pdf")
    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.data)).pages)
    assert case.reference in text and [s for s in SECRETS if s in text] == []

    client.post("/logout")
    login_as(world["wang"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    alert = page[page.index('id="known-infringer"'):]
    alert = alert[:alert.index("</div>")]
    assert SELLER in alert and "in 1 case" in alert


def test_a_name_alone_is_not_flagged(client, login_as, world):
    login_as(world["exporter"])
    case = _submit(client, secrets=SECRETS[1:], infringer_name=SELLER, infringer_shop_id="another-seller")
    staff = _notifications(NotificationKind.new_case_at_hub)
    assert staff and all("Known infringer" not in n.body and SELLER not in n.body for n in staff.values())
    client.post("/logout")
    login_as(world["wang"])
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert 'id="known-infringer"' not in page and "Name only" in page  # still suggested, in the records panel


def test_the_flag_costs_the_triage_page_no_query_per_record(client, login_as, world, factories, count_queries):
    login_as(world["exporter"])
    case_id = _submit(client, infringer_shop_id="golden-dragon").id
    client.post("/logout")
    login_as(world["wang"])

    def queries() -> int:
        db.session.expunge_all()
        with count_queries() as counter:
            assert 'id="known-infringer"' in client.get(f"/cases/{case_id}").get_data(as_text=True)
        return counter.count

    few = queries()
    officer = factories.staff(hub_codes=("th",))
    for n in range(4):
        create_infringer({"name": f"Dragon clone {n}", "shop_ids": "golden-dragon"}, officer,
                         case=make_case("evidence", country="TH", infringer_shop_id="golden-dragon"))
    db.session.commit()
    assert queries() == few
