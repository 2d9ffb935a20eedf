"""Synthetic cases for demos and benchmarks: any number, across the 40 countries, in every stage.

Volumes and shares follow NETWORK.md (China 42 %, Indonesia 18 %, Thailand 12 %, Vietnam 11 % of
squatting cases; 81.8 % of victims SMEs; cosmetics the largest sector). Rows are inserted in bulk,
but each case carries what the services would have left: a reference from the country's sequence,
its stage history with audit entries, the evidence and consultations its stage's guards require,
messages (and, after a return for information, the request itself), and closing data.
"""
import functools
import multiprocessing
import random
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor
from contextlib import nullcontext
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from babel.dates import get_timezone
from flask import current_app
from flask_babel import force_locale

from ipdesk.actions.models import ActionKind, ActionStatus, AdministrativeAction, Litigation, LitigationStatus
from ipdesk.audit.models import AuditEntry
from ipdesk.audit.services import insert_entries
from ipdesk.auth.models import Role, User
from ipdesk.auth.passwords import hash_password
from ipdesk.cases.models import (
    SUPPORT_STAGES,
    Case,
    CaseSequence,
    Consultation,
    DisputeType,
    IPRight,
    Message,
    Outcome,
    Route,
    Stage,
    StageChange,
    Urgency,
)
from ipdesk.companies.models import Company, CompanySector, CompanySize, CompanyStatus, Sector
from ipdesk.companies.registration_number import check_digit
from ipdesk.core.db import bulk_insert, indexes_set_aside, new_ids, utcnow
from ipdesk.costs.models import Cost, CostCategory, Payer
from ipdesk.deadlines.models import Deadline, DeadlineEnding, DeadlineSource
from ipdesk.evidence.models import EvidenceItem, EvidenceKind
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub, staff_hubs
from ipdesk.refusals.models import RefusalReason
from ipdesk.reports import tallies
from ipdesk.search import index as search_index
from ipdesk.search.models import SearchEntry

BATCH = 2000
# a load of at least this many cases, adding at least as many as there were, goes in as one transaction with the
# tables' secondary indexes built at its end (PostgreSQL, triggers off): see ``generate_cases``
SET_ASIDE_FROM = 50_000
MAJOR_SHARES = {"CN": 0.42, "ID": 0.18, "TH": 0.12, "VN": 0.11}  # NETWORK.md, squatting cases by country
SECTOR_WEIGHTS = {Sector.beauty: 30, Sector.food: 15, Sector.content: 15, Sector.fashion: 15,
                  Sector.electronics: 15, Sector.other: 10}
STAGE_WEIGHTS = {Stage.draft: 3, Stage.intake: 8, Stage.returned: 3, Stage.evidence: 15,
                 Stage.consultation: 10, Stage.action: 16, Stage.closed: 45}
# withdrawn last, its share as it always was: a seed withdraws the cases it withdrew before
CLOSING = [(Outcome.won, 12), (Outcome.settled, 18), (Outcome.takedown, 22), (Outcome.seized, 8), (Outcome.fined, 4),
           (Outcome.upheld, 6), (Outcome.lost, 6), (Outcome.no_action, 8), (Outcome.withdrawn, 8)]

KO_STEMS = ["아름", "한빛", "새봄", "다온", "은하", "푸른", "별빛", "라온", "가람", "해솔", "누리", "소담",
            "미르", "하람"]
EN_STEMS = ["Areum", "Hanbit", "Saebom", "Daon", "Eunha", "Pureun", "Byeolbit", "Raon", "Garam", "Haesol", "Nuri",
            "Sodam", "Mir", "Haram"]
SECTOR_NAMES = {Sector.beauty: ("코스메틱", "Cosmetics"), Sector.food: ("푸드", "Foods"),
                Sector.content: ("엔터테인먼트", "Entertainment"), Sector.fashion: ("패션", "Fashion"),
                Sector.electronics: ("전자", "Electronics"), Sector.other: ("프랜차이즈", "Franchise")}
PRODUCTS = {Sector.beauty: "serum", Sector.food: "gochujang", Sector.content: "webtoon",
            Sector.fashion: "handbag", Sector.electronics: "earbuds", Sector.other: "franchise brand"}
PRODUCTS_KO = {Sector.beauty: "세럼", Sector.food: "고추장", Sector.content: "웹툰", Sector.fashion: "핸드백",
               Sector.electronics: "무선 이어폰", Sector.other: "프랜차이즈 브랜드"}
