"""Amplitude map: the time slice, or a window attribute, drawn in world coordinates.

The image sits on the survey's affine transform, so a rotated survey is drawn
rotated, with the inline / crossline positions as lines and the survey
outline. Window attributes (RMS, max |amplitude|) are computed over a constant
time window centred on the current time slice, in a worker (latest request wins).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtGui import QColor, QPen, QTransform
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QHBoxLayout,
    QLabel,
    QWidget,
)

from seisview.core.session import Session, finite_or_zero
from seisview.core.tasks import TaskState
from seisview.qt.colormaps import auto_levels, lut, to_uint8
from seisview.qt.fast_image import rgb32_table
from seisview.qt.image_pane import ImagePane
from seisview.qt.signals import PerFrame, disconnect_all
from seisview.qt.view_keys import amplitude_label
from seisview.qt.view_marks import RingMark
from seisview.qt.workers import LatestRunner

ATTRIBUTES = ("time slice", "RMS amplitude", "max |amplitude|")


def window_attribute(volume, k: int, half: int, attribute: str, state: TaskState | None = None) -> np.ndarray:
    """``(il, xl)`` RMS or max |amplitude| over samples ``k-half .. k+half`` (NaN/Inf ignored)."""
    n_s = volume.shape[2]
    lo, hi = max(0, k - half), min(n_s, k + half + 1)
    acc = np.zeros(volume.shape[:2], np.float64)
    for kk in range(lo, hi):
        if state is not None:
            state.check()
        a = finite_or_zero(volume.time_major[kk] if volume.in_memory else volume.time_slice(kk))
        if attribute == "RMS amplitude":
            acc += a.astype(np.float64) ** 2
        else:
            np.maximum(acc, np.abs(a), out=acc)
    if attribute == "RMS amplitude":
        acc = np.sqrt(acc / max(hi - lo, 1))
    return acc.astype(np.float32)


def _slice(session: Session, spec, *, state=None):
    return spec, session.display_section(spec)


def cursor_marker() -> RingMark:
    """The map's cursor: a 9-pixel ring at any zoom, painted over the map (see view_marks)."""
    pen = QPen(QColor(0, 0, 0), 2)
    pen.setCosmetic(True)
    return RingMark(9.0, pen)


def world_transform(geometry) -> QTransform | None:
    """Pixel (x=xl_idx, y=il_idx) -> world (x, y) in metres; None without coordinates."""
    a = geometry.affine
    if a is None:
        return None
    il, xl = geometry.il, geometry.xl
    # world = a0*il_no + a1*xl_no + a2 with il_no = il.number(row - 0.5), same for xl
    m11, m12 = a[1] * xl.step, a[4] * xl.step  # d(world)/d(col)
    m21, m22 = a[0] * il.step, a[3] * il.step  # d(world)/d(row)
    x0, y0 = geometry.world(il.number(-0.5), xl.number(-0.5))
    return QTransform(m11, m12, m21, m22, float(x0), float(y0))


class PlainAxis(pg.AxisItem):
    """Axis with plain numbers (world coordinates read 6078000, not 6.078e+06)."""

    def tickStrings(self, values, scale, spacing):
        return [f"{v:.0f}" if abs(v) >= 1000 or spacing >= 1 else f"{v:g}" for v in values]


