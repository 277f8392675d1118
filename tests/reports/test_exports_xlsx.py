"""The XLSX export: a cover, one sheet per table, notes; numbers as numbers, no formula, no trace
of when or by whom it was made beyond the generation day."""

from __future__ import annotations

import html
import io
import re
import zipfile
from datetime import datetime
from typing import Any, Iterator

from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from casework.reports.exports import Centre
from casework.reports.exports.xlsx_export import HEADINGS, period_text, to_xlsx
from casework.reports.model import Period
from tests.reports.test_exports_csv import (FORMULA_STARTS, GENERATED_ON, HOSTILE_LABELS,
                                            MARK_NOTE, NEVER_EXPORTED, RELEASED_ON, TRUE_HIDDEN,
                                            assert_no_identifiers, catalogue_texts, dates_in,
                                            hostile_report, sample_report)

CENTRE = Centre(country="GR")
SHEETS = ["Cover", "2 women_by_age_band", "4 violence_by_age_group", "14 trafficking_by_area",
          "8 women_by_referral_source", "Notes"]
TOTAL_LABEL = "Total"
# The only dates the workbook may hold, and exactly where: the generation day on the cover
# (sheet1, cell B6), the release day in the notes (the last sheet, cell B9), and the document
# properties (created, modified) stamped with the generation day at midnight.
ALLOWED_DATES = {
    "docProps/core.xml": [f"{GENERATED_ON}T00:00:00Z", f"{GENERATED_ON}T00:00:00Z"],
    "xl/worksheets/sheet1.xml": [f'<c r="B6" t="inlineStr"><is><t>{GENERATED_ON}</t>'],
    f"xl/worksheets/sheet{len(SHEETS)}.xml": [f"<t>{RELEASED_ON}</t>"],
}


def workbook(content: bytes) -> Any:
    return load_workbook(io.BytesIO(content))


def members(content: bytes) -> dict[str, str]:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return {name: archive.read(name).decode("utf-8") for name in archive.namelist()}


def cells(sheet: Worksheet) -> Iterator[Any]:
    for row in sheet.iter_rows():
        yield from row


def position(sheet: Worksheet, row_label: str, column_label: str) -> Any:
    """The cell at a row label (column A) and a column label (the header row of the table)."""
    header = next(row for row in sheet.iter_rows(min_row=6, max_row=6))
    column = next(cell.column for cell in header if cell.value == column_label)
    row = next(cell.row for cell in sheet["A"] if cell.row > 6 and cell.value == row_label)
    return sheet.cell(row=row, column=column)


def test_one_sheet_per_table_between_a_cover_and_the_notes() -> None:
    assert workbook(to_xlsx(sample_report(), CENTRE)).sheetnames == SHEETS


def test_cover_says_centre_period_release_and_generation_day() -> None:
    cover = workbook(to_xlsx(sample_report(), CENTRE))["Cover"]
    assert [(cover.cell(r, 1).value, cover.cell(r, 2).value) for r in range(3, 7)] == [
        ("Country", "GR"), ("Period", "2026"), ("Release", "2026 release 1"),
        ("Generated on", GENERATED_ON)]


def test_notes_give_period_mark_thresholds_and_release_day() -> None:
    notes = workbook(to_xlsx(sample_report(), CENTRE))["Notes"]
    values = {notes.cell(r, 1).value: notes.cell(r, 2) for r in range(3, 12)}
    assert values["Period"].value == "2026"
    assert values["Mark"].value == "c"
    assert values["What the mark means"].value == MARK_NOTE
    assert (values["Threshold (k)"].value, values["Threshold (k)"].data_type) == (5, "n")
    assert values["Threshold for the most sensitive tables"].value == 10
    assert values["Release date"].value == RELEASED_ON
    units = {row[0].value: [cell.value for cell in row]
             for row in notes.iter_rows(min_row=14) if row[0].value is not None}
    assert units[4] == [4, "Μορφές βίας ανά ηλικία", "γυναίκες", 10, "Yes"]
    assert units[14][-1] == "Withheld" and units[8][-1] == "Withheld"


def test_a_quarter_is_named_on_the_cover() -> None:
    cover = workbook(to_xlsx(sample_report(Period(2026, 3)), CENTRE))["Cover"]
    assert cover["B4"].value == "2026, quarter 3"


def test_figures_are_numeric_cells_with_title_unit_and_note_above() -> None:
    sheet = workbook(to_xlsx(sample_report(), CENTRE))["2 women_by_age_band"]
    assert sheet["A1"].value == "Γυναίκες ανά ηλικία"
    assert (sheet["A2"].value, sheet["B2"].value) == ("Unit", "γυναίκες με επαφή μέσα στο έτος")
    assert sheet["B3"].value == "كل امرأة تُحسب مرة واحدة"
    figure = position(sheet, "18–24", "Γυναίκες")
    assert (figure.value, figure.data_type) == (1201, "n")
    zero = position(sheet, "أقل من 35", "Γυναίκες")
    assert (zero.value, zero.data_type) == (0, "n")
    grand = position(sheet, TOTAL_LABEL, "Γυναίκες")
    assert (grand.value, grand.data_type) == (6021, "n")


