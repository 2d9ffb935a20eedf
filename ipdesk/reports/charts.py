"""Server-side SVG charts as strings: basic SVG only, so browsers and WeasyPrint draw them alike.

Each chart is an ``<svg role="img">`` with a ``<title>`` and an ``aria-label``; every label is escaped;
the same inputs give the same bytes. Text inherits the page's font (no font is fetched). Pages show
the numbers as a table next to each chart too. A chart scales with its box, text and all: pages draw it
twice with ``responsive``, wide and narrow, so that its text never shrinks below 11 px.
"""
import math
from collections.abc import Callable, Sequence
from decimal import Decimal

from flask_babel import gettext as _
from markupsafe import Markup, escape

from ipdesk.core.i18n import number_text
from ipdesk.core.text import display_width, fit

WIDTH = 640
NARROW = 320  # the phone's chart: 12-unit text stays above 11 px in a box down to 293 px wide
ROW = 24  # height of one bar's row
BAR = 16
LABEL_WIDTH = 200  # room for category labels left of the bars (in a chart WIDTH wide)
VALUE_ROOM = 60  # room for the number right of the longest bar
CHAR = 6.5  # a half-em of 12-unit text, in the chart's units
TEXT = "#212529"
MUTED = "#6c757d"
# Okabe-Ito: told apart by people with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")

Number = int | Decimal


def responsive(chart: Callable[..., Markup], *args, **kwargs) -> Markup:
    """``chart`` drawn wide and narrow in one box; the page's style shows the one that fits (app.css)."""
    return Markup(f'<div class="chart-box"><div class="chart-wide">{chart(*args, **kwargs)}</div>'
                  f'<div class="chart-narrow">{chart(*args, **kwargs, width=NARROW)}</div></div>')


def _label_width(width: int) -> int:
    return LABEL_WIDTH if width >= WIDTH else round(width * 0.36)


def bar_chart(items: Sequence[tuple[str, Number]], *, title: str, width: int = WIDTH) -> Markup:
    """Horizontal bars, one per (label, value), in the given order."""
    if not items:
        return _empty(title, width)
    top = max(max(value for _label, value in items), 1)
    label_width = _label_width(width)
    span = width - label_width - VALUE_ROOM
    parts = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * ROW
        bar = span * value / top
        parts.append(
            f'<g><title>{escape(label)}: {number_text(value)}</title>'
            f'{_text(label_width - 8, y + 13, fit(label, (label_width - 5) / CHAR), anchor="end")}'
            f'<rect x="{label_width}" y="{y}" width="{bar:.1f}" height="{BAR}" fill="{PALETTE[0]}"/>'
            f'{_text(label_width + bar + 6, y + 13, number_text(value))}</g>'
        )
    return _svg(title, 8 + len(items) * ROW, parts, width)


def stacked_bar_chart(rows: Sequence[tuple[str, Sequence[Number]]], series: Sequence[str], *,
                      title: str, width: int = WIDTH) -> Markup:
    """Horizontal stacked bars: one per (label, values), the values split by ``series`` (a legend above)."""
    if not rows:
        return _empty(title, width)
    legend, legend_height = _legend(series, width)
    top = max(max(sum(values) for _label, values in rows), 1)
    label_width = _label_width(width)
    span = width - label_width - VALUE_ROOM
    parts = [legend]
    for i, (label, values) in enumerate(rows):
        y = legend_height + 4 + i * ROW
        x = float(label_width)
        segments = []
        for j, value in enumerate(values):
            bar = span * value / top
            if bar > 0:
                segments.append(
                    f'<rect x="{x:.1f}" y="{y}" width="{bar:.1f}" height="{BAR}" fill="{_colour(j)}">'
                    f'<title>{escape(label)}, {escape(series[j])}: {number_text(value)}</title></rect>'
                )
            x += bar
        parts.append(
            f'<g><title>{escape(label)}: {number_text(sum(values))}</title>'
            f'{_text(label_width - 8, y + 13, fit(label, (label_width - 5) / CHAR), anchor="end")}'
            f'{"".join(segments)}{_text(x + 6, y + 13, number_text(sum(values)))}</g>'
        )
    return _svg(title, legend_height + 8 + len(rows) * ROW, parts, width)


def column_chart(items: Sequence[tuple[str, Number]], *, title: str,
                 axis_labels: Sequence[str] | None = None, plot_height: int = 160, width: int = WIDTH) -> Markup:
    """Vertical columns, one per (label, value), e.g. new cases per month; labels thin out when crowded.

    :param axis_labels: shorter labels under the columns (e.g. "Mar" for "Mar 2026"); the full ones
        stay in each column's title.
    :param plot_height: the tallest column, in the chart's units (it is 640 wide); lower for a compact chart.
    :param width: the chart's width in its units; a narrow one has fewer labels along the axis.
    """
    if not items:
        return _empty(title, width)
    plot_top, left = 20, 16
    top = max(max(value for _label, value in items), 1)
    slot = (width - 2 * left) / len(items)
    every = math.ceil(len(items) / (12 if width >= WIDTH else 6))  # at most about twelve labels along the axis
    baseline = plot_top + plot_height
    parts = [f'<line x1="{left}" y1="{baseline}" x2="{width - left}" y2="{baseline}" stroke="{MUTED}"/>']
    for i, (label, value) in enumerate(items):
        height = plot_height * value / top
        x = left + i * slot
        middle = x + slot / 2
        axis_label = axis_labels[i] if axis_labels else label
        shown_label = _text(middle, baseline + 16, fit(axis_label, 8), anchor="middle") if i % every == 0 else ""
        shown_value = (_text(middle, baseline - height - 4, number_text(value), anchor="middle")
                       if len(items) <= 24 * width / WIDTH else "")
        parts.append(
            f'<g><title>{escape(label)}: {number_text(value)}</title>'
            f'<rect x="{x + slot * 0.15:.1f}" y="{baseline - height:.1f}" width="{slot * 0.7:.1f}" '
            f'height="{height:.1f}" fill="{PALETTE[0]}"/>{shown_value}{shown_label}</g>'
        )
    return _svg(title, baseline + 24, parts, width)


# --- pieces ----------------------------------------------------------------------------------

def _svg(title: str, height: int, parts: list[str], width: int = WIDTH) -> Markup:
    label = escape(title)
    return Markup(
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-label="{label}" class="chart"><title>{label}</title>{"".join(parts)}</svg>'
    )


def _empty(title: str, width: int = WIDTH) -> Markup:
    return _svg(title, 40, [_text(width / 2, 24, _("No data"), anchor="middle", fill=MUTED)], width)


def _legend(series: Sequence[str], width: int = WIDTH) -> tuple[str, int]:
    """Swatches and names in lines that fit the width; returns the markup and its height."""
    items, x, y = [], 8.0, 4
    for j, name in enumerate(series):
        room = 18 + display_width(name) * CHAR + 14
        if x + room > width and x > 8:
            x, y = 8.0, y + 18
        items.append(f'<rect x="{x:.1f}" y="{y + 2}" width="12" height="12" fill="{_colour(j)}"/>'
                     f'{_text(x + 16, y + 12, name)}')
        x += room
    return f'<g>{"".join(items)}</g>', y + 22


def _text(x: float, y: float, content, *, anchor: str = "start", size: int = 12, fill: str = TEXT) -> str:
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" fill="{fill}" text-anchor="{anchor}">'
            f'{escape(content)}</text>')


def _colour(j: int) -> str:
    return PALETTE[j % len(PALETTE)]
