"""Labels in the map / crossings / 3-D planes: GUI-thread cost per coalesced edit, full-F3 geometry.

    QT_QPA_PLATFORM=offscreen python benchmarks/bench_label_overlays.py

The real MalenoV training points (141,111 points, 9 classes, all on inline 339) are
imported into a LabelSet on the full F3 geometry (651 inlines x 951 crosslines x
463 samples), plus brush strokes on 40 more inlines and crosslines. Side by side in
one process (best of 5, wall and CPU), what one flushed edit costs in the GUI thread:

* map:       ``MapLabels`` handling one flushed brush stamp on inline 339: crossings at the
             time slice, the traces' extent of the edited columns, drawn into its items;
* sections:  the crossings of one section view (the inline view: 40 crossings);
* 3-D, stamp: what ``View3D`` does with that stamp: recompose only the touched part of
  the time plane (a crossing) and of the inline plane (its own labels);
* 3-D, whole: a whole plane recomposed (new section, palette or opacity): copy of the
  cached base, ids of its own mask and 10-px crossings, blend on the labelled pixels;
* reference: what a section view already does when it changes section
  (``LabelMaskItem.rebuild`` of inline 339, 463 x 951) and one brush stamp in the core.

Goal: every path well under a frame (16 ms), and no worse than a few section rebuilds.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
DATA = Path(__file__).resolve().parents[1] / "tests" / "data" / "labels" / "malenov"


def _stubs(labels, palette, t_idx):
    """The least of a session, display and map view that MapLabels needs (no 1 GB F3 cube)."""
    from psygnal import Signal, SignalGroup
    from PyQt6.QtCore import QObject, pyqtSignal

    class Events(SignalGroup):
        position = Signal(str, int)

    class Session:
        events = Events()

    class Display(QObject):
        restyled = pyqtSignal()
        edited = pyqtSignal(object)
        opacity, visible = 0.5, True

        def shown(self):
            return True

        def lut(self):
            return palette.lut(1.0)

    class View:
        def add_pixel_item(self, item, z=0):
            return item

    d = Display()
    d.session, d.labels = Session(), labels
    d.session.t_idx = t_idx
    return d, View()


def main() -> dict:
    from _timing import compare, loadavg

    from seisview.qt.app import make_app

    app = make_app()  # noqa: F841 (items need it)
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.core.labels import LabelSet
    from seisview.core.palette import Palette
    from seisview.core.section import SectionSpec
    from seisview.io.label_formats import import_point_files
    from seisview.qt.label_crossings import MapLabels
    from seisview.qt.label_display import (
        SegmentsItem,
        affected_rect,
        blend_ids,
        crossing_segments,
        crossings,
        section_ids,
    )
    from seisview.qt.paint_tools import LabelMaskItem

    g = SurveyGeometry(LineAxis(100, 1, 651), LineAxis(300, 1, 951), 463, 4.0, 0.0, name="F3")
    labels, pal = LabelSet(g), Palette.default("malenov")
    import_point_files(labels, pal, sorted(DATA.glob("*.pts")))
    rng = np.random.default_rng(0)
    for i in range(40):  # strokes on 20 inlines and 20 crosslines across the survey
        kind = "inline" if i % 2 else "crossline"
        n = 651 if kind == "inline" else 951
        spec = SectionSpec(kind, int(rng.integers(0, n)))
        h, w = labels.shape(spec)
        pts = [(float(r), float(c)) for r, c in zip(rng.uniform(0, h, 6), np.linspace(0, w - 1, 6), strict=True)]
        labels.paint(spec, pts, int(rng.integers(1, 10)), radius=4)
    total = sum(n for _s, n in labels.labelled_sections())
    lut = pal.lut(1.0)
    colors = {int(i): tuple(int(v) for v in lut[i, :3]) for i in np.flatnonzero(lut[:, 3])}
    t_spec, il_spec = SectionSpec("time", 250), SectionSpec("inline", 239)  # inline 339 = index 239
    display, map_view = _stubs(labels, pal, t_spec.index)
    map_labels = MapLabels(display, map_view)
    crossings_item = SegmentsItem()
    stamp_rect = (180, 200, 400, 420)  # a radius-8 stamp on inline 339 around sample 190, crossline 710

    def map_edit():  # what MapLabels does with one flushed stamp on inline 339
        map_labels._on_edited({il_spec: stamp_rect})

    def section_edit():  # the inline view's crossings (40 other labelled sections)
        crossings_item.set_segments(crossing_segments(crossings(labels, il_spec)), colors, (463, 951))

    base_t = rng.integers(0, 255, (651, 951, 4), dtype=np.uint8)
    base_i = rng.integers(0, 255, (463, 951, 4), dtype=np.uint8)

    def relabel(spec, base):  # the whole plane (a new section, palette or opacity)
        return lambda: blend_ids(base.copy(), section_ids(labels, spec, 10), lut, 0.5)

    shown_t, shown_i = base_t.copy(), base_i.copy()

    def relabel_rect(spec, base, shown, edited):  # what View3D does with one flushed stamp
        def run():
            r = affected_rect(il_spec, edited, spec, 10, base.shape[:2])
            r0, r1, c0, c1 = r
            sub = base[r0:r1, c0:c1].copy()
            blend_ids(sub, section_ids(labels, spec, 10, r), lut, 0.5)
            shown[r0:r1, c0:c1] = sub
        return run

    ov = LabelMaskItem()
    ov.set_table(lut)
    ov.show_section(labels, il_spec)

    def stamp():
        labels.begin(il_spec, 3, "brush", radius=8)
        labels.stamp(200, 500)
        labels.cancel()

    cases = {"map edit": map_edit, "section crossings": section_edit,
             "3-D time plane, stamp": relabel_rect(t_spec, base_t, shown_t, (240, 260, 400, 420)),
             "3-D inline plane, stamp": relabel_rect(il_spec, base_i, shown_i, stamp_rect),
             "3-D time plane, whole": relabel(t_spec, base_t), "3-D inline plane, whole": relabel(il_spec, base_i),
             "ref: section overlay rebuild": ov.rebuild, "ref: base texture copy": base_t.copy,
             "ref: brush stamp (core)": stamp}
    out = {"labelled_pixels": total, "labelled_sections": len(labels.labelled_sections()),
           "load": os.getloadavg()[0]}
    print(f"{total} labelled pixels on {out['labelled_sections']} sections; {loadavg()}")
    print("each case / a section overlay rebuild (interleaved pairs, wall clock, three runs):")
    for name, fn in cases.items():
        cmp = compare(ov.rebuild, fn, n=10, warmup=1, min_time=0.02)
        out[name] = {**cmp.as_dict(), "x_rebuild": cmp.ratio}
        print(cmp.line(f"{name:30s}"))
    print(json.dumps(out))
    return out


if __name__ == "__main__":
    main()
