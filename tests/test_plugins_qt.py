"""Plugins dialog and well-log panel in the main window (offscreen Qt)."""

from __future__ import annotations

import pytest

pytest.importorskip("PyQt6")

from seisview.plugins import registry  # noqa: E402

MINE = {"plugins", "well-logs"}
BROKEN_PANEL = "def make(main_window):\n    raise RuntimeError('panel exploded')\n"


@pytest.fixture
def window(qtbot, temp_plugin):
    """A main window whose panels are ours plus the temporary plugins of the test."""
    from seisview.qt.main_window import MainWindow

    for c in registry.contributions("panel"):  # others' panels are not under test here
        if c.name not in MINE:
            registry.unregister("panel", c.name)
    temp_plugin.module("exploding_panel_mod", BROKEN_PANEL)
    temp_plugin.add({"name": "exploding", "contributions": [
        {"kind": "panel", "name": "boom", "target": "exploding_panel_mod:make"}]})
    temp_plugin.entry_point("ghost", "no_such_plugin_module:manifest")
    w = MainWindow(load_panels=True)
    qtbot.addWidget(w)
    yield w
    w.close()


def test_broken_plugins_are_reported_and_the_window_survives(window, qtbot):
    w = window
    assert {"plugins", "well-logs"} <= set(w.panels) and "boom" not in w.panels
    assert any(name == "boom" and "panel exploded" in msg for name, msg in w.panel_failures)
    pw = w.panels["plugins"].widget()
    qtbot.waitUntil(lambda: pw.n_failed >= 2)  # the ghost entry point and the exploding panel
    rows = {r["name"]: r for r in pw.rows}
    assert rows["ghost"]["status"] == "failed"
    assert "No module named 'no_such_plugin_module'" in rows["ghost"]["errors"][0]
    assert rows["exploding"]["status"] == "partial"
    assert any("panel exploded" in e for e in rows["exploding"]["errors"])
    texts = [pw.tree.topLevelItem(i).text(0) for i in range(pw.tree.topLevelItemCount())]
    assert any(t.startswith("ghost") for t in texts)
    assert not w.panels["plugins"].isHidden()  # failures keep the Plugins dock visible
    # Help -> Plugins… opens the dialog with the same rows
    act = next(a for a in w.menu("Help").actions() if a.text() == "Plugins…")
    act.trigger()
    dlg = w.plugins_dialog
    qtbot.addWidget(dlg)
    assert dlg.isVisible() and dlg.widget.n_failed >= 1


def test_disable_from_the_dialog(window, qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SEISVIEW_HOME", str(tmp_path))
    pw = window.panels["plugins"].widget()
    top = next(pw.tree.topLevelItem(i) for i in range(pw.tree.topLevelItemCount())
               if pw.tree.topLevelItem(i).text(0).startswith("exploding"))
    pw.tree.setCurrentItem(top)
    assert pw.toggle_btn.isEnabled() and pw.toggle_btn.text() == "Disable"
    pw.toggle_btn.click()
    assert registry.plugins["exploding"].status == "disabled"
    assert "boom" not in registry.names("panel")


LAS = """~VERSION
VERS. 2.0 : v
WRAP. NO : w
~WELL
STRT.M 100.0 : start
STOP.M 101.0 : stop
STEP.M 0.5 : step
NULL. -999.25 : null
WELL. F3-TEST : well
{extra}
~CURVE
DEPT.M : depth
GR.GAPI : gamma
DT.US/M : sonic
~A
100.0 50 300
100.5 51 -999.25
101.0 52 310
"""


def _write_las(tmp_path, extra_header: str):
    text = LAS.replace("{extra}", extra_header)
    p = tmp_path / "w.las"
    p.write_text(text)
    return p


def test_well_panel_tracks_and_map_placement(window, qtbot, shared_data, tmp_path):
    from PyQt6.QtCore import Qt

    from seisview.io.segy import load

    w = window
    f3 = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    w.session.open_volume(load(f3), f3)
    wp = w.panels["well-logs"].widget()
    # inside F3 at inline 205, crossline 405 (the F3 affine in ../shared/data/README.md)
    wp.load_path(_write_las(tmp_path, "X.M 608386.0 : x\nY.M 6076253.6 : y"))
    assert "inline 205.0, crossline 405.0 (inside the survey)" in wp.location.text()
    assert len(wp.map_items) == 2 and wp.map_items[0][1] is w.map_view.plot
    # R-39 is in Nova Scotia: reported, not drawn
    wp.load_path(shared_data / "wells" / "R-39.las")
    assert "far outside" in wp.location.text() and wp.map_items == []
    assert list(wp.tracks) == ["GR", "CALI", "DT4P", "DT4S", "RHOB", "NPOR"]
    assert "105 ≤ 0 hidden" in wp.tracks["DT4S"].titleLabel.text
    bs = wp.curve_list.findItems("BS", Qt.MatchFlag.MatchExactly)[0]
    bs.setCheckState(Qt.CheckState.Checked)  # ticking a curve adds its track
    assert list(wp.tracks)[-1] == "BS" and len(wp.tracks) == 7
    # no coordinates
    wp.load_path(_write_las(tmp_path, ""))
    assert wp.location.text().startswith("No coordinates in the LAS header")
    # a bad file is reported in the panel and a (non-blocking) dialog; nothing raises
    bad = tmp_path / "bad.las"
    bad.write_text("not a LAS file")
    assert wp.load_path(bad) is None
    assert wp.title.text().startswith("Cannot open bad.las")
