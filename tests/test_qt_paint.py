"""Painting and picking in the main window, offscreen: real mouse drags, overlay pixels, undo keys,
project actions, pick snapping on the real refrapy shots."""

from __future__ import annotations

import sqlite3

import numpy as np
import pytest
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QMouseEvent
from PyQt6.QtWidgets import QApplication

from seisview.core.section import SectionSpec
from seisview.io.segy import load, scan
from seisview.qt import project_actions
from seisview.qt.paint_tools import OUTLINE_ARGB, argb_table, outlined
from seisview.qt.tools import GatherRef, ToolEvent


def _open_volume(w, path):
    rep = scan(path)
    w.session.open_volume(load(path), path=path, scan=rep)


def _send(widget, kind, pos, button=Qt.MouseButton.LeftButton, buttons=Qt.MouseButton.LeftButton,
          mods=Qt.KeyboardModifier.NoModifier):
    gp = widget.mapToGlobal(pos.toPoint())
    QApplication.sendEvent(widget, QMouseEvent(kind, pos, QPointF(gp), button, buttons, mods))


def _widget_pos(v, row, col):
    x, y = v.pixel_to_plot(row, col)
    return QPointF(v.plot_widget.mapFromScene(v.viewbox.mapViewToScene(QPointF(x, y))))


def _drag(qtbot, v, points, button=Qt.MouseButton.LeftButton, mods=Qt.KeyboardModifier.NoModifier):
    vp = v.plot_widget.viewport()
    pts = [_widget_pos(v, r, c) for r, c in points]
    _send(vp, QEvent.Type.MouseButtonPress, pts[0], button, button, mods)
    for a, b in zip(pts, pts[1:], strict=False):
        for t in np.linspace(0, 1, 4)[1:]:
            _send(vp, QEvent.Type.MouseMove, a + (b - a) * float(t), Qt.MouseButton.NoButton, button, mods)
    _send(vp, QEvent.Type.MouseButtonRelease, pts[-1], button, Qt.MouseButton.NoButton, mods)


