"""Korean particles chosen by the word before them (이/가, 은/는, 을/를, 과/와, 으로/로), for messages whose
word is a placeholder: the catalogue writes ``%(company)s이(가)`` and the reader sees ``삼성이`` or ``네이버가``.

Which form a particle takes depends on whether the syllable before it, as read aloud, ends in a consonant
(받침); 으로/로 takes 로 after a vowel and after ㄹ. The value's last word is read like this:

- Hangul: the last syllable's final consonant.
- Digits: read as Sino-Korean numbers (3 삼, 10 십, 100 백, 1,000 천, 20,000 이만, 100,000,000 억); after a
  decimal point the digits are read one by one (1.5 일 점 오).
- Latin, as Korean writes English words and initials:

  - all capitals (an abbreviation such as ``CN``, ``IP``, ``HTML``) or one letter: the letter's name, so only
    L and R (엘, 알; ㄹ) and M and N (엠, 엔) end in a consonant;
  - other words end in a consonant when they end in ``m``, ``n``, ``ng`` (Amazon 아마존, Coupang 쿠팡), in a
    silent ``e`` after a vowel and ``m`` or ``n`` (Line 라인, Chrome 크롬), in ``l`` or a consonant and
    ``le`` (ㄹ: Google 구글, Mall 몰), or in ``b``, ``ck``, ``k``, ``p`` or ``t`` after one vowel letter, or in
    ``ook`` (Web 웹, TikTok 틱톡, Shop 숍, Gmarket 지마켓, Facebook 페이스북); anything else (Shopee, Lazada,
    YouTube, Walmart, Express) does not.
    Letters with accents are read without them (Vàng as Vang).

- A closing parenthesised gloss is skipped (``서울(Seoul)`` reads as 서울), and so are closing punctuation,
  quotes and spaces.
- Anything else (Han characters, kana, Thai, Arabic, Cyrillic, symbols, an empty value) cannot be read
  here and takes the form used after a vowel.
"""
import re
import unicodedata
from collections.abc import Mapping

# How a notation written after a placeholder in the catalogue resolves: (after a consonant, after a vowel).
NOTATIONS = {
    "이(가)": ("이", "가"), "가(이)": ("이", "가"),
    "은(는)": ("은", "는"), "는(은)": ("은", "는"),
    "을(를)": ("을", "를"), "를(을)": ("을", "를"),
    "과(와)": ("과", "와"), "와(과)": ("과", "와"),
    "(으)로": ("으로", "로"),  # also (으)로서, (으)로써, (으)로부터: the rest follows as written
    "(이)": ("이", ""),  # (이)나, (이)라는, (이)며: the copula's 이 drops after a vowel
}
_AFTER_PLACEHOLDER = re.compile(
    r"(%\((\w+)\)[sd])(" + "|".join(re.escape(notation) for notation in NOTATIONS) + ")")

RIEUL = "ㄹ"
_FINALS = " ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"  # index 0: no final consonant
_DIGIT_FINALS = "ㅇㄹ ㅁ  ㄱㄹㄹ "  # 영 일 이 삼 사 오 육 칠 팔 구
_PLACE_FINALS = {1: "ㅂ", 2: "ㄱ", 3: "ㄴ"}  # 십 백 천
_GROUP_FINALS = {1: "ㄴ", 2: "ㄱ", 3: "", 4: "ㅇ"}  # 만 억 조 경
_LETTER_FINALS = {"L": RIEUL, "R": RIEUL, "M": "ㅁ", "N": "ㄴ"}  # 엘 알 엠 엔; the other letters' names end in vowels
_VOWELS = "aeiouy"
_GLOSS = re.compile(r"\s*[(\[（][^()\[\]（）]*[)\]）]$")
_TRAILING = re.compile(r"[\s\"'.,;:!?…·»”’」』-]+$")
_LAST_WORD = re.compile(r"(?:[0-9][0-9,]*(?:\.[0-9]+)?|[A-Za-z]+|[가-힣])$")


def final_consonant(word: str) -> str:
    """The final consonant of ``word``'s last syllable as read in Korean ("ㄴ", "ㄹ", ...), or "" when it ends
    in a vowel or cannot be read (see the module's notes)."""
    text = str(word)
    while (shorter := _GLOSS.sub("", _TRAILING.sub("", text))) and shorter != text:
        text = shorter
    # accents dropped (Vàng reads as Vang); Hangul decomposes into jamo and composes back unchanged
    text = unicodedata.normalize("NFC", "".join(c for c in unicodedata.normalize("NFD", text)
                                                if not unicodedata.combining(c)))
    match = _LAST_WORD.search(text)
    if match is None:
        return ""
    last = match.group()
    if "가" <= last <= "힣":
        return _FINALS[(ord(last) - ord("가")) % 28].strip()
    if last[0].isdigit():
        return _number_final(last)
    return _latin_final(last)


def _number_final(number: str) -> str:
    whole, _, decimals = number.replace(",", "").partition(".")
    if decimals:
        return _DIGIT_FINALS[int(decimals[-1])].strip()
    if int(whole) == 0:
        return "ㅇ"  # 영
    zeros = len(whole) - len(whole.rstrip("0"))
    if zeros == 0:
        return _DIGIT_FINALS[int(whole[-1])].strip()
    group, place = divmod(zeros, 4)
    if place:  # 십, 백 or 천 ends the number (10 십, 2,300 이천삼백)
        return _PLACE_FINALS[place]
    return _GROUP_FINALS.get(group, "")  # 만, 억, 조 or 경 ends it


def _latin_final(word: str) -> str:
    if len(word) == 1 or word.isupper():
        return _LETTER_FINALS.get(word[-1].upper(), "")
    word = word.lower()
    if word.endswith(("m", "n", "ng")):
        return "ㅇ" if word.endswith("ng") else "ㅁ" if word[-1] == "m" else "ㄴ"
    if word.endswith("l") or (word.endswith("le") and len(word) > 2 and word[-3] not in _VOWELS):
        return RIEUL
    if word.endswith(("me", "ne")) and len(word) > 2 and word[-3] in _VOWELS:
        return "ㅁ" if word[-2] == "m" else "ㄴ"  # a silent e: Line 라인, Chrome 크롬
    stem = word[:-2] if word.endswith("ck") else word[:-1]
    short_vowel = len(stem) >= 2 and stem[-1] in _VOWELS and stem[-2] not in _VOWELS
    if word[-1] in "bkpt" and (short_vowel or word.endswith("ook")):
        return {"b": "ㅂ", "p": "ㅂ", "t": "ㅅ"}.get(word[-1], "ㄱ")
    return ""


def particle(word: str, notation: str) -> str:
    """The form of the particle ``notation`` (as in ``NOTATIONS``, e.g. "이(가)") that follows ``word``."""
    after_consonant, after_vowel = NOTATIONS[notation]
    final = final_consonant(word)
    if notation == "(으)로" and final == RIEUL:
        return after_vowel
    return after_consonant if final else after_vowel


def with_particles(template: str, values: Mapping) -> str:
    """``template`` with each particle notation that follows a placeholder written as its value needs, ready
    for ``template % values`` (a placeholder ``values`` lacks keeps its notation)."""
    if "(" not in template:
        return template

    def choose(match: re.Match) -> str:
        placeholder, name, notation = match.groups()
        try:
            value = values[name]
        except (KeyError, TypeError):
            return match.group()
        return placeholder + particle(str(value), notation)

    return _AFTER_PLACEHOLDER.sub(choose, template)
