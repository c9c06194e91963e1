"""Marks painted over a view from a picture of its scene: the linked crosshair, the map's cursor.

A crosshair line that moves repaints a stripe across every view it is in. Through the
scene that stripe costs 0.3-0.7 ms a view: QGraphicsView walks pyqtgraph's items (Python
bounding rects and paints) and draws the images under the stripe again, once per frame
in each view while the mouse moves. Marks are not scene items: the view keeps a pixmap of
what its scene painted last and draws the marks over it, so a moved mark costs copying
two stripes of that pixmap. The scene is rendered into the pixmap only where it changed
(the scene's ``changed`` rects), where the window system exposed the view, or all of it
when the view's size or transform changed.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod

from PyQt6.QtCore import QPointF, QRect, QRectF, Qt
from PyQt6.QtGui import QColor, QPainter, QPainterPath, QPen, QPixmap, QRegion, QTransform
from PyQt6.QtWidgets import QFrame, QGraphicsView, QWidget

_MARGIN = 2  # px around a mark's shape: its pen width and rounding


class Mark(ABC):
    """Something the view paints over its scene at a plot position (``value``), shown or not.

    Setting the value or the visibility it already has repaints nothing; a change repaints
    where the mark was painted and where it goes, from the view's picture of its scene.
    """

    def __init__(self, pen: QPen):
        self.pen = QPen(pen)
        self.layer: MarkLayer | None = None
        self._value = None
        self._visible = False
        self.painted = QRect()  # viewport pixels it covers as last painted (empty: none)

    def value(self):
        return self._value

    def setValue(self, v) -> None:  # noqa: N802 (the name of the items it replaced)
        if v != self._value:
            self._value = v
            self._changed()

    def isVisible(self) -> bool:  # noqa: N802
        return self._visible

    def setVisible(self, visible: bool) -> None:  # noqa: N802
        if bool(visible) != self._visible:
            self._visible = bool(visible)
            self._changed()

    def show(self) -> None:
        self.setVisible(True)

    def hide(self) -> None:
        self.setVisible(False)

    def _changed(self) -> None:
        if self.layer is not None:
            self.layer.mark_changed(self)

    def shown(self) -> bool:
        return self._visible and self._value is not None

    # -- geometry (subclasses) --------------------------------------------------------
    @abstractmethod
    def rect(self, tf: QTransform, clip: QRect) -> QRect:
        """Viewport pixels the mark covers with plot -> viewport transform ``tf``."""

    @abstractmethod
    def paint(self, p: QPainter, tf: QTransform, clip: QRect) -> None:
        """Paint with ``tf`` (plot -> viewport); ``clip`` is the plot area in viewport pixels."""


class LineMark(Mark):
    """A crosshair line: vertical (``angle`` 90, value = x) or horizontal (0, value = y),
    spanning ``set_extent(lo, hi)`` along it (plot units) and clipped to the plot area.

    One screen pixel wide and dashed, painted as a strip of pixels made once per length: a
    line painted in pieces (each paint clips it to what it repaints) then matches one painted
    whole, which a dashed pen does not (its dashes start where each clipped piece starts),
    and copying the strip is ~10x faster than filling with a pattern.
    """

    def __init__(self, angle: int, color: QColor, dash: int = 4, gap: int = 2):
        super().__init__(QPen(color))
        self.angle = angle
        self.color = QColor(color)
        self.dash, self.gap = dash, gap
        self.extent = (0.0, 1.0)
        self._strip: QPixmap | None = None

    def set_extent(self, lo: float, hi: float) -> None:
        if (lo, hi) != self.extent:
            self.extent = (float(lo), float(hi))
            self._changed()

    def setValue(self, v) -> None:  # noqa: N802
        super().setValue(None if v is None else float(v))

    def rect(self, tf: QTransform, clip: QRect) -> QRect:
        lo, hi = self.extent
        v = self._value
        a, b = (QPointF(v, lo), QPointF(v, hi)) if self.angle == 90 else (QPointF(lo, v), QPointF(hi, v))
        a, b = tf.map(a), tf.map(b)
        if self.angle == 90:
            x, y0, y1 = math.floor(a.x()), round(min(a.y(), b.y())), round(max(a.y(), b.y()))
            r = QRect(x, y0, 1, y1 - y0)
        else:
            y, x0, x1 = math.floor(a.y()), round(min(a.x(), b.x())), round(max(a.x(), b.x()))
            r = QRect(x0, y, x1 - x0, 1)
        return r.intersected(clip)

    def _strip_of(self, length: int) -> QPixmap:
        strip = self._strip
        vertical = self.angle == 90
        if strip is None or (strip.height() if vertical else strip.width()) < length:
            strip = QPixmap(1, length) if vertical else QPixmap(length, 1)
            strip.fill(Qt.GlobalColor.transparent)
            p = QPainter(strip)
            for start in range(0, length, self.dash + self.gap):
                p.fillRect(QRect(0, start, 1, self.dash) if vertical else QRect(start, 0, self.dash, 1), self.color)
            p.end()
            self._strip = strip
        return strip

    def paint(self, p: QPainter, tf: QTransform, clip: QRect) -> None:
        r = self.rect(tf, clip)
        if not r.isEmpty():
            n = r.height() if self.angle == 90 else r.width()
            src = QRect(0, 0, 1, n) if self.angle == 90 else QRect(0, 0, n, 1)
            p.drawPixmap(r, self._strip_of(n), src)


class RingMark(Mark):
    """A ring ``diameter`` screen pixels wide at plot point ``value = (x, y)`` (any zoom)."""

    def __init__(self, diameter: float, pen: QPen):
        super().__init__(pen)
        self.radius = diameter / 2.0

    def setValue(self, v) -> None:  # noqa: N802
        super().setValue(None if v is None else (float(v[0]), float(v[1])))

    def rect(self, tf: QTransform, clip: QRect) -> QRect:
        c = tf.map(QPointF(*self._value))
        r = self.radius + self.pen.widthF() / 2 + _MARGIN
        return QRectF(c.x() - r, c.y() - r, 2 * r, 2 * r).toAlignedRect().intersected(clip)

    def paint(self, p: QPainter, tf: QTransform, clip: QRect) -> None:
        p.setPen(self.pen)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawEllipse(tf.map(QPointF(*self._value)), self.radius, self.radius)


class MarkLayer:
    """The marks of one pyqtgraph view and the picture of its scene they are painted over.

    ``view`` is the GraphicsView; ``viewbox`` the ViewBox whose data coordinates the marks'
    values are in (marks are clipped to its area: never over the axes). The view's
    ``paintEvent`` hands its events to :meth:`paint`.

    The picture is drawn by a hidden twin view of the same scene with the same geometry
    (a widget cannot render itself from inside its own paint event), through Qt's normal
    paint of the region asked for, so exactly what the view itself would have painted.
    """

    def __init__(self, view, viewbox):
        self.view = view
        self.viewbox = viewbox
        self.marks: list[Mark] = []
        self._pixmap: QPixmap | None = None
        self._key = None  # (size, pixel ratio, view transform) the picture was made for
        self._marks_only = QRegion()  # invalidated by marks alone since the last paint
        self._stale = QRegion()  # where the picture no longer shows the scene
        self._all_stale = False  # painted as Qt does since no mark shows: all of it stale
        self._twin: QGraphicsView | None = None
        # a slot on ``changed`` makes the scene report every change (Qt then updates its views
        # through the same signal): where it changed, the picture is stale
        view.scene().changed.connect(self._scene_changed)
        viewbox.sigTransformChanged.connect(self._range_changed)

    def add(self, mark: Mark) -> Mark:
        mark.layer = self
        self.marks.append(mark)
        self.mark_changed(mark)
        return mark

    def _geometry(self) -> tuple[QTransform, QRect]:
        """Plot -> viewport transform, and the plot area in viewport pixels."""
        vb, view = self.viewbox, self.view
        vb.updateMatrix()  # a range change is applied lazily, before the next paint
        tf = vb.childGroup.sceneTransform() * view.viewportTransform()
        area = view.mapFromScene(vb.sceneBoundingRect()).boundingRect()
        return tf, area

    def mark_changed(self, mark: Mark) -> None:
        """Repaint where ``mark`` was painted and where it is now, from the picture."""
        if mark.shown():
            tf, area = self._geometry()
            region = QRegion(mark.rect(tf, area)).united(mark.painted)
        else:
            region = QRegion(mark.painted)
        if not region.isEmpty():
            self._marks_only = self._marks_only.united(region)
            self.view.viewport().update(region)

    def _scene_changed(self, rects) -> None:
        if self._all_stale:  # no mark shows: the picture is redone whole when one shows again
            return
        tf = self.view.viewportTransform()
        stale = self._stale
        for r in rects:  # mapped and widened as QGraphicsView.updateScene does for its repaint
            stale = stale.united(tf.mapRect(r).toAlignedRect().adjusted(-2, -2, 2, 2))
        if stale.rectCount() > 32:  # keep the region cheap to intersect
            stale = QRegion(stale.boundingRect())
        self._stale = stale

    def _range_changed(self, *_args) -> None:
        # the scene reports where items are now, not where the view box's children were: when
        # its range changes, all of the plot area is stale (Qt repaints it all too)
        _tf, area = self._geometry()
        self._stale = self._stale.united(area)
        self.view.viewport().update(area)

    def paint(self, ev, scene_paint) -> None:
        """The view's paint event ``ev``: the scene and the marks on top. ``scene_paint(ev)`` is
        Qt's own paint of the scene (the view's ``paintEvent``).

        While a mark shows, every repaint comes from the picture, refreshed first where the
        scene changed or the window system exposed the view; one that only a mark asked for is
        a copy. With no mark shown (a tool drags in the view) the view paints as Qt does and
        the picture goes stale there, to be refreshed all at once when a mark shows again.
        """
        region = ev.region()
        marks_only = region.intersected(self._marks_only)
        self._marks_only = self._marks_only.subtracted(region)
        if marks_only.isEmpty() and not any(m.shown() for m in self.marks):
            scene_paint(ev)  # nothing to paint over (a tool drags here): as Qt paints it, and
            self._all_stale = True  # no bookkeeping of the picture meanwhile (one render later)
            for mark in self.marks:
                mark.painted = QRect()
            return
        port = self.view.viewport()
        dpr = port.devicePixelRatioF()
        key = (port.size(), dpr, self.view.viewportTransform())
        if self._pixmap is None or key != self._key or self._all_stale:
            if self._pixmap is None or key != self._key:
                self._pixmap = QPixmap(port.size() * dpr)
                self._pixmap.setDevicePixelRatio(dpr)
                self._key = key
            self._all_stale, self._stale = False, QRegion(port.rect())
        # kept current as the scene changes: a moved mark never waits for a big render
        need = region.subtracted(marks_only)
        if region.intersects(self._stale):  # all of what is stale, at once: one traversal now,
            need = need.united(self._stale.intersected(QRegion(port.rect())))  # not one per
            self._stale = QRegion()  # new position of the mark
        if not need.isEmpty():
            self._render(need)
            self._stale = self._stale.subtracted(need)
        p = QPainter(port)
        for r in _rects(region):  # rectangle by rectangle: clipped to a region of several (the
            _clipped(p, r)  # paint event's), Qt copies pixels span by span, ~20x slower
            p.drawPixmap(r, self._pixmap, _device_rect(r, dpr))
            p.restore()
        tf, area = self._geometry()
        for mark in self.marks:
            if mark.shown():
                r = mark.rect(tf, area)
                if region.intersects(r):
                    _clipped(p, r)
                    mark.paint(p, tf, area)
                    p.restore()
                mark.painted = r
            else:
                mark.painted = QRect()
        p.end()

    def _render(self, region: QRegion) -> None:
        """Draw the scene over ``region`` into the picture, as the view would paint it."""
        view = self.view
        twin = self._twin
        if twin is None:
            twin = self._twin = QGraphicsView(view.scene(), view)
            twin.hide()
            twin.setFrameShape(QFrame.Shape.NoFrame)
            twin.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            twin.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
            twin.setTransformationAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
            twin.setResizeAnchor(QGraphicsView.ViewportAnchor.NoAnchor)
            twin.setInteractive(False)
        twin.setBackgroundBrush(view.backgroundBrush())
        twin.setCacheMode(view.cacheMode())
        twin.setRenderHints(view.renderHints())
        twin.setOptimizationFlags(view.optimizationFlags())
        size = view.viewport().size()
        if twin.size() != size:
            twin.resize(size)
        if twin.sceneRect() != view.sceneRect():
            twin.setSceneRect(view.sceneRect())
        if twin.transform() != view.transform():
            twin.setTransform(view.transform())
        twin.horizontalScrollBar().setValue(view.horizontalScrollBar().value())
        twin.verticalScrollBar().setValue(view.verticalScrollBar().value())
        view.scene().prepareForPaint()  # pyqtgraph's items update what they deferred
        twin.viewport().render(self._pixmap, region.boundingRect().topLeft(), region,
                               QWidget.RenderFlag(0))


def update_part(item, rect: QRectF) -> None:
    """Repaint ``rect`` (item coordinates) of ``item``, not all of it.

    A view with marks has the scene report its changes (``changed``), and then Qt widens
    ``item.update(rect)`` to the whole item: a brush stamp would repaint the whole section.
    A scene update of the rect repaints just that, with or without marks.
    """
    scene = item.scene()
    if scene is not None and item.isVisible():
        scene.update(item.mapRectToScene(rect))


def _rects(region: QRegion) -> list[QRect]:
    """The rectangles of ``region`` (touching ones may come merged into their bounding box)."""
    path = QPainterPath()
    path.addRegion(region)
    return [poly.boundingRect().toAlignedRect() for poly in path.toFillPolygons()]


def _clipped(p: QPainter, r: QRect) -> None:
    p.save()
    p.setClipRect(r, Qt.ClipOperation.IntersectClip)


def _device_rect(r: QRect, dpr: float) -> QRect:
    if dpr == 1.0:
        return r
    return QRectF(r.x() * dpr, r.y() * dpr, r.width() * dpr, r.height() * dpr).toAlignedRect()


CROSSHAIR_COLOR = QColor(40, 40, 40, 200)  # the linked crosshair: thin, dark, dashed