class MapView(ImagePane):
    invert_y = False

    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        for name in ("left", "bottom"):
            self.set_axis(name, PlainAxis(name))
        self.session = session
        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_attribute)
        self.values: np.ndarray | None = None
        self.world = False
        self._build_header()
        self.viewbox.setAspectLocked(True)
        self.outline = pg.PlotDataItem(pen=pg.mkPen((90, 90, 90), width=1))
        self.lines = {k: pg.PlotDataItem(pen=pg.mkPen((255, 200, 0), width=2)) for k in ("inline", "crossline")}
        for item, z in ((self.outline, 30), *((ln, 40) for ln in self.lines.values())):
            item.setZValue(z)
            self.plot.addItem(item)
        self.marker = self.add_mark(cursor_marker())
        self._handles = [(session.events.survey, self._on_survey), (session.events.position, self._on_position),
                         (session.events.display, lambda _w: self.refresh()),
                         (session.events.cursor, PerFrame(self._on_cursor, self)),
                         (session.layers.events.inserted, self._redraw_overlays),
                         (session.layers.events.removed, self._redraw_overlays),
                         (session.layers.events.moved, self._redraw_overlays),
                         (session.layers.events.changed, self._redraw_overlays)]
        for sig, slot in self._handles:
            sig.connect(slot)
        self._on_survey(session)

    def _build_header(self) -> None:
        row = QHBoxLayout()
        self.title = QLabel("Map")
        self.attr_box = QComboBox()
        self.attr_box.addItems(ATTRIBUTES)
        self.attr_box.setToolTip("What the map shows: the time slice, or RMS / max |amplitude| in a window around it")
        self.window_box = QDoubleSpinBox()
        self.window_box.setRange(0, 2000)
        self.window_box.setValue(40)
        self.window_box.setSuffix(" ms window")
        self.window_box.setKeyboardTracking(False)
        self.window_box.setToolTip("Window around the current time for the RMS and max |amplitude| maps")
        for w in (self.title, self.attr_box, self.window_box):
            row.addWidget(w)
        row.addStretch(1)
        self.body.insertLayout(0, row)
        self.attr_box.currentTextChanged.connect(lambda _t: self.refresh())
        self.window_box.valueChanged.connect(lambda _v: self.refresh())

    def detach(self) -> None:
        self.runner.cancel_all()
        self._handles = disconnect_all(self._handles)

    def tool_spec(self):
        from seisview.core.section import SectionSpec

        return SectionSpec("time", self.session.t_idx)

    # -- session ------------------------------------------------------------------
    def _on_survey(self, s: Session) -> None:
        if s.volume is None:
            self.array_shape = None
            self.image.clear()
            return
        g = s.geometry
        self.array_shape = g.shape[:2]
        self.window_box.setSuffix(f" {g.z_unit} window")
        tf = world_transform(g)
        self.world = tf is not None
        if tf is None:  # no coordinates: line numbers, like the time-slice view
            tf = QTransform(g.xl.step, 0, 0, g.il.step, g.xl.number(-0.5), g.il.number(-0.5))
        self.set_pixel_transform(tf)
        self.plot.setLabel("bottom", "x (m)" if self.world else "crossline")
        self.plot.setLabel("left", "y (m)" if self.world else "inline")
        n_il, n_xl = self.array_shape
        ring = [(0, 0), (0, n_xl), (n_il, n_xl), (n_il, 0), (0, 0)]
        pts = [self.pixel_to_plot(r, c) for r, c in ring]
        self.outline.setData([p[0] for p in pts], [p[1] for p in pts])
        for k in ("inline", "crossline"):
            self._place_line(k)
        self._show_where()
        self.refresh()
        self._redraw_overlays()
        self.auto_range()

    def _show_where(self) -> None:
        """The title names the slice the map is cut at: ``Map at time 600 ms``."""
        s = self.session
        self.title.setText(f"Map at {s.geometry.describe(s.spec('time'))}")

    def _redraw_overlays(self, *_args) -> None:
        s = self.session
        self.draw_overlays(s.layers if s.volume is not None else [], s.spec("time"))

    def _on_position(self, kind: str, _index: int) -> None:
        if kind == "time":
            self._show_where()
            self.refresh()
            self._redraw_overlays()
        else:
            self._place_line(kind)

    def _place_line(self, kind: str) -> None:
        s = self.session
        n_il, n_xl = self.array_shape
        if kind == "inline":
            r = s.il_idx + 0.5
            pts = [self.pixel_to_plot(r, 0), self.pixel_to_plot(r, n_xl)]
        else:
            c = s.xl_idx + 0.5
            pts = [self.pixel_to_plot(0, c), self.pixel_to_plot(n_il, c)]
        self.lines[kind].setData([p[0] for p in pts], [p[1] for p in pts])

    def _on_cursor(self, cur) -> None:
        if cur is None or cur.il_idx is None or cur.xl_idx is None or self.array_shape is None:
            self.marker.hide()
            return
        self.marker.setValue(self.pixel_to_plot(cur.il_idx + 0.5, cur.xl_idx + 0.5))
        if not self.marker.isVisible():
            self.marker.show()

    def on_hover(self, row: float, col: float, inside: bool) -> None:
        if inside:
            self.session.set_cursor(row - 0.5, col - 0.5, self.session.t_idx, origin="map")

    # -- drawing ------------------------------------------------------------------
    @property
    def attribute(self) -> str:
        return self.attr_box.currentText()

    def refresh(self) -> None:
        s = self.session
        if s.volume is None:
            return
        if self.attribute == "time slice":
            if s.volume.in_memory:
                self.runner.cancel_all(wait=None)
                spec = s.spec("time")
                u8 = s.section_u8(spec)  # the display cube, when the window has built it
                if u8 is None:
                    self._show(s.display_section(spec), s.display_levels(), s.colormap)
                else:
                    self.values = s.volume.time_major[spec.index]
                    self.keys.set_base(s.display_levels(), s.colormap, amplitude_label(s))
                    self._show_u8(u8, s.colormap)
            else:  # on-disk: read in a worker
                self.runner.submit(_slice, s, s.spec("time"))
            return
        half = s.geometry.n_samples_in(self.window_box.value()) // 2  # 20 ms at 4 ms: 5 samples
        self.runner.submit(window_attribute, s.volume, s.t_idx, half, self.attribute)

    def compute_now(self) -> np.ndarray:
        """Synchronous attribute of the current settings (tests, export)."""
        s = self.session
        half = s.geometry.n_samples_in(self.window_box.value()) // 2  # 20 ms at 4 ms: 5 samples
        out = window_attribute(s.volume, s.t_idx, half, self.attribute)
        self._on_attribute(0, out)
        return out

    def _on_attribute(self, _rid: int, values) -> None:
        if isinstance(values, tuple):  # a time slice read in the worker
            spec, arr = values
            if spec == self.session.spec("time") and self.attribute == "time slice":
                self._show(arr, self.session.display_levels(), self.session.colormap)
            return
        lo, hi = auto_levels(values)
        self._show(values, (min(lo, 0.0), hi), "viridis", self.attribute)

    def _show(self, values: np.ndarray, levels, cmap: str, label: str | None = None) -> None:
        self.values = values
        self.keys.set_base(levels, cmap, label or amplitude_label(self.session))
        self._show_u8(to_uint8(values, levels), cmap)

    def _show_u8(self, u8: np.ndarray, cmap: str) -> None:
        self.image.set_indices(u8, rgb32_table(lut(cmap)))
        if self.image.transform() != self.pixel_tf:
            self.image.setTransform(self.pixel_tf)
