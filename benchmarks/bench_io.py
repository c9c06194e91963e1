"""Survey I/O speed goals, measured as wall-clock ratios of interleaved pairs in one process.

    python benchmarks/bench_io.py            # CI size and F3 size (651 x 951 x 462, ~1.1 GB file)
    python benchmarks/bench_io.py --size ci  # only the CI size (what tests/test_segy_bench.py runs)

For each size a synthetic IEEE SEG-Y file is written (inline-sorted), then, each
comparison as interleaved pairs, warm-up excluded, three runs (benchmarks/_timing.py):
time slice, crossline and inline read through segyio against a seisview ``Volume``
(inline and crossline are views of the in-memory cube, the time slice a copy of
the time-major cube; the cost of materialising the views is reported beside
them), and opening the file (``load``: scan + decode; the time-major copy is
built on first use, timed on its own) against a raw read of the file into a
buffer whose pages are already faulted (the least any reader must do). The IBM
open is measured the same way. In a fresh process, the first allocation as big
as the cube is timed too (huge-page compaction shows up there as system time).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import compare, loadavg, prefaulted  # noqa: E402

SIZES = {"ci": (160, 200, 300), "f3": (651, 951, 462)}
# goals: a ratio is "segyio time / seisview time" (higher is better), except the loads,
# "seisview open / pre-faulted raw read", which must stay below their limit (_max)
GOALS = {
    "f3": {"time_slice": 1000.0, "crossline": 5.0, "inline": 1.0, "load_ieee_max": 2.0,
           "load_ibm_max": 4.0},
    # the CI file (46 MB) opens in tens of ms: the scan's fixed costs are a large share there
    # (measured 4.4-6.0x at load 4); the limit guards against a regression, not the goal
    "ci": {"time_slice": 50.0, "crossline": 2.0, "inline": 1.0, "load_ieee_max": 10.0},
}


def _make_file(path: Path, shape, fmt: int) -> Path:
    from seisview.core.geometry import SurveyGeometry
    from seisview.io.segy import write_volume_segy

    rng = np.random.default_rng(0)
    n_il, n_xl, ns = shape
    data = np.empty(shape, np.float32)
    for i in range(n_il):  # band-limited-ish traces, generated an inline at a time to save memory
        data[i] = np.cumsum(rng.standard_normal((n_xl, ns), dtype=np.float32), axis=1)
    geom = SurveyGeometry.regular(n_il, n_xl, ns, il_first=100, xl_first=300)
    write_volume_segy(path, data, geom, sample_format=fmt)
    return path


def _raw_reader(path: Path):
    """A raw read of the whole file into a buffer whose pages are already faulted."""
    buf = prefaulted(path.stat().st_size)

    def read():
        with open(path, "rb", buffering=0) as f:
            f.readinto(buf)
    read()  # into the page cache
    return read


_FRESH = """
import resource, sys, time
import numpy as np
n = int(sys.argv[1])
r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
a = np.empty(n, np.uint8); a[::4096] = 1
r1, t1 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
b = np.empty(n, np.uint8); b[::4096] = 1
r2, t2 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
print(t1 - t0, r1.ru_stime - r0.ru_stime, t2 - t1, r2.ru_stime - r1.ru_stime)
"""


def first_allocation(nbytes: int) -> tuple[float, ...]:
    """(wall, system s) of the first and the second ``nbytes`` allocation+touch of a fresh process."""
    out = subprocess.run([sys.executable, "-c", _FRESH, str(nbytes)], capture_output=True,
                         text=True, check=True)
    return tuple(float(v) for v in out.stdout.split())


def run(size: str, workdir: Path, repeat: int = 5, ibm: bool = True) -> dict:
    """``repeat``: pairs per run for the fast reads (the opens use fewer)."""
    import segyio

    from seisview.io.segy import load

    shape = SIZES[size]
    n_il, n_xl, ns = shape
    ieee = _make_file(workdir / f"bench_{size}_ieee.sgy", shape, 5)
    res: dict = {"size": size, "shape": list(shape), "file_mb": round(ieee.stat().st_size / 1e6, 1),
                 "load": loadavg()}
    n_open = 3 if size == "f3" else repeat
    c: dict = {}
    c["load_ieee_max"] = compare(_raw_reader(ieee), lambda: load(ieee, use_cache=False), n=n_open)
    vol = load(ieee, use_cache=False)
    res["time_major_s"] = compare(_raw_reader(ieee), lambda: vol.__class__(
        vol.data, vol.geometry).time_major, n=n_open).stats("subj")[0]
    _ = vol.time_major  # what the GUI builds in a worker after opening
    il_mid, xl_mid, k_mid = n_il // 2, n_xl // 2, ns // 2
    with segyio.open(ieee) as f:
        c["time_slice"] = compare(lambda: vol.time_slice(k_mid), lambda: f.depth_slice[k_mid],
                                  n=max(2, repeat // 2), min_time=0.01)
        c["crossline"] = compare(lambda: vol.crossline(xl_mid), lambda: f.xline[300 + xl_mid],
                                 n=repeat, min_time=0.01)
        c["crossline_copy"] = compare(lambda: np.ascontiguousarray(vol.crossline(xl_mid)),
                                      lambda: f.xline[300 + xl_mid], n=repeat, min_time=0.01)
    with segyio.open(ieee) as f:
        f.mmap()
        c["inline"] = compare(lambda: vol.inline(il_mid), lambda: f.iline[100 + il_mid], n=repeat,
                              min_time=0.01)
        c["inline_copy"] = compare(lambda: np.ascontiguousarray(vol.inline(il_mid)),
                                   lambda: f.iline[100 + il_mid], n=repeat, min_time=0.01)
        ref = f.depth_slice[k_mid]
        assert np.array_equal(vol.time_slice(k_mid), ref), "time slice differs from segyio"
        assert np.array_equal(vol.crossline(xl_mid), f.xline[300 + xl_mid].T), "crossline differs"
    nbytes = vol.data.nbytes
    vol = None  # free the cube before the IBM file is made
    ieee.unlink()
    if ibm:
        ibm_path = _make_file(workdir / f"bench_{size}_ibm.sgy", shape, 1)
        c["load_ibm_max"] = compare(_raw_reader(ibm_path), lambda: load(ibm_path, use_cache=False),
                                    n=n_open)
        ibm_path.unlink()
    if size == "f3":
        res["first_allocation"] = first_allocation(nbytes)
    res["comparisons"] = {k: v.as_dict() for k, v in c.items()}
    res["ratios"] = {k: v.ratio for k, v in c.items()}
    res["goals"] = GOALS[size]
    res["ok"] = all((res["ratios"][k] <= v) if k.endswith("_max") else (res["ratios"][k] >= v)
                    for k, v in GOALS[size].items() if k in res["ratios"])
    res["_lines"] = [v.line(_LABELS[k], _goal(k, GOALS[size]),
                            ("seisview", "raw read") if k.startswith("load") else ("segyio", "seisview"))
                     for k, v in c.items()]
    return res


_LABELS = {"load_ieee_max": "open IEEE (scan + load) / pre-faulted raw read",
           "load_ibm_max": "open IBM (scan + load) / pre-faulted raw read",
           "time_slice": "time slice: segyio / seisview", "crossline": "crossline: segyio / seisview",
           "crossline_copy": "  same, materialised (contiguous)",
           "inline": "inline: segyio mmap / seisview", "inline_copy": "  same, materialised (contiguous)"}


def _goal(key: str, goals: dict) -> str:
    if key not in goals:
        return ""
    return f"limit {goals[key]:g}x" if key.endswith("_max") else f"goal >= {goals[key]:g}x"


def report(res: dict) -> str:
    lines = [f"== {res['size']}: {' x '.join(map(str, res['shape']))}, {res['file_mb']} MB per file, "
             f"{res['load']} (wall-clock ratios of interleaved pairs; CPU ratio beside)",
             *res["_lines"],
             f"  time-major copy, built on first use: {res['time_major_s']:.3f} s (median)"]
    if "first_allocation" in res:
        w1, s1, w2, s2 = res["first_allocation"]
        lines.append(f"  fresh process, first allocation of the cube's size: {w1:.2f} s wall "
                     f"({s1:.2f} s system); the second: {w2:.2f} s ({s2:.2f} s system)")
    lines.append(f"  all goals met: {res['ok']}")
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=("ci", "f3", "all"), default="all")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    ap.add_argument("--dir", default=None, help="where to write the temporary files (default: temp dir)")
    args = ap.parse_args(argv)
    sizes = ["ci", "f3"] if args.size == "all" else [args.size]
    ok = True
    with tempfile.TemporaryDirectory(dir=args.dir) as d:
        for s in sizes:
            res = run(s, Path(d))
            print(report(res), flush=True)
            if args.json:
                print(json.dumps({k: v for k, v in res.items() if not k.startswith("_")}))
            ok &= res["ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
