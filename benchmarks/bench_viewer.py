"""Viewer speed goals on an F3-sized cube (651 x 951 x 462), side by side in one process.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_viewer.py            # F3 size
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_viewer.py --size ci  # small, quick
    ... --zarr        # also the large-survey path (zarr cache, sections read in workers)

Measured with the three linked section views on screen (1000 x 600 each), so a
step also moves the position lines in the other two views:

* inline step drawn: ``session.step("inline", 1)`` until Qt has painted every
  view (read + colour map + set image + paint), beside the raw in-memory copy
  of the same section (``np.ascontiguousarray(volume.section_array(spec))``,
  the ``(sample, xl)`` array a viewer needs), as interleaved pairs
  (benchmarks/_timing.compare: the order flips every pair, warm-up dropped,
  three runs of ``--steps`` pairs; median and p95 of the ratio, the runs'
  spread, both sides' times, CPU ratio beside, load average).
  Goal: p95 <= 16 ms and <= 3x the copy.
* time-slice step drawn: same for the time slice. Goal: p95 <= 16 ms.
Each is measured twice: drawing from the float samples (AGC on, or before
the 8-bit display cube is ready) and from the display cube the window builds
in the background.

* scrubbing: the inline slider is held down and moved one line every 10 ms
  while a 5 ms timer probes the event loop; the longest gap between probe
  ticks is the stall. Goal: <= 50 ms.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from _timing import compare, fmt_s, loadavg  # noqa: E402

SIZES = {"f3": (651, 951, 462), "ci": (120, 160, 200)}


def make_volume(shape):
    """A layered, dipping, faulted synthetic cube (cheap to make, realistic to draw)."""
    from seisview.core.volume import Volume

    n_il, n_xl, n_s = shape
    pad = n_il // 4 + 2
    k = np.arange(n_s + pad, dtype=np.float32)[None, :]
    j = np.arange(n_xl, dtype=np.float32)[:, None]
    rng = np.random.default_rng(0)
    shift = 0.03 * j + np.where(j > n_xl * 0.6, 12.0, 0.0)  # dip and a fault
    base = np.sin((k + shift) * 0.35) * (1 + 0.5 * np.sin(k * 0.01))
    base += rng.standard_normal(base.shape).astype(np.float32) * 0.2
    data = np.empty(shape, np.float32)
    for i in range(n_il):  # reflectors rise slowly along the inlines
        s0 = (i // 4) % pad
        data[i] = base[:, s0:s0 + n_s]
    return Volume.from_array(data)


def percentile_ms(ts, q=95):
    return float(np.percentile(np.asarray(ts) * 1e3, q))


def scrub_stall(app, view, seconds: float = 3.0) -> dict:
    """Hold ``view``'s slider down and move it one line per 10 ms; a 5 ms timer probes the loop."""
    from PyQt6.QtCore import QTimer

    gaps, last = [], [time.perf_counter()]

    def probe():
        now = time.perf_counter()
        gaps.append(now - last[0])
        last[0] = now

    probe_timer = QTimer()
    probe_timer.timeout.connect(probe)
    probe_timer.start(5)
    view.slider.setSliderDown(True)
    n = view.session.n_positions(view.kind)
    scrub_timer = QTimer()
    scrub_timer.timeout.connect(lambda: view.slider.setValue((view.slider.value() + 1) % n))
    scrub_timer.start(10)
    t_end = time.perf_counter() + seconds
    last[0] = time.perf_counter()
    while time.perf_counter() < t_end:
        app.processEvents()
        time.sleep(0.001)
    scrub_timer.stop()
    probe_timer.stop()
    view.slider.setSliderDown(False)
    view.slider.sliderReleased.emit()
    return {"max_stall_ms": float(max(gaps) * 1e3), "p99_gap_ms": percentile_ms(gaps, 99)}


def zarr_scrub(app, vol, n_il: int = 160) -> dict:
    """The large-survey path: a SEG-Y above the RAM budget opens through the zarr cache and its
    sections are read in workers; scrub it and time one step until the new inline is drawn."""
    import tempfile
    from pathlib import Path

    from seisview.core.geometry import SurveyGeometry
    from seisview.core.session import Session
    from seisview.io.segy import load, write_volume_segy
    from seisview.qt.section_view import SectionView

    with tempfile.TemporaryDirectory() as tmp:
        os.environ["SEISVIEW_CACHE"] = tmp
        os.environ["SEISVIEW_RAM_BUDGET_GB"] = "0.001"
        sub = np.asarray(vol.data[:n_il])
        path = write_volume_segy(Path(tmp) / "big.sgy", sub, SurveyGeometry.regular(*sub.shape))
        zvol = load(path)
        assert not zvol.in_memory, "expected a zarr-backed volume"
        s = Session()
        s.open_volume(zvol)
        view = SectionView(s, "inline")
        view.resize(1000, 600)
        view.show()
        out = scrub_stall(app, view)
        times = []
        for _ in range(15):
            want = s.position("inline") + 1 if s.position("inline") + 1 < n_il else 0
            t = time.perf_counter()
            s.set_position("inline", want)
            while view.loader.busy or view.image.image_array() is None:
                app.processEvents()
            app.processEvents()
            times.append(time.perf_counter() - t)
        view.loader.cancel_all()
        view.close()
        mem = Session()
        mem.open_volume(type(vol).from_array(sub))
        mview = SectionView(mem, "inline")
        mview.resize(1000, 600)
        mview.show()
        mtimes = []
        for i in range(15):
            t = time.perf_counter()
            mem.set_position("inline", i)
            app.processEvents()
            mtimes.append(time.perf_counter() - t)
        mview.close()
        out.update(shape=list(zvol.shape), step_drawn_p50_ms=percentile_ms(times, 50),
                   in_memory_step_p50_ms=percentile_ms(mtimes, 50))
        return out


