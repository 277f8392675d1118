"""The CSV export (long form), and the sample reports and scans the other export tests share.

The sample report is built by hand from the report model: it holds hidden figures whose true
values are kept here (never in the report), a withheld table whose reason names a small number,
a table whose audit failed, labels in Greek and Arabic, and a store version that looks like a
pseudonym. None of that may reach an export except as the mark or the fact "withheld".
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime, timezone
from typing import Iterable, Optional

import pytest

from casework.reports.exports import TOTAL, neutralise
from casework.reports.exports.csv_export import HEADER, to_csv
from casework.reports.model import Period, Report, ReportTable

GENERATED_AT = datetime(2027, 1, 15, 13, 45, 12, tzinfo=timezone.utc)
RELEASED_AT = datetime(2027, 1, 20, 9, 30, 5, tzinfo=timezone.utc)
GENERATED_ON, RELEASED_ON = "2027-01-15", "2027-01-20"
STATS_VERSION = "0123456789abcdef0123456789abcdef"  # looks like a pseudonym: must never leave
WITHHELD_REASON = "total 3 is below k (reason-canary-5512)"
MARK_NOTE = "δεν δημοσιεύεται, για την προστασία των γυναικών που μετρήθηκαν"
# The true values of the hidden figures: the report holds None there.
TRUE_HIDDEN = {
    ("women_by_age_band", "under_18", "count"): 3,
    ("women_by_age_band", "65_plus", "count"): 4817,
    ("violence_by_age_group", "sexual", "under_18"): 2,
    ("violence_by_age_group", "sexual", "18_39"): 7305,
    ("violence_by_age_group", "sexual", TOTAL): 7307,
    ("violence_by_age_group", TOTAL, "under_18"): 2212,
    ("violence_by_age_group", TOTAL, TOTAL): 12837,
}
# Figures that must appear nowhere in any export: hidden values that are distinctive enough to
# search for, and the figures of the withheld table and of the table whose audit failed.
NEVER_EXPORTED = ("4817", "7305", "7307", "12837", "9431", "6607")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def sample_report(period: Optional[Period] = None, locale: str = "el") -> Report:
    ages = ReportTable(
        id="women_by_age_band", number=2, title="Γυναίκες ανά ηλικία",
        unit="γυναίκες με επαφή μέσα στο έτος", multi_count=False,
        note="كل امرأة تُحسب مرة واحدة", row_codes=["under_18", "18_24", "25_34", "65_plus"],
        row_labels=["Κάτω των 18", "18–24", "أقل من 35", "65 και άνω"],
        column_codes=["count"], column_labels=["Γυναίκες"],
        cells={("under_18", "count"): None, ("18_24", "count"): 1201, ("25_34", "count"): 0,
               ("65_plus", "count"): None},
        grand_total=6021)
    violence = ReportTable(
        id="violence_by_age_group", number=4, title="Μορφές βίας ανά ηλικία",
        unit="γυναίκες", multi_count=True, sensitive=True, note="Μια γυναίκα σε πολλές γραμμές",
        row_codes=["physical", "sexual"], row_labels=["Σωματική", "جنسي"],
        column_codes=["under_18", "18_39"], column_labels=["Κάτω των 18", "18–39"],
        cells={("physical", "under_18"): 2210, ("physical", "18_39"): 3320,
               ("sexual", "under_18"): None, ("sexual", "18_39"): None},
        row_totals={"physical": 5530, "sexual": None},
        column_totals={"under_18": None, "18_39": 10625}, grand_total=None)
    withheld = ReportTable(
        id="trafficking_by_area", number=14, title="Εμπορία ανά περιοχή", unit="γυναίκες",
        multi_count=False, note="", row_codes=["abroad"], row_labels=["Εξωτερικό"],
        column_codes=["count"], column_labels=["Γυναίκες"], cells={("abroad", "count"): 9431},
        grand_total=9431, withheld=True, withheld_reason=WITHHELD_REASON, sensitive=True)
    unaudited = ReportTable(
        id="women_by_referral_source", number=8, title="Παραπομπή από", unit="γυναίκες",
        multi_count=False, note="", row_codes=["police"], row_labels=["Αστυνομία"],
        column_codes=["count"], column_labels=["Γυναίκες"], cells={("police", "count"): 6607},
        grand_total=6607, audit_passed=False)
    return Report(period=period or Period(2026), locale=locale,
                  tables=[ages, violence, withheld, unaudited],
                  k=5, k_sensitive=10, stats_version=STATS_VERSION, generated_at=GENERATED_AT,
                  release="2026 release 1", released_at=RELEASED_AT, mark_note=MARK_NOTE,
                  audit_passed=False)


HOSTILE_LABELS = ["=HYPERLINK(\"https://evil.example\",\"x\")", "+41 7", "-2+3", "@SUM(A1:A2)",
                  "\tcmd", "\rcmd"]


def hostile_report() -> Report:
    """Labels that a spreadsheet would run as formulas (codes can't make them: crafted here)."""
    table = ReportTable(
        id="hostile", number=1, title="=cmd|' /C calc'!A0", unit="+unit", multi_count=False,
        note="@note", row_codes=[f"r{i}" for i in range(len(HOSTILE_LABELS))],
        row_labels=list(HOSTILE_LABELS), column_codes=["count"], column_labels=["-column"],
        cells={(f"r{i}", "count"): 10 + i for i in range(len(HOSTILE_LABELS))},
        grand_total=sum(10 + i for i in range(len(HOSTILE_LABELS))))
    return Report(period=Period(2026), locale="en", tables=[table], k=5, k_sensitive=10,
                  stats_version="v1", generated_at=GENERATED_AT, mark_note="=not a formula")


# --- Scans shared by the export tests ------------------------------------------------------------

ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}(?:T[0-9:.]+Z?)?")
TIME = re.compile(r"(?<![\d.])\d{1,2}:\d{2}(?::\d{2})?")
OTHER_DATE = re.compile(r"\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
PSEUDONYM = re.compile(r"[0-9a-f]{32}", re.IGNORECASE)
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


def catalogue_texts(report: Report) -> set[str]:
    """The words a report may carry: its tables' titles, units, notes and labels, the mark."""
    texts = {report.mark, report.mark_note}
    for table in report.tables:
        texts.update((table.title, table.unit, table.note, *table.row_labels,
                      *table.column_labels))
    return texts


def catalogue_codes(report: Report) -> set[str]:
    codes = {TOTAL}
    for table in report.tables:
        codes.update((table.id, *table.row_codes, *table.column_codes))
    return codes


def dates_in(text: str) -> list[str]:
    """Every date or time of day in `text`, in any of the usual spellings."""
    return ISO_DATE.findall(text) + TIME.findall(text) + OTHER_DATE.findall(text)


def assert_no_identifiers(text: str) -> None:
    assert not PSEUDONYM.search(text), PSEUDONYM.search(text)
    assert not UUID.search(text), UUID.search(text)
    assert STATS_VERSION not in text
    assert "reason-canary" not in text


def assert_no_formula_start(values: Iterable[str]) -> None:
    for value in values:
        assert not value.startswith(FORMULA_STARTS), repr(value)


# --- CSV -----------------------------------------------------------------------------------------

def read_csv(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))


