"""Timing helpers for the benchmarks: best of repeated runs, side by side in one process."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_times(fn: Callable[[], object], repeat: int = 5, min_time: float = 0.0) -> tuple[float, float]:
    """Fastest (wall, CPU) seconds per call of ``fn`` over ``repeat`` runs.

    Each run loops until ``min_time`` has passed. The minimum, not the median:
    on a shared machine other people's work only ever adds time. CPU time
    (user + system of this process, page faults included) is reported beside
    wall time because on a machine with a load average of 10 on 2 cores the
    wall clock mostly measures the scheduler.
    """
    walls, cpus = [], []
    for _ in range(repeat):
        n, w0, c0 = 0, time.perf_counter(), time.process_time()
        while True:
            fn()
            n += 1
            el = time.perf_counter() - w0
            if el >= min_time:
                break
        walls.append(el / n)
        cpus.append((time.process_time() - c0) / n)
    return min(walls), min(cpus)


def fmt_s(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:8.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:8.2f} ms"
    return f"{seconds:8.2f} s "