def breakdown(app, s, views, kind: str, n: int = 60) -> dict:
    """Where one step's time goes (p50 ms, wall clock), in a separate pass so the wrappers don't
    touch the measured pairs: ``step`` = read + colour + set image of the stepped view (the
    session signal), ``paint_<view>`` = each view's paint event, ``other`` = the rest of the loop."""
    parts: dict[str, list] = {"step": [], "events": []}
    wrapped = []
    for k, v in views.items():
        parts[f"paint_{k}"] = [0.0]  # a slot for the paints of the reset below (dropped)
        orig = v.plot_widget.paintEvent

        def timed(ev, orig=orig, k=k):
            t = time.perf_counter()
            orig(ev)
            parts[f"paint_{k}"][-1] += time.perf_counter() - t
        v.plot_widget.paintEvent = timed
        wrapped.append(v)
    s.set_position(kind, 0)
    app.processEvents()
    try:
        for _ in range(n):
            for k in views:
                parts[f"paint_{k}"].append(0.0)
            t = time.perf_counter()
            s.step(kind, 1)
            t1 = time.perf_counter()
            app.processEvents()
            parts["step"].append(t1 - t)
            parts["events"].append(time.perf_counter() - t1)
    finally:
        for v in wrapped:
            del v.plot_widget.paintEvent  # back to the class's method
    out = {k: percentile_ms(v[-n:], 50) for k, v in parts.items()}
    out["other"] = out.pop("events") - sum(out[f"paint_{k}"] for k in views)
    return out


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="f3")
    ap.add_argument("--steps", type=int, default=40, help="pairs per run")
    ap.add_argument("--zarr", action="store_true",
                    help="also scrub a survey opened through the zarr cache (writes a temporary SEG-Y)")
    ap.add_argument("--json", help="also write the results here")
    args = ap.parse_args(argv)

    from seisview.qt.app import make_app

    app = make_app()
    from seisview.core.session import Session
    from seisview.qt.section_view import SectionView

    t0 = time.perf_counter()
    vol = make_volume(SIZES[args.size])
    _ = vol.time_major, vol.levels  # built once at load in the real app
    print(f"volume {vol.shape} made in {time.perf_counter() - t0:.1f} s")
    s = Session()
    s.open_volume(vol)
    views = {k: SectionView(s, k) for k in ("inline", "crossline", "time")}
    for v in views.values():
        v.resize(1000, 600)
        v.show()
    for _ in range(5):
        app.processEvents()

    def step_pairs(kind):
        """Interleaved pairs: the raw copy of the next section (baseline), one step drawn (subject)."""
        n = s.n_positions(kind)

        def step():
            s.set_position(kind, (s.position(kind) + 1) % n)
            app.processEvents()  # paints every dirty view

        def copy():
            np.ascontiguousarray(vol.section_array(s.spec(kind)))
        s.set_position(kind, 0)
        app.processEvents()
        return compare(copy, step, n=args.steps)

    from seisview.core.session import build_u8_cube

    res = {"size": list(vol.shape), "load": loadavg()}
    lines = []
    # float path (AGC on / cube not built yet) and 8-bit display cube (what the window builds)
    for path in ("float", "cube"):
        if path == "cube":
            t = time.perf_counter()
            key = s.display_key()
            s.set_u8_cube(key, build_u8_cube(vol, key[1]))
            res["cube_build_s"] = time.perf_counter() - t
        for kind, goal in (("inline", "goal: p95 <= 16 ms, <= 3x copy"), ("time", "goal: p95 <= 16 ms")):
            cmp = step_pairs(kind)
            res[f"{kind}_{path}"] = cmp.as_dict()
            p95 = cmp.stats("subj")[1]
            lines.append(cmp.line(f"{kind} step drawn ({path}) / raw copy",
                                  f"{goal}: step p95 {fmt_s(p95)}", names=("step", "copy")))

    res["inline_cube_breakdown"] = breakdown(app, s, views, "inline")
    inl = views["inline"]
    res["scrub"] = scrub_stall(app, inl)
    res["scrub"].update(decimated_while_dragging=inl.last_draw_s > 0.012, full_draw_ms=inl.last_draw_s * 1e3)
    if args.zarr:
        res["zarr"] = zarr_scrub(app, vol)

    print(f"== viewer, volume {vol.shape}, three linked 1000 x 600 views | {res['load']}")
    print("\n".join(lines))
    b = res["inline_cube_breakdown"]
    print("inline step (cube) p50 breakdown: " + ", ".join(f"{k} {v:.2f} ms" for k, v in b.items()))
    print(f"display cube built in {res['cube_build_s']:.2f} s (once per survey / clip / gain change)")
    sc = res["scrub"]
    print(f"scrub: longest event-loop stall {sc['max_stall_ms']:.1f} ms (p99 gap {sc['p99_gap_ms']:.1f} ms),"
          f" goal <= 50 ms; full inline draw {sc['full_draw_ms']:.1f} ms")
    if args.zarr:
        z = res["zarr"]
        print(f"on-disk (zarr cache, {z['shape']}): longest stall while scrubbing {z['max_stall_ms']:.1f} ms; "
              f"one inline read + drawn in {z['step_drawn_p50_ms']:.1f} ms p50 "
              f"({z['in_memory_step_p50_ms']:.1f} ms from memory)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(res, f, indent=2)
    for v in views.values():
        v.close()
    return res


if __name__ == "__main__":
    main()
