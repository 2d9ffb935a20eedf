"""Computing due dates, and the shipped rules (added when missing, never overwritten)."""
import calendar
from datetime import date, timedelta

import sqlalchemy as sa

from ipdesk.deadlines.models import DeadlineRule
from ipdesk.extensions import db


def add_months(start: date, months: int) -> date:
    """``start`` plus calendar months; a day past the end of the shorter month clamps to its last day."""
    month_index = start.month - 1 + months
    year, month = start.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_date(trigger: date, months: int, days: int) -> date:
    """The due date counted from ``trigger``: calendar months first, then days."""
    return add_months(trigger, months) + timedelta(days=days)


SHIPPED_RULES = [
    # jurisdiction, procedure (en, ko), trigger (en, ko), months, days, source
    ("CN", "Trademark opposition", "상표 이의신청", "publication", "공고일", 3, 0,
     "PRC Trademark Law, Art. 33 (3 months from preliminary approval publication)"),
    ("EU", "Trademark opposition", "상표 이의신청", "publication", "공고일", 3, 0,
     "EU Trade Mark Regulation 2017/1001, Art. 46(1) (3 months from publication)"),
    ("JP", "Trademark opposition", "상표 이의신청", "publication", "공보 발행일", 2, 0,
     "Japan Trademark Act, Art. 43-2 (2 months from the gazette publication)"),
    ("US", "Trademark opposition", "상표 이의신청", "publication", "공고일", 0, 30,
     "15 U.S.C. § 1063(a); 37 C.F.R. § 2.102 (30 days from publication, extendable)"),
]


def load_shipped_rules() -> int:
    existing = {(r.jurisdiction, r.procedure_en) for r in db.session.scalars(sa.select(DeadlineRule))}
    added = 0
    for jurisdiction, proc_en, proc_ko, trig_en, trig_ko, months, days, source in SHIPPED_RULES:
        if (jurisdiction, proc_en) not in existing:
            db.session.add(DeadlineRule(jurisdiction=jurisdiction, procedure_en=proc_en, procedure_ko=proc_ko,
                                        trigger_en=trig_en, trigger_ko=trig_ko, months=months, days=days,
                                        source=source))
            added += 1
    db.session.flush()
    return added

