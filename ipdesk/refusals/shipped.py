"""The shipped list of refusal reasons (added when missing, never overwritten: admins edit them)."""
import sqlalchemy as sa

from ipdesk.extensions import db
from ipdesk.refusals.models import RefusalReason, RefusalScope

SHIPPED_REASONS = [
    # scope, code, label (en, ko)
    (RefusalScope.case, "missing_proof_of_rights", "Missing proof of rights", "권리 증빙 자료 누락"),
    (RefusalScope.case, "insufficient_evidence", "Insufficient evidence of the infringement", "침해 증거 불충분"),
    (RefusalScope.case, "outside_scope", "Outside the programme's scope", "지원 사업 대상 아님"),
    (RefusalScope.case, "not_registered_there", "No registration of the right in the country",
     "해당 국가에 권리 미등록"),
    (RefusalScope.case, "duplicate_case", "Duplicate of another case", "다른 사건과 중복"),
    (RefusalScope.case, "incomplete_intake", "Intake details incomplete or unclear", "접수 내용 불충분 또는 불명확"),
    (RefusalScope.company, "registration_number_unverifiable", "Business registration number could not be verified",
     "사업자등록번호 확인 불가"),
    (RefusalScope.company, "not_korean_exporter", "Not a Korean exporting company", "국내 수출 기업이 아님"),
    (RefusalScope.company, "duplicate_account", "Duplicate of an existing account", "기존 계정과 중복"),
    (RefusalScope.company, "details_inconsistent", "Company details inconsistent or false",
     "기업 정보 불일치 또는 허위"),
]


def load_shipped_reasons() -> int:
    """Add the shipped reasons whose code is missing; how many were added."""
    existing = set(db.session.scalars(sa.select(RefusalReason.code)))
    added = 0
    for scope, code, label_en, label_ko in SHIPPED_REASONS:
        if code not in existing:
            db.session.add(RefusalReason(scope=scope, code=code, label_en=label_en, label_ko=label_ko))
            added += 1
    db.session.flush()
    return added