def lines_of(rows: list[list[str]], table: str) -> list[list[str]]:
    return [row for row in rows[1:] if row[0] == table]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_neutralise_prefixes_each_formula_start(start: str) -> None:
    assert neutralise(f"{start}SUM(A1)") == f"'{start}SUM(A1)"


@pytest.mark.parametrize("text", ["", "plain", "a=b", "18–24", "Κάτω των 18", "أقل من 35",
                                  "'quoted"])
def test_neutralise_leaves_other_text_alone(text: str) -> None:
    assert neutralise(text) == text


def test_hostile_labels_are_neutralised_in_the_csv() -> None:
    rows = read_csv(to_csv(hostile_report()))
    labels = [row[2] for row in lines_of(rows, "hostile") if row[3] == "count"]
    assert labels == ["'" + label for label in HOSTILE_LABELS]
    assert_no_formula_start(cell for row in rows for cell in row)


def test_csv_starts_with_the_byte_order_mark_and_keeps_greek_and_arabic() -> None:
    content = to_csv(sample_report())
    assert content.startswith(b"\xef\xbb\xbf")
    assert not content[3:].startswith(b"\xef\xbb\xbf")
    rows = read_csv(content)
    assert tuple(rows[0]) == HEADER
    labels = {row[2] for row in rows[1:]}
    assert {"Κάτω των 18", "أقل من 35", "جنسي", "65 και άνω"} <= labels
    assert content.count(b"\r\n") == len(rows)


