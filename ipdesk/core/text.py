"""Text for narrow places: cut to a width (table cells of PDFs, chart labels), measured in half-em units, or
given places to wrap (long unbroken runs in documents)."""
import re
import unicodedata

ELLIPSIS = "…"
MARKS = ("Mn", "Mc", "Me")  # combining marks: Thai vowels and tones, Devanagari signs, accents
SOFT_BREAK = "\u200b"  # zero width space: a place to wrap, drawn as nothing and left out of extracted text
SOFT_BREAK_EVERY = 16  # characters: 25 mm of the PDFs' monospace, a little more of their text
URL_BREAKS = "/?&="  # a web address wraps after these first
ZWJ = "\u200d"
_LONG_RUN = re.compile(rf"[^\s\u200b]{{{SOFT_BREAK_EVERY + 1},}}")
_AFTER_URL_BREAK = re.compile(r"(?<=.)([/?&=]+)(?=[^/?&=])")


def _width(c: str) -> float:
    """About how many half-ems ``c`` takes in the PDFs' fonts (NanumGothic, then DejaVu Sans, Noto Sans CJK,
    Loma): Hangul, kana and Han a full em; capitals, digits and Thai letters a little over half an em;
    other letters about half an em; marks that sit on a letter and invisible joiners nothing."""
    category = unicodedata.category(c)
    if category in ("Mn", "Me", "Cf"):
        return 0
    if unicodedata.east_asian_width(c) in "WF":
        return 2
    if c.isupper() or c.isdigit() or "\u0e00" <= c <= "\u0e7f":
        return 1.2
    return 1


def display_width(text: str) -> float:
    """About how many half-ems ``text`` takes on a line."""
    return sum(_width(c) for c in text)


def fit(text: str, width: float) -> str:
    """``text`` on one line of about ``width`` half-ems: whole if it fits, else cut with an ellipsis.

    Never cuts between a letter and the marks on it, and trims the space before the ellipsis. (An
    ellipsis made here, rather than by CSS ``text-overflow``, keeps the PDF's text extractable: the
    ellipsis WeasyPrint draws maps to the hidden text in the font's ToUnicode table.)
    """
    text = " ".join(str(text).split())  # one line: newlines and runs of spaces become one space
    if display_width(text) <= width:
        return text
    kept, used = [], 0.0
    for c in text:
        w = _width(c)
        if used + w > width - 1 and unicodedata.category(c) not in MARKS:  # room for the ellipsis
            break
        kept.append(c)
        used += w
    return "".join(kept).rstrip() + ELLIPSIS


def _starts_cluster(c: str) -> bool:
    """Whether a line may wrap before ``c`` without parting it from the letter it belongs to."""
    return unicodedata.category(c) not in (*MARKS, "Cf", "Sk")


def _chunks(part: str) -> str:
    """``part`` of a run (what lies between the places to wrap after ``/ ? & =``) with a place to wrap every
    SOFT_BREAK_EVERY characters."""
    every = SOFT_BREAK_EVERY
    if part.isascii():  # most web addresses and IDs: no marks, no wide letters
        return SOFT_BREAK.join(part[i:i + every] for i in range(0, len(part), every))
    out, length = [], 0
    for i, c in enumerate(part):
        if length >= every and _starts_cluster(c) and part[i - 1] != ZWJ:
            out.append(SOFT_BREAK)
            length = 0
        out.append(c)
        # Han, kana and Hangul wrap between any two of them already
        length = 0 if unicodedata.east_asian_width(c) in "WF" else length + 1
    return "".join(out)


def soft_breaks(text: str) -> str:
    """``text`` with a place to wrap in every run of more than SOFT_BREAK_EVERY characters without one: after
    ``/ ? & =`` (a web address wraps between its parts), else every SOFT_BREAK_EVERY characters, never between
    a letter and its marks. Shorter words are left alone.

    WeasyPrint lays out a long unbroken run in a narrow column in time that grows with the square of its length
    (with ``word-break: break-all`` or ``overflow-wrap: anywhere`` as without them), and a run wider than its
    column runs off the page; with a place to wrap every few characters it does neither.
    """
    return _LONG_RUN.sub(lambda match: SOFT_BREAK.join(
        _chunks(part) for part in _AFTER_URL_BREAK.sub(rf"\1{SOFT_BREAK}", match.group()).split(SOFT_BREAK)), text)
