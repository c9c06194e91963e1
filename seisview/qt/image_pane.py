"""A pyqtgraph plot that shows one 2-D array and forwards mouse events to a :class:`SectionTool`.

Shared by the section, map and gather views. Items live in *plot* coordinates
(survey units: line numbers, ms, metres) so the axes are right; ``pixel_tf``
maps array pixels ``(x=col, y=row)`` into plot coordinates, and
``add_pixel_item`` lets tools draw in pixel coordinates.
"""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QPointF, Qt
from PyQt6.QtGui import QTransform
from PyQt6.QtWidgets import QApplication, QGraphicsItem, QVBoxLayout, QWidget

from seisview.qt.colormaps import auto_levels, colorize
from seisview.qt.fast_image import FastImageItem, RGBAImageItem
from seisview.qt.signals import frame_clock
from seisview.qt.tools import NavigateTool, SectionTool, ToolEvent, buttons_of, modifiers_of
from seisview.qt.view_keys import ViewKeys
from seisview.qt.view_marks import Mark, MarkLayer

log = logging.getLogger(__name__)


class ToolViewBox(pg.ViewBox):
    """A ViewBox that offers every press/drag/click/wheel to the pane's tool first."""

    def __init__(self, pane: ImagePane, **kw):
        super().__init__(**kw)
        self.pane = pane
        self._tool_drag = False

    def mouseDragEvent(self, ev, axis=None):
        if axis is not None:  # a drag on an axis pans (or, right button, zooms) along it only
            super().mouseDragEvent(ev, axis)
            return
        if ev.isStart():
            self._tool_drag = self.pane._dispatch("press", ev.buttonDownPos(), ev.modifiers(),
                                                  ev.buttons() | ev.button())
            frame_clock().set_spread(self._tool_drag)  # a stroke: one view's repaint per event
        if self._tool_drag:
            ev.accept()
            if ev.isFinish():
                self.pane._dispatch("release", ev.pos(), ev.modifiers(), ev.button())
                self._tool_drag = False
                frame_clock().set_spread(False)
            # the moves in between come straight from the viewport (ToolPlotWidget); one that
            # pyqtgraph still sends here is Qt replaying an old position, not the mouse
            return
        super().mouseDragEvent(ev, axis)

    def mouseClickEvent(self, ev):
        took = self.pane._dispatch("press", ev.pos(), ev.modifiers(), ev.button())
        took = self.pane._dispatch("release", ev.pos(), ev.modifiers(), ev.button()) or took
        if took:
            ev.accept()
            return
        menu = self.pane.context_menu
        if ev.button() == Qt.MouseButton.RightButton and menu is not None and self.pane.array_shape:
            ev.accept()
            p = self.mapToView(ev.pos())
            row, col = self.pane.plot_to_pixel(p.x(), p.y())
            menu(self.pane, row, col, ev.screenPos().toPoint())
            return
        super().mouseClickEvent(ev)

    def wheelEvent(self, ev, axis=None):
        if axis is None:  # the wheel over an axis zooms along that axis only
            steps = ev.delta() / 120.0 if hasattr(ev, "delta") else 0.0
            if self.pane._dispatch("wheel", ev.pos(), ev.modifiers(), Qt.MouseButton.NoButton, steps):
                ev.accept()
                return
            mods = modifiers_of(ev.modifiers())
            axis = next((a for m, a in self.pane.wheel_axes.items() if m in mods), None)
        super().wheelEvent(ev, axis)


class ToolPlotWidget(pg.PlotWidget):
    """pyqtgraph's plot widget; a mouse move during a tool's drag goes straight to the pane.

    pyqtgraph turns each move into drag-event objects, a hover search and several signal
    hops (~0.5 ms of Python a move); a brush drag only needs the pixel under the mouse.
    The drag still starts and ends through pyqtgraph (press, the first move, release).
    """

    def __init__(self, pane: ImagePane, **kw):
        super().__init__(**kw)
        self._pane = pane
        self.marks: MarkLayer | None = None  # the crosshair / cursor, once the pane has any

    def mouseMoveEvent(self, ev) -> None:  # noqa: N802 (Qt's name)
        if not self._pane._tool_drag_move(ev):
            super().mouseMoveEvent(ev)

    def paintEvent(self, ev) -> None:  # noqa: N802
        if self.marks is None:
            super().paintEvent(ev)  # the scene, as pyqtgraph paints it
        else:
            self.marks.paint(ev, super().paintEvent)  # the marks over the scene or its picture


