"""Complementary suppression: choosing further entries to hide.

A *line* is a published identity read as a set of entries (a total and its parts). If exactly
one entry of a line is unknown to the reader, it is the total minus the other parts: so a second
entry of that line must be hidden. This cheap rule is the first pass; the audit has the last word
(non-negativity and several lines together can still pin a value down), and when it finds a value
pinned too narrowly, `widening_choice` picks one more entry near it.

Choice of entry (the cost): a cell rather than a total (totals are the most useful figures),
one that completes another line too (one hidden cell protecting two), then the smallest value
(least information lost). Zeros are never chosen: a hidden zero can only go up, so it widens a
neighbour's range by no more than the neighbour's own small value — little protection for a
published fact ("nobody") lost — and the issue asks for zeros to be published as zeros.
"""

from __future__ import annotations

from collections.abc import Iterable

from casework.reports.suppression.tables import Problem


class Lines:
    """The problem's identities as lines, with an index from entry to the lines it is in."""

    def __init__(self, problem: Problem) -> None:
        self.members: list[tuple[str, ...]] = [(s.total, *s.parts) for s in problem.sums]
        self.of: dict[str, list[int]] = {}
        for index, members in enumerate(self.members):
            for name in members:
                self.of.setdefault(name, []).append(index)

    def unknown_counts(self, unknown: set[str]) -> list[int]:
        """How many entries of each line the reader does not see."""
        return [sum(1 for name in members if name in unknown) for members in self.members]


def _candidates(problem: Problem, names: Iterable[str], unknown: set[str]) -> list[str]:
    """Entries that could still be hidden: published, non-zero."""
    return [n for n in names if n not in unknown and problem.values[n] > 0]


def _cheapest(problem: Problem, lines: Lines, options: list[str], line: int | None,
              helps: list[int], wanted: int) -> str | None:
    """The option with the lowest cost; `helps[j] == wanted` marks lines it would also serve."""
    def cost(name: str) -> tuple[bool, int, int, str]:
        served = sum(1 for j in lines.of.get(name, ()) if j != line and helps[j] == wanted)
        return (name in problem.margins, -served, problem.values[name], name)
    return min(options, key=cost, default=None)


def complete_lines(problem: Problem, lines: Lines, hidden: set[str], free: set[str]) -> set[str]:
    """Hide entries until no line has exactly one unknown entry that needs protection.

    `hidden` (entries that need protection) is extended in place; `free` entries (internal, or of
    withheld tables) are unknown to the reader but need no protection. Returns what was added.
    """
    unknown = hidden | free
    counts = lines.unknown_counts(unknown)
    pending = [i for i, n in enumerate(counts) if n == 1]
    added: set[str] = set()
    while pending:
        i = pending.pop()
        if counts[i] != 1:
            continue
        (alone,) = [n for n in lines.members[i] if n in unknown]
        if alone in free:
            continue
        choice = _cheapest(problem, lines, _candidates(problem, lines.members[i], unknown), i,
                           counts, 1)
        if choice is None:  # cannot happen for a non-zero hidden entry; the audit would catch it
            continue
        hidden.add(choice)
        unknown.add(choice)
        added.add(choice)
        for j in lines.of.get(choice, ()):
            counts[j] += 1
            if counts[j] == 1:
                pending.append(j)
    return added


def widening_choice(problem: Problem, lines: Lines, hidden: set[str], free: set[str],
                    target: Iterable[str]) -> str | None:
    """One more entry to hide to widen the range of a hidden value pinned too narrowly.

    Searches the lines through the value first, then lines further out through other unknown
    entries (the value is tied to them); prefers entries in a second line that already has an
    unknown one, so that hiding it opens a new path for the value to move along. None when the
    whole connected part is already hidden: the caller then withholds the table.
    """
    unknown = hidden | free
    counts = lines.unknown_counts(unknown)
    # A line "helps" when it already has an unknown entry; mark those with a common value.
    helps = [1 if n else 0 for n in counts]
    frontier = [n for n in target if n in unknown]
    seen_entries, seen_lines = set(frontier), set()
    while frontier:
        line_ids = {j for n in frontier for j in lines.of.get(n, ()) if j not in seen_lines}
        seen_lines |= line_ids
        options = sorted({n for j in line_ids for n in _candidates(problem, lines.members[j],
                                                                    unknown)})
        if options:
            return _cheapest(problem, lines, options, None, helps, 1)
        frontier = [n for j in line_ids for n in lines.members[j]
                    if n in unknown and n not in seen_entries]
        seen_entries.update(frontier)
    return None
