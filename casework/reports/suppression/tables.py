"""The data model: publishable counts and the published identities between them.

The general core is a `Problem`: entries (key → true count), the identities a reader knows hold
between them (`Sum`: a value is the sum of others; `Within`: a count of women is part of another)
and, per entry, its threshold k and the table it belongs to. `CountTable` (one- and two-way
tables, optionally multi-count) and `CrossTable` (a many-way table flattened to cells, with the
marginal tables that are published) build a `Problem`. Tables that share totals are joined into
one `Problem` by `protect.combine`, with `Sum`s linking them, and so audited together.

Keys are "table|code|code"; a TOTAL ("*") in place of a code means "all of that dimension".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import product

TOTAL = "*"
DEFAULT_K = 5
SENSITIVE_K = 10  # sexual violence, trafficking, disability, refugee status
_SEPARATOR = "|"


def key(table_id: str, *codes: str) -> str:
    """The key of a table's entry; `TOTAL` in place of a code sums over that dimension."""
    return _SEPARATOR.join((table_id, *codes))


def _check_code(code: str) -> None:
    if not code or code == TOTAL or _SEPARATOR in code:
        raise ValueError(f"unusable code {code!r}: empty, {TOTAL!r} or containing {_SEPARATOR!r}")


def _check_count(what: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{what}: counts are integers ≥ 0, got {value!r}")


@dataclass(frozen=True)
class Sum:
    """A published identity: the value of `total` is the sum of the values of `parts`."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True)
class Within:
    """`part` counts some of the women counted in `whole` (multi-count tables): part ≤ whole,
    and the complement whole − part ("women without it") is as sensitive as a count."""

    part: str
    whole: str


@dataclass(frozen=True)
class TableInfo:
    """What the withholding rule needs: how many women the table describes, and its k."""

    size: int
    k: int


@dataclass(frozen=True)
class Problem:
    """Entries, identities and thresholds of one or more tables audited together.

    `internal` entries exist only to state identities (an unpublished grand total that a linked
    table publishes); they are never shown. `margins` are the totals (hidden only if need be).
    """

    values: Mapping[str, int]
    thresholds: Mapping[str, int]
    owners: Mapping[str, str]
    tables: Mapping[str, TableInfo]
    sums: tuple[Sum, ...] = ()
    withins: tuple[Within, ...] = ()
    margins: frozenset[str] = frozenset()
    internal: frozenset[str] = frozenset()

    def validate(self) -> None:
        """Raise ValueError unless every entry is a count and every stated identity holds."""
        for name, value in self.values.items():
            _check_count(name, value)
            if self.thresholds.get(name, 0) < 2:
                raise ValueError(f"{name}: threshold k must be at least 2")
            if self.owners.get(name) not in self.tables:
                raise ValueError(f"{name}: belongs to no known table")
        named = [*self.margins, *self.internal]
        named += [n for s in self.sums for n in (s.total, *s.parts)]
        named += [n for w in self.withins for n in (w.part, w.whole)]
        unknown = sorted({n for n in named if n not in self.values})
        if unknown:
            raise ValueError(f"identities name unknown entries: {unknown[:5]}")
        for s in self.sums:
            if self.values[s.total] != sum(self.values[p] for p in s.parts):
                raise ValueError(f"{s.total} is not the sum of its parts")
        for w in self.withins:
            if self.values[w.part] > self.values[w.whole]:
                raise ValueError(f"{w.part} exceeds {w.whole}")

    def keys_of(self, table_id: str) -> list[str]:
        """The table's entries (internal ones included), in a stable order."""
        return [name for name, owner in self.owners.items() if owner == table_id]


@dataclass(frozen=True)
class CountTable:
    """A one-way (no `columns`) or two-way table of counts, with the totals that are published.

    Cells are keyed by (row,) or (row, column); a missing cell is 0. Single-count tables: every
    total is the sum of its cells. Multi-count tables (`multi_count`: a woman can count in several
    rows, as with violence types): `base` is the number of women and is required; a two-way
    table's `column_totals` are the women in each column (columns are single-count, so they add
    up to `base`), its `row_totals` add up across columns; `grand_total` is not used.
    `row_k` raises k for particular rows (e.g. `sexual`, `trafficking`).
    """

    id: str
    rows: tuple[str, ...]
    cells: Mapping[tuple[str, ...], int]
    columns: tuple[str, ...] = ()
    row_totals: Mapping[str, int] | None = None
    column_totals: Mapping[str, int] | None = None
    grand_total: int | None = None
    k: int = DEFAULT_K
    multi_count: bool = False
    base: int | None = None
    row_k: Mapping[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for code in (self.id, *self.rows, *self.columns):
            _check_code(code)
        if len(set(self.rows)) != len(self.rows) or len(set(self.columns)) != len(self.columns):
            raise ValueError(f"{self.id}: repeated row or column code")
        shape = list(product(self.rows, *([self.columns] if self.columns else [])))
        extra = set(self.cells) - set(shape)
        if extra:
            raise ValueError(f"{self.id}: cells outside the table: {sorted(extra)[:3]}")
        if not self.columns and (self.row_totals is not None or self.column_totals is not None):
            raise ValueError(f"{self.id}: a one-way table has only a grand total")
        if self.multi_count and (self.base is None or self.grand_total is not None):
            raise ValueError(f"{self.id}: a multi-count table has a base and no grand total")
        if not self.multi_count and self.base is not None:
            raise ValueError(f"{self.id}: only a multi-count table has a base")
        # Normalised once (frozen, hence object.__setattr__): tuples of codes, missing cells as
        # zeros. The totals are checked against the cells by the problem's validation.
        object.__setattr__(self, "rows", tuple(self.rows))
        object.__setattr__(self, "columns", tuple(self.columns))
        object.__setattr__(self, "cells", {c: self.cells.get(c, 0) for c in shape})

    @classmethod
    def one_way(cls, table_id: str, counts: Mapping[str, int], *, publish_total: bool = True,
                k: int = DEFAULT_K, multi_count: bool = False, base: int | None = None,
                row_k: Mapping[str, int] | None = None) -> CountTable:
        """A one-way table in the order of `counts`; the total (single-count) is computed."""
        total = sum(counts.values()) if publish_total and not multi_count else None
        return cls(table_id, tuple(counts), {(r,): n for r, n in counts.items()},
                   grand_total=total, k=k, multi_count=multi_count, base=base,
                   row_k=dict(row_k or {}))

    @classmethod
    def two_way(cls, table_id: str, counts: Mapping[tuple[str, str], int], rows: Sequence[str],
                columns: Sequence[str], *, totals: bool = True, k: int = DEFAULT_K,
                multi_count: bool = False, base: int | None = None,
                column_bases: Mapping[str, int] | None = None,
                row_k: Mapping[str, int] | None = None) -> CountTable:
        """A two-way table; with `totals`, row, column and grand totals are computed and published.

        Multi-count: the column totals are `column_bases` (women per column) and `base` is required.
        """
        def cell(r: str, c: str) -> int:
            return counts.get((r, c), 0)
        row_totals = {r: sum(cell(r, c) for c in columns) for r in rows} if totals else None
        if multi_count:
            column_totals = dict(column_bases) if column_bases is not None else None
            grand = None
        else:
            column_totals = {c: sum(cell(r, c) for r in rows) for c in columns} if totals else None
            grand = sum(counts.values()) if totals else None
        return cls(table_id, tuple(rows), dict(counts), tuple(columns), row_totals, column_totals,
                   grand, k, multi_count, base, dict(row_k or {}))

    def key(self, *codes: str) -> str:
        """The key of a cell (codes) or total (`TOTAL` in place of a code)."""
        return key(self.id, *codes)

    @property
    def grand_key(self) -> str:
        """The grand total's key (the base, in a multi-count table)."""
        return self.key(TOTAL, TOTAL) if self.columns else self.key(TOTAL)

    def to_problem(self) -> Problem:
        """The table as a `Problem` (validated)."""
        values = {self.key(*c): n for c, n in self.cells.items()}
        k_of = {self.key(*c): self.row_k.get(c[0], self.k) for c in self.cells}
        sums: list[Sum] = []
        withins: list[Within] = []
        margins: dict[str, int] = {}
        for r, n in (self.row_totals or {}).items():
            margins[self.key(r, TOTAL)] = n
            k_of[self.key(r, TOTAL)] = self.row_k.get(r, self.k)
            sums.append(Sum(self.key(r, TOTAL), tuple(self.key(r, c) for c in self.columns)))
        for c, n in (self.column_totals or {}).items():
            margins[self.key(TOTAL, c)] = n
            cells = tuple(self.key(r, c) for r in self.rows)
            if self.multi_count:  # women in the column: each cell is some of them
                withins += [Within(cell, self.key(TOTAL, c)) for cell in cells]
            else:
                sums.append(Sum(self.key(TOTAL, c), cells))
        grand = self.base if self.multi_count else self.grand_total
        internal = frozenset() if grand is not None else frozenset({self.grand_key})
        size = grand if grand is not None else sum(self.cells.values())
        margins[self.grand_key] = size
        if self.multi_count:
            if self.column_totals is not None:
                sums.append(Sum(self.grand_key, tuple(self.key(TOTAL, c) for c in self.columns)))
            else:
                withins += [Within(self.key(*c), self.grand_key) for c in self.cells]
            withins += [Within(self.key(r, TOTAL), self.grand_key) for r in self.row_totals or {}]
        else:
            lines = [[self.key(r, TOTAL) for r in self.row_totals or {}],
                     [self.key(TOTAL, c) for c in self.column_totals or {}]]
            lines = [line for line in lines if line] or [list(values)]
            sums += [Sum(self.grand_key, tuple(line)) for line in lines]
        values.update(margins)
        k_of.update({m: self.k for m in margins if m not in k_of})
        problem = Problem(values, k_of, {n: self.id for n in values},
                          {self.id: TableInfo(size, self.k)}, tuple(sums), tuple(withins),
                          frozenset(margins), internal)
        problem.validate()
        return problem


@dataclass(frozen=True)
class CrossTable:
    """A many-way single-count table flattened to cells, with the marginal tables published.

    `margins` lists the published marginal tables by the dimensions they keep, e.g. (0, 1) for
    dimension 0 × dimension 1, (2,) for a one-way margin, () for the grand total. Margins are sums
    of cells (over a multi-count dimension they count mentions, not women).
    """

    id: str
    dimensions: tuple[tuple[str, ...], ...]
    counts: Mapping[tuple[str, ...], int]
    margins: tuple[tuple[int, ...], ...] = ()
    k: int = DEFAULT_K

    def key(self, *codes: str) -> str:
        """The key of a cell (codes) or marginal entry (`TOTAL` for summed dimensions)."""
        return key(self.id, *codes)

    def to_problem(self) -> Problem:
        """The table as a `Problem` (validated); cells not in `counts` are 0."""
        n = len(self.dimensions)
        for code in (self.id, *(c for d in self.dimensions for c in d)):
            _check_code(code)
        if any(sorted(set(m)) != list(m) or not set(m) <= set(range(n)) for m in self.margins):
            raise ValueError(f"{self.id}: margins are sorted tuples of dimension numbers")
        cells = list(product(*self.dimensions))
        if set(self.counts) - set(cells):
            raise ValueError(f"{self.id}: counts outside the table")
        values = {self.key(*c): self.counts.get(c, 0) for c in cells}
        members: dict[str, list[str]] = {}
        published = set(self.margins) - {tuple(range(n))}
        for kept in published | {()}:  # the grand total exists (maybe internal) for linking
            for c in cells:
                name = self.key(*(c[d] if d in kept else TOTAL for d in range(n)))
                members.setdefault(name, []).append(self.key(*c))
        sums = [Sum(total, tuple(parts)) for total, parts in members.items()]
        # Margins are also sums of the finer published margins: lines for the line rule.
        for kept in published:
            for finer in (f for f in published if len(f) == len(kept) + 1 and set(kept) < set(f)):
                parts: dict[str, dict[str, None]] = {}  # ordered sets
                for c in cells:
                    coarse = self.key(*(c[d] if d in kept else TOTAL for d in range(n)))
                    fine = self.key(*(c[d] if d in finer else TOTAL for d in range(n)))
                    parts.setdefault(coarse, {})[fine] = None
                sums += [Sum(t, tuple(p)) for t, p in parts.items()]
        for total, parts in members.items():
            values[total] = sum(values[p] for p in parts)
        grand = self.key(*(TOTAL,) * n)
        internal = frozenset() if () in published else frozenset({grand})
        problem = Problem(values, {v: self.k for v in values}, {v: self.id for v in values},
                          {self.id: TableInfo(values[grand], self.k)}, tuple(sums), (),
                          frozenset(members), internal)
        problem.validate()
        return problem
