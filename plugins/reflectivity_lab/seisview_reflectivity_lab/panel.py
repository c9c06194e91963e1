"""The reflectivity lab panel: live loss curves, blind-test errors and the AVO plot.

Training runs in a :class:`seisview.qt.workers.Worker` (the generator
:func:`lab.iter_lab`); every epoch report arrives in the GUI thread and extends
the loss curves. When it ends, the table shows the RMSE of every network and
of the Shuey / Aki–Richards formulas on each test, and the AVO plot compares
them with the exact Zoeppritz curve from 0 to 50° (training angles shaded).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .lab import NETS, SPLITS, EpochReport, LabResult, iter_lab

log = logging.getLogger(__name__)
COLOURS = {"numpy": (31, 119, 180), "torch": (255, 127, 14), "numpy-shuey": (44, 160, 44),
           "numpy-residual": (214, 39, 40), "shuey": (127, 127, 127), "aki-richards": (148, 103, 189)}
SPLIT_NAMES = {"train": "training", "val": "validation", "new_rocks": "new rocks",
               "new_angle": "new angle 30°", "blind": "new rocks at 30°"}
# the tutorial's well in the repository's test data (a development checkout)
DEFAULT_LAS = Path(__file__).resolve().parents[3] / "tests" / "data" / "wells" / "R-39.las"


def _worker(*args, **kw):
    from seisview.qt.workers import Worker

    return Worker(*args, **kw)


NET_TIPS = {"numpy": "The tutorial's network in numpy", "torch": "The same network in torch (slower per sample)",
            "numpy-shuey": "The three Shuey terms as inputs",
            "numpy-residual": "Learns only the correction to Shuey's approximation"}

class ReflectivityLabPanel(QWidget):
    def __init__(self, main_window=None, parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = main_window
        self.worker = None
        self.result: LabResult | None = None
        self.history: dict[str, list[tuple[float, float]]] = {}
        self._curves: dict[tuple[str, str], pg.PlotDataItem] = {}

        self.path_edit = QLineEdit(str(DEFAULT_LAS) if DEFAULT_LAS.is_file() else "")
        self.path_edit.setPlaceholderText("LAS file with P/S sonic and density (e.g. R-39.las)")
        self.path_edit.setToolTip("The well log the features and targets are built from")
        browse = QPushButton("…")
        browse.clicked.connect(self._browse)
        browse.setToolTip("Choose a LAS file")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 5000)
        self.epochs.setValue(100)
        self.epochs.setSuffix(" epochs")
        self.epochs.setToolTip("Epochs of per-sample gradient descent (the tutorial: 100)")
        self.net_boxes = {n: QCheckBox(n) for n in NETS}
        for n, box in self.net_boxes.items():
            box.setChecked(n != "torch")  # torch is ~10x slower per sample on a CPU
            box.setToolTip(NET_TIPS.get(n, n))
        self.run_btn = QPushButton("Train")
        self.stop_btn = QPushButton("Stop")
        self.run_btn.setToolTip("Train the checked networks in the background")
        self.stop_btn.setToolTip("Stop training")
        self.stop_btn.setEnabled(False)
        self.run_btn.clicked.connect(self.start)
        self.stop_btn.clicked.connect(self.stop)
        self.status = QLabel("7-300-1 sigmoid network, per-sample gradient descent, lr 0.001 (seed 002)")
        self.status.setWordWrap(True)

        self.interface = QSpinBox()
        self.interface.setPrefix("AVO at interface ")
        self.interface.setEnabled(False)
        self.interface.setKeyboardTracking(False)
        self.interface.setToolTip("Interface whose AVO curve (0-50°) is drawn against exact Zoeppritz")
        self.interface.valueChanged.connect(self._on_interface)

        grid = QGridLayout()
        grid.addWidget(QLabel("Well"), 0, 0)
        grid.addWidget(self.path_edit, 0, 1, 1, 4)
        grid.addWidget(browse, 0, 5)
        grid.addWidget(self.epochs, 1, 0)
        boxes = QHBoxLayout()
        for box in self.net_boxes.values():
            boxes.addWidget(box)
        grid.addLayout(boxes, 1, 1, 1, 3)
        grid.addWidget(self.run_btn, 1, 4)
        grid.addWidget(self.stop_btn, 1, 5)
        grid.addWidget(self.interface, 2, 0, 1, 2)

        self.loss_plot = pg.PlotWidget(title="Loss (MSE): training solid, validation dashed")
        self.loss_plot.setLogMode(y=True)
        self.loss_plot.setLabel("bottom", "epoch")
        self.loss_plot.addLegend(offset=(-10, 10))
        self.avo_plot = pg.PlotWidget(title="AVO at one interface: exact Zoeppritz vs networks")
        self.avo_plot.setLabel("bottom", "incidence angle (°)")
        self.avo_plot.setLabel("left", "R_pp (real part)")
        self.avo_plot.addLegend(offset=(-10, 10))
        self.table = QTableWidget(len(SPLITS), 0)
        self.table.setToolTip("RMSE of R_pp (real part) on each test; Shuey and Aki–Richards are formulas")
        self.table.setVerticalHeaderLabels([SPLIT_NAMES[s] for s in SPLITS])
        for w in (self.loss_plot, self.avo_plot):
            w.setBackground("w")
            w.getAxis("left").enableAutoSIPrefix(False)
        plots = QSplitter(Qt.Orientation.Vertical)
        for w in (self.loss_plot, self.avo_plot, self.table):
            plots.addWidget(w)
        plots.setSizes([380, 380, 200])
        self.table.setMinimumHeight(120)
        lay = QVBoxLayout(self)
        lay.addLayout(grid)
        lay.addWidget(self.status)
        lay.addWidget(plots, 1)

    # -- running ------------------------------------------------------------------
    def _browse(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Well log for the lab", "", "LAS files (*.las *.LAS)")
        if path:
            self.path_edit.setText(path)

    def selected_nets(self) -> tuple[str, ...]:
        return tuple(n for n, b in self.net_boxes.items() if b.isChecked())

    def start(self):
        """Start training in a worker; returns it (None when the inputs are wrong)."""
        if self.worker is not None and self.worker.running:
            return self.worker
        if not self.path_edit.text().strip():  # the well open in the Well logs panel, if any
            panels = getattr(self.main_window, "panels", {}) or {}
            well = getattr(panels["well-logs"].widget(), "well", None) if "well-logs" in panels else None
            if well is not None:
                self.path_edit.setText(str(well.path))
        nets, path = self.selected_nets(), self.path_edit.text().strip()
        if not nets or not path:
            self.status.setText("Choose a LAS file and at least one network.")
            return None
        self.history = {n: [] for n in nets}
        self.loss_plot.clear()
        self._curves = {}
        for n in nets:
            pen = pg.mkPen(COLOURS[n], width=2)
            self._curves[(n, "train")] = self.loss_plot.plot([], [], pen=pen, name=n)
            self._curves[(n, "val")] = self.loss_plot.plot(
                [], [], pen=pg.mkPen(COLOURS[n], width=2, style=Qt.PenStyle.DashLine))
        if "torch" in nets:
            import torch

            torch.set_num_threads(1)
        self.worker = _worker(iter_lab, path, self.epochs.value(), 1e-3, nets, name="reflectivity-lab")
        self.worker.message.connect(self.on_epoch)
        self.worker.finished.connect(self.on_finished)
        self.run_btn.setEnabled(False)
        self.stop_btn.setEnabled(True)
        self.status.setText(f"training {', '.join(nets)} on {Path(path).name}…")
        return self.worker.start()

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def on_epoch(self, rep: EpochReport) -> None:
        h = self.history.setdefault(rep.net, [])
        h.append((rep.train_mse, rep.val_mse))
        x = np.arange(1, len(h) + 1)
        arr = np.asarray(h)
        self._curves[(rep.net, "train")].setData(x, arr[:, 0])
        self._curves[(rep.net, "val")].setData(x, arr[:, 1])
        if rep.net == next(iter(self.history)):
            self.status.setText(f"epoch {rep.epoch}/{self.epochs.value()}: {rep.net} validation MSE "
                                f"{rep.val_mse:.2e}")

    def on_finished(self, end) -> None:
        from seisview.qt.workers import TaskCancelled, TaskDone

        self.run_btn.setEnabled(True)
        self.stop_btn.setEnabled(False)
        if isinstance(end, TaskDone):
            self.show_result(end.result)
        elif isinstance(end, TaskCancelled):
            self.status.setText("stopped")
        else:
            self.status.setText(f"failed: {end.message}")
            log.error("reflectivity lab failed: %s", end.message)

    def show_result(self, r: LabResult) -> None:
        self.result = r
        names = list(r.errors)
        self.table.setColumnCount(len(names))
        self.table.setHorizontalHeaderLabels(names)
        for i, s in enumerate(SPLITS):
            for j, n in enumerate(names):
                item = QTableWidgetItem(f"{np.sqrt(r.errors[n][s]):.4f}")
                item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        self.interface.blockSignals(True)
        self.interface.setRange(0, len(r.data.rocks) - 1 if r.data is not None else r.avo_interface)
        self.interface.setValue(r.avo_interface)
        self.interface.setEnabled(r.data is not None)
        self.interface.blockSignals(False)
        self.draw_avo(r.avo, r.avo_interface, r.avo_depth)
        nn = [k for k in names if k in NETS]
        rmse = ", ".join(f"{n} {np.sqrt(r.errors[n]['new_angle']):.4f}" for n in nn)
        self.status.setText(f"done: {r.epochs} epochs. New-angle (30°) RMSE: {rmse}; "
                            f"trained on 0–20° (shaded).")

    def _on_interface(self, k: int) -> None:
        r = self.result
        if r is None or r.data is None:
            return
        self.draw_avo(r.avo_at(k), k, float(r.data.depth[k]))

    def draw_avo(self, a: dict, k: int, depth: float) -> None:
        names = [n for n in a if n in NETS]
        p = self.avo_plot
        p.setTitle(f"AVO at interface {k} ({depth:.1f} m): exact Zoeppritz vs networks")
        p.clear()
        region = pg.LinearRegionItem((0, 20), movable=False, brush=pg.mkBrush(200, 200, 200, 60))
        p.addItem(region)
        p.plot(a["angle"], a["exact"], pen=pg.mkPen("k", width=3), name="exact Zoeppritz")
        for n in (*names, "shuey"):
            style = Qt.PenStyle.DotLine if n == "shuey" else Qt.PenStyle.SolidLine
            p.plot(a["angle"], a[n], pen=pg.mkPen(COLOURS[n], width=2, style=style), name=n)
        lo, hi = np.percentile(a["exact"], [0, 100])
        span = max(hi - lo, 0.02)
        p.setYRange(lo - span, hi + span)  # a network that blows up far outside stays readable

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt name)
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(5)
        super().closeEvent(ev)


def make_panel(main_window) -> QWidget:
    """``panel`` contribution: the Reflectivity lab dock."""
    return ReflectivityLabPanel(main_window)
