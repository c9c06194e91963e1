"""Timing helpers for the benchmarks: best of repeated runs, side by side in one process."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_time(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.0) -> float:
    """Fastest seconds per call of ``fn`` over ``repeat`` runs (each run loops until ``min_time``).

    The minimum, not the median: on a shared machine other people's work only ever
    adds time, so the fastest run is the best estimate of the code's own cost.
    """
    times = []
    for _ in range(repeat):
        n, t0 = 0, time.perf_counter()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - t0
            if el >= min_time:
                break
        times.append(el / n)
    return min(times)


def fmt_s(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "
