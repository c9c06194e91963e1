"""The real window on a real X screen of 1366x768 (Xvfb): it fits, the status bar is on screen,
the sections own it, and the workspace buttons of the tool bar switch the docks."""

from __future__ import annotations

import shutil
import textwrap

import pytest
from xvfb_run import run_script

SCRIPT = textwrap.dedent(r'''
    import json, os, sys, time
    os.environ["QT_QPA_PLATFORM"] = "xcb"
    from PyQt6.QtCore import QPoint, Qt
    from PyQt6.QtTest import QTest
    from PyQt6.QtWidgets import QToolBar
    from seisview.qt.app import make_app
    from seisview.qt.main_window import MainWindow
    from seisview.io.segy import load, scan

    app = make_app()
    w = MainWindow()  # every panel, sized as the application sizes it
    w.show()
    def settle(s=0.3):
        end = time.monotonic() + s
        while time.monotonic() < end:
            app.processEvents(); time.sleep(0.01)
    settle()
    path = sys.argv[1]
    w.session.open_volume(load(path), path=path, scan=scan(path))
    settle(0.5)
    screen = app.primaryScreen().geometry()
    bar = w.statusBar()
    top_left = bar.mapToGlobal(QPoint(0, 0))
    out = {"screen": [screen.width(), screen.height()],
           "frame": [w.frameGeometry().x(), w.frameGeometry().y(), w.frameGeometry().width(),
                     w.frameGeometry().height()],
           "min": [w.minimumSizeHint().width(), w.minimumSizeHint().height()],
           "status": [top_left.y(), top_left.y() + bar.height(), bar.isVisible()],
           "central": w.central.width() * w.central.height() / (w.width() * w.height()),
           "views": [[v.width(), v.height()] for v in w.section_views.values()]}
    # the mouse over the inline view: the read-out appears in the status bar
    v = w.section_views["inline"]
    rect = v.viewbox.sceneBoundingRect()
    at = v.plot_widget.mapFromScene(rect.center())
    QTest.mouseMove(v.plot_widget.viewport(), at)
    settle()
    out["readout"] = w.readout.text()
    # click the workspace buttons of the tool bar
    bar_ws = w.findChild(QToolBar, "toolbar-workspaces")
    shown = {}
    for name in ("Train", "Inspect", "First breaks", "Interpret"):
        button = bar_ws.widgetForAction(w.workspaces.actions[name])
        QTest.mouseClick(button, Qt.MouseButton.LeftButton)
        settle(0.2)
        shown[name] = sorted(n for n, d in w.panels.items() if not d.isHidden())
    out["shown"] = shown
    out["current"] = w.workspaces.current.name
    w.close()
    print("RESULT " + json.dumps(out))
''')


@pytest.mark.xvfb
@pytest.mark.skipif(shutil.which("xvfb-run") is None, reason="xvfb-run not installed")
def test_window_fits_a_1366x768_screen(tmp_path, shared_data):
    r = run_script(SCRIPT, [shared_data / "segy" / "f3" / "F3_very_small.sgy"], tmp_path, timeout=180)
    sw, sh = r["screen"]
    x, y, fw, fh = r["frame"]
    assert (sw, sh) == (1366, 768)
    assert x >= 0 and y >= 0 and x + fw <= sw and y + fh <= sh, r  # the whole window on screen
    assert r["min"][0] <= 1280 and r["min"][1] <= 720, r
    top, bottom, visible = r["status"]
    assert visible and 0 < top and bottom <= sh, r  # the status bar with the read-out is visible
    assert "IL " in r["readout"] and "amp" in r["readout"], r
    assert r["central"] > 0.5 and all(vw > 250 and vh > 200 for vw, vh in r["views"]), r
    assert r["shown"]["Interpret"] == ["labels", "layers"], r
    assert r["shown"]["Train"] == ["labels", "layers", "training"], r
    assert r["shown"]["Inspect"] == ["activations", "crossplot", "layers"], r
    assert r["shown"]["First breaks"] == ["first-breaks", "labels"], r
    assert r["current"] == "Interpret"
