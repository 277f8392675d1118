"""Small-count protection: known cases, rules, linked tables, the audit record.

The audit is checked by an independent linear programme (`feasible_ranges`, written here from the
table's own arithmetic, not the library's) so that a bug in the library's audit cannot hide itself.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pytest
from scipy.optimize import linprog

from casework.reports.suppression.protect import (
    MARK,
    NOTE,
    ProtectedTable,
    margin_links,
    protect,
    protect_group,
    same_total,
)
from casework.reports.suppression.tables import TOTAL, CountTable, CrossTable

# ---------------------------------------------------------------- the independent checker


def feasible_ranges(values: dict[str, int], published: dict[str, int],
                    equations: Sequence[tuple[str, Sequence[str]]],
                    at_most: Sequence[tuple[str, str]] = ()) -> dict[str, tuple[float, float]]:
    """[min, max] of every unpublished entry given the published ones, total = Σ parts for every
    equation, part ≤ whole for every `at_most` pair, and everything ≥ 0 (dense LP, one per end)."""
    unknown = [n for n in values if n not in published]
    col = {n: i for i, n in enumerate(unknown)}
    a_eq, b_eq, a_ub = [], [], []
    for total, parts in equations:
        row, rhs = np.zeros(len(unknown)), 0.0
        for name, sign in [(total, 1.0)] + [(p, -1.0) for p in parts]:
            if name in col:
                row[col[name]] += sign
            else:
                rhs -= sign * published[name]
        if row.any():
            a_eq.append(row)
            b_eq.append(rhs)
        else:
            assert abs(rhs) < 1e-9, f"published figures contradict: {total}"
    bounds = [[0.0, None] for _ in unknown]
    for part, whole in at_most:
        if part in col and whole in col:
            row = np.zeros(len(unknown))
            row[col[part]], row[col[whole]] = 1.0, -1.0
            a_ub.append(row)
        elif part in col:
            bounds[col[part]][1] = published[whole]
        elif whole in col:
            bounds[col[whole]][0] = max(bounds[col[whole]][0], published[part])
    kwargs = {"A_eq": np.array(a_eq) if a_eq else None, "b_eq": b_eq or None,
              "A_ub": np.array(a_ub) if a_ub else None, "b_ub": [0.0] * len(a_ub) or None,
              "bounds": bounds, "method": "highs"}
    result = {}
    for name in unknown:
        c = np.zeros(len(unknown))
        c[col[name]] = 1.0
        low, high = linprog(c, **kwargs), linprog(-c, **kwargs)
        assert low.status == 0 and high.status in (0, 3)
        result[name] = (low.fun, math.inf if high.status == 3 else -high.fun)
    return result


def width(low: float, high: float) -> float:
    """Integer width of an LP range (ends rounded inwards)."""
    return math.inf if math.isinf(high) else math.floor(high + 1e-6) - math.ceil(low - 1e-6)


@dataclass
class Spec:
    """A test's own account of a publication: each entry's table, codes, true value and k, and
    the arithmetic a reader knows (built from the data, not from the library)."""

    entries: dict[str, tuple[str, tuple[str, ...], int, int]] = field(default_factory=dict)
    equations: list[tuple[str, list[str]]] = field(default_factory=list)
    at_most: list[tuple[str, str]] = field(default_factory=list)

    def add(self, table: str, codes: tuple[str, ...], value: int, k: int) -> str:
        name = ":".join((table, *codes))
        self.entries[name] = (table, codes, value, k)
        return name

    def values(self) -> dict[str, int]:
        return {n: v for n, (_, _, v, _) in self.entries.items()}


def check_protected(spec: Spec,
                    results: dict[str, ProtectedTable]) -> dict[str, tuple[float, float]]:
    """Assert every published promise; return the independent ranges of the hidden entries."""
    published: dict[str, int] = {}
    hidden: set[str] = set()
    for name, (table, codes, value, k) in spec.entries.items():
        result = results[table]
        try:
            shown = result.show(*codes)
        except KeyError:  # not part of the publication (e.g. a total the table does not give)
            continue
        if result.withheld:
            assert shown == MARK and not result.published
            continue
        if shown == MARK:
            assert value != 0, f"zero hidden: {name}"
            hidden.add(name)
            continue
        assert shown == value, f"{name} published wrongly"
        assert not 1 <= value <= k - 1, f"small value published: {name} = {value}"
        published[name] = value
    for part, whole in spec.at_most:  # complements of multi-count tables
        k = spec.entries[part][3]
        if part in published and whole in published:
            assert not 1 <= published[whole] - published[part] <= k - 1, f"complement {part}"
    ranges = feasible_ranges(spec.values(), published, spec.equations, spec.at_most)
    for name in hidden:
        (low, high), (_, _, value, k) = ranges[name], spec.entries[name]
        assert low - 1e-6 <= value <= high + 1e-6
        assert width(low, high) >= k - 1, f"{name} = {value} pinned to [{low}, {high}], k = {k}"
    return ranges


def two_way_spec(spec: Spec, table: str, counts: dict[tuple[str, str], int], rows: Sequence[str],
                 columns: Sequence[str], k: int, *, row_totals: bool = True,
                 column_totals: bool = True) -> Spec:
    """A single-count two-way table: cells, totals as sums, an (always known) grand total."""
    cell = {(r, c): spec.add(table, (r, c), counts.get((r, c), 0), k)
            for r in rows for c in columns}
    grand = spec.add(table, (TOTAL, TOTAL), sum(counts.values()), k)
    spec.equations.append((grand, list(cell.values())))
    if row_totals:
        for r in rows:
            total = spec.add(table, (r, TOTAL), sum(counts.get((r, c), 0) for c in columns), k)
            spec.equations.append((total, [cell[r, c] for c in columns]))
    if column_totals:
        for c in columns:
            total = spec.add(table, (TOTAL, c), sum(counts.get((r, c), 0) for r in rows), k)
            spec.equations.append((total, [cell[r, c] for r in rows]))
    return spec


def one_way_spec(spec: Spec, table: str, counts: dict[str, int], k: int) -> Spec:
    cells = [spec.add(table, (r,), n, k) for r, n in counts.items()]
    spec.equations.append((spec.add(table, (TOTAL,), sum(counts.values()), k), cells))
    return spec


# ---------------------------------------------------------------- the known case: 2×3 of ones

ROWS, COLUMNS = ("a", "b"), ("x", "y", "z")
ONES = {(r, c): 1 for r in ROWS for c in COLUMNS}


def naive(spec: Spec, lines: Sequence[Sequence[str]], k: int) -> dict[str, int]:
    """Naive one-pass suppression: hide cells 1..k−1; in a line with one hidden cell, hide the
    smallest other cell; publish everything else, totals included."""
    values = spec.values()
    hidden = {n for n in values if 1 <= values[n] < k and TOTAL not in n}
    for line in lines:
        if len([n for n in line if n in hidden]) == 1:
            hidden.add(min((n for n in line if n not in hidden), key=values.__getitem__))
    return {n: v for n, v in values.items() if n not in hidden}


@pytest.mark.parametrize("k", [3, 5])
def test_naive_suppression_fails_on_a_2x3_table_of_ones_and_protect_does_not(k: int) -> None:
    spec = two_way_spec(Spec(), "t", ONES, ROWS, COLUMNS, k)
    lines = [[f"t:{r}:{c}" for c in COLUMNS] for r in ROWS]
    lines += [[f"t:{r}:{c}" for r in ROWS] for c in COLUMNS]
    published = naive(spec, lines, k)
    ranges = feasible_ranges(spec.values(), published, spec.equations)
    # Totals 2 (and 3) are published, and every hidden 1 lies in [0, 2]: fine for k = 3 only.
    assert published["t:*:x"] == 2 and ranges["t:a:x"] == pytest.approx((0, 2))
    small_total = any(1 <= v <= k - 1 for v in published.values())
    narrow = any(width(*r) < k - 1 for r in ranges.values())
    assert small_total and (narrow or k == 3)

    result = protect(CountTable.two_way("t", ONES, ROWS, COLUMNS, k=k))
    ranges = check_protected(spec, {"t": result})
    assert not result.withheld and result.show(TOTAL, TOTAL) == 6
    assert result.audit.passed and result.audit.narrowest >= k - 1
    assert {r.name for r in result.audit.records} == set(result.hidden)
    for record in result.audit.records:  # the library's audit agrees with the independent one
        name = ":".join(record.name.split("|"))
        assert (record.low, record.high) == pytest.approx(ranges[name])


def test_two_cycles_and_a_bridge_naive_leaves_the_bridge_exact() -> None:
    """Every line has two hidden cells, yet the bridge cell (a, z) is rows a+b minus columns
    x+y: exactly recoverable. The audit catches it."""
    rows, columns, k = ("a", "b", "c", "d"), ("x", "y", "z", "w"), 5
    small = {("a", "x"), ("a", "y"), ("b", "x"), ("b", "y"), ("c", "z"), ("c", "w"),
             ("d", "z"), ("d", "w"), ("a", "z")}
    counts = {(r, c): 2 if (r, c) in small else 10 for r in rows for c in columns}
    spec = two_way_spec(Spec(), "t", counts, rows, columns, k)
    lines = [[f"t:{r}:{c}" for c in columns] for r in rows]
    lines += [[f"t:{r}:{c}" for r in rows] for c in columns]
    published = naive(spec, lines, k)
    assert feasible_ranges(spec.values(), published, spec.equations)["t:a:z"] == \
        pytest.approx((2, 2))
    result = protect(CountTable.two_way("t", counts, rows, columns, k=k))
    check_protected(spec, {"t": result})
    assert result.audit.passed and not result.withheld


# ---------------------------------------------------------------- rules


def test_zeros_are_published_and_the_mark_is_neutral() -> None:
    counts = {"a": 0, "b": 2, "c": 17, "d": 30, "e": 0}
    result = protect(CountTable.one_way("t", counts, k=5))
    assert [result.show(r) for r in counts] == [0, MARK, MARK, 30, 0]
    assert result.show(TOTAL) == 49
    assert MARK == "c" and "<" not in NOTE and "5" not in NOTE
    check_protected(one_way_spec(Spec(), "t", counts, 5), {"t": result})


def test_a_table_of_fewer_than_k_women_is_withheld() -> None:
    result = protect(CountTable.one_way("t", {"a": 1, "b": 2, "c": 0}, k=5))
    assert result.withheld and result.reason and result.published == {}
    assert result.show("c") == MARK and result.show(TOTAL) == MARK
    assert result.audit.passed and result.audit.records == ()


def test_a_table_of_zeros_is_published() -> None:
    result = protect(CountTable.one_way("t", {"a": 0, "b": 0}, k=5))
    assert not result.withheld and result.published == {"t|a": 0, "t|b": 0, "t|*": 0}


def test_multi_count_complements_are_hidden() -> None:
    counts = {"physical": 38, "psychological": 40, "sexual": 3, "economic": 0, "social": 20}
    table = CountTable.one_way("v", counts, multi_count=True, base=40, k=5)
    result = protect(table)
    # 38 of 40 says "2 women did not": hidden; 40 of 40 (complement 0) is published.
    assert [result.show(r) for r in counts] == [MARK, 40, MARK, 0, 20]
    assert result.show(TOTAL) == 40
    spec = Spec()
    base = spec.add("v", (TOTAL,), 40, 5)
    for row, n in counts.items():
        spec.at_most.append((spec.add("v", (row,), n, 5), base))
    ranges = check_protected(spec, {"v": result})
    assert ranges["v:physical"] == pytest.approx((0, 40))


def test_multi_count_with_a_small_base_is_withheld() -> None:
    result = protect(CountTable.one_way("v", {"a": 4, "b": 0}, multi_count=True, base=4))
    assert result.withheld and result.published == {}


def test_sensitive_rows_use_their_own_k() -> None:
    counts = {"physical": 30, "sexual": 7, "psychological": 40}
    plain = protect(CountTable.one_way("v", counts, multi_count=True, base=50))
    strict = protect(CountTable.one_way("v", counts, multi_count=True, base=50,
                                        row_k={"sexual": 10}))
    assert plain.show("sexual") == 7 and strict.show("sexual") == MARK


def test_inconsistent_or_invalid_tables_are_refused() -> None:
    with pytest.raises(ValueError):
        CountTable("t", ("a", "b"), {("a",): 1, ("b",): 2}, grand_total=4).to_problem()
    with pytest.raises(ValueError):
        CountTable.one_way("t", {"a": -1}).to_problem()
    with pytest.raises(ValueError):
        CountTable.one_way("t", {"*": 1})
    with pytest.raises(ValueError):
        CountTable.one_way("v", {"a": 5}, multi_count=True)  # no base
    with pytest.raises(ValueError):
        CountTable.one_way("v", {"a": 50}, multi_count=True, base=40).to_problem()


# ---------------------------------------------------------------- linked tables


def test_two_one_way_tables_sharing_a_total_are_audited_together() -> None:
    """Ages without a published total, migration status with one: protected apart, the hidden 3
    is 53 − 20 − 30; protected together, it is not."""
    ages, migration = {"young": 3, "middle": 20, "older": 30}, {"citizen": 40, "other": 13}
    age_table = CountTable.one_way("age", ages, publish_total=False)
    migration_table = CountTable.one_way("mig", migration)
    spec = Spec()
    age_cells = [spec.add("age", (r,), n, 5) for r, n in ages.items()]
    one_way_spec(spec, "mig", migration, 5)
    spec.equations.append(("mig:*", age_cells))  # the same women

    apart = {"age": protect(age_table), "mig": protect(migration_table)}
    published = {n: v for n, (t, codes, v, _) in spec.entries.items()
                 if apart[t].show(*codes) != MARK}
    assert feasible_ranges(spec.values(), published, spec.equations)["age:young"] == \
        pytest.approx((3, 3))

    together = protect_group([age_table, migration_table], [same_total(age_table,
                                                                       migration_table)])
    assert together.passed
    check_protected(spec, dict(together.tables))


def test_a_two_way_table_and_its_one_way_margins_are_audited_together() -> None:
    """The two-way table gives no row totals; its complementary cells sit in different rows, so
    the age table's published total for one of those rows gives a hidden cell away."""
    rows, columns = ("a1", "a2", "a3"), ("m1", "m2")
    counts = {("a1", "m1"): 1, ("a1", "m2"): 2, ("a2", "m1"): 5, ("a2", "m2"): 9,
              ("a3", "m1"): 8, ("a3", "m2"): 5}
    column_totals = {c: sum(counts[r, c] for r in rows) for c in columns}
    cross = CountTable("t", rows, counts, columns, None, column_totals, sum(counts.values()))
    ages = {r: sum(counts[r, c] for c in columns) for r in rows}
    age_table = CountTable.one_way("age", ages)
    spec = two_way_spec(Spec(), "t", counts, rows, columns, 5, row_totals=False)
    one_way_spec(spec, "age", ages, 5)
    for r in rows:
        spec.equations.append((f"age:{r}", [f"t:{r}:{c}" for c in columns]))

    apart = {"t": protect(cross), "age": protect(age_table)}
    published = {n: v for n, (t, codes, v, _) in spec.entries.items()
                 if apart[t].show(*codes) != MARK}
    assert feasible_ranges(spec.values(), published, spec.equations)["t:a1:m1"] == \
        pytest.approx((1, 1))

    together = protect_group([cross, age_table], margin_links(cross, rows=age_table))
    assert together.passed
    check_protected(spec, dict(together.tables))


