"""Every control of the main window, with every panel loaded, has a tool tip (offscreen)."""

from __future__ import annotations

from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractSpinBox,
    QComboBox,
    QLineEdit,
    QMessageBox,
    QSlider,
)

from seisview.io.segy import load, scan


def _in_dialog(w) -> bool:
    while w is not None:
        if isinstance(w, QMessageBox):
            return True
        w = w.parent()
    return False


def test_every_control_has_a_tool_tip(qtbot, shared_data):
    from seisview.qt.main_window import MainWindow

    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    path = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    w.session.open_volume(load(path), path=path, scan=scan(path))
    for dock in w.panels.values():
        dock.show()
    qtbot.wait(50)
    missing = []
    controls = 0
    for cls in (QAbstractButton, QComboBox, QAbstractSpinBox, QSlider, QLineEdit):
        for c in w.findChildren(cls):
            if _in_dialog(c) or (isinstance(c, QLineEdit) and isinstance(c.parent(), QAbstractSpinBox | QComboBox)):
                continue
            controls += 1
            if not c.toolTip().strip():
                text = c.text() if hasattr(c, "text") else ""
                missing.append(f"{type(c.parent()).__name__} > {type(c).__name__} {text!r} {c.objectName()}")
    assert controls > 60
    assert not missing, "controls without a tool tip:\n" + "\n".join(missing)
    w.close()
