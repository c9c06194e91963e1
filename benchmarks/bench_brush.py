"""Brush stamp redraw on a 2000 x 2000 section, side by side in one process.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_brush.py
    QT_QPA_PLATFORM=offscreen python benchmarks/bench_brush.py --size 500   # quick

A section view (1000 x 1000 on screen, whole section visible) shows a 2000 x 2000
inline with the label overlay. One drag of a radius-8 brush is replayed, one
stamp per step; each step is timed until Qt has painted (``processEvents``):

Each mode is timed against another in interleaved pairs, three runs
(benchmarks/_timing.py): rect against the core alone, full and layer against rect.

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

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, loadavg  # noqa: E402


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", type=int, default=2000, help="section is SIZE x SIZE")
    ap.add_argument("--stamps", type=int, default=60)
    args = ap.parse_args(argv)

    from seisview.qt.app import make_app

    app = make_app()
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
    layer = Layer("labels", "labels", source=labels.mask, colormap=palette.lut(1.0), opacity=0.5)
    s.layers.append(layer)
    layer.visible = False  # shown only while a "layer" stamp is timed
    app.processEvents()
    mode = ["core"]

    def on_changed(sp, rect):  # what the view does with each stamp, by mode
        if mode[0] == "rect":
            ov.update_rect(sp, rect)
        elif mode[0] == "full":
            ov.rebuild()
        elif mode[0] == "layer":
            layer.refresh()

    labels.events.changed.connect(on_changed)
    step = [0]

    def stamp(kind):  # one step of one long stroke, drawn the ``kind`` way, until painted
        def run():
            mode[0] = kind
            if step[0] % args.stamps == 0:  # a fresh stroke along the same path
                if labels.in_stroke:
                    labels.end()
                labels.begin(spec, 3, radius=8)
                labels.stamp(*path[0])
            step[0] += 1
            labels.drag_to(*path[step[0] % args.stamps + 1])
            app.processEvents()  # paints the dirty region
        return run

    def show_layer(on):
        layer.visible = on
        app.processEvents()

    out = {"section": f"{n}x{n}", "stamps": args.stamps, "brush_radius": 8, "load": loadavg()}
    print(f"== brush stamp on a {n} x {n} section, radius 8 | {loadavg()}")
    for kind, label in (("rect", "rect redraw / core stamp"), ("full", "full redraw / rect redraw"),
                        ("layer", "layer refresh / rect redraw")):
        base = stamp("core" if kind == "rect" else "rect")
        if kind == "layer":
            show_layer(True)
        cmp = compare(base, stamp(kind), n=args.stamps // 2 if kind != "rect" else args.stamps,
                      warmup=2)
        if kind == "layer":
            show_layer(False)
        out[kind] = cmp.as_dict()
        print(cmp.line(label, "goal: rect p95 <= 5 ms" if kind == "rect" else "",
                       (kind, "core" if kind == "rect" else "rect")))
    labels.end()
    out["goal_rect_p95_le_5ms"] = out["rect"]["subject_s"][1] <= 0.005
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
