"""Survey I/O speed goals, measured as ratios side by side in one process.

    python benchmarks/bench_io.py            # CI size and F3 size (651 x 951 x 462, ~1.1 GB file)
    python benchmarks/bench_io.py --size ci  # only the CI size (what tests/test_segy_bench.py runs)

For each size a synthetic IEEE SEG-Y file is written (inline-sorted), then:
time slice, crossline and inline read through segyio versus served by a
seisview ``Volume`` (inline and crossline are served as views of the
in-memory cube, the time slice as a contiguous copy of the time-major cube;
the cost of materialising inline/crossline views is reported beside them);
and ``load`` (scan + decode + time-major copy) against a raw read of the
file into memory (one ``read()``; a copy through a reused 8 MB buffer, which
fills no memory, is reported too). The IBM load is reported too (same data written as IBM floats). Ratios use
the CPU time of this process (best of several runs); wall-clock ratios are
printed beside them (see benchmarks/_timing.py for why).
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
from _timing import best_times, fmt_s  # noqa: E402

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


def _raw_read(path: Path) -> None:
    """The file's bytes into memory with one read(): the least any reader of the file must do."""
    with open(path, "rb", buffering=0) as f:
        f.read()


_BUF = bytearray(8 * 1024**2)


def _copy_floor(path: Path) -> None:
    """Every byte through one reused 8 MB buffer: no memory to fill, only the copy (reported)."""
    with open(path, "rb", buffering=0) as f:
        while f.readinto(_BUF):
            pass


def run(size: str, workdir: Path, repeat: int = 5, ibm: bool = True) -> dict:
    import segyio

    from seisview.io.segy import load

    shape = SIZES[size]
    n_il, n_xl, ns = shape
    ieee = _make_file(workdir / f"bench_{size}_ieee.sgy", shape, 5)
    res: dict = {"size": size, "shape": list(shape), "file_mb": round(ieee.stat().st_size / 1e6, 1),
                 "loadavg": round(os.getloadavg()[0], 1)}
    t: dict[str, tuple[float, float]] = {}
    _raw_read(ieee)  # into the page cache
    t["raw_read"] = best_times(lambda: _raw_read(ieee), repeat)
    t["copy_floor"] = best_times(lambda: _copy_floor(ieee), repeat)
    t["load_ieee"] = best_times(lambda: load(ieee, use_cache=False), repeat)
    vol = load(ieee, use_cache=False)
    il_mid, xl_mid, k_mid = n_il // 2, n_xl // 2, ns // 2
    ks = [k_mid, ns // 3, 2 * ns // 3]
    with segyio.open(ieee) as f:
        w, c = best_times(lambda: [f.depth_slice[k] for k in ks], max(1, repeat // 2))
        t["segyio_time_slice"] = (w / len(ks), c / len(ks))
        t["segyio_crossline"] = best_times(lambda: f.xline[300 + xl_mid], repeat)
    with segyio.open(ieee) as f:
        f.mmap()
        t["segyio_mmap_inline"] = best_times(lambda: f.iline[100 + il_mid], repeat, min_time=0.02)
        ref = f.depth_slice[k_mid]
        assert np.array_equal(vol.time_slice(k_mid), ref), "time slice differs from segyio"
        assert np.array_equal(vol.crossline(xl_mid), f.xline[300 + xl_mid].T), "crossline differs"
    t["seisview_time_slice"] = best_times(lambda: vol.time_slice(k_mid), repeat, min_time=0.02)
    t["seisview_crossline"] = best_times(lambda: vol.crossline(xl_mid), repeat, min_time=0.02)
    t["seisview_inline"] = best_times(lambda: vol.inline(il_mid), repeat, min_time=0.02)
    t["seisview_inline_copy"] = best_times(lambda: np.ascontiguousarray(vol.inline(il_mid)), repeat,
                                           min_time=0.02)
    t["seisview_crossline_copy"] = best_times(lambda: np.ascontiguousarray(vol.crossline(xl_mid)),
                                              repeat, min_time=0.02)
    vol = None  # free the cube before the IBM file is made
    ieee.unlink()
    if ibm:
        ibm_path = _make_file(workdir / f"bench_{size}_ibm.sgy", shape, 1)
        _raw_read(ibm_path)
        t["raw_read_ibm"] = best_times(lambda: _raw_read(ibm_path), repeat)
        t["load_ibm"] = best_times(lambda: load(ibm_path, use_cache=False), max(2, repeat // 2))
        ibm_path.unlink()
    res["times_s"] = {k: v[1] for k, v in t.items()}  # CPU seconds
    res["wall_s"] = {k: v[0] for k, v in t.items()}

    def ratios(x):
        r = {"time_slice": x["segyio_time_slice"] / x["seisview_time_slice"],
             "crossline": x["segyio_crossline"] / x["seisview_crossline"],
             "crossline_copy": x["segyio_crossline"] / x["seisview_crossline_copy"],
             "inline": x["segyio_mmap_inline"] / x["seisview_inline"],
             "inline_copy": x["segyio_mmap_inline"] / x["seisview_inline_copy"],
             "load_ieee_max": x["load_ieee"] / x["raw_read"],
             "load_vs_copy_floor": x["load_ieee"] / x["copy_floor"]}
        if "load_ibm" in x:
            r["load_ibm"] = x["load_ibm"] / x["raw_read_ibm"]
        return r

    res["ratios"] = ratios(res["times_s"])
    res["ratios_wall"] = ratios(res["wall_s"])
    res["goals"] = GOALS[size]
    res["ok"] = all((res["ratios"][k] <= v) if k.endswith("_max") else (res["ratios"][k] >= v)
                    for k, v in GOALS[size].items())
    return res


def report(res: dict) -> str:
    t, w, r, rw, g = res["times_s"], res["wall_s"], res["ratios"], res["ratios_wall"], res["goals"]

    def row(label, a, b, key, goal):
        return (f"  {label:<34} {fmt_s(t[a])} vs {fmt_s(t[b])}  ratio {r[key]:8.1f}x"
                f"  (wall {fmt_s(w[a])} vs {fmt_s(w[b])}: {rw[key]:8.1f}x){goal}")

    lines = [f"== {res['size']}: {' x '.join(map(str, res['shape']))} IEEE, {res['file_mb']} MB, "
             f"load average {res['loadavg']} (CPU times; wall clock in brackets)",
             row("time slice: segyio / seisview", "segyio_time_slice", "seisview_time_slice", "time_slice",
                 f"  goal >= {g['time_slice']:g}x"),
             row("crossline: segyio / seisview", "segyio_crossline", "seisview_crossline", "crossline",
                 f"  goal >= {g['crossline']:g}x"),
             row("  same, materialised (contiguous)", "segyio_crossline", "seisview_crossline_copy",
                 "crossline_copy", ""),
             row("inline: segyio mmap / seisview", "segyio_mmap_inline", "seisview_inline", "inline",
                 f"  goal >= {g['inline']:g}x"),
             row("  same, materialised (contiguous)", "segyio_mmap_inline", "seisview_inline_copy",
                 "inline_copy", ""),
             row("load IEEE / raw read (lower is better)", "load_ieee", "raw_read", "load_ieee_max",
                 f"  limit {g['load_ieee_max']:g}x"),
             row("load IEEE / copy through 8 MB buffer", "load_ieee", "copy_floor", "load_vs_copy_floor",
                 "  (reported)")]
    if "load_ibm" in r:
        lines.append(row("load IBM / raw read (reported)", "load_ibm", "raw_read_ibm", "load_ibm", ""))
    lines.append(f"  all goals met (CPU-time ratios): {res['ok']}")
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
