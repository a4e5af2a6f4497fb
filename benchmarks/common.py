"""Small helpers shared by the benchmarks: percentiles, timing, memory."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(q / 100 * (len(ordered) - 1))))
    return ordered[index]


def latencies_ms(
    fn: Callable[[Any], object], inputs: Sequence[Any], repeat: int = 3
) -> list[float]:
    """Per-call wall time in milliseconds, each input `repeat` times (after one warm-up)."""
    for item in inputs[:20]:
        fn(item)
    found: list[float] = []
    for _ in range(repeat):
        for item in inputs:
            start = time.perf_counter_ns()
            fn(item)
            found.append((time.perf_counter_ns() - start) / 1e6)
    return found


def summary(values: Sequence[float]) -> dict[str, float]:
    return {
        "p50": round(percentile(values, 50), 4),
        "p99": round(percentile(values, 99), 4),
        "mean": round(statistics.fmean(values), 4) if values else 0.0,
    }


def rss_mb() -> float:
    """Resident memory of this process, from /proc (Linux)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0
