"""First-break picking on the gather view.

* Left click or drag: pick the traces crossed, each snapped to the strongest
  onset (maximum of the energy-ratio characteristic function) within
  ``window_ms`` of the mouse. One drag is one undo step, committed on release.
* Ctrl + drag: linear moveout helper: picks along the straight line from press
  to release (snapped if snapping is on).
* Right click or drag: delete the picks of the traces crossed.

Picks are drawn as a yellow line; picks made by a model (with a confidence)
are also drawn as points coloured red (0) → green (1) by confidence.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject, Qt

from seisview.core.onset import snap
from seisview.qt.tools import GatherRef, SectionTool, ToolEvent, guarded

HAND_COLOR = (255, 220, 0)
PENDING_COLOR = (0, 200, 255)


def confidence_colors(conf: np.ndarray) -> list[tuple[int, int, int]]:
    c = np.clip(np.nan_to_num(conf, nan=1.0), 0, 1)
    return [(int(255 * (1 - v)), int(200 * v), 40) for v in c]


class PickController(QObject):
    """Shows the project's picks on the gather view and holds the picking settings."""

    def __init__(self, window):
        super().__init__(window)
        self.window = window
        self.session = window.session
        self.project = None
        self.snap = True
        self.window_ms = 8.0
        self.method = "energy_ratio"  # onset characteristic function: energy_ratio | sta_lta | mer | aic
        self.tool = PickTool(self)
        self._handles: list = []
        self.session.events.project.connect(self.set_project)
        self.session.events.gather.connect(lambda _k: self.redraw())
        self.set_project(self.session.project)

    @property
    def picks(self):
        return self.project.picks if self.project is not None else None

    def set_project(self, project) -> None:
        for sig, slot in self._handles:
            sig.disconnect(slot)
        self.project = project
        self._handles = [(project.picks.events.changed, self._on_changed)] if project is not None else []
        for sig, slot in self._handles:
            sig.connect(slot)
        self.redraw()

    def _on_changed(self, gathers) -> None:
        g = self.window.gather_view.gather
        if g is not None and int(g.key) in gathers:
            self.redraw()

    def redraw(self) -> None:
        gv = self.window.gather_view
        g = gv.gather
        if g is None or self.picks is None:
            gv.clear_marks("picks")
            gv.clear_marks("pick_confidence")
            return
        ch, t, conf = self.picks.for_gather(g.key)
        pos_of = {int(c): i for i, c in enumerate(g.channels)}
        x = np.array([pos_of.get(int(c), -1) for c in ch], float)
        keep = x >= 0
        x, t, conf = x[keep], t[keep], conf[keep]
        order = np.argsort(x)
        x, t, conf = x[order], t[order], conf[order]
        # a gap in the channels breaks the line (NaN), so an unpicked trace shows as a gap
        gaps = np.flatnonzero(np.diff(x) > 1)
        xl, tl = np.insert(x, gaps + 1, np.nan), np.insert(t, gaps + 1, np.nan)
        gv.set_marks("picks", xl, tl, color=HAND_COLOR, style="line")
        model = np.isfinite(conf)
        if model.any():
            gv.set_marks("pick_confidence", x[model], t[model], style="points", size=6,
                         colors=confidence_colors(conf[model]))
        else:
            gv.clear_marks("pick_confidence")

    def time_at(self, trace_pos: int, row: float) -> float:
        """Pick time for the mouse at ``row`` on display trace ``trace_pos`` (snapped when on)."""
        gs = self.session.gathers
        t = gs.t0_ms + (row - 0.5) * gs.dt_ms
        if self.snap:
            data = self.window.gather_view.gather.data
            t = snap(data[:, trace_pos], t, self.window_ms, gs.dt_ms, method=self.method, t0_ms=gs.t0_ms)
        return float(max(t, gs.t0_ms))

    def undo(self):
        return self._guard(self.picks.undo) if self.picks is not None else None

    def redo(self):
        return self._guard(self.picks.redo) if self.picks is not None else None

    def _guard(self, fn, *args, **kw):
        return guarded(self.window, "Picks not saved", fn, *args, **kw)


