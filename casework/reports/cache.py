"""A year's protected tables (`Publication`), and their in-process cache.

Protecting a year (complementary hiding and the linear-programming audit) costs far more than
counting it, and its result depends only on the counts and the thresholds. So it is computed
once per (year, statistics version, fingerprint of the counts, k, sensitive k, release it
corrects) and kept in a small LRU. The fingerprint makes a stale entry impossible even if the
store changed without its version moving. Only published values are kept: a hidden figure is
None here, its true value is never stored. `stats()` reports the cache and the protection's own
cost, apart from the rest of a report's building.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field, replace
from typing import Callable, Hashable, Optional

from casework.reports.definitions import COUNT, codes_of
from casework.reports.queries import YearCounts
from casework.reports.suppression.protect import ProtectedTable
from casework.reports.suppression.tables import TOTAL, CountTable

SIZE = 16
Cells = dict[tuple[str, str], Optional[int]]


@dataclass
class PublishedTable:
    """What one table publishes: display figures (None = hidden) and, for the release audit,
    the published value of each audited entry by its suppression key (None = hidden)."""

    id: str
    rows: list[str]
    columns: list[str]
    cells: Cells
    row_totals: Optional[dict[str, Optional[int]]] = None
    column_totals: Optional[dict[str, Optional[int]]] = None
    grand_total: Optional[int] = None
    has_grand_total: bool = True
    withheld: bool = False
    reason: str = ""  # why withheld: "small", "unprotectable" or "previous_release"
    audit_passed: bool = True
    sensitive: bool = False
    k: int = 5
    keys: dict[str, Optional[int]] = field(default_factory=dict)


@dataclass
class Publication:
    """Every protected table of one year (its quarter totals included)."""

    tables: dict[str, PublishedTable]
    stats_version: str
    k: int
    k_sensitive: int
    seconds: float = 0.0  # the protection's own cost
    empty: bool = False  # nothing at all was counted in the year
    # For a correction of a released year: what would refuse it as the next release.
    correction_problems: list[tuple[str, str]] = field(default_factory=list)


def reason_code(reason: Optional[str]) -> str:
    if not reason:
        return ""
    if reason.startswith("the whole table counts fewer than"):
        return "small"
    if reason == "withheld in the earlier release":
        return "previous_release"
    return "unprotectable"


def published_table(table: CountTable, protected: ProtectedTable) -> PublishedTable:
    """The display figures of a protected CountTable (a one-way table has one column, COUNT)."""
    shown = protected.published
    keys = {name: shown.get(name) for name in (*shown, *protected.hidden)}
    if table.columns:
        columns = list(table.columns)
        cells = {(r, c): shown.get(table.key(r, c)) for r in table.rows for c in columns}
        row_totals = None if table.row_totals is None else \
            {r: shown.get(table.key(r, TOTAL)) for r in table.rows}
        column_totals = None if table.column_totals is None else \
            {c: shown.get(table.key(TOTAL, c)) for c in columns}
    else:
        columns, row_totals, column_totals = [COUNT], None, None
        cells = {(r, COUNT): shown.get(table.key(r)) for r in table.rows}
    return PublishedTable(
        id=table.id, rows=list(table.rows), columns=columns, cells=cells, row_totals=row_totals,
        column_totals=column_totals, grand_total=shown.get(table.grand_key),
        has_grand_total=table.grand_key in keys, withheld=protected.withheld,
        reason=reason_code(protected.reason), audit_passed=protected.audit.passed,
        sensitive=bool(table.row_k) and max(table.row_k.values()) > table.k, k=table.k, keys=keys)


def services_table(sessions: PublishedTable, counts: YearCounts) -> PublishedTable:
    """Sessions (protected) and their hours, hidden wherever the sessions are: published hours
    beside a hidden number of sessions would tell it roughly."""
    minutes = {code: n for (code, which), n in counts.of("services").items() if which == 1}
    hours = {r: round(minutes.get(r, 0) / 60) for r in sessions.rows}
    cells: Cells = {}
    for r in sessions.rows:
        shown = sessions.cells[(r, COUNT)]
        cells[(r, "sessions")], cells[(r, "hours")] = shown, None if shown is None else hours[r]
    total = sessions.grand_total
    return replace(sessions, columns=["sessions", "hours"], cells=cells, grand_total=None,
                   has_grand_total=False,
                   column_totals={"sessions": total,
                                  "hours": None if total is None else sum(hours.values())})


def activities_table(counts: YearCounts) -> PublishedTable:
    """The centre's activities and their participants: no woman is counted, nothing is hidden."""
    found = counts.of("activities")
    rows = codes_of("activity_types", {code for code, _which in found})
    columns = ["activities", "participants"]
    cells: Cells = {(r, c): found.get((r, i), 0) for r in rows for i, c in enumerate(columns)}
    return PublishedTable(id="activities", rows=rows, columns=columns, cells=cells,
                          column_totals={c: sum(cells[(r, c)] or 0 for r in rows) for c in columns},
                          has_grand_total=False)


@dataclass
class CacheStats:
    hits: int = 0
    misses: int = 0
    protection_seconds: float = 0.0  # summed over the misses
    last_seconds: float = 0.0


_entries: "OrderedDict[Hashable, Publication]" = OrderedDict()
_lock = threading.Lock()
_stats = CacheStats()


def publication(key: Hashable, compute: Callable[[], Publication]) -> Publication:
    """The cached publication for `key`, computed (outside the lock) on a miss."""
    with _lock:
        if key in _entries:
            _entries.move_to_end(key)
            _stats.hits += 1
            return _entries[key]
    made = compute()
    with _lock:
        _stats.misses += 1
        _stats.protection_seconds += made.seconds
        _stats.last_seconds = made.seconds
        _entries[key] = made
        _entries.move_to_end(key)
        while len(_entries) > SIZE:
            _entries.popitem(last=False)
    return made


def clear() -> None:
    with _lock:
        _entries.clear()
        vars(_stats).update(vars(CacheStats()))


def stats() -> CacheStats:
    with _lock:
        return CacheStats(**vars(_stats))
