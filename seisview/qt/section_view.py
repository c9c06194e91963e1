"""Inline, crossline and time-slice views: a subscriber of the session that draws its layers.

Each view shows ``session.spec(kind)``: the seismic (gain, AGC, clip and colour
map from the session) and every visible overlay layer on top, the positions
of the other two views as draggable lines, and the linked crosshair. A slider
and a spin box (in line numbers / ms or m) move it; arrows and Page Up/Down step.
While the slider is dragged the view draws decimated when a full draw is slow.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, QRectF, Qt
from PyQt6.QtGui import QTransform
from PyQt6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QLabel, QSlider, QSpinBox, QWidget

from seisview.core.section import SectionSpec
from seisview.core.session import Session
from seisview.qt.colormaps import lut, to_uint8
from seisview.qt.fast_image import rgb32_table
from seisview.qt.image_pane import ImagePane, linear_pixel_transform
from seisview.qt.signals import PerFrame, disconnect_all
from seisview.qt.tools import NavigateTool
from seisview.qt.view_keys import amplitude_label
from seisview.qt.view_marks import CROSSHAIR_COLOR, LineMark
from seisview.qt.workers import LatestRunner

log = logging.getLogger(__name__)

TITLES = {"inline": "Inline", "crossline": "Crossline", "time": "Time slice"}
# which positions each view draws as lines: (vertical line, horizontal line)
OTHER_LINES = {"inline": ("crossline", "time"), "crossline": ("inline", "time"),
               "time": ("crossline", "inline")}
# One sense on every view, as in a document and the gather view: Down, Page Down and Right go
# on (the next line, deeper on a time slice), Up, Page Up and Left go back.
KEY_STEPS = {Qt.Key.Key_Right: 1, Qt.Key.Key_Down: 1, Qt.Key.Key_Left: -1, Qt.Key.Key_Up: -1,
             Qt.Key.Key_PageDown: 10, Qt.Key.Key_PageUp: -10}
PAGE_KEYS = (Qt.Key.Key_PageDown, Qt.Key.Key_PageUp)
SLOW_DRAW_S = 0.012  # above this, drag-scrubbing draws every 2nd sample/trace


class SectionView(ImagePane):
    """One section direction (``kind`` in inline / crossline / time) of the session."""

    def __init__(self, session: Session, kind: str, parent: QWidget | None = None):
        self.invert_y = kind != "time"
        super().__init__(parent)
        self.session = session
        self.kind = kind
        self.last_draw_s = 0.0
        self.decimation = 1
        self._cursor_inside = False
        self._build_header()
        self.pos_lines = {}
        for kind_other, angle in zip(OTHER_LINES[kind], (90, 0), strict=True):
            line = pg.InfiniteLine(angle=angle, movable=True, pen=pg.mkPen((255, 200, 0), width=2),
                                   hoverPen=pg.mkPen((255, 120, 0), width=3))
            line.setZValue(80)
            line.sigPositionChanged.connect(lambda ln, k=kind_other: self._line_moved(k, ln))
            self.plot.addItem(line)
            self.pos_lines[kind_other] = line
        # the linked crosshair, painted over the plot from a picture of it (no scene items)
        self.cross = [self.add_mark(LineMark(a, CROSSHAIR_COLOR)) for a in (90, 0)]
        self.plot_widget.installEventFilter(self)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self._handles = []
        self.loader = LatestRunner(self)
        self.loader.result.connect(self._on_loaded)
        self.loader.failed.connect(lambda _rid, f: log.warning("section read failed: %s", f.message))
        self._subscribe()
        self.on_survey(session)

    def set_tool(self, tool) -> None:
        # a painting/picking tool owns the mouse: a stroke starting on a position line
        # would otherwise grab the line instead of painting
        super().set_tool(tool)
        navigating = isinstance(self.tool, NavigateTool)
        for line in self.pos_lines.values():
            line.setMovable(navigating)

    # -- wiring -------------------------------------------------------------------
    def _build_header(self) -> None:
        row = QHBoxLayout()
        self.title = QLabel(TITLES[self.kind])
        self.title.setMinimumWidth(70)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setTracking(True)
        what = "time slice (ms or m)" if self.kind == "time" else self.kind
        self.slider.setToolTip(f"Move through the survey: the {what} shown (arrows, Page Up/Down)")
        self.spin = QDoubleSpinBox() if self.kind == "time" else QSpinBox()
        self.spin.setKeyboardTracking(False)
        self.spin.setMinimumWidth(80)
        self.spin.setToolTip(f"Type the {what} to show" + (" (in ms or m)" if self.kind == "time" else " number"))
        row.addWidget(self.title)
        row.addWidget(self.slider, 1)
        row.addWidget(self.spin)
        self.body.insertLayout(0, row)
        # the slider steps with the view's keys (Qt's own PageDown would go shallower on the
        # time slider); the spin box keeps its arrows (up = a larger number) but pages likewise
        self.slider.installEventFilter(self)
        self.spin.installEventFilter(self)
        self.slider.valueChanged.connect(lambda v: self.session.set_position(self.kind, v))
        self.slider.sliderReleased.connect(self._slider_released)
        self.spin.valueChanged.connect(
            lambda v: self.session.set_position(self.kind, self.session.index_of_line(self.kind, v)))

    def _subscribe(self) -> None:
        s = self.session
        self.cursor_frame = PerFrame(self.on_cursor, self)  # the crosshair follows once per frame
        pairs = [(s.events.survey, self.on_survey), (s.events.position, self.on_position),
                 (s.events.display, self._on_display), (s.events.cursor, self._on_cursor_event),
                 (s.layers.events.inserted, self._on_layers), (s.layers.events.removed, self._on_layers),
                 (s.layers.events.moved, self._on_layers), (s.layers.events.changed, self._on_layer_changed)]
        for sig, slot in pairs:
            sig.connect(slot)
            self._handles.append((sig, slot))
        self.destroyed.connect(lambda *_: self.detach())

    def detach(self) -> None:
        """Disconnect from the session (called when the view goes away)."""
        self.loader.cancel_all()
        self._handles = disconnect_all(self._handles)

    def tool_spec(self) -> SectionSpec:
        return self.session.spec(self.kind)

    @property
    def spec(self) -> SectionSpec:
        return self.session.spec(self.kind)

    # -- session events -----------------------------------------------------------
    def on_survey(self, _session=None) -> None:
        s = self.session
        if s.volume is None:
            self.array_shape = None
            self.image.clear()
            self.keys.set_base(None, None, "")
            self.setEnabled(False)
            return
        self.setEnabled(True)
        g = s.geometry
        n = s.n_positions(self.kind)
        for w in (self.slider, self.spin):
            w.blockSignals(True)
        self.slider.setRange(0, n - 1)
        self.slider.setPageStep(10)
        if self.kind == "time":
            self.spin.setDecimals(0 if float(g.dt).is_integer() and float(g.t0).is_integer() else 2)
            self.spin.setRange(g.z_of(0), g.z_of(n - 1))
            self.spin.setSingleStep(g.dt)
            self.spin.setSuffix(f" {g.z_unit}")
        else:
            ax = g.axis(self.kind)
            self.spin.setRange(min(ax.first, ax.last), max(ax.first, ax.last))
            self.spin.setSingleStep(abs(ax.step))
        for w in (self.slider, self.spin):
            w.blockSignals(False)
        zl = f"{g.z_name} ({g.z_unit})"
        labels = {"inline": ("crossline", zl), "crossline": ("inline", zl), "time": ("crossline", "inline")}
        bottom, left = labels[self.kind]
        self.plot.setLabel("bottom", bottom)
        self.plot.setLabel("left", left)
        # axes from the geometry alone (no section read: it may live on disk)
        rows, cols = {"inline": (g.samples, g.xl.numbers), "crossline": (g.samples, g.il.numbers),
                      "time": (g.il.numbers, g.xl.numbers)}[self.kind]
        self.array_shape = (len(rows), len(cols))
        self.set_pixel_transform(linear_pixel_transform(cols, rows))
        extent = self.pixel_tf.mapRect(QRectF(0, 0, len(cols), len(rows)))
        for c in self.cross:  # the crosshair spans the section
            c.set_extent(*((extent.top(), extent.bottom()) if c.angle == 90 else (extent.left(), extent.right())))
        self.on_position(self.kind, s.position(self.kind))
        for k in OTHER_LINES[self.kind]:
            self._place_line(k)
        self.redraw()
        self.auto_range()

    def on_position(self, kind: str, index: int) -> None:
        if self.session.volume is None:
            return
        if kind == self.kind:
            for w, v in ((self.slider, index), (self.spin, self.session.line_number(kind, index))):
                w.blockSignals(True)
                w.setValue(v)
                w.blockSignals(False)
            self.slider.setToolTip(self.session.geometry.describe(self.spec))
            dec = 2 if (self.slider.isSliderDown() and self.last_draw_s > SLOW_DRAW_S) else 1
            self.redraw(decimation=dec)
        elif kind in self.pos_lines:
            self._place_line(kind)

    def _on_display(self, _what: str) -> None:
        self.redraw_seismic()

    def _on_cursor_event(self, cur) -> None:
        if cur is not None and cur.origin == self.kind and self.viewbox._tool_drag:
            self.on_cursor(cur)  # hides the lines now (then nothing): no frame tick of its own
        else:
            self.cursor_frame(cur)

    def on_cursor(self, cur) -> None:
        # while a tool drags in this view its pointer and brush ring show where it is: lines
        # across the view there would repaint two stripes of it every frame, ~half a frame's cost
        if cur is None or self.session.volume is None or (cur.origin == self.kind and self.viewbox._tool_drag):
            for c in self.cross:
                c.hide()
            return
        g = self.session.geometry
        il = None if cur.il_idx is None else g.il.number(cur.il_idx)
        xl = None if cur.xl_idx is None else g.xl.number(cur.xl_idx)
        z = None if cur.sample is None else g.z_of(cur.sample)
        x, y = {"inline": (xl, z), "crossline": (il, z), "time": (xl, il)}[self.kind]
        for line, v in zip(self.cross, (x, y), strict=True):
            if v is None:
                line.hide()
            else:  # an unchanged value or visibility repaints nothing
                line.setValue(v)
                if not line.isVisible():
                    line.show()

    def _on_layers(self, *_args) -> None:
        self.redraw_overlays()

    def _on_layer_changed(self, layer, what: str) -> None:
        if layer is self.session.seismic_layer:
            if what in ("visible", "opacity"):
                self.image.setVisible(layer.visible)
                self.image.setOpacity(layer.opacity)
            elif what == "data":
                self.redraw_seismic()
            return
        item = self.overlay_items.get(id(layer))
        if what == "opacity" and item is not None:
            item.setOpacity(layer.opacity)
        else:
            self.redraw_overlays()

    # -- drawing ------------------------------------------------------------------
    def redraw(self, decimation: int = 1) -> None:
        self.redraw_seismic(decimation)
        self.redraw_overlays()

    def redraw_seismic(self, decimation: int | None = None) -> None:
        s = self.session
        if s.volume is None:
            return
        d = self.decimation if decimation is None else decimation
        self.keys.set_base(s.display_levels(), s.colormap, amplitude_label(s))
        if not s.volume.in_memory:  # on-disk (zarr): read in a worker, the newest request wins
            self.loader.submit(_display_u8, s, self.spec, d, s.display_levels())
            return
        t0 = time.perf_counter()
        self._show_u8(self.spec, d, _display_u8(s, self.spec, d, s.display_levels()), t0)

    def _on_loaded(self, _rid: int, result) -> None:
        spec, d, u8 = result
        if spec == self.spec and self.session.volume is not None:
            self._show_u8(spec, d, u8, None)

    def _show_u8(self, spec: SectionSpec, d: int, u8: np.ndarray, t0: float | None) -> None:
        s = self.session
        self.image.set_indices(u8, rgb32_table(lut(s.colormap)))
        tf = QTransform.fromScale(d, d) * self.pixel_tf
        if tf != self.image.transform():  # re-setting it re-indexes the scene (~10 ms)
            self.image.setTransform(tf)
        self.decimation = d
        layer = s.seismic_layer
        self.image.setVisible(layer.visible)
        self.image.setOpacity(layer.opacity)
        if d == 1 and t0 is not None:
            self.last_draw_s = time.perf_counter() - t0

    def redraw_overlays(self) -> None:
        s = self.session
        self.draw_overlays(s.layers if s.volume is not None else [], self.spec)

    def _place_line(self, kind: str) -> None:
        line = self.pos_lines[kind]
        line.blockSignals(True)
        line.setValue(self.session.line_number(kind))
        line.blockSignals(False)
        line.setToolTip(f"{self.session.geometry.describe(self.session.spec(kind))}: drag to move")

    def _line_moved(self, kind: str, line) -> None:
        self.session.set_position(kind, self.session.index_of_line(kind, line.value()))

    def _slider_released(self) -> None:
        if self.decimation != 1:
            self.redraw(decimation=1)

    # -- crosshair / keys -----------------------------------------------------------
    def on_hover(self, row: float, col: float, inside: bool) -> None:
        s = self.session
        if not inside:
            if self._cursor_inside:
                self._cursor_inside = False
                s.clear_cursor()
            return
        self._cursor_inside = True
        s.set_cursor(*self.spec.volume_point(row - 0.5, col - 0.5), origin=self.kind)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.KeyPress and (obj is not self.spin or Qt.Key(ev.key()) in PAGE_KEYS) \
                and self._step_key(ev):
            return True
        return super().eventFilter(obj, ev)

    def keyPressEvent(self, ev) -> None:
        if not self._step_key(ev):
            super().keyPressEvent(ev)

    def _step_key(self, ev) -> bool:
        step = KEY_STEPS.get(Qt.Key(ev.key()))
        if step is None or self.session.volume is None:
            return False
        self.session.step(self.kind, step)
        return True


def _display_u8(session: Session, spec: SectionSpec, d: int, levels, state=None):
    """The seismic section as 8-bit colour indices (also run in a worker for on-disk volumes)."""
    u8 = session.section_u8(spec) if state is None else None  # the display cube, when built
    if u8 is not None:
        u8 = u8[::d, ::d] if d > 1 else u8
    else:
        arr = session.display_section(spec)
        if d > 1:
            arr = arr[::d, ::d]
        u8 = to_uint8(arr, levels)
    return (spec, d, u8) if state is not None else u8

