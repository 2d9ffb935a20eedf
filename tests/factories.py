"""factory_boy factories for the models, committing through the app's session."""
from datetime import date
from itertools import count

import factory
from factory.alchemy import SQLAlchemyModelFactory

from ipdesk.auth.models import Role, User
from ipdesk.auth.passwords import hash_password
from ipdesk.companies.models import Company, CompanySector, CompanySize, CompanyStatus, Sector
from ipdesk.companies.registration_number import check_digit
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from tests.conftest import PASSWORD

_PASSWORD_HASH = hash_password(PASSWORD)
_CASE_NUMBERS = count(1)  # hashing is deliberately slow; do it once


class Base(SQLAlchemyModelFactory):
    class Meta:
        abstract = True
        sqlalchemy_session_factory = lambda: db.session  # noqa: E731
        sqlalchemy_session_persistence = "commit"


def registration_number(n: int) -> str:
    first_nine = f"{100000000 + n * 7919 % 899999999:09d}"
    return first_nine + str(check_digit(first_nine))


class CompanyFactory(Base):
    class Meta:
        model = Company

    name_ko = factory.Sequence(lambda n: f"테스트기업{n}")
    name_en = factory.Sequence(lambda n: f"Test Company {n}")
    registration_number = factory.Sequence(registration_number)
    size = CompanySize.sme
    status = CompanyStatus.approved
    approved_at = factory.LazyFunction(utcnow)
    sector_rows = factory.LazyFunction(lambda: [CompanySector(sector=Sector.beauty)])

    class Params:
        pending = factory.Trait(status=CompanyStatus.pending, approved_at=None)


class UserFactory(Base):
    class Meta:
        model = User

    email = factory.Sequence(lambda n: f"user{n}@ipdesk.example")
    name = factory.Sequence(lambda n: f"User {n}")
    password_hash = _PASSWORD_HASH
    role = Role.staff
    is_active = True


class ExporterFactory(UserFactory):
    role = Role.exporter
    company = factory.SubFactory(CompanyFactory)
    privacy_consent_at = factory.LazyFunction(utcnow)
    privacy_policy_version = "test"


def staff(hub_codes=("cn-north",), **kwargs) -> User:
    from ipdesk.network.models import Hub

    hubs = [db.session.scalar(db.select(Hub).where(Hub.code == code)) for code in hub_codes]
    return UserFactory(role=Role.staff, hubs=hubs, **kwargs)


def manager(**kwargs) -> User:
    return UserFactory(role=Role.manager, **kwargs)


def admin(**kwargs) -> User:
    return UserFactory(role=Role.admin, **kwargs)


def exporter(**kwargs) -> User:
    return ExporterFactory(**kwargs)


def make_case(stage="intake", company=None, country="CN", author=None, closed_from=None, **fields):
    """Create a case directly in ``stage`` (as the services would have left it)."""
    from ipdesk.cases.models import Case, DisputeType, IPRight, Outcome, Stage, Urgency
    from ipdesk.network.models import Country

    stage = Stage[stage] if isinstance(stage, str) else stage
    company = company or CompanyFactory()
    author = author or ExporterFactory(company=company)
    country_row = db.session.get(Country, country)
    now = utcnow()
    n = next(_CASE_NUMBERS)
    values = dict(
        company=company, country_code=country, hub_id=country_row.primary_hub_id, created_by_id=author.id,
        filed_on_behalf=author.role is not Role.exporter, title=f"Counterfeit serum {n}", sector=Sector.beauty,
        ip_right=IPRight.trademark, dispute_type=DisputeType.counterfeit, found_where="Tmall, shop 12345",
        infringer_name="上海美妆贸易有限公司", infringer_shop_id=f"seller-{n}", registration_numbers="TM 12345678",
        urgency=Urgency.normal, description="Fake serum with our logo.", first_noticed_on=date(2026, 10, 1),
        stage=stage,
    )
    if stage is not Stage.draft:
        values.update(reference=f"{country}-2026-{90000 + n:05d}", submitted_at=now)
    if stage is Stage.closed:
        values.update(outcome=Outcome.settled, closed_at=now, closing_note="Settled.",
                      closed_from=Stage[closed_from] if isinstance(closed_from, str) else (closed_from or Stage.action))
    values.update(fields)
    case = Case(**values)
    db.session.add(case)
    db.session.commit()
    return case


def make_enquiry(company=None, country="CN", *, question="Can we stop a seller copying our serum's packaging?",
                 **fields):
    """An enquiry taken by phone, as ``record_enquiry`` would have left it (not answered unless ``answer``)."""
    from ipdesk.enquiries.models import Channel, Enquiry, EnquiryStatus, Topic
    from ipdesk.network.models import Country

    values = dict(channel=Channel.phone, company=company, company_name="" if company else "미등록뷰티",
                  contact_name="김민지", contact_email="minji@example.com", country_code=country,
                  hub_id=db.session.get(Country, country).primary_hub_id, topic=Topic.prevention, question=question)
    if fields.get("answer"):
        values.update(status=EnquiryStatus.answered, answered_at=utcnow())
    values.update(fields)
    enquiry = Enquiry(**values)
    db.session.add(enquiry)
    db.session.commit()
    return enquiry


def make_evidence_file(case, uploader, content: bytes = b"evidence text\n", *, name="note.txt",
                       content_type="text/plain"):
    """A real stored file on the case, as an upload would have left it."""
    import io

    from ipdesk.evidence.models import EvidenceFile, EvidenceItem, EvidenceKind
    from ipdesk.evidence.storage import get_storage

    stored = get_storage().put(io.BytesIO(content))
    item = EvidenceItem(case_id=case.id, kind=EvidenceKind.document, description="note", created_by_id=uploader.id)
    db.session.add(item)
    db.session.flush()
    file = EvidenceFile(item_id=item.id, case_id=case.id, storage_key=stored.key, original_name=name,
                        content_type=content_type, size=stored.size, sha256=stored.sha256,
                        uploaded_by_id=uploader.id)
    db.session.add(file)
    db.session.commit()
    return file


def reason_id(code: str = "missing_proof_of_rights") -> str:
    """The id of a shipped refusal reason (``running_app`` loads them), as a form posts it."""
    import sqlalchemy as sa

    from ipdesk.refusals.models import RefusalReason

    return str(db.session.scalar(sa.select(RefusalReason.id).where(RefusalReason.code == code)))
