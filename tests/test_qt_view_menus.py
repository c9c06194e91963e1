"""Discoverable: right-click menus in the views (real mouse events, offscreen), go to line,
Help → Keyboard shortcuts."""

from __future__ import annotations

import re

import pytest
from PyQt6.QtCore import QEvent, Qt
from PyQt6.QtWidgets import QApplication, QFileDialog, QInputDialog
from test_qt_paint import _send, _widget_pos

from seisview.core.errors import SeisviewError
from seisview.io.segy import load, scan
from seisview.qt import project_actions, view_menus

RIGHT = Qt.MouseButton.RightButton


def _right_click(v, row, col):
    vp = v.plot_widget.viewport()
    pos = _widget_pos(v, row, col)
    _send(vp, QEvent.Type.MouseMove, pos, Qt.MouseButton.NoButton, Qt.MouseButton.NoButton)
    _send(vp, QEvent.Type.MouseButtonPress, pos, RIGHT, RIGHT)
    _send(vp, QEvent.Type.MouseButtonRelease, pos, RIGHT, Qt.MouseButton.NoButton)


def _actions(menu):
    return {a.text(): a for a in menu.actions()}


@pytest.fixture
def f3_window(labels_window, shared_data):
    path = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    labels_window.session.open_volume(load(path), path=path, scan=scan(path))
    return labels_window


def test_right_click_menu_of_a_section(f3_window, qtbot, tmp_path, monkeypatch):
    w = f3_window
    v = w.section_views["inline"]
    _right_click(v, 250.5, 4.5)
    menu = w.last_context_menu
    acts = _actions(menu)
    assert {"Copy position", "Go to line…", "Export view…", "Reset zoom", "Layers"} <= set(acts)
    acts["Copy position"].trigger()
    text = QApplication.clipboard().text()
    g = w.session.geometry
    assert str(g.il.number(w.session.il_idx)) in text and str(g.xl.number(4)) in text
    # the time of the screen pixel clicked (a pixel spans several samples on a small view)
    at = v.viewbox.mapSceneToView(v.plot_widget.mapToScene(_widget_pos(v, 250.5, 4.5).toPoint()))
    row, _col = v.plot_to_pixel(at.x(), at.y())
    t = float(re.search(r"(\d+(?:\.\d+)?) ms", text).group(1))
    assert abs(t - g.z_of(round(row - 0.5))) <= g.dt
    layers = _actions(acts["Layers"].menu())
    seismic = w.session.layers[0]
    layers[seismic.name].trigger()  # toggles
    assert seismic.visible is False
    menu.close()
    out = tmp_path / "view.png"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(out), "PNG (*.png)"))
    monkeypatch.setattr(QInputDialog, "getInt", lambda *a, **k: (800, True))  # picture width
    _right_click(w.section_views["crossline"], 100.5, 3.5)
    _actions(w.last_context_menu)["Export view…"].trigger()
    assert out.is_file() and out.stat().st_size > 1000


def test_right_click_is_the_tools_when_it_uses_it(f3_window, qtbot, shared_data, tmp_path):
    w = f3_window
    project_actions.new_project(w, tmp_path / "p.seisview")
    w.labels_panel_for_test.use_tool("polygon")  # right click closes a polygon
    w.last_context_menu = None
    _right_click(w.section_views["inline"], 250.5, 4.5)
    assert w.last_context_menu is None
    w.labels_panel_for_test.use_tool("brush")  # the brush leaves the right button free
    _right_click(w.section_views["inline"], 250.5, 4.5)
    assert w.last_context_menu is not None


def test_go_to_accepts_what_people_type(f3_window):
    w = f3_window
    g = w.session.geometry
    for text, kind, no in (("inline 207", "inline", 207), ("il:203", "inline", 203),
                           ("xl 408", "crossline", 408), ("209", "inline", 209)):
        spec = view_menus.go_to(w, text, "inline")
        assert spec.kind == kind and g.position(kind, spec.index) == no
        assert w.session.position(kind) == spec.index
    spec = view_menus.go_to(w, "1000 ms", "time")
    assert spec.kind == "time" and g.z_of(spec.index) == 1000
    assert view_menus.go_to(w, "inline 9999", "inline") is None
    line = w.last_dialog.text()
    assert "9999" in line and "\n" not in line
    with pytest.raises(SeisviewError):
        view_menus.parse_go_to("somewhere", g, "inline")


def test_gather_menu_and_keyboard_shortcuts(labels_window, qtbot, shared_data):
    w = labels_window
    path = shared_data / "firstbreaks" / "refrapy-02" / "field_example_02_shots_with_fb.sgy"
    w.session.open_gathers(load(path), path=path, scan=scan(path))
    w.gather_dock.show()
    gv = w.gather_view
    qtbot.waitUntil(lambda: gv.viewbox.sceneBoundingRect().width() > 50)
    _right_click(gv, 1000.5, 5.5)
    acts = _actions(w.last_context_menu)
    assert "Go to gather…" in acts and "Copy position" in acts
    acts["Copy position"].trigger()
    assert "ch" in QApplication.clipboard().text()
    w.shortcuts_action.trigger()
    dlg = w.last_shortcuts_dialog
    rows = view_menus.shortcut_rows(w)
    keys = {k for _w, k in rows}
    assert {"Ctrl+Z", "Ctrl+E", "Ctrl+O", "Ctrl+3", "K", "B"} <= keys
    assert dict(rows)["Choose the class with that key (labels)"] == "1, 2, 3, 4, 5, 6, 7, 8, 9"
    assert any("Shift+wheel" in k for k in keys)
    assert dlg.table.rowCount() == len(rows)
    dlg.close()
