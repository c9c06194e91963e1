"""Well-log panel: a LAS file's curves as side-by-side tracks, and the well on the map.

Depth increases downwards and is shared by all tracks. When the LAS header has
coordinates (X/Y, or LATI/LONG projected to UTM) and the open survey has world
coordinates, the well is drawn on the main window's map view and the panel says
which inline/crossline it falls on, or how far outside the survey it is.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from seisview.core.errors import SeisviewError
from seisview.io.wells import WellLog, read_las

log = logging.getLogger(__name__)
PREFERRED = ("GR", "CALI", "DT", "DTS", "RHOB", "NPHI")
COLOURS = ((0, 140, 0), (120, 80, 0), (0, 70, 200), (160, 0, 160), (200, 0, 0), (0, 150, 150))
MAX_TRACKS = 6


def default_tracks(wl: WellLog, n: int = MAX_TRACKS) -> list[str]:
    """Mnemonics to show: the usual curves found by alias first, then the others."""
    picks = [m for c in PREFERRED if (m := wl.find(c))]
    picks += [m for m in wl.mnemonics if m not in picks and wl.info[m].n_null < wl.depth.size]
    return picks[:n]


class WellPanel(QWidget):
    def __init__(self, main_window=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = main_window
        self.session = getattr(main_window, "session", None)
        self.well: WellLog | None = None
        self.tracks: dict[str, pg.PlotItem] = {}
        self.map_items: list = []
        self.open_btn = QPushButton("Open LAS…")
        self.open_btn.setToolTip("Open a LAS 2.0 / 3.0 well log (File → Open well log…)")
        self.title = QLabel("No well loaded")
        self.title.setWordWrap(True)
        self.location = QLabel("")
        self.location.setWordWrap(True)
        self.curve_list = QListWidget()  # tick the curves to show as tracks
        self.curve_list.setFlow(QListWidget.Flow.LeftToRight)
        self.curve_list.setWrapping(True)
        self.curve_list.setMaximumHeight(56)
        self.curve_list.itemChanged.connect(self._on_curve_ticked)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setBackground("w")
        top = QHBoxLayout()
        top.addWidget(self.open_btn)
        top.addWidget(self.title, 1)
        lay = QVBoxLayout(self)
        lay.addLayout(top)
        lay.addWidget(self.location)
        lay.addWidget(self.curve_list)
        lay.addWidget(self.graphics, 1)
        self.open_btn.clicked.connect(self._choose)
        if self.session is not None:
            self.session.events.survey.connect(self._on_survey)

    # -- loading ----------------------------------------------------------------
    def _choose(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Open well log", "", "LAS files (*.las *.LAS);;All files (*)")
        if path:
            self.load_path(path)

    def load_path(self, path: str | Path) -> WellLog | None:
        """Read and show a LAS file; a bad file is reported, never raised into Qt."""
        try:
            wl = read_las(path)
        except SeisviewError as exc:
            self.title.setText(f"Cannot open {Path(path).name}: {exc}")
            if self.main_window is not None and hasattr(self.main_window, "show_error"):
                self.main_window.show_error("Well log", str(exc))
            return None
        self.show_well(wl)
        return wl

    def show_well(self, wl: WellLog, mnemonics: list[str] | None = None) -> None:
        self.well = wl
        step = f"{wl.step:.4f} m" if wl.step else "irregular"
        self.title.setText(f"<b>{wl.name}</b> ({wl.path.name}, LAS {wl.version}) "
                           f"{wl.depth[0]:.1f}–{wl.depth[-1]:.1f} m, step {step}; "
                           f"{len(wl.problems)} problem(s)")
        self.title.setToolTip("\n".join(wl.problems) or "no problems found")
        shown = mnemonics or default_tracks(wl)
        self.curve_list.blockSignals(True)
        self.curve_list.clear()
        for m in wl.mnemonics:
            item = QListWidgetItem(m)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if m in shown else Qt.CheckState.Unchecked)
            item.setToolTip(f"{wl.info[m].description} [{wl.info[m].unit}], {wl.info[m].n_null} nulls")
            self.curve_list.addItem(item)
        self.curve_list.blockSignals(False)
        self._draw_tracks(shown)
        self.place_on_map()

    def _on_curve_ticked(self, _item=None) -> None:
        ticked = [self.curve_list.item(i).text() for i in range(self.curve_list.count())
                  if self.curve_list.item(i).checkState() == Qt.CheckState.Checked]
        # keep the tracks already shown in place; newly ticked curves go to the right
        order = [m for m in self.tracks if m in ticked] + [m for m in ticked if m not in self.tracks]
        self._draw_tracks(order)

    def _draw_tracks(self, mnemonics: list[str]) -> None:
        self.graphics.clear()
        self.tracks = {}
        first = None
        for i, m in enumerate(mnemonics):
            info = self.well.info[m]
            v = self.well.curves[m]
            n_bad = 0
            if info.alias_of in ("DT", "DTS", "RHOB", "VP", "VS"):  # ≤ 0 is invalid: not drawn
                bad = np.isfinite(v) & (v <= 0)
                n_bad = int(bad.sum())
                v = np.where(bad, np.nan, v)
            p = self.graphics.addPlot(row=0, col=i)
            p.invertY(True)
            p.showGrid(x=True, y=True, alpha=0.3)
            masked = f", {n_bad} ≤ 0 hidden" if n_bad else ""
            p.setTitle(f"{m}<br><span style='font-size:8pt'>{info.unit}{masked}</span>", size="9pt")
            p.getAxis("left").setStyle(showValues=i == 0)
            if i == 0:
                p.setLabel("left", "depth (m)")
            else:
                p.setYLink(first)
            p.getAxis("bottom").setStyle(tickTextOffset=2)
            # NaN breaks the line at nulls instead of drawing to zero
            p.plot(v, self.well.depth, pen=pg.mkPen(COLOURS[i % len(COLOURS)], width=1),
                   connect="finite")
            p.setMouseEnabled(x=False, y=True)
            self.tracks[m] = p
            first = first or p

    # -- map ----------------------------------------------------------------------
    def _on_survey(self, _session=None) -> None:
        if self.well is not None:
            self.place_on_map()

    def place_on_map(self) -> str:
        """Draw the well on the map view when possible; returns (and shows) what happened."""
        for item, plot in self.map_items:
            plot.removeItem(item)
        self.map_items = []
        msg = self._place()
        self.location.setText(msg)
        return msg

    def _place(self) -> str:
        wl = self.well
        loc = wl.location if wl is not None else None
        if loc is None or loc.x is None:
            return "No coordinates in the LAS header: the well is not placed on the map."
        where = f"x {loc.x:.0f}, y {loc.y:.0f} ({loc.source})"
        mv = getattr(self.main_window, "map_view", None)
        s = self.session
        if mv is None or s is None or s.volume is None:
            return f"Well at {where}; open a survey to see it on the map."
        g = s.geometry
        if not getattr(mv, "world", False) or g.affine is None:
            return f"Well at {where}; the survey has no world coordinates, so it cannot be placed."
        il_no, xl_no = (float(a) for a in g.lines_of(loc.x, loc.y))
        il_lo, il_hi = sorted((g.il.first, g.il.last))
        xl_lo, xl_hi = sorted((g.xl.first, g.xl.last))
        inside = il_lo <= il_no <= il_hi and xl_lo <= xl_no <= xl_hi
        cx, cy = g.world((il_lo + il_hi) / 2, (xl_lo + xl_hi) / 2)
        x0, y0 = g.world(il_lo, xl_lo)
        dist, diag = float(np.hypot(loc.x - cx, loc.y - cy)), 2 * float(np.hypot(cx - x0, cy - y0))
        if not inside and dist > 3 * max(diag, 1.0):  # far away: drawing it would shrink the map
            return (f"Well at {where}: {dist / 1000:.1f} km from the survey centre, far outside it "
                    f"(another area or coordinate system?); not drawn.")
        dot = pg.ScatterPlotItem([loc.x], [loc.y], size=12, symbol="star",
                                 brush=pg.mkBrush(255, 60, 60), pen=pg.mkPen("k"))
        label = pg.TextItem(wl.name, color=(200, 0, 0), anchor=(0, 1))
        label.setPos(loc.x, loc.y)
        for item in (dot, label):
            item.setZValue(60)
            mv.plot.addItem(item)
            self.map_items.append((item, mv.plot))
        if inside:
            return f"Well at {where}: inline {il_no:.1f}, crossline {xl_no:.1f} (inside the survey)."
        return (f"Well at {where}: outside the survey (inline {il_no:.0f}, crossline {xl_no:.0f}; "
                f"{dist / 1000:.1f} km from its centre); drawn on the map.")

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt name)
        if self.session is not None:
            try:
                self.session.events.survey.disconnect(self._on_survey)
            except Exception:
                pass
        super().closeEvent(ev)


def make_panel(main_window) -> QWidget:
    """``panel`` contribution: the Well logs dock (File → Open well log… too)."""
    panel = WellPanel(main_window)
    if hasattr(main_window, "menu"):
        main_window.menu("File").addAction("Open well log…", panel._choose)
    return panel