class ImagePane(QWidget):
    """Base widget: a plot with an image item, pixel transform and a tool hook."""

    invert_y = True
    # modifier -> the one axis (0 = x, 1 = y) the wheel zooms while it is held
    wheel_axes: dict[str, int] = {}
    # callable(pane, row, col, screen_pos) for a right click the tool did not take
    context_menu = None

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.viewbox = ToolViewBox(self)
        self.plot_widget = ToolPlotWidget(self, viewBox=self.viewbox, background="w")
        self.plot = self.plot_widget.getPlotItem()
        # a ViewBox made in Python stays owned by its Python wrapper even inside the scene; if
        # garbage collection deleted it first, the scene would keep a dangling item (a segfault
        # in QGraphicsScene::itemsBoundingRect). Hand it to its C++ parent like pyqtgraph's own.
        self.viewbox.setParentItem(self.plot)
        self.plot.showGrid(x=False, y=False)
        self.plot.setMenuEnabled(False)
        for name in ("left", "bottom"):
            ax = self.plot.getAxis(name)
            ax.setPen(pg.mkPen("k"))
            ax.setTextPen(pg.mkPen("k"))
        for name in ("left", "bottom", "top", "right"):
            _cache_axis(self.plot.getAxis(name))
        self.viewbox.invertY(self.invert_y)
        self.image = FastImageItem()
        self.image.setZValue(0)
        self.plot.addItem(self.image)
        self.keys = ViewKeys(self.plot, self)  # colour bars and class legend
        self.pixel_tf = QTransform()
        self._pixel_items: list[pg.GraphicsObject] = []
        self.array_shape: tuple[int, int] | None = None
        self.overlay_items: dict[int, RGBAImageItem] = {}  # id(layer) -> item
        self.tool: SectionTool = NavigateTool()
        self.tool.activate(self)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.setSpacing(2)
        self.body = lay
        lay.addWidget(self.plot_widget, 1)
        scene = self.plot.scene()
        scene.sigMouseMoved.connect(self._on_scene_move)
        hover = scene.sendHoverEvents  # ~1 ms a move (items near the cursor, sorted)

        def hover_unless_tool_drag(ev, exitOnly=False):  # noqa: N803 (pyqtgraph's name)
            if not self.viewbox._tool_drag:  # a paint/pick drag hovers nothing
                hover(ev, exitOnly)
        scene.sendHoverEvents = hover_unless_tool_drag

    def add_mark(self, mark: Mark) -> Mark:
        """Paint ``mark`` (a crosshair line, a cursor ring) over the plot: not a scene item, so
        moving it repaints no item (see :mod:`seisview.qt.view_marks`)."""
        pw = self.plot_widget
        if pw.marks is None:
            pw.marks = MarkLayer(pw, self.viewbox)
        return pw.marks.add(mark)

    def set_axis(self, name: str, axis: pg.AxisItem) -> pg.AxisItem:
        """Replace the ``name`` axis ("left", "bottom") with ``axis``, owned by the plot (see above)."""
        self.plot.setAxisItems({name: axis})
        axis.setParentItem(self.plot)
        axis.setPen(pg.mkPen("k"))
        axis.setTextPen(pg.mkPen("k"))
        _cache_axis(axis)
        return axis

    # -- what the tool sees (subclasses override) ---------------------------------
    def tool_spec(self):
        raise NotImplementedError

    def on_hover(self, row: float, col: float, inside: bool) -> None:
        """Mouse moved over the plot (pixel coordinates)."""

    # -- tools ------------------------------------------------------------------
    def set_tool(self, tool: SectionTool | None) -> None:
        """Make ``tool`` current (``None`` = navigate); the old one is deactivated."""
        tool = tool or NavigateTool()
        if tool is self.tool:
            return
        self.tool.deactivate(self)
        self.tool = tool
        tool.activate(self)
        if tool.cursor is not None:
            self.plot_widget.viewport().setCursor(tool.cursor)
        else:
            self.plot_widget.viewport().unsetCursor()

    def _dispatch(self, what: str, view_pos, mods, buttons, delta: float = 0.0) -> bool:
        if self.array_shape is None:
            return False
        p = self.viewbox.mapToView(view_pos)
        row, col = self.plot_to_pixel(p.x(), p.y())
        ev = ToolEvent(self.tool_spec(), row, col, modifiers_of(mods), buttons_of(buttons), self,
                       delta)
        handler = getattr(self.tool, what)
        return bool(handler(ev))

    def _on_scene_move(self, scene_pos) -> None:
        if self.array_shape is None:
            return
        row, col = self.scene_to_pixel(scene_pos)
        self._hover_at(scene_pos, row, col)
        if QApplication.mouseButtons() == Qt.MouseButton.NoButton:
            ev = ToolEvent(self.tool_spec(), row, col,
                           modifiers_of(QApplication.keyboardModifiers()), frozenset(), self)
            self.tool.hover(ev)

    def _hover_at(self, scene_pos, row: float, col: float) -> None:
        h, w = self.array_shape
        inside = 0 <= row < h and 0 <= col < w and self.viewbox.sceneBoundingRect().contains(scene_pos)
        self.on_hover(row, col, inside)

    def _tool_drag_move(self, qev) -> bool:
        """A viewport mouse move during a tool's drag: the crosshair and the tool's ``move``, at
        once. Every move is the tool's (pyqtgraph would drop those under 10 ms apart), so a
        stroke follows the events exactly. False: not a tool drag, pyqtgraph handles it."""
        buttons = qev.buttons()
        if not self.viewbox._tool_drag or self.array_shape is None or buttons == Qt.MouseButton.NoButton:
            return False
        scene_pos = self.plot_widget.mapToScene(qev.position().toPoint())
        row, col = self.scene_to_pixel(scene_pos)
        self._hover_at(scene_pos, row, col)
        self.tool.move(ToolEvent(self.tool_spec(), row, col, modifiers_of(qev.modifiers()),
                                 buttons_of(buttons), self))
        qev.accept()
        return True

    # -- overlay layers ----------------------------------------------------------
    def draw_overlays(self, layers, spec) -> None:
        """One image item per visible overlay layer, stacked in list order over the base image."""
        live = set()
        drawn = []  # (layer, levels) for the colour bars and legend
        if self.array_shape is not None:
            h, w = self.array_shape
            for z, layer in enumerate(layers):
                if layer.kind == "seismic" or not layer.visible:
                    continue
                try:
                    arr = layer.data_for(spec)
                except Exception as exc:  # a broken overlay must not break the view
                    log.warning("layer %s failed for %s: %s", layer.name, spec.key(), exc)
                    arr = None
                if arr is None:
                    continue
                item = self.overlay_items.get(id(layer))
                if item is None:
                    item = RGBAImageItem()
                    self.plot.addItem(item)
                    self.overlay_items[id(layer)] = item
                ready = _ready_image(layer, spec, arr)
                if ready is not None:  # coloured by the worker that made the data
                    item.set_rgba(*ready)
                else:
                    item.set_rgba(colorize(arr, layer.colormap, layer.levels, layer.categorical))
                tf = QTransform.fromScale(w / arr.shape[1], h / arr.shape[0]) * self.pixel_tf
                if tf != item.transform():
                    item.setTransform(tf)
                item.setOpacity(layer.opacity)
                item.setZValue(10 + z)
                live.add(id(layer))
                drawn.append((layer, None if layer.categorical else (layer.levels or auto_levels(arr)), arr))
        self.keys.set_overlays(drawn)
        for key in [k for k in self.overlay_items if k not in live]:
            self.plot.removeItem(self.overlay_items.pop(key))

    # -- coordinates -------------------------------------------------------------
    def set_pixel_transform(self, tf: QTransform) -> None:
        if tf == self.pixel_tf and self.image.transform() == tf:
            return  # unchanged: setting it again costs a scene re-index
        self.pixel_tf = tf
        self.image.setTransform(tf)
        for item in self._pixel_items:
            item.setTransform(tf)

    def scene_to_pixel(self, scene_pos) -> tuple[float, float]:
        """``(row, col)`` of the array under a scene position (fractional pixels)."""
        self.viewbox.updateMatrix()  # a range change is applied lazily, before the next paint
        tf = self.pixel_tf * self.viewbox.childGroup.sceneTransform()
        inv, _ok = tf.inverted()
        q = inv.map(QPointF(scene_pos))
        return q.y(), q.x()

    def plot_to_pixel(self, x: float, y: float) -> tuple[float, float]:
        inv, ok = self.pixel_tf.inverted()
        q = inv.map(QPointF(x, y))
        return q.y(), q.x()

    def pixel_to_plot(self, row: float, col: float) -> tuple[float, float]:
        q = self.pixel_tf.map(QPointF(col, row))
        return q.x(), q.y()

    def add_pixel_item(self, item: pg.GraphicsObject, z: float = 50) -> pg.GraphicsObject:
        """Add an item whose coordinates are array pixels ``(x=col, y=row)``."""
        item.setTransform(self.pixel_tf)
        item.setZValue(z)
        self.plot.addItem(item)
        self._pixel_items.append(item)
        return item

    def remove_pixel_item(self, item: pg.GraphicsObject) -> None:
        if item in self._pixel_items:
            self._pixel_items.remove(item)
            self.plot.removeItem(item)

    def auto_range(self) -> None:
        if self.array_shape is None:
            return
        h, w = self.array_shape
        r = self.pixel_tf.mapRect(pg.QtCore.QRectF(0, 0, w, h))
        self.viewbox.setRange(rect=r, padding=0.0)

    def zoom(self, factor: float) -> None:
        """Zoom about the centre (factor > 1 zooms in)."""
        self.viewbox.scaleBy((1.0 / factor, 1.0 / factor))

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        self.keys.settle()  # colour bars placed while hidden take their width before any mouse event

    def closeEvent(self, ev) -> None:
        """Closing a pane ends it: unsubscribe and empty its scene now, while everything in it is
        consistent, rather than whenever the garbage collector gets to it."""
        if not getattr(self, "_closed", False):
            self._closed = True
            detach = getattr(self, "detach", None)
            if detach is not None:
                detach()
            for item in list(self._pixel_items):
                self.remove_pixel_item(item)
            self.plot_widget.close()  # pyqtgraph clears the scene
        super().closeEvent(ev)

    def export_png(self, path, width: int | None = None) -> None:
        """Save the plot (axes, colour bars, legend; no header row, no cursor) as a PNG,
        ``width`` pixels wide (default: as on screen). See :mod:`seisview.qt.export_view`."""
        from seisview.qt.export_view import export_plot

        export_plot(self, path, width or int(self.plot.sceneBoundingRect().width()))