def test_hidden_figures_are_the_mark_in_their_cells() -> None:
    book = workbook(to_xlsx(sample_report(), CENTRE))
    report = sample_report()
    labels = {table.id: (dict(zip(table.row_codes, table.row_labels, strict=True)),
                         dict(zip(table.column_codes, table.column_labels, strict=True)))
              for table in report.tables}
    sheets = {"women_by_age_band": "2 women_by_age_band",
              "violence_by_age_group": "4 violence_by_age_group"}
    for (table, row_code, column_code), true_value in TRUE_HIDDEN.items():
        rows, columns = labels[table]
        cell = position(book[sheets[table]], rows.get(row_code, TOTAL_LABEL),
                        columns.get(column_code, TOTAL_LABEL))
        assert (cell.value, cell.data_type) == ("c", "s")
        assert cell.value != true_value
    note = [cell.value for cell in cells(book["4 violence_by_age_group"])
            if isinstance(cell.value, str) and cell.value.startswith("c: ")]
    assert note == [f"c: {MARK_NOTE}"]


def test_hidden_and_withheld_values_are_nowhere_in_the_file() -> None:
    parts = members(to_xlsx(sample_report(), CENTRE))
    for name in [n for n in parts if n.startswith("xl/")]:
        for number in NEVER_EXPORTED:
            assert not re.search(rf"(?<!\d){number}(?!\d)", parts[name]), (number, name)


def test_a_withheld_table_sheet_says_so_and_holds_no_figure() -> None:
    book = workbook(to_xlsx(sample_report(), CENTRE))
    for name in ("14 trafficking_by_area", "8 women_by_referral_source"):
        sheet = book[name]
        assert sheet["A6"].value == str(HEADINGS["withheld_table"])
        assert [c.value for c in cells(sheet) if isinstance(c.value, (int, float))] == []
        assert sheet.max_row == 6


def test_hostile_labels_are_text_and_no_cell_is_a_formula() -> None:
    content = to_xlsx(hostile_report(), CENTRE)
    book = workbook(content)
    for sheet in book.worksheets:
        for cell in cells(sheet):
            assert cell.data_type != "f"
            if isinstance(cell.value, str):
                assert not cell.value.startswith(FORMULA_STARTS), repr(cell.value)
    sheet = book["1 hostile"]
    assert sheet["A1"].value == "'=cmd|' /C calc'!A0"
    assert (sheet["B2"].value, sheet["B3"].value) == ("'+unit", "'@note")
    labels = [sheet.cell(row, 1).value for row in range(7, 7 + len(HOSTILE_LABELS))]
    # XML turns a bare carriage return into a line feed on reading; the quote stays in front.
    assert labels == ["'" + label.replace("\r", "\n") for label in HOSTILE_LABELS]
    assert sheet["B6"].value == "'-column"
    for name, text in members(content).items():
        assert "<f>" not in text and "<f " not in text, name


def test_workbook_properties_name_casework_and_nobody() -> None:
    content = to_xlsx(sample_report(), CENTRE)
    properties = workbook(content).properties
    assert properties.creator == "Casework"
    assert properties.lastModifiedBy is None
    assert properties.created == properties.modified == datetime(2027, 1, 15)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        assert {info.date_time for info in archive.infolist()} == {(2027, 1, 15, 0, 0, 0)}


def test_the_same_report_gives_the_same_bytes() -> None:
    assert to_xlsx(sample_report(), CENTRE) == to_xlsx(sample_report(), CENTRE)


def test_a_scan_of_the_unzipped_workbook_finds_no_date_identifier_or_free_text() -> None:
    report = sample_report()
    parts = members(to_xlsx(report, CENTRE))
    for name, text in parts.items():
        for allowed in ALLOWED_DATES.get(name, []):
            assert allowed in text, (allowed, name)
            text = text.replace(allowed, "", 1)
        assert dates_in(text) == [], name
        assert_no_identifiers(text)
    headings = {str(value) for value in HEADINGS.values()}
    allowed = (catalogue_texts(report) | headings | set(SHEETS)
               | {"GR", "2026", "2026 release 1", GENERATED_ON, RELEASED_ON, "",
                  f"c: {MARK_NOTE}", f"{HEADINGS['title']} {period_text(report.period)}"})
    strings = [text for name, part in parts.items() if name.startswith("xl/worksheets/")
               for text in re.findall(r"<t[^>]*>([^<]*)</t>", part)]
    strings += re.findall(r"<t[^>]*>([^<]*)</t>", parts.get("xl/sharedStrings.xml", ""))
    strings += re.findall(r'<sheet [^>]*name="([^"]*)"', parts["xl/workbook.xml"])
    strings += re.findall(r"<vt:lpstr>([^<]*)</vt:lpstr>", parts["docProps/app.xml"])
    strings += re.findall(r"<dc:title>([^<]*)</dc:title>", parts["docProps/core.xml"])
    unexpected = {html.unescape(text) for text in strings} - allowed
    assert unexpected == set()
