"""Primary suppression: the threshold rules, applied to true values.

* A table that describes between 1 and k−1 women (grand total, or base of a multi-count table)
  is withheld whole: hiding its total while publishing the rest would still say "a handful".
* Every other entry, cell or total, with 1 ≤ value ≤ k−1 is hidden.
* Multi-count tables: a count whose complement (base − count: the women *without* it) is
  between 1 and k−1 is hidden too, since publishing it would publish the complement.
* Zeros are published: "nobody" is not a small group of identifiable women.

And what the audit must find vague enough (`targets`): every hidden entry, and every sensitive
complement whose base is hidden too (with a published base, it is as vague as the count itself).
"""

from __future__ import annotations

from dataclasses import dataclass

from casework.reports.suppression.tables import Problem


def small(value: int, k: int) -> bool:
    """Whether a count must not be published: 1 ≤ value ≤ k−1."""
    return 1 <= value <= k - 1


def withheld_tables(problem: Problem) -> dict[str, str]:
    """Tables to withhold whole, with the reason (for the coordinator)."""
    return {
        table_id: f"the whole table counts fewer than {info.k}"
        for table_id, info in problem.tables.items()
        if small(info.size, info.k)
    }


def primary_hidden(problem: Problem) -> set[str]:
    """Entries hidden by the threshold and complement rules (internal entries are never shown)."""
    values, k = problem.values, problem.thresholds
    hidden = {name for name, value in values.items() if small(value, k[name])}
    for within in problem.withins:
        part = values[within.part]
        # A zero's complement is the base itself, which is either ≥ k or hidden on its own.
        if part >= 1 and small(values[within.whole] - part, k[within.part]):
            hidden.add(within.part)
    return hidden - problem.internal


@dataclass(frozen=True)
class Target:
    """A hidden quantity to audit: a linear combination of entries (an entry, or base − count)."""

    name: str
    table: str
    terms: tuple[tuple[str, int], ...]
    required: int  # k − 1


def targets(problem: Problem, hidden: set[str], free: set[str]) -> list[Target]:
    """What must stay imprecise: hidden entries, and sensitive complements with a hidden base."""
    k = problem.thresholds
    found = [Target(n, problem.owners[n], ((n, 1),), k[n] - 1) for n in sorted(hidden)]
    for w in problem.withins:
        complement = problem.values[w.whole] - problem.values[w.part]
        if w.whole in hidden and w.part not in free and 1 <= complement < k[w.part]:
            found.append(Target(f"{w.whole} − {w.part}", problem.owners[w.part],
                                ((w.whole, 1), (w.part, -1)), k[w.part] - 1))
    return found
