"""The CI-sized survey I/O benchmark (benchmarks/bench_io.py) and its ratio goals.

Ratios, never absolute times: segyio (or a raw read of the file) is timed
side by side with seisview in the same process, best of several runs, in CPU
time of the process (wall-clock ratios are printed too), so a busy shared
machine does not decide the outcome.
"""

from __future__ import annotations

import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parents[1] / "benchmarks"


def test_ci_benchmark_ratios(tmp_path):
    sys.path.insert(0, str(BENCH))
    try:
        import bench_io
    finally:
        sys.path.remove(str(BENCH))
    res = bench_io.run("ci", tmp_path, repeat=5, ibm=False)
    print(bench_io.report(res))
    r, g = res["ratios"], res["goals"]
    assert r["time_slice"] >= g["time_slice"], bench_io.report(res)
    assert r["crossline"] >= g["crossline"], bench_io.report(res)
    assert r["inline"] >= g["inline"], bench_io.report(res)
    assert r["load_ieee_max"] <= g["load_ieee_max"], bench_io.report(res)
