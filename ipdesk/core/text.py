"""Text cut to a width for narrow places (table cells of PDFs, chart labels), measured in half-em units."""
import unicodedata

ELLIPSIS = "…"
MARKS = ("Mn", "Mc", "Me")  # combining marks: Thai vowels and tones, Devanagari signs, accents


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
