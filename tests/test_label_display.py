"""Painted labels outside their own section view: crossings, the map, the 3-D textures (offscreen)."""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QPointF

from seisview.core.geometry import SurveyGeometry
from seisview.core.labels import LabelSet
from seisview.core.section import SectionSpec
from seisview.qt.label_display import (
    affected_rect,
    crossing_segments,
    crossings,
    section_ids,
    touches,
)

IL, XL, TS = SectionSpec("inline", 3), SectionSpec("crossline", 7), SectionSpec("time", 11)


def test_crossings_cut_one_line_of_each_labelled_section_in_the_right_place():
    g = SurveyGeometry.regular(10, 12, 30)  # masks: inline (30, 12), crossline (30, 10), time (10, 12)
    ls = LabelSet(g)
    ls.apply({IL: (np.ravel_multi_index(([11, 11, 11, 20], [2, 3, 7, 7]), (30, 12)), np.array([1, 1, 2, 4]))})
    ls.apply({XL: (np.ravel_multi_index(([11, 25], [3, 3]), (30, 10)), np.array([5, 6]))})
    ls.apply({TS: (np.ravel_multi_index(([3, 6], [7, 9]), (10, 12)), np.array([9, 8]))})
    # the time slice at sample 11: inline 3 is row 3 (its sample-11 labels), crossline 7 is column 7
    by = {c.source: c for c in crossings(ls, TS)}
    assert (by[IL].axis, by[IL].index) == ("row", 3) and by[IL].ids.tolist()[:8] == [0, 0, 1, 1, 0, 0, 0, 2]
    assert (by[XL].axis, by[XL].index) == ("col", 7) and np.flatnonzero(by[XL].ids).tolist() == [3]
    assert TS not in by  # its own mask is not a crossing
    # the inline: crossline 7 meets it at column 7 (crossline trace il=3), the slice at row 11
    by = {c.source: c for c in crossings(ls, IL)}
    assert (by[XL].axis, by[XL].index) == ("col", 7) and by[XL].ids[[11, 25]].tolist() == [5, 6]
    assert (by[TS].axis, by[TS].index) == ("row", 11) and by[TS].ids[7] == 9
    # the crossline: inline 3 at column 3 (its xl=7 trace), the slice at row 11 (its xl=7 column)
    by = {c.source: c for c in crossings(ls, XL)}
    assert (by[IL].axis, by[IL].index) == ("col", 3) and np.flatnonzero(by[IL].ids).tolist() == [11, 20]
    assert by[TS].ids[3] == 9 and by[TS].ids[6] == 0
    # class-coloured lines in pixel coordinates (x = col, y = row), one run per class
    seg = crossing_segments(crossings(ls, TS))
    assert seg[1].tolist() == [[2, 3.5, 4, 3.5]] and seg[5].tolist() == [[7.5, 3, 7.5, 4]]
    # a texture: own mask kept, crossings 3 px wide only where the section is unlabelled
    ids = section_ids(ls, TS, width=3)
    assert ids[3, 7] == 9 and ids[6, 9] == 8  # own labels win over the inline's class 2
    assert ids[2, 2] == ids[4, 3] == 1 and ids[5, 2] == 0
    assert section_ids(ls, SectionSpec("inline", 5)) is None  # nothing labelled where it crosses
    assert section_ids(ls, SectionSpec("inline", 6))[11, 9] == 8  # the slice's labels on inline 6
    assert section_ids(LabelSet(g), TS) is None
    # which shown sections can an edit touch?
    assert touches(IL, (10, 12, 0, 12), TS) and not touches(IL, (12, 30, 0, 12), TS)
    assert touches(IL, (0, 30, 7, 8), XL) and not touches(IL, (0, 30, 0, 7), XL)
    assert touches(TS, (3, 4, 0, 12), IL) and not touches(TS, (0, 3, 0, 12), IL)
    assert not touches(IL, (0, 30, 0, 12), SectionSpec("inline", 4))
    # the part of a shown section an edit can change, and the ids of just that part
    assert affected_rect(IL, (10, 12, 1, 5), TS, 3, (10, 12)) == (2, 5, 1, 5)  # its crossing row, edited cols
    assert affected_rect(XL, (10, 12, 2, 6), IL, 3, (30, 12)) == (10, 12, 6, 9)
    assert affected_rect(TS, (3, 4, 5, 9), XL, 1, (30, 10)) == (11, 12, 3, 4)
    assert affected_rect(IL, (0, 5, 0, 12), TS, 3, (10, 12)) is None
    for spec in (IL, XL, TS, SectionSpec("inline", 6)):
        full = section_ids(ls, spec, width=3)
        h, w = full.shape
        for rect in ((0, h, 0, w), (1, h - 2, 2, w - 1), (h // 2, h // 2 + 3, 0, 4)):
            r0, r1, c0, c1 = rect
            assert np.array_equal(section_ids(ls, spec, 3, rect), full[r0:r1, c0:c1]), (spec, rect)


def _widget_pos(v, row, col):
    x, y = v.pixel_to_plot(row, col)
    return QPointF(v.plot_widget.mapFromScene(v.viewbox.mapViewToScene(QPointF(x, y))))


def _stroke(labels, spec, class_id, row, cols, radius, tool="brush"):
    """What the brush tool does with a mouse drag: one stamp per mouse move, then commit."""
    labels.begin(spec, class_id, tool, radius=radius)
    labels.stamp(row, cols[0])
    for c in cols[1:]:
        labels.drag_to(row, c)
    labels.end()


def _pixel(v, row, col):
    img = v.plot_widget.grab().toImage()
    p = _widget_pos(v, row, col).toPoint()
    c = img.pixelColor(p.x(), p.y())
    return np.array([c.red(), c.green(), c.blue()])


def test_stroke_on_an_inline_shows_on_the_map_and_time_slice_and_erasing_removes_it(labels_window, qtbot, tmp_path):
    from seisview.io.demo import DEMO_CLASSES
    from seisview.qt import project_actions

    w = labels_window
    panel = w.labels_panel_for_test
    s = w.session
    worker = w.files.open_demo()  # File → Sample data → Demo survey
    assert worker.wait(60)
    qtbot.waitUntil(lambda: s.volume is not None and s.gathers is not None, timeout=10000)
    proj = project_actions.new_project(w, tmp_path / "demo.seisview")  # File → New project
    assert [c.name for c in proj.palette] == [n for n, _ in DEMO_CLASSES]  # the demo's own classes
    ctl, ml, cross = panel.ctl, panel.map_labels, panel.crossings
    il, k = s.il_idx, s.t_idx
    _stroke(proj.labels, SectionSpec("inline", il), 3, k, [20, 60, 120, 180], radius=3)  # along the slice
    assert proj.labels.has_labels(SectionSpec("inline", il))
    qtbot.waitUntil(lambda: ml.crossings.n_lines() > 0, timeout=2000)  # coalesced, live
    s.set_position("inline", il + 40)  # the position line leaves the labelled inline
    ctl.set_opacity(1.0)
    assert ml.crossings.opacity() == 1.0 and cross.items["time"].opacity() == 1.0
    green = np.array(proj.palette.get(3).color)
    mv, tv = w.map_view, w.section_views["time"]
    assert ml.footprints.n_lines() == 1 and ml.crossings.segments.keys() == {3}
    for view in (mv, tv):  # on screen: the class colour where the inline crosses the slice
        assert np.abs(_pixel(view, il + 0.5, 60.5) - green).max() <= 8, view
        assert np.abs(_pixel(view, il + 20.5, 60.5) - green).max() > 40
    s.set_position("time", k + 30)  # a slice the stroke does not reach: no crossing, trace still shown
    assert ml.crossings.n_lines() == 0 and ml.footprints.n_lines() == 1
    s.set_position("time", k)
    s.set_position("inline", il)
    _stroke(proj.labels, SectionSpec("inline", il), 3, k, [10, 100, 190], radius=6, tool="erase")
    assert not proj.labels.has_labels(SectionSpec("inline", il))
    qtbot.waitUntil(lambda: ml.crossings.n_lines() == 0 and ml.footprints.n_lines() == 0, timeout=2000)
    s.set_position("inline", il + 40)
    assert np.abs(_pixel(mv, il + 0.5, 60.5) - green).max() > 40
    ctl.set_visible(False)  # the panel's switch hides them everywhere
    proj.labels.undo()
    panel.display.flush()
    assert ml.crossings.n_lines() == 0 and cross.items["time"].n_lines() == 0
    ctl.set_visible(True)
    assert ml.crossings.n_lines() > 0 and cross.items["time"].n_lines() > 0
    # a labelled time slice shows on the map with its own mask
    proj.labels.fill(SectionSpec("time", k), 5, 5, 6)
    panel.display.flush()
    argb = ml.mask.argb()
    red = proj.palette.get(6).color
    assert argb is not None and argb[5, 5] == (0xFF << 24 | red[0] << 16 | red[1] << 8 | red[2])


def test_display_registry_does_not_keep_a_session_alive(qapp):
    import gc
    import weakref

    from seisview.core.session import Session
    from seisview.qt import label_display

    s = Session()
    d = label_display.display_for(s)
    assert label_display.display_for(s) is d and d.labels is None and not d.shown()
    ref = weakref.ref(s)
    del s, d
    gc.collect()
    assert ref() is None  # a closed session (and its volume) is freed, not held by its display
