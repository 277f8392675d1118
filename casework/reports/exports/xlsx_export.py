"""The statistics as an XLSX workbook (openpyxl): a cover sheet, one sheet per table, notes.

Numbers are numeric cells; a hidden figure is the text of the mark; a withheld table's sheet says
only that it is withheld. No formula anywhere: every value is written as a value, every text cell
is typed as a string and neutralised like the CSV's. The workbook's properties name "Casework"
and nobody else, and the only time in the file — the document properties and the zip entries — is
the day the report was generated, at midnight: nothing says when, or by whom, it was exported.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import date, datetime
from typing import Any, Optional

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from casework.reports.exports import Centre, is_published, neutralise

CREATOR = "Casework"
BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
RIGHT = Alignment(horizontal="right")
WRAP = Alignment(wrap_text=True, vertical="top")
SHEET_NAME_FORBIDDEN = re.compile(r"[\[\]:*?/\\']")
FIRST_TABLE_ROW = 6
# Every word the workbook adds to the report's own (titles, labels, units, notes): nothing else.
HEADINGS = {
    "cover": _l("Cover"), "notes": _l("Notes"), "title": _l("Anonymised statistics"),
    "country": _l("Country"), "period": _l("Period"), "release": _l("Release"),
    "generated_on": _l("Generated on"),
    "see_notes": _l("Small counts are protected: the Notes sheet says how to read the tables."),
    "unit": _l("Unit"), "how_to_read": _l("How to read it"),
    "multi_count": _l("A woman may count in several rows."),
    "withheld_table": _l("Withheld: this table is not published, to protect the women counted."),
    "total": _l("Total"), "mark": _l("Mark"), "mark_meaning": _l("What the mark means"),
    "k": _l("Threshold (k)"), "k_sensitive": _l("Threshold for the most sensitive tables"),
    "release_date": _l("Release date"), "provisional": _l("Not released: provisional figures"),
    "zeros": _l("Zeros"), "zeros_note": _l("Zeros are published as zeros."),
    "totals": _l("Totals"),
    "totals_note": _l("Totals are true totals; a total may itself be hidden."),
    "table": _l("Table"), "table_title": _l("Title"), "threshold": _l("Threshold"),
    "published": _l("Published"), "yes": _l("Yes"), "withheld": _l("Withheld"),
}


def heading(name: str) -> str:
    """A fixed heading, in the current language."""
    return str(HEADINGS[name])


def to_xlsx(report: Any, centre: Centre) -> bytes:
    """The report as the bytes of an XLSX workbook."""
    workbook = Workbook()
    cover = workbook.active
    cover.title = _sheet_name(heading("cover"), set())
    _cover(cover, report, centre)
    taken = {cover.title}
    for table in report.tables:
        sheet = workbook.create_sheet(_sheet_name(f"{table.number} {table.id}", taken))
        _table_sheet(sheet, table, report)
    _notes(workbook.create_sheet(_sheet_name(heading("notes"), taken)), report)
    _properties(workbook, report)
    return _save(workbook, report.generated_at.date())


def put(sheet: Worksheet, row: int, column: int, value: Any, *, font: Optional[Font] = None,
        align: Optional[Alignment] = None) -> None:
    """Write one value: a number as a number, anything else as neutralised text (never a
    formula — openpyxl would store a string starting with "=" as one)."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, int) and not isinstance(value, bool):
        cell.value = value
    else:
        cell.value = neutralise(ILLEGAL_CHARACTERS_RE.sub("", str(value)))
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    if align is not None:
        cell.alignment = align


def period_text(period: Any) -> str:
    if period.quarter:
        return _("%(year)s, quarter %(quarter)s", year=period.year, quarter=period.quarter)
    return str(period.year)


def release_text(report: Any) -> str:
    return report.release or heading("provisional")


def _cover(sheet: Worksheet, report: Any, centre: Centre) -> None:
    put(sheet, 1, 1, heading("title"), font=TITLE)
    rows = ((heading("country"), centre.country), (heading("period"), period_text(report.period)),
            (heading("release"), release_text(report)),
            (heading("generated_on"), report.generated_at.date().isoformat()))
    for offset, (name, value) in enumerate(rows):
        put(sheet, 3 + offset, 1, name, font=BOLD)
        put(sheet, 3 + offset, 2, value)
    put(sheet, 8, 1, heading("see_notes"))
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 40


def _table_sheet(sheet: Worksheet, table: Any, report: Any) -> None:
    put(sheet, 1, 1, table.title, font=TITLE)
    put(sheet, 2, 1, heading("unit"), font=BOLD)
    put(sheet, 2, 2, table.unit)
    put(sheet, 3, 1, heading("how_to_read"), font=BOLD)
    put(sheet, 3, 2, table.note, align=WRAP)
    if table.multi_count:
        put(sheet, 4, 1, heading("multi_count"))
    sheet.column_dimensions["A"].width = 36
    if not is_published(table):
        put(sheet, FIRST_TABLE_ROW, 1, heading("withheld_table"), font=BOLD)
        return
    last_row = _figures_grid(sheet, table, report.mark)
    if _has_hidden(table):
        put(sheet, last_row + 2, 1, f"{report.mark}: {report.mark_note}")


