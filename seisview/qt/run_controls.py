"""The row every run dock shares: Start / Pause / Cancel, a progress bar and a status line.

``add_run_controls`` builds them into a dock's layout as attributes of the dock
(``start_btn``, ``pause_btn``, ``cancel_btn``, ``bar``, ``status``) and wires them to
its ``start``, ``set_paused`` and ``cancel`` methods.
"""

from __future__ import annotations

from PyQt6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton


def add_run_controls(dock, layout, start: str, tips: tuple[str, str, str], status: str) -> None:
    """Start button labelled ``start``; ``tips`` for start, pause and cancel; first ``status``."""
    row = QHBoxLayout()
    dock.start_btn = QPushButton(start)
    dock.pause_btn = QPushButton("Pause")
    dock.pause_btn.setCheckable(True)
    dock.cancel_btn = QPushButton("Cancel")
    for button, tip in zip((dock.start_btn, dock.pause_btn, dock.cancel_btn), tips, strict=True):
        button.setToolTip(tip)
        row.addWidget(button)
    dock.start_btn.clicked.connect(dock.start)
    dock.pause_btn.toggled.connect(dock.set_paused)
    dock.cancel_btn.clicked.connect(dock.cancel)
    layout.addLayout(row)
    dock.bar = QProgressBar()
    dock.bar.setRange(0, 1000)  # per mille: smooth for long runs
    layout.addWidget(dock.bar)
    dock.status = QLabel(status)
    dock.status.setWordWrap(True)
    layout.addWidget(dock.status)
