"""Pre-stack gather view: one gather at a time, variable density and/or wiggles, offset axis.

Hooks for first-break picking: ``set_tool(tool)`` (events carry a
:class:`~seisview.qt.tools.GatherRef` and pixel row = sample, col = trace in
display order) and ``set_marks(name, trace_idx, time_ms, ...)`` to draw pick
lines or coloured points over the gather (``clear_marks(name)``).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtGui import QPainterPath
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QGraphicsPathItem,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QWidget,
)

from seisview.core.session import Session, finite_or_zero
from seisview.core.volume import robust_levels
from seisview.qt.colormaps import lut, to_uint8
from seisview.qt.fast_image import rgb32_table
from seisview.qt.image_pane import ImagePane, linear_pixel_transform
from seisview.qt.signals import disconnect_all
from seisview.qt.tools import GatherRef

MODES = ("density", "wiggle", "density + wiggle")
WIGGLE_MAX = 60  # default to wiggles on top up to this many traces
STEP_KEYS = {Qt.Key.Key_PageDown: 1, Qt.Key.Key_PageUp: -1, Qt.Key.Key_Right: 1, Qt.Key.Key_Left: -1}


def _positive_lobes(x: np.ndarray, t: np.ndarray) -> QPainterPath:
    """One closed polygon per trace between its baseline and its positive excursions."""
    n_s, n_tr = x.shape
    base = np.arange(n_tr, dtype=float)[None, :]
    right = np.maximum(x, base)
    xs = np.concatenate([right, np.repeat(base, n_s, 0)[::-1], np.full((1, n_tr), np.nan)], 0)
    ys = np.concatenate([t, t[::-1], [np.nan]])
    ys = np.repeat(ys[:, None], n_tr, 1)
    return pg.arrayToQPath(xs.T.ravel(), ys.T.ravel(), connect="finite")


class OffsetAxis(pg.AxisItem):
    """Bottom axis at trace positions, labelled with each trace's offset (or channel).

    Ticks sit on whole traces only, every 1, 2, 5, 10... traces: pyqtgraph's own ticks fall
    between traces when zoomed in, and those rounded to one trace repeated its label.
    """

    def __init__(self):
        super().__init__("bottom")
        self.labels: np.ndarray | None = None

    def tickValues(self, minVal, maxVal, size):
        if self.labels is None or not len(self.labels):
            return super().tickValues(minVal, maxVal, size)
        lo, hi = max(minVal, 0.0), min(maxVal, len(self.labels) - 1.0)
        if hi < lo:
            return []
        seen: set[int] = set()
        out = []
        for spacing, _values in super().tickValues(minVal, maxVal, size):
            step = _nice_step(spacing)
            vals = [v for v in range(int(np.ceil(lo / step)) * step, int(np.floor(hi)) + 1, step)
                    if v not in seen]
            seen.update(vals)
            out.append((float(step), [float(v) for v in vals]))
        return out

    def tickStrings(self, values, scale, spacing):
        if self.labels is None or not len(self.labels):
            return super().tickStrings(values, scale, spacing)
        out = []
        for v in values:
            i = int(round(v))
            out.append(f"{self.labels[i]:g}" if 0 <= i < len(self.labels) and np.isfinite(self.labels[i])
                       else "")
        return out


def _nice_step(spacing: float) -> int:
    """A whole number of traces, 1, 2 or 5 times a power of ten, at least ``spacing``."""
    target = max(float(spacing), 1.0)
    p = 10 ** int(np.floor(np.log10(target)))
    return int(next(m * p for m in (1, 2, 5, 10) if m * p >= target - 1e-9))


class GatherView(ImagePane):
    """One gather; Shift+wheel zooms time only, Ctrl+wheel offsets only (as does the wheel over
    an axis); dragging an axis pans along it."""

    wheel_axes = {"shift": 1, "ctrl": 0}

    def __init__(self, session: Session, parent: QWidget | None = None):
        self.offset_axis = OffsetAxis()
        super().__init__(parent)
        self.set_axis("bottom", self.offset_axis)
        self.session = session
        self.gather = None
        self.wiggle = pg.PlotCurveItem(pen=pg.mkPen("k", width=1), connect="finite")
        self.wiggle.setZValue(20)
        self.plot.addItem(self.wiggle)
        self.fill = QGraphicsPathItem()  # variable area: positive lobes filled black
        self.fill.setBrush(pg.mkBrush(0, 0, 0, 200))
        self.fill.setPen(pg.mkPen(None))
        self.fill.setZValue(19)
        self.plot.addItem(self.fill)
        self.marks: dict[str, pg.PlotDataItem] = {}
        self.readout = None  # callable(str): the main window's status read-out
        self._build_header()
        self._handles = [(session.events.survey, self._on_survey), (session.events.gather, self._on_gather),
                         (session.events.display, self._on_display)]
        for sig, slot in self._handles:
            sig.connect(slot)
        self.plot_widget.installEventFilter(self)
        self._on_survey(session)

    def _build_header(self) -> None:
        row = QHBoxLayout()
        self.key_label = QLabel("Gather")
        self.key_box = QComboBox()
        self.key_box.setMinimumWidth(90)
        self.key_box.setToolTip("The gather shown, by its key (FFID, CDP...)")
        self.prev_btn, self.next_btn = QPushButton("◀"), QPushButton("▶")
        for b in (self.prev_btn, self.next_btn):
            b.setMaximumWidth(32)
            b.setToolTip("Previous gather (Page Up, ←)" if b is self.prev_btn else "Next gather (Page Down, →)")
        self.mode_box = QComboBox()
        self.mode_box.addItems(MODES)
        self.mode_box.setCurrentText("density + wiggle")
        self.mode_box.setToolTip("Variable density, wiggles, or both (wiggles up to 60 traces by default)")
        self.norm_box = QCheckBox("trace-normalised")
        self.norm_box.setChecked(True)
        self.norm_box.setToolTip("Divide each trace by its largest |amplitude|, so far traces are as visible as near ones")
        for w in (self.key_label, self.key_box, self.prev_btn, self.next_btn, self.mode_box, self.norm_box):
            row.addWidget(w)
        row.addStretch(1)
        self.body.insertLayout(0, row)
        self.prev_btn.clicked.connect(lambda: self.session.step_gather(-1))
        self.next_btn.clicked.connect(lambda: self.session.step_gather(1))
        self.key_box.currentTextChanged.connect(self._key_chosen)
        self.mode_box.currentTextChanged.connect(lambda _t: self.redraw())
        self.norm_box.toggled.connect(lambda _b: self.redraw())

    def detach(self) -> None:
        self._handles = disconnect_all(self._handles)

    def tool_spec(self) -> GatherRef:
        g = self.gather
        return GatherRef(g.key if g is not None else -1, None if g is None else g.channels)

    # -- session ------------------------------------------------------------------
    def _on_survey(self, s: Session) -> None:
        gs = s.gathers
        self.key_box.blockSignals(True)
        self.key_box.clear()
        if gs is not None:
            self.key_box.addItems([str(int(k)) for k in gs.gather_ids])
            self.key_label.setText(gs.key_name.upper())
        self.key_box.blockSignals(False)
        self._on_gather(s.gather_key)

    def _key_chosen(self, text: str) -> None:
        if text and self.session.gathers is not None:
            self.session.set_gather(int(text))

    def _on_gather(self, key) -> None:
        gs = self.session.gathers
        if gs is None or key is None:
            self.gather = None
            self.array_shape = None
            self.image.clear()
            self.wiggle.setData([], [])
            return
        new_size = self.gather is None or self.gather.data.shape[1] != len(gs.trace_indices(int(key)))
        self.gather = gs.gather(int(key))
        if new_size:  # wiggles only where traces are far enough apart to read
            self.mode_box.blockSignals(True)
            self.mode_box.setCurrentText("density + wiggle" if self.gather.data.shape[1] <= WIGGLE_MAX
                                         else "density")
            self.mode_box.blockSignals(False)
        self.key_box.blockSignals(True)
        self.key_box.setCurrentText(str(int(key)))
        self.key_box.blockSignals(False)
        n_s, n_tr = self.gather.data.shape
        self.array_shape = (n_s, n_tr)
        self.set_pixel_transform(linear_pixel_transform(np.arange(n_tr, dtype=float), gs.samples_ms))
        offs = np.asarray(self.gather.offsets, float)
        if np.isfinite(offs).any():
            self.offset_axis.labels = offs
            self.plot.setLabel("bottom", "offset (m)")
        else:
            self.offset_axis.labels = np.asarray(self.gather.channels, float)
            self.plot.setLabel("bottom", "channel")
        self.plot.setLabel("left", "time (ms)")
        self.redraw()
        self.auto_range()

    def _on_display(self, _what: str) -> None:
        self.redraw()

    # -- drawing ------------------------------------------------------------------
    def display_data(self) -> np.ndarray | None:
        """The gather as drawn: NaN/Inf -> 0, optionally each trace divided by its max |amplitude|."""
        if self.gather is None:
            return None
        d = finite_or_zero(self.gather.data)
        if self.norm_box.isChecked():
            peak = np.abs(d).max(axis=0)
            d = d / np.where(peak > 0, peak, 1.0)[None, :]
        return d.astype(np.float32, copy=False)

    def redraw(self) -> None:
        d = self.display_data()
        if d is None:
            return
        s = self.session
        clip = robust_levels(d, s.clip_percentile).clip / s.gain
        mode = self.mode_box.currentText()
        self.keys.set_base((-clip, clip) if "density" in mode else None, s.colormap,
                           "amplitude / trace peak" if self.norm_box.isChecked() else "amplitude")
        if "density" in mode:
            self.image.set_indices(to_uint8(d, (-clip, clip)), rgb32_table(lut(s.colormap)))
            self.image.show()
        else:
            self.image.hide()
        if "wiggle" in mode:
            n_s, n_tr = d.shape
            t = self.session.gathers.samples_ms
            x = np.clip(d / clip, -1.5, 1.5) * 0.45 + np.arange(n_tr)[None, :]
            xs = np.vstack([x, np.full((1, n_tr), np.nan)]).T.ravel()
            ys = np.tile(np.append(t, np.nan), n_tr)
            self.wiggle.setData(xs, ys)
            self.wiggle.show()
            self.fill.setPath(_positive_lobes(x, t))
            self.fill.show()
        else:
            self.wiggle.hide()
            self.fill.hide()

    def on_hover(self, row: float, col: float, inside: bool) -> None:
        """Status read-out under the mouse: gather, channel, offset, time, amplitude."""
        if self.readout is None:
            return
        g, gs = self.gather, self.session.gathers
        if not inside or g is None or gs is None:
            self.readout("")
            return
        r, c = int(row), int(col)
        off = float(g.offsets[c])
        text = (f"{gs.key_name.upper()} {g.key}   ch {int(g.channels[c])}"
                + (f"   offset {off:g} m" if np.isfinite(off) else "")
                + f"   t {gs.samples_ms[r]:g} ms   amp {float(g.data[r, c]):.4g}")
        self.readout(text)

    def set_marks(self, name: str, trace_idx, time_ms, color=(255, 0, 0), style: str = "line",
                  size: float = 7.0, colors=None) -> pg.PlotDataItem:
        """Draw picks over the gather: ``style`` "line" (a pick line) or "points".

        ``trace_idx`` are display-order trace positions (0..n-1), ``time_ms`` times;
        NaN breaks the line. ``colors`` (one RGB per point) colours points individually.
        """
        item = self.marks.get(name)
        if item is None:
            item = pg.PlotDataItem()
            item.setZValue(60)
            self.plot.addItem(item)
            self.marks[name] = item
        x = np.asarray(trace_idx, float)
        y = np.asarray(time_ms, float)
        if style == "line":
            item.setData(x, y, pen=pg.mkPen(color, width=2), symbol=None, connect="finite")
        else:
            brushes = [pg.mkBrush(c) for c in colors] if colors is not None else pg.mkBrush(color)
            item.setData(x, y, pen=None, symbol="o", symbolSize=size, symbolBrush=brushes,
                         symbolPen=pg.mkPen("k"))
        return item

    def clear_marks(self, name: str | None = None) -> None:
        for key in [name] if name else list(self.marks):
            item = self.marks.pop(key, None)
            if item is not None:
                self.plot.removeItem(item)

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:
        if ev.type() == QEvent.Type.KeyPress:
            step = STEP_KEYS.get(Qt.Key(ev.key()))
            if step is not None and self.session.gathers is not None:
                self.session.step_gather(step)
                return True
        return super().eventFilter(obj, ev)
