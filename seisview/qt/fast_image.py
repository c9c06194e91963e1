"""An opaque image item drawn straight from 8-bit colour indices and a 256-colour table.

For the seismic base layer (opaque, one table) handing Qt an ``Indexed8``
image over the index array itself, with no copy and no RGBA expansion in
numpy, is cheaper than a numpy ``take`` into RGB32 or pyqtgraph's ``ImageItem``
path. Qt expands it to RGB32 once per new section (see ``set_indices``), so a
repaint (a position line or the crosshair moving) is a plain scaled blit.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6 import sip
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


class _QImageItem(pg.GraphicsObject):
    """Draws one ``QImage`` stretched over ``w x h`` item units (one unit = one pixel)."""

    def __init__(self):
        super().__init__()
        self._qimage: QImage | None = None
        self._w = self._h = 0

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._w, self._h)

    def paint(self, p: QPainter, *args) -> None:
        if self._qimage is not None:
            p.drawImage(QRectF(0, 0, self._w, self._h), self._qimage)


class FastImageItem(_QImageItem):
    """Draws a uint8 index image through a 256-entry table; item coordinates are pixels."""

    def __init__(self):
        super().__init__()
        self._table32: np.ndarray | None = None
        self._colors: list[int] = []

    def set_indices(self, u8: np.ndarray, table32: np.ndarray) -> None:
        """Show ``table32[u8]`` (``u8`` is ``(h, w)`` uint8, ``table32`` from :func:`rgb32_table`).

        Rows need only be contiguous (a slice of the display cube is taken as it is, its row
        stride as the line length); Qt expands it to RGB32 once here, because painting an
        ``Indexed8`` image through a scaling transform looks the table up again on every paint
        (~0.9 ms for an F3 inline against ~0.15 ms to convert and ~0.2 ms to draw RGB32).
        """
        if u8.dtype != np.uint8 or u8.ndim != 2 or u8.strides[1] != 1 or u8.strides[0] < u8.shape[1]:
            u8 = np.ascontiguousarray(u8, dtype=np.uint8)
        h, w = u8.shape
        if (w, h) != (self._w, self._h):
            self.prepareGeometryChange()
            self._w, self._h = w, h
        if table32 is not self._table32:
            self._table32 = table32
            self._colors = [int(c) for c in table32]
        if h == 0 or w == 0:
            self._qimage = None
        else:
            src = QImage(sip.voidptr(u8.ctypes.data), w, h, u8.strides[0], QImage.Format.Format_Indexed8)
            src.setColorTable(self._colors)
            # owns its pixels, so no reference to ``u8`` (often a view of the whole cube) is kept
            self._qimage = src.convertToFormat(QImage.Format.Format_RGB32)
        self.update()

    def image_array(self) -> np.ndarray | None:
        """The 0xffRRGGBB pixels currently shown (for tests), read back from the RGB32 image."""
        img = self._qimage
        if img is None:
            return None
        ptr = img.constBits()
        ptr.setsize(img.sizeInBytes())
        rows = np.frombuffer(ptr, np.uint32).reshape(img.height(), img.bytesPerLine() // 4)
        return rows[:, :img.width()].copy()

    def clear(self) -> None:
        self.prepareGeometryChange()
        self._qimage = None
        self._w = self._h = 0
        self.update()


def rgba_qimage(rgba: np.ndarray) -> QImage:
    """``(h, w, 4)`` uint8 RGBA -> a premultiplied ARGB32 ``QImage`` that owns its pixels.

    Safe in any thread (``QImage`` is not a GUI-thread object), so workers colour
    overlays and the GUI thread only hands the result to an item. Premultiplied
    ARGB32 is what the raster engine blends without converting on every paint.
    """
    rgba = np.ascontiguousarray(rgba, dtype=np.uint8)
    h, w = rgba.shape[:2]
    src = QImage(sip.voidptr(rgba.ctypes.data), w, h, w * 4, QImage.Format.Format_RGBA8888)
    return src.convertToFormat(QImage.Format.Format_ARGB32_Premultiplied)


class RGBAImageItem(_QImageItem):
    """A translucent overlay drawn from a ready premultiplied ``QImage``; item coordinates are pixels.

    ``image`` keeps the RGBA array it was made from (``(h, w, 4)``), for tests and exports.
    """

    def __init__(self):
        super().__init__()
        self.image: np.ndarray | None = None

    def set_rgba(self, rgba: np.ndarray, qimage: QImage | None = None) -> None:
        """Show ``rgba``; pass ``qimage`` when a worker already made it (:func:`rgba_qimage`)."""
        h, w = rgba.shape[:2]
        if (w, h) != (self._w, self._h):
            self.prepareGeometryChange()
            self._w, self._h = w, h
        self.image = rgba
        self._qimage = qimage if qimage is not None else (rgba_qimage(rgba) if h and w else None)
        self.update()