class PickTool(SectionTool):
    name = "pick"
    label = "Pick"
    tooltip = ("Pick first breaks: click/drag (snaps to the onset), Ctrl+drag a straight line, "
               "right-drag deletes")
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, ctl: PickController):
        self.ctl = ctl
        self.pending: dict[int, float] = {}  # display trace -> time (the drag in progress)
        self.deleting: set[int] = set()
        self.start: tuple[float, float] | None = None
        self.last: tuple[float, float] | None = None
        self.mode = ""

    def _ok(self, ev: ToolEvent) -> bool:
        return self.ctl.picks is not None and isinstance(ev.spec, GatherRef) and ev.inside

    def press(self, ev: ToolEvent) -> bool:
        if self.ctl.picks is None:  # offer a project and take the press: never pan instead
            from seisview.qt.project_actions import offer_project

            offer_project(self.ctl.window, "pick first breaks")
            return True
        if not self._ok(ev):
            return False
        self.pending, self.deleting = {}, set()
        self.start = self.last = (ev.col, ev.row)
        self.mode = "delete" if "right" in ev.buttons else "line" if "ctrl" in ev.modifiers else "pick"
        self._visit(ev.col, ev.row, ev.col, ev.row)
        return True

    def move(self, ev: ToolEvent) -> bool:
        if self.start is None:
            return False
        if self.mode == "line":
            self.pending = {}
            self._visit(*self.start, ev.col, ev.row)
            self._show_velocity(ev)
        else:
            self._visit(*self.last, ev.col, ev.row)
        self.last = (ev.col, ev.row)
        return True

    def _visit(self, c0: float, r0: float, c1: float, r1: float) -> None:
        """Every trace between columns c0 and c1, with the row interpolated along the segment."""
        n_tr = self.ctl.window.gather_view.gather.data.shape[1]
        a, b = int(np.floor(min(c0, c1))), int(np.floor(max(c0, c1)))
        for tr in range(max(a, 0), min(b, n_tr - 1) + 1):
            f = 0.0 if c1 == c0 else np.clip((tr + 0.5 - c0) / (c1 - c0), 0, 1)
            row = r0 + f * (r1 - r0)
            if self.mode == "delete":
                self.deleting.add(tr)
            else:
                self.pending[tr] = self.ctl.time_at(tr, row)
        self._show_pending()

    def _show_velocity(self, ev: ToolEvent) -> None:
        """Apparent velocity of the moveout line (offset change over time change), in the status bar."""
        g = self.ctl.window.gather_view.gather
        gs = self.ctl.session.gathers
        n = len(g.offsets)
        a, b = int(min(max(self.start[0], 0), n - 1)), int(min(max(ev.col, 0), n - 1))
        d_off = abs(float(g.offsets[b]) - float(g.offsets[a]))
        d_t = abs(ev.row - self.start[1]) * gs.dt_ms
        if np.isfinite(d_off) and d_t > 0 and a != b:
            self.ctl.window.status(f"moveout line: apparent velocity {1000.0 * d_off / d_t:.0f} m/s")

    def _show_pending(self) -> None:
        gv = self.ctl.window.gather_view
        if self.pending:
            x = np.array(sorted(self.pending), float)
            gv.set_marks("pending", x, [self.pending[int(i)] for i in x], color=PENDING_COLOR,
                         style="points", size=5)
        else:
            gv.clear_marks("pending")

    def release(self, ev: ToolEvent) -> bool:
        if self.start is None:
            return False
        if (ev.col, ev.row) != self.last:  # the view reports the last position only here
            self.move(ev)
        g = self.ctl.window.gather_view.gather
        picks = self.ctl.picks
        if self.mode == "delete":
            keys = [(g.key, int(g.channels[t])) for t in sorted(self.deleting)]
            self.ctl._guard(picks.delete_many, keys)
        elif self.pending:
            tool = "moveout" if self.mode == "line" else "pick"
            self.ctl._guard(picks.set_many, {(g.key, int(g.channels[t])): t_ms
                                             for t, t_ms in self.pending.items()}, tool=tool)
        self.pending, self.deleting, self.start, self.last = {}, set(), None, None
        self.ctl.window.gather_view.clear_marks("pending")
        return True
