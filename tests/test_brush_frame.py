"""A brush drag from real mouse events: every move stamped exactly, the other views follow once
per frame and repaint only what moved (issue 16: a brush at the speed of the labels)."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QEvent, QPoint, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

from seisview.core.labels import LabelSet
from seisview.core.palette import Palette
from seisview.core.section import SectionSpec
from seisview.io.demo import DEMO_CLASSES, demo_survey_path, demo_volume
from seisview.io.project import Project
from seisview.qt.label_display import display_for
from seisview.qt.signals import frame_clock

LEFT, NONE = Qt.MouseButton.LeftButton, Qt.MouseButton.NoButton


@pytest.fixture
def painting(labels_window, tmp_path):
    w = labels_window
    pal = Palette.from_list([{"id": i + 1, "name": n, "color": c} for i, (n, c) in enumerate(DEMO_CLASSES)])
    w.session.open_volume(demo_volume())
    w.session.project = Project.create(tmp_path / "b.seisview", demo_survey_path(), palette=pal)
    ctl = w.labels_panel_for_test.ctl
    w.set_tool(ctl.tools["brush"], "section")
    _settle()
    return w, ctl


def _settle(w=None):
    if w is not None:  # the labels' 40 ms redraw now, not in the middle of a count of repaints
        display_for(w.session).flush()
    frame_clock().flush_all()
    for _ in range(3):
        QApplication.processEvents()
        QApplication.sendPostedEvents()


def _send(vp, kind, pos, button, buttons):
    g = vp.mapToGlobal(pos.toPoint())
    QApplication.sendEvent(vp, QMouseEvent(kind, pos, QPointF(g), button, buttons, Qt.KeyboardModifier.NoModifier))


def _at(v, row, col):
    """The viewport position over pixel centre ``(row, col)``."""
    x, y = v.pixel_to_plot(row + 0.5, col + 0.5)
    return QPointF(v.plot_widget.mapFromScene(v.viewbox.mapViewToScene(QPointF(x, y))))


def test_every_move_of_a_drag_is_stamped_exactly_and_undone_as_one_stroke(painting):
    w, ctl = painting
    v = w.section_views["inline"]
    vp = v.plot_widget.viewport()
    labels = w.session.project.labels
    spec = SectionSpec("inline", w.session.il_idx)
    ctl.set_radius(2)
    # a wavy drag, moves sent back to back (pyqtgraph alone would drop those under 10 ms apart)
    pts = [(150 + round(12 * np.sin(i / 3)), 20 + 4 * i) for i in range(30)]
    _send(vp, QEvent.Type.MouseButtonPress, _at(v, *pts[0]), LEFT, LEFT)
    for p in pts[1:]:
        _send(vp, QEvent.Type.MouseMove, _at(v, *p), NONE, LEFT)
    _send(vp, QEvent.Type.MouseButtonRelease, _at(v, *pts[-1]), LEFT, NONE)
    # the same stroke through the labels alone, from the first move on (the first move starts
    # the drag in pyqtgraph, as the press point): every later move is one segment
    def pixel(p):  # where the event lands, as the tool sees it (pixel centres on integers)
        row, col = v.scene_to_pixel(v.plot_widget.mapToScene(_at(v, *p).toPoint()))
        return row - 0.5, col - 0.5

    ref = LabelSet(labels.geometry)
    ref.begin(spec, ctl.class_id, radius=2)
    ref.stamp(*pixel(pts[0]))
    for p in pts[2:]:
        ref.drag_to(*pixel(p))
    ref.end()
    got, want = labels.mask(spec), ref.mask(spec)
    assert np.count_nonzero(want) > 300
    np.testing.assert_array_equal(got, want)
    assert w.session.project.journal_counts()["strokes"] == 1
    labels.undo()
    assert not labels.has_labels(spec)  # one stroke, undone at once


def test_other_views_follow_the_drag_once_per_frame_and_repaint_only_what_moved(painting):
    w, ctl = painting
    s = w.session
    v = w.section_views["inline"]
    vp = v.plot_widget.viewport()
    xl_view, t_view, m = w.section_views["crossline"], w.section_views["time"], w.map_view
    _send(vp, QEvent.Type.MouseButtonPress, _at(v, 150, 40), LEFT, LEFT)
    for col in (44, 48, 52):
        _send(vp, QEvent.Type.MouseMove, _at(v, 150, col), NONE, LEFT)
    assert s.cursor is not None and round(s.cursor.xl_idx) == 52
    assert t_view.cross[0].value() != pytest.approx(s.geometry.xl.number(52))  # not per move
    readout_before = w.readout.text()
    frame_clock().flush_all()  # the frames: every follower, with the latest position
    assert t_view.cross[0].value() == pytest.approx(s.geometry.xl.number(s.cursor.xl_idx))
    assert xl_view.cross[1].value() == pytest.approx(s.geometry.z_of(s.cursor.sample))
    assert m.marker.isVisible() and w.readout.text() != readout_before and "XL" in w.readout.text()
    assert not any(c.isVisible() for c in v.cross)  # the view painted in: its pointer and ring
    _settle(w)

    views = [*w.section_views.values(), m]  # inline, crossline, time slice, map
    counter = _PaintCounter([view.plot_widget.viewport() for view in views])
    _send(vp, QEvent.Type.MouseMove, _at(v, 150, 52), NONE, LEFT)  # the same pixel again
    _settle(w)
    assert counter.counts == [0, 0, 0, 0]  # nothing moved: nothing repainted anywhere
    _send(vp, QEvent.Type.MouseMove, _at(v, 150, 60), NONE, LEFT)  # along the row
    _settle(w)
    # the stamp with its crosshair (one repaint); the crossline view's lines (inline, time) stay;
    # the time slice's crossline line and the map marker move, once each
    assert counter.counts == [1, 0, 1, 1]
    _send(vp, QEvent.Type.MouseButtonRelease, _at(v, 150, 60), LEFT, NONE)
    _send(vp, QEvent.Type.MouseMove, _at(v, 150, 62), NONE, NONE)  # hovering again
    _settle(w)
    assert all(c.isVisible() for c in v.cross)


class _PaintCounter:
    def __init__(self, widgets):
        from PyQt6.QtCore import QObject

        self.widgets = widgets
        self.counts = [0] * len(widgets)
        outer = self

        class Filter(QObject):
            def eventFilter(self, obj, ev):  # noqa: N802 (Qt's name)
                if ev.type() == QEvent.Type.Paint and obj in outer.widgets:
                    outer.counts[outer.widgets.index(obj)] += 1
                return False

        self.filter = Filter()
        for wdg in widgets:
            wdg.installEventFilter(self.filter)


def test_crossing_lines_repaint_only_the_lines_that_changed(qtbot):
    import pyqtgraph as pg

    from seisview.qt.label_display import SegmentsItem

    pw = pg.PlotWidget()
    qtbot.addWidget(pw)
    item = SegmentsItem(width=3)
    pw.addItem(item)
    pw.resize(400, 400)
    pw.show()
    pw.setRange(xRange=(0, 200), yRange=(0, 200), padding=0)
    colors = {1: (255, 0, 0), 2: (0, 0, 255)}
    lines = {1: np.array([[10, 20.5, 60, 20.5], [10, 90.5, 40, 90.5]]), 2: np.array([[100.5, 0, 100.5, 150]])}
    item.set_segments(lines, colors, (200, 200))  # the first set: all of it
    assert item.last_dirty is None and item.n_lines() == 3
    grown = {1: np.array([[10, 20.5, 60, 20.5], [10, 90.5, 48, 90.5]]), 2: lines[2]}
    item.set_segments(grown, colors, (200, 200))  # one line grew by 8 pixels
    r = item.last_dirty
    assert r is not None and r.left() <= 10 and r.right() >= 48 and r.top() <= 90.5 <= r.bottom()
    assert r.height() < 20 and r.width() < 60  # not the 200 x 200 item
    item.last_dirty = None
    item.set_segments(grown, colors, (200, 200))  # the same lines: nothing repainted
    assert item.last_dirty is None
    item.set_segments({1: grown[1]}, colors, (200, 200))  # a class gone: its line's box
    assert item.last_dirty.left() <= 100.5 <= item.last_dirty.right() and item.n_lines() == 2


def _shown(w, view) -> np.ndarray:
    """The view's pixels as the window shows them (the backing store), RGB."""
    port = view.plot_widget.viewport()
    tl = port.mapTo(w, QPoint(0, 0))
    return _rgb(w.screen().grabWindow(w.winId(), tl.x(), tl.y(), port.width(), port.height()).toImage())


