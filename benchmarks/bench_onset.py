"""Classical first-break pickers against known first breaks, side by side in one run.

    python benchmarks/bench_onset.py            # demo gathers + real refrapy hand picks
    python benchmarks/bench_onset.py --json     # machine-readable

Variants (all from ``seisview.core.onset``):

* ``pick_gather``        STA/LTA trigger -> energy-ratio refinement -> outliers re-snapped
                         against the gather's running median (the baseline seisview uses);
* ``no consistency``     the same without the gather step (trace by trace);
* ``sta/lta trigger``    the raw trigger sample, no refinement (how late STA/LTA fires);
* ``+ aic refine``       ``pick_gather`` then AIC snap within +/-4 ms;
* ``er global max``      the energy-ratio maximum over the whole trace.

For each: picks within +/-2 samples and +/-2 ms, median bias (ms; negative = early),
mean |error|, and picking speed (traces per second).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from seisview.core import onset

REPO = Path(__file__).resolve().parents[1]
REFRAPY = REPO / "tests/data/firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy"


def load_refrapy():
    import segyio

    with segyio.open(REFRAPY, ignore_geometry=True) as f:
        raw = f.trace.raw[:]
        keys = f.attributes(segyio.TraceField.FieldRecord)[:]
        fb_us = f.attributes(segyio.TraceField.UnassignedInt1)[:].astype(float)
        offsets = f.attributes(segyio.TraceField.offset)[:] / 100.0
        dt = float(f.samples[1] - f.samples[0])
    return raw, keys, offsets, np.where(fb_us < 0, np.nan, fb_us / 1000.0), dt


def load_demo():
    from seisview.io import demo

    gs = demo.demo_gatherset()
    fb = demo.demo_first_breaks()
    truth = np.array([fb[(int(a), int(b))] for a, b in zip(gs.keys, gs.channels, strict=True)])
    return gs.data, gs.keys, gs.offsets, truth, gs.dt_ms


def _per_gather(raw, keys, offsets, fn):
    picks = np.full(len(keys), np.nan)
    for key in np.unique(keys):
        m = np.flatnonzero(keys == key)
        picks[m] = fn(raw[m], np.argsort(np.abs(offsets[m])))
    return picks


def variants(dt):
    def base(rows, order):
        return onset.pick_gather(rows.T, dt, order=order)

    def no_cons(rows, order):
        return onset.pick_gather(rows.T, dt, consistent=False)

    def trigger(rows, order):
        x = rows - np.median(rows, axis=1, keepdims=True)
        r = onset.sta_lta(x, dt, 3.0, 50.0)
        return onset._trigger(r, 4.0, 0.7) * dt

    def aic_refine(rows, order):
        p = onset.pick_gather(rows.T, dt, order=order)
        return np.array([onset.snap(r, t, 4.0, dt, method="aic", cf_ms=20.0) if np.isfinite(t) else t
                         for r, t in zip(rows, p, strict=True)])

    def er_max(rows, order):
        x = rows - np.median(rows, axis=1, keepdims=True)
        return np.argmax(onset.energy_ratio(x, dt, 6.0), axis=1) * dt

    return {"pick_gather": base, "no consistency": no_cons, "sta/lta trigger": trigger,
            "+ aic refine": aic_refine, "er global max": er_max}


def run(name, loader):
    raw, keys, offsets, truth, dt = loader()
    rows = []
    for vname, fn in variants(dt).items():
        t0 = time.perf_counter()
        picks = _per_gather(raw, keys, offsets, fn)
        el = time.perf_counter() - t0
        s = onset.pick_stats(picks, truth, dt)
        s2 = onset.pick_stats(picks, truth, dt, samples=2.0 / dt)
        rows.append({"data": name, "variant": vname, "dt_ms": dt, "n": s["n"],
                     "within_2_samples": round(s["within"], 3), "within_2_ms": round(s2["within"], 3),
                     "median_bias_ms": round(s["median_bias_ms"], 2),
                     "mean_abs_ms": round(s["mean_abs_ms"], 2),
                     "traces_per_s": round(len(keys) / el)})
    return rows


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    rows = run("demo gathers", load_demo)
    if REFRAPY.exists():
        rows += run("refrapy-02 (real)", load_refrapy)
    else:
        print(f"(refrapy data not found at {REFRAPY}; skipped)", file=sys.stderr)
    if args.json:
        print(json.dumps(rows, indent=1))
        return
    print(f"{'data':20s} {'variant':16s} {'dt':>5s} {'n':>5s} {'±2 smp':>7s} {'±2 ms':>6s} "
          f"{'bias ms':>8s} {'|err| ms':>8s} {'tr/s':>8s}")
    for r in rows:
        print(f"{r['data']:20s} {r['variant']:16s} {r['dt_ms']:5.2f} {r['n']:5d} {r['within_2_samples']:7.3f} "
              f"{r['within_2_ms']:6.3f} {r['median_bias_ms']:8.2f} {r['mean_abs_ms']:8.2f} "
              f"{r['traces_per_s']:8d}")


if __name__ == "__main__":
    main()
