"""Timing helpers shared by the benchmarks: medians of repeated runs, ratios, a results table."""

from __future__ import annotations

import statistics
import time
from typing import Callable


def per_call_seconds(action: Callable[[], object], repeat: int, rounds: int = 5) -> float:
    """Median over `rounds` of the mean time of one call, measured over `repeat` calls."""
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeat):
            action()
        samples.append((time.perf_counter() - started) / repeat)
    return statistics.median(samples)


def row(label: str, value: str, note: str = "") -> str:
    return f"| {label} | {value} | {note} |"


def print_table(title: str, rows: list[str]) -> None:
    print(f"\n### {title}\n")
    print("| measure | value | note |")
    print("| --- | --- | --- |")
    for line in rows:
        print(line)
