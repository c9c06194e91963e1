"""Survey I/O speed goals, measured as ratios side by side in one process.

    python benchmarks/bench_io.py            # CI size and F3 size (651 x 951 x 462, ~1.1 GB file)
    python benchmarks/bench_io.py --size ci  # only the CI size (what tests/test_segy_bench.py runs)

For each size a synthetic IEEE SEG-Y file is written (inline-sorted), then:
time slice, crossline and inline read through segyio versus served by a
seisview ``Volume`` (inline and crossline are served as views of the
in-memory cube, the time slice as a contiguous copy of the time-major cube;
the cost of materialising inline/crossline views is reported beside them); and ``seisview.io.segy.load`` (scan + decode + time-major
copy) versus a raw sequential read of the same file from the page cache.
The IBM load is reported too (same data written as IBM floats).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import fmt_s, best_time  # noqa: E402

SIZES = {"ci": (160, 200, 300), "f3": (651, 951, 462)}
# goals: (ratio name, minimum); a ratio is "segyio (or raw read) time / seisview time",
# except load, which is "seisview load / raw read" and must stay below its limit.
GOALS = {
    "f3": {"time_slice": 1000.0, "crossline": 5.0, "inline": 1.0, "load_ieee_max": 10.0},
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


_BUF = bytearray(8 * 1024**2)


def _raw_read(path: Path) -> None:
    """Every byte of the file through one reused 8 MB buffer: the floor for any reader."""
    with open(path, "rb", buffering=0) as f:
        while f.readinto(_BUF):
            pass


def run(size: str, workdir: Path, repeat: int = 5) -> dict:
    import segyio

    from seisview.io.segy import load

    shape = SIZES[size]
    n_il, n_xl, ns = shape
    ieee = _make_file(workdir / f"bench_{size}_ieee.sgy", shape, 5)
    res: dict = {"size": size, "shape": list(shape), "file_mb": round(ieee.stat().st_size / 1e6, 1)}
    _raw_read(ieee)  # into the page cache
    t_raw = best_time(lambda: _raw_read(ieee), repeat)
    t_load = best_time(lambda: load(ieee, use_cache=False), repeat)
    vol = load(ieee, use_cache=False)
    il_mid, xl_mid, k_mid = n_il // 2, n_xl // 2, ns // 2
    ks = [k_mid, ns // 3, 2 * ns // 3]
    with segyio.open(ieee) as f:
        t_seg_ts = best_time(lambda: [f.depth_slice[k] for k in ks], max(1, repeat // 2)) / len(ks)
        t_seg_xl = best_time(lambda: f.xline[300 + xl_mid], repeat)
    with segyio.open(ieee) as f:
        f.mmap()
        t_seg_il = best_time(lambda: f.iline[100 + il_mid], repeat, min_time=0.02)
        ref = f.depth_slice[k_mid]
    assert np.array_equal(vol.time_slice(k_mid), ref), "time slice differs from segyio"
    t_sv_ts = best_time(lambda: vol.time_slice(k_mid), repeat, min_time=0.02)
    t_sv_xl = best_time(lambda: vol.crossline(xl_mid), repeat, min_time=0.02)
    t_sv_il = best_time(lambda: vol.inline(il_mid), repeat, min_time=0.02)
    t_sv_il_copy = best_time(lambda: np.ascontiguousarray(vol.inline(il_mid)), repeat, min_time=0.02)
    t_sv_xl_copy = best_time(lambda: np.ascontiguousarray(vol.crossline(xl_mid)), repeat, min_time=0.02)
    del vol
    ibm = _make_file(workdir / f"bench_{size}_ibm.sgy", shape, 1)
    _raw_read(ibm)
    t_raw_ibm = best_time(lambda: _raw_read(ibm), repeat)
    t_load_ibm = best_time(lambda: load(ibm, use_cache=False), max(2, repeat // 2))
    for p in (ieee, ibm):
        p.unlink()
    res["times_s"] = {
        "raw_read": t_raw, "load_ieee": t_load, "raw_read_ibm": t_raw_ibm, "load_ibm": t_load_ibm,
        "segyio_time_slice": t_seg_ts, "seisview_time_slice": t_sv_ts,
        "segyio_crossline": t_seg_xl, "seisview_crossline": t_sv_xl,
        "segyio_mmap_inline": t_seg_il, "seisview_inline": t_sv_il, "seisview_inline_copy": t_sv_il_copy,
        "seisview_crossline_copy": t_sv_xl_copy,
    }
    res["ratios"] = {
        "time_slice": t_seg_ts / t_sv_ts,
        "crossline": t_seg_xl / t_sv_xl,
        "inline": t_seg_il / t_sv_il,
        "inline_copy": t_seg_il / t_sv_il_copy,
        "crossline_copy": t_seg_xl / t_sv_xl_copy,
        "load_ieee_max": t_load / t_raw,
        "load_ibm": t_load_ibm / t_raw_ibm,
    }
    res["goals"] = GOALS[size]
    res["ok"] = all((res["ratios"][k] <= v) if k.endswith("_max") else (res["ratios"][k] >= v)
                    for k, v in GOALS[size].items())
    return res


def report(res: dict) -> str:
    t, r = res["times_s"], res["ratios"]
    g = res["goals"]
    lines = [f"== {res['size']}: {' x '.join(map(str, res['shape']))} IEEE, {res['file_mb']} MB",
             f"  time slice   segyio {fmt_s(t['segyio_time_slice'])}  seisview {fmt_s(t['seisview_time_slice'])}"
             f"  ratio {r['time_slice']:9.0f}x  (goal >= {g['time_slice']:g}x)",
             f"  crossline    segyio {fmt_s(t['segyio_crossline'])}  seisview {fmt_s(t['seisview_crossline'])}"
             f"  ratio {r['crossline']:9.1f}x  (goal >= {g['crossline']:g}x); as a contiguous copy "
             f"{fmt_s(t['seisview_crossline_copy'])} ({r['crossline_copy']:.1f}x)",
             f"  inline       segyio mmap {fmt_s(t['segyio_mmap_inline'])}  seisview {fmt_s(t['seisview_inline'])}"
             f"  ratio {r['inline']:9.1f}x  (goal >= {g['inline']:g}x); as a contiguous copy "
             f"{fmt_s(t['seisview_inline_copy'])} ({r['inline_copy']:.1f}x)",
             f"  load IEEE    raw read {fmt_s(t['raw_read'])}  load+time-major {fmt_s(t['load_ieee'])}"
             f"  = {r['load_ieee_max']:.1f}x the raw read (limit {g['load_ieee_max']:g}x)",
             f"  load IBM     raw read {fmt_s(t['raw_read_ibm'])}  load+time-major {fmt_s(t['load_ibm'])}"
             f"  = {r['load_ibm']:.1f}x the raw read (reported)",
             f"  all goals met: {res['ok']}"]
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
                print(json.dumps(res))
            ok &= res["ok"]
    return 0 if ok else 1


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    sys.exit(main())
