"""An opaque image item drawn straight from 8-bit colour indices and a 256-colour table.

For the seismic base layer (opaque, one table) handing Qt an ``Indexed8``
image over the index array itself, with no copy and no RGBA expansion in
numpy, costs about 1.2 ms per new inline versus 1.9 ms for a numpy
``take`` into RGB32 and more for pyqtgraph's ``ImageItem`` path (measured in
the GUI thread's CPU time; ``benchmarks/bench_viewer.py``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QRectF
from PyQt6.QtGui import QImage, QPainter


def rgb32_table(lut: np.ndarray) -> np.ndarray:
    """``(256, 4)`` uint8 RGBA -> ``(256,)`` uint32 0xffRRGGBB (cached per table object)."""
    key = id(lut)
    hit = _TABLES.get(key)
    if hit is not None and hit[0] is lut:
        return hit[1]
    a = np.asarray(lut, np.uint32)
    out = (0xFF000000 | (a[:, 0] << 16) | (a[:, 1] << 8) | a[:, 2]).astype(np.uint32)
    _TABLES[key] = (lut, out)
    return out


_TABLES: dict[int, tuple] = {}


class FastImageItem(pg.GraphicsObject):
    """Draws a uint8 index image through a 256-entry table; item coordinates are pixels."""

    def __init__(self):
        super().__init__()
        self._u8: np.ndarray | None = None
        self._table32: np.ndarray | None = None
        self._colors: list[int] = []
        self._qimage: QImage | None = None
        self._w = self._h = 0

    def set_indices(self, u8: np.ndarray, table32: np.ndarray) -> None:
        """Show ``table32[u8]`` (``u8`` is ``(h, w)`` uint8, ``table32`` from :func:`rgb32_table`)."""
        u8 = np.ascontiguousarray(u8, dtype=np.uint8)
        h, w = u8.shape
        if (w, h) != (self._w, self._h):
            self.prepareGeometryChange()
            self._w, self._h = w, h
        if table32 is not self._table32:
            self._table32 = table32
            self._colors = [int(c) for c in table32]
        self._u8 = u8  # keep the memory alive while Qt uses it
        self._qimage = QImage(u8.data, w, h, w, QImage.Format.Format_Indexed8)
        self._qimage.setColorTable(self._colors)
        self.update()

    def image_array(self) -> np.ndarray | None:
        """The 0xffRRGGBB pixels currently shown (for tests)."""
        return None if self._u8 is None else np.take(self._table32, self._u8)

    def clear(self) -> None:
        self.prepareGeometryChange()
        self._u8 = self._qimage = None
        self._w = self._h = 0
        self.update()

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._w, self._h)

    def paint(self, p: QPainter, *args) -> None:
        if self._qimage is not None:
            p.drawImage(QRectF(0, 0, self._w, self._h), self._qimage)
