"""The entry point: protect one table, or tables that share totals, audited together.

    primary rules → complete the lines → audit → (hide one more entry near each value pinned
    too narrowly, or withhold its table) → complete the lines → audit → … → final audit record

Each round hides at least one more entry or withholds one more table, so the loop ends; in the
worst case every table is withheld, and a withheld table publishes nothing.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from casework.reports.suppression.audit import Auditor, AuditRecord
from casework.reports.suppression.complementary import (
    Lines,
    complete_lines,
    widening_choice,
)
from casework.reports.suppression.primary import primary_hidden, withheld_tables
from casework.reports.suppression.tables import (
    TOTAL,
    CountTable,
    CrossTable,
    Problem,
    Sum,
    TableInfo,
    key,
)

MARK = "c"
NOTE = ("c: not published, to protect the women counted: a small number, or a figure from "
        "which a small number could be worked out.")


@dataclass(frozen=True)
class TableAudit:
    """The audit of one table, as shown to the coordinator."""

    k: int
    records: tuple[AuditRecord, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.records)

    @property
    def narrowest(self) -> float | None:
        """The narrowest range of any hidden value (None when nothing is hidden)."""
        return min((r.width for r in self.records), default=None)


@dataclass(frozen=True)
class ProtectedTable:
    """What may be published of a table. True values of hidden entries are not kept here."""

    id: str
    published: Mapping[str, int]
    hidden: frozenset[str]
    withheld: bool
    reason: str | None
    audit: TableAudit
    mark: str = MARK
    note: str = NOTE

    def show(self, *codes: str) -> int | str:
        """The published value of a cell or total (`TOTAL` for totals), or the mark."""
        name = key(self.id, *codes)
        if name in self.published:
            return self.published[name]
        if name in self.hidden:
            return self.mark
        raise KeyError(name)


@dataclass(frozen=True)
class Protection:
    """The protected tables of one problem, and how the protection went."""

    tables: Mapping[str, ProtectedTable]
    seconds: float
    rounds: int  # audit rounds that found a value pinned too narrowly
    solves: int  # LPs solved

    @property
    def passed(self) -> bool:
        return all(t.audit.passed for t in self.tables.values())

    def __getitem__(self, table_id: str) -> ProtectedTable:
        return self.tables[table_id]


def protect(table: CountTable | CrossTable, *, integer: bool = False,
            exact: bool | None = None) -> ProtectedTable:
    """Protect a table on its own (one that shares no totals with another)."""
    return protect_problem(table.to_problem(), integer=integer, exact=exact)[table.id]


def protect_group(tables: Iterable[CountTable | CrossTable], links: Iterable[Sum] = (), *,
                  integer: bool = False, exact: bool | None = None) -> Protection:
    """Protect tables that share totals together; `links` state what they share
    (see `same_total` and `margin_links`)."""
    return protect_problem(combine((t.to_problem() for t in tables), links),
                           integer=integer, exact=exact)


def protect_problem(problem: Problem, *, integer: bool = False,
                    exact: bool | None = None) -> Protection:
    """Protect every table of a problem.

    `integer` audits with integer programming instead of its LP relaxation (for many-way tables);
    `exact`: whether the audit record gives each hidden value's exact LP range (True), or, for
    values already shown safe, the range shown (False: much faster on a 1,500-cell table); by
    default exact unless the hidden values form a part with more than `EXACT_UP_TO` unknowns.
    """
    started = time.perf_counter()
    withheld = withheld_tables(problem)
    free = set(problem.internal) | {n for n in problem.values if problem.owners[n] in withheld}
    hidden = primary_hidden(problem) - free
    lines = Lines(problem)
    auditor = Auditor(problem, integer=integer)

    def withhold(table_id: str, reason: str) -> None:
        withheld[table_id] = reason
        names = set(problem.keys_of(table_id))
        free.update(names)
        hidden.difference_update(names)

    rounds = 0
    while True:
        complete_lines(problem, lines, hidden, free)
        failures = auditor.failures(hidden, free)
        if not failures:
            break
        rounds += 1
        for number, target in enumerate(failures):
            if target.table in withheld:
                continue
            # What was hidden for earlier failures this round may have fixed this one already.
            if number and not auditor.failures(hidden, free, only={target.name}):
                continue
            choice = widening_choice(problem, lines, hidden, free, [n for n, _ in target.terms])
            if choice is None:
                withhold(target.table, "no pattern of hidden figures protects its small counts")
            else:
                hidden.add(choice)
                complete_lines(problem, lines, hidden, free)
    records = auditor.records(hidden, free, exact=exact)
    # Cannot happen (the loop ended on a passing audit); should it, nothing unsafe is published.
    for record in records:
        if not record.passed and record.table not in withheld:
            withhold(record.table, "the audit failed")
    return Protection(_tables(problem, hidden, withheld, records), time.perf_counter() - started,
                      rounds, auditor.solves)


def combine(problems: Iterable[Problem], links: Iterable[Sum] = ()) -> Problem:
    """Join tables into one problem, with `links` (identities across them), and validate it."""
    parts = list(problems)
    values: dict[str, int] = {}
    tables: dict[str, TableInfo] = {}
    for part in parts:
        if values.keys() & part.values.keys() or tables.keys() & part.tables.keys():
            raise ValueError("tables combined twice, or two tables with the same id")
        values.update(part.values)
        tables.update(part.tables)
    merged = Problem(
        values=values,
        thresholds={n: k for p in parts for n, k in p.thresholds.items()},
        owners={n: t for p in parts for n, t in p.owners.items()},
        tables=tables,
        sums=tuple(s for p in parts for s in p.sums) + tuple(links),
        withins=tuple(w for p in parts for w in p.withins),
        margins=frozenset().union(*(p.margins for p in parts)),
        internal=frozenset().union(*(p.internal for p in parts)),
    )
    merged.validate()
    return merged


def same_total(a: CountTable | CrossTable, b: CountTable | CrossTable) -> Sum:
    """Link two tables that describe the same women: their grand totals (or bases) are equal."""
    def grand(t: CountTable | CrossTable) -> str:
        return t.grand_key if isinstance(t, CountTable) else t.key(*(TOTAL,) * len(t.dimensions))
    return Sum(grand(a), (grand(b),))


def margin_links(table: CountTable, rows: CountTable | None = None,
                 columns: CountTable | None = None) -> list[Sum]:
    """Link a two-way table to the one-way tables of its rows and/or columns (same women)."""
    links: list[Sum] = []
    for one_way, codes, axis in ((rows, table.rows, 0), (columns, table.columns, 1)):
        if one_way is None:
            continue
        if one_way.rows != codes or one_way.columns:
            raise ValueError(f"{one_way.id} is not a one-way table of {table.id}'s categories")
        published = table.row_totals if axis == 0 else table.column_totals
        for code in codes:
            if published is not None:
                total = table.key(code, TOTAL) if axis == 0 else table.key(TOTAL, code)
                links.append(Sum(one_way.key(code), (total,)))
            elif axis == 1 and table.multi_count:
                raise ValueError("link a multi-count table's columns through its column totals")
            else:
                other = table.columns if axis == 0 else table.rows
                cells = [table.key(code, o) if axis == 0 else table.key(o, code) for o in other]
                links.append(Sum(one_way.key(code), tuple(cells)))
        links.append(same_total(table, one_way))
    return links


def _tables(problem: Problem, hidden: set[str], withheld: dict[str, str],
            records: list[AuditRecord]) -> dict[str, ProtectedTable]:
    result = {}
    for table_id, info in problem.tables.items():
        names = [n for n in problem.keys_of(table_id) if n not in problem.internal]
        mine = tuple(r for r in records if r.table == table_id and table_id not in withheld)
        shown = {} if table_id in withheld else \
            {n: problem.values[n] for n in names if n not in hidden}
        result[table_id] = ProtectedTable(
            table_id, shown, frozenset(n for n in names if n not in shown),
            table_id in withheld, withheld.get(table_id), TableAudit(info.k, mine))
    return result
