"""The main window on real files: open, step, zoom, colour map, export, bad files, panels, settings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PyQt6.QtGui import QImage
from PyQt6.QtWidgets import QLabel

from seisview.core.volume import Volume
from seisview.plugins import registry
from seisview.qt.colormaps import lut, to_uint8
from seisview.qt.fast_image import rgb32_table
from seisview.qt.main_window import MainWindow
from seisview.qt.workers import TaskCancelled


@pytest.fixture
def window(qtbot):
    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    w.resize(1200, 800)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.files.shutdown()
    w.close()


def _open(qtbot, w, path, **kw):
    worker = w.files.open_path(path, **kw)
    assert worker is not None
    ends = []
    worker.finished.connect(ends.append)
    qtbot.waitUntil(lambda: w.files.worker is not None and not w.files.worker.running, timeout=30000)
    qtbot.waitUntil(lambda: w.files.progress is None, timeout=5000)
    return worker


def _not_blank(img: QImage) -> bool:
    arr = np.frombuffer(img.convertToFormat(QImage.Format.Format_RGB32).constBits().asstring(
        img.width() * img.height() * 4), np.uint32)
    return len(np.unique(arr)) > 50


def test_open_real_f3_step_zoom_colormap_export(window, qtbot, shared_data, tmp_path):
    w = window
    path = shared_data / "segy/f3/F3_very_small.sgy"
    _open(qtbot, w, path)
    s = w.session
    assert s.volume.shape == (11, 11, 463) and s.path == path and s.scan.kind == "poststack3d"
    assert "F3_very_small" in w.windowTitle()
    inl = w.section_views["inline"]
    assert inl.spin.value() == 205 and inl.plot.getAxis("left").labelText.startswith("time")
    inl.spin.setValue(208)
    assert s.il_idx == 8 and w.section_views["time"].pos_lines["inline"].value() == 208
    w.section_views["crossline"].slider.setValue(2)
    assert s.xl_idx == 2
    inl.zoom(3.0)
    w.cmap_box.setCurrentText("grey")
    assert s.colormap == "grey"
    w.gain_box.setValue(2.0)
    w.agc_box.setValue(200)
    assert s.gain == 2.0 and s.agc_ms == 200
    lo, hi = s.display_levels()
    assert w.colorbar.toolTip() == f"grey: {lo:.4g} .. {hi:.4g}" and not w.colorbar.pixmap().isNull()
    w.section_views["time"].on_hover(3.5, 4.5, True)
    qtbot.waitUntil(lambda: "IL 203" in w.readout.text(), timeout=2000)  # once per frame
    assert "IL 203" in w.readout.text() and "XL 404" in w.readout.text() and "amp" in w.readout.text()
    x, y = s.geometry.world(203, 404)
    assert f"X {float(x):.0f}" in w.readout.text() and f"Y {float(y):.0f}" in w.readout.text()
    w.agc_box.setValue(0)  # the 8-bit display cube is built in the background for fast stepping
    qtbot.waitUntil(lambda: s.section_u8(s.spec("inline")) is not None, timeout=10000)
    out = w.files.export_view(tmp_path / "inline.png", view=inl)
    img = QImage(str(out))
    assert img.width() >= 1600 and img.height() < img.width() * inl.height() / inl.width()  # no slider row
    assert _not_blank(img)
    assert w.files.recent()[0] == str(path.resolve())
    assert w.map_view.world  # F3 has coordinates


def test_bad_file_shows_scan_message_and_window_stays_usable(window, qtbot, shared_data, tmp_path):
    w = window
    bad = tmp_path / "broken.sgy"
    bad.write_bytes(b"not seismic " * 200)
    assert w.files.open_path(bad) is None
    box = w.last_dialog
    assert box is not None and box.isVisible() and "not a SEG-Y file" in box.text()
    box.close()
    _open(qtbot, w, shared_data / "segy/segyio/f3.sgy")
    assert w.session.volume.shape == (23, 18, 75)
    assert w.session.geometry.t0 == 4.0


def test_prestack_file_opens_in_gather_view(window, qtbot, shared_data):
    w = window
    _open(qtbot, w, shared_data / "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy")
    s = w.session
    assert s.gathers is not None and len(s.gathers) == 9 and s.volume is None
    assert w.central.currentWidget() is w._gather_holder and w.gather_view.isVisible()  # centre stage
    _open(qtbot, w, shared_data / "segy/segyio/f3.sgy")  # a volume again: sections back, gathers gone
    assert w.central.currentWidget() is w.splitter and w.gather_dock.isHidden()
    _open(qtbot, w, shared_data / "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy")
    gv = w.gather_view
    assert gv.array_shape == (4000, 24) and gv.plot.getAxis("bottom").labelText == "offset (m)"
    gv.on_hover(400.5, 3.5, True)  # sample 400 = 100 ms at 0.25 ms, 4th trace
    assert "FFID" in w.readout.text() and "ch 4" in w.readout.text() and "t 100 ms" in w.readout.text()
    first = s.gather_key
    s.step_gather(1)
    assert s.gather_key != first


def test_large_survey_goes_through_the_zarr_cache_with_progress(window, qtbot, shared_data, monkeypatch,
                                                                tmp_path):
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", "0.0000001")
    w = window
    worker = w.files.open_path(shared_data / "segy/segyio/f3.sgy")
    qtbot.waitUntil(lambda: not worker.running and w.files.progress is None, timeout=30000)
    assert worker.state.progress > 0.5  # the cache build reported progress to the dialog
    v = w.session.volume
    assert isinstance(v, Volume) and not v.in_memory
    xl = w.section_views["crossline"]
    qtbot.waitUntil(lambda: xl.image.image_array() is not None
                    and xl.image.image_array().shape == (75, 23), timeout=10000)
    xl.slider.setValue(3)  # read in a worker, drawn when it arrives
    want = np.asarray(v.data[:, 3, :]).T
    qtbot.waitUntil(lambda: not xl.loader.busy, timeout=10000)
    qtbot.wait(20)
    expect = rgb32_table(lut(w.session.colormap))[to_uint8(want, w.session.display_levels())]
    np.testing.assert_array_equal(xl.image.image_array(), expect)
    # a cancelled load leaves the open survey alone
    monkeypatch.setenv("SEISVIEW_CACHE", str(tmp_path / "cache2"))  # not cached yet: a real build
    worker = w.files.open_path(shared_data / "segy/segyio/f3-lsb.sgy")
    ends = []
    worker.finished.connect(ends.append)
    from PyQt6.QtWidgets import QPushButton

    w.files.progress.findChild(QPushButton).click()  # the progress dialog's Cancel button
    qtbot.waitUntil(lambda: bool(ends), timeout=30000)
    assert isinstance(ends[0], TaskCancelled) and w.session.volume is v
    assert "cancelled" in w.statusBar().currentMessage()


def test_panels_from_registry_failures_reported_and_menus(qtbot):
    def good(main_window):
        main_window.menu("Labels").addAction("Clear")
        return QLabel("hello")

    def broken(main_window):
        raise RuntimeError("panel bug")

    registry.register("panel", "test-good", good, plugin="tests", meta={"title": "Good", "area": "left"})
    registry.register("panel", "test-broken", broken, plugin="tests")
    try:
        w = MainWindow()  # deleted below, so not handed to qtbot
        assert w.panels["test-good"].windowTitle() == "Good"
        assert any(name == "test-broken" and "panel bug" in msg for name, msg in w.panel_failures)
        titles = [a.text() for a in w.menuBar().actions()]
        assert titles.index("&Labels") < titles.index("&Help")
        w.close()
        w.deleteLater()  # every panel of every area was built: take them all down now
        qtbot.wait(20)
    finally:
        registry.unregister("panel", "test-good")
        registry.unregister("panel", "test-broken")


def test_layout_and_recent_files_remembered(qtbot, tmp_path):
    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    w.files.add_recent(tmp_path / "a.sgy")
    w.files.add_recent(tmp_path / "b.sgy")
    w.files.add_recent(tmp_path / "a.sgy")
    w.panels["layers"].hide()
    w.resize(700, 520)  # within the offscreen screen (restoreGeometry clamps)
    size = w.size()
    w.close()  # saves the layout
    w2 = MainWindow(load_panels=False)
    qtbot.addWidget(w2)
    assert w2.files.recent()[:2] == [str((tmp_path / "a.sgy").resolve()), str((tmp_path / "b.sgy").resolve())]
    assert [a.text() for a in w2.files.recent_menu.actions()][:1] == [str((tmp_path / "a.sgy").resolve())]
    assert w2.panels["layers"].isHidden() and w2.size() == size
    w2.close()


def test_open_dialog_shows_scan_report_and_byte_overrides(qtbot, shared_data):
    from PyQt6.QtWidgets import QDialogButtonBox

    from seisview.qt.open_dialog import OpenDialog

    dlg = OpenDialog(shared_data / "segy/f3/F3_very_small.sgy")
    qtbot.addWidget(dlg)
    text = dlg.text.toPlainText()
    assert "inlines 200-210" in text and "crosslines 400-410" in text and "byte 189" in text
    open_btn = dlg.buttons.button(QDialogButtonBox.StandardButton.Open)
    assert open_btn.isEnabled()
    dlg.override.setChecked(True)
    dlg.il_byte.setValue(1)
    dlg.xl_byte.setValue(5)  # the trace sequence numbers: not a survey grid
    dlg.rescan()
    assert dlg.overrides() == {"iline": 1, "xline": 5}
    assert dlg.report is None and not open_btn.isEnabled()
    assert "do not form a survey grid" in dlg.text.toPlainText()  # the scan's own message
    dlg.il_byte.setValue(189)
    dlg.xl_byte.setValue(193)
    dlg.rescan()
    assert dlg.report is not None and open_btn.isEnabled()


def test_errors_in_slots_are_reported_not_fatal(window, monkeypatch):
    import sys

    from seisview.qt.app import install_excepthook

    monkeypatch.setattr(sys, "excepthook", sys.excepthook)  # put pytest-qt's hook back afterwards
    install_excepthook(window)
    try:
        raise ValueError("boom")
    except ValueError:
        sys.excepthook(*sys.exc_info())
    assert "internal error: ValueError: boom" in window.statusBar().currentMessage()


def test_tool_selector_one_tool_at_a_time(window):
    from seisview.qt.tools import SectionTool

    class Brush(SectionTool):
        name, label = "brush-test", "Brush (test)"

    class Pick(SectionTool):
        name, label = "pick-test", "Pick (test)"

    brush, pick = Brush(), Pick()
    a_brush = window.add_tool(brush, "section")
    a_pick = window.add_tool(pick, "gather")
    assert a_brush in window.menu("Tools").actions()
    a_brush.trigger()
    assert all(v.tool is brush for v in window.section_views.values())
    a_pick.trigger()
    assert window.gather_view.tool is pick and not a_brush.isChecked()
    assert all(v.tool.name == "navigate" for v in window.section_views.values())
    window.set_tool(None)
    assert window.gather_view.tool.name == "navigate"


def test_layers_panel_toggles_visibility_opacity_and_order(window):
    from seisview.core.display_layers import Layer

    s = window.session
    panel = window.layers_panel
    a = s.layers.append(Layer("a", "probability", source=lambda spec: None, opacity=0.3))
    s.layers.append(Layer("b", "uncertainty", source=lambda spec: None))
    names = [panel.list.item(i).text().split()[0] for i in range(panel.list.count())]
    assert names == ["b", "a", "seismic"]  # top first
    item = panel.list.item(1)
    item.setCheckState(item.checkState().__class__.Unchecked)
    assert a.visible is False
    panel.list.setCurrentRow(1)
    assert panel.opacity.value() == 30
    panel.opacity.setValue(80)
    assert a.opacity == 0.8
    panel.up.click()
    assert s.layers.names() == ["seismic", "b", "a"]


def test_cli_without_a_display_says_so_in_one_line(shared_data):
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    proc = subprocess.run([sys.executable, "-m", "seisview", str(shared_data / "segy/f3/F3_very_small.sgy")],
                          capture_output=True, text=True, env=env, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.startswith("seisview: error: no graphical display") and "xvfb-run" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_opening_a_project_opens_its_survey(window, qtbot, shared_data, tmp_path):
    from seisview.io.project import Project
    from seisview.qt.app import open_in_window

    survey = shared_data / "segy/f3/F3_very_small.sgy"
    Project.create(tmp_path / "f3.seisview", survey).close()
    worker = open_in_window(window, tmp_path / "f3.seisview")
    assert worker is not None and window.session.project is not None
    qtbot.waitUntil(lambda: not worker.running and window.files.progress is None, timeout=30000)
    assert window.session.volume.shape == (11, 11, 463)
    assert Path(window.session.path).resolve() == survey.resolve()
    window.session.project.close()
    window.session.project = None


def test_opening_another_survey_closes_the_project_of_the_first(window, qtbot, shared_data,
                                                                tmp_path):
    """A project belongs to its survey: its labels must not be shown or trained on another."""
    from seisview.io.project import Project
    from seisview.qt.app import open_in_window

    survey = shared_data / "segy/f3/F3_very_small.sgy"
    Project.create(tmp_path / "f3.seisview", survey).close()
    worker = open_in_window(window, tmp_path / "f3.seisview")
    qtbot.waitUntil(lambda: not worker.running and window.files.progress is None, timeout=30000)
    project = window.session.project
    _open(qtbot, window, survey)  # the same survey again: the project stays
    assert window.session.project is project
    _open(qtbot, window, shared_data / "segy/segyio/f3.sgy")
    assert window.session.project is None and window.session.volume.shape == (23, 18, 75)
    assert "f3.seisview closed" in window.statusBar().currentMessage()
    with Project.open(tmp_path / "f3.seisview") as again:  # closed cleanly, opens again
        assert again.survey.path