# ---------------------------------------------------------------- many-way tables, integers


def cross_spec(table: CrossTable) -> Spec:
    spec, n = Spec(), len(table.dimensions)
    cells = list(itertools.product(*table.dimensions))
    for kept in [*table.margins, ()]:
        for codes in itertools.product(*(table.dimensions[d] for d in kept)):
            fixed = dict(zip(kept, codes))
            members = [c for c in cells if all(c[d] == v for d, v in fixed.items())]
            for c in members:
                if ":".join(("x", *c)) not in spec.entries:
                    spec.add("x", c, table.counts.get(c, 0), table.k)
            total = spec.add("x", tuple(fixed.get(d, TOTAL) for d in range(n)),
                             sum(table.counts.get(c, 0) for c in members), table.k)
            spec.equations.append((total, [":".join(("x", *c)) for c in members]))
    return spec


@pytest.mark.parametrize("integer", [False, True])
def test_a_three_way_table_with_its_two_way_margins(integer: bool) -> None:
    random = np.random.default_rng(7)
    dims = (("f", "m"), ("y", "o", "e"), ("p", "q", "s"))
    counts = {c: int(v) for c, v in zip(itertools.product(*dims), random.poisson(6, 18))}
    margins = ((0, 1), (0, 2), (1, 2), (0,), (1,), (2,), ())
    table = CrossTable("x", dims, counts, margins, k=5)
    result = protect(table, integer=integer)
    assert result.audit.passed
    check_protected(cross_spec(table), {"x": result})


def test_every_round_makes_progress_on_a_hard_table() -> None:
    """A 6×6 table of ones and twos with k = 10: protected or withheld, never a loop."""
    rows, columns = tuple("abcdef"), tuple("uvwxyz")
    counts = {(r, c): 1 + (i + j) % 2 for i, r in enumerate(rows) for j, c in enumerate(columns)}
    result = protect(CountTable.two_way("t", counts, rows, columns, k=10))
    check_protected(two_way_spec(Spec(), "t", counts, rows, columns, 10), {"t": result})


def test_audit_record_for_the_coordinator() -> None:
    counts = {("a", "x"): 2, ("a", "y"): 12, ("b", "x"): 15, ("b", "y"): 20}
    result = protect(CountTable.two_way("t", counts, ("a", "b"), ("x", "y")))
    assert result.audit.passed and result.audit.k == 5
    assert all(r.exact and r.passed and r.required == 4 for r in result.audit.records)
    assert result.show("a", "x") == MARK
    assert {n: v for n, v in result.published.items() if v == 2} == {}

