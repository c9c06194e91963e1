"""The Training dock: train a facies model live on the painted labels and watch it learn.

Start / pause / resume / cancel a ``seisview.ml.training.train`` run in a
worker thread; a progress bar and live loss / accuracy curves follow it. Every
new model snapshot re-predicts the visible sections into the prediction,
probability and uncertainty layers; new strokes join the next epoch; the
"label here next" list jumps to the most uncertain regions of the inline.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seisview.core.errors import SeisviewError
from seisview.ml.jobs import (
    check_labels,
    warm_up,
)
from seisview.qt.prediction_layers import PredictionLayers
from seisview.qt.run_controls import add_run_controls
from seisview.qt.viewer_settings import settings
from seisview.qt.volume_actions import VolumeActions
from seisview.qt.workers import TaskFailed, Worker

CURVE_REDRAW_MS = 500  # loss / accuracy curves follow the run at this pace


class TrainingPanel(VolumeActions, QWidget):
    # The training thread and the torch pool it starts run at this nice value (Linux), so on
    # busy cores the event loop is served first; see docs/measurements.md for measurements.
    train_nice = 10
    # torch intra-op threads for training; None: all cores but one (seisview.ml.device)
    train_threads: int | None = None

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.session = window.session
        self.worker: Worker | None = None
        self.volume_worker: Worker | None = None
        self.export_worker: Worker | None = None
        self.volume_store = None  # the store Predict volume writes (the cube shown is read from it)
        self.layers: PredictionLayers | None = None
        self.run = None  # the TrainingRun in progress, or the last one
        self.run_id: int | None = None
        self.curves: dict[str, list] = {"loss": [], "train_acc": [], "val_acc": []}
        self._closing = False
        self.extra_config: dict = {}  # more TrainConfig fields (patience, ...) for scripts / benchmarks
        self.warm_thread = warm_up()
        self._run_on = (None, None)  # (volume, project) of the run in progress
        self._build()
        self._sync_buttons()
        self.session.events.survey.connect(self._on_context)
        self.session.events.project.connect(self._on_context)

    # -- widgets -------------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.model = QComboBox()
        from seisview.plugins import registry
        for c in registry.models("facies"):  # built-ins and plugins, the default first
            self.model.addItem(c.name)
            self.model.setItemData(self.model.count() - 1, c.description, Qt.ItemDataRole.ToolTipRole)
        self.model.setToolTip("Network to train (the default first; hover an entry for what it is)")
        self.epochs = QSpinBox()
        self.epochs.setRange(1, 10000)
        self.epochs.setValue(30)
        self.epochs.setToolTip("At most this many epochs; early stopping usually ends sooner")
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.0, 600.0)
        # the default recipe (two U-Nets) stops early after ~40 s on a quiet 2-core machine
        # and ~75 s on a busy one: the cap leaves room for that, and for slower ones
        self.minutes.setValue(4.0)
        self.minutes.setSpecialValueText("no limit")
        self.minutes.setToolTip("stop training after this long (0: no limit); early stopping on "
                                "the held-out strokes usually ends it sooner")
        from seisview.qt.run_choice import RunChoice

        self.init_box = RunChoice(lambda: self.session.project)
        self.init_box.setToolTip("start from scratch, or from the encoder of a pretraining run "
                                 "(Pretraining dock): its layers go where their shapes fit")
        form.addRow("Model", self.model)
        form.addRow("Start from", self.init_box)
        form.addRow("Epochs", self.epochs)
        form.addRow("Minutes", self.minutes)
        lay.addLayout(form)

        add_run_controls(self, lay, "Train",
                         ("Train on the painted strokes; predictions appear after each epoch",
                          "Pause or resume training",
                          "Stop training; the best model so far is kept in the project"),
                         "Paint strokes of two or more classes, then press Train.")

        self.loss_plot = pg.PlotWidget(title="loss")
        self.acc_plot = pg.PlotWidget(title="accuracy")
        for p in (self.loss_plot, self.acc_plot):
            p.disableAutoRange()  # see _grow_range
        self.acc_plot.addLegend(offset=(-5, -5))  # bottom right: clear of the curves
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("w", width=1.5))
        self.train_curve = self.acc_plot.plot(pen=pg.mkPen((80, 160, 255), width=1.5),
                                              name="train")
        self.val_curve = self.acc_plot.plot(pen=pg.mkPen((255, 140, 0), width=2), symbol="o",
                                            symbolSize=5, name="held-out")
        for p in (self.loss_plot, self.acc_plot):
            p.setMinimumHeight(110)
            p.setLabel("bottom", "step")
        lay.addWidget(self.loss_plot)
        lay.addWidget(self.acc_plot)
        # curves redrawn at most twice a second: a pyqtgraph plot repaint is several ms of
        # Python, and at ~10 progress messages a second it delayed the event loop while training
        self._curve_timer = QTimer(self, singleShot=True, interval=CURVE_REDRAW_MS,
                                   timeout=self._draw_curves)

        over = QFormLayout()
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setValue(50)
        self.opacity.setToolTip("Opacity of the prediction overlay")
        self.opacity.valueChanged.connect(self._set_opacity)
        self.show_layer = QComboBox()
        self.show_layer.addItems(["class map", "probability", "uncertainty"])
        self.show_layer.setToolTip("Which prediction layer to show: classes, probability of one class, or uncertainty")
        self.show_layer.currentIndexChanged.connect(self._show_layer)
        self.prob_class = QComboBox()
        self.prob_class.setToolTip("The class whose probability the probability layer shows")
        self.prob_class.currentIndexChanged.connect(self._set_prob_class)
        over.addRow("Overlay", self.show_layer)
        over.addRow("Opacity", self.opacity)
        over.addRow("Probability of", self.prob_class)
        lay.addLayout(over)

        lay.addWidget(QLabel("Label here next (uncertainty, classes in doubt):"))
        self.next_list = QListWidget()
        self.next_list.setWordWrap(True)  # long class names wrap instead of scrolling sideways
        self.next_list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.next_list.setAlternatingRowColors(True)  # a wrapped line is told from the next box
        self.next_list.setToolTip("Regions of this section most worth painting, best first, as "
                                  "`seisview suggest` ranks them; click one to go there")
        self.next_list.itemActivated.connect(self._jump)
        self.next_list.itemClicked.connect(self._jump)
        lay.addWidget(self.next_list)
        row2 = QHBoxLayout()
        self.volume_btn = QPushButton("Predict volume")
        self.volume_btn.clicked.connect(self.predict_volume)
        self.volume_btn.setToolTip("Predict the whole survey in the background (feeds the time slices and the SEG-Y export)")
        row2.addWidget(self.volume_btn)
        self.export_btn = QPushButton("Export SEG-Y…")
        self.export_btn.setToolTip("write the volume prediction on the survey geometry: the "
                                   "class cube, or the probability of each sample's class")
        self.export_btn.clicked.connect(self.export_interactive)
        row2.addWidget(self.export_btn)
        lay.addLayout(row2)
        self.scheduler = QLineEdit(str(settings().value("jobs/scheduler", "") or ""))
        self.scheduler.setPlaceholderText("this computer")
        self.scheduler.setToolTip("Where Predict volume runs: empty for this computer, or the address of "
                                  "a dask scheduler (tcp://host:8786) whose workers see this survey's "
                                  "and project's folders")
        self.scheduler.editingFinished.connect(
            lambda: settings().setValue("jobs/scheduler", self.scheduler.text().strip()))
        run_on = QFormLayout()
        run_on.addRow("Run on", self.scheduler)
        lay.addLayout(run_on)

    # -- state ---------------------------------------------------------------------------
    @property
    def snapshot(self):
        """The current facies model: the session's (``session.models``), which the overlays,
        the activation and crossplot panels follow."""
        return self.session.models.get("facies")

    @snapshot.setter
    def snapshot(self, snapshot) -> None:
        self.session.models.set("facies", snapshot)

    @property
    def training(self) -> bool:
        return self.worker is not None and self.worker.running

    def _sync_buttons(self) -> None:
        t = self.training
        self.start_btn.setEnabled(not t)
        self.pause_btn.setEnabled(t)
        self.cancel_btn.setEnabled(t)
        self.volume_btn.setEnabled(self.snapshot is not None)
        exporting = self.export_worker is not None and self.export_worker.running
        self.export_btn.setEnabled(self.layers is not None and self.layers.cube is not None
                                   and not exporting)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        if hasattr(self.window, "status"):
            self.window.status(text)

    def _ensure_layers(self, project) -> PredictionLayers:
        if self.layers is None:
            self.layers = PredictionLayers(self.session, getattr(project, "palette", None), self)
            self.session.predictions.events.sections.connect(self._on_predictions)
            self.layers.failed.connect(lambda m: self._say(f"prediction failed: {m}"))
        return self.layers

    # -- training ------------------------------------------------------------------------
    def start(self) -> bool:
        """Snapshot the labels and start training; returns False (and says why) if it cannot."""
        from seisview.ml.device import background_threads
        from seisview.ml.runs import palette_classes
        from seisview.ml.training import TrainConfig
        from seisview.ml.training_run import facies_run

        if self.training:
            return False
        vol, project = self.session.volume, self.session.project
        if vol is None or project is None:
            self._say("Open a survey and a project (File → New project) and paint labels first.")
            return False
        labels = project.labels.snapshot()
        problem = check_labels(labels)
        if problem:
            self._say(problem)
            return False
        model = self.model.currentText()
        minutes = self.minutes.value() or None
        init = self.init_box.checkpoint()
        config = TrainConfig(**{"model": model, "epochs": self.epochs.value(), "minutes": minutes,
                                "threads": self.train_threads or background_threads(),
                                "init": init, **self.extra_config})
        if init is not None:  # what fits is said before a run is recorded (as `train --init`)
            from seisview.ml.training import build_for

            try:
                build_for(config, palette_classes(project)[0])
            except SeisviewError as exc:
                self._say(f"cannot start {model} from run {self.init_box.run_id()}: {exc}")
                return False
        # the labels are frozen into training data (Hilbert transforms etc.) in the worker
        self.run = facies_run(project, vol, config, labels, record={
            "model": model, "epochs": config.epochs, "minutes": minutes, "source": "gui",
            "init": self.init_box.run_id()})
        self.run_id = self.run.run_id
        self._ensure_layers(project)
        self.prob_class.blockSignals(True)
        self.prob_class.clear()
        self.prob_class.addItems([f"{i + 1} {nm}" for i, nm in enumerate(palette_classes(project)[1])])
        self.prob_class.blockSignals(False)
        for k in self.curves:
            self.curves[k] = []
        for p in (self.loss_plot, self.acc_plot):
            p.setProperty("grown", False)  # a new run starts from a fresh range
        self._handle = project.labels.events.stroke.connect(self._on_stroke)
        self._run_on = (vol, project)
        self.worker = Worker(self.run.messages, task_state=self.run.state, name="train",
                             nice=self.train_nice)
        self.worker.message.connect(self._on_message)
        self.worker.finished.connect(self._on_finished)
        self.worker.start()
        n_px = sum(int((m > 0).sum()) for m in labels.values())
        self._say(f"run {self.run_id}: training {model} on {n_px} labelled pixels "
                  f"in {len(labels)} section(s)")
        self._sync_buttons()
        return True

    def _on_stroke(self, _stroke) -> None:
        """New strokes join the run at its next epoch."""
        project = self.session.project
        if project is not None and self.run is not None:
            self.run.relabel(project.labels.snapshot())

    def set_paused(self, paused: bool) -> None:
        if self.run is None:
            return
        if paused:
            self.run.pause()
            self.pause_btn.setText("Resume")
        else:
            self.run.resume()
            self.pause_btn.setText("Pause")

    def cancel(self) -> None:
        """Stop the run; it records itself as cancelled with its last checkpoint."""
        if self.run is not None:
            self.run.cancel()

    def _on_context(self, *_args) -> None:
        """Another survey or project: a run (or a volume prediction) of the previous one
        stops; the run is still recorded in its own project, with its checkpoint."""
        vol, project = self._run_on
        if self.training and (self.session.volume is not vol or self.session.project is not project):
            self.cancel()
            self._say(f"run {self.run_id} cancelled: another survey or project was opened")
        if self.volume_worker is not None and self.volume_worker.running and \
                self.session.volume is not vol:
            self.volume_worker.cancel()
        if self.session.volume is not vol:  # the model, its overlays and curves are of another survey
            self.snapshot = None
            self.volume_store = None
            self.next_list.clear()
            if vol is not None:
                for k in self.curves:
                    self.curves[k] = []
                self._draw_curves()
                self.bar.setValue(0)
        self.init_box.refresh()
        self._sync_buttons()

    def _on_message(self, msg) -> None:
        from seisview.ml.progress import TrainCancelled, TrainDone, TrainFailed, TrainProgress

        if self._closing:
            return
        if self.session.volume is not self._run_on[0]:  # a run cancelled by a survey change
            if isinstance(msg, TrainDone | TrainCancelled | TrainFailed):
                self._finish(msg)
            return
        if isinstance(msg, TrainProgress):
            self.bar.setValue(int(msg.fraction * 1000))
            if msg.snapshot is None:
                if msg.loss == msg.loss:  # not NaN (an OOM notice)
                    self.curves["loss"].append((msg.step, msg.loss))
                    self.curves["train_acc"].append((msg.step, msg.metrics.get("train_acc", 0)))
            else:
                if "val_acc" in msg.metrics:
                    self.curves["val_acc"].append((msg.step, msg.metrics["val_acc"]))
                first = self.snapshot is None
                self.snapshot = msg.snapshot  # the overlays re-predict, the followers follow
                if first:  # Predict volume works from the first snapshot on
                    self._sync_buttons()
                acc = msg.metrics.get("val_acc")
                self._say(f"epoch {msg.epoch + 1}, step {msg.step}: loss {msg.loss:.3f}"
                          + (f", held-out accuracy {acc:.2f}" if acc is not None else ""))
            if msg.message:
                self._say(msg.message)
            if not self._curve_timer.isActive():
                self._curve_timer.start()
        elif isinstance(msg, TrainDone | TrainCancelled | TrainFailed):
            self._finish(msg)

    def _finish(self, msg) -> None:
        """The run's end (recorded in its project by the run already) on the panel."""
        from seisview.ml.progress import TrainDone, TrainFailed

        self._curve_timer.stop()
        self._draw_curves()
        if msg.snapshot is not None and self.session.volume is self._run_on[0]:
            self.snapshot = msg.snapshot  # the best one: overlays and followers end on it
        if isinstance(msg, TrainDone):
            self.bar.setValue(1000)
            self._say(f"run {self.run_id} done ({msg.reason}); best model from epoch "
                      f"{msg.snapshot.meta.get('epoch', 0) + 1}")
        elif isinstance(msg, TrainFailed):
            self._say(f"run {self.run_id} failed: {msg.message}")
        else:
            self._say(f"run {self.run_id} cancelled")

    def _on_finished(self, end) -> None:
        if isinstance(end, TaskFailed):
            self._say(f"training stopped: {end.message}")
        project = self._run_on[1]
        if project is not None:
            try:
                project.labels.events.stroke.disconnect(self._on_stroke)
            except (ValueError, RuntimeError):
                pass
        self.pause_btn.setChecked(False)
        self._sync_buttons()

    def _draw_curves(self) -> None:
        for key, curve in (("loss", self.loss_curve), ("train_acc", self.train_curve),
                           ("val_acc", self.val_curve)):
            pts = self.curves[key]
            if pts:
                xy = np.asarray(pts, float)
                curve.setData(xy[:, 0], xy[:, 1])
        loss = np.asarray(self.curves["loss"], float).reshape(-1, 2)
        if len(loss):  # ranges grow in steps: re-laying out the axes on every redraw is slow
            _grow_range(self.loss_plot, loss[:, 0].max(), np.nanmax(loss[:, 1]))
            _grow_range(self.acc_plot, loss[:, 0].max(), 1.0)

    # -- overlays --------------------------------------------------------------------------
    def _set_opacity(self, v: int) -> None:
        if self.layers is not None:
            for layer in self.layers.layers:
                layer.opacity = v / 100

    def _show_layer(self, i: int) -> None:
        if self.layers is not None:
            for k, layer in enumerate(self.layers.layers):
                layer.visible = k == i

    def _set_prob_class(self, i: int) -> None:
        if self.layers is not None and i >= 0:
            self.layers.set_chosen_class(i + 1)

    def _on_predictions(self, preds) -> None:
        """Fill "label here next" from the predictions of the current inline (of the line on a
        2-D survey, whose inlines are single traces; boxes found by the worker), ranked as
        ``seisview suggest --section`` ranks them (``ml.suggest.rank_predictions``)."""
        from seisview.ml.inference import volume_section_kind
        from seisview.ml.suggest import rank_predictions

        volume = self.session.volume
        kind = volume_section_kind(volume)
        spec = self.session.spec(kind)
        pred = preds.get(spec)
        if pred is None:
            return
        regions = getattr(pred, "regions", None)
        if regions is None:
            project = self.session.project
            labelled = project.labels.mask(spec) if project is not None else None
            regions = rank_predictions(volume, {spec: getattr(pred, "prediction", pred)},
                                       {spec: labelled})
        g = volume.geometry
        names = self.session.project.palette if self.session.project is not None else None
        class_names = _class_names(names)
        self.next_list.clear()
        for r in regions:
            il, xl, row = spec.volume_point(*r.center)
            item = QListWidgetItem(r.describe(g, class_names))
            item.setToolTip(f"uncertainty {r.uncertainty:.2f} (0 sure, 1 uniform) over the "
                            f"{r.height} x {r.width} box around this point; the model hesitates "
                            f"between {r.class_text(class_names).replace(' / ', ' and ')}")
            item.setData(Qt.ItemDataRole.UserRole, (il, xl, row))
            self.next_list.addItem(item)

    def _jump(self, item: QListWidgetItem) -> None:
        il, xl, sample = item.data(Qt.ItemDataRole.UserRole)
        self.session.set_position("inline", il)
        self.session.set_position("crossline", xl)
        self.session.set_position("time", sample)
        self.session.set_cursor(il, xl, sample, origin="training")

    # -- teardown ----------------------------------------------------------------------------
    def shutdown(self, wait: float = 5.0) -> None:
        """Cancel and join every worker of the panel (window close, tests). A run still
        training ends as cancelled and records itself so, with the last checkpoint it wrote,
        though its messages are no longer handled once the window closes."""
        self._closing = True
        if self.run is not None:
            self.run.cancel()
        for w in (self.worker, self.volume_worker, self.export_worker):
            if w is not None:
                w.cancel()
                w.resume()
        for w in (self.worker, self.volume_worker, self.export_worker):
            if w is not None:
                w.wait(wait)
        if getattr(self, "_cube_opener", None) is not None:
            self._cube_opener.cancel_all(wait)
        if self.layers is not None:
            self.layers.runner.cancel_all(wait)
            self.layers.slices.shutdown(wait)
            self.session.predictions.events.sections.disconnect(self._on_predictions,
                                                                missing_ok=True)

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(ev)


def _grow_range(plot, x_max: float, y_max: float) -> None:
    """Show steps 0..x and values 0..y, widening the view by half again only when outgrown."""
    (_, x1), (_, y1) = plot.viewRange()
    if x_max > x1 or y_max > y1 or not plot.property("grown"):
        plot.setProperty("grown", True)
        plot.setRange(xRange=(0, max(x_max * 1.5, 10.0)), yRange=(0, max(y_max * 1.1, 1e-3)),
                      padding=0)


def _class_names(palette) -> tuple[str, ...]:
    """Class names by id (``''`` for ids the palette lacks) for the "label here next" list."""
    if palette is None:
        return ()
    ids = {c.id: c.name for c in palette}
    return tuple(ids.get(i, "") for i in range(1, max(ids, default=0) + 1))
