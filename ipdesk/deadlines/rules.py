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
    # jurisdiction, procedure (en, ko), trigger (en, ko), months, days, source (en, ko)
    ("CN", "Trademark opposition", "상표 이의신청", "publication", "공고일", 3, 0,
     "PRC Trademark Law, Art. 33 (3 months from preliminary approval publication)",
     "중국 상표법 제33조 (초보심사 공고일로부터 3개월)"),
    ("EU", "Trademark opposition", "상표 이의신청", "publication", "공고일", 3, 0,
     "EU Trade Mark Regulation 2017/1001, Art. 46(1) (3 months from publication)",
     "EU 상표규정 2017/1001 제46조 제1항 (공고일로부터 3개월)"),
    ("JP", "Trademark opposition", "상표 이의신청", "publication", "공보 발행일", 2, 0,
     "Japan Trademark Act, Art. 43-2 (2 months from the gazette publication)",
     "일본 상표법 제43조의2 (상표공보 발행일로부터 2개월)"),
    ("US", "Trademark opposition", "상표 이의신청", "publication", "공고일", 0, 30,
     "15 U.S.C. § 1063(a); 37 C.F.R. § 2.102 (30 days from publication, extendable)",
     "미국 연방법전 제15편 제1063조(a); 연방규정집 제37편 제2.102조 (공고일로부터 30일, 연장 가능)"),
]


def load_shipped_rules() -> int:
    existing = {(r.jurisdiction, r.procedure_en) for r in db.session.scalars(sa.select(DeadlineRule))}
    added = 0
    for jurisdiction, proc_en, proc_ko, trig_en, trig_ko, months, days, source_en, source_ko in SHIPPED_RULES:
        if (jurisdiction, proc_en) not in existing:
            db.session.add(DeadlineRule(jurisdiction=jurisdiction, procedure_en=proc_en, procedure_ko=proc_ko,
                                        trigger_en=trig_en, trigger_ko=trig_ko, months=months, days=days,
                                        source_en=source_en, source_ko=source_ko))
            added += 1
    db.session.flush()
    return added

