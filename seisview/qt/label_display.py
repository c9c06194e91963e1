"""Painted labels where the section views do not draw them: the map, the 3-D planes, crossings.

A label mask belongs to one section. Any other section, the map's time slice
or a 3-D plane meets a labelled section along one row or column of its own
array; :func:`crossings` cuts those lines out of the labelled masks (one row or
column each, so the cost follows the number of labelled sections, not their
pixel count), :func:`section_ids` paints them, with the section's own mask,
into one id array for a texture, and :class:`SegmentsItem` draws them as
class-coloured lines in a pyqtgraph view.

:class:`LabelDisplay` is the one place these views learn about labels: the
project's labels and palette (when its survey is the one open), the opacity and
visibility set in the Labels panel, and label edits coalesced into one
``edited({spec: rect})`` signal per ~40 ms, so a brush drag that changes the mask
at every mouse move redraws the map and the 3-D planes at a bounded rate.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import QLineF, QObject, QRectF, Qt, QTimer, pyqtSignal
from PyQt6.QtGui import QColor, QPainter, QPen

from seisview.core.section import SectionSpec
from seisview.qt.signals import connect_all, disconnect_all, frame_clock
from seisview.qt.view_marks import update_part

Rect = tuple[int, int, int, int]  # r0, r1, c0, c1 of a section's array, half-open
COALESCE_MS = 40


# -- geometry of crossings (numpy only) -----------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Crossing:
    """Where labelled section ``source`` meets the shown section: one ``row`` or ``col`` of its array."""

    source: SectionSpec
    axis: str  # "row" | "col"
    index: int
    ids: np.ndarray  # uint8 class ids along that row / column


def _cut(mask: np.ndarray, other: SectionSpec, spec: SectionSpec) -> tuple[str, int, np.ndarray]:
    """The line of ``other``'s mask that lies on ``spec``, and where it lies in ``spec``'s array.

    Arrays: inline (sample, xl), crossline (sample, il), time (il, xl).
    """
    k = spec.index
    if spec.kind == "time":  # the slice cuts every vertical section at sample k
        return ("row" if other.kind == "inline" else "col"), other.index, mask[k, :]
    if other.kind == "time":  # a labelled time slice crosses a vertical section at its sample
        return "row", other.index, (mask[k, :] if spec.kind == "inline" else mask[:, k])
    # an inline and a crossline meet along one trace: column ``other.index`` of the shown one
    return "col", other.index, mask[:, k]


def crossings(labels, spec: SectionSpec) -> list[Crossing]:
    """Lines of labels that other labelled sections draw on ``spec`` (sections of its own kind never meet it)."""
    if labels is None:
        return []
    out = []
    for other, _n in labels.labelled_sections():
        if other.kind == spec.kind:
            continue
        axis, index, ids = _cut(labels.mask(other), other, spec)
        if ids.any():
            out.append(Crossing(other, axis, int(index), ids))
    return out


def runs(values: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Runs of equal non-zero ids along a 1-D array: ``(start, stop, id)`` arrays (stop exclusive)."""
    v = np.asarray(values)
    if v.size == 0:
        e = np.zeros(0, np.int64)
        return e, e, e
    edges = np.flatnonzero(v[1:] != v[:-1]) + 1
    start = np.concatenate(([0], edges))
    stop = np.concatenate((edges, [v.size]))
    ids = v[start].astype(np.int64)
    keep = ids != 0
    return start[keep], stop[keep], ids[keep]


def lines(axis: str, index: int, start: np.ndarray, stop: np.ndarray) -> np.ndarray:
    """``(n, 4)`` lines ``x0, y0, x1, y1`` along row / column ``index`` over ``[start, stop)``."""
    mid = np.full(len(start), index + 0.5)
    cols = (start, mid, stop, mid) if axis == "row" else (mid, start, mid, stop)
    return np.stack(cols, axis=1).astype(float)


def crossing_segments(cross: list[Crossing]) -> dict[int, np.ndarray]:
    """Class id -> ``(n, 4)`` float lines ``x0, y0, x1, y1`` in pixel coordinates (x = col, y = row)."""
    per: dict[int, list[np.ndarray]] = {}
    for c in cross:
        start, stop, ids = runs(c.ids)
        seg = lines(c.axis, c.index, start, stop)
        for cid in np.unique(ids):
            per.setdefault(int(cid), []).append(seg[ids == cid])
    return {cid: np.concatenate(parts).astype(float) for cid, parts in per.items()}