def _ready_image(layer, spec, arr):
    """``(rgba, QImage)`` the layer's owner coloured off the GUI thread for exactly this array,
    colour map and levels (``layer.meta["ready_image"](spec, arr, colormap, levels)``), or None."""
    ready = layer.meta.get("ready_image")
    if ready is None:
        return None
    try:
        return ready(spec, arr, layer.colormap, layer.levels)
    except Exception as exc:  # a broken cache only costs the GUI-thread colouring
        log.warning("ready image of layer %s failed: %s", layer.name, exc)
        return None


def _cache_axis(axis: pg.AxisItem) -> None:
    """Keep the axis drawn in a pixmap: the axes border every dirty rect (a new image fills the
    plot, a moved position line spans it), so each repaint replayed their ticks and labels,
    ~0.07 ms each, ~0.3 ms of a ~1.5 ms inline step. pyqtgraph calls update() whenever an axis
    changes (range, labels, size), which refreshes the pixmap."""
    axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)


def linear_pixel_transform(cols: np.ndarray, rows: np.ndarray) -> QTransform:
    """Pixel (x=col, y=row) -> survey units, with pixel centres on the axis values."""
    dc = float(cols[1] - cols[0]) if len(cols) > 1 else 1.0
    dr = float(rows[1] - rows[0]) if len(rows) > 1 else 1.0
    return QTransform(dc, 0.0, 0.0, dr, float(cols[0]) - 0.5 * dc, float(rows[0]) - 0.5 * dr)
