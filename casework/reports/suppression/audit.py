"""The audit: how precisely could a reader work out each hidden value from what is published?

Each hidden value (and sensitive complement base − count with the base hidden too) is minimised
and maximised over all that is consistent with the publication: published entries fixed, every
identity (`Sum`, across linked tables too), counts ≥ 0, parts ≤ wholes (`Within`). The range
[min, max] must be at least k−1 wide.

Integers: by default the linear-programming relaxation is solved (SciPy's HiGHS). Its range
contains the integer range; rounding inwards (ceil of min, floor of max) keeps it an outer bound.
The identities of one- and two-way single-count tables with their totals (and of one-way tables
linked to their margins) form a network, whose matrix is totally unimodular: there the rounded LP
range *is* the integer range. Elsewhere (many-way tables with several margins, multi-count
two-way tables) an integer-programming reader may do better: `integer=True` audits with MILP.

Speed: the unknown entries split into connected parts, each its own LP. Every solution found is
a feasible point, widening the range *seen* of every value of its part; values seen wide enough
need no LP of their own, and stay so as hiding more only enlarges the feasible set.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
from scipy import sparse
from scipy.optimize import Bounds, LinearConstraint, linprog, milp

from casework.reports.suppression.primary import Target, targets
from casework.reports.suppression.tables import Problem

_TOLERANCE = 1e-6
_EXPLORE_FROM = 8  # unproven values in a part that make a random-direction solve worth it
EXACT_UP_TO = 400  # unknowns in a part up to which records optimise both ends by default


@dataclass(frozen=True)
class AuditRecord:
    """Where a reader could place a hidden value, rounded inwards to integers, and whether that
    is vague enough. `exact`: both ends optimised (else the range is known to contain it)."""

    name: str  # the entry's key, or "base − count" for a complement
    table: str
    low: float
    high: float  # math.inf when nothing published bounds it
    required: int  # k − 1
    exact: bool = True

    @property
    def width(self) -> float:
        return self.high - self.low

    @property
    def passed(self) -> bool:
        return self.width >= self.required


def _floor(x: float) -> float:  # rounding inwards, forgiving solver tolerance
    return x if math.isinf(x) else float(math.floor(x + _TOLERANCE))


def _ceil(x: float) -> float:
    return x if math.isinf(x) else float(math.ceil(x - _TOLERANCE))


class _Model:
    """The LP of one connected part of the unknown entries."""

    def __init__(self, problem: Problem, names: list[str], unknown: set[str],
                 sums_of: dict[str, list[int]], withins_of: dict[str, list[int]]) -> None:
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}
        values, size = problem.values, len(names)
        self.lower, self.upper = np.zeros(size), np.full(size, math.inf)
        self.cheap_upper = np.full(size, math.inf)  # bounds read off single lines
        eq_rows: list[tuple[list[int], list[float]]] = []
        self.b_eq: list[float] = []
        for s in sorted({s for n in names for s in sums_of.get(n, ())}):
            line = problem.sums[s]
            cols, coefs, rhs = [], [], 0.0
            for name, coef in ((line.total, 1), *((p, -1) for p in line.parts)):
                if name in unknown:
                    cols.append(self.index[name])
                    coefs.append(coef)
                else:
                    rhs -= coef * values[name]
            eq_rows.append((cols, coefs))
            self.b_eq.append(rhs)
            if line.total not in unknown:  # each unknown part ≤ total − known parts
                for col, coef in zip(cols, coefs):
                    self.cheap_upper[col] = min(self.cheap_upper[col], -rhs)
        ub_rows: list[tuple[list[int], list[float]]] = []
        for w in (problem.withins[i] for i in {i for n in names for i in withins_of.get(n, ())}):
            if w.part in unknown and w.whole in unknown:
                ub_rows.append(([self.index[w.part], self.index[w.whole]], [1.0, -1.0]))
            elif w.part in unknown:
                col = self.index[w.part]
                self.upper[col] = min(self.upper[col], values[w.whole])
            else:
                col = self.index[w.whole]
                self.lower[col] = max(self.lower[col], values[w.part])
        self.cheap_upper = np.minimum(self.cheap_upper, self.upper)
        self.a_eq = self._matrix(eq_rows, size)
        self.a_ub = self._matrix(ub_rows, size)

    @staticmethod
    def _matrix(rows: list[tuple[list[int], list[float]]], size: int) -> sparse.csr_array | None:
        r = [i for i, (cols, _) in enumerate(rows) for _ in cols]
        c, data = [j for cols, _ in rows for j in cols], [x for _, xs in rows for x in xs]
        return sparse.csr_array(sparse.coo_array((data, (r, c)), shape=(len(rows), size))) \
            if rows else None

    def objective(self, weighted: Iterable[tuple[str, float]],
                  values: Mapping[str, int]) -> tuple[np.ndarray, float]:
        """An objective vector over the unknowns, and the constant from known entries."""
        vector, constant = np.zeros(len(self.names)), 0.0
        for name, weight in weighted:
            if name in self.index:
                vector[self.index[name]] += weight
            else:
                constant += weight * values[name]
        return vector, constant

    def solve(self, objective: np.ndarray, integer: bool) -> tuple[float, np.ndarray | None]:
        """Minimise objective·x; (-inf or the optimum, a solution)."""
        b_ub = np.zeros(self.a_ub.shape[0]) if self.a_ub is not None else None
        result = linprog(objective, A_ub=self.a_ub, b_ub=b_ub, A_eq=self.a_eq,
                         b_eq=self.b_eq if self.a_eq is not None else None,
                         bounds=list(zip(self.lower, self.upper)), method="highs")
        if result.status == 3:
            return -math.inf, None
        if result.status != 0:
            raise RuntimeError(f"audit LP failed ({result.message}); are the tables consistent?")
        if not integer:  # an unbounded LP is an unbounded integer programme too (rational data)
            return float(result.fun), result.x
        constraints = [LinearConstraint(m, lo, hi) for m, lo, hi in (
            (self.a_eq, self.b_eq, self.b_eq), (self.a_ub, -math.inf, b_ub)) if m is not None]
        exact = milp(objective, constraints=constraints, integrality=np.ones(len(self.names)),
                     bounds=Bounds(self.lower, self.upper))
        if exact.status != 0:
            raise RuntimeError(f"audit MILP failed ({exact.message})")
        return float(exact.fun), exact.x


@dataclass
class _Part:
    """A connected part of the unknown entries, its targets, and its LP (built on first use)."""

    auditor: Auditor
    names: list[str]
    unknown: set[str]
    targets: list[Target] = field(default_factory=list)

    @cached_property
    def model(self) -> _Model:
        a = self.auditor  # built only for parts that need an LP
        return _Model(a.problem, self.names, self.unknown, a.sums_of, a.withins_of)


class Auditor:
    """Audits successive suppression patterns of one problem, remembering what it has shown."""

    def __init__(self, problem: Problem, *, integer: bool = False) -> None:
        self.problem = problem
        self.integer = integer
        self.sums_of: dict[str, list[int]] = {}
        for i, s in enumerate(problem.sums):
            for name in (s.total, *s.parts):
                self.sums_of.setdefault(name, []).append(i)
        self.withins_of: dict[str, list[int]] = {}
        for i, w in enumerate(problem.withins):
            self.withins_of.setdefault(w.part, []).append(i)
            self.withins_of.setdefault(w.whole, []).append(i)
        self.seen: dict[str, list[float]] = {}  # target → [lowest, highest] feasible value seen
        self.optima: dict[tuple[str, int, frozenset[str]], float] = {}
        self.solves = 0

    def failures(self, hidden: set[str], free: set[str],
                 only: Collection[str] | None = None) -> list[Target]:
        """Targets (all, or those named in `only`) whose exact range is narrower than k−1."""
        found = []
        for part in self._parts(hidden, free, only):
            self._explore(part)
            for target in (t for t in part.targets if not self._shown(t)):
                self._optimum(target, part, -1)
                if not self._shown(target):
                    self._optimum(target, part, +1)
                    found += [] if self._shown(target) else [target]
        return found

    def records(self, hidden: set[str], free: set[str], *,
                exact: bool | None = None) -> list[AuditRecord]:
        """Every target's range: optimised at both ends (`exact`; by default where its part has
        at most EXACT_UP_TO unknowns), or else the range seen so far. An end needs no LP if a
        solution seen reached a bound that holds by construction: the entry's lower bound (0),
        or the least "total minus known parts" of its lines."""
        found = []
        for part in self._parts(hidden, free):
            optimise = exact if exact is not None else len(part.names) <= EXACT_UP_TO
            for target in part.targets:
                low, high = self.seen[target.name]
                if optimise:
                    single, at = len(target.terms) == 1, part.model.index[target.terms[0][0]]
                    if _ceil(low) > (part.model.lower[at] if single else 0.0):
                        low = self._optimum(target, part, +1)
                    if _floor(high) < (part.model.cheap_upper[at] if single else math.inf):
                        high = self._optimum(target, part, -1)
                found.append(AuditRecord(target.name, target.table, _ceil(low), _floor(high),
                                         target.required, optimise))
        return found

    def _parts(self, hidden: set[str], free: set[str],
               only: Collection[str] | None = None) -> list[_Part]:
        """The targets (all, or those in `only`) by connected part of the unknown entries."""
        unknown = hidden | free
        parent = {n: n for n in unknown}

        def root(n: str) -> str:
            while parent[n] != n:
                parent[n] = parent[parent[n]]
                n = parent[n]
            return n

        for s in self.problem.sums:
            members = [n for n in (s.total, *s.parts) if n in unknown]
            for other in members[1:]:
                parent[root(other)] = root(members[0])
        for w in self.problem.withins:
            if w.part in unknown and w.whole in unknown:
                parent[root(w.part)] = root(w.whole)
        members: dict[str, list[str]] = {}
        for n in sorted(unknown):
            members.setdefault(root(n), []).append(n)
        parts: dict[str, _Part] = {}
        for target in targets(self.problem, hidden, free):
            if only is not None and target.name not in only:
                continue
            truth = sum(c * self.problem.values[n] for n, c in target.terms)
            self.seen.setdefault(target.name, [truth, truth])  # the truth is feasible
            r = root(next(n for n, _ in target.terms if n in unknown))
            if r not in parts:
                parts[r] = _Part(self, members[r], unknown)
            parts[r].targets.append(target)
        return list(parts.values())

    def _shown(self, target: Target) -> bool:
        low, high = self.seen[target.name]
        return _floor(high) - _ceil(low) >= target.required

    def _optimum(self, target: Target, part: _Part, sense: int) -> float:
        """min (sense +1) or max (sense −1) of the target; every solution is recorded as seen."""
        signature = (target.name, sense, frozenset(part.names))
        if signature not in self.optima:
            objective, constant = part.model.objective(
                ((n, sense * c) for n, c in target.terms), self.problem.values)
            value, solution = part.model.solve(objective, self.integer)
            self.solves += 1
            self.optima[signature] = sense * (value + constant)
            if solution is not None:
                self._record(part, solution)
        optimum = self.optima[signature]
        seen = self.seen[target.name]
        seen[0 if sense > 0 else 1] = optimum
        return optimum

    def _explore(self, part: _Part) -> None:
        """Cheap proofs first: solve for random directions (pushing half of the unproven values
        up and half down) while that keeps proving values wide; the rest get their own LPs.
        Only speed depends on this: a value is declared too narrow only on its own exact LPs."""
        pending = [t for t in part.targets if not self._shown(t)]
        directions = np.random.default_rng(len(part.names))  # reproducible runs
        idle = 0
        while len(pending) >= _EXPLORE_FROM and idle < 3:
            signs = directions.choice([-1.0, 1.0], len(pending))
            objective, _ = part.model.objective(
                ((n, sign * c) for t, sign in zip(pending, signs) for n, c in t.terms),
                self.problem.values)
            _, solution = part.model.solve(objective, self.integer)
            self.solves += 1
            if solution is None:  # unbounded in that direction: no point to record
                return
            self._record(part, solution)
            still = [t for t in pending if not self._shown(t)]
            # A value's own LPs prove about one value each: explore while doing better.
            idle = idle + 1 if len(pending) - len(still) < 2 else 0
            pending = still

    def _record(self, part: _Part, solution: np.ndarray) -> None:
        """A feasible point: widen the seen range of every target of its part."""
        index, values = part.model.index, self.problem.values
        for target in part.targets:
            value = sum(c * (solution[index[n]] if n in index else values[n])
                        for n, c in target.terms)
            seen = self.seen[target.name]
            seen[0], seen[1] = min(seen[0], value), max(seen[1], value)