def section_ids(labels, spec: SectionSpec, width: int = 1, rect: Rect | None = None) -> np.ndarray | None:
    """Class ids to draw on ``spec`` (or its ``rect``): its own mask plus crossings ``width`` px wide.

    None when nothing is drawn on the section at all. A crossing never covers the
    section's own labels: they are the ones painted there.
    """
    if labels is None:
        return None
    own = labels.has_labels(spec)
    cross = crossings(labels, spec)
    if not own and not cross:
        return None
    h, w = labels.shape(spec)
    r0, r1, c0, c1 = rect if rect is not None else (0, h, 0, w)
    ids = np.array(labels.mask(spec)[r0:r1, c0:c1], np.uint8) if own else np.zeros((r1 - r0, c1 - c0), np.uint8)
    lo, hi = (width - 1) // 2, width // 2 + 1
    for c in cross:
        first, last = (r0, r1) if c.axis == "row" else (c0, c1)
        a, b = max(c.index - lo, first), min(c.index + hi, last)
        if a >= b:
            continue
        if c.axis == "row":
            band, line = ids[a - r0:b - r0, :], c.ids[None, c0:c1]
        else:
            band, line = ids[:, a - c0:b - c0], c.ids[r0:r1, None]
        free = band == 0
        band[free] = np.broadcast_to(line, band.shape)[free]
    return ids


def affected_rect(changed: SectionSpec, rect: Rect, spec: SectionSpec, width: int, shape) -> Rect | None:
    """The part of ``spec``'s array an edit of ``changed`` inside ``rect`` can change (None: none).

    Its own edit: the rectangle itself; another section's: the stretch of its crossing
    line (``width`` px wide) that lies inside the edited rectangle.
    """
    if not touches(changed, rect, spec):
        return None
    h, w = shape
    if changed == spec:
        return rect
    r0, r1, c0, c1 = rect
    lo, hi = (width - 1) // 2, width // 2 + 1
    i = changed.index
    if spec.kind == "time":  # inline i: row i over its crosslines; crossline i: column i over its inlines
        out = (i - lo, i + hi, c0, c1) if changed.kind == "inline" else (c0, c1, i - lo, i + hi)
    elif changed.kind == "time":  # row i (the slice's sample) over the edited traces
        out = (i - lo, i + hi, c0, c1) if spec.kind == "inline" else (i - lo, i + hi, r0, r1)
    else:  # an inline and a crossline meet at one column, over the edited samples
        out = (r0, r1, i - lo, i + hi)
    a, b, c, d = max(out[0], 0), min(out[1], h), max(out[2], 0), min(out[3], w)
    return (a, b, c, d) if a < b and c < d else None


def blend_ids(rgba: np.ndarray, ids: np.ndarray, lut: np.ndarray, opacity: float) -> np.ndarray:
    """Blend class colours onto ``rgba`` in place, touching only the labelled pixels."""
    flat = ids.reshape(-1)
    nz = np.flatnonzero(flat)
    if nz.size == 0 or opacity <= 0:
        return rgba
    col = lut[flat[nz]]
    a = (col[:, 3:4].astype(np.float32) / 255.0) * float(opacity)
    px = rgba.reshape(-1, rgba.shape[-1])
    px[nz, :3] = (px[nz, :3] * (1 - a) + col[:, :3] * a).astype(np.uint8)
    return rgba


def union(a: Rect | None, b: Rect) -> Rect:
    if a is None:
        return tuple(int(v) for v in b)
    return (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))


def touches(changed: SectionSpec, rect: Rect, spec: SectionSpec) -> bool:
    """Can an edit of ``changed`` inside ``rect`` change what is drawn on ``spec``?"""
    if changed == spec:
        return True
    if changed.kind == spec.kind:
        return False
    r0, r1, c0, c1 = rect
    if changed.kind == "time":  # the slice's row (inline view) or column (crossline view) at spec.index
        lo, hi = (r0, r1) if spec.kind == "inline" else (c0, c1)
        return lo <= spec.index < hi
    if spec.kind == "time":  # sample rows of the vertical section
        return r0 <= spec.index < r1
    return c0 <= spec.index < c1  # an inline and a crossline meet at one column


# -- the shared display state ---------------------------------------------------------------
_DISPLAYS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def display_for(session, parent: QObject | None = None) -> LabelDisplay:
    """The session's :class:`LabelDisplay` (made on first use)."""
    d = _DISPLAYS.get(session)
    if d is None:
        d = _DISPLAYS[session] = LabelDisplay(session, parent)
    return d