# What people write on a synthetic case, in the language of its exporter (a quarter of the synthetic exporters
# read English): the exporter's title and description, and what the centre writes to them. Internal notes are
# the centre's own, in Korean; deadlines are kept in both languages, as ipdesk keeps the ones it makes.
TEXTS = {
    "en": {
        "title": "{dispute}: {product} ({code})", "market": "Local market", "shop": "{market} — shop {seller}",
        "description": "Copies of our {product} found on sale; packaging imitates our brand.",
        "return": "Please send proof of purchase and your registration certificate.",
        "reject": "Not an IP dispute within the programme's scope.",
        "withdraw": "Settled directly with the seller.",
        "close": "Closed after the platform removed the listings.",
        "evidence": "Listing of the copied {product} by {seller}", "collected_by": "IP centre",
        "lawyer": "Local counsel",
        "advice": "Send a cease-and-desist letter, then file a complaint with the platform or regulator.",
        "fee": "Local counsel's advice", "result": "Listings removed and stock seized.",
        "judgment": "Infringement found.", "received": "We have received your case and are reviewing it.",
    },
    "ko": {
        "title": "{dispute}: {product} ({code})", "market": "현지 시장", "shop": "{market} — 상점 {seller}",
        "description": "저희 {product}의 위조품이 판매되고 있으며, 포장이 저희 브랜드를 모방하고 있습니다.",
        "return": "구매 증빙과 상표 등록증을 보내 주세요.",
        "reject": "지원 사업 범위에 해당하는 지식재산 분쟁이 아닙니다.",
        "withdraw": "판매자와 직접 합의했습니다.",
        "close": "플랫폼이 판매 게시물을 삭제하여 종결합니다.",
        "evidence": "{seller}의 {product} 모조품 판매 게시물", "collected_by": "해외지식재산센터",
        "lawyer": "현지 변호사",
        "advice": "경고장을 보낸 뒤 플랫폼 또는 시장감독기관에 신고하세요.",
        "fee": "현지 대리인 자문", "result": "판매 게시물 삭제 및 재고 압수.",
        "judgment": "침해 인정.", "received": "사건을 접수하여 검토하고 있습니다.",
    },
}
INTERNAL_NOTE = "판매자가 다른 플랫폼에도 입점해 있습니다."
TASK = ("{kind}: file the reply to the authority", "{kind}: 기관에 답변서 제출")
# Infringers' names in the local script, so demos and PDFs show every script the network meets.
LOCAL_NAMES = {
    "CN": ["深圳市{n}美妆贸易有限公司", "广州{n}食品有限公司", "义乌{n}电子商行"],
    "HK": ["{n}貿易有限公司"], "TW": ["{n}國際貿易有限公司"], "MN": ["{n} Трейд ХХК"],
    "JP": ["株式会社{n}トレーディング"], "TH": ["ร้าน{n}บิวตี้", "บริษัท {n} เทรดดิ้ง จำกัด"],
    "VN": ["Công ty TNHH Thương mại {n}", "Cửa hàng Mỹ phẩm {n}"], "ID": ["Toko {n} Beauty", "PT {n} Sejahtera"],
    "MY": ["{n} Trading Sdn Bhd"], "PH": ["{n} Enterprises"], "SG": ["{n} Pte Ltd"],
    "AE": ["شركة {n} للتجارة"], "SA": ["مؤسسة {n} التجارية"], "EG": ["شركة {n} للاستيراد"],
    "IN": ["{n} ट्रेडर्स"], "BD": ["{n} Traders"], "TR": ["{n} Ticaret Ltd. Şti."],
}
NAME_SEEDS = ["Golden", "Lucky", "Star", "Jade", "Lotus", "Dragon", "Sun", "Ocean", "Phoenix", "Silver"]
MARKETPLACES = {"CN": "Tmall", "ID": "Tokopedia", "TH": "Shopee Thailand", "VN": "Shopee Vietnam", "JP": "Rakuten",
                "US": "Amazon.com", "MY": "Lazada Malaysia", "PH": "Lazada Philippines", "IN": "Flipkart"}
CURRENCIES = {"CN": "CNY", "ID": "IDR", "TH": "THB", "VN": "VND", "JP": "JPY", "US": "USD", "IN": "INR",
              "MY": "MYR", "PH": "PHP", "SG": "SGD", "HK": "HKD", "TW": "TWD", "MX": "MXN", "BR": "BRL",
              "GB": "GBP", "AU": "AUD", "CA": "CAD", "AE": "AED", "SA": "SAR", "TR": "TRY"}


@functools.cache
def _in(lang: str, member) -> str:
    """An enum member's title in ``lang`` (asked once per member: the seeding makes thousands of cases)."""
    with force_locale(lang):
        return member.title


