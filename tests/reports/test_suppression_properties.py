"""Property tests of small-count protection on random tables.

For every random table: nothing published lies in 1..k−1 (complements of multi-count tables
included); published figures, totals included, are the true ones; zeros are published (no zero
is ever chosen to hide); a withheld table publishes nothing; and every hidden value's range, as
found by the tests' own linear programme, is at least k−1 wide.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casework.reports.suppression.protect import margin_links, protect, protect_group
from casework.reports.suppression.tables import TOTAL, CountTable
from tests.reports.test_suppression import (
    Spec,
    check_protected,
    one_way_spec,
    two_way_spec,
)

# Moderate example counts keep this file to ~10 s; raise them locally when changing the library.
SETTINGS = settings(max_examples=150, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])
FEWER = settings(SETTINGS, max_examples=100)
# Plenty of small counts and zeros, some large ones.
COUNT = st.one_of(st.integers(0, 4), st.integers(0, 30))
K = st.sampled_from([3, 5, 10])


@st.composite
def two_way_tables(draw: st.DrawFn) -> tuple[CountTable, Spec]:
    rows = tuple(f"r{i}" for i in range(draw(st.integers(1, 6))))
    columns = tuple(f"c{j}" for j in range(draw(st.integers(1, 6))))
    counts = {(r, c): draw(COUNT) for r in rows for c in columns}
    k = draw(K)
    with_rows, with_columns, with_grand = draw(st.booleans()), draw(st.booleans()), draw(
        st.booleans())
    row_totals = {r: sum(counts[r, c] for c in columns) for r in rows} if with_rows else None
    column_totals = {c: sum(counts[r, c] for r in rows) for c in columns} \
        if with_columns else None
    grand = sum(counts.values()) if with_grand else None
    table = CountTable("t", rows, counts, columns, row_totals, column_totals, grand, k)
    spec = two_way_spec(Spec(), "t", counts, rows, columns, k, row_totals=with_rows,
                        column_totals=with_columns)
    return table, spec


@SETTINGS
@given(two_way_tables())
def test_two_way_tables(case: tuple[CountTable, Spec]) -> None:
    table, spec = case
    result = protect(table)
    check_protected(spec, {"t": result})
    if 1 <= sum(table.cells.values()) <= table.k - 1:
        assert result.withheld
    if result.withheld:
        assert result.reason
    assert result.audit.passed


@FEWER
@given(st.lists(COUNT, min_size=1, max_size=6), K, st.booleans())
def test_one_way_tables(counts: list[int], k: int, publish_total: bool) -> None:
    data = {f"r{i}": n for i, n in enumerate(counts)}
    result = protect(CountTable.one_way("t", data, k=k, publish_total=publish_total))
    spec = one_way_spec(Spec(), "t", data, k)
    check_protected(spec, {"t": result})
    if not publish_total:  # an unpublished total is not part of the table at all
        with pytest.raises(KeyError):
            result.show(TOTAL)


@st.composite
def multi_count_tables(draw: st.DrawFn) -> tuple[CountTable, Spec]:
    """A one-way multi-count table (violence types of `base` women), or a two-way one whose
    columns (age bands) are single-count, with the women per column published."""
    k = draw(K)
    rows = tuple(f"r{i}" for i in range(draw(st.integers(1, 6))))
    spec = Spec()
    if draw(st.booleans()):
        base = draw(st.integers(0, 40))
        counts = {r: draw(st.integers(0, base)) for r in rows}
        table = CountTable.one_way("v", counts, multi_count=True, base=base, k=k)
        whole = spec.add("v", (TOTAL,), base, k)
        for r, n in counts.items():
            spec.at_most.append((spec.add("v", (r,), n, k), whole))
        return table, spec
    columns = tuple(f"c{j}" for j in range(draw(st.integers(1, 4))))
    bases = {c: draw(st.integers(0, 20)) for c in columns}
    cells = {(r, c): draw(st.integers(0, bases[c])) for r in rows for c in columns}
    table = CountTable.two_way("v", cells, rows, columns, k=k, multi_count=True,
                               base=sum(bases.values()), column_bases=bases)
    whole = spec.add("v", (TOTAL, TOTAL), sum(bases.values()), k)
    column = {c: spec.add("v", (TOTAL, c), n, k) for c, n in bases.items()}
    spec.equations.append((whole, list(column.values())))
    for r in rows:
        row = spec.add("v", (r, TOTAL), sum(cells[r, c] for c in columns), k)
        spec.at_most.append((row, whole))
        names = [spec.add("v", (r, c), cells[r, c], k) for c in columns]
        spec.equations.append((row, names))
        spec.at_most += [(name, column[c]) for name, c in zip(names, columns)]
    return table, spec


@FEWER
@given(multi_count_tables())
def test_multi_count_tables(case: tuple[CountTable, Spec]) -> None:
    table, spec = case
    result = protect(table)
    check_protected(spec, {"v": result})
    if table.base is not None and 1 <= table.base <= table.k - 1:
        assert result.withheld


@st.composite
def linked_tables(draw: st.DrawFn) -> tuple[list[CountTable], list, Spec]:
    """A two-way table (perhaps without row totals) with its one-way row and column tables."""
    rows = tuple(f"r{i}" for i in range(draw(st.integers(1, 4))))
    columns = tuple(f"c{j}" for j in range(draw(st.integers(1, 4))))
    counts = {(r, c): draw(COUNT) for r in rows for c in columns}
    k = draw(K)
    with_rows = draw(st.booleans())
    row_sums = {r: sum(counts[r, c] for c in columns) for r in rows}
    column_sums = {c: sum(counts[r, c] for r in rows) for c in columns}
    cross = CountTable("t", rows, counts, columns, row_sums if with_rows else None, column_sums,
                       sum(counts.values()), k)
    by_row, by_column = CountTable.one_way("R", row_sums, k=k), CountTable.one_way(
        "C", column_sums, k=k)
    spec = two_way_spec(Spec(), "t", counts, rows, columns, k, row_totals=with_rows)
    one_way_spec(spec, "R", row_sums, k)
    one_way_spec(spec, "C", column_sums, k)
    for r in rows:
        spec.equations.append((f"R:{r}", [f"t:{r}:{c}" for c in columns]))
    for c in columns:
        spec.equations.append((f"C:{c}", [f"t:{r}:{c}" for r in rows]))
    links = margin_links(cross, rows=by_row, columns=by_column)
    return [cross, by_row, by_column], links, spec


@settings(SETTINGS, max_examples=60)
@given(linked_tables())
def test_linked_tables_are_protected_together(case: tuple[list[CountTable], list, Spec]) -> None:
    tables, links, spec = case
    result = protect_group(tables, links)
    check_protected(spec, dict(result.tables))
    assert result.passed
