"""Demo squatting alerts for `make run`: a watch service's file imported by the manager, its alerts waiting on the
demo companies' home pages for a click that asks the centre to oppose; loading twice adds nothing."""
import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from flask_babel import force_locale

from ipdesk.alerts.fileformat import COLUMNS, read_alert_file
from ipdesk.alerts.models import SquattingAlert
from ipdesk.alerts.services import confirm_import, start_import
from ipdesk.auth.models import User
from ipdesk.core.db import utcnow
from ipdesk.demo import DEMO_COMPANIES, demo_registration_number
from ipdesk.extensions import db

# company index (DEMO_COMPANIES), office, country, application number, mark, applicant, classes, days since
# publication
DEMO_ALERTS = [
    (0, "CN", "", "78451236", "AREUM", "广州雅琳贸易有限公司", "3", 20),
    (0, "VN", "", "4-2026-31245", "AREUM BEAUTY", "Công ty TNHH Mỹ phẩm Sài Gòn", "3, 35", 40),
    (0, "TH", "", "260145512", "อารึม AREUM", "บริษัท สยามบิวตี้ จำกัด", "3", 12),
    (0, "EU", "DE", "019234567", "AREUM SKIN", "Beauty Import GmbH", "3", 30),
    (1, "US", "", "98765432", "HANSOL KITCHEN", "Hansol Foods LLC", "29 30", 6),
]


def demo_alert_file(today) -> bytes:
    """The watch service's file: the format's English columns, one row per demo alert."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow([column.english for column in COLUMNS])
    for index, office, country, number, mark, applicant, classes, days in DEMO_ALERTS:
        published = today - timedelta(days=days)
        writer.writerow([office, country, number, mark, applicant, classes,
                         (published - timedelta(days=200)).isoformat(), published.isoformat(),
                         demo_registration_number(DEMO_COMPANIES[index][0]), "", "KIPO overseas watch"])
    return buffer.getvalue().encode("utf-8")


def load_demo_alerts() -> int:
    if db.session.scalar(sa.select(SquattingAlert.id).limit(1)) is not None:
        return 0
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@ipdesk.example"))
    if manager is None:
        return 0
    today = utcnow().date()
    data = demo_alert_file(today)
    with force_locale("ko"):  # the drafts' text in the language of the manager who imports the file
        alert_import = start_import(read_alert_file(io.BytesIO(data)), data, "kipo-watch-demo.csv", manager)
        made = confirm_import(alert_import, manager, today, tell=False)  # seed data are nobody's news
    return made
