"""Demo prevention education: one published guide for every active country of the network, in Korean and English,
naming the country's IP office and its hub, and a few narrower ones (a sector, a kind of right); and past and
coming sessions with registrations, a waiting list and attendance. Adds only what is missing."""
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from ipdesk.auth.models import Role, User
from ipdesk.cases.models import IPRight
from ipdesk.companies.models import Sector
from ipdesk.core.db import utcnow
from ipdesk.core.i18n import country_name
from ipdesk.core.particles import particle
from ipdesk.education.models import (
    EducationSession,
    Guide,
    GuideRevision,
    RegistrationStatus,
    SessionKind,
    SessionLanguage,
    SessionRegistration,
)
from ipdesk.extensions import db
from ipdesk.network.models import Country, Hub

# Each country's trademark office, as (English, Korean) names.
OFFICES = {
    "US": ("the United States Patent and Trademark Office (USPTO)", "미국 특허상표청(USPTO)"),
    "CA": ("the Canadian Intellectual Property Office (CIPO)", "캐나다 지식재산청(CIPO)"),
    "CN": ("the China National Intellectual Property Administration (CNIPA)", "중국 국가지식산권국(CNIPA)"),
    "MN": ("the Intellectual Property Office of Mongolia", "몽골 지식재산청"),
    "HK": ("the Intellectual Property Department of Hong Kong", "홍콩 지식재산부"),
    "TW": ("the Taiwan Intellectual Property Office (TIPO)", "대만 지혜재산국(TIPO)"),
    "JP": ("the Japan Patent Office (JPO)", "일본 특허청(JPO)"),
    "DE": ("the German Patent and Trade Mark Office (DPMA)", "독일 특허상표청(DPMA)"),
    "GB": ("the UK Intellectual Property Office (UKIPO)", "영국 지식재산청(UKIPO)"),
    "FR": ("the French National Institute of Industrial Property (INPI)", "프랑스 산업재산청(INPI)"),
    "NL": ("the Benelux Office for Intellectual Property (BOIP)", "베네룩스 지식재산청(BOIP)"),
    "IT": ("the Italian Patent and Trademark Office (UIBM)", "이탈리아 특허상표청(UIBM)"),
    "DK": ("the Danish Patent and Trademark Office (DKPTO)", "덴마크 특허상표청(DKPTO)"),
    "ES": ("the Spanish Patent and Trademark Office (OEPM)", "스페인 특허상표청(OEPM)"),
    "PL": ("the Patent Office of the Republic of Poland", "폴란드 특허청"),
    "SE": ("the Swedish Intellectual Property Office (PRV)", "스웨덴 지식재산청(PRV)"),
    "BE": ("the Benelux Office for Intellectual Property (BOIP)", "베네룩스 지식재산청(BOIP)"),
    "VN": ("the Intellectual Property Office of Viet Nam", "베트남 지식재산청"),
    "KH": ("the Department of Intellectual Property of Cambodia's Ministry of Commerce",
           "캄보디아 상무부 지식재산국"),
    "LA": ("the Department of Intellectual Property of Lao PDR", "라오스 지식재산국"),
    "MM": ("the Intellectual Property Department of Myanmar", "미얀마 지식재산국"),
    "TH": ("the Department of Intellectual Property (DIP)", "태국 지식재산국(DIP)"),
    "MY": ("the Intellectual Property Corporation of Malaysia (MyIPO)", "말레이시아 지식재산공사(MyIPO)"),
    "SG": ("the Intellectual Property Office of Singapore (IPOS)", "싱가포르 지식재산청(IPOS)"),
    "ID": ("the Directorate General of Intellectual Property (DGIP)", "인도네시아 지식재산총국(DGIP)"),
    "PH": ("the Intellectual Property Office of the Philippines (IPOPHL)", "필리핀 지식재산청(IPOPHL)"),
    "AU": ("IP Australia", "호주 지식재산청(IP Australia)"),
    "IN": ("the Office of the Controller General of Patents, Designs and Trade Marks",
           "인도 특허·디자인·상표청"),
    "BD": ("the Department of Patents, Designs and Trademarks", "방글라데시 특허·디자인·상표국"),
    "AE": ("the UAE Ministry of Economy", "아랍에미리트 경제부"),
    "SA": ("the Saudi Authority for Intellectual Property (SAIP)", "사우디 지식재산청(SAIP)"),
    "TR": ("the Turkish Patent and Trademark Office (TÜRKPATENT)", "튀르키예 특허상표청(TÜRKPATENT)"),
    "EG": ("the Egyptian Intellectual Property Authority", "이집트 지식재산청"),
    "MX": ("the Mexican Institute of Industrial Property (IMPI)", "멕시코 산업재산청(IMPI)"),
    "CL": ("the National Institute of Industrial Property (INAPI)", "칠레 산업재산청(INAPI)"),
    "AR": ("the National Institute of Industrial Property (INPI)", "아르헨티나 산업재산청(INPI)"),
    "BR": ("the National Institute of Industrial Property (INPI)", "브라질 산업재산청(INPI)"),
    "CO": ("the Superintendence of Industry and Commerce (SIC)", "콜롬비아 산업통상감독청(SIC)"),
    "PE": ("INDECOPI", "페루 국가경쟁·지식재산보호청(INDECOPI)"),
    "EC": ("the National Service of Intellectual Rights (SENADI)", "에콰도르 지식재산청(SENADI)"),
}
EU = {"DE", "FR", "NL", "IT", "DK", "ES", "PL", "SE", "BE"}

