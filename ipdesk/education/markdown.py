"""Guides' text: Markdown as staff write it, to HTML that is safe to show and to print.

markdown-it-py renders CommonMark (with tables) and escapes any HTML typed into the text; nh3 (the Ammonia
sanitiser) then keeps only the tags and attributes below, links only to web and mail addresses, opened with no
referrer and no access to this page. No image survives: nothing in a guide makes a browser or WeasyPrint fetch
anything (files go along as attachments)."""
import html
import re
from functools import lru_cache

import nh3
from markdown_it import MarkdownIt
from markupsafe import Markup

TAGS = {"p", "br", "hr", "h2", "h3", "h4", "strong", "em", "code", "pre", "blockquote", "ul", "ol", "li", "a",
        "table", "thead", "tbody", "tr", "th", "td"}
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}  # no style: the pages' policy allows none inline
URL_SCHEMES = {"http", "https", "mailto"}


@lru_cache(maxsize=1)
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable("table")


HEADING = re.compile(r"<(/?)h([1-6])>")


def _headings_down(text: str) -> str:
    """A guide's page has its title as h1: its own headings are h2 to h4 ('#' is an h2, '###' and below h4)."""
    return HEADING.sub(lambda m: f"<{m.group(1)}h{min(int(m.group(2)) + 1, 4)}>", text)


def render(text: str) -> Markup:
    """``text`` (Markdown) as sanitised HTML."""
    rendered = _headings_down(_parser().render(text or ""))
    return Markup(nh3.clean(rendered, tags=TAGS, attributes=ATTRIBUTES, url_schemes=URL_SCHEMES,
                            link_rel="noopener noreferrer nofollow"))


def plain(text: str, limit: int = 240) -> str:
    """The first words of ``text`` without its markup (a list's summary), cut at a word."""
    words = html.unescape(nh3.clean(_parser().render(text or ""), tags=set())).split()
    summary = ""
    for word in words:
        if len(summary) + len(word) + 1 > limit:
            return summary + "…"
        summary = f"{summary} {word}" if summary else word
    return summary
