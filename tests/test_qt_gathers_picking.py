"""Gathers for picking: time-only and offset-only zoom, whole-trace offset ticks, the file's own
first-break headers offered as picks, first-break projects without facies classes (offscreen)."""

from __future__ import annotations

import shutil

from PyQt6.QtCore import QPoint, QPointF, Qt
from PyQt6.QtGui import QWheelEvent
from PyQt6.QtWidgets import QApplication

from seisview.io.project_transfer import read_picks
from seisview.io.segy import load, scan
from seisview.qt import project_actions

FB = ("firstbreaks", "refrapy-02", "field_example_02_shots_with_fb.sgy")


def _open_shots(w, path):
    w.session.open_gathers(load(path), path=path, scan=scan(path))
    w.gather_dock.show()


def _copy(shared_data, tmp_path):
    dst = tmp_path / FB[-1]
    shutil.copy(shared_data.joinpath(*FB), dst)
    return dst


def _wheel(widget, pos: QPointF, steps: int, mods=Qt.KeyboardModifier.NoModifier):
    ev = QWheelEvent(pos, QPointF(widget.mapToGlobal(pos.toPoint())), QPoint(0, 0),
                     QPoint(0, 120 * steps), Qt.MouseButton.NoButton, mods,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(widget, ev)


def _centre(gv) -> QPointF:
    r = gv.viewbox.sceneBoundingRect()
    return QPointF(gv.plot_widget.mapFromScene(r.center()))


def test_modifier_wheel_zooms_one_axis(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    _open_shots(w, _copy(shared_data, tmp_path))
    gv = w.gather_view
    qtbot.waitUntil(lambda: gv.viewbox.sceneBoundingRect().width() > 50)
    vp = gv.plot_widget.viewport()
    (x0, y0) = [list(r) for r in gv.viewbox.viewRange()]
    _wheel(vp, _centre(gv), 3, Qt.KeyboardModifier.ShiftModifier)
    (x1, y1) = [list(r) for r in gv.viewbox.viewRange()]
    assert x1 == x0 and (y1[1] - y1[0]) < 0.9 * (y0[1] - y0[0])  # time only
    _wheel(vp, _centre(gv), 3, Qt.KeyboardModifier.ControlModifier)
    (x2, y2) = [list(r) for r in gv.viewbox.viewRange()]
    assert y2 == y1 and (x2[1] - x2[0]) < 0.9 * (x1[1] - x1[0])  # offsets only
    _wheel(vp, _centre(gv), 2)
    (x3, y3) = [list(r) for r in gv.viewbox.viewRange()]
    assert x3 != x2 and y3 != y2  # the plain wheel zooms both
    # the wheel over the time axis zooms time only
    ax = gv.plot.getAxis("left")
    pos = QPointF(gv.plot_widget.mapFromScene(ax.sceneBoundingRect().center()))
    _wheel(vp, pos, 2)
    (x4, y4) = [list(r) for r in gv.viewbox.viewRange()]
    assert x4 == x3 and y4 != y3


def test_offset_ticks_sit_on_whole_traces_without_repeats(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    _open_shots(w, _copy(shared_data, tmp_path))
    gv = w.gather_view
    ax = gv.offset_axis
    n = len(ax.labels)
    for lo, hi, width in ((3.2, 6.8, 600), (0, n - 1, 600), (-5.0, n + 5.0, 150), (10.1, 10.9, 600)):
        levels = ax.tickValues(lo, hi, width)
        values = [v for _s, vals in levels for v in vals]
        assert values == sorted(set(values), key=values.index) and all(float(v).is_integer() for v in values)
        assert all(0 <= v <= n - 1 for v in values)
        for spacing, vals in levels:
            labels = ax.tickStrings(vals, 1.0, spacing)
            assert len(set(labels)) == len(labels), labels  # no repeated label on one level
        if hi - lo >= 1:
            assert values  # never an unlabelled axis


def test_header_first_breaks_are_offered_and_imported(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    path = _copy(shared_data, tmp_path)
    _open_shots(w, path)
    qtbot.waitUntil(lambda: getattr(w, "header_picks_offer", None) is not None
                    and w.header_picks_offer.isVisible())
    box = w.header_picks_offer
    assert "bytes 233-236" in box.text() and str(path.with_suffix(".seisview")) in box.text()
    yes = next(b for b in box.buttons() if b.text() == "Import as picks")
    yes.click()
    proj = w.session.project
    assert proj is not None and proj.path == path.with_suffix(".seisview")
    assert len(proj.palette) == 0  # a first-break project: no facies classes
    want = read_picks(proj, path, "segy-header", 233)
    assert len(proj.picks) == len(want) > 100
    k = next(iter(want))
    assert abs(proj.picks.get(*k).time_ms - want[k][0]) < 1e-6
    assert "picks" in w.gather_view.marks
    proj.picks.undo()  # one undo step
    assert len(proj.picks) == 0


def test_no_offer_when_the_project_has_picks_or_the_file_has_none(labels_window, qtbot, shared_data,
                                                                  tmp_path):
    w = labels_window
    path = _copy(shared_data, tmp_path)
    from seisview.io.project import Project

    with Project.create(path.with_suffix(".seisview"), path, gather_key=9) as p:
        p.picks.set(1, 1, 10.0)
    project_actions.open_project(w, path.with_suffix(".seisview"))
    qtbot.waitUntil(lambda: w.session.gathers is not None)
    qtbot.wait(50)
    assert getattr(w, "header_picks_offer", None) is None
    w.session.project.close()
    w.session.project = None
    f3 = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    w.session.open_volume(load(f3), path=f3, scan=scan(f3))
    qtbot.wait(50)
    assert getattr(w, "header_picks_offer", None) is None
    # gathers beside a volume (the demo): the session's file is the volume's, so no offer
    w.session.open_gathers(load(path), path=path, scan=scan(path))
    qtbot.wait(50)
    assert getattr(w, "header_picks_offer", None) is None


def test_first_break_project_has_no_facies_classes(tmp_path, shared_data, capsys):
    from seisview.cli import main

    rc = main(["project", "new", str(tmp_path / "fb.seisview"), "--survey", str(shared_data.joinpath(*FB))])
    assert rc == 0 and "first breaks: no facies classes" in capsys.readouterr().out
    rc = main(["project", "new", str(tmp_path / "f3.seisview"), "--survey",
               str(shared_data / "segy" / "f3" / "F3_very_small.sgy")])
    assert rc == 0 and "9 classes" in capsys.readouterr().out