GENERAL = {
    "en": ("Protecting your brand in {country}", """\
# Before you export
- Trademark rights in {country} come from registration at {office}. File before your products, ads or trade-show
  stands appear there: whoever files first is usually the one protected.
- Register the brand as customers there will write it too (a local transliteration), and the product's
  packaging as a design where it matters.{eu}
- If {country} is a member of the Madrid system, you can name it in an international application filed through
  the Korean Intellectual Property Office.

# Watch the market
- Search the marketplaces your customers use and the trademark register every few months.
- Tell the IP centre early when a local company files a mark like yours: oppositions have short windows.

# When you find a copy
1. Keep evidence: screenshots showing the date and the address, a test purchase with its receipt and parcel.
2. Report the listing through the marketplace's IP protection portal.
3. Ask {hub} through ipdesk: the centre advises on the next step, and the programme shares the cost of some
   actions.
"""),
    "ko": ("{country} 진출 기업을 위한 브랜드 보호 안내", """\
# 수출 전에
- {country}의 상표권은 {office}에 등록해야 생깁니다. 제품·광고·박람회 부스가 현지에 나가기 전에 출원하세요. 대부분
  먼저 출원한 쪽이 보호받습니다.
- 현지 소비자가 부르는 표기(현지어 음역)로도 상표를 등록하고, 중요하다면 포장을 디자인으로 보호하세요.{eu}
- {country}{i_ga} 마드리드 체제 회원국이라면 특허청을 통한 국제출원에서 지정할 수 있습니다.

# 시장 감시
- 현지 소비자가 쓰는 온라인 쇼핑몰과 상표 공보를 몇 달마다 검색하세요.
- 현지 업체가 비슷한 상표를 출원하면 바로 센터에 알리세요. 이의신청 기간은 짧습니다.

# 모방품을 발견했다면
1. 증거를 남기세요: 날짜와 주소가 보이는 화면 캡처, 영수증과 포장이 있는 시험 구매.
2. 쇼핑몰의 지식재산 보호 신고 창구로 게시물을 신고하세요.
3. ipdesk로 {hub}에 문의하세요. 센터가 다음 단계를 안내하고, 일부 조치는 사업에서 비용을 분담합니다.
"""),
}
EU_NOTE = {"en": "\n- An EU trade mark at the EUIPO covers {country} and every other member state in one filing.",
           "ko": "\n- 유럽연합 지식재산청(EUIPO)의 EU 상표 하나로 {country}{eul_reul} 포함한 모든 회원국이 보호됩니다."}

