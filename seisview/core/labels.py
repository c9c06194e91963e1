"""Facies labels painted on sections: the painting model, with no Qt.

Masks are ``uint8`` per section (``0`` = unlabelled, class id ``k >= 1``), shaped
like the section array: ``(sample, crossline)`` for an inline,
``(sample, inline)`` for a crossline and ``(inline, crossline)`` for a time
slice. Coordinates given to the tools are ``(row, col)`` in that array.

Every edit is a :class:`Stroke` (one brush drag, one fill, one polygon, one
import) recording the pixels it changed with their old and new values, so undo
and redo work across sections and the project journal can rebuild the masks.
A stroke is handed to the ``journal`` (the project store) when it ends; if
that fails, the stroke is taken back and the error is raised, so the screen
never shows labels that are not saved.

``events.changed(spec, (r0, r1, c0, c1))`` names the rectangle that changed, so
a view redraws only that part.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
from psygnal import Signal, SignalGroup

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.core.history import UndoStack
from seisview.core.raster import disc, flood_region, polygon_mask
from seisview.core.section import SectionSpec

__all__ = ["LabelPart", "LabelSet", "Stroke", "disc", "flood_region", "polygon_mask", "section_shape"]

Rect = tuple[int, int, int, int]  # r0, r1, c0, c1 (half-open)


@dataclass(frozen=True, eq=False)
class LabelPart:
    """The pixels one stroke changed on one section (flat indices, old and new ids)."""

    spec: SectionSpec
    idx: np.ndarray  # int64 flat indices into the section mask
    old: np.ndarray  # uint8
    new: np.ndarray  # uint8


@dataclass(frozen=True, eq=False)
class Stroke:
    id: int
    tool: str
    class_id: int
    parts: tuple[LabelPart, ...]

    @property
    def n_pixels(self) -> int:
        return int(sum(len(p.idx) for p in self.parts))


class LabelJournal(Protocol):
    """Where finished strokes go (implemented by ``seisview.io.project.Project``)."""

    def commit_stroke(self, tool: str, class_id: int, parts: tuple[LabelPart, ...],
                      dropped: list[int]) -> int: ...

    def mark_stroke(self, stroke_id: int, state: str) -> None: ...


class LabelEvents(SignalGroup):
    changed = Signal(object, tuple)  # SectionSpec, (r0, r1, c0, c1) changed rectangle
    stroke = Signal(object)  # Stroke, after it was committed
    history = Signal()  # undo/redo availability or the labelled-section list changed


def require_geometry(geometry: SurveyGeometry | None) -> SurveyGeometry:
    if geometry is None:
        raise SeisviewError("labels need a post-stack survey geometry",
                            hint="make the project on a 3-D post-stack SEG-Y")
    return geometry


def section_shape(geometry: SurveyGeometry | None, spec: SectionSpec) -> tuple[int, int]:
    geometry = require_geometry(geometry)
    n_il, n_xl, n_s = geometry.shape
    n = {"inline": n_il, "crossline": n_xl, "time": n_s}[spec.kind]
    if not 0 <= spec.index < n:
        raise SeisviewError(f"section {geometry.describe(spec)} is outside the survey ({geometry.extent_text()})")
    return {"inline": (n_s, n_xl), "crossline": (n_s, n_il), "time": (n_il, n_xl)}[spec.kind]


class LabelSet:
    """Label masks of the sections of one survey, with painting tools and undo."""

    def survey(self) -> SurveyGeometry:
        """The survey geometry; a one-line error when the labels have none (pre-stack data)."""
        return require_geometry(self.geometry)

    def __init__(self, geometry: SurveyGeometry | None, journal: LabelJournal | None = None):
        self.geometry = geometry
        self.journal = journal
        self.events = LabelEvents()
        self._masks: dict[SectionSpec, np.ndarray] = {}
        self._counts: dict[SectionSpec, np.ndarray] = {}  # pixels per class id, kept up to date
        self._history = UndoStack()
        self._next_id = 1
        self._active: dict | None = None  # stroke in progress

    # -- masks ------------------------------------------------------------------
    def shape(self, spec: SectionSpec) -> tuple[int, int]:
        return section_shape(self.geometry, spec)

    def _mask(self, spec: SectionSpec) -> np.ndarray:
        m = self._masks.get(spec)
        if m is None:
            m = self._masks[spec] = np.zeros(self.shape(spec), np.uint8)
            self._counts[spec] = np.zeros(256, np.int64)
            self._counts[spec][0] = m.size
        return m

    def mask(self, spec: SectionSpec) -> np.ndarray:
        """Read-only view of a section's mask (zeros when nothing is painted there)."""
        v = self._mask(spec).view()
        v.flags.writeable = False
        return v

    def has_labels(self, spec: SectionSpec) -> bool:
        m = self._masks.get(spec)
        return m is not None and bool(m.any())

    def labelled_sections(self) -> list[tuple[SectionSpec, int]]:
        """Sections with labels and their labelled-pixel counts, in kind/index order."""
        order = {"inline": 0, "crossline": 1, "time": 2}
        out = [(s, int(m.size - self._counts[s][0])) for s, m in self._masks.items()]
        return sorted([o for o in out if o[1]], key=lambda o: (order[o[0].kind], o[0].index))

    def class_counts(self) -> dict[int, int]:
        """Labelled pixels per class id over all sections (strokes in progress not included)."""
        counts = np.zeros(256, np.int64)
        for c in self._counts.values():
            counts += c
        return {int(k): int(counts[k]) for k in np.nonzero(counts)[0] if k}

    def snapshot(self) -> dict[SectionSpec, np.ndarray]:
        """Frozen copies of every labelled section's mask (for training workers)."""
        out = {}
        for spec, m in self._masks.items():
            if m.any():
                c = m.copy()
                c.flags.writeable = False
                out[spec] = c
        return out

    # -- one stroke at a time -----------------------------------------------------
    @property
    def in_stroke(self) -> bool:
        return self._active is not None

    def begin(self, spec: SectionSpec, class_id: int, tool: str = "brush", *,
              radius: int = 3, preserve: bool = False) -> None:
        """Start a brush or eraser drag on ``spec`` (ends a stroke left open)."""
        if tool not in ("brush", "erase"):
            raise ValueError(f"begin() is for brush/erase, not {tool!r}")
        if self._active is not None:
            self.end()
        if not 0 <= class_id <= 255:
            raise SeisviewError(f"class id {class_id} is outside 1..255")
        m = self._mask(spec)
        self._active = {"spec": spec, "class": class_id, "tool": tool, "radius": int(radius),
                        "preserve": preserve, "before": m.copy(), "last": None,
                        "rect": [m.shape[0], 0, m.shape[1], 0]}

    def stamp(self, row: float, col: float) -> Rect | None:
        """Stamp the brush once at ``(row, col)``; returns the changed rectangle (or None)."""
        a = self._need_active()
        a["last"] = (row, col)
        return self._stamp(a, row, col)

    def drag_to(self, row: float, col: float) -> Rect | None:
        """Stamp along the segment from the last point to ``(row, col)``."""
        a = self._need_active()
        if a["last"] is None:
            return self.stamp(row, col)
        r0, c0 = a["last"]
        step = max(1.0, a["radius"] / 2)
        n = int(np.ceil(np.hypot(row - r0, col - c0) / step))
        rect = None
        for t in np.linspace(0, 1, n + 1)[1:]:
            rr = self._stamp(a, r0 + t * (row - r0), c0 + t * (col - c0), emit=False)
            rect = _union(rect, rr)
        a["last"] = (row, col)
        if rect is not None:  # one event for the segment: listeners redraw its rect once, not per stamp
            self.events.changed.emit(a["spec"], rect)
        return rect

    def _need_active(self) -> dict:
        if self._active is None:
            raise RuntimeError("no stroke in progress: call begin() first")
        return self._active

    def _stamp(self, a: dict, row: float, col: float, emit: bool = True) -> Rect | None:
        m = self._masks[a["spec"]]
        r = a["radius"]
        fp = disc(r)
        ri, ci = int(round(row)), int(round(col))
        r0, r1, c0, c1 = ri - r, ri + r + 1, ci - r, ci + r + 1
        cr0, cr1, cc0, cc1 = max(r0, 0), min(r1, m.shape[0]), max(c0, 0), min(c1, m.shape[1])
        if cr0 >= cr1 or cc0 >= cc1:
            return None
        sel = fp[cr0 - r0:cr1 - r0, cc0 - c0:cc1 - c0]
        sub = m[cr0:cr1, cc0:cc1]
        value = 0 if a["tool"] == "erase" else a["class"]
        if a["preserve"]:
            before = a["before"][cr0:cr1, cc0:cc1]
            # brush: only unlabelled pixels; eraser: only the chosen class
            sel = sel & ((before == 0) if value else (before == a["class"]))
        sub[sel] = value
        rect = (cr0, cr1, cc0, cc1)
        ar = a["rect"]
        a["rect"] = [min(ar[0], cr0), max(ar[1], cr1), min(ar[2], cc0), max(ar[3], cc1)]
        if emit:
            self.events.changed.emit(a["spec"], rect)
        return rect

    def end(self) -> Stroke | None:
        """Finish the drag and commit it; ``None`` when it changed nothing."""
        a = self._need_active()
        self._active = None
        r0, r1, c0, c1 = a["rect"]
        if r0 >= r1:
            return None
        m = self._masks[a["spec"]]
        sub_new, sub_old = m[r0:r1, c0:c1], a["before"][r0:r1, c0:c1]
        rr, cc = np.nonzero(sub_new != sub_old)
        if len(rr) == 0:  # painted over its own class only: no undo step, no journal row
            return None
        idx = (rr + r0).astype(np.int64) * m.shape[1] + (cc + c0)
        part = LabelPart(a["spec"], idx, sub_old[rr, cc].copy(), sub_new[rr, cc].copy())
        self._count(part.spec, part.old, part.new)  # a failed commit takes it back via _write
        return self._commit(a["tool"], a["class"], (part,))

    def cancel(self) -> None:
        """Abandon the stroke in progress and restore the section."""
        a = self._need_active()
        self._active = None
        m = self._masks[a["spec"]]
        r0, r1, c0, c1 = a["rect"]
        if r0 < r1:
            m[r0:r1, c0:c1] = a["before"][r0:r1, c0:c1]
            self.events.changed.emit(a["spec"], (r0, r1, c0, c1))

    # -- whole-stroke tools ---------------------------------------------------------
    def paint(self, spec: SectionSpec, points, class_id: int, radius: int = 3, *,
              erase: bool = False, preserve: bool = False) -> Stroke | None:
        """A whole brush (or eraser) drag through ``points`` [(row, col), ...]."""
        self.begin(spec, class_id, "erase" if erase else "brush", radius=radius, preserve=preserve)
        for r, c in points:
            self.drag_to(r, c)
        return self.end()

    def fill(self, spec: SectionSpec, row: int, col: int, class_id: int, *,
             preserve: bool = False) -> Stroke | None:
        """Flood-fill the 4-connected region of equal label around ``(row, col)``."""
        m = self._mask(spec)
        row, col = int(row), int(col)
        if not (0 <= row < m.shape[0] and 0 <= col < m.shape[1]):
            return None
        seed = m[row, col]
        if seed == class_id or (preserve and seed != 0):
            return None
        region = flood_region(m == seed, row, col)
        return self._set_where(spec, region, class_id, "fill", class_id)

    def polygon(self, spec: SectionSpec, vertices, class_id: int, *,
                preserve: bool = False) -> Stroke | None:
        """Fill the polygon (or lasso) through ``vertices`` [(row, col), ...]."""
        m = self._mask(spec)
        inside = polygon_mask(m.shape, np.asarray(vertices, float))
        if preserve:
            inside &= m == 0
        return self._set_where(spec, inside, class_id, "polygon", class_id)

    def clear_section(self, spec: SectionSpec) -> Stroke | None:
        m = self._mask(spec)
        return self._set_where(spec, m != 0, 0, "clear", 0)

    def _set_where(self, spec, where: np.ndarray, value: int, tool: str, class_id: int):
        m = self._mask(spec)
        idx = np.flatnonzero(where & (m != value))
        return self.apply({spec: (idx, np.full(len(idx), value, np.uint8))}, tool, class_id)

    def apply(self, changes: dict, tool: str = "import", class_id: int = 0) -> Stroke | None:
        """One stroke setting ``{spec: (flat_idx, values)}``, possibly on many sections."""
        if self._active is not None:
            self.end()
        parts = []
        for spec, (idx, values) in changes.items():
            m = self._mask(spec)
            idx = np.asarray(idx, np.int64)
            values = np.broadcast_to(np.asarray(values, np.uint8), idx.shape)
            if len(np.unique(idx)) != len(idx):  # a pixel given twice: its last value wins
                _, last = np.unique(idx[::-1], return_index=True)
                keep_last = len(idx) - 1 - last
                idx, values = idx[keep_last], values[keep_last]
            flat = m.reshape(-1)
            if len(idx) and (idx.min() < 0 or idx.max() >= flat.size):
                where = self.geometry.describe(spec) if self.geometry else spec.key()
                raise SeisviewError(f"label pixels outside section {where}")
            keep = flat[idx] != values  # only pixels that really change
            idx, values = idx[keep], values[keep]
            if len(idx):
                parts.append(LabelPart(spec, idx, flat[idx].copy(), np.array(values, np.uint8)))
        if not parts:
            return None
        for p in parts:
            self._write(p.spec, p.idx, p.new)
        return self._commit(tool, class_id, tuple(parts))

    def _commit(self, tool: str, class_id: int, parts: tuple[LabelPart, ...]) -> Stroke:
        dropped = self._history.redo_ids()
        try:
            sid = (self.journal.commit_stroke(tool, class_id, parts, dropped)
                   if self.journal is not None else self._next_id)
        except BaseException:
            for p in parts:  # take the stroke back: the screen shows only what is saved
                self._write(p.spec, p.idx, p.old)
            raise
        self._next_id = max(self._next_id, sid) + 1
        stroke = Stroke(sid, tool, class_id, parts)
        self._history.push(stroke)
        self.events.stroke.emit(stroke)
        self.events.history.emit()
        return stroke

    def _count(self, spec: SectionSpec, old: np.ndarray, new: np.ndarray) -> None:
        c = self._counts[spec]
        c -= np.bincount(old, minlength=256)
        c += np.bincount(new, minlength=256)

    def _write(self, spec: SectionSpec, idx: np.ndarray, values: np.ndarray) -> None:
        m = self._mask(spec)
        self._count(spec, m.reshape(-1)[idx], values)
        m.reshape(-1)[idx] = values
        if len(idx):
            rr, cc = np.divmod(idx, m.shape[1])
            self.events.changed.emit(spec, (int(rr.min()), int(rr.max()) + 1,
                                            int(cc.min()), int(cc.max()) + 1))

    # -- undo / redo --------------------------------------------------------------------
    @property
    def can_undo(self) -> bool:
        return self._history.can_undo

    @property
    def can_redo(self) -> bool:
        return self._history.can_redo

    def undo(self) -> Stroke | None:
        """Undo the latest stroke, whatever section it is on; returns it (None if none)."""
        if self._active is not None:
            self.end()
        return self._history.undo(self._mark, self._replay)

    def redo(self) -> Stroke | None:
        return self._history.redo(self._mark, self._replay)

    def _mark(self, sid: int, state: str) -> None:
        if self.journal is not None:
            self.journal.mark_stroke(sid, state)

    def _replay(self, s: Stroke, forward: bool) -> None:
        for p in (s.parts if forward else reversed(s.parts)):
            self._write(p.spec, p.idx, p.new if forward else p.old)
        self.events.history.emit()

    def rebuild(self, strokes, states: dict[int, str]) -> None:
        """Replace all masks by the replay of journal ``strokes`` (used on project open)."""
        self._masks.clear()
        self._counts.clear()
        self._active = None
        for s in self._history.rebuild(strokes, states):
            for p in s.parts:
                self._mask(p.spec).reshape(-1)[p.idx] = p.new
        for spec, m in self._masks.items():
            self._counts[spec] = np.bincount(m.ravel(), minlength=256).astype(np.int64)
        self._next_id = max((s.id for s in strokes), default=0) + 1
        self.events.history.emit()


def _union(a: Rect | None, b: Rect | None) -> Rect | None:
    if a is None or b is None:
        return a or b
    return (min(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), max(a[3], b[3]))
