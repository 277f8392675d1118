"""The server-drawn SVG charts: self-contained, hidden figures absent (the mark in their label),
text that browsers can shape in any of the five languages, matplotlib loaded only when drawing."""

from __future__ import annotations

import base64
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from typing import Optional

import pytest

from casework.reports import charts
from casework.reports.build import build_report
from casework.reports.model import MARK, Period, ReportTable
from tests.reports.test_build import seed_large_year, seed_small_year

SVG = "{http://www.w3.org/2000/svg}"


def one_way(values: dict[str, Optional[int]], labels: Optional[list[str]] = None,
            title: str = "Women by type of violence") -> ReportTable:
    codes = list(values)
    return ReportTable(
        id="violence_types", number=4, title=title, unit="women", multi_count=True, note="",
        row_codes=codes, row_labels=labels or [c.capitalize() for c in codes],
        column_codes=["count"], column_labels=["Number"],
        cells={(c, "count"): v for c, v in values.items()}, grand_total=None)


def bars(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    return {g.get("id")[4:] for g in root.iter(f"{SVG}g") if (g.get("id") or "").startswith("bar-")}


def texts(svg: str) -> list[str]:
    return ["".join(t.itertext()) for t in ET.fromstring(svg).iter(f"{SVG}text")]


def assert_self_contained(svg: str) -> None:
    assert svg.startswith("<svg") and svg.rstrip().endswith("</svg>")
    assert "<image" not in svg and "<script" not in svg and "<!DOCTYPE" not in svg
    assert "<foreignObject" not in svg
    for reference in re.findall(r'(?:href|src)="([^"]*)"', svg):
        assert reference.startswith("#"), reference  # only references inside the SVG itself
    assert not re.search(r"url\((?!#)", svg)
    assert "matplotlib.org" not in svg  # no metadata pointing outside


def test_a_chart_is_a_self_contained_svg_with_a_bar_per_published_figure():
    svg = charts.chart_for(one_way({"physical": 38, "sexual": 12, "economic": 0}), "count", "en")
    assert svg is not None
    assert_self_contained(svg)
    assert bars(svg) == {"physical", "sexual", "economic"}
    assert "Physical" in texts(svg) and "38" in texts(svg) and "12" in texts(svg)
    assert "Women by type of violence" in texts(svg)


def test_hidden_figures_are_not_drawn_and_carry_the_mark():
    svg = charts.chart_for(one_way({"physical": 38, "sexual": None, "trafficking": None}),
                           "count", "en")
    assert bars(svg) == {"physical"}
    assert f"Sexual ({MARK})" in texts(svg) and f"Trafficking ({MARK})" in texts(svg)
    assert [t for t in texts(svg) if t.isdigit()] == ["38"]


def test_hidden_figures_of_a_built_report_are_not_drawn(seed, stats):
    seed_small_year(seed)
    seed_large_year(seed)
    report = build_report(stats, Period(2025), "en")
    drawn = 0
    for table in report.tables:
        column = {"services_given": "sessions", "activities": "activities"}.get(table.id, "count")
        svg = charts.chart_for(table, column if column in table.column_codes else None, "en")
        if svg is None:
            continue
        drawn += 1
        assert_self_contained(svg)
        hidden = {r for r in table.row_codes if table.cells[(r, column)] is None}
        assert not bars(svg) & hidden, table.id
        shown = {str(v) for (r, c), v in table.cells.items() if c == column and v is not None}
        figures = {t for t in texts(svg) if t.isdigit()} - set(table.row_labels)  # not the years
        assert figures <= shown, table.id
    assert drawn >= 8


def test_no_chart_where_it_says_nothing():
    assert charts.chart_for(one_way({"physical": 0, "sexual": 0}), "count", "en") is None
    assert charts.chart_for(one_way({"physical": 40}), "count", "en") is None  # one row
    assert charts.chart_for(one_way({"a": 9, "b": 8}), None, "en") is None
    withheld = one_way({"a": None, "b": None})
    withheld.withheld = True
    assert charts.chart_for(withheld, "count", "en") is None


@pytest.mark.parametrize("locale, labels, title", [
    ("el", ["Σωματική", "Σεξουαλική"], "Γυναίκες ανά μορφή βίας"),
    ("ar", ["جسدي", "جنسي"], "النساء حسب نوع العنف"),
    ("fa", ["جسمی", "جنسی"], "زنان بر اساس نوع خشونت"),
])
def test_greek_arabic_and_persian_text_stays_text(locale, labels, title):
    svg = charts.chart_for(one_way({"physical": 20, "sexual": 11}, labels, title), "count", locale)
    assert_self_contained(svg)
    assert set(labels) <= set(texts(svg)) and title in texts(svg)
    assert "font-family" in svg  # the browser picks a font that shapes the script


def test_charts_fall_back_when_no_listed_font_is_installed(monkeypatch):
    monkeypatch.setattr(charts, "FONTS", ("No Such Font",))
    charts._svg.cache_clear()
    assert charts.installed_fonts() == []
    svg = charts.chart_for(one_way({"physical": 20, "sexual": 11}), "count", "en")
    assert bars(svg) == {"physical", "sexual"}
    charts._svg.cache_clear()


def test_the_installed_fonts_cover_greek_and_arabic():
    """DejaVu Sans, first choice, has Greek and Arabic letters (where it is installed)."""
    if "DejaVu Sans" not in charts.installed_fonts():
        pytest.skip("DejaVu Sans is not installed here")
    from matplotlib import font_manager
    from matplotlib.ft2font import FT2Font

    font = FT2Font(font_manager.findfont("DejaVu Sans"))
    assert all(font.get_char_index(ord(ch)) for ch in "ΣωματικήجسديپچژگPersian")


def test_a_chart_is_an_image_data_uri():
    svg = charts.chart_for(one_way({"physical": 20, "sexual": 11}), "count", "en")
    uri = charts.data_uri(svg)
    assert uri.startswith("data:image/svg+xml;base64,")
    assert base64.b64decode(uri.split(",", 1)[1]).decode() == svg
    assert charts.data_uri(None) is None


def test_matplotlib_is_loaded_when_drawing_not_at_import():
    code = ("import sys, casework.reports.charts, casework.reports.views; "
            "print('matplotlib' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert result.stdout.strip() == "False"


def test_a_drawn_chart_is_reused():
    table = one_way({"physical": 20, "sexual": 11})
    assert charts.chart_for(table, "count", "en") is charts.chart_for(table, "count", "en")