NARROWER = [  # (country, sector, right, {language: (title, text)})
    ("CN", Sector.beauty, None, {
        "en": ("K-beauty in China: online marketplaces", """\
# Register first, then enrol your brand
Counterfeit cosmetics are sold mostly online. Once your trademark is registered at the CNIPA, enrol it with the
marketplaces' brand protection programmes (such as Alibaba's IP Protection Platform): reports then go faster.

# What a report needs
- The registration certificate, and a power of attorney if the centre or a lawyer reports for you.
- The listing's address and why it infringes: a photo of the fake beside the real product helps.
"""),
        "ko": ("중국 K-뷰티: 온라인 쇼핑몰 대응", """\
# 먼저 등록하고, 브랜드를 등재하세요
위조 화장품은 대부분 온라인에서 팔립니다. CNIPA에 상표를 등록한 뒤 쇼핑몰의 브랜드 보호 프로그램(알리바바 IP 보호
플랫폼 등)에 등재하면 신고가 빨라집니다.

# 신고에 필요한 것
- 등록증, 센터나 변호사가 대신 신고한다면 위임장.
- 게시물 주소와 침해 이유: 정품과 위조품을 나란히 찍은 사진이 도움이 됩니다.
"""),
    }),
    ("VN", None, IPRight.trademark, {
        "en": ("Trademark squatting in Viet Nam: opposing a filing", """\
# Act while the application is pending
Applications are published in the Official Gazette of Industrial Property. Until the office decides to grant,
anyone may file an opposition with evidence of prior use or of bad faith.

# Evidence that works
- Your Korean registration and its dates, invoices and shipments to Viet Nam, advertising there.
- Anything showing the applicant knew your brand: earlier dealings, a distribution contract.

Ask the centre as soon as the watch service or a partner tells you of a filing.
"""),
        "ko": ("베트남 상표 선점 대응: 이의신청", """\
# 출원이 계류 중일 때 움직이세요
출원은 산업재산 공보에 공개됩니다. 등록 결정 전까지 누구나 선사용이나 악의의 증거로 이의신청을 할 수 있습니다.

# 효과적인 증거
- 한국 등록과 그 날짜, 베트남 수출 송장과 선적 서류, 현지 광고.
- 출원인이 브랜드를 알았다는 자료: 이전 거래, 유통 계약.

감시 서비스나 협력사에서 출원 소식을 들으면 바로 센터에 문의하세요.
"""),
    }),
]


def _revision(texts: dict, author_id: int, now) -> GuideRevision:
    (title_en, body_en), (title_ko, body_ko) = texts["en"], texts["ko"]
    return GuideRevision(number=1, title_en=title_en, body_en=body_en, title_ko=title_ko, body_ko=body_ko,
                         note="Demo guide", created_by_id=author_id, created_at=now, published_at=now,
                         published_by_id=author_id)


def load_demo_guides() -> int:
    """Add the demo guides that are missing (a general one per active country without one, and the narrower
    ones), published; flushes. Returns how many were added."""
    author_id = db.session.scalar(sa.select(User.id).where(User.role == Role.manager).order_by(User.id).limit(1))
    if author_id is None:
        return 0
    have = {(code, sector, right) for code, sector, right in db.session.execute(
        sa.select(Guide.country_code, Guide.sector, Guide.ip_right))}
    countries = db.session.scalars(sa.select(Country).where(Country.is_active).order_by(Country.code)).all()
    now = utcnow()
    added = 0
    for country in countries:
        if (country.code, None, None) in have or country.code not in OFFICES:
            continue
        hub = country.primary_hub
        texts = {}
        for language, (title, body) in GENERAL.items():
            name = country_name(country.code, language)
            office = OFFICES[country.code][0 if language == "en" else 1]
            # Korean particles as the country's name ends ("베트남이", "독일을")
            words = {"country": name, "i_ga": particle(name, "이(가)"), "eul_reul": particle(name, "을(를)")}
            eu = EU_NOTE[language].format(**words) if country.code in EU else ""
            texts[language] = (title.format(country=name),
                               body.format(**words, office=office, eu=eu,
                                           hub=hub.name_en if language == "en" else hub.name_ko))
        guide = Guide(country_code=country.code, created_by_id=author_id, created_at=now, updated_at=now,
                      published_number=1, published_at=now)
        guide.revisions.append(_revision(texts, author_id, now))
        db.session.add(guide)
        added += 1
    for code, sector, right, texts in NARROWER:
        if (code, sector, right) in have or code not in {country.code for country in countries}:
            continue
        guide = Guide(country_code=code, sector=sector, ip_right=right, created_by_id=author_id, created_at=now,
                      updated_at=now, published_number=1, published_at=now)
        guide.revisions.append(_revision(texts, author_id, now))
        db.session.add(guide)
        added += 1
    db.session.flush()
    return added


