"""Labels in the map and as crossings in the section views (the 3-D view draws its own).

* Map (time slice / window attribute at the current sample, world coordinates):
  the current time slice's own labels, the labels of every labelled inline and
  crossline where it crosses the slice (class-coloured lines), and the traces
  of the labelled sections (dashed lines over the extent they are labelled).
* Section views: where other labelled sections cross the shown one (a labelled
  crossline is a coloured vertical line on an inline, a labelled inline a
  horizontal line on the time slice, ...). Their own labels stay with
  ``paint_tools.LabelMaskItem``.

Everything follows :class:`~seisview.qt.label_display.LabelDisplay`: edits
arrive coalesced, and a view redraws only when an edit can touch what it shows.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject, Qt

from seisview.core.section import SectionSpec
from seisview.qt.label_display import (
    LabelDisplay,
    SegmentsItem,
    crossing_segments,
    crossings,
    lines,
    runs,
    touches,
)
from seisview.qt.paint_tools import LabelMaskItem
from seisview.qt.signals import connect_all, disconnect_all

FOOTPRINT_RGBA = (0, 0, 0, 230)


def _colors(lut: np.ndarray) -> dict[int, tuple[int, int, int]]:
    return {int(i): tuple(int(v) for v in lut[i, :3]) for i in np.flatnonzero(lut[:, 3])}


class SectionCrossings(QObject):
    """One crossings item per section view, redrawn on position changes and touching edits."""

    def __init__(self, display: LabelDisplay, views: dict, parent: QObject | None = None):
        super().__init__(parent)
        self.display = display
        self.session = display.session
        self.views = dict(views)
        self.items = {}
        for kind, view in self.views.items():  # above the position lines (z 80): the labelled
            self.items[kind] = view.add_pixel_item(SegmentsItem(width=3), z=85)  # section may be the current one
        self._handles = connect_all([(display.restyled, self.redraw), (display.edited, self._on_edited),
                                     (self.session.events.position, self._on_position)])
        self.redraw()

    def redraw(self, kinds=None) -> None:
        d = self.display
        labels = d.labels if d.shown() else None
        colors = _colors(d.lut())
        for kind in kinds or self.items:
            item = self.items[kind]
            item.setOpacity(d.opacity)
            if labels is None:
                item.set_segments({}, {}, None)
                continue
            spec = self.session.spec(kind)
            item.set_segments(crossing_segments(crossings(labels, spec)), colors, labels.shape(spec))

    def _on_position(self, kind: str, _index: int) -> None:
        if kind in self.items:
            self.redraw([kind])

    def _on_edited(self, edits: dict) -> None:
        if self.session.volume is None:
            return
        kinds = [k for k in self.items
                 if any(touches(s, r, self.session.spec(k)) and s.kind != k for s, r in edits.items())]
        if kinds:
            self.redraw(kinds)

    def detach(self) -> None:
        self._handles = disconnect_all(self._handles)
        for kind, item in self.items.items():
            self.views[kind].remove_pixel_item(item)
        self.items = {}


class MapLabels(QObject):
    """Labels on the map view: the slice's own mask, crossings at the slice, labelled-section traces."""

    def __init__(self, display: LabelDisplay, map_view, parent: QObject | None = None):
        super().__init__(parent)
        self.display = display
        self.session = display.session
        self.view = map_view
        self.mask = map_view.add_pixel_item(LabelMaskItem(), z=25)
        # traces above the position lines (z 40): the labelled section may be the current one
        self.footprints = map_view.add_pixel_item(SegmentsItem(width=2, style=Qt.PenStyle.DashLine), z=41)
        self.crossings = map_view.add_pixel_item(SegmentsItem(width=3), z=45)
        self._extent: dict[SectionSpec, np.ndarray] = {}  # labelled traces of each vertical section
        self._handles = connect_all([(display.restyled, self.redraw), (display.edited, self._on_edited),
                                     (self.session.events.position, self._on_position)])
        self.redraw()

    def spec(self) -> SectionSpec:
        return SectionSpec("time", self.session.t_idx)

    def redraw(self) -> None:
        d = self.display
        self._extent = {}
        labels = d.labels if d.shown() else None
        for item in (self.mask, self.crossings):
            item.setOpacity(d.opacity)
        # the traces are a marker, not label pixels: legible even when the labels are faint
        self.footprints.setOpacity(1.0 if d.opacity > 0 else 0.0)
        self.mask.set_table(d.lut())
        self._show_mask(labels)
        self._draw_lines(labels, footprints=True)

    def _show_mask(self, labels) -> None:
        """The slice's own labels; an unlabelled slice costs nothing (no mask, no recolour)."""
        spec = self.spec()
        shown = labels is not None and labels.has_labels(spec)
        if shown or self.mask.spec is not None:
            self.mask.show_section(labels if shown else None, spec if shown else None)

    def _draw_lines(self, labels, footprints: bool) -> None:
        if labels is None:
            self.crossings.set_segments({}, {}, None)
            self.footprints.set_segments({}, {}, None)
            return
        spec = self.spec()
        shape = labels.shape(spec)
        self.crossings.set_segments(crossing_segments(crossings(labels, spec)), _colors(self.display.lut()),
                                    shape)
        if footprints:
            self.footprints.set_segments({"traces": self._footprint_lines(labels)},
                                         {"traces": FOOTPRINT_RGBA}, shape)

    def _footprint_lines(self, labels) -> np.ndarray:
        """Map lines along the traces each labelled inline / crossline has labels on."""
        out = []
        live = set()
        for spec, _n in labels.labelled_sections():
            if spec.kind == "time":
                continue
            live.add(spec)
            ext = self._extent.get(spec)
            if ext is None:
                ext = self._extent[spec] = labels.mask(spec).any(axis=0)
            start, stop, _ids = runs(ext.view(np.uint8))
            # on the (il, xl) map an inline is a row, a crossline a column
            out.append(lines("row" if spec.kind == "inline" else "col", spec.index, start, stop))
        for spec in [s for s in self._extent if s not in live]:
            del self._extent[spec]
        return np.concatenate(out) if out else np.zeros((0, 4))

    def _on_position(self, kind: str, _index: int) -> None:
        if kind == "time":
            labels = self.display.labels if self.display.shown() else None
            self._show_mask(labels)
            self._draw_lines(labels, footprints=False)

    def _on_edited(self, edits: dict) -> None:
        labels = self.display.labels if self.display.shown() else None
        if labels is None:
            return
        spec = self.spec()
        cross = traces = False
        for s, rect in edits.items():
            if s == spec:
                if self.mask.spec == spec:
                    self.mask.update_rect(s, rect)
                else:  # the first labels on this slice
                    self._show_mask(labels)
            elif s.kind != "time":
                r0, r1, c0, c1 = rect
                ext = self._extent.get(s)
                if ext is None:  # a section not drawn yet: its trace may appear
                    traces = True
                else:  # only the edited traces can change their extent, and mostly do not
                    now = labels.mask(s)[:, c0:c1].any(axis=0)
                    if not np.array_equal(ext[c0:c1], now):
                        ext[c0:c1] = now
                        traces = True
                cross = cross or touches(s, rect, spec)  # only an edit across the slice's row
        if traces or cross:
            self._draw_lines(labels, footprints=traces)

    def detach(self) -> None:
        self._handles = disconnect_all(self._handles)
        for item in (self.mask, self.footprints, self.crossings):
            self.view.remove_pixel_item(item)


def install(window, controller) -> tuple[LabelDisplay, SectionCrossings, MapLabels]:
    """Labels in the map and as crossings in the section views of ``window``, styled like ``controller``'s."""
    from seisview.qt.label_display import display_for

    display = display_for(window.session, parent=window)
    display.set_style(controller.opacity, controller.visible)
    controller.changed.connect(lambda: display.set_style(controller.opacity, controller.visible))
    return (display, SectionCrossings(display, window.section_views, parent=window),
            MapLabels(display, window.map_view, parent=window))