def _weighted(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _country_weights(codes: list[str]) -> dict[str, float]:
    others = [c for c in codes if c not in MAJOR_SHARES]
    rest = 1 - sum(v for c, v in MAJOR_SHARES.items() if c in codes)
    return {**{c: v for c, v in MAJOR_SHARES.items() if c in codes}, **{c: rest / len(others) for c in others}}


# rows that hang off a case, inserted in this order (actions and costs after the case's consultations)
CHILD_MODELS = (StageChange, EvidenceItem, Consultation, AdministrativeAction, Litigation, Cost, Deadline, Message,
                AuditEntry)
USD_KRW = Decimal("1385.20")


def generate_cases(target: int, *, password: str, seed: int = 2026, echo=print, one_load: bool | None = None) -> int:
    """Add synthetic cases until there are ``target`` cases in all; returns how many were added.

    ``one_load``: write every batch in one transaction, the secondary indexes of the tables written set aside and
    built once at the end (PostgreSQL with the triggers off; a failure leaves the database as it was); by default
    when at least ``SET_ASIDE_FROM`` cases are added and at least as many as there were. Otherwise each batch
    commits."""
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Case))
    wanted = target - existing
    if wanted <= 0:
        return 0
    rng = random.Random(seed + existing)
    now = utcnow()
    hubs = {h.id: h for h in db.session.scalars(sa.select(Hub))}
    countries = {c.code: c.primary_hub_id for c in db.session.scalars(sa.select(Country).where(Country.is_active))}
    weights = _country_weights(sorted(countries))
    password_hash = hash_password(password)
    staff_by_hub = _staff_by_hub(hubs, password_hash)
    manager_id = db.session.scalar(sa.select(User.id).where(User.role == Role.manager, User.is_active).limit(1))
    # PostgreSQL: the rows go in by COPY with the database's triggers off in each batch's transaction (a superuser's
    # right; without it, they run as in the app), the cases carrying their days per stage, the tallies counted at the
    # end
    quick = _triggers_off()
    if one_load is None:
        one_load = wanted >= SET_ASIDE_FROM and wanted >= existing
    one_load = one_load and quick
    companies = _companies(max(5, wanted // 25), rng, existing, password_hash, commit=not one_load) + \
        _existing_companies()
    tz = get_timezone(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    sequences = {(s.country_code, s.year): s.last_value for s in db.session.scalars(sa.select(CaseSequence))}
    reasons = dict(db.session.execute(sa.select(RefusalReason.code, RefusalReason.id)).all())
    added = 0
    # the next batch is planned by a process of its own (a thread where processes cannot fork) while this one
    # writes: the planner alone draws from ``rng``, in the same order as ever, so the same seed makes the same cases
    planning = {"app": current_app._get_current_object(), "rng": rng, "companies": companies, "weights": weights,
                "countries": countries, "staff_by_hub": staff_by_hub, "manager_id": manager_id, "now": now,
                "reasons": reasons}
    sizes = [min(BATCH, wanted - start) for start in range(0, wanted, BATCH)]
    tables = [model.__table__ for model in (Case, *CHILD_MODELS, SearchEntry)]
    with _helper(planning) as planner, (_helper({}) if one_load else nullcontext()) as indexer, \
            indexes_set_aside(db.session, tables if one_load else []) as aside:
        if aside:
            echo(f"  {len(aside)} indexes set aside until the {wanted:,} cases are in")
        coming = planner.submit(_plan_batch, sizes[0])
        entries = None  # one load: the search entries of the batch before, made by a helper meanwhile
        for number, size in enumerate(sizes):
            plans = coming.result()
            if number + 1 < len(sizes):
                coming = planner.submit(_plan_batch, sizes[number + 1])
            sources = _write_batch(plans, quick=quick, sequences=sequences, tz=tz, now=now)
            if one_load:  # the entries' terms are Python work: a helper makes them while the next batch is written
                made, entries = entries, indexer.submit(_copied_entries, sources)
                if made is not None:
                    search_index.copy_entries(db.session.connection(), made.result())
            else:
                for kind, rows in sources.items():
                    search_index.insert_sources(db.session.connection(), kind, rows)
                db.session.commit()
            added += size
            echo(f"  {existing + added:,} cases")
        if entries is not None:
            search_index.copy_entries(db.session.connection(), entries.result())
        if aside:
            echo(f"  building the {len(aside)} indexes")
    _save_sequences(sequences)
    db.session.commit()
    if quick:
        tallies.rebuild()  # commits
    return added


_PLANNING: dict = {}  # in the planner: what ``_plan_batch`` plans from


def _helper(planning: dict) -> Executor:
    """One worker for Python work beside the writing (planning the batches from ``planning``, given to it as it
    starts; making search entries): a forked process, so that it runs on another core (the two would otherwise
    take turns); elsewhere a thread. The process never touches the database connections it inherits."""
    if "fork" in multiprocessing.get_all_start_methods():
        return ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork"),
                                   initializer=_PLANNING.update, initargs=(planning,))
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="seed-helper", initializer=_PLANNING.update,
                              initargs=(planning,))


def _plan_batch(size: int) -> list[dict]:
    p = _PLANNING
    with p["app"].app_context():
        return [_plan(p["rng"], p["companies"], p["weights"], p["countries"], p["staff_by_hub"], p["manager_id"],
                      p["now"], p["reasons"]) for _ in range(size)]


def _copied_entries(sources: dict[str, list[tuple]]) -> str:
    """The search entries of a batch's records, from their kinds' source rows, ready for COPY (in a helper, beside
    the writing: handing text back costs the writer little, values a lot)."""
    return "".join(search_index.copied_entries(kind, rows) for kind, rows in sources.items())


def _write_batch(plans: list[dict], *, quick: bool, sequences: dict, tz, now) -> dict[str, list[tuple]]:
    """One batch of planned cases with everything that hangs off them, in the session's transaction (the caller
    commits); returns the rows of the search's sources for the records written, by kind (the caller has their
    entries made and copies them in, ``_copied_entries``)."""
    if quick:
        db.session.execute(sa.text("SET LOCAL session_replication_role = replica"))  # until the transaction ends
    plans.sort(key=lambda p: p["submitted_at"] or now)  # references follow submission order
    for plan in plans:
        if plan["submitted_at"] is not None:
            key = (plan["case"]["country_code"], plan["submitted_at"].astimezone(tz).year)
            sequences[key] = sequences.get(key, 0) + 1
            plan["case"]["reference"] = f"{key[0]}-{key[1]}-{sequences[key]:05d}"
    # keys drawn first, then one COPY (an INSERT returning keys in order goes a row at a time)
    ids = new_ids(db.session, Case, len(plans))
    bulk_insert(db.session, Case, [{**_case_row(p["case"], quick), "id": case_id}
                                   for case_id, p in zip(ids, plans, strict=True)])
    children = {model: [] for model in CHILD_MODELS}
    for case_id, plan in zip(ids, plans, strict=True):
        for model, rows in plan["children"].items():
            children[model].extend({**row, "case_id": case_id, **({"object_id": str(case_id)}
                                                                   if model is AuditEntry else {})} for row in rows)
    audit_rows = children.pop(AuditEntry)
    # the search's kinds of records that belong to a case, by model: what the batch writes of them is indexed
    searched = {kind.model: kind for kind in search_index.KINDS.values() if kind.case_bound}
    if not searched.keys() <= {Case, *children}:
        raise RuntimeError("a kind of case-bound record the seed does not write")
    written = {Case: ids}
    for model, rows in children.items():
        if model in searched:  # their keys too, to index them by key (their case's column may have no index now)
            written[model] = new_ids(db.session, model, len(rows))
            rows = [{**row, "id": row_id} for row, row_id in zip(rows, written[model], strict=True)]
        bulk_insert(db.session, model, rows)  # COPY on PostgreSQL
    # written in bulk, so not seen by the ORM's flushes: read back as search's sources see them
    sources = {kind.name: search_index.source_rows(db.session.connection(), kind, written.get(model, []))
               for model, kind in searched.items()}
    insert_entries(audit_rows)  # last: the chain's lock is held until the transaction commits
    return sources


# what the database's triggers write on a case as its stage changes and deadlines are added (0033, 0035, 0040)
DERIVED_COLUMNS = (*(f"{stage.name}_seconds" for stage in Stage if stage.is_open), "next_due_on", "supported_at")


def _case_row(case: dict, with_stays: bool) -> dict:
    """The case's row: with its days per stage and earliest due date when no trigger writes them, else without
    (every row the same keys)."""
    if with_stays:
        return {**case, **{key: case.get(key) for key in DERIVED_COLUMNS}}
    return {key: value for key, value in case.items() if key not in DERIVED_COLUMNS}


def _triggers_off() -> bool:
    """Whether this user may turn triggers off for a transaction (PostgreSQL: a superuser's right)."""
    if db.session.get_bind().dialect.name != "postgresql":
        return False
    return bool(db.session.scalar(sa.text("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")))


def _save_sequences(sequences: dict) -> None:
    for (code, year), value in sequences.items():
        row = db.session.get(CaseSequence, (code, year))
        if row is None:
            db.session.add(CaseSequence(country_code=code, year=year, last_value=value))
        else:
            row.last_value = max(row.last_value, value)


def _staff_by_hub(hubs: dict, password_hash: str) -> dict[int, list[int]]:
    """Active staff per hub; hubs without staff get a demo officer (demo password)."""
    pairs = db.session.execute(sa.select(staff_hubs.c.hub_id, User.id).join(User, User.id == staff_hubs.c.user_id)
                               .where(User.is_active, User.role == Role.staff)).all()
    result: dict[int, list[int]] = {}
    for hub_id, user_id in pairs:
        result.setdefault(hub_id, []).append(user_id)
    for hub_id, hub in hubs.items():
        if hub_id in result:
            continue
        user = User(email=f"staff.{hub.code}@ipdesk.example", name=f"{hub.city_ko} {hub.city_en} Officer",
                    role=Role.staff, password_hash=password_hash, hubs=[hub])
        db.session.add(user)
        db.session.flush()
        result[hub_id] = [user.id]
    return result


def _existing_companies(limit: int = 10, weight: int = 3) -> list[tuple[int, Sector, int, str]]:
    """Approved companies that have users already (the demo accounts' ones), so their users see cases; they
    write in Korean."""
    rows = db.session.execute(
        sa.select(Company.id, sa.func.min(User.id))
        .join(User, User.company_id == Company.id)
        .where(Company.status == CompanyStatus.approved, User.is_active, ~User.email.like("%@demo-exporter.example"))
        .group_by(Company.id).order_by(Company.id).limit(limit)
    ).all()
    sectors = dict(db.session.execute(sa.select(CompanySector.company_id, sa.func.min(CompanySector.sector))
                                      .group_by(CompanySector.company_id)).all())
    return [(company_id, sectors.get(company_id, Sector.other), user_id, "ko") for company_id, user_id in rows] \
        * weight


def _companies(count: int, rng: random.Random, offset: int, password_hash: str, *, commit: bool = True) \
        -> list[tuple[int, Sector, int, str]]:
    """(company id, main sector, exporter user id, their language) for ``count`` new approved companies, written in
    bulk (a registration number some company holds already is skipped); ``commit``: or left in the transaction."""
    now = utcnow()
    start = offset * 7 + 500_000
    numbers = []
    for i in range(count):
        first_nine = f"{(start + i) % 900_000_000 + 100_000_000:09d}"
        numbers.append(first_nine + str(check_digit(first_nine)))
    taken = set()
    for at in range(0, count, 1000):
        taken.update(db.session.scalars(sa.select(Company.registration_number)
                                        .where(Company.registration_number.in_(numbers[at:at + 1000]))))
    plans = []
    for i, number in enumerate(numbers):
        sector = _weighted(rng, SECTOR_WEIGHTS)
        k = rng.randrange(len(KO_STEMS))
        if number in taken:
            continue
        size = rng.choices([CompanySize.sme, CompanySize.midsize, CompanySize.large], weights=[82, 15, 3])[0]
        plans.append((i, number, sector, k, size, "en" if i % 4 == 3 else "ko"))  # a quarter read English
    company_ids, user_ids = new_ids(db.session, Company, len(plans)), new_ids(db.session, User, len(plans))
    companies, sectors, users = [], [], []
    for company_id, user_id, (i, number, sector, k, size, lang) in zip(company_ids, user_ids, plans, strict=True):
        companies.append({"id": company_id, "name_ko": f"{KO_STEMS[k]}{SECTOR_NAMES[sector][0]} {i + offset}",
                          "name_en": f"{EN_STEMS[k]} {SECTOR_NAMES[sector][1]} {i + offset}",
                          "registration_number": number, "size": size, "status": CompanyStatus.approved,
                          "approved_at": now, "created_at": now})
        sectors.append({"company_id": company_id, "sector": sector})
        users.append({"id": user_id, "email": f"exporter{number}@demo-exporter.example",
                      "name": f"{KO_STEMS[k]} 담당자" if lang == "ko" else f"{EN_STEMS[k]} Manager", "locale": lang,
                      "role": Role.exporter, "company_id": company_id, "password_hash": password_hash,
                      "privacy_consent_at": now, "privacy_policy_version": "demo", "created_at": now})
    bulk_insert(db.session, Company, companies)
    bulk_insert(db.session, CompanySector, sectors)
    bulk_insert(db.session, User, users)
    search_index.note_inserted(db.session, Company, company_ids)
    if commit:
        db.session.commit()
    return [(company_id, plan[2], user_id, plan[5]) for company_id, user_id, plan in zip(company_ids, user_ids, plans,
                                                                                         strict=True)]


def _path_to(stage: Stage, rng: random.Random) -> list[tuple[str, Stage, Stage]]:
    """The transitions that brought a case to ``stage``, as (name, from, to)."""
    path = [("submit", Stage.draft, Stage.intake)]
    if stage is Stage.draft:
        return []
    if stage is Stage.returned or rng.random() < 0.1:
        path.append(("return", Stage.intake, Stage.returned))
        if stage is Stage.returned:
            return path
        path.append(("resubmit", Stage.returned, Stage.intake))
    order = [Stage.intake, Stage.evidence, Stage.consultation, Stage.action]
    names = {Stage.evidence: "accept", Stage.consultation: "to_consultation", Stage.action: "to_action"}
    final = stage if stage is not Stage.closed else rng.choices(order, weights=[15, 25, 25, 35])[0]
    for previous, nxt in zip(order, order[1:], strict=False):
        if order.index(nxt) > order.index(final):
            break
        path.append((names[nxt], previous, nxt))
    if stage is Stage.closed:
        if final is Stage.intake:
            path.append(("reject" if rng.random() < 0.8 else "withdraw", Stage.intake, Stage.closed))
        else:
            outcome = rng.choices([o for o, _ in CLOSING], weights=[w for _, w in CLOSING])[0]
            path.append(("withdraw" if outcome is Outcome.withdrawn else "close", final, Stage.closed))
    return path


# the reasons of the synthetic refusals, by the shipped reasons' codes (None where an admin removed the code)
REFUSAL_REASONS = {"return": ("missing_proof_of_rights", "insufficient_evidence", "incomplete_intake"),
                   "reject": ("outside_scope", "not_registered_there", "duplicate_case")}


def _before(now, when, step: timedelta):
    """``step`` after ``when``, or, where that would pass ``now``, half way from ``when`` to ``now``: the steps of
    recent cases crowd towards the present without landing on one instant."""
    return when + step if when + step < now else when + (now - when) / 2


def _plan(rng, companies, weights, countries, staff_by_hub, manager_id, now, reasons) -> dict:
    """:param reasons: the refusal reasons' ids by code."""
    company_id, company_sector, exporter_id, lang = rng.choice(companies)
    text = TEXTS[lang]
    sector = company_sector if rng.random() < 0.85 else _weighted(rng, SECTOR_WEIGHTS)
    code = _weighted(rng, weights)
    hub_id = countries[code]
    stage = _weighted(rng, STAGE_WEIGHTS)
    path = _path_to(stage, rng)
    if sector is Sector.content:
        dispute, right = rng.choice([(DisputeType.piracy, IPRight.copyright)] * 3 +
                                    [(DisputeType.marketplace, IPRight.copyright)])
    else:
        dispute = rng.choices([DisputeType.counterfeit, DisputeType.squatting, DisputeType.marketplace,
                               DisputeType.claim_against, DisputeType.other], weights=[40, 25, 25, 5, 5])[0]
        right = IPRight.trademark if dispute is DisputeType.squatting else rng.choices(
            [IPRight.trademark, IPRight.design, IPRight.patent], weights=[70, 20, 10])[0]
    product = (PRODUCTS_KO if lang == "ko" else PRODUCTS)[sector]
    seller = f"{rng.choice(NAME_SEEDS)}{rng.randrange(1, 999)}"
    local = rng.choice(LOCAL_NAMES.get(code, ["{n} Trading Co."])).format(n=rng.choice(NAME_SEEDS))
    created = now - timedelta(days=rng.uniform(3, 3 * 365), minutes=rng.randrange(1440))
    currency = CURRENCIES.get(code, "USD")
    handler = rng.choice(staff_by_hub.get(hub_id) or [manager_id])
    case = {
        "company_id": company_id, "country_code": code, "hub_id": hub_id, "created_by_id": exporter_id,
        "filed_on_behalf": False,
        "title": text["title"].format(dispute=_in(lang, dispute), product=product, code=code)[:200],
        "sector": sector, "ip_right": right, "dispute_type": dispute,
        "found_where": text["shop"].format(market=MARKETPLACES.get(code, text["market"]), seller=seller),
        "infringer_name": local, "infringer_shop_id": f"{seller.lower()}-{rng.randrange(10_000, 99_999)}",
        "infringer_urls": f"https://shop.example/{seller.lower()}", "infringer_contacts": "",
        "registration_numbers": "" if rng.random() < 0.2 else f"{code} TM {rng.randrange(10**7, 10**8)}",
        "damages_amount": Decimal(rng.randrange(1_000, 500_000)) if rng.random() < 0.7 else None,
        "urgency": rng.choices(list(Urgency), weights=[15, 55, 22, 8])[0],
        "description": text["description"].format(product=product),
        "first_noticed_on": (created - timedelta(days=rng.randrange(1, 60))).date(),
        "stage": stage, "created_at": created, "assignee_id": handler if stage not in (Stage.draft, Stage.intake)
        and rng.random() < 0.7 and handler in staff_by_hub.get(hub_id, []) else None,
    }
    case["damages_currency"] = currency if case["damages_amount"] is not None else None
    children = {model: [] for model in CHILD_MODELS}
    when = created
    entered = None  # when the case entered the stage it is in
    for name, source, target in path:
        when = _before(now, when, timedelta(days=rng.uniform(0.2, 40)))
        if entered is not None and source.is_open:  # the stay in ``source`` ends here
            key = f"{source.name}_seconds"
            case[key] = case.get(key, 0) + (when - entered).total_seconds()
        entered = when
        actor = exporter_id if name in ("submit", "resubmit", "withdraw") else handler
        note = text[name] if name in ("return", "reject", "withdraw", "close") else ""
        outcome = None
        if target is Stage.closed:
            outcome = {"reject": Outcome.rejected, "withdraw": Outcome.withdrawn}.get(name) or rng.choices(
                [o for o, _ in CLOSING if o is not Outcome.withdrawn],
                weights=[w for o, w in CLOSING if o is not Outcome.withdrawn])[0]
            case.update(outcome=outcome, closed_from=source, closed_at=when, closing_note=note)
        if name == "submit":
            case["submitted_at"] = when
        if target in SUPPORT_STAGES:
            case.setdefault("supported_at", when)
        # picked without drawing from ``rng``, so the rest of the synthetic data stays as it was for a seed
        code = REFUSAL_REASONS[name][created.minute % 3] if name in REFUSAL_REASONS else None
        reason_id = reasons.get(code)
        children[StageChange].append({"actor_id": actor, "from_stage": source, "to_stage": target,
                                      "transition": name, "outcome": outcome, "reason_id": reason_id, "note": note,
                                      "created_at": when})
        children[AuditEntry].append({"actor_id": actor, "action": "case.stage_changed", "object_type": "cases",
                                     "data": {"from": source.name, "to": target.name, "transition": name,
                                              "outcome": outcome.name if outcome else None,
                                              **({"reason": code} if reason_id else {})},
                                     "created_at": when})
        if name == "return":
            children[Message].append({"author_id": actor, "body": note, "is_internal": False, "created_at": when})
        if name == "accept":  # evidence collected while in the evidence stage
            children[EvidenceItem].append({
                "kind": rng.choice([EvidenceKind.screenshot, EvidenceKind.test_purchase, EvidenceKind.photo]),
                "description": text["evidence"].format(product=product, seller=seller),
                "source": case["found_where"], "collected_on": when.date(), "collected_by": text["collected_by"],
                "created_by_id": handler,
                "created_at": when + timedelta(hours=2)})
        if name == "to_consultation":
            fee = Decimal(rng.randrange(500, 5000))
            children[Consultation].append({
                "firm": f"{rng.choice(NAME_SEEDS)} IP Law", "lawyer": text["lawyer"], "consulted_on": when.date(),
                "summary": text["advice"],
                "recommended_route": rng.choice([Route.administrative, Route.civil, Route.both]),
                "cost_amount": fee, "cost_currency": "USD",
                "created_by_id": handler, "created_at": when + timedelta(days=1)})
            children[Cost].append({
                "category": CostCategory.counsel, "description": text["fee"], "payer": Payer.company,
                "amount": fee, "currency": "USD", "krw_rate": USD_KRW, "amount_krw": int(fee * USD_KRW),
                "incurred_on": when.date(), "created_by_id": handler, "created_at": when + timedelta(days=1)})
        if name == "to_action":
            kind = rng.choice([ActionKind.platform_takedown, ActionKind.regulator_complaint, ActionKind.opposition,
                               ActionKind.customs_seizure, ActionKind.raid])
            # a closed case has nothing under way: its actions, suits and deadlines ended when it closed (the
            # draws from ``rng`` are those of earlier versions, so a seed gives the cases it gave before)
            closed, withdrawn = stage is Stage.closed, path[-1][0] == "withdraw"
            drawn_done = rng.random() < 0.5
            done = drawn_done or closed
            results = [ActionStatus.succeeded, ActionStatus.partly, ActionStatus.failed]
            status = rng.choice(results) if drawn_done else results[created.minute % 3] if closed \
                else ActionStatus.filed
            children[AdministrativeAction].append({
                "kind": kind, "authority": f"{case['country_code']} {kind.name.replace('_', ' ')} authority",
                "status": ActionStatus.withdrawn if withdrawn else status,
                "filed_on": when.date(), "reference": f"A-{rng.randrange(10**5):05d}",
                "result": text["result"] if done and not withdrawn else "", "trigger_on": None,
                "quantity_seized": rng.randrange(20, 5000) if kind in (ActionKind.raid, ActionKind.customs_seizure)
                else None, "penalty_amount": None, "penalty_currency": None, "created_by_id": handler,
                "created_at": when, "updated_at": when, "version": 1})
            due = (when + timedelta(days=rng.randrange(20, 120))).date()
            finished = rng.random() < 0.6 or closed
            children[Deadline].append({
                "what": TASK[0].format(kind=_in("en", kind)),
                "what_ko": TASK[1].format(kind=_in("ko", kind)), "due_on": due,
                "source": DeadlineSource.manual, "rule_id": None, "trigger_on": None, "is_done": finished,
                "done_at": _before(now, when, timedelta(days=10)) if finished else None,
                "ending": (DeadlineEnding.withdrawn if withdrawn else DeadlineEnding.done) if finished else None,
                "created_by_id": handler, "created_at": when})
            if rng.random() < 0.15:
                awarded = Decimal(rng.randrange(10, 500) * 1000) if drawn_done else None
                suit_status = LitigationStatus.won if drawn_done else LitigationStatus.settled if closed \
                    else LitigationStatus.pending
                children[Litigation].append({
                    "court": f"{case['country_code']} IP court", "court_case_number": f"C-{rng.randrange(10**6)}",
                    "status": LitigationStatus.withdrawn if withdrawn else suit_status, "filed_on": when.date(),
                    "preservation_orders": "", "judgment": text["judgment"] if drawn_done else "",
                    "judged_on": when.date() if drawn_done else None,
                    "damages_currency": "USD" if drawn_done else None,
                    "damages_awarded": awarded, "damages_recovered": awarded / 2 if awarded else None,
                    "created_by_id": handler, "created_at": when, "updated_at": when, "version": 1})
    case.setdefault("submitted_at", None)
    case["stage_changed_at"] = when
    case["updated_at"] = when
    if stage is not Stage.draft and rng.random() < 0.6:
        received = _before(now, case["submitted_at"], timedelta(days=1))
        children[Message].append({"author_id": handler, "body": text["received"],
                                  "is_internal": False, "created_at": received})
        if rng.random() < 0.3:
            children[Message].append({"author_id": handler, "body": INTERNAL_NOTE,
                                      "is_internal": True, "created_at": min(now, when)})
    case.setdefault("outcome", None)
    case.setdefault("closed_from", None)
    case.setdefault("closed_at", None)
    case.setdefault("closing_note", None)
    case["reference"] = None
    case["next_due_on"] = min((d["due_on"] for d in children[Deadline] if not d["is_done"]), default=None)
    return {"case": case, "children": children, "submitted_at": case["submitted_at"]}



# What the two sides write to each other over a case's life, in the languages of the network: the bench's million
# messages (``generate_messages``) are drawn from these, with sellers, products and shop numbers of their own, so
# that search meets words that are rare (a seller) and common (a product) as it does in a year of real messages.
CORRESPONDENCE = [
    "판매자 {seller}가 {market}에서 {product} 모조품을 다시 올렸습니다. 상점 번호 {number}.",
    "{seller} 상점의 {product} 게시물 {number}건을 플랫폼에 신고했습니다.",
    "현지 변호사가 {seller}에 대한 경고장 초안을 보냈습니다. 검토 부탁드립니다.",
    "The seller {seller} relisted the {product} on {market}, listing {number}.",
    "Test purchase of the {product} from {seller} arrived; the batch code {number} is fake.",
    "Customs at the port held {number} units of counterfeit {product}.",
    "卖家{seller}在{market}重新上架了假冒{product}，链接编号{number}。",
    "Người bán {seller} lại đăng bán {product} giả trên {market}, mã {number}.",
    "ผู้ขาย {seller} ลงขาย{product}ปลอมอีกครั้งบน {market} หมายเลข {number}",
]
SELLER_SYLLABLES = ["美", "妆", "华", "龙", "星", "金", "玉", "宝", "丽", "源", "鑫", "达", "盛", "佳", "晶", "福"]


def _seller(rng: random.Random) -> str:
    """A seller's name in one of the scripts the network meets; each of them rare."""
    style = rng.randrange(3)
    if style == 0:
        return "".join(rng.choice(SELLER_SYLLABLES) for _ in range(3)) + "商行"
    if style == 1:
        return f"{rng.choice(NAME_SEEDS)}{rng.randrange(10_000):04d} Store"
    return f"shop-{rng.randrange(10**6):06d}"


def generate_messages(target: int, *, seed: int = 2026, echo=print) -> int:
    """Add messages to the synthetic cases until there are ``target`` in all (a fifth of them internal notes),
    written in bulk and indexed for search batch by batch; returns how many were added."""
    existing = db.session.scalar(sa.select(sa.func.count()).select_from(Message))
    wanted = target - existing
    if wanted <= 0:
        return 0
    rng = random.Random(seed + existing)
    first, last = db.session.execute(sa.select(sa.func.min(Case.id), sa.func.max(Case.id))
                                     .where(Case.submitted_at.is_not(None))).one()
    authors = db.session.scalars(sa.select(User.id).where(User.role.in_((Role.staff, Role.exporter)))
                                 .order_by(User.id).limit(2000)).all()
    products = [*PRODUCTS.values(), *PRODUCTS_KO.values()]
    markets = list(MARKETPLACES.values())
    now = utcnow()
    added = 0
    while added < wanted:
        size = min(BATCH * 10, wanted - added)
        ids = new_ids(db.session, Message, size)
        rows = [{"id": message_id, "case_id": rng.randint(first, last), "author_id": rng.choice(authors),
                 "body": rng.choice(CORRESPONDENCE).format(seller=_seller(rng), product=rng.choice(products),
                                                          market=rng.choice(markets), number=rng.randrange(10**5)),
                 "is_internal": rng.random() < 0.2, "created_at": now - timedelta(minutes=rng.randrange(10**6))}
                for message_id in ids]
        bulk_insert(db.session, Message, rows)
        search_index.index_new(db.session.connection(), search_index.KINDS["message"], ids)
        added += size
        db.session.commit()
        echo(f"  {existing + added:,} messages")
    return added
