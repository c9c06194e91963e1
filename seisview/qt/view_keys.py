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
from PyQt6.QtCore import QObject, Qt

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
                         interactive=False, colorMapMenu=False, rounding=1e-12)
        for name in ("left", "right", "top", "bottom"):
            ax = self.getAxis(name)
            ax.setPen(pg.mkPen("k"))
            ax.setTextPen(pg.mkPen("k"))
        self.axis.setWidth(None)  # as wide as its tick labels and title need
        self.axis.enableAutoSIPrefix(False)  # 0.8, not 800 with a "(x0.001)" cut off the label
        self.layout.setContentsMargins(0, 7, 0, 7)  # room for the end labels, half a line each
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


class ClassLegend(pg.TextItem):
    """Class names on their colours in a view's top right corner; takes no mouse events."""

    def __init__(self, viewbox: pg.ViewBox):
        super().__init__(html="", anchor=(1, 0), fill=pg.mkBrush(255, 255, 255, 190),
                         border=pg.mkPen(120, 120, 120))
        font = self.textItem.font()
        font.setPointSizeF(7.5)
        self.textItem.setFont(font)
        _let_mouse_through(self)
        self.setParentItem(viewbox)  # fixed in the corner, not zoomed with the data
        self.setZValue(200)
        self.classes: tuple = ()
        viewbox.sigResized.connect(self._place)
        self._vb = viewbox
        self._place()

    def set_classes(self, classes) -> None:
        """``classes``: ``((name, (r, g, b)), ...)``."""
        if classes == self.classes:
            return
        self.classes = classes
        rows = "".join(f'<tr><td bgcolor="#{r:02x}{g:02x}{b:02x}">&nbsp;&nbsp;&nbsp;</td>'
                       f"<td>&nbsp;{name}</td></tr>" for name, (r, g, b) in classes)
        self.setHtml(f'<table cellspacing="1" cellpadding="0">{rows}</table>')
        self._place()

    def _place(self, *_args) -> None:
        self.setPos(self._vb.width() - 4, 4)


class ViewKeys(QObject):
    """The colour bars and legend of one pane's plot (``pane.plot``)."""

    def __init__(self, plot: pg.PlotItem):
        super().__init__()
        self.plot = plot
        self.enabled = True
        self.base = ColorBar()
        self.overlay = ColorBar()
        self.base.hide()  # until placed in the plot's layout
        self.overlay.hide()
        self.legend = ClassLegend(plot.getViewBox())
        self.legend.hide()
        self._want = {"base": False, "overlay": False}
        self._placed: list[ColorBar] = []  # the bars in the plot's layout now
        self._palette_source = None  # () -> Palette | None
        self._label_ids = None  # () -> ids of the labels drawn in this view
        self._predicted: set[int] = set()
        self.plot.layout.setColumnFixedWidth(4, 4)  # a gap between the plot and the bars

    # -- what is shown --------------------------------------------------------------------
    def set_base(self, levels, cmap, label: str) -> None:
        """The base image is ``cmap`` over ``levels`` (``None`` levels: no image, no bar)."""
        if levels is not None:
            self.base.set(label, levels, cmap)
        self._want["base"] = levels is not None
        self._sync()

    def set_overlays(self, drawn) -> None:
        """``drawn``: ``[(layer, levels, array), ...]`` the pane drew, bottom to top."""
        cont = [(layer, lv) for layer, lv, _a in drawn if not layer.categorical and lv is not None]
        if cont:
            layer, lv = cont[-1]
            unit = UNITS.get(layer.kind) or layer.name
            self.overlay.set(unit if layer.kind != "activation" else layer.name, lv, layer.colormap)
        self._want["overlay"] = bool(cont)
        self._predicted = set()
        for layer, _lv, arr in drawn:
            if layer.kind == "prediction":
                self._predicted |= ids_in(arr)
        self._sync()

    def follow_palette(self, palette, label_ids) -> None:
        """``palette() -> Palette | None``: the project's classes; ``label_ids() -> set``: the
        classes of the labels drawn in this view. The legend lists the classes shown."""
        self._palette_source, self._label_ids = palette, label_ids
        self.update_legend()

    def update_legend(self) -> None:
        palette = self._palette_source() if self._palette_source is not None else None
        classes = ()
        if palette is not None:
            shown = self._predicted | (self._label_ids() if self._label_ids is not None else set())
            classes = tuple((c.name, tuple(c.color)) for c in palette if c.visible and c.id in shown)
        self.legend.set_classes(classes)
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
        if on and bar not in self._placed:
            lay.addItem(bar, 2, col)
            self._placed.append(bar)
            bar.show()
        elif not on and bar in self._placed:
            lay.removeItem(bar)
            self._placed.remove(bar)
            bar.hide()


def ids_in(arr) -> set[int]:
    """The non-zero class ids of an id array."""
    if arr is None:
        return set()
    a = np.asarray(arr)
    if a.dtype.kind == "f":
        a = np.where(np.isfinite(a), a, 0).astype(np.int64)
    counts = np.bincount(np.clip(a, 0, 255).ravel().astype(np.intp), minlength=256)
    return {int(i) for i in np.flatnonzero(counts[1:]) + 1}


def _let_mouse_through(item) -> None:
    """The legend takes no clicks or drags: a stroke or a pan over it reaches the view."""
    item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
    item.setAcceptHoverEvents(False)
    for child in item.childItems():
        _let_mouse_through(child)
