"""An opaque image item drawn straight from a 32-bit RGB buffer.

pyqtgraph's ``ImageItem`` hands Qt an indexed or RGBA image that the raster
engine converts on every new frame; for the seismic base layer (opaque, one
LUT) building ``Format_RGB32`` pixels with one numpy ``take`` is about twice
as fast end to end (see ``benchmarks/bench_viewer.py``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QImage, QPainter


def rgb32_table(lut: np.ndarray) -> np.ndarray:
    """``(256, 4)`` uint8 RGBA -> ``(256,)`` uint32 0xffRRGGBB."""
    lut = np.asarray(lut, np.uint32)
    return (0xFF000000 | (lut[:, 0] << 16) | (lut[:, 1] << 8) | lut[:, 2]).astype(np.uint32)


class FastImageItem(pg.GraphicsObject):
    """Draws a uint8 index image through a 256-entry table; item coordinates are pixels."""

    def __init__(self):
        super().__init__()
        self._buf: np.ndarray | None = None
        self._qimage: QImage | None = None
        self._w = self._h = 0

    def set_indices(self, u8: np.ndarray, table32: np.ndarray) -> None:
        """Show ``table32[u8]`` (u8 is ``(h, w)`` uint8)."""
        buf = np.take(table32, u8)
        if not buf.flags.c_contiguous:
            buf = np.ascontiguousarray(buf)
        h, w = buf.shape
        if (w, h) != (self._w, self._h):
            self.prepareGeometryChange()
            self._w, self._h = w, h
        self._buf = buf  # keep the memory alive while Qt uses it
        self._qimage = QImage(buf.data, w, h, w * 4, QImage.Format.Format_RGB32)
        self.update()

    def image_array(self) -> np.ndarray | None:
        """The 0xffRRGGBB pixels currently shown (for tests)."""
        return self._buf

    def clear(self) -> None:
        self.prepareGeometryChange()
        self._buf = self._qimage = None
        self._w = self._h = 0
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._w, self._h)

    def paint(self, p: QPainter, *args) -> None:
        if self._qimage is not None:
            p.drawImage(QRectF(0, 0, self._w, self._h), self._qimage)