class LabelDisplay(QObject):
    """Labels, palette and label display settings of one session, as the map and 3-D views need them."""

    restyled = pyqtSignal()  # opacity, visibility, palette, project or survey changed: redraw everything
    edited = pyqtSignal(object)  # {SectionSpec: (r0, r1, c0, c1)} edited since the last emission

    def __init__(self, session, parent: QObject | None = None):
        super().__init__(parent)
        # weak: the registry's value must not keep its own (weak) key alive
        self._session = weakref.ref(session)
        self.opacity = 1.0
        self.visible = True
        self.project = None
        self._pending: dict[SectionSpec, Rect] = {}
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(COALESCE_MS)
        self._timer.timeout.connect(self._due)
        self._project_handles: list = []
        self._handles = connect_all([(session.events.project, self._on_project),
                                     (session.events.survey, self._on_survey)])
        self._on_project(session.project)

    def _on_survey(self, _session) -> None:
        self.restyled.emit()

    @property
    def session(self):
        return self._session()

    @property
    def labels(self):
        """The project's LabelSet when its survey geometry fits the open volume, else None."""
        s = self.session
        p, v = self.project, (s.volume if s is not None else None)
        ok = (p is not None and p.geometry is not None and v is not None
              and tuple(p.geometry.shape) == tuple(v.geometry.shape))
        return p.labels if ok else None

    def lut(self) -> np.ndarray:
        """(256, 4) RGBA of the classes (hidden classes and id 0 transparent)."""
        return self.project.palette.lut(1.0) if self.project is not None else np.zeros((256, 4), np.uint8)

    def shown(self) -> bool:
        return self.visible and self.opacity > 0 and self.labels is not None

    def set_style(self, opacity: float, visible: bool) -> None:
        if (float(opacity), bool(visible)) != (self.opacity, self.visible):
            self.opacity, self.visible = float(opacity), bool(visible)
            self.restyled.emit()

    def _on_project(self, project) -> None:
        self._project_handles = disconnect_all(self._project_handles)
        self.project = project
        if project is not None:
            self._project_handles = connect_all([(project.labels.events.changed, self._on_changed),
                                                 (project.labels.events.stroke, self._on_stroke),
                                                 (project.palette.changed, self._on_palette)])
        self._pending.clear()
        self.restyled.emit()

    def _on_palette(self) -> None:
        self.restyled.emit()

    def _on_changed(self, spec: SectionSpec, rect) -> None:
        self._pending[spec] = union(self._pending.get(spec), rect)
        if not self._timer.isActive():
            self._timer.start(COALESCE_MS)

    def _on_stroke(self, stroke) -> None:
        """A committed stroke puts its sections in the labelled list (their crossings and traces
        show from then on): its pixels count as edited once more, after the commit."""
        labels = self.project.labels if self.project is not None else None
        if labels is None:
            return
        for part in stroke.parts:
            if len(part.idx):
                rr, cc = np.divmod(part.idx, labels.shape(part.spec)[1])
                self._on_changed(part.spec, (int(rr.min()), int(rr.max()) + 1, int(cc.min()), int(cc.max()) + 1))

    def _due(self) -> None:
        frame_clock().solo(self.flush)  # not in the mouse event that carries the crosshair's frame

    def flush(self) -> None:
        """Emit the edits gathered so far now (the timer does it ~40 ms after the first)."""
        self._timer.stop()
        if self._pending:
            pending, self._pending = self._pending, {}
            self.edited.emit(pending)

    def detach(self) -> None:
        self._timer.stop()
        self._project_handles = disconnect_all(self._project_handles)
        self._handles = disconnect_all(self._handles)
        s = self.session
        if s is not None and _DISPLAYS.get(s) is self:
            del _DISPLAYS[s]


