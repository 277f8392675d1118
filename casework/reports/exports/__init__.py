"""Exports of the anonymised statistics: CSV (long form), XLSX, and the network submission file.

Every export is drawn from a protected report (casework.reports.model.Report) and from nothing
else, so it can hold nothing the report does not publish:

- a hidden figure (None in the report) leaves as the mark, never as its value;
- a withheld table leaves as the bare fact that it is withheld. Its reason stays with the
  coordinator: a reason can state the small number that got the table withheld. A table whose
  audit did not pass is treated as withheld, whatever its flag says;
- text that a spreadsheet could take for a formula is neutralised (see `neutralise`);
- the only date finer than the period is the day the report was generated (and, in the XLSX
  notes, the day it was released): no timestamp, no case, no pseudonym, no free text beyond the
  catalogue's titles, labels, units and notes.

`export_report` is the service the views call: it builds the report, renders it and audits the
export in the caller's transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Optional

from flask_babel import force_locale
from sqlalchemy.orm import Session

from casework.audit.service import record

# OWASP's list for CSV injection, plus the full-width forms some spreadsheets also accept.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
# The code of a total in the long form (rows and columns are lower-case codes: no clash).
TOTAL = "_total"
# The network file carries codes; its few words (the unit) are the catalogue's source language.
NETWORK_LOCALE = "en"


def neutralise(text: str) -> str:
    """Text a spreadsheet will show as typed: one that could start a formula gets a leading "'"."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def is_published(table: Any) -> bool:
    """Whether any figure of the table may leave: not withheld, and its audit passed."""
    return not table.withheld and bool(table.audit_passed)


@dataclass(frozen=True)
class Figure:
    """One published figure of a table in long form; value None means hidden (the mark)."""

    row_code: str
    row_label: Optional[str]  # None for the total row (the caller's translated "Total")
    column_code: str
    value: Optional[int]


def figures(table: Any) -> Iterator[Figure]:
    """The figures of a published table: cells row by row with each row's total, then the
    column totals, then the grand total. A figure missing from the report is hidden, not 0."""
    for code, label in zip(table.row_codes, table.row_labels, strict=True):
        for column in table.column_codes:
            yield Figure(code, label, column, table.cells.get((code, column)))
        if table.row_totals is not None:
            yield Figure(code, label, TOTAL, table.row_totals.get(code))
    if table.column_totals is not None:
        for column in table.column_codes:
            yield Figure(TOTAL, None, column, table.column_totals.get(column))
    if table.has_grand_total:
        yield Figure(TOTAL, None, TOTAL, table.grand_total)


@dataclass(frozen=True)
class Centre:
    """What an export says about the centre: its country (ISO 3166 alpha-2), nothing more."""

    country: str


@dataclass(frozen=True)
class ExportFile:
    content: bytes
    mimetype: str
    filename: str


MIMETYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "network": "application/json",
}
EXTENSIONS = {"csv": "csv", "xlsx": "xlsx", "network": "json"}


def load_report(stats_session: Session, period: Any, locale: str) -> Any:
    """The protected report of a period, from the statistics store alone."""
    from casework.reports.build import build_report

    return build_report(stats_session, period, locale)


def render(fmt: str, report: Any, centre: Centre) -> bytes:
    """The bytes of one export format ("csv", "xlsx" or "network") of a report."""
    from casework.reports.exports import csv_export, network, xlsx_export

    if fmt == "csv":
        return csv_export.to_csv(report)
    if fmt == "xlsx":
        return xlsx_export.to_xlsx(report, centre)
    if fmt == "network":
        return network.to_network_json(report, centre)
    raise ValueError(f"unknown export format {fmt!r}")


def export_report(case_session: Session, stats_session: Session, *, period: Any, locale: str,
                  fmt: str, actor: Any, centre: Centre) -> ExportFile:
    """Build the period's report in `locale`, render it as `fmt` and audit the export.

    The network file is always built in NETWORK_LOCALE: it is added up with other centres'
    files, whatever language each of them works in. The audit entry ("report.exported") is
    written in the caller's transaction and says only the format and the period.
    """
    if fmt not in MIMETYPES:
        raise ValueError(f"unknown export format {fmt!r}")
    locale = NETWORK_LOCALE if fmt == "network" else locale
    report = load_report(stats_session, period, locale)
    # Headings ("Total", the notes) in the report's language, not the page's.
    with force_locale(locale):
        content = render(fmt, report, centre)
    record(case_session, "report.exported", actor=actor, target_type="report",
           target_id=period.slug, details={"format": fmt, "period": period.slug})
    return ExportFile(content=content, mimetype=MIMETYPES[fmt],
                      filename=export_filename(fmt, period.slug, locale))


def export_filename(fmt: str, slug: str, locale: str) -> str:
    """e.g. casework-statistics-2026-el.xlsx, casework-network-2026-q3.json."""
    if fmt == "network":
        return f"casework-network-{slug}.json"
    return f"casework-statistics-{slug}-{locale}.{EXTENSIONS[fmt]}"
