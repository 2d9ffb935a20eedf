"""Renewals from the register: a registered right reminds its company's users before it expires and once in its
grace period, in each one's language, each reminder once however often the scheduler runs."""
from datetime import timedelta

import sqlalchemy as sa

from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from ipdesk.notify.models import Notification, NotificationKind
from ipdesk.rights.models import CompanyRight, RightKind, RightStatus
from tests.factories import CompanyFactory


def _right(company, number, expiry, status=RightStatus.registered):
    held = CompanyRight(company_id=company.id, kind=RightKind.trademark, office="CN", number=number,
                        mark_text="AREUM", nice_classes=[3], status=status, expiry_date=expiry,
                        registration_date=expiry - timedelta(days=3650) if status is RightStatus.registered else None,
                        created_by_id=1)
    db.session.add(held)
    db.session.commit()
    return held


def test_a_company_is_reminded_of_its_renewals_once_each(app, factories):
    exporter = factories.exporter(locale="en", timezone="UTC")
    colleague = factories.exporter(company=exporter.company, locale="ko", timezone="UTC")
    factories.staff(hub_codes=("cn-north",))  # staff keep no register: told nothing
    other = factories.exporter(company=CompanyFactory(), locale="en", timezone="UTC")
    today = utcnow().date()
    soon = _right(exporter.company, "27311045", today + timedelta(days=85))  # the 90-day reminder
    lapsed = _right(exporter.company, "27311046", today - timedelta(days=10))  # in its grace period
    _right(exporter.company, "27311047", today + timedelta(days=400))  # not yet
    _right(exporter.company, "27311048", today - timedelta(days=200))  # past its grace period
    _right(exporter.company, "27311049", today + timedelta(days=20), RightStatus.cancelled)  # not to be renewed
    theirs = _right(other.company, "5550001", today + timedelta(days=29))
    runner = app.test_cli_runner()
    first = runner.invoke(args=["notify", "due"])
    assert "5 renewal reminders" in first.output, first.output
    assert "0 renewal reminders" in runner.invoke(args=["notify", "due"]).output
    notes = db.session.scalars(sa.select(Notification).where(Notification.kind == NotificationKind.right_renewal)
                               .order_by(Notification.id)).all()
    assert {(n.user_id, n.link_path) for n in notes} == {
        (exporter.id, f"/rights/{soon.id}"), (colleague.id, f"/rights/{soon.id}"),
        (exporter.id, f"/rights/{lapsed.id}"), (colleague.id, f"/rights/{lapsed.id}"),
        (other.id, f"/rights/{theirs.id}")}
    mine = {n.link_path: n for n in notes if n.user_id == exporter.id}
    assert mine[f"/rights/{soon.id}"].subject == "27311045 is due for renewal"
    assert "expires in 85 days" in mine[f"/rights/{soon.id}"].body
    assert mine[f"/rights/{lapsed.id}"].subject == "27311046 expired: renew it in its grace period"
    assert "within six months" in mine[f"/rights/{lapsed.id}"].body
    korean = next(n for n in notes if n.user_id == colleague.id and n.link_path == f"/rights/{soon.id}")
    assert korean.language == "ko" and korean.subject == "27311045 갱신 기한이 다가옵니다"
