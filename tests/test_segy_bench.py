"""The CI-sized survey I/O benchmark (benchmarks/bench_io.py) and its ratio goals.

Ratios, never absolute times: segyio (or a pre-faulted raw read of the file) is
timed in interleaved pairs with seisview in the same process, three runs
(benchmarks/_timing.py). The test holds each goal against the best run's median
ratio: on a machine shared by many jobs one run can land in a burst of load.
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
    runs, g = {k: v["run_ratios"] for k, v in res["comparisons"].items()}, res["goals"]
    assert max(runs["time_slice"]) >= g["time_slice"], bench_io.report(res)
    assert max(runs["crossline"]) >= g["crossline"], bench_io.report(res)
    assert max(runs["inline"]) >= g["inline"], bench_io.report(res)
    assert min(runs["load_ieee_max"]) <= g["load_ieee_max"], bench_io.report(res)
