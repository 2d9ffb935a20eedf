"""The words of a query marked in the text as it was written: the text is compared in search's normal form, a
character at a time, so what is marked is the original (``Phở`` marked for ``pho``, ``ＡＢＣ`` for ``abc``)."""
import unicodedata

from markupsafe import Markup, escape

from ipdesk.search.text import LATIN_LETTER, STROKED

SNIPPET = 180  # characters of context around the first word found


def _joins_previous(char: str) -> bool:
    """Whether ``char`` composes with the character before it under NFKC: a combining mark, a half-width kana voicing
    mark (ｶﾞ is ガ), a conjoining Hangul vowel or final consonant (ᄀ ᅡ is 가)."""
    return bool(unicodedata.combining(char)) or char in "\uff9e\uff9f" or "\u1160" <= char <= "\u11ff" \
        or "\ud7b0" <= char <= "\ud7ff"


def _clusters(text: str):
    """``text`` cut into (start, end) of the characters that fold together."""
    start = 0
    for index in range(1, len(text) + 1):
        if index == len(text) or not _joins_previous(text[index]):
            yield start, index
            start = index


def _folded(text: str) -> tuple[str, list[tuple[int, int]]]:
    """``text`` in search's normal form (``normalise``, spaces kept one for one), and for each folded character
    where in ``text`` the characters it came from stand."""
    out: list[str] = []
    origin: list[tuple[int, int]] = []
    base_is_latin = False
    for start, end in _clusters(text):
        cluster = text[start:end]
        if cluster.isspace():
            out.append(" ")
            origin.append((start, end))
            base_is_latin = False
            continue
        kept = []
        for part in unicodedata.normalize("NFD", unicodedata.normalize("NFKC", cluster).casefold().translate(STROKED)):
            if unicodedata.combining(part):
                if base_is_latin:
                    continue
            else:
                base_is_latin = bool(LATIN_LETTER.match(part))
            kept.append(part)
        for folded in unicodedata.normalize("NFC", "".join(kept)):
            out.append(folded)
            origin.append((start, end))
    return "".join(out), origin


def spans(text: str, words) -> list[tuple[int, int]]:
    """Where in ``text`` the normalised ``words`` stand, as (start, end) of the original characters, merged."""
    folded, origin = _folded(text)
    found = []
    for word in words:
        start = folded.find(word)
        while start >= 0:
            found.append((origin[start][0], origin[start + len(word) - 1][1]))
            start = folded.find(word, start + 1)
    merged: list[tuple[int, int]] = []
    for start, end in sorted(found):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def snippet(texts, words) -> Markup:
    """The first of ``texts`` that holds a word of the query, around its first word, with every word marked
    (``<mark>``); the first text that is not empty when none holds one (the record matched on others)."""
    chosen, marks = "", []
    for text in texts:
        if not text:
            continue
        found = spans(text, words)
        if found:
            chosen, marks = text, found
            break
        if not chosen:
            chosen = text
    start = 0
    if len(chosen) > SNIPPET:
        start = max(0, (marks[0][0] if marks else 0) - SNIPPET // 3)
    end = min(len(chosen), start + SNIPPET)
    parts = [Markup("…") if start else Markup("")]
    at = start
    for mark_start, mark_end in marks:
        if mark_end <= start or mark_start >= end:
            continue
        mark_start, mark_end = max(mark_start, start), min(mark_end, end)
        parts.append(escape(chosen[at:mark_start]))
        parts.append(Markup("<mark>%s</mark>") % chosen[mark_start:mark_end])
        at = mark_end
    parts.append(escape(chosen[at:end]))
    if end < len(chosen):
        parts.append(Markup("…"))
    return Markup("").join(parts)
