"""Bar charts of the report tables, drawn on the server as SVG (matplotlib), so that the page
prints and works without JavaScript.

Only published figures are drawn: a hidden figure has no bar, and its label carries the mark
("Sexual (c)") — the chart is given no value for it, so it cannot draw one. Text stays text in
the SVG (svg.fonttype "none"): the browser shapes Greek, Arabic and Persian with its own fonts;
matplotlib measures with the first of the fonts below that is installed (DejaVu Sans covers
Greek and Arabic script), or its default. Right-to-left reports get mirrored charts. matplotlib
is set up at call time (the object API with the Agg/SVG canvas: no pyplot, no global state), and
a drawn chart is kept by its content, so a report page is not redrawn on every view.
"""

from __future__ import annotations

import base64
import io
import re
from functools import lru_cache
from typing import Optional

from casework.i18n import text_direction
from casework.reports.model import MARK, ReportTable
from casework.web.formats import format_number

FONTS = ("DejaVu Sans", "Noto Sans", "Noto Sans Arabic", "Liberation Sans")
BAR_COLOUR = "#4b2a86"  # the interface's accent colour
_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)  # the XML declaration and DOCTYPE (a DTD URL)
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.S)


def chart_for(table: ReportTable, column: Optional[str], locale: str) -> Optional[str]:
    """An SVG bar chart of one column of a table, or None where a chart would say nothing."""
    if column is None or table.withheld or column not in table.column_codes \
            or len(table.row_codes) < 2:
        return None
    values = tuple(table.cells.get((row, column)) for row in table.row_codes)
    if not any(values):
        return None
    labels = tuple(label if value is not None else f"{label} ({MARK})"
                   for label, value in zip(table.row_labels, values))
    shown = tuple("" if v is None else format_number(v, locale) for v in values)
    return _svg(table.title, tuple(table.row_codes), labels, values, shown,
                text_direction(locale) == "rtl")


def data_uri(svg: Optional[str]) -> Optional[str]:
    """The chart as an <img> source: the page's CSP allows data: images, and an SVG shown as an
    image runs no script and loads nothing."""
    if svg is None:
        return None
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode("ascii")


def installed_fonts() -> list[str]:
    """The fonts of FONTS that matplotlib can find here (maybe none: it then uses its own)."""
    from matplotlib import font_manager

    present = {font.name for font in font_manager.fontManager.ttflist}
    return [name for name in FONTS if name in present]


@lru_cache(maxsize=256)
def _svg(title: str, codes: tuple[str, ...], labels: tuple[str, ...],
         values: tuple[Optional[int], ...], shown: tuple[str, ...], rtl: bool) -> str:
    import matplotlib
    from matplotlib.backends.backend_svg import FigureCanvasSVG
    from matplotlib.figure import Figure

    fonts = installed_fonts()
    settings = {"svg.fonttype": "none", "svg.hashsalt": "casework", "font.size": 9,
                "axes.spines.top": False, "axes.spines.right": rtl, "axes.spines.left": not rtl}
    if fonts:
        settings.update({"font.family": "sans-serif", "font.sans-serif": fonts})
    with matplotlib.rc_context(settings):
        figure = Figure(figsize=(6.5, 0.6 + 0.3 * len(codes)), layout="constrained")
        FigureCanvasSVG(figure)
        axes = figure.add_subplot()
        positions = list(range(len(codes)))[::-1]  # the table's first row at the top
        top = max(v for v in values if v is not None)
        for position, code, value, text in zip(positions, codes, values, shown):
            if value is None:
                continue  # hidden: no bar, and no value to draw
            bar = axes.barh(position, value, color=BAR_COLOUR, height=0.7)[0]
            bar.set_gid(f"bar-{code}")
            axes.text(value + top * 0.01, position, text, va="center",
                      ha="right" if rtl else "left", fontsize=8)
        axes.set_yticks(positions, labels)
        axes.set_xlim(0, top * 1.15 or 1)
        axes.set_title(title, loc="right" if rtl else "left", fontsize=10)
        axes.xaxis.set_visible(False)
        if rtl:
            axes.invert_xaxis()
            axes.yaxis.tick_right()
        out = io.StringIO()
        figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None})
    return _METADATA.sub("", _PROLOGUE.sub("", out.getvalue(), count=1))
