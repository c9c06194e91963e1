"""Label painting in the section views: the overlay that draws masks, and the tools.

The painting itself is ``LabelSet`` (core); this module only turns mouse
events into its calls and draws the result. :class:`LabelMaskItem` keeps the
current section's colours in an ARGB32 buffer and, on each
``labels.events.changed(spec, rect)``, recomputes and repaints only that
rectangle, so a brush stamp costs the same on a 2000 x 2000 section as on a
small one.

Tool coordinates: the view gives fractional pixel coordinates where pixel
``(r, c)`` covers ``[r, r+1)``; ``LabelSet`` puts pixel centres on integers,
hence the ``- 0.5``.
"""

from __future__ import annotations

import logging

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QObject, QRectF, Qt, pyqtSignal
from PyQt6.QtGui import QColor, QImage, QPainter, QPen
from PyQt6.QtWidgets import QGraphicsEllipseItem, QGraphicsItem

from seisview.core.section import SectionSpec
from seisview.qt.signals import connect_all, disconnect_all
from seisview.qt.tools import SectionTool, ToolEvent, guarded
from seisview.qt.view_marks import update_part

log = logging.getLogger(__name__)


def argb_table(lut: np.ndarray) -> np.ndarray:
    """(256, 4) RGBA with alpha 0 or 255 -> (256,) uint32 premultiplied ARGB."""
    lut = np.asarray(lut, np.uint32)
    a = (lut[:, 3] > 0).astype(np.uint32)
    return ((a * 0xFF) << 24 | (lut[:, 0] * a) << 16 | (lut[:, 1] * a) << 8 | lut[:, 2] * a).astype(np.uint32)


OUTLINE_ARGB = np.uint32(0xFF141414)  # the rim of every stroke: near black


def outlined(table: np.ndarray, mask: np.ndarray, rect) -> np.ndarray:
    """Premultiplied ARGB of ``mask[r0:r1, c0:c1]``: class colours with a dark one-pixel rim.

    The rim keeps a stroke readable on any colour map (a blue class on the blue lobes of the
    blue-white-red map) and tells it apart from a prediction of the same colour.
    """
    r0, r1, c0, c1 = rect
    h, w = mask.shape
    a0, a1, b0, b1 = max(r0 - 1, 0), min(r1 + 1, h), max(c0 - 1, 0), min(c1 + 1, w)
    m = mask[a0:a1, b0:b1]
    out = np.take(table, m)
    # a pixel is on the rim when a 4-neighbour differs (none beyond the edges); neighbour
    # differences without np.pad, whose Python overhead was most of a brush stamp's cost
    rim = np.zeros(m.shape, bool)
    across = m[:, 1:] != m[:, :-1]
    rim[:, 1:] |= across
    rim[:, :-1] |= across
    down = m[1:] != m[:-1]
    rim[1:] |= down
    rim[:-1] |= down
    out[rim & (out != 0)] = OUTLINE_ARGB
    return np.ascontiguousarray(out[r0 - a0:r1 - a0, c0 - b0:c1 - b0])


