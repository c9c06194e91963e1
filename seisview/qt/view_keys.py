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
from PyQt6.QtCore import QObject, Qt, QTimer

from seisview.qt.colormaps import lut

UNITS = {"probability": "probability", "uncertainty": "uncertainty (entropy / log n)",
         "activation": "activation", "attribute": ""}
BAR_WIDTH = 10
LEGEND_DELAY_MS = 120


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
        self._fit_width(lo, hi)

    def _fit_width(self, lo: float, hi: float) -> None:
        """Width for the tick labels and the title now: an axis that widened itself at its first
        paint would shift the plot under the mouse after the view was laid out."""
        from PyQt6.QtGui import QFontMetrics

        fm = QFontMetrics(self.axis.style.get("tickFont") or self.axis.font())
        spacing = self.axis.tickSpacing(lo, hi, 300)  # ticks of a bar some 300 px long
        step = spacing[min(1, len(spacing) - 1)][0] if spacing else (hi - lo) / 5  # the labelled ones
        values = np.arange(np.ceil(lo / step), np.floor(hi / step) + 1) * step if step > 0 else [lo, hi]
        labels = self.axis.tickStrings(list(values), 1.0, step) or ["0"]
        ticks = max(fm.horizontalAdvance(t) for t in labels)
        self.axis.setWidth(ticks + 5 + 2 + fm.height() + 4)  # ticks, tick length, offset, title


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

    def __init__(self, plot: pg.PlotItem, parent: QObject | None = None):
        super().__init__(parent)
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
        self._label_mask = None  # () -> class ids of the labels drawn in this view, or None
        self._predicted: list = []  # class-id arrays of the predictions drawn
        # which classes a view shows is looked up once stepping pauses (~0.2 ms a section)
        self._legend_timer = QTimer(self, singleShot=True, interval=LEGEND_DELAY_MS,
                                    timeout=self.update_legend)
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
        self._predicted = [arr for layer, _lv, arr in drawn if layer.kind == "prediction"]
        self._sync(legend_now=False)

    def follow_palette(self, palette, label_mask) -> None:
        """``palette() -> Palette | None``: the project's classes; ``label_mask() -> array | None``:
        the class ids of the labels drawn in this view. The legend lists the classes shown."""
        self._palette_source, self._label_mask = palette, label_mask
        self.update_legend()

    def schedule_legend(self) -> None:
        """Look up the classes shown once the view has been still for a moment."""
        self._legend_timer.start()

    def update_legend(self) -> None:
        self._legend_timer.stop()
        palette = self._palette_source() if self._palette_source is not None else None
        classes = ()
        if palette is not None and self.enabled:
            candidates = [c for c in palette if c.visible]
            labels = self._label_mask() if self._label_mask is not None else None
            arrays = [a for a in (labels, *self._predicted) if a is not None]
            shown = ids_in(arrays, [c.id for c in candidates])
            classes = tuple((c.name, tuple(c.color)) for c in candidates if c.id in shown)
        self.legend.set_classes(classes)
        self.legend.setVisible(self.enabled and bool(classes))

    def set_enabled(self, on: bool) -> None:
        """Show or hide the bars and the legend (View → Colour bars and legends)."""
        self.enabled = bool(on)
        self._sync()

    def _sync(self, legend_now: bool = True) -> None:
        for bar, col, want in ((self.base, 5, self._want["base"]), (self.overlay, 6, self._want["overlay"])):
            self._place(bar, col, self.enabled and want)
        if legend_now:
            self.update_legend()
        else:
            self.schedule_legend()

    def _place(self, bar: ColorBar, col: int, on: bool) -> None:
        lay = self.plot.layout
        if on and bar not in self._placed:
            lay.addItem(bar, 2, col)
            self._placed.append(bar)
            bar.show()
            bar.axis.setWidth(bar.axis.fixedWidth)  # a hidden axis took no width
        elif not on and bar in self._placed:
            lay.removeItem(bar)
            self._placed.remove(bar)
            bar.hide()
        else:
            return
        self.settle()

    def settle(self) -> None:
        """Lay the bars out now, not at the next event: mapping the mouse to the data uses it."""
        for bar in self._placed:
            bar.layout.activate()
        self.plot.layout.activate()


def ids_in(arrays, candidates) -> set[int]:
    """The ``candidates`` (class ids) present in any of the id ``arrays``."""
    found = set()
    for a in arrays:
        a = np.asarray(a)
        for cid in candidates:
            if cid not in found and (a == cid).any():
                found.add(cid)
    return found


def _let_mouse_through(item) -> None:
    """The legend takes no clicks or drags: a stroke or a pan over it reaches the view."""
    item.setAcceptedMouseButtons(Qt.MouseButton.NoButton)
    item.setAcceptHoverEvents(False)
    for child in item.childItems():
        _let_mouse_through(child)
