"""The text a search compares: the same normal form for what is indexed and what is asked, in every script.

``normalise`` folds what people type differently for the same word: full-width and half-width forms and
compatibility characters (NFKC), upper and lower case (case folding), and the diacritics of Latin letters, so that
Vietnamese is found with or without them (``Phở`` and ``pho``, ``Đà`` and ``da``). Hangul, Thai, Chinese and
Japanese keep every mark: a Thai vowel or tone mark is part of the word, not an accent on it.

``pieces`` cuts normalised text into overlapping two-character pieces per run of letters and digits, the unit the
index holds: a run of Chinese, Japanese or Thai needs no spaces, and a query of two characters (``아름``) is one
piece, found inside a longer word (``아름코스메틱``). A one-character run is a piece of its own.

``web_address`` is the normal form of a web address or seller id as people paste them: no scheme, no ``www.``,
no trailing slash or fragment.
"""
import functools
import re
import sys
import unicodedata
from collections.abc import Iterable

# Latin letters whose diacritics fold away; other scripts keep their combining marks.
LATIN_LETTER = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
# Latin letters with a stroke, which no decomposition takes apart.
STROKED = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ʉ": "u"})
# A run: letters, digits and the marks that belong to them (Thai vowels and tones, kana voicing marks).
_RUN = re.compile(r"[^\W_]+(?:[\u0300-\u036f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u3099\u309a]+[^\W_]*)*")


def _characters() -> tuple[list[int], list[int]]:
    """Every character Unicode gives a combining class (what ``unicodedata.combining`` tells one at a time); and
    those that decomposing changes: the combining ones and those with a canonical decomposition (Hangul syllables
    aside: they decompose into letters, not marks, and compose back)."""
    combining, decomposing = [], []
    for code in range(sys.maxunicode + 1):
        char = chr(code)
        if unicodedata.combining(char):
            combining.append(code)
            decomposing.append(code)
        elif unicodedata.decomposition(char)[:1] not in ("", "<") and not 0xAC00 <= code <= 0xD7A3:
            decomposing.append(code)
    return combining, decomposing


def _class(codes: Iterable[int]) -> str:
    """A regular-expression class of these characters (in order), as ranges."""
    ranges: list[list[int]] = []
    for code in codes:
        if ranges and ranges[-1][1] == code - 1:
            ranges[-1][1] = code
        else:
            ranges.append([code, code])
    return "[" + "".join(f"\\U{a:08x}-\\U{b:08x}" for a, b in ranges) + "]"


@functools.cache  # read from Unicode's tables at the first text that needs them (a second or so of work)
def _patterns() -> tuple[re.Pattern, re.Pattern, re.Pattern]:
    """The accents that follow a Latin letter once text is decomposed (NFD), which fold away; and the characters
    without which text is unchanged by decomposing and composing again (NFD, then NFC), so no accent folds away, in
    two classes (one of the first plane is a table, one beyond it is searched range by range)."""
    combining, decomposing = _characters()
    return (re.compile(f"({LATIN_LETTER.pattern}){_class(combining)}+"),
            re.compile(_class(code for code in decomposing if code <= 0xFFFF)),
            re.compile(_class(code for code in decomposing if code > 0xFFFF)))


_STROKED_LETTERS = tuple(map(chr, STROKED))


def normalise(text: str | None) -> str:
    """``text`` in the form search compares: NFKC, case-folded, Latin diacritics removed, spaces collapsed."""
    if not text:
        return ""
    if len(text) <= SHORT:
        return _normalise_short(text)
    return _normalise(text)


SHORT = 100  # a name, a mark, a number: the same ones recur from record to record


@functools.lru_cache(maxsize=8192)
def _normalise_short(text: str) -> str:
    return _normalise(text)


def _normalise(text: str) -> str:
    """``normalise``, uncached."""
    if text.isascii():  # most of what is indexed: NFKC and decomposition change nothing, case folding is lower()
        return " ".join(text.lower().split())
    folded = unicodedata.normalize("NFKC", text).casefold()
    if any(letter in folded for letter in _STROKED_LETTERS):
        folded = folded.translate(STROKED)
    accents, changes, changes_beyond = _patterns()
    if changes.search(folded) or (max(folded) > "\uffff" and changes_beyond.search(folded)):
        folded = unicodedata.normalize("NFC", accents.sub(r"\1", unicodedata.normalize("NFD", folded)))
    return " ".join(folded.split())


