"""The network submission file: the year's tables as JSON, codes only.

A network of centres adds up its members' files without any of them sharing microdata: table ids
and row and column codes mean the same in every centre, whatever language it works in, so the
file carries no translated label. A hidden figure is null with `hidden: true`, never its value;
a withheld table carries nothing but the fact. The schema is docs/network-submission.schema.json,
explained in docs/network-submission.md.
"""

from __future__ import annotations

import json
from typing import Any, Optional

from casework.reports.exports import Centre, is_published

SCHEMA = "casework-network-statistics"
SCHEMA_VERSION = 1


def to_network_json(report: Any, centre: Centre) -> bytes:
    """The report as the bytes of a network submission file (UTF-8 JSON)."""
    document = network_document(report, centre)
    return (json.dumps(document, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def network_document(report: Any, centre: Centre) -> dict[str, Any]:
    """The submission as plain JSON-ready values."""
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "centre": {"country": centre.country},
        "period": {"year": int(report.period.year),
                   "quarter": int(report.period.quarter) if report.period.quarter else None},
        "release": report.release or None,
        "generated_on": report.generated_at.date().isoformat(),
        "threshold": {"k": int(report.k), "k_sensitive": int(report.k_sensitive)},
        "mark": report.mark,
        "tables": [_table(table) for table in report.tables],
    }


def _table(table: Any) -> dict[str, Any]:
    entry: dict[str, Any] = {"id": table.id, "number": int(table.number), "unit": table.unit,
                             "multi_count": bool(table.multi_count),
                             "sensitive": bool(table.sensitive)}
    if not is_published(table):
        # Not even the row and column codes: a withheld table is the bare fact that it is.
        return {**entry, "rows": [], "columns": [], "cells": [], "hidden": [],
                "row_totals": None, "column_totals": None, "has_grand_total": False,
                "grand_total": None, "withheld": True}
    rows, columns = list(table.row_codes), list(table.column_codes)
    cells = [[_value(table.cells.get((row, column))) for column in columns] for row in rows]
    return {
        **entry, "rows": rows, "columns": columns, "cells": cells,
        "hidden": [[value is None for value in line] for line in cells],
        "row_totals": _totals(table.row_totals, rows),
        "column_totals": _totals(table.column_totals, columns),
        "has_grand_total": bool(table.has_grand_total),
        "grand_total": _value(table.grand_total) if table.has_grand_total else None,
        "withheld": False,
    }


def _value(value: Optional[int]) -> Optional[int]:
    return None if value is None else int(value)


def _totals(totals: Optional[dict[str, Optional[int]]], codes: list[str]) -> Optional[list]:
    """Totals aligned with `codes` (null = hidden), or null when the table publishes none."""
    if totals is None:
        return None
    return [_value(totals.get(code)) for code in codes]
