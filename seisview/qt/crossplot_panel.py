"""Crossplot panel: any statistic at any layer against any other, for maps or map pairs.

Rows are those of :func:`seisview.ml.introspect.introspect` (or of a CSV from
``seisview introspect stats``): one point per map or pair, its x and y read
from the rows of the chosen layers (``raw``, a layer, ``random:<layer>``).
Points are coloured by group (e.g. in phase / out of phase); pairs whose mutual
information is not above the noise level of the shifted baseline at a layer on
either axis are drawn as hollow rings (``seisview.attributes.cooccurrence.above_noise``).
A lasso selects
points; the selection is emitted (``selection_changed``) and, for slices of
the open survey, moves the map view to the first selected slice. Export as
CSV and PNG. With a model, the statistics are recomputed in a worker on each
new training snapshot (latest request wins).
"""

from __future__ import annotations

import csv
import re
import threading
import time
import weakref
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from seisview.attributes.cooccurrence import STATS, above_noise
from seisview.core.errors import SeisviewError
from seisview.qt.workers import LatestRunner

_TAB10 = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
          (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]
# a map's position as users type it, anywhere in its name: "FILE:time:800[:attr]", "amp@time:600"
_SLICE = re.compile(r"(?:^|[:@])((?:time|depth|inline|crossline):[^:@\s]+)(?::[a-z_]+)?$", re.IGNORECASE)


class _InfoLabel(QLabel):
    """A one-line label whose whole text is also its tooltip (the dock may clip it)."""

    def setText(self, text: str) -> None:  # noqa: N802 (Qt's name)
        super().setText(text)
        self.setToolTip(text)


class LassoViewBox(pg.ViewBox):
    """A ViewBox that, in lasso mode, turns a drag into a polygon (view coordinates)."""

    def __init__(self, on_lasso, **kw):
        super().__init__(**kw)
        self.lasso = False
        self._on_lasso = on_lasso
        self._path: list[tuple[float, float]] = []
        self._curve = pg.PlotCurveItem(pen=pg.mkPen((0, 0, 0), width=1, style=Qt.PenStyle.DashLine))
        self.addItem(self._curve, ignoreBounds=True)

    def mouseDragEvent(self, ev, axis=None):
        if not self.lasso or ev.button() != Qt.MouseButton.LeftButton:
            return super().mouseDragEvent(ev, axis)
        ev.accept()
        p = self.mapToView(ev.pos())
        if ev.isStart():
            self._path = []
        self._path.append((p.x(), p.y()))
        xs, ys = zip(*(self._path + self._path[:1]), strict=True)
        self._curve.setData(np.array(xs), np.array(ys))
        if ev.isFinish():
            self._curve.setData([], [])
            self._on_lasso(np.array(self._path))


def points_in_polygon(points: np.ndarray, polygon: np.ndarray) -> np.ndarray:
    """Boolean mask of ``(n, 2)`` points inside a closed ``(m, 2)`` polygon."""
    if len(polygon) < 3 or len(points) == 0:
        return np.zeros(len(points), bool)
    from skimage.measure import points_in_poly

    return points_in_poly(points, polygon)


