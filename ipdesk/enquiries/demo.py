"""Synthetic enquiries for demos and the bench: questions of registered and unregistered exporters about the
network's countries, by every channel, most answered by the staff of the country's hub, some with a follow-up, a
few that became one of the company's cases. Written in bulk and indexed for search batch by batch."""
import random
from datetime import timedelta

import sqlalchemy as sa
from babel import Locale

from ipdesk.auth.models import Role, User
from ipdesk.cases.models import Case, DisputeType, IPRight
from ipdesk.companies.models import Company, CompanyStatus
from ipdesk.core.db import bulk_insert, new_ids, utcnow
from ipdesk.enquiries.models import Channel, Enquiry, EnquiryStatus, Topic
from ipdesk.extensions import db
from ipdesk.network.models import Country, staff_hubs
from ipdesk.search import index as search_index

BATCH = 5000
CHANNELS = {Channel.phone: 35, Channel.email: 25, Channel.web: 15, Channel.trade_office: 10, Channel.visit: 8,
            Channel.trade_show: 7}
TOPICS = {Topic.dispute: 50, Topic.prevention: 35, Topic.general: 15}
PRODUCTS = {"ko": ["세럼", "고추장", "웹툰", "핸드백", "무선 이어폰", "쿠션 팩트", "라면"],
            "en": ["serum", "gochujang", "webtoon", "handbag", "earbuds", "cushion compact", "instant noodles"]}