def _rgb(img) -> np.ndarray:
    img = img.convertToFormat(img.Format.Format_RGB32)
    a = np.frombuffer(img.constBits().asstring(img.sizeInBytes()), np.uint8)
    return a.reshape(img.height(), img.bytesPerLine() // 4, 4)[:, :img.width(), :3]


def test_a_moved_crosshair_repaints_the_other_views_from_their_picture_exactly(painting, monkeypatch):
    """Issue 16 item 3, fourth round: a crosshair line that moves in another view costs a copy of
    two stripes of that view's picture, not a walk through its scene; what shows is what a
    full paint of the view shows, after a drag that redrew the crossings under the lines."""
    import pyqtgraph as pg

    from seisview.qt.view_marks import MarkLayer

    w, _ctl = painting
    v = w.section_views["inline"]
    vp = v.plot_widget.viewport()
    others = [w.section_views["crossline"], w.section_views["time"]]
    scene_paints, renders = [], []
    orig_paint, orig_render = pg.GraphicsView.paintEvent, MarkLayer._render
    monkeypatch.setattr(pg.GraphicsView, "paintEvent", lambda s, ev: (scene_paints.append(s), orig_paint(s, ev))[1])
    monkeypatch.setattr(MarkLayer, "_render", lambda s, r: (renders.append(s.view), orig_render(s, r))[1])
    _send(vp, QEvent.Type.MouseButtonPress, _at(v, 150, 40), LEFT, LEFT)
    for col in range(44, 200, 4):  # a stroke across the crossline and time slice shown
        _send(vp, QEvent.Type.MouseMove, _at(v, 150 + (col // 20) % 3, col), NONE, LEFT)
        _settle()
    _send(vp, QEvent.Type.MouseButtonRelease, _at(v, 151, 196), LEFT, NONE)
    display_for(w.session).flush()  # the stroke's crossings and map trace redrawn now
    _settle()
    scene_paints.clear(), renders.clear()
    _send(vp, QEvent.Type.MouseMove, _at(v, 160, 120), NONE, NONE)  # hovering: only the lines move
    _settle()
    for o in others:
        assert o.plot_widget not in scene_paints and o.plot_widget not in renders
    assert all(o.cross[0].isVisible() for o in others)
    for o in [*others, w.map_view]:
        full = _rgb(o.plot_widget.grab().toImage())  # a fresh paint of all of the view
        shown = _shown(w, o)
        if o is w.map_view:  # rotated image: Qt samples a part repainted alone a pixel off at
            assert (full != shown).any(axis=-1).mean() < 0.01  # its edges (as it always did)
        else:
            np.testing.assert_array_equal(shown, full)


def test_while_a_tool_drags_each_tick_runs_one_follower_and_the_labels_redraw_alone(qapp):
    """A mouse event carries at most one other view's repaint while painting: the frame clock
    runs one follower per tick (the longest waiting first), and the labels' redraw in a tick of
    its own; out of a drag a frame runs every follower together."""
    from seisview.qt.signals import FrameClock, PerFrame

    clock, ran = FrameClock(), []
    followers = [PerFrame(lambda k=k: ran.append(k)) for k in "abc"]
    clock.set_spread(True)  # a stroke starts
    for f in followers:
        f._pending = True  # as PerFrame.__call__ does, on this clock
        clock.schedule(f)
    clock.flush()  # one tick: one follower, the next tick due soon
    assert ran == ["a"] and clock._timer.isActive()
    clock.solo(lambda: ran.append("labels"))  # a tick just ran: this waits for one of its own
    assert ran == ["a"]
    for _ in range(3):
        clock.flush()
    assert ran == ["a", "labels", "b", "c"]
    assert not clock._timer.isActive()  # nothing left: no more ticks
    clock._last = -1.0
    clock.solo(lambda: ran.append("now"))  # no tick near: at once
    assert ran[-1] == "now"
    ran.clear()
    for f in followers:
        f._pending = True
        clock.schedule(f)
    clock.set_spread(False)
    clock.flush()  # out of a drag: one frame, all of them
    assert ran == ["a", "b", "c"]
    clock._timer.stop()
