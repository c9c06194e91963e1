"""Colour bars and the class legend of a view: what each colour means, in values and units.

Every image pane gets a :class:`ViewKeys` in its plot: a colour bar of the
base image (the seismic amplitude, or the map's attribute) right of the plot,
a second one for the topmost visible continuous overlay (probability,
uncertainty, an attribute or activation), and a legend of class names and
colours inside the plot's top right corner while labels or a prediction are
shown. They live in the plot's scene, so File → Export view writes them with
the axes.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QObject

from seisview.qt.colormaps import lut

UNITS = {"probability": "probability", "uncertainty": "uncertainty (entropy / log n)",
         "activation": "activation", "attribute": ""}
BAR_WIDTH = 10


def color_map(cmap) -> pg.ColorMap:
    table = lut(cmap) if isinstance(cmap, str) else np.asarray(cmap, np.uint8)
    return pg.ColorMap(np.linspace(0.0, 1.0, len(table)), table)


def amplitude_label(session) -> str:
    """What the seismic colours measure: amplitude for zero-centred data, else sample value."""
    what = "amplitude" if session.symmetric else "sample value"
    return f"{what} (AGC {session.agc_ms:g} ms)" if session.agc_ms else what


class ColorBar(pg.ColorBarItem):
    """A read-only colour bar with black ticks and a label along it."""

    def __init__(self, label: str = ""):
        super().__init__(values=(0.0, 1.0), width=BAR_WIDTH, colorMap=color_map("grey"),
                         interactive=False, colorMapMenu=False)
        for name in ("left", "right", "top", "bottom"):
            ax = self.getAxis(name)
            ax.setPen(pg.mkPen("k"))
            ax.setTextPen(pg.mkPen("k"))
        self.axis.setWidth(None)  # as wide as its tick labels and title need
        self.axis.setStyle(tickTextOffset=2, autoExpandTextSpace=True)
        self.shown: tuple = ()
        self.set(label, (0.0, 1.0), "grey")

    def set(self, label: str, levels, cmap) -> None:
        key = (label, tuple(float(v) for v in levels), cmap if isinstance(cmap, str) else id(cmap))
        if key == self.shown:
            return
        self.shown = key
        lo, hi = key[1]
        if hi <= lo:
            hi = lo + 1.0
        self.setColorMap(color_map(cmap))
        self.setLevels((lo, hi))
        self.axis.setLabel(label)


class ViewKeys(QObject):
    """The colour bars and legend of one pane's plot (``pane.plot``)."""

    def __init__(self, plot: pg.PlotItem):
        super().__init__()
        self.plot = plot
        self.enabled = True
        self.base = ColorBar()
        self.overlay = ColorBar()
        self.legend = pg.LegendItem(offset=(-4, 4), labelTextSize="8pt", verSpacing=-6,
                                    brush=pg.mkBrush(255, 255, 255, 215), pen=pg.mkPen(120, 120, 120))
        self.legend.setLabelTextColor("k")
        self.legend.setParentItem(plot.getViewBox())  # fixed in the corner, not zoomed with the data
        self.legend.setZValue(200)
        self.legend.hide()
        self._classes: tuple = ()
        self._want = {"base": False, "overlay": False}
        self._palette_source = None  # () -> Palette | None, for labels shown in the view
        self._predicted = False
        self.plot.layout.setColumnFixedWidth(4, 4)  # a gap between the plot and the bars

    # -- what is shown --------------------------------------------------------------------
    def set_base(self, levels, cmap, label: str) -> None:
        """The base image is ``cmap`` over ``levels`` (``None`` levels: no image, no bar)."""
        if levels is not None:
            self.base.set(label, levels, cmap)
        self._want["base"] = levels is not None
        self._sync()

    def set_overlays(self, drawn) -> None:
        """``drawn``: ``[(layer, levels), ...]`` the pane drew, bottom to top."""
        cont = [(layer, lv) for layer, lv in drawn if not layer.categorical and lv is not None]
        if cont:
            layer, lv = cont[-1]
            unit = UNITS.get(layer.kind) or layer.name
            self.overlay.set(unit if layer.kind != "activation" else layer.name, lv, layer.colormap)
        self._want["overlay"] = bool(cont)
        self._predicted = any(layer.kind == "prediction" for layer, _ in drawn)
        self._sync()

    def follow_palette(self, palette, labels_shown) -> None:
        """``palette() -> Palette | None``: the classes of the project; ``labels_shown() -> bool``:
        labels are drawn in this view. The legend shows while labels or a prediction are."""
        self._palette_source, self._labels_shown = palette, labels_shown
        self.update_legend()

    def update_legend(self) -> None:
        src = self._palette_source
        palette = src() if src is not None and (self._predicted or self._labels_shown()) else None
        classes = (tuple((c.name, tuple(c.color)) for c in palette if c.visible)
                   if palette is not None else ())
        if classes != self._classes:
            self._classes = classes
            self.legend.clear()
            for name, rgb in classes:
                sample = pg.ScatterPlotItem(symbol="s", size=9, brush=pg.mkBrush(*rgb), pen=pg.mkPen("k"))
                self.legend.addItem(sample, name)
        self.legend.setVisible(self.enabled and bool(classes))

    def set_enabled(self, on: bool) -> None:
        """Show or hide the bars and the legend (View → Colour bars and legends)."""
        self.enabled = bool(on)
        self._sync()

    def _sync(self) -> None:
        for bar, col, want in ((self.base, 5, self._want["base"]), (self.overlay, 6, self._want["overlay"])):
            self._place(bar, col, self.enabled and want)
        self.update_legend()

    def _place(self, bar: ColorBar, col: int, on: bool) -> None:
        lay = self.plot.layout
        inside = any(lay.itemAt(i) is bar for i in range(lay.count()))
        if on and not inside:
            lay.addItem(bar, 2, col)
            bar.show()
        elif not on and inside:
            lay.removeItem(bar)
            bar.hide()