# (hub, country, sector, kind, language, days from today, local hour, hours, seats, zone, place, link, titles)
SESSIONS = [
    ("th", "TH", Sector.beauty, SessionKind.seminar, SessionLanguage.ko, -40, 14, 2.5, 40, "Asia/Bangkok",
     "KOTRA Bangkok, 16th floor", "", ("태국 K-뷰티 상표 보호 세미나", "Protecting K-beauty marks in Thailand")),
    ("cn-north", "CN", None, SessionKind.webinar, SessionLanguage.ko, -12, 10, 1.5, 300, "Asia/Shanghai", "",
     "https://webinar.example.org/ipdesk-cn", ("중국 온라인 쇼핑몰 위조품 대응 웨비나",
                                                "Webinar: counterfeits on Chinese marketplaces")),
    ("vn", "VN", None, SessionKind.clinic, SessionLanguage.both, -5, 15, 1, 1, "Asia/Ho_Chi_Minh",
     "KOTRA Ho Chi Minh City", "", ("베트남 상표 선점 1:1 상담", "One-to-one clinic: trademark squatting in Viet Nam")),
    ("vn", "VN", Sector.food, SessionKind.seminar, SessionLanguage.ko, 9, 14, 2, 30, "Asia/Ho_Chi_Minh",
     "KOTRA Hanoi", "", ("베트남 K-푸드 수출 기업 지식재산 설명회", "IP briefing for K-food exporters to Viet Nam")),
    ("us-east", "US", Sector.content, SessionKind.webinar, SessionLanguage.en, 16, 10, 1.5, 500, "America/New_York",
     "", "https://webinar.example.org/ipdesk-us", ("미국 콘텐츠 저작권 보호 웨비나",
                                                    "Webinar: protecting content copyrights in the US")),
    ("eu", "DE", None, SessionKind.seminar, SessionLanguage.both, 24, 13, 3, 2, "Europe/Berlin",
     "KOTRA Frankfurt", "", ("EU 상표 출원 실무 세미나", "Filing EU trade marks in practice")),
]


def load_demo_sessions() -> int:
    """Add the demo sessions that are missing (by title): past ones with their registrations and attendance, and
    coming ones with seats taken (one full, with a waiting list); flushes. Returns how many were added."""
    author_id = db.session.scalar(sa.select(User.id).where(User.role == Role.manager).order_by(User.id).limit(1))
    exporters = db.session.scalars(sa.select(User).where(User.role == Role.exporter, User.is_active,
                                                         User.company_id.is_not(None)).order_by(User.id)).all()
    if author_id is None:
        return 0
    have = set(db.session.scalars(sa.select(EducationSession.title_en)))
    hubs = {hub.code: hub.id for hub in db.session.scalars(sa.select(Hub))}
    today = utcnow().date()
    added = 0
    for n, (hub, country, sector, kind, language, days, hour, hours, seats, zone, place, url, (title_ko, title_en)) \
            in enumerate(SESSIONS):
        if title_en in have or hub not in hubs:
            continue
        starts = datetime.combine(today + timedelta(days=days), time(hour), ZoneInfo(zone)).astimezone(UTC)
        session = EducationSession(
            kind=kind, title_ko=title_ko, title_en=title_en, hub_id=hubs[hub], country_code=country, sector=sector,
            language=language, starts_at=starts, ends_at=starts + timedelta(hours=hours), time_zone=zone,
            place=place, online_url=url, capacity=seats, created_by_id=author_id,
            description_ko=f"{title_ko}: 사례 중심으로 출원, 감시, 대응을 안내합니다. 질의응답 시간이 있습니다.",
            description_en=f"{title_en}: filing, watching and acting, through cases. Questions welcome.")
        db.session.add(session)
        db.session.flush()
        past = days < 0
        for m, exporter in enumerate(exporters[n % 3:]):
            if m >= seats + 1:  # one more than the seats: the last waits
                break
            status = RegistrationStatus.registered if m < seats else RegistrationStatus.waiting
            if past and status is RegistrationStatus.waiting:
                break
            db.session.add(SessionRegistration(
                session_id=session.id, user_id=exporter.id, company_id=exporter.company_id, status=status,
                registered_at=starts - timedelta(days=7, minutes=m), attended=past and m % 4 != 3,
                attendance_marked_at=starts + timedelta(hours=hours) if past else None,
                attendance_marked_by_id=author_id if past else None))
        added += 1
    db.session.flush()
    return added
