"""Tools, menus and gathers in the real window on an X screen of 1366x768 (Xvfb), with mouse
events through the X platform: a brush drag without a project offers one and does not pan, a
right click opens the view's menu, Shift+wheel zooms the gather's time axis only."""

from __future__ import annotations

import shutil
import textwrap

import pytest
from xvfb_run import run_script

SCRIPT = textwrap.dedent(r'''
    import json, os, shutil, sys, time
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PyQt6.QtCore import QPoint, QPointF, Qt
    from PyQt6.QtGui import QWheelEvent
    from PyQt6.QtTest import QTest
    from PyQt6.QtWidgets import QApplication
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow
    from seisview.qt.labels_panel import LabelsPanel

    app = make_app()
    w = MainWindow()
    w.show()
    def settle(s=0.3):
        end = time.monotonic() + s
        while time.monotonic() < end:
            app.processEvents(); time.sleep(0.01)
    settle()
    f3, shots = sys.argv[1], sys.argv[2]
    w.files.open_path(f3); w.files.wait(60); settle(0.5)
    out = {}
    v = w.section_views["inline"]
    v.zoom(2.0); settle()
    before = [list(r) for r in v.viewbox.viewRange()]
    w.findChild(LabelsPanel).use_tool("brush")
    vp = v.plot_widget.viewport()
    c = v.plot_widget.mapFromScene(v.viewbox.sceneBoundingRect().center())
    QTest.mousePress(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, c)
    for i in range(1, 8):
        QTest.mouseMove(vp, c + QPoint(6 * i, 9 * i)); settle(0.02)
    QTest.mouseRelease(vp, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, c + QPoint(42, 63))
    settle()
    out["panned"] = [list(r) for r in v.viewbox.viewRange()] != before
    box = getattr(w, "project_offer", None)
    out["offer"] = box.text() if box is not None and box.isVisible() else ""
    if box is not None:
        next(b for b in box.buttons() if b.text() == "Create project").click()
    settle()
    out["project"] = str(w.session.project.path) if w.session.project else ""
    w.findChild(LabelsPanel).use_tool("navigate")
    QTest.mouseClick(vp, Qt.MouseButton.RightButton, Qt.KeyboardModifier.NoModifier, c)
    settle()
    popup = QApplication.activePopupWidget()
    out["menu"] = [a.text() for a in popup.actions()] if popup is not None else []
    if popup is not None:
        popup.close()
    w.files.open_path(shots); w.files.wait(60)
    for _ in range(100):  # the load's end and the offer after it come through the event loop
        settle(0.1)
        offer = getattr(w, "header_picks_offer", None)
        if offer is not None:
            break
    out["fb_offer"] = offer.text() if offer is not None and offer.isVisible() else ""
    if offer is not None:
        offer.close()
    gv = w.gather_view
    x0, y0 = [list(r) for r in gv.viewbox.viewRange()]
    gvp = gv.plot_widget.viewport()
    gc = QPointF(gv.plot_widget.mapFromScene(gv.viewbox.sceneBoundingRect().center()))
    ev = QWheelEvent(gc, QPointF(gvp.mapToGlobal(gc.toPoint())), QPoint(0, 0), QPoint(0, 360),
                     Qt.MouseButton.NoButton, Qt.KeyboardModifier.ShiftModifier,
                     Qt.ScrollPhase.NoScrollPhase, False)
    QApplication.sendEvent(gvp, ev); settle()
    x1, y1 = [list(r) for r in gv.viewbox.viewRange()]
    out["time_only"] = x1 == x0 and (y1[1] - y1[0]) < 0.9 * (y0[1] - y0[0])
    w.close()
    print("RESULT " + json.dumps(out))
''')


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed")
def test_tools_menus_and_gathers_in_a_real_window(tmp_path, shared_data):
    f3 = tmp_path / "F3_very_small.sgy"
    shutil.copy(shared_data / "segy" / "f3" / "F3_very_small.sgy", f3)
    shots = tmp_path / "shots.sgy"
    shutil.copy(shared_data / "firstbreaks" / "refrapy-02" / "field_example_02_shots_with_fb.sgy", shots)
    r = run_script(SCRIPT, [f3, shots], tmp_path)
    assert r["panned"] is False, r
    assert "Create" in r["offer"] and "F3_very_small.seisview" in r["offer"], r
    assert r["project"] == str(f3.with_suffix(".seisview")), r
    assert {"Copy position", "Go to line…", "Export view…", "Layers"} <= set(r["menu"]), r
    assert "bytes 233-236" in r["fb_offer"], r
    assert r["time_only"], r
