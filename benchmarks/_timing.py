"""How every benchmark times things: interleaved baseline/subject pairs in one process.

The headline figure of a benchmark is a wall-clock ratio: the machine these run
on is shared, so the baseline and the subject alternate call by call (the order
flips every pair, so a load that drifts hurts both sides alike), warm-up calls
are dropped on both sides, and the whole comparison is repeated ``runs`` times
(three by default) to print the spread between runs. The load average is printed
beside it because a ratio measured at load 8 on 2 cores is not the one at load 1.
CPU time of the process is a second column only: it hides the waiting a user sees.

    cmp = compare(baseline_fn, subject_fn, n=20)
    print(cmp.line("load IEEE / raw read"))

Baselines must not pay costs the subject does not: fault a buffer's pages in
before timing a raw read into it (see ``prefaulted``).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np


def loadavg() -> str:
    """``load 6.9 7.1 5.2 on 2 cores`` (1, 5 and 15 minute averages)."""
    a = os.getloadavg()
    return f"load {a[0]:.1f} {a[1]:.1f} {a[2]:.1f} on {os.cpu_count()} cores"


def _timed(fn: Callable[[], object], min_time: float) -> tuple[float, float]:
    """(wall, CPU) seconds per call of ``fn``, looping until ``min_time`` has passed."""
    n, w0, c0 = 0, time.perf_counter(), time.process_time()
    while True:
        fn()
        n += 1
        el = time.perf_counter() - w0
        if el >= min_time:
            return el / n, (time.process_time() - c0) / n


@dataclass
class Comparison:
    """Per-call times of interleaved pairs, one list per run; ratio = subject / baseline."""

    base: list[np.ndarray] = field(default_factory=list)  # wall s, one array per run
    subj: list[np.ndarray] = field(default_factory=list)
    base_cpu: list[np.ndarray] = field(default_factory=list)
    subj_cpu: list[np.ndarray] = field(default_factory=list)
    load_before: str = ""
    load_after: str = ""

    def _all(self, parts):
        return np.concatenate(parts)

    @property
    def ratios(self) -> list[np.ndarray]:
        """Pair by pair ratios of each run (the pairs share the machine's state at that moment)."""
        return [s / b for s, b in zip(self.subj, self.base, strict=True)]

    @property
    def ratio(self) -> float:
        """Median over all pairs of subject / baseline wall time (the headline)."""
        return float(np.median(self._all(self.ratios)))

    @property
    def ratio_p95(self) -> float:
        return float(np.percentile(self._all(self.ratios), 95))

    @property
    def run_ratios(self) -> list[float]:
        """The median ratio of each run (their range is the spread)."""
        return [float(np.median(r)) for r in self.ratios]

    @property
    def cpu_ratio(self) -> float:
        return float(np.median(self._all(self.subj_cpu)) / max(np.median(self._all(self.base_cpu)), 1e-12))

    def stats(self, side: str = "subj") -> tuple[float, float]:
        """(median, p95) wall seconds per call of one side over all runs."""
        x = self._all(getattr(self, side))
        return float(np.median(x)), float(np.percentile(x, 95))

    def as_dict(self) -> dict:
        return {"ratio": self.ratio, "ratio_p95": self.ratio_p95, "run_ratios": self.run_ratios,
                "cpu_ratio": self.cpu_ratio, "subject_s": self.stats("subj"),
                "baseline_s": self.stats("base"), "load": [self.load_before, self.load_after]}

    def line(self, label: str, goal: str = "", names: tuple[str, str] = ("subject", "baseline")) -> str:
        """One report line: ratio median/p95, spread over runs, both sides' times, CPU, load."""
        sm, sp = self.stats("subj")
        bm, bp = self.stats("base")
        runs = " ".join(f"{r:.2f}" for r in self.run_ratios)
        return (f"  {label}: {self.ratio:.2f}x median, p95 {self.ratio_p95:.2f}x (runs {runs})"
                f"{'  ' + goal if goal else ''}\n"
                f"      {names[0]} {fmt_s(sm)} p95 {fmt_s(sp)} | {names[1]} {fmt_s(bm)} p95 {fmt_s(bp)}"
                f" | CPU ratio {self.cpu_ratio:.2f}x | {self.load_before.split(' on ')[0]} -> "
                f"{self.load_after[5:]}")


def compare(baseline: Callable[[], object], subject: Callable[[], object], n: int = 10, *,
            warmup: int = 1, runs: int = 3, min_time: float = 0.0,
            setup: Callable[[str], object] | None = None, rewarm: bool = True,
            returns_value: bool = False) -> Comparison:
    """Time ``n`` interleaved (baseline, subject) pairs per run, ``runs`` runs, in this process.

    Each run starts with ``warmup`` untimed calls of both. ``min_time``: calls shorter than
    that are repeated back to back and averaged (micro-operations). ``setup(side)`` runs
    untimed before every timed call, ``side`` "baseline" or "subject" (e.g. to drop a cache
    both sides must rebuild). ``rewarm=False``:
    warm up before the first run only (for calls of many seconds). ``returns_value=True``:
    each call returns the figure to compare (seconds of the part that matters, such as the
    time from Train to the first overlay, or a p99 interval) in place of its wall time.
    """
    out = Comparison(load_before=loadavg())
    for run in range(runs):
        for _ in range(warmup if run == 0 or rewarm else 0):
            baseline()
            subject()
        b, s, bc, sc = [], [], [], []
        for i in range(n):
            order = (("baseline", baseline, b, bc), ("subject", subject, s, sc))
            for side, fn, wall, cpu in (order if i % 2 == 0 else order[::-1]):
                if setup is not None:
                    setup(side)
                if returns_value:
                    c0 = time.process_time()
                    w = float(fn())  # type: ignore[arg-type]
                    c = time.process_time() - c0
                else:
                    w, c = _timed(fn, min_time)
                wall.append(w)
                cpu.append(c)
        out.base.append(np.array(b))
        out.subj.append(np.array(s))
        out.base_cpu.append(np.array(bc))
        out.subj_cpu.append(np.array(sc))
    out.load_after = loadavg()
    return out


def series_line(label: str, runs: list[np.ndarray], goal: str = "") -> str:
    """Median and p95 of a timed series (e.g. per-event latencies), per run and over all runs."""
    allx = np.concatenate(runs)
    per = " ".join(f"{np.percentile(r, 95) * 1e3:.2f}" for r in runs)
    return (f"  {label}: median {fmt_s(float(np.median(allx)))}, p95 {fmt_s(float(np.percentile(allx, 95)))}"
            f" (p95 per run, ms: {per}){'  ' + goal if goal else ''} | {loadavg()}")


def prefaulted(nbytes: int) -> bytearray:
    """A buffer of ``nbytes`` whose pages are already faulted in (for a raw-read baseline)."""
    buf = bytearray(nbytes)
    mv = memoryview(buf)
    mv[::4096] = b"\1" * len(range(0, nbytes, 4096))
    return buf


def fmt_s(seconds: float) -> str:
    if seconds < 1e-3:
        return f"{seconds * 1e6:.1f} µs"
    if seconds < 1:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds:.2f} s"
