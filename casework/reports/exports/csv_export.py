"""The statistics as CSV in long form: one line per published figure.

Columns: table, row_code, row_label, column_code, value, flag. `value` is a number, the mark
(flag "hidden"), or empty on the single line of a withheld table (flag "withheld"). Totals use
the code `_total` (row `_total` with the label "Total" is the line of column totals). UTF-8 with
a byte-order mark, so that spreadsheets show Greek and Arabic right; RFC 4180 line ends. Every
text cell goes through `neutralise`, so no cell can start a formula.
"""

from __future__ import annotations

import csv
import io
from typing import Any, Iterable, Iterator

from flask_babel import gettext as _

from casework.reports.exports import figures, is_published, neutralise

HEADER = ("table", "row_code", "row_label", "column_code", "value", "flag")
HIDDEN = "hidden"
WITHHELD = "withheld"


def to_csv(report: Any) -> bytes:
    """The report's tables in long form, encoded as UTF-8 with a byte-order mark."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for line in lines(report):
        writer.writerow([neutralise(cell) for cell in line])
    return buffer.getvalue().encode("utf-8-sig")


def lines(report: Any) -> Iterator[tuple[str, ...]]:
    """The long-form lines (without the header), as plain text before neutralisation."""
    total = _("Total")
    for table in report.tables:
        if not is_published(table):
            yield (table.id, "", "", "", "", WITHHELD)
            continue
        yield from _figure_lines(table, total, report.mark)


def _figure_lines(table: Any, total: str, mark: str) -> Iterable[tuple[str, ...]]:
    for figure in figures(table):
        label = total if figure.row_label is None else figure.row_label
        if figure.value is None:
            value, flag = mark, HIDDEN
        else:
            value, flag = str(int(figure.value)), ""
        yield (table.id, figure.row_code, label, figure.column_code, value, flag)
