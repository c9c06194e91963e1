"""The window fits a 1366x768 screen, the sections own it, and workspaces restore their docks."""

from __future__ import annotations

import pytest

from seisview.qt.main_window import MainWindow
from seisview.qt.workspaces import WORKSPACES


@pytest.fixture
def full_window(qtbot, tmp_path, monkeypatch):
    """A window with every registered panel, as the application opens it (fresh settings)."""
    monkeypatch.setenv("SEISVIEW_HOME", str(tmp_path))
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.files.shutdown()
    w.close()


def _shown(w) -> set[str]:
    return {name for name, dock in w.panels.items() if not dock.isHidden()}


def test_minimum_size_fits_a_laptop_in_every_workspace(full_window, qtbot):
    w = full_window
    assert {"labels", "training", "activations", "crossplot", "first-breaks"} <= set(w.panels)
    for ws in WORKSPACES:
        w.workspaces.switch(ws.name)
        qtbot.wait(10)
        hint = w.minimumSizeHint()
        assert hint.width() <= 1280 and hint.height() <= 720, (ws.name, hint)
        # the status bar (read-out and every message) is inside the window
        bar = w.statusBar()
        assert bar.isVisible() and bar.geometry().bottom() < w.height() and bar.geometry().top() > w.height() - 60
    # all panels shown at once still fit: they scroll inside their docks
    for dock in w.panels.values():
        dock.show()
    qtbot.wait(10)
    hint = w.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint


def test_the_sections_own_the_screen_by_default(full_window, qtbot):
    w = full_window
    assert w.workspaces.current.name == "Interpret"
    assert _shown(w) == {"layers", "labels"}  # no empty Activations grid or crossplot
    area = w.central.width() * w.central.height()
    assert area > 0.55 * w.width() * w.height()
    for v in w.section_views.values():
        assert v.width() > 300 and v.height() > 250


def test_each_workspace_restores_its_docks(full_window, qtbot):
    w = full_window
    ws = w.workspaces
    expected = {"Interpret": {"layers", "labels"}, "Train": {"layers", "labels", "training"},
                "Inspect": {"layers", "activations", "crossplot"}, "First breaks": {"first-breaks", "labels"}}
    for name, docks in expected.items():
        w.workspaces.actions[name].trigger()  # the tool bar / View menu action
        qtbot.wait(10)
        assert ws.current.name == name and _shown(w) == docks, name
    # Train: the training tab is in front; the activations dock comes with the first model
    ws.switch("Train")
    assert not w.panels["training"].visibleRegion().isEmpty()
    panel = w.panels["activations"].widget()
    panel.content_ready.emit(True)
    assert "activations" in _shown(w)
    panel.content_ready.emit(False)
    assert "activations" not in _shown(w)
    # First breaks: the gathers dock appears when a volume has gathers beside it
    ws.switch("First breaks")
    ws.set_ready("gathers", True)
    assert "gathers" in _shown(w)
    ws.set_ready("gathers", False)


def test_a_changed_layout_is_kept_per_workspace_and_reset(full_window, qtbot):
    w = full_window
    ws = w.workspaces
    ws.switch("Train")
    w.panels["well-logs"].show()  # the user adds a panel to this workspace
    ws.switch("Interpret")
    assert "well-logs" not in _shown(w)
    ws.switch("Train")
    assert "well-logs" in _shown(w)
    ws.reset()
    assert _shown(w) == {"layers", "labels", "training"}
    ws.switch("Interpret")
    w.panels["labels"].hide()
    w.close()  # saves the workspace and its layout
    w2 = MainWindow()
    qtbot.addWidget(w2)
    try:
        assert w2.workspaces.current.name == "Interpret" and _shown(w2) == {"layers"}
        reset = next(a for a in w2.menu("View").actions() if a.text() == "Reset layout")
        reset.trigger()
        assert _shown(w2) == {"layers", "labels"}
    finally:
        w2.files.shutdown()
        w2.close()


def test_no_tab_bar_of_an_earlier_workspace_stays_on_screen(full_window, qtbot):
    from PyQt6.QtCore import Qt
    from PyQt6.QtWidgets import QTabBar

    w = full_window

    def bars():
        return sorted(sorted(b.tabText(i) for i in range(b.count()))
                      for b in w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly)
                      if b.isVisible())

    for name in ("Train", "Inspect", "First breaks", "Interpret", "Inspect"):
        w.workspaces.switch(name)
    assert bars() == [["Activations", "Layers"]]
    w.workspaces.switch("Interpret")
    assert bars() == [["Labels and picks", "Layers"]]