def test_long_form_lines_of_a_one_way_table() -> None:
    rows = read_csv(to_csv(sample_report()))
    assert lines_of(rows, "women_by_age_band") == [
        ["women_by_age_band", "under_18", "Κάτω των 18", "count", "c", "hidden"],
        ["women_by_age_band", "18_24", "18–24", "count", "1201", ""],
        ["women_by_age_band", "25_34", "أقل من 35", "count", "0", ""],
        ["women_by_age_band", "65_plus", "65 και άνω", "count", "c", "hidden"],
        ["women_by_age_band", TOTAL, "Total", TOTAL, "6021", ""],
    ]


def test_two_way_table_with_totals_in_long_form() -> None:
    lines = {(row[1], row[3]): (row[4], row[5])
             for row in lines_of(read_csv(to_csv(sample_report())), "violence_by_age_group")}
    assert lines == {
        ("physical", "under_18"): ("2210", ""), ("physical", "18_39"): ("3320", ""),
        ("physical", TOTAL): ("5530", ""),
        ("sexual", "under_18"): ("c", "hidden"), ("sexual", "18_39"): ("c", "hidden"),
        ("sexual", TOTAL): ("c", "hidden"),
        (TOTAL, "under_18"): ("c", "hidden"), (TOTAL, "18_39"): ("10625", ""),
        (TOTAL, TOTAL): ("c", "hidden"),
    }


def test_hidden_figures_leave_as_the_mark_never_their_value() -> None:
    content = to_csv(sample_report())
    rows = read_csv(content)
    for (table, row_code, column_code), true_value in TRUE_HIDDEN.items():
        [line] = [row for row in rows[1:] if row[0] == table and row[1] == row_code
                  and row[3] == column_code]
        assert line[4:] == ["c", "hidden"]
        assert str(true_value) not in line
    for number in NEVER_EXPORTED:
        assert number.encode() not in content


def test_a_withheld_table_is_one_line_saying_so_and_nothing_of_it() -> None:
    rows = read_csv(to_csv(sample_report()))
    assert lines_of(rows, "trafficking_by_area") == [
        ["trafficking_by_area", "", "", "", "", "withheld"]]
    # A table whose audit did not pass publishes nothing either, whatever its flag says.
    assert lines_of(rows, "women_by_referral_source") == [
        ["women_by_referral_source", "", "", "", "", "withheld"]]


def test_a_scan_of_the_csv_finds_no_date_identifier_or_free_text() -> None:
    report = sample_report()
    content = to_csv(report)
    text = content.decode("utf-8-sig")
    # The CSV carries no date at all: not even the generation day (the XLSX and JSON do).
    assert dates_in(text) == []
    assert_no_identifiers(text)
    codes, words = catalogue_codes(report), catalogue_texts(report) | {"Total"}
    for table, row_code, row_label, column_code, value, flag in read_csv(content)[1:]:
        assert table in codes
        assert row_code in codes | {""} and column_code in codes | {""}
        assert row_label in words | {""}
        assert value == "" or value == report.mark or value.isdigit()
        assert flag in {"", "hidden", "withheld"}