# -- drawing class-coloured lines in a pyqtgraph view ------------------------------------------
class SegmentsItem(pg.GraphicsObject):
    """Lines in array pixel coordinates, one pen per group; cosmetic pens keep their screen width.

    A new set of lines repaints only where lines changed (a brush stroke grows one footprint
    or one crossing while the rest stay): repainting the whole item, which spans the whole
    view, cost a full-view repaint of the map and of the crossed sections at every flush.
    """

    def __init__(self, width: float = 3.0, style=Qt.PenStyle.SolidLine):
        super().__init__()
        self.width = width
        self.style = style
        self._groups: dict = {}  # key -> (pen, [QLineF])
        self._colors: dict = {}
        self.segments: dict = {}
        self._rect = QRectF()
        self.last_dirty: QRectF | None = None  # item rect of the last partial repaint (tests)

    @property
    def groups(self) -> list[tuple[QPen, list[QLineF]]]:
        return list(self._groups.values())

    def set_segments(self, segments: dict, colors: dict, shape: tuple[int, int] | None) -> None:
        """``segments``: key -> (n, 4) lines; ``colors``: key -> (r, g, b[, a]); keys without a colour are skipped."""
        h, w = shape if shape is not None else (0, 0)
        rect = QRectF(-1, -1, w + 2, h + 2)
        new = {k: np.asarray(v, float) for k, v in segments.items() if k in colors and len(v)}
        whole = rect != self._rect
        dirty = None  # (x0, y0, x1, y1) of the lines that differ
        for key in {*self.segments, *new}:
            old_seg, new_seg = self.segments.get(key), new.get(key)
            if old_seg is not None and new_seg is not None and self._colors.get(key) == colors.get(key):
                box = _changed_box(old_seg, new_seg)
            else:  # a group appears, goes or changes colour
                box = _box(old_seg if new_seg is None else new_seg if old_seg is None
                           else np.concatenate([old_seg, new_seg]))
            if box is None:
                continue
            dirty = box if dirty is None else (min(dirty[0], box[0]), min(dirty[1], box[1]),
                                               max(dirty[2], box[2]), max(dirty[3], box[3]))
            if new_seg is None:
                self._groups.pop(key, None)
            else:
                pen = QPen(QColor(*colors[key]), self.width, self.style)
                pen.setCosmetic(True)
                pen.setCapStyle(Qt.PenCapStyle.FlatCap)
                self._groups[key] = (pen, [QLineF(*map(float, s)) for s in new_seg])
        self._groups = {k: self._groups[k] for k in new if k in self._groups}  # in the callers' order
        self.segments = new
        self._colors = {k: colors[k] for k in new}
        if whole:
            self.prepareGeometryChange()
            self._rect = rect
            self.last_dirty = None
            self.update()
        elif dirty is not None:
            self._update_lines(dirty)

    def _update_lines(self, box) -> None:
        """Repaint the lines' bounding box, widened by the pen's width in screen pixels."""
        x0, y0, x1, y1 = box
        r = QRectF(x0, y0, x1 - x0, y1 - y0)
        scene = self.scene()
        views = scene.views() if scene is not None else []
        dev = self.deviceTransform(views[0].viewportTransform()) if views else None  # the view shown
        inv, ok = dev.inverted() if dev is not None else (None, False)
        if not ok:  # not in a view: all of it
            self.last_dirty = None
            self.update()
            return
        m = self.width / 2 + 2
        r = inv.mapRect(dev.mapRect(r).adjusted(-m, -m, m, m))
        self.last_dirty = r
        update_part(self, r)

    def n_lines(self) -> int:
        return sum(len(lines) for _pen, lines in self.groups)

    def boundingRect(self) -> QRectF:
        return self._rect

    def paint(self, p: QPainter, *_args) -> None:
        for pen, lines in self._groups.values():
            p.setPen(pen)
            p.drawLines(lines)


def _box(seg: np.ndarray | None):
    """``(x0, y0, x1, y1)`` around ``(n, 4)`` lines, None for none."""
    if seg is None or not len(seg):
        return None
    xs, ys = seg[:, 0::2], seg[:, 1::2]
    return float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max())


def _changed_box(old: np.ndarray, new: np.ndarray):
    """The box around the lines that differ between two line lists (None: the same lines).

    Lists made the same way keep their order, so an edit changes a run of rows in the
    middle: the rows before the first and after the last difference are left out.
    """
    if old.shape == new.shape and np.array_equal(old, new):
        return None
    n = min(len(old), len(new))
    same = np.all(old[:n] == new[:n], axis=1)
    head = int(np.argmin(same)) if not same.all() else n
    m = n - head
    same_tail = np.all(old[len(old) - m:][::-1] == new[len(new) - m:][::-1], axis=1) if m else same[:0]
    tail = int(np.argmin(same_tail)) if not same_tail.all() else m
    parts = [old[head:len(old) - tail], new[head:len(new) - tail]]
    return _box(np.concatenate(parts))
