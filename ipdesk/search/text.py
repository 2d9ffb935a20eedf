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
import re
import unicodedata

# Latin letters whose diacritics fold away; other scripts keep their combining marks.
_LATIN = re.compile(r"[A-Za-z\u00c0-\u024f\u1e00-\u1eff]")
# Latin letters with a stroke, which no decomposition takes apart.
_STROKED = str.maketrans({"đ": "d", "ø": "o", "ł": "l", "ħ": "h", "ŧ": "t", "ƀ": "b", "ɨ": "i", "ʉ": "u"})
# A run: letters, digits and the marks that belong to them (Thai vowels and tones, kana voicing marks).
_RUN = re.compile(r"[^\W_]+(?:[\u0300-\u036f\u0e31\u0e34-\u0e3a\u0e47-\u0e4e\u3099\u309a]+[^\W_]*)*")


def normalise(text: str | None) -> str:
    """``text`` in the form search compares: NFKC, case-folded, Latin diacritics removed, spaces collapsed."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_STROKED)
    out = []
    base_is_latin = False
    for char in unicodedata.normalize("NFD", folded):
        if unicodedata.combining(char):
            if base_is_latin:
                continue  # an accent on a Latin letter: folded away
        else:
            base_is_latin = bool(_LATIN.match(char))
        out.append(char)
    return " ".join(unicodedata.normalize("NFC", "".join(out)).split())


def runs(normalised: str) -> list[str]:
    """The runs of letters and digits of normalised text, in order."""
    return _RUN.findall(normalised)


def pieces(normalised: str) -> list[list[str]]:
    """Each run of ``normalised`` as its overlapping two-character pieces (a one-character run as itself)."""
    return [[run[i:i + 2] for i in range(len(run) - 1)] or [run] for run in runs(normalised)]


_SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*://")


def web_address(text: str | None) -> str:
    """A web address or seller id as it is compared: normalised, without scheme, ``www.``, fragment or trailing
    slash (``HTTPS://www.Shop.example/item/1/#top`` and ``shop.example/item/1`` are the same)."""
    address = normalise(text).strip()
    address = _SCHEME.sub("", address)
    address = address.split("#", 1)[0].rstrip("/")
    return address[4:] if address.startswith("www.") else address
