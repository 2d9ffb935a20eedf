"""Korean particles chosen by the word before them, for Hangul, numbers and Latin words, and in every message."""
import pytest

from ipdesk.core.particles import NOTATIONS, final_consonant, particle, with_particles

pytestmark = pytest.mark.db_independent

# word, then the particles after it: 이/가, 을/를, 은/는, 과/와, 으로/로
WORDS = [
    ("삼성", "이 을 은 과 으로"),  # ㅇ
    ("네이버", "가 를 는 와 로"),  # no final consonant
    ("서울", "이 을 은 과 로"),  # ㄹ takes 로
    ("카카오", "가 를 는 와 로"),
    ("중국 북부 해외지식재산센터", "가 를 는 와 로"),
    ("동남아 해외지식재산센터 (호치민)", "가 를 는 와 로"),  # a closing gloss is skipped
    ("서울(Seoul)", "이 을 은 과 로"),
    ("“한국식품”", "이 을 은 과 으로"),  # closing quotes and punctuation too
    ("상하이 법원.", "이 을 은 과 으로"),
    ("CN-2026-00042", "가 를 는 와 로"),  # 이
    ("CN-2026-00043", "이 을 은 과 으로"),  # 삼
    ("CN-2026-00041", "이 을 은 과 로"),  # 일: ㄹ
    ("CN-2026-00040", "이 을 은 과 으로"),  # 사십
    ("0", "이 을 은 과 으로"),  # 영
    ("5", "가 를 는 와 로"),  # 오
    ("6", "이 을 은 과 으로"),  # 육
    ("7", "이 을 은 과 로"),  # 칠
    ("8", "이 을 은 과 로"),  # 팔
    ("9", "가 를 는 와 로"),  # 구
    ("100", "이 을 은 과 으로"),  # 백
    ("1,000", "이 을 은 과 으로"),  # 천
    ("20000", "이 을 은 과 으로"),  # 이만
    ("300000000", "이 을 은 과 으로"),  # 삼억
    ("1000000000000", "가 를 는 와 로"),  # 일조
    ("1.5", "가 를 는 와 로"),  # 일 점 오
    ("IP", "가 를 는 와 로"),  # 피
    ("CN", "이 을 은 과 으로"),  # 엔
    ("URL", "이 을 은 과 로"),  # 엘
    ("SNS", "가 를 는 와 로"),  # 에스
    ("Amazon", "이 을 은 과 으로"),  # 아마존
    ("Coupang", "이 을 은 과 으로"),  # 쿠팡
    ("Google", "이 을 은 과 로"),  # 구글
    ("Line", "이 을 은 과 으로"),  # 라인
    ("TikTok", "이 을 은 과 으로"),  # 틱톡
    ("Facebook", "이 을 은 과 으로"),  # 페이스북
    ("Shopee", "가 를 는 와 로"),  # 쇼피
    ("Lazada", "가 를 는 와 로"),  # 라자다
    ("YouTube", "가 를 는 와 로"),  # 유튜브
    ("Walmart", "가 를 는 와 로"),  # 월마트
    ("Công ty TNHH Thương mại Sao Vàng", "이 을 은 과 으로"),  # Vang, as if without accents
    ("上海美妆贸易有限公司", "가 를 는 와 로"),  # cannot be read here: the form after a vowel
    ("", "가 를 는 와 로"),
]


@pytest.mark.parametrize("word, expected", WORDS)
def test_each_particle_follows_the_sound_of_the_word_before_it(word, expected):
    chosen = [particle(word, notation) for notation in ("이(가)", "을(를)", "은(는)", "과(와)", "(으)로")]
    assert chosen == expected.split()


@pytest.mark.parametrize("word, final", [("강", "ㅇ"), ("말", "ㄹ"), ("닭", "ㄺ"), ("바다", ""), ("10", "ㅂ"),
                                         ("Web", "ㅂ"), ("Gmarket", "ㅅ"), ("HTML", "ㄹ"), ("M", "ㅁ")])
def test_the_final_consonant_is_the_one_read_aloud(word, final):
    assert final_consonant(word) == final


def test_the_catalogue_notations_resolve_after_their_placeholder_only():
    values = {"company": "삼성", "hub": "서울 센터", "name": "Lazada", "num": 3}
    assert with_particles("%(company)s이(가) 승인되었습니다.", values) == "%(company)s이 승인되었습니다."
    assert with_particles("%(hub)s(으)로 이관", values) == "%(hub)s로 이관"
    assert with_particles("%(name)s은(는) %(company)s과(와) 연결", values) == "%(name)s는 %(company)s과 연결"
    assert with_particles("%(num)d(이)나 %(name)s(이)나", values) == "%(num)d이나 %(name)s나"
    assert with_particles("이(가) 아닌 (%(company)s)은", values) == "이(가) 아닌 (%(company)s)은"  # no placeholder
    assert with_particles("%(missing)s이(가)", values) == "%(missing)s이(가)"
    assert set(NOTATIONS) >= {"이(가)", "을(를)", "은(는)", "과(와)", "(으)로", "(이)"}
