"""The display tool bar: colour map, clip percentile, gain, AGC and a colour bar, bound to the session."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PyQt6.QtGui import QImage, QPixmap
from PyQt6.QtWidgets import QComboBox, QDoubleSpinBox, QLabel, QToolBar, QWidget

from seisview.core.session import Session
from seisview.qt import colormaps
from seisview.qt.signals import disconnect_all


class DisplayToolBar(QToolBar):
    def __init__(self, session: Session, status: Callable[[str, int], None], parent: QWidget | None = None):
        super().__init__("Display", parent)
        self.setObjectName("toolbar-display")
        self.session = session
        self._status = status
        self.cmap_box = QComboBox()
        self.cmap_box.addItems(colormaps.names())
        self.cmap_box.setCurrentText(session.colormap)
        self.cmap_box.setToolTip("Colour map of the seismic")
        self.cmap_box.currentTextChanged.connect(lambda t: self.session.set_display(colormap=t))
        self.clip_box = _spin(50, 100, 99, 0.5, " %", 1)
        self.clip_box.valueChanged.connect(lambda v: self.session.set_display(clip_percentile=v))
        self.clip_box.setToolTip("Clip at this percentile of |amplitude| (robust to spikes)")
        self.gain_box = _spin(0.05, 100, 1.0, 0.25, " x", 2)
        self.gain_box.valueChanged.connect(lambda v: self.session.set_display(gain=v))
        self.gain_box.setToolTip("Gain: divides the clip, so 2 x shows weak events brighter")
        self.agc_box = _spin(0, 5000, 0, 50, " ms", 0)
        self.agc_box.setSpecialValueText("off")
        self.agc_box.setToolTip("Automatic gain control window along time (ms); 0 = off")
        self.agc_box.valueChanged.connect(lambda v: self.session.set_display(agc_ms=v))
        self.colorbar = QLabel()
        self.colorbar.setToolTip("colour map and levels of the seismic")
        for label, w in (("Colour map ", self.cmap_box), ("  Clip ", self.clip_box),
                         ("  Gain ", self.gain_box), ("  AGC ", self.agc_box), ("  ", self.colorbar)):
            self.addWidget(QLabel(label))
            self.addWidget(w)
        self._handles = [(session.events.display, self._sync), (session.events.survey, self._on_survey)]
        for sig, slot in self._handles:
            sig.connect(slot)
        self.update_colorbar()

    def detach(self) -> None:
        self._handles = disconnect_all(self._handles)

    def _on_survey(self, _s) -> None:
        self.update_colorbar()

    def update_colorbar(self, announce: bool = False) -> None:
        """A small colour bar; its tool tip (and, on a change, the status bar) gives the levels."""
        s = self.session
        rgba = np.ascontiguousarray(np.repeat(colormaps.lut(s.colormap)[None, :, :], 12, 0))
        img = QImage(rgba.data, 256, 12, 256 * 4, QImage.Format.Format_RGBA8888)
        self.colorbar.setPixmap(QPixmap.fromImage(img.scaled(128, 12)))
        if s.volume is None:
            return
        lo, hi = s.display_levels()
        self.colorbar.setToolTip(f"{s.colormap}: {lo:.4g} .. {hi:.4g}")
        if announce:
            agc = f", AGC {s.agc_ms:g} ms" if s.agc_ms else ""
            self._status(f"levels {lo:.4g} .. {hi:.4g} ({s.colormap}, clip {s.clip_percentile:g} %, "
                         f"gain {s.gain:g}{agc})", 4000)

    def _sync(self, _what: str = "") -> None:
        self.update_colorbar(announce=True)
        s = self.session
        for w, v in ((self.clip_box, s.clip_percentile), (self.gain_box, s.gain), (self.agc_box, s.agc_ms)):
            w.blockSignals(True)
            w.setValue(v)
            w.blockSignals(False)
        self.cmap_box.blockSignals(True)
        self.cmap_box.setCurrentText(s.colormap)
        self.cmap_box.blockSignals(False)


def _spin(lo: float, hi: float, value: float, step: float, suffix: str, decimals: int) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setRange(lo, hi)
    box.setDecimals(decimals)
    box.setSingleStep(step)
    box.setValue(value)
    box.setSuffix(suffix)
    box.setKeyboardTracking(False)
    return box