class LabelMaskItem(pg.GraphicsObject):
    """Draws one section's label mask; item coordinates are pixels (x = column, y = row)."""

    def __init__(self):
        super().__init__()
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemUsesExtendedStyleOption, True)
        self.labels = None
        self.spec: SectionSpec | None = None
        self._table = np.zeros(256, np.uint32)
        self._buf: np.ndarray | None = None
        self._img: QImage | None = None
        self._w = self._h = 0
        self.last_update_rect: tuple[int, int, int, int] | None = None

    def set_table(self, lut: np.ndarray) -> None:
        self._table = argb_table(lut)
        self.rebuild()

    def show_section(self, labels, spec: SectionSpec | None) -> None:
        self.labels, self.spec = labels, spec
        self.rebuild()

    def rebuild(self) -> None:
        """Recompute the whole section (a new section, palette or project)."""
        if self.labels is None or self.spec is None:
            self._buf = self._img = None
            self.prepareGeometryChange()
            self._w = self._h = 0
            self.update()
            return
        mask = self.labels.mask(self.spec)
        h, w = mask.shape
        if (w, h) != (self._w, self._h):
            self.prepareGeometryChange()
            self._w, self._h = w, h
        self._buf = outlined(self._table, mask, (0, h, 0, w))
        self._img = QImage(self._buf.data, w, h, w * 4, QImage.Format.Format_ARGB32_Premultiplied)
        self.update()

    def update_rect(self, spec: SectionSpec, rect) -> None:
        """The labels changed inside ``rect = (r0, r1, c0, c1)`` of ``spec``: redraw only that."""
        if spec != self.spec or self._buf is None:
            return
        r0, r1, c0, c1 = rect
        mask = self.labels.mask(spec)
        r0, r1, c0, c1 = max(r0 - 1, 0), min(r1 + 1, mask.shape[0]), max(c0 - 1, 0), min(c1 + 1, mask.shape[1])
        self._buf[r0:r1, c0:c1] = outlined(self._table, mask, (r0, r1, c0, c1))
        self.last_update_rect = rect
        update_part(self, QRectF(c0, r0, c1 - c0, r1 - r0))

    def argb(self) -> np.ndarray | None:
        """The premultiplied ARGB pixels shown (for tests)."""
        return self._buf

    def boundingRect(self) -> QRectF:
        return QRectF(0, 0, self._w, self._h)

    def paint(self, p: QPainter, option, widget=None) -> None:
        if self._img is None:
            return
        r = self.boundingRect()
        if option is not None:
            r = r.intersected(option.exposedRect)
        if p.hasClipping():  # the dirty region of the screen, in item (pixel) coordinates
            r = r.intersected(p.clipBoundingRect())
        if r.isEmpty():
            return
        src = r.toAlignedRect().intersected(self._img.rect())  # only the exposed pixels
        p.drawImage(QRectF(src), self._img, QRectF(src))


class LabelController(QObject):
    """Connects the session's project to the section views: overlays, tools, undo, errors."""

    changed = pyqtSignal()  # tool settings or class changed (the panel syncs its widgets)

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.project = None
        self.class_id = 1
        self.radius = 4
        self.preserve = False
        self.opacity = 1.0  # strokes drawn solid above the half-transparent predictions
        self.visible = True
        self.overlays: dict[str, LabelMaskItem] = {}
        self.tools = {"brush": BrushTool(self), "erase": BrushTool(self, erase=True),
                      "fill": FillTool(self), "polygon": PolygonTool(self)}
        self._project_handles: list = []
        self.session.events.project.connect(self.set_project)
        self.session.events.position.connect(self._on_position)
        self.session.events.survey.connect(self._on_survey)
        self.set_project(self.session.project)

    # -- wiring -------------------------------------------------------------------
    @property
    def labels(self):
        return self.project.labels if self.usable() else None

    def usable(self) -> bool:
        """A project is open and its survey geometry fits the open volume."""
        p, v = self.project, self.session.volume
        return (p is not None and p.geometry is not None and v is not None
                and tuple(p.geometry.shape) == tuple(v.geometry.shape))

    def set_project(self, project) -> None:
        self._project_handles = disconnect_all(self._project_handles)
        self.project = project
        if project is not None:
            self._project_handles = connect_all([(project.labels.events.changed, self._on_changed),
                                                 (project.palette.changed, self._on_palette)])
            if project.palette.ids() and self.class_id not in project.palette.ids():
                self.class_id = project.palette.ids()[0]
        self._refresh_all()
        self.changed.emit()

    def _on_survey(self, _s=None) -> None:
        self._refresh_all()

    def _refresh_all(self) -> None:
        for kind, view in self.window.section_views.items():
            ov = self.overlays.get(kind)
            if ov is None:
                ov = self.overlays[kind] = LabelMaskItem()
                view.add_pixel_item(ov, z=40)
            ov.setOpacity(self.opacity)
            ov.setVisible(self.visible)
            ov.set_table(self.project.palette.lut(1.0) if self.project is not None else np.zeros((256, 4)))
            ov.show_section(self.labels, self.session.spec(kind) if self.usable() else None)

    def _on_position(self, kind: str, index: int) -> None:
        ov = self.overlays.get(kind)
        if ov is not None and self.usable():
            ov.show_section(self.labels, SectionSpec(kind, index))

    def _on_changed(self, spec: SectionSpec, rect) -> None:
        ov = self.overlays.get(spec.kind)
        if ov is not None:
            ov.update_rect(spec, rect)

    def _on_palette(self) -> None:
        lut = self.project.palette.lut(1.0)
        for ov in self.overlays.values():
            ov.set_table(lut)
        self.changed.emit()

    # -- settings -------------------------------------------------------------------
    def set_class(self, class_id: int) -> None:
        self.class_id = int(class_id)
        self.changed.emit()

    def select_key(self, key: int) -> None:
        """Number key 1-9: the class at that palette position."""
        if self.project is not None:
            c = self.project.palette.by_key(key)
            if c is not None:
                self.set_class(c.id)
                self.window.status(f"class {key}: {c.name}")

    def set_radius(self, r: int) -> None:
        self.radius = int(min(max(r, 0), 200))
        self.changed.emit()

    def set_opacity(self, op: float) -> None:
        self.opacity = float(op)
        for ov in self.overlays.values():
            ov.setOpacity(self.opacity)
        self.changed.emit()

    def set_visible(self, on: bool) -> None:
        self.visible = bool(on)
        for ov in self.overlays.values():
            ov.setVisible(self.visible)
        self.changed.emit()

    # -- actions ------------------------------------------------------------------------
    def guard(self, fn, *args, **kw):
        """Run a labels call; a failed save is shown, never raised into Qt."""
        return guarded(self.window, "Labels not saved", fn, *args, **kw)

    def undo(self):
        return self.guard(self.labels.undo) if self.labels is not None else None

    def redo(self):
        return self.guard(self.labels.redo) if self.labels is not None else None

    def ready(self, ev: ToolEvent) -> bool:
        return self.usable() and isinstance(ev.spec, SectionSpec) and ev.inside

    def refuse(self, ev: ToolEvent) -> bool:
        """A press the tool cannot use. Without a project for this survey, offer one and take
        the press (True), so the view does not pan instead."""
        if self.usable():
            return False
        from seisview.qt.project_actions import offer_project

        offer_project(self.window, "paint labels")
        return True


