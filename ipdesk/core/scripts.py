"""Runs of East Asian text marked with their language, so that pages and PDFs draw each run in one typeface.

Han characters are drawn differently in Japanese, Simplified and Traditional Chinese (and Korean), and a
font stack that only asks "who has this glyph" mixes faces inside one name. A run with kana is Japanese;
other Han text follows the case's country; Hangul is Korean. The style sheets (``pdf.css``, ``app.css``)
give each ``:lang()`` its face.
"""
import re

from markupsafe import Markup, escape

from ipdesk.core.i18n import current_locale

HANGUL = "\u1100-\u11ff\u3130-\u318f\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff\uffa0-\uffdc"
KANA = "\u3040-\u30ff\u31f0-\u31ff\uff66-\uff9f\U0001b000-\U0001b16f"
HAN = "\u2e80-\u2fdf\u3005\u3007\u3021-\u3029\u3038-\u303b\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
# CJK punctuation and fullwidth forms belong to the run they sit in; on their own they stay unmarked.
CJK_MARKS = "\u3000-\u303f\u3190-\u31ef\u3200-\u33ff\ufe30-\ufe4f\uff01-\uff65"
# Korean words stay one run across the spaces, digits and punctuation between them.
NEUTRAL = "\\s0-9!-/:-@\\[-`{-~\u00b7\u2000-\u206f"

# Han and kana are one run only while they touch (or have digits between them, as in 第12分公司): Japanese is
# written without spaces, and names in several languages are often joined by " / " or ", ".
_RUN = re.compile(f"[{HANGUL}]+(?:[{NEUTRAL}]+[{HANGUL}]+)*"
                  f"|[{HAN}{KANA}{CJK_MARKS}]+(?:[0-9]+[{HAN}{KANA}{CJK_MARKS}]+)*")
_HANGUL = re.compile(f"[{HANGUL}]")
_KANA = re.compile(f"[{KANA}]")
_HAN = re.compile(f"[{HAN}]")

#: The written language of Han text without kana, by the country it comes from; others use Simplified Chinese.
HAN_LANGUAGE = {"JP": "ja", "TW": "zh-Hant", "HK": "zh-Hant", "MO": "zh-Hant"}


def run_language(run: str, country_code: str | None) -> str | None:
    """The language tag for one run of East Asian text, or None for a run of punctuation only."""
    if _HANGUL.match(run):
        return "ko"
    if _KANA.search(run):
        return "ja"
    if _HAN.search(run):
        return HAN_LANGUAGE.get(country_code or "", "zh-Hans")
    return None


def lang_runs(text, country_code: str | None = None) -> Markup:
    """``text`` (plain text) escaped, with each East Asian run in ``<span lang="...">``.

    Runs in the page's own language are left as they are: the document's ``lang`` already covers them.
    """
    if text is None:
        return Markup("")
    text = str(text)
    matches = list(_RUN.finditer(text))
    if not matches:
        return escape(text)
    locale = current_locale()
    page_language = locale.language if locale else None
    parts, end = [], 0
    for match in matches:
        language = run_language(match.group(), country_code)
        if language is None or language == page_language:
            continue
        parts.append(escape(text[end:match.start()]))
        parts.append(Markup('<span lang="%s">%s</span>') % (language, match.group()))
        end = match.end()
    parts.append(escape(text[end:]))
    return Markup("").join(parts)