def test_paint_fill_undo_redo_and_reopen(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    panel = w.labels_panel_for_test
    _open_volume(w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    proj = project_actions.new_project(w, tmp_path / "f3.seisview")
    assert proj is not None and w.session.project is proj
    assert "f3.seisview" in panel.project_label.text()
    ctl = panel.ctl
    assert ctl.usable()
    qtbot.keyClick(w.section_views["inline"].plot_widget, Qt.Key.Key_8)  # class 8 = salt
    assert ctl.class_id == 8
    ctl.set_radius(2)
    panel.use_tool("brush")
    v = w.section_views["inline"]
    spec = SectionSpec("inline", w.session.il_idx)
    _drag(qtbot, v, [(100.5, 2.5), (100.5, 8.5)])  # a real mouse drag across the section
    m = proj.labels.mask(spec)
    assert np.all(m[100, 3:8] == 8) and np.count_nonzero(m) > 10
    assert proj.journal_counts()["strokes"] == 1  # committed when the button was released
    ov = ctl.overlays["inline"]
    salt = argb_table(proj.palette.lut(1.0))[8]
    assert ov.argb()[100, 5] == salt and ov.argb()[0, 0] == 0
    r0, r1, c0, c1 = ov.last_update_rect  # the last move redrew only around its segment
    assert r1 - r0 <= 5 and c1 - c0 <= 6 + 5  # the 6-pixel segment plus the brush
    table = argb_table(proj.palette.lut(1.0))
    # the partial updates add up to the mask, drawn solid with a dark rim
    assert np.array_equal(ov.argb(), outlined(table, m, (0, m.shape[0], 0, m.shape[1])))
    rim = ov.argb() == OUTLINE_ARGB
    assert rim[m > 0].any() and not rim[m == 0].any() and (ov.argb()[(m > 0) & ~rim] == salt).all()
    # fill the rest of the section with class 1, on the crossline view too
    panel.use_tool("fill")
    ctl.set_class(1)
    v2 = w.section_views["crossline"]
    _drag(qtbot, v2, [(10.5, 1.5)])
    assert np.all(proj.labels.mask(SectionSpec("crossline", w.session.xl_idx)) == 1)
    assert [s.kind for s, _ in proj.labels.labelled_sections()] == ["inline", "crossline"]
    # the crossline fill drew over the inline? no: other sections are independent masks
    assert np.count_nonzero(proj.labels.mask(spec) == 1) == 0
    assert panel.sections.count() == 2
    # Ctrl+Z undoes the latest stroke whatever the section; Ctrl+Shift+Z redoes it
    qtbot.keyClick(v.plot_widget, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert proj.labels.labelled_sections()[0][0] == spec and panel.sections.count() == 1
    qtbot.keyClick(v.plot_widget, Qt.Key.Key_Z,
                   Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert panel.sections.count() == 2
    # the labelled-section list jumps there
    w.session.set_position("inline", 0)
    panel._jump(panel.sections.item(0))
    assert w.session.il_idx == spec.index and ov.spec == spec
    # opacity and show/hide act on the overlays
    panel.opacity.setValue(30)
    assert ov.opacity() == pytest.approx(0.3)
    panel.show_labels.setChecked(False)
    assert not ov.isVisible()
    w.grab().save(str(tmp_path / "paint.png"))
    snap = proj.labels.snapshot()
    project_actions.close_project(w)
    assert w.session.project is None and ov.spec is None
    reopened = project_actions.open_project(w, tmp_path / "f3.seisview")
    assert all(np.array_equal(reopened.labels.mask(s), m) for s, m in snap.items())


def test_polygon_and_eraser_tools(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    panel = w.labels_panel_for_test
    _open_volume(w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    proj = project_actions.new_project(w, tmp_path / "p.seisview")
    ctl = panel.ctl
    v = w.section_views["inline"]
    spec = v.spec
    panel.use_tool("polygon")
    tool = ctl.tools["polygon"]
    for r, c in [(50.5, 1.5), (50.5, 9.5), (150.5, 9.5)]:
        _drag(qtbot, v, [(r, c)])
    _drag(qtbot, v, [(150.5, 1.5)], button=Qt.MouseButton.RightButton)  # right click closes
    m = proj.labels.mask(spec)
    assert m[60, 8] == ctl.class_id and m[140, 2] == 0 and not tool.points
    panel.use_tool("erase")
    ctl.set_radius(3)
    _drag(qtbot, v, [(100.5, 0.5), (100.5, 10.5)])
    assert np.all(proj.labels.mask(spec)[100, :] == 0)
    assert proj.journal_counts()["strokes"] == 2


def test_painting_without_a_project_says_what_to_do(labels_window, qtbot, shared_data):
    w = labels_window
    _open_volume(w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    w.labels_panel_for_test.use_tool("brush")
    _drag(qtbot, w.section_views["inline"], [(10.5, 2.5), (10.5, 6.5)])
    assert "New project" in w.statusBar().currentMessage()


def test_failed_save_is_shown_and_nothing_painted(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    _open_volume(w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    proj = project_actions.new_project(w, tmp_path / "p.seisview")

    class FullDisk:  # the connection as it behaves on a full disk: every INSERT fails
        def __init__(self, conn):
            self.conn = conn

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def execute(self, sql, *a):
            if sql.lstrip().upper().startswith("INSERT"):
                raise sqlite3.OperationalError("database or disk is full")
            return self.conn.execute(sql, *a)

        executemany = execute

    real = proj._conn
    proj._conn = FullDisk(real)
    w.labels_panel_for_test.use_tool("fill")
    _drag(qtbot, w.section_views["inline"], [(10.5, 2.5)])
    assert w.last_dialog is not None and "previous state is kept" in w.last_dialog.text()
    assert not proj.labels.labelled_sections()
    assert not w.labels_panel_for_test.ctl.overlays["inline"].argb().any()
    proj._conn = real


def test_pick_tool_snaps_on_real_shots_and_undo(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    panel = w.labels_panel_for_test
    path = shared_data / "firstbreaks" / "refrapy-02" / "field_example_02_shots_with_fb.sgy"
    w.session.open_gathers(load(path), path=path, scan=scan(path))
    proj = project_actions.new_project(w, tmp_path / "fb.seisview")
    assert proj.survey.gather_key == 9
    gv = w.gather_view
    w.gather_dock.show()
    g = gv.gather
    ctl = panel.picking
    # a click 6 ms late on trace 10 of shot 1 snaps back towards the onset
    from seisview.io.pick_formats import read_csv

    truth = read_csv(shared_data / "firstbreaks" / "refrapy-02" / "field_example_02_picks.csv")
    ch = int(g.channels[10])
    t_true = truth[(g.key, ch)][0]
    gs = w.session.gathers
    row = (t_true - gs.t0_ms) / gs.dt_ms + 0.5
    tool = ctl.tool

    def ev(row, col, buttons=("left",), mods=()):
        return ToolEvent(GatherRef(g.key, g.channels), row, col, frozenset(mods), frozenset(buttons), gv)

    def click_all(offset_ms):
        """Click every hand-picked trace of the gather ``offset_ms`` away from the hand pick."""
        err = []
        for i, c in enumerate(g.channels):
            t = truth.get((g.key, int(c)))
            if t is None:
                continue
            r = (t[0] + offset_ms - gs.t0_ms) / gs.dt_ms + 0.5
            tool.press(ev(r, i + 0.5))
            tool.release(ev(r, i + 0.5, ()))
            err.append(abs(proj.picks.get(g.key, int(c)).time_ms - t[0]))
        return np.array(err)

    ctl.snap = False
    raw = click_all(6.0)
    assert np.median(raw) == pytest.approx(6.0, abs=gs.dt_ms)
    ctl.snap, ctl.window_ms = True, 8.0
    snapped = np.concatenate([click_all(6.0), click_all(-6.0)])
    print(f"\nsnap on shot {g.key}: clicks 6 ms off the hand picks -> median error "
          f"{np.median(snapped):.2f} ms, {np.mean(snapped < 6):.0%} closer than 6 ms")
    assert np.median(snapped) < 3.0
    proj.picks.delete_many([k for k in proj.picks.snapshot() if k != (g.key, ch)])
    proj.picks.set(g.key, ch, t_true)
    # a Ctrl-drag across traces 2..8 is one moveout edit with one pick per trace
    tool.press(ev(100.5, 2.5, mods=("ctrl",)))
    tool.move(ev(200.5, 8.5, mods=("ctrl",)))
    tool.release(ev(200.5, 8.5, (), ("ctrl",)))
    v_app = abs(g.offsets[8] - g.offsets[2]) / (100 * gs.dt_ms) * 1000.0
    assert f"apparent velocity {v_app:.0f} m/s" in w.statusBar().currentMessage()
    chans, times, _ = proj.picks.for_gather(g.key)
    assert {int(g.channels[t]) for t in range(2, 9)} <= set(chans.tolist())
    assert "picks" in gv.marks
    assert panel.undo().tool == "moveout"
    assert len(proj.picks) == 1
    # right-drag deletes
    tool.press(ev(row, 10.5, ("right",)))
    tool.release(ev(row, 10.5, ()))
    assert len(proj.picks) == 0
    # model picks with confidence draw coloured points
    proj.picks.set_many({(g.key, int(c)): (50.0 + i, 0.2 + 0.05 * i) for i, c in enumerate(g.channels[:10])},
                        tool="predict")
    assert "pick_confidence" in gv.marks
    gv.grab().save(str(tmp_path / "gather.png"))


def test_stroke_starting_on_a_position_line_paints_and_leaves_the_line(labels_window, qtbot, shared_data,
                                                                       tmp_path):
    w = labels_window
    panel = w.labels_panel_for_test
    _open_volume(w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    proj = project_actions.new_project(w, tmp_path / "l.seisview")
    v = w.section_views["inline"]
    line = v.pos_lines["crossline"]
    assert line.movable  # navigating: the line can be dragged
    panel.use_tool("brush")
    assert not line.movable
    xl_before = w.session.xl_idx
    _, col = v.plot_to_pixel(line.value(), 0.0)
    col = int(round(col))
    _drag(qtbot, v, [(80.5, col + 0.5), (80.5, col + 4.5)])
    assert w.session.xl_idx == xl_before
    assert np.all(proj.labels.mask(SectionSpec("inline", w.session.il_idx))[80, col + 1:col + 4] > 0)
    panel.use_tool("navigate")
    assert line.movable