class BrushTool(SectionTool):
    """Paint (or erase) with a round brush; Ctrl+wheel changes its size."""

    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, ctl: LabelController, erase: bool = False):
        self.ctl = ctl
        self.erase = erase
        self.name = "erase" if erase else "brush"
        self.label = "Eraser" if erase else "Brush"
        self.tooltip = ("Erase labels (Ctrl+wheel: size)" if erase else
                        "Paint the current class (Ctrl+wheel: size; keys 1-9: class)")
        self._ring: dict[int, QGraphicsEllipseItem] = {}

    def activate(self, view) -> None:
        ring = QGraphicsEllipseItem()
        pen = QPen(QColor(20, 20, 20, 230), 2)
        pen.setCosmetic(True)  # 2 screen pixels whatever the zoom
        ring.setPen(pen)
        ring.hide()
        view.add_pixel_item(ring, z=60)
        self._ring[id(view)] = ring

    def deactivate(self, view) -> None:
        ring = self._ring.pop(id(view), None)
        if ring is not None:
            view.remove_pixel_item(ring)

    def hover(self, ev: ToolEvent) -> None:
        ring = self._ring.get(id(ev.view))
        if ring is not None:
            r = self.ctl.radius + 0.5
            ring.setRect(QRectF(ev.col - r, ev.row - r, 2 * r, 2 * r))
            ring.setVisible(ev.inside)

    def press(self, ev: ToolEvent) -> bool:
        if "left" not in ev.buttons:
            return False
        if not self.ctl.ready(ev):
            return self.ctl.refuse(ev)
        c = self.ctl
        tool = "erase" if self.erase or "right" in ev.buttons else "brush"
        c.labels.begin(ev.spec, c.class_id, tool, radius=c.radius, preserve=c.preserve)
        c.labels.stamp(ev.row - 0.5, ev.col - 0.5)
        return True

    def move(self, ev: ToolEvent) -> bool:
        labels = self.ctl.labels
        if labels is None or not labels.in_stroke:
            return False
        labels.drag_to(ev.row - 0.5, ev.col - 0.5)
        self.hover(ev)
        return True

    def release(self, ev: ToolEvent) -> bool:
        labels = self.ctl.labels
        if labels is None or not labels.in_stroke:
            return False
        labels.drag_to(ev.row - 0.5, ev.col - 0.5)  # the view reports the last position only here
        self.ctl.guard(labels.end)
        return True

    def wheel(self, ev: ToolEvent) -> bool:
        if "ctrl" not in ev.modifiers:
            return False
        self.ctl.set_radius(self.ctl.radius + (1 if ev.delta > 0 else -1))
        self.hover(ev)
        return True


