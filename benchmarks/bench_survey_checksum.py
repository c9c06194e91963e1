"""Cost of the project's survey checksum: version 2 (sampled) against version 3 (every byte).

    python benchmarks/bench_survey_checksum.py [--gb 1.0] [--pairs 7]

Files: the largest survey in tests/data and a synthetic file of ``--gb`` GB (random bytes,
page-cached after the warm-up, so this is the CPU cost; a cold read adds the disk's time).
Baseline (v2) and subject (v3) run in interleaved pairs in one process, warm-up excluded;
three runs report the median and p95 of wall time and the median CPU time, with the load
average. Also: an open of a project whose survey is unchanged (its stat is remembered, so
no byte is read) against one whose survey was touched (read in full).
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]


def _pairs(fn_a, fn_b, n: int):
    fn_a(), fn_b()  # warm-up: page cache, imports
    out = {"a": [], "b": [], "a_cpu": [], "b_cpu": []}
    for _ in range(n):
        for key, fn in (("a", fn_a), ("b", fn_b)):
            w, c = time.perf_counter(), time.process_time()
            fn()
            out[key].append(time.perf_counter() - w)
            out[key + "_cpu"].append(time.process_time() - c)
    return out


def _report(name: str, fn_a, fn_b, n: int, runs: int = 3) -> None:
    meds = {"a": [], "b": []}
    for _ in range(runs):
        r = _pairs(fn_a, fn_b, n)
        for k in ("a", "b"):
            meds[k].append(np.median(r[k]))
        last = r
    load = os.getloadavg()[0]
    for k, label in (("a", "v2 sampled"), ("b", "v3 every byte")):
        print(f"{name:<34} {label:<14} wall median {np.median(meds[k]) * 1e3:9.1f} ms "
              f"(runs {min(meds[k]) * 1e3:.1f}-{max(meds[k]) * 1e3:.1f}), "
              f"p95 {np.percentile(last[k], 95) * 1e3:9.1f} ms, "
              f"CPU {np.median(last[k + '_cpu']) * 1e3:9.1f} ms   load {load:.1f}")


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--gb", type=float, default=1.0)
    ap.add_argument("--pairs", type=int, default=7)
    args = ap.parse_args(argv)
    from seisview.io.project import Project
    from seisview.io.project_schema import file_checksum

    largest = max((REPO / "tests" / "data").rglob("*.sgy"), key=lambda p: p.stat().st_size)
    mb = largest.stat().st_size / 1e6
    _report(f"{largest.name} ({mb:.1f} MB)", lambda: file_checksum(largest, 2),
            lambda: file_checksum(largest, 3), args.pairs)
    with tempfile.TemporaryDirectory() as d:
        big = Path(d) / "big.bin"
        rng = np.random.default_rng(0)
        with open(big, "wb") as f:
            for _ in range(int(args.gb * 1024)):
                f.write(rng.integers(0, 255, 1 << 20, dtype=np.uint8).tobytes())
        _report(f"synthetic {args.gb:g} GB", lambda: file_checksum(big, 2),
                lambda: file_checksum(big, 3), max(3, args.pairs // 2))
        proj, survey = Path(d) / "p.seisview", Path(d) / largest.name
        shutil.copy(largest, survey)
        Project.create(proj, survey).close()

        def touched_open():
            os.utime(survey)
            Project.open(proj).close()

        _report(f"Project.open on {largest.name}", lambda: Project.open(proj).close(), touched_open,
                args.pairs)
        print("  (for the open rows: v2 column = stat unchanged, v3 column = survey touched, read in full)")


if __name__ == "__main__":
    main()
