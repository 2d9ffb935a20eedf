"""Demo registers of rights for `make run`: the demo companies' trademarks at home and abroad, relied on by some of
their cases, and one warning the centre set aside; loading twice adds nothing."""
from datetime import date, timedelta

import sqlalchemy as sa

from ipdesk.auth.models import User
from ipdesk.cases.models import Case, IPRight, Stage
from ipdesk.companies.models import Company
from ipdesk.core.db import utcnow
from ipdesk.demo import DEMO_COMPANIES, demo_registration_number
from ipdesk.extensions import db
from ipdesk.rights.models import CaseRight, CompanyRight, EnforceabilityDismissal, RightKind, RightStatus

# company index (DEMO_COMPANIES), kind, office, number, mark, classes, designations, filed, registered, years
# in force from registration (None: pending), status
DEMO_RIGHTS = [
    (0, RightKind.trademark, "KR", "40-1402118", "AREUM 아름", [3], [], date(2017, 3, 2), date(2018, 5, 14), 10,
     RightStatus.registered),
    (0, RightKind.trademark, "CN", "27311045", "AREUM 雅琳", [3], [], date(2017, 11, 20), date(2019, 2, 7), 10,
     RightStatus.registered),
    (0, RightKind.trademark, "WO", "1456789", "AREUM", [3, 35], ["ID", "VN"], date(2018, 9, 3), date(2019, 1, 24),
     10, RightStatus.registered),
    (0, RightKind.trademark, "TH", "220118832", "AREUM อารึม", [3], [], date(2026, 4, 9), None, None,
     RightStatus.filed),
    (0, RightKind.design, "KR", "30-1098765", "Cushion compact case", [], [], date(2021, 6, 1), date(2022, 2, 10),
     20, RightStatus.registered),
    (1, RightKind.trademark, "KR", "40-1588201", "한솔 HANSOL", [29, 30], [], date(2019, 8, 12), date(2020, 7, 1), 10,
     RightStatus.registered),
    (1, RightKind.trademark, "US", "6123456", "HANSOL", [30], [], date(2019, 9, 30), date(2021, 1, 19), 10,
     RightStatus.registered),
]
DISMISSAL = ("pending", "태국 출원이 곧 등록될 예정이며, 그 전에는 한국 등록과 국제등록을 근거로 "
                        "플랫폼 신고를 진행합니다.")


def _expiry(registered: date | None, years: int | None) -> date | None:
    if registered is None or years is None:
        return None
    try:
        return registered.replace(year=registered.year + years)
    except ValueError:  # 29 February
        return registered.replace(year=registered.year + years, day=28)


def load_demo_rights() -> int:
    """The demo companies' rights, each case of theirs in a country a right protects in relying on it; a Thai case
    relying on a pending application has its warning set aside by the manager."""
    numbers = [demo_registration_number(first_nine) for first_nine, *_ in DEMO_COMPANIES]
    companies = {company.registration_number: company
                 for company in db.session.scalars(sa.select(Company).where(Company.registration_number.in_(numbers)))}
    if len(companies) < 2 or db.session.scalar(sa.select(CompanyRight.id).limit(1)) is not None:
        return 0
    author = db.session.scalar(sa.select(User).where(User.email == "exporter@ipdesk.example"))
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@ipdesk.example"))
    if author is None or manager is None:
        return 0
    rights = []
    for index, kind, office, number, mark, classes, designations, filed, registered, years, status in DEMO_RIGHTS:
        company = companies.get(numbers[index])
        if company is None:
            continue
        right = CompanyRight(company_id=company.id, kind=kind, office=office, number=number, mark_text=mark,
                             nice_classes=classes, designations=designations, filing_date=filed,
                             registration_date=registered, expiry_date=_expiry(registered, years), status=status,
                             created_by_id=author.id)
        db.session.add(right)
        rights.append(right)
    db.session.flush()
    for right in rights:
        countries = right.designations or [right.office]
        cases = db.session.scalars(sa.select(Case.id).where(
            Case.company_id == right.company_id, Case.country_code.in_(countries),
            Case.ip_right == (IPRight.trademark if right.kind is RightKind.trademark else IPRight.design))
            .order_by(Case.id).limit(5)).all()
        db.session.add_all(CaseRight(case_id=case_id, right_id=right.id) for case_id in cases)
        if right.status is RightStatus.filed and cases:
            case = db.session.get(Case, cases[0])
            if case.stage is not Stage.draft:
                code, reason = DISMISSAL
                db.session.add(EnforceabilityDismissal(case_id=case.id, code=code, reason=reason,
                                                       dismissed_by_id=manager.id,
                                                       dismissed_at=utcnow() - timedelta(days=2)))
    db.session.flush()
    return len(rights)