def runs(normalised: str) -> list[str]:
    """The runs of letters and digits of normalised text, in order."""
    return _RUN.findall(normalised)


def _pairs(run: str) -> list[str]:
    """The overlapping two-character pieces of a run."""
    return [run[i:i + 2] for i in range(len(run) - 1)]


def pieces(normalised: str) -> list[list[str]]:
    """Each run of ``normalised`` as its overlapping two-character pieces (a one-character run as itself)."""
    return [_pairs(run) or [run] for run in runs(normalised)]


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def web_address(text: str | None) -> str:
    """A web address or seller id as it is compared: normalised, without scheme, ``www.``, fragment or trailing
    slash (``HTTPS://www.Shop.example/item/1/#top`` and ``shop.example/item/1`` are the same)."""
    address = normalise(text).strip()
    address = _SCHEME.sub("", address)
    address = address.split("#", 1)[0].rstrip("/")
    return address[4:] if address.startswith("www.") else address


# Letters that make a word on their own, so a one-character query is worth an index entry: anything beyond the Latin
# letters and digits (a Chinese surname, a Korean syllable). A single Latin letter or digit finds too much to index.
_SHORT = re.compile(f"[0-9]|{LATIN_LETTER.pattern}")


# the characters of a run that are words alone, found in one pass (what ``is_word_alone`` tells of one)
_ALONE = re.compile(f"[^0-9{LATIN_LETTER.pattern[1:-1]}]")


def is_word_alone(char: str) -> bool:
    """Whether a one-character query ``char`` is looked up by itself (it is not a Latin letter or digit)."""
    return not _SHORT.match(char)


def terms(normalised: str) -> set[str]:
    """What the index holds for ``normalised`` text: every distinct two-character piece of its runs, and each
    character that is a word on its own (``is_word_alone``), so one such character typed alone is found too."""
    return set().union(*map(_run_terms, runs(normalised)))


@functools.lru_cache(maxsize=8192)  # words recur: a record's text is mostly words indexed before
def _run_terms(run: str) -> tuple[str, ...]:
    """The terms of one run: its pieces (a one-character run is its own), and its characters that are words alone."""
    held = _pairs(run) or [run]
    if not run.isascii():  # an ASCII run holds only Latin letters and digits
        held += _ALONE.findall(run)
    return tuple(held)


def tokens(normalised: str) -> set[str]:
    """``terms`` spelled as SQLite's index holds them (``token``)."""
    return set().union(*map(_run_tokens, runs(normalised)))


@functools.lru_cache(maxsize=8192)
def _run_tokens(run: str) -> tuple[str, ...]:
    return tuple(map(token, _run_terms(run)))


MAX_QUERY_TERMS = 32  # the index narrows enough by then; every run is still compared in full afterwards


def query_terms(normalised: str) -> tuple[list[str], list[str]]:
    """What a query asks: its runs (each must be found, in any order, in the record's normal text) and the index
    terms that narrow the candidates (every piece of each run, a lone character only when it is a word alone). No
    terms means the query is too short to search."""
    asked = runs(normalised)
    wanted: list[str] = []
    for run in asked:
        if len(run) == 1:
            if is_word_alone(run):
                wanted.append(run)
            continue
        wanted.extend(_pairs(run))
    unique = list(dict.fromkeys(wanted))
    if len(unique) > MAX_QUERY_TERMS:  # spread over the query, not its first words only
        step = len(unique) / MAX_QUERY_TERMS
        unique = [unique[int(i * step)] for i in range(MAX_QUERY_TERMS)]
    return asked, unique


@functools.lru_cache(maxsize=1 << 16)  # terms repeat: two-character pieces of a few scripts
def token(term: str) -> str:
    """``term`` spelled in ASCII letters and digits for SQLite's FTS5 (its ``ascii`` tokenizer splits every other
    character, Thai marks included): each character as six hexadecimal digits."""
    return "".join(f"{ord(char):06x}" for char in term)
