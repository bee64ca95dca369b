"""Shared helpers of the benchmark scripts: repeats, statistics, machine note."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import time
from collections.abc import Callable
from typing import Any


def machine_note() -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "note": "shared machine: quote medians and ratios measured in the same run",
    }


def stats(values: list[float]) -> dict[str, float]:
    return {"min": min(values), "median": statistics.median(values), "max": max(values), "n": len(values)}


def repeat(fn: Callable[[], Any], repeats: int = 3, warmup: int = 1) -> tuple[dict[str, float], Any]:
    """Run ``fn`` ``warmup`` + ``repeats`` times; wall-time statistics of the counted runs and the last result."""
    result = None
    for _ in range(warmup):
        result = fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return stats(times), result


def peak_rss_mib() -> float:
    """Peak resident set size of this process so far, MiB (Linux ru_maxrss is KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