QUESTIONS = {
    Topic.dispute: {
        "ko": ["{country}에서 저희 {product} 위조품이 온라인에서 팔리고 있습니다. 어떻게 대응해야 하나요?",
               "현지 업체가 저희 상표를 {country}에 먼저 출원했습니다. 이의신청이 가능한가요?",
               "{country} 박람회에서 저희 {product} 디자인을 베낀 제품을 봤습니다. 증거는 어떻게 모으나요?"],
        "en": ["Fake {product} with our brand is sold online in {country}. What can we do?",
               "A local company filed our trademark in {country} first. Can we oppose it?",
               "We saw a copy of our {product} design at a trade show in {country}. How do we collect evidence?"],
    },
    Topic.prevention: {
        "ko": ["{country} 수출 전에 상표를 어디에 어떻게 등록해야 하나요?",
               "{country}에서 {product} 포장 디자인을 보호받으려면 무엇이 필요한가요?",
               "{country} 세관에 저희 상표를 등록할 수 있나요?"],
        "en": ["Where and how should we register our trademark before exporting to {country}?",
               "What do we need to protect our {product} packaging design in {country}?",
               "Can we record our trademark with customs in {country}?"],
    },
    Topic.general: {
        "ko": ["{country} 현지 대리인 비용은 보통 얼마인가요?", "해외지식재산센터 지원 사업의 신청 자격이 궁금합니다."],
        "en": ["What does local counsel usually cost in {country}?",
               "Who is eligible for the overseas IP centres' support programme?"],
    },
}
ANSWERS = {
    "ko": ["먼저 구매 증빙과 판매 페이지 캡처를 확보하시고, 현지 상표 등록 여부를 확인해 주세요. "
           "센터에서 다음 단계를 안내하겠습니다.",
           "출원 공고일로부터 이의신청 기간이 정해져 있습니다. 공고 자료를 보내 주시면 기한을 확인해 드립니다.",
           "수출 전에 현지 상표 출원을 권합니다. 마드리드 국제출원도 검토해 보세요."],
    "en": ["First keep proof of purchase and captures of the listing, and check whether your mark is registered "
           "there. The centre will guide you through the next steps.",
           "Opposition runs for a fixed period from publication. Send us the publication and we will check the "
           "deadline.",
           "Register your trademark locally before exporting; consider a Madrid international application too."],
}
GIVEN_NAMES = ["김민지", "이서준", "박하늘", "최유나", "정도윤", "Kim Jiwoo", "Lee Hana", "Park Minho"]
UNREGISTERED = ["{stem}뷰티", "{stem}식품", "{stem}콘텐츠", "{stem} Trading", "{stem} Foods"]
STEMS = ["하늘", "바다", "솔", "별", "나래", "Sora", "Bada", "Nara"]


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def generate_enquiries(target: int, *, seed: int = 2026, echo=print) -> int:
    """Add enquiries until there are ``target`` in all; returns how many were added."""
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Enquiry))
    wanted = target - existing
    if wanted <= 0:
        return 0
    rng = random.Random(seed + existing)
    countries = dict(db.session.execute(sa.select(Country.code, Country.primary_hub_id).where(Country.is_active)).all())
    weights = dict(db.session.execute(sa.select(Case.country_code, sa.func.count()).group_by(Case.country_code)).all())
    country_weights = {code: weights.get(code, 0) + 5 for code in countries}  # the markets with cases ask most
    companies = db.session.scalars(sa.select(Company.id).where(Company.status == CompanyStatus.approved)
                                   .order_by(Company.id).limit(5000)).all()
    staff: dict[int, list[int]] = {}
    for user_id, hub_id in db.session.execute(
            sa.select(staff_hubs.c.user_id, staff_hubs.c.hub_id).join(User, User.id == staff_hubs.c.user_id)
            .where(User.role == Role.staff)):
        staff.setdefault(hub_id, []).append(user_id)
    # a few become a case of theirs: the cases are taken once each, the enquiry made a week before the case
    taken = set(db.session.scalars(sa.select(Enquiry.case_id).where(Enquiry.case_id.is_not(None))))
    candidates = [row for row in db.session.execute(
        sa.select(Case.id, Case.company_id, Case.country_code, Case.hub_id, Case.submitted_at)
        .where(Case.submitted_at.is_not(None)).order_by(Case.id.desc()).limit(max(50, wanted // 20)))
        if row.id not in taken]
    rng.shuffle(candidates)
    now = utcnow()
    added = 0
    while added < wanted:
        size = min(BATCH, wanted - added)
        ids = new_ids(db.session, Enquiry, size)
        rows = [{**_row(rng, countries, country_weights, companies, staff, candidates, now), "id": enquiry_id}
                for enquiry_id in ids]
        bulk_insert(db.session, Enquiry, rows)
        search_index.index_new(db.session.connection(), search_index.KINDS["enquiry"], ids)
        added += size
        db.session.commit()
        echo(f"  {existing + added:,} enquiries")
    return added


def _row(rng, countries, country_weights, companies, staff, candidates, now) -> dict:
    language = "ko" if rng.random() < 0.8 else "en"
    converted = candidates.pop() if candidates and rng.random() < 0.03 else None
    if converted is not None:
        country, hub_id, company_id = converted.country_code, converted.hub_id, converted.company_id
        created = converted.submitted_at - timedelta(days=rng.randint(1, 14))
        topic = Topic.dispute
    else:
        country = _weighted(rng, country_weights)
        hub_id = countries[country]
        company_id = rng.choice(companies) if companies and rng.random() < 0.6 else None
        created = now - timedelta(minutes=rng.randrange(2 * 365 * 24 * 60))
        topic = _weighted(rng, TOPICS)
    name = Locale.parse(language).territories.get(country, country)  # as the asker would write it
    question = rng.choice(QUESTIONS[topic][language]).format(country=name, product=rng.choice(PRODUCTS[language]))
    row = {"channel": _weighted(rng, CHANNELS), "company_id": company_id,
           "company_name": "" if company_id else rng.choice(UNREGISTERED).format(stem=rng.choice(STEMS)),
           "contact_name": rng.choice(GIVEN_NAMES), "contact_email": f"asker{rng.randrange(10**6)}@example.com",
           "contact_phone": f"+82 2 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}", "language": language,
           "country_code": country, "hub_id": hub_id, "topic": topic, "question": question, "created_at": created,
           "updated_at": created, "ip_right": None, "dispute_type": None, "status": EnquiryStatus.open, "answer": "",
           "case_id": converted.id if converted is not None else None}
    if topic is Topic.dispute:
        row["ip_right"] = rng.choice(list(IPRight))
        row["dispute_type"] = rng.choice([d for d in DisputeType if d is not DisputeType.claim_against])
    handlers = staff.get(hub_id)
    if rng.random() < 0.85 or converted is not None:
        answered = min(now, created + timedelta(hours=rng.randint(1, 72)))
        row.update(status=EnquiryStatus.answered, answer=rng.choice(ANSWERS[language]), answered_at=answered,
                   minutes_spent=rng.choice([5, 10, 15, 20, 30, 45, 60, 90]), updated_at=answered,
                   handled_by_id=rng.choice(handlers) if handlers else None)
        if rng.random() < 0.15:
            row["follow_up_on"] = (answered + timedelta(days=rng.randint(14, 60))).date()
            if row["follow_up_on"] < now.date() and rng.random() < 0.7:
                row["followed_up_at"] = min(now, answered + timedelta(days=rng.randint(14, 60)))
    return row
