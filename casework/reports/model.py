"""The report model: what a built report is, shared by the report pages and the exports.

A `Report` holds only what may be published: hidden figures are `None` (shown as the mark),
and a withheld table holds no figure at all. Labels, units and notes are already translated
into the report's own language (`Report.locale`), which need not be the reader's.
"""

from __future__ import annotations

from dataclasses import dataclass, field  # noqa: F401 - part of the shared contract
from datetime import datetime
from typing import Optional

MARK = "c"  # the one neutral mark for a hidden cell (casework.reports.suppression.protect.MARK)


@dataclass(frozen=True)
class Period:
    year: int
    quarter: Optional[int] = None          # 1..4: totals only, no breakdowns

    @property
    def slug(self) -> str:
        """"2026" or "2026-q3": for file names and URLs."""
        return str(self.year) if self.quarter is None else f"{self.year}-q{self.quarter}"


@dataclass
class ReportTable:
    id: str                                 # stable code, e.g. "women_by_age_band"
    number: int                             # the table's number in DOMAIN.md (1..14)
    title: str                              # translated into the report's locale
    unit: str                               # translated counting unit ("women with a contact in the year", "sessions"…)
    multi_count: bool                       # a woman may count in several rows
    note: str                               # translated: how to read it
    row_codes: list[str]
    row_labels: list[str]                   # translated labels, same order as row_codes
    column_codes: list[str]                 # one-way tables: ["count"]
    column_labels: list[str]
    cells: dict[tuple[str, str], Optional[int]]          # None = hidden (shown as MARK)
    row_totals: Optional[dict[str, Optional[int]]] = None
    column_totals: Optional[dict[str, Optional[int]]] = None
    grand_total: Optional[int] = None       # None when hidden or not published
    has_grand_total: bool = True
    withheld: bool = False                  # a table that could not be protected publishes nothing
    withheld_reason: str = ""
    audit_passed: bool = True
    sensitive: bool = False                 # protected with the higher threshold


@dataclass
class Report:
    period: Period
    locale: str
    tables: list[ReportTable]
    k: int                                  # threshold (REPORT_MIN_COUNT, default 5)
    k_sensitive: int                        # for the most sensitive tables (default 10)
    stats_version: str                      # the statistics store's version the report was built from
    generated_at: datetime
    release: Optional[str] = None           # release label when the year is frozen (e.g. "2026 release 2")
    released_at: Optional[datetime] = None
    mark: str = MARK
    mark_note: str = ""                     # translated explanation of the mark
    audit_passed: bool = True               # every table's audit passed