class FillTool(SectionTool):
    name = "fill"
    label = "Fill"
    tooltip = "Flood-fill the region of equal label under the mouse with the current class"
    cursor = Qt.CursorShape.PointingHandCursor

    def __init__(self, ctl: LabelController):
        self.ctl = ctl

    def press(self, ev: ToolEvent) -> bool:
        if "left" not in ev.buttons:
            return False
        if not self.ctl.ready(ev):
            return self.ctl.refuse(ev)
        r, c = ev.pixel
        self.ctl.guard(self.ctl.labels.fill, ev.spec, r, c, self.ctl.class_id,
                       preserve=self.ctl.preserve)
        return True


class PolygonTool(SectionTool):
    """Click corners (right-click or a click on the first corner closes), or drag a lasso."""

    name = "polygon"
    label = "Polygon"
    tooltip = "Click corners, right-click to fill; or drag a lasso"
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, ctl: LabelController):
        self.ctl = ctl
        self.points: list[tuple[float, float]] = []
        self.spec = None
        self._dragging = False
        self._line: dict[int, pg.PlotCurveItem] = {}

    def activate(self, view) -> None:
        line = pg.PlotCurveItem(pen=pg.mkPen((255, 255, 255), width=1, style=Qt.PenStyle.DashLine))
        view.add_pixel_item(line, z=60)
        self._line[id(view)] = line

    def deactivate(self, view) -> None:
        line = self._line.pop(id(view), None)
        if line is not None:
            view.remove_pixel_item(line)
        self.points, self.spec = [], None

    def _draw(self, view) -> None:
        line = self._line.get(id(view))
        if line is not None:
            pts = np.array(self.points or [(np.nan, np.nan)], float)
            line.setData(pts[:, 1] + 0.5, pts[:, 0] + 0.5)

    def press(self, ev: ToolEvent) -> bool:
        if not self.ctl.ready(ev):
            return self.ctl.refuse(ev) if "left" in ev.buttons else False
        if "right" in ev.buttons:
            self._close(ev.view)
            return True
        if self.spec is not None and ev.spec != self.spec:
            self.points = []
        self.spec = ev.spec
        p = (ev.row - 0.5, ev.col - 0.5)
        if len(self.points) >= 3 and np.hypot(*np.subtract(p, self.points[0])) < 2:
            self._close(ev.view)
            return True
        self.points.append(p)
        self._dragging = False
        self._draw(ev.view)
        return True

    def move(self, ev: ToolEvent) -> bool:
        if self.spec is None or "left" not in ev.buttons:
            return False
        self._dragging = True
        self.points.append((ev.row - 0.5, ev.col - 0.5))
        self._draw(ev.view)
        return True

    def release(self, ev: ToolEvent) -> bool:
        if self._dragging:
            self.points.append((ev.row - 0.5, ev.col - 0.5))
        if self._dragging and len(self.points) >= 3:  # a lasso closes on release
            self._close(ev.view)
        self._dragging = False
        return self.spec is not None

    def _close(self, view) -> None:
        if self.spec is not None and len(self.points) >= 3:
            self.ctl.guard(self.ctl.labels.polygon, self.spec, self.points, self.ctl.class_id,
                           preserve=self.ctl.preserve)
        self.points, self.spec = [], None
        self._draw(view)
