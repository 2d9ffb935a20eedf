"""Demo accounts, companies and infringer records for `make run`; loading twice adds nothing."""
import os

import sqlalchemy as sa

from ipdesk.auth.models import Role, User
from ipdesk.auth.passwords import hash_password
from ipdesk.auth.twofactor import encrypt_secret
from ipdesk.cases.models import Case, Stage
from ipdesk.companies.models import (
    Company,
    CompanyExportCountry,
    CompanySector,
    CompanySize,
    CompanyStatus,
    Sector,
)
from ipdesk.companies.registration_number import check_digit
from ipdesk.core.db import utcnow
from ipdesk.extensions import db
from ipdesk.infringers.models import Infringer
from ipdesk.infringers.services import create_infringer, link_case
from ipdesk.network.models import Hub
from ipdesk.network.services import active_country_codes

DEMO_COMPANIES = [
    # first nine digits of the registration number (the check digit is computed), names, size, sectors,
    # status, the countries it exports to
    ("101810001", "아름코스메틱", "Areum Cosmetics", CompanySize.sme, [Sector.beauty], CompanyStatus.approved,
     ["CN", "TH", "VN"]),
    ("201810002", "한솔푸드", "Hansol Foods", CompanySize.midsize, [Sector.food], CompanyStatus.approved, ["CN", "US"]),
    ("301810003", "별빛엔터테인먼트", "Byeolbit Entertainment", CompanySize.sme, [Sector.content],
     CompanyStatus.pending, ["TH", "JP"]),
]

# email, name, role, company index or hub codes
DEMO_USERS = [
    ("admin@ipdesk.example", "김관리 (Admin Kim)", Role.admin, None, []),
    ("manager@ipdesk.example", "이본부 (Manager Lee)", Role.manager, None, []),
    ("staff.china@ipdesk.example", "박중국 (Staff Park, China)", Role.staff, None, ["cn-north", "cn-south"]),
    ("staff.thailand@ipdesk.example", "최태국 (Staff Choi, Thailand)", Role.staff, None, ["th"]),
    ("exporter@ipdesk.example", "정수출 (Exporter Jung)", Role.exporter, 0, []),
    ("exporter.food@ipdesk.example", "한식품 (Exporter Han)", Role.exporter, 1, []),
    ("pending@ipdesk.example", "윤대기 (Pending Yoon)", Role.exporter, 2, []),
]


# Managers and admins sign in with a second step; the demo ones share this authenticator key
# (DEMO_TOTP_SECRET overrides it), which `flask seed-demo` prints and `flask demo-code` turns into a code.
DEMO_TOTP_SECRET_DEFAULT = "IPDESKDEMOTWOFACTORKEYFORMAKERUN"


def demo_totp_secret() -> str:
    return os.environ.get("DEMO_TOTP_SECRET") or DEMO_TOTP_SECRET_DEFAULT


def demo_registration_number(first_nine: str) -> str:
    return first_nine + str(check_digit(first_nine))


def load_demo_data(password: str) -> dict[str, int]:
    """Add the demo companies and users that are missing."""
    added = {"companies": 0, "users": 0}
    now = utcnow()
    companies = []
    active = set(active_country_codes())
    for first_nine, name_ko, name_en, size, sectors, status, countries in DEMO_COMPANIES:
        number = demo_registration_number(first_nine)
        company = db.session.scalar(sa.select(Company).where(Company.registration_number == number))
        if company is None:
            company = Company(
                name_ko=name_ko, name_en=name_en, registration_number=number, size=size, status=status,
                approved_at=now if status is CompanyStatus.approved else None,
                sector_rows=[CompanySector(sector=s) for s in sectors],
                export_country_rows=[CompanyExportCountry(country_code=c) for c in countries if c in active],
            )
            db.session.add(company)
            added["companies"] += 1
        companies.append(company)
    hubs = {h.code: h for h in db.session.scalars(sa.select(Hub))}
    password_hash = None
    for email, name, role, company_index, hub_codes in DEMO_USERS:
        if db.session.scalar(sa.select(User.id).where(User.email == email)) is not None:
            continue
        password_hash = password_hash or hash_password(password)
        user = User(
            email=email, name=name, role=role, password_hash=password_hash,
            company=companies[company_index] if company_index is not None else None,
            hubs=[hubs[c] for c in hub_codes if c in hubs],
            privacy_consent_at=now if role is Role.exporter else None,
            privacy_policy_version="demo" if role is Role.exporter else None,
        )
        if role in (Role.manager, Role.admin):
            user.totp_secret_encrypted, user.totp_enabled_at = encrypt_secret(demo_totp_secret()), now
        db.session.add(user)
        added["users"] += 1
    db.session.flush()
    return added


DEMO_INFRINGER = {
    "name": "Golden Dragon Beauty Trading", "aliases": "金龙美妆贸易有限公司\nร้านโกลเด้นดรากอน",
    "urls": "https://goldendragon.tmall.com\nhttps://shopee.co.th/goldendragon.th",
    "contacts": "WeChat: goldendragon88\n+86 138 0013 8000",
    "notes": "여러 온라인 마켓에서 한국 화장품과 식품의 위조품을 판매합니다.",  # staff notes: the centre writes Korean
}


def load_demo_infringers() -> int:
    """One seller in cases of two demo companies, and suggested on a third case (needs demo cases)."""
    if db.session.scalar(sa.select(Infringer.id).where(Infringer.name == DEMO_INFRINGER["name"])) is not None:
        return 0
    manager = db.session.scalar(sa.select(User).where(User.email == "manager@ipdesk.example"))
    numbers = [demo_registration_number(first_nine) for first_nine, *_ in DEMO_COMPANIES[:2]]
    companies = db.session.scalars(sa.select(Company.id).where(Company.registration_number.in_(numbers))).all()
    cases = [_demo_case(Case.company_id == company_id) for company_id in companies]
    if manager is None or len(companies) < 2 or None in cases:
        return 0
    # A case of another company that the record is not linked to: its page suggests the record.
    third = _demo_case(Case.company_id.not_in(companies))
    shop_ids = [c.infringer_shop_id for c in [*cases, third] if c is not None]
    infringer = create_infringer({**DEMO_INFRINGER, "shop_ids": "\n".join(shop_ids)}, manager)
    for case in cases:
        link_case(case, infringer, manager)
    return 1


def _demo_case(condition) -> Case | None:
    """A submitted case matching ``condition``, in China if there is one (the demo China officer sees it)."""
    return db.session.scalar(sa.select(Case).where(condition, Case.stage != Stage.draft, Case.infringer_shop_id != "")
                             .order_by((Case.country_code == "CN").desc(), Case.id).limit(1))