def _figures_grid(sheet: Worksheet, table: Any, mark: str) -> int:
    """The table itself from FIRST_TABLE_ROW; returns the last row written."""
    columns = list(table.column_codes)
    total_column = table.row_totals is not None or (table.has_grand_total and len(columns) > 1)
    top = FIRST_TABLE_ROW
    for index, label in enumerate(table.column_labels):
        put(sheet, top, 2 + index, label, font=BOLD, align=RIGHT)
    if total_column:
        put(sheet, top, 2 + len(columns), heading("total"), font=BOLD, align=RIGHT)
    row = top
    for code, label in zip(table.row_codes, table.row_labels, strict=True):
        row += 1
        put(sheet, row, 1, label)
        for index, column in enumerate(columns):
            _figure(sheet, row, 2 + index, table.cells.get((code, column)), mark)
        if table.row_totals is not None:
            _figure(sheet, row, 2 + len(columns), table.row_totals.get(code), mark, font=BOLD)
    if table.column_totals is None and not table.has_grand_total:
        return row
    row += 1
    put(sheet, row, 1, heading("total"), font=BOLD)
    if table.column_totals is not None:
        for index, column in enumerate(columns):
            _figure(sheet, row, 2 + index, table.column_totals.get(column), mark, font=BOLD)
    if table.has_grand_total:
        place = 2 + len(columns) if total_column else 2
        _figure(sheet, row, place, table.grand_total, mark, font=BOLD)
    return row


def _figure(sheet: Worksheet, row: int, column: int, value: Optional[int], mark: str, *,
            font: Optional[Font] = None) -> None:
    put(sheet, row, column, mark if value is None else int(value), font=font, align=RIGHT)


def _has_hidden(table: Any) -> bool:
    totals = [*(table.row_totals or {}).values(), *(table.column_totals or {}).values()]
    cells = [table.cells.get((r, c)) for r in table.row_codes for c in table.column_codes]
    grand = [table.grand_total] if table.has_grand_total else []
    return any(value is None for value in (*cells, *totals, *grand))


def _notes(sheet: Worksheet, report: Any) -> None:
    put(sheet, 1, 1, heading("notes"), font=TITLE)
    released = report.released_at.date().isoformat() if report.released_at else ""
    rows = (
        (heading("period"), period_text(report.period)),
        (heading("mark"), report.mark),
        (heading("mark_meaning"), report.mark_note),
        (heading("k"), int(report.k)),
        (heading("k_sensitive"), int(report.k_sensitive)),
        (heading("release"), release_text(report)),
        (heading("release_date"), released),
        (heading("zeros"), heading("zeros_note")),
        (heading("totals"), heading("totals_note")),
    )
    for offset, (name, value) in enumerate(rows):
        put(sheet, 3 + offset, 1, name, font=BOLD)
        put(sheet, 3 + offset, 2, value, align=WRAP)
    top = 4 + len(rows)
    for index, key in enumerate(("table", "table_title", "unit", "threshold", "published")):
        put(sheet, top, 1 + index, heading(key), font=BOLD)
    for offset, table in enumerate(report.tables, start=1):
        values = (int(table.number), table.title, table.unit,
                  int(report.k_sensitive if table.sensitive else report.k),
                  heading("yes") if is_published(table) else heading("withheld"))
        for index, value in enumerate(values):
            put(sheet, top + offset, 1 + index, value)
    sheet.column_dimensions["A"].width = 36
    sheet.column_dimensions["B"].width = 60


def _sheet_name(text: str, taken: set[str]) -> str:
    """A valid sheet name (at most 31 characters, none of []:*?/\\'), unique in the workbook."""
    base = SHEET_NAME_FORBIDDEN.sub(" ", ILLEGAL_CHARACTERS_RE.sub("", text)).strip()[:31] or "-"
    name, counter = base, 1
    while name.lower() in {t.lower() for t in taken}:
        counter += 1
        suffix = f" ({counter})"
        name = base[:31 - len(suffix)] + suffix
    taken.add(name)
    return name


def _properties(workbook: Workbook, report: Any) -> None:
    properties = workbook.properties
    properties.creator = CREATOR
    properties.lastModifiedBy = None
    properties.title = f"{heading('title')} {period_text(report.period)}"
    day = report.generated_at.date()
    properties.created = properties.modified = datetime(day.year, day.month, day.day)


def _save(workbook: Workbook, day: date) -> bytes:
    """The workbook's bytes, every zip entry dated the generation day at midnight (a plain
    save would stamp the moment of export, to the second, on each)."""
    raw = io.BytesIO()
    with zipfile.ZipFile(raw, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(workbook, archive).save()  # not workbook.save(): it stamps "modified" now
    clean = io.BytesIO()
    stamp = (day.year, day.month, day.day, 0, 0, 0)
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as source, \
            zipfile.ZipFile(clean, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return clean.getvalue()
