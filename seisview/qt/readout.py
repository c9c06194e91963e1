"""The status bar's position read-out (crosshair position, amplitude, world coordinates).

While the mouse moves over a view the text changes every frame. A ``QLabel`` asks
its parent layouts to recompute at every new text (the status bar's, then the main
window's: ~0.8 ms a frame, the largest part of a frame's crosshair update); this
widget keeps its size and only repaints itself.
"""

from __future__ import annotations

from PyQt6.QtCore import QSize, Qt
from PyQt6.QtGui import QPainter
from PyQt6.QtWidgets import QSizePolicy, QWidget


class ReadoutLabel(QWidget):
    """A one-line text that repaints, never relays out, when it changes (``text``/``setText`` as a QLabel)."""

    def __init__(self, width: int, parent: QWidget | None = None):
        super().__init__(parent)
        self._text = ""
        self._width = width
        self.setMinimumWidth(width)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        # it paints all of its rectangle: the status bar and window behind it are not repainted
        self.setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent, True)

    def text(self) -> str:
        return self._text

    def setText(self, text: str) -> None:  # noqa: N802 (QLabel's name, used by callers)
        text = str(text)
        if text != self._text:
            self._text = text
            self.update()

    def sizeHint(self) -> QSize:  # noqa: N802 (Qt's name)
        return QSize(self._width, self.fontMetrics().height() + 4)

    def paintEvent(self, _ev) -> None:  # noqa: N802 (Qt's name)
        p = QPainter(self)
        p.fillRect(self.rect(), self.palette().window())
        p.setPen(self.palette().windowText().color())
        r = self.rect().adjusted(2, 0, -2, 0)
        text = self.fontMetrics().elidedText(self._text, Qt.TextElideMode.ElideRight, r.width())
        p.drawText(r, int(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter), text)
        p.end()