class CrossplotPanel(QWidget):
    selection_changed = pyqtSignal(list)  # [(a, b), ...] of the selected points
    content_ready = pyqtSignal(bool)  # points to show (True), or none since a survey switch (False)

    def __init__(self, session=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.rows: list[dict] = []
        self.groups: dict[tuple[str, str], str] = {}
        self.keys: list[tuple[str, str]] = []
        self.xy = np.zeros((0, 2))
        self.noise = np.zeros(0, bool)  # per point: the pair's MI is not above the noise level
        self.selected: list[tuple[str, str]] = []
        self.snapshot = None
        self._stale = False  # a snapshot came while hidden: recompute when shown
        self._following = None  # (signal, slot) of the followed model slot
        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.failed.connect(self._on_failed)
        # While training, the statistics take longer than an epoch and would run back to
        # back (measured: more CPU than training itself, holding the interpreter lock in
        # scipy/numpy Python code): rest as long as the last run took before the next one.
        self._started = 0.0
        self._rest = QTimer(self, singleShot=True, timeout=self._catch_up)
        self._build()
        self._volume = getattr(session, "volume", None)  # the survey the statistics belong to
        if session is not None:
            session.events.survey.connect(self._on_survey)

    # -- widgets ------------------------------------------------------------------------
    def _build(self) -> None:
        self.x_layer, self.y_layer = QComboBox(), QComboBox()
        self.x_stat, self.y_stat = QComboBox(), QComboBox()
        for box in (self.x_stat, self.y_stat):
            box.addItems(STATS)
        self.y_stat.setCurrentText("entropy")
        for box, axis in ((self.x_layer, "x"), (self.y_layer, "y")):
            box.setToolTip(f"Network layer (or raw maps) whose statistic goes on the {axis} axis")
        for box, axis in ((self.x_stat, "x"), (self.y_stat, "y")):
            box.setToolTip(f"Statistic on the {axis} axis: joint entropy, energy, homogeneity, ...")
        for box in (self.x_layer, self.y_layer, self.x_stat, self.y_stat):
            box.currentTextChanged.connect(lambda *_: self.redraw())
        self.lasso_box = QCheckBox("lasso")
        self.lasso_box.toggled.connect(self._set_lasso)
        self.lasso_box.setToolTip("Draw a lasso around points to select them (the map view goes to their slice)")
        self.live_box = QCheckBox("follow training")
        self.live_box.setChecked(True)
        self.live_box.setToolTip("Recompute with each new model snapshot while training")
        self.maps_edit = QLineEdit()
        self.maps_edit.setPlaceholderText("maps: empty = in/out-of-phase pairs of the survey, or e.g. "
                                          "time:600 time:600:envelope inline:250 (ms and line "
                                          "numbers; depth:M on depth surveys)")
        self.maps_edit.returnPressed.connect(self.recompute)
        self.maps_edit.setToolTip("Maps to compare, as section specs; empty: in- and out-of-phase pairs of the survey")
        self.pairs_box = QComboBox()
        self.pairs_box.addItems(["all", "consecutive", "none"])
        self.pairs_box.setToolTip("which pairs of the listed maps to compare (none: single maps)")
        compute = QPushButton("Compute")
        compute.clicked.connect(self.recompute)
        compute.setToolTip("Compute the statistics of the listed maps through the current model")
        buttons = []
        for text, slot in (("Load CSV…", self._load_dialog), ("Export CSV…", self._csv_dialog),
                           ("Export PNG…", self._png_dialog)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            b.setToolTip({"Load CSV…": "Load statistics saved before (or by `seisview introspect stats`)",
                          "Export CSV…": "Save the statistics as a table",
                          "Export PNG…": "Save the crossplot as an image"}[text])
            buttons.append(b)
        self.viewbox = LassoViewBox(self._on_lasso)
        self.plot_widget = pg.PlotWidget(viewBox=self.viewbox, background="w")
        self.plot_widget.setMinimumHeight(160)
        self.plot = self.plot_widget.getPlotItem()
        self.plot.addLegend(offset=(5, 5))
        self.plot.showGrid(x=True, y=True, alpha=0.2)
        self.scatters: dict[str, pg.ScatterPlotItem] = {}
        self.highlight = pg.ScatterPlotItem(size=14, pen=pg.mkPen("k", width=2), brush=None, symbol="o")
        self.plot.addItem(self.highlight)
        self.info = _InfoLabel("no statistics yet: load a CSV, or train a model")
        # one line, clipped by the dock rather than wrapped: a wrapping label makes the dock's
        # scroll area size the panel by its preferred height (602 px), which at 1366 x 768 hid the
        # plot's lower half under a scroll bar; the whole text is also the tooltip
        self.info.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        axes = QHBoxLayout()
        for label, a, b in (("x", self.x_stat, self.x_layer), ("y", self.y_stat, self.y_layer)):
            axes.addWidget(QLabel(label))
            axes.addWidget(a)
            axes.addWidget(QLabel("@"))
            axes.addWidget(b)
        tools = QHBoxLayout()
        tools.addWidget(self.lasso_box)
        tools.addWidget(self.live_box)
        chooser = QHBoxLayout()
        chooser.addWidget(self.maps_edit, 1)
        chooser.addWidget(self.pairs_box)
        chooser.addWidget(compute)
        tools.addStretch(1)
        for b in buttons:
            tools.addWidget(b)
        lay = QVBoxLayout(self)
        lay.addLayout(axes)
        lay.addLayout(tools)
        lay.addLayout(chooser)
        lay.addWidget(self.plot_widget, 1)
        lay.addWidget(self.info)

    def _set_lasso(self, on: bool) -> None:
        self.viewbox.lasso = on
        self.viewbox.setMouseEnabled(not on, not on)

    # -- data ------------------------------------------------------------------------------
    def set_rows(self, rows, groups: dict | None = None) -> None:
        """Show new statistics rows; ``groups`` maps ``(a, b)`` to a group name."""
        had = bool(self.rows)
        self.rows = list(rows)
        self.groups = dict(groups or {})
        if bool(self.rows) != had:
            self.content_ready.emit(bool(self.rows))
        layers = list(dict.fromkeys(r["layer"] for r in self.rows))
        for box, default in ((self.x_layer, 0), (self.y_layer, -1)):
            keep = box.currentText()
            box.blockSignals(True)
            box.clear()
            box.addItems(layers)
            if keep in layers:
                box.setCurrentText(keep)
            elif layers:
                deep = [n for n in layers if n != "raw" and not n.startswith("random:")] or layers
                box.setCurrentText(deep[default])
            box.blockSignals(False)
        self.redraw()

    def _value_table(self) -> dict:
        return {(r["a"], r["b"] or "", r["layer"]): r for r in self.rows}

    def redraw(self) -> None:
        table = self._value_table()
        xl, yl = self.x_layer.currentText(), self.y_layer.currentText()
        xs, ys = self.x_stat.currentText(), self.y_stat.currentText()
        keys = list(dict.fromkeys((r["a"], r["b"] or "") for r in self.rows))
        self.keys, pts = [], []
        for k in keys:
            rx, ry = table.get((*k, xl)), table.get((*k, yl))
            if rx is not None and ry is not None:
                self.keys.append(k)
                pts.append((float(rx[xs]), float(ry[ys])))
        self.xy = np.array(pts, float).reshape(-1, 2)
        for item in self.scatters.values():
            self.plot.removeItem(item)
        self.scatters.clear()
        if self.plot.legend is not None:
            self.plot.legend.clear()
        names = [self.group_of(k) for k in self.keys]
        # pairs whose MI is not above the noise level at a layer on either axis: hollow rings
        self.noise = np.array([self._at_noise(table, k, (xl, yl)) for k in self.keys], bool)
        for gi, g in enumerate(dict.fromkeys(names)):
            sel = np.array([n == g for n in names])
            colour = _TAB10[gi % 10]
            item = pg.ScatterPlotItem(self.xy[sel & ~self.noise, 0], self.xy[sel & ~self.noise, 1], size=9,
                                      name=g, brush=pg.mkBrush(*colour, 200), pen=None)
            self.plot.addItem(item)
            self.scatters[g] = item
            if (sel & self.noise).any():
                ring = pg.ScatterPlotItem(self.xy[sel & self.noise, 0], self.xy[sel & self.noise, 1],
                                          size=9, brush=None, pen=pg.mkPen(*colour, width=1.5))
                self.plot.addItem(ring)
                self.scatters[f"{g} (noise)"] = ring
        if self.noise.any():  # one legend line says what the rings mean
            key = pg.ScatterPlotItem([], [], size=9, brush=None, pen=pg.mkPen(90, 90, 90, width=1.5),
                                     name="hollow: MI not above noise")
            self.plot.addItem(key)
            self.scatters["noise legend"] = key
        self.plot.setLabel("bottom", f"{xs} @ {xl}")
        self.plot.setLabel("left", f"{ys} @ {yl}")
        self._show_selection()
        if self.rows:
            groups = len(dict.fromkeys(names))
            at_noise = (f"; {int(self.noise.sum())} of {int(sum(1 for k in self.keys if k[1]))} pairs "
                        "not above the noise level (hollow)") if self.noise.any() else ""
            self.info.setText(f"{len(self.keys)} points, {groups} groups{at_noise}")

    @staticmethod
    def _at_noise(table: dict, key: tuple[str, str], layers) -> bool:
        """Whether pair ``key`` shares no more than chance at any of ``layers`` (single maps and
        tables without noise levels are never marked)."""
        if not key[1]:
            return False
        return any(above_noise(table[(*key, lay)]) is False for lay in dict.fromkeys(layers))

    def group_of(self, key: tuple[str, str]) -> str:
        return self.groups.get(key, "pair" if key[1] else "single map")

    # -- selection -----------------------------------------------------------------------------
    def _on_lasso(self, polygon: np.ndarray) -> None:
        inside = points_in_polygon(self.xy, polygon)
        self.select([k for k, ok in zip(self.keys, inside, strict=True) if ok])

    def select(self, keys) -> None:
        """Select points by key; highlights them and links back to the maps."""
        self.selected = [tuple(k) for k in keys]
        self._show_selection()
        self.selection_changed.emit(list(self.selected))
        if self.selected:
            shown = ", ".join(" / ".join(x for x in k if x) for k in self.selected[:6])
            more = f" and {len(self.selected) - 6} more" if len(self.selected) > 6 else ""
            self.info.setText(f"selected {len(self.selected)}: {shown}{more}")
            self._goto(self.selected[0])

    def _show_selection(self) -> None:
        idx = [i for i, k in enumerate(self.keys) if k in set(self.selected)]
        self.highlight.setData(self.xy[idx, 0] if idx else [], self.xy[idx, 1] if idx else [])

    def _goto(self, key) -> None:
        """Show the first selected map's slice in its view (survey slices only)."""
        s = self.session
        if s is None or getattr(s, "volume", None) is None:
            return
        m = _SLICE.search(key[0])
        if m is None:
            return
        try:
            spec = s.geometry.parse_spec(m.group(1))
        except SeisviewError:  # a map of another survey (a loaded CSV): nothing to show here
            return
        s.set_position(spec.kind, spec.index)

    # -- export ----------------------------------------------------------------------------------
    def export_csv(self, path) -> Path:
        path = Path(path)
        with open(path, "w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["a", "b", "group", f"x:{self.x_stat.currentText()}@{self.x_layer.currentText()}",
                        f"y:{self.y_stat.currentText()}@{self.y_layer.currentText()}", "selected"])
            sel = set(self.selected)
            for k, (x, y) in zip(self.keys, self.xy, strict=True):
                w.writerow([k[0], k[1], self.group_of(k), f"{x:.6g}", f"{y:.6g}", int(k in sel)])
        return path

    def export_png(self, path) -> Path:
        path = Path(path)
        if not self.plot_widget.grab().save(str(path)):
            raise SeisviewError(f"could not write {path}", hint="check the folder and the file name")
        return path

    def _load_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Statistics CSV", "", "CSV (*.csv)")
        if path:
            from seisview.ml.introspect import read_csv

            try:
                self.set_rows(read_csv(path))
            except Exception as exc:  # a malformed file is reported, not fatal
                self.info.setText(f"cannot read {path}: {exc}")

    def _csv_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export points", "crossplot.csv", "CSV (*.csv)")
        if path:
            self.export_csv(path)

    def _png_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export picture", "crossplot.png", "PNG (*.png)")
        if path:
            self.export_png(path)

    # -- live statistics ---------------------------------------------------------------------------
    def set_snapshot(self, snapshot) -> None:
        """Recompute the statistics of the chosen maps with a new model snapshot.

        Only while the panel is visible: a hidden tab keeps the newest snapshot
        and recomputes once when shown (the statistics take seconds of CPU).
        """
        self.snapshot = snapshot
        if not self.live_box.isChecked():
            return
        if self.isVisible() and not self.runner.busy and not self._rest.isActive():
            self.recompute()
        else:  # hidden, or still computing (the statistics take longer than an epoch): later
            self._stale = True

    def _on_result(self, _rid, res) -> None:
        self.set_rows(*res)
        self._rest_then_catch_up()

    def _on_failed(self, _rid, f) -> None:
        self.info.setText(f"statistics failed: {f.message}")
        self._rest_then_catch_up()

    def _rest_then_catch_up(self) -> None:
        took = time.monotonic() - self._started if self._started else 0.0
        self._rest.start(int(min(took, 30.0) * 1000))

    def _catch_up(self) -> None:
        if self._stale and self.live_box.isChecked() and self.isVisible() and not self.runner.busy:
            self.recompute()  # with the snapshot that arrived while computing

    def showEvent(self, ev) -> None:
        super().showEvent(ev)
        if self._stale and self.live_box.isChecked():
            self.recompute()

    def recompute(self) -> int | None:
        """Statistics of the listed maps (or the survey's phase pairs) with the current model."""
        s = self.session
        if self.snapshot is None or s is None or getattr(s, "volume", None) is None:
            self.info.setText("needs an open survey and a model (train one, or wait for a snapshot)")
            return None
        self._stale = False
        specs = self.maps_edit.text().split()
        self.info.setText(f"computing statistics for model v{getattr(self.snapshot, 'version', 0)}…")
        self._started = time.monotonic()
        # below training (nice 10): these statistics are the least urgent work while it runs
        if not specs:
            return self.runner.submit(phase_pair_job, self.snapshot, s.volume, name="crossplot-stats",
                                      nice=15)
        return self.runner.submit(map_set_job, self.snapshot, s.volume, specs, self.pairs_box.currentText(),
                                  name="crossplot-stats", nice=15)

    def _on_survey(self, _session=None) -> None:
        """Another survey is a clean slate: its statistics, selection and model are gone."""
        if self.session.volume is self._volume:
            return
        self._volume = self.session.volume
        self.clear()

    def clear(self) -> None:
        self.runner.cancel_all(wait=None)
        self._rest.stop()
        self.snapshot, self._stale = None, False
        self.selected = []
        self.set_rows([])
        self.info.setText("no statistics yet: load a CSV, or train a model")

    def shutdown(self) -> None:
        from seisview.qt.activation_panel import unfollow_model

        if self.session is not None:
            try:
                self.session.events.survey.disconnect(self._on_survey)
            except (TypeError, ValueError, RuntimeError):
                pass

        unfollow_model(self)
        self._rest.stop()
        self.runner.cancel_all()

    def closeEvent(self, ev) -> None:
        self.shutdown()
        super().closeEvent(ev)


# attribute maps of a survey do not change with the model: compute them once per volume
# (2-3 s of CPU each time otherwise, on every training snapshot); weak keys free them
# with the volume
_MAPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_MAPS_LOCK = threading.Lock()


def _cached(volume, key, make):
    try:
        with _MAPS_LOCK:
            hit = _MAPS.setdefault(volume, {}).get(key)
    except TypeError:  # a volume that cannot be weakly referenced: no cache
        return make()
    if hit is None:
        hit = make()
        with _MAPS_LOCK:
            _MAPS.setdefault(volume, {})[key] = hit
    return hit


def phase_pair_job(snapshot, volume, layers=None, *, state=None):
    """Rows and groups of the in-phase / out-of-phase experiment for ``volume`` (worker)."""
    from seisview.ml.activations import as_module, layer_names
    from seisview.ml.device import background_threads, use_threads
    from seisview.ml.introspect import introspect, phase_pairs, usable_layers

    use_threads(background_threads())
    net = as_module(snapshot)
    if layers is None:  # the shallowest and the deepest encoder layer that keeps 8 x 8 cells
        names = layer_names(net)
        enc = [n for n in names if n.startswith(("enc", "conv", "stage"))] or names
        enc = usable_layers(net, volume.shape[:2], 64, enc) or enc[:1]
        layers = list(dict.fromkeys([enc[0], enc[-1]]))
    step = max(20, volume.shape[2] // 8)
    times = tuple(range(step, volume.shape[2] - 10, step))
    maps, in_phase, out_phase = _cached(volume, ("phase-pairs", times),
                                        lambda: phase_pairs(volume, times=times, state=state))
    rows = introspect(net, maps, layers=layers, pairs=in_phase + out_phase, single=False, state=state)
    groups = {**{p: "in phase" for p in in_phase}, **{p: "out of phase" for p in out_phase}}
    return rows, groups


def canonical_map(geometry, text: str) -> str:
    """A typed map ``KIND:VALUE[:ATTRIBUTE]`` named by the slice it reads: ``time:602`` on a
    4 ms survey is ``time:604`` (the nearest sample); a one-line error for one not in the survey."""
    kind, _, rest = text.strip().partition(":")
    value, _, attr = rest.partition(":")
    where = geometry.spec_text(geometry.parse_spec(f"{kind}:{value}"))
    return f"{where}:{attr}" if attr else where


def map_set_job(snapshot, volume, specs, pairs="all", layers=None, *, state=None):
    """Rows of user-listed slices of the open survey (``time:600[:attribute]``, ``inline:NO``)."""
    from seisview.attributes.maps import load_map
    from seisview.ml.activations import as_module, layer_names
    from seisview.ml.device import background_threads, use_threads
    from seisview.ml.introspect import introspect, usable_layers

    use_threads(background_threads())
    specs = [canonical_map(volume.geometry, text) for text in specs]  # named as computed
    maps = {spec: _cached(volume, ("map", spec), lambda spec=spec: load_map(f"survey:{spec}", {"survey": volume}))
            for spec in specs}
    net = as_module(snapshot)
    if layers is None:
        enc = [n for n in layer_names(net) if n.startswith(("enc", "conv", "stage"))] or layer_names(net)
        shape = next(iter(maps.values())).shape
        enc = usable_layers(net, shape, 64, enc) or enc[:1]
        layers = list(dict.fromkeys([enc[0], enc[-1]]))
    rows = introspect(net, maps, layers=layers, pairs=pairs if len(maps) > 1 else "none",
                      single=pairs == "none" or len(maps) == 1, state=state)
    return rows, {}


def make_panel(main_window) -> CrossplotPanel:
    from seisview.qt.activation_panel import follow_model

    panel = CrossplotPanel(main_window.session, main_window)
    follow_model(panel, main_window.session)
    return panel
