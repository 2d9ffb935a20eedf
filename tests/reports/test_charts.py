"""The SVG charts: well-formed, escaped, accessible, deterministic, and sound with no data or only zeros."""
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest

from ipdesk.reports.charts import bar_chart, column_chart, stacked_bar_chart

pytestmark = pytest.mark.usefixtures("english")

SVG = "{http://www.w3.org/2000/svg}"
NASTY = '<script>alert("x")</script> & Sons'


def parse(markup) -> ET.Element:
    root = ET.fromstring(str(markup))
    assert root.tag == f"{SVG}svg" and root.get("role") == "img" and root.get("viewBox").startswith("0 0 640 ")
    assert root[0].tag == f"{SVG}title" and root[0].text == root.get("aria-label")
    assert {el.tag.removeprefix(SVG) for el in root.iter()} <= {"svg", "title", "g", "rect", "text", "line"}
    assert "style" not in str(markup) and "font-family" not in str(markup) and "href" not in str(markup)
    return root


def texts(root) -> list[str]:
    return [el.text for el in root.iter(f"{SVG}text")]


def all_charts(label: str, values=(3, 0, 12)):
    items = [(label, values[0]), ("K-food", values[1]), ("Fashion", values[2])]
    return [bar_chart(items, title=label), column_chart(items, title=label),
            stacked_bar_chart([(label, values), ("Thailand", (1, 2, 3))], [label, "Evidence", "Action"], title=label)]


def test_charts_are_valid_svg_with_their_numbers():
    bar, column, stacked = (parse(c) for c in all_charts("K-beauty", (3, 0, 1200)))
    assert texts(bar) == ["K-beauty", "3", "K-food", "0", "Fashion", "1,200"]
    assert "1,200" in texts(column) and "Fashion" in texts(column)
    assert "1,203" in texts(stacked) and "6" in texts(stacked) and "Evidence" in texts(stacked)
    widths = [float(r.get("width")) for r in bar.iter(f"{SVG}rect")]
    assert widths[2] == max(widths) and widths[1] == 0 and 0 < widths[0] < widths[2]


def test_labels_are_escaped():
    for chart in all_charts(NASTY):
        raw = str(chart)
        assert "<script>" not in raw and "&lt;script&gt;" in raw and "&amp; Sons" in raw
        root = parse(chart)
        assert root.get("aria-label") == NASTY
        assert any(NASTY in (el.text or "") for el in root.iter(f"{SVG}title"))


def test_empty_data_and_zeros_still_draw():
    for chart in (bar_chart([], title="Nothing"), column_chart([], title="Nothing"),
                  stacked_bar_chart([], ["Intake"], title="Nothing")):
        assert texts(parse(chart)) == ["No data"]
    for chart in all_charts("Zero", (0, 0, 0)):
        root = parse(chart)
        assert all(float(r.get("height")) >= 0 and float(r.get("width")) >= 0 for r in root.iter(f"{SVG}rect"))
    assert parse(bar_chart([("Decimal", Decimal("2.5"))], title="Amounts")) is not None


def test_output_is_deterministic_and_long_labels_are_cut():
    assert all_charts("Same") == all_charts("Same")
    long = "상표 무단 선점 및 악의적 출원에 관한 분쟁 사건"
    root = parse(bar_chart([(long, 1)], title="Long"))
    shown = texts(root)[0]
    assert shown.endswith("…") and long.startswith(shown[:-1].rstrip()) and len(shown) < len(long)
    assert any(long in (el.text or "") for el in root.iter(f"{SVG}title"))


def test_crowded_columns_thin_out_their_labels():
    root = parse(column_chart([(f"M{i}", i) for i in range(60)], title="Five years"))
    labels = [t for t in texts(root) if t.startswith("M")]
    assert labels[:3] == ["M0", "M5", "M10"] and len(labels) == 12
