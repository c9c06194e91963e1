"""The Pretraining dock: self-supervised pretraining (seed 001) on the open survey or gathers.

Start / pause / resume / cancel a ``seisview.ml.training_run.pretrain_run`` in a worker
thread, as the Training dock does a facies run: the run records itself in the project
(a ``pretrain`` run with its checkpoint), so its encoder is offered as the start of facies
runs (Training dock) and first-break runs (First-break picker). While it trains, every
model snapshot redraws a preview: the autoencoder's reconstructions of fixed patches of the
data (input above, output below), or the GAN's samples of fixed latent vectors. Below, the
latent walk ("seismic dreams", :mod:`seisview.qt.latent_walk_view`).
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PyQt6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from seisview.core.errors import SeisviewError
from seisview.qt.latent_walk_view import FrameView, LatentWalkView
from seisview.qt.run_controls import add_run_controls
from seisview.qt.workers import LatestRunner, TaskFailed, Worker

MAX_SECTIONS = 96  # sections cut from the survey to train on (see ml.pretrain_data)
PREVIEW_TILES = 6
SECTIONS, GATHERS = "survey sections", "gathers"


class PretrainPanel(QWidget):
    train_nice = 10  # as the Training dock: the event loop goes first on busy cores
    train_threads: int | None = None
    snapshot_every = 25  # steps between previews (a snapshot copies the weights: cheap)

    def __init__(self, window):
        super().__init__()
        self.window = window
        self.session = window.session
        self.run = None
        self.run_id: int | None = None
        self.worker: Worker | None = None
        self.patches: np.ndarray | None = None  # the autoencoder preview's fixed inputs
        self.preview: np.ndarray | None = None  # the tiles shown, (rows, n, H, W)
        self.losses: list[tuple[int, float]] = []
        self.extra_config: dict = {}  # more PretrainConfig fields (tests, scripts)
        self._run_on = (None, None)
        self._closing = False
        self.previews = LatestRunner(self)
        self.previews.result.connect(self._on_preview)
        self._build()
        self.session.events.survey.connect(self._on_context)
        self.session.events.project.connect(self._on_context)
        self._on_context()

    # -- widgets ---------------------------------------------------------------------------
    def _build(self) -> None:
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        self.tabs = QTabWidget()
        outer.addWidget(self.tabs)
        train = QWidget()
        lay = QVBoxLayout(train)
        form = QFormLayout()
        self.model = QComboBox()
        self.model.addItem("autoencoder")
        self.model.setItemData(0, "masked convolutional autoencoder: learns to restore blanked "
                               "traces; previews show its reconstructions", 3)
        self.model.addItem("gan")
        self.model.setItemData(1, "GAN with a spectral-norm discriminator: previews show "
                               "generated patches; its discriminator is the encoder", 3)
        self.model.setToolTip("what to pretrain (hover an entry); both give an encoder that "
                              "can start facies and first-break runs")
        self.data = QComboBox()
        self.data.setToolTip("train on sections of the open survey, or on its shot gathers")
        self.steps = QSpinBox()
        self.steps.setRange(10, 200000)
        self.steps.setValue(2000)
        self.steps.setToolTip("training steps of 16 patches each")
        self.minutes = QDoubleSpinBox()
        self.minutes.setRange(0.0, 600.0)
        self.minutes.setValue(5.0)
        self.minutes.setSpecialValueText("no limit")
        self.minutes.setToolTip("stop after this long (0: no limit), whichever comes first")
        form.addRow("Model", self.model)
        form.addRow("Data", self.data)
        form.addRow("Steps", self.steps)
        form.addRow("Minutes", self.minutes)
        lay.addLayout(form)
        add_run_controls(self, lay, "Pretrain",
                         ("pretrain on the data without labels; the run is kept in the project",
                          "pause or resume",
                          "stop; the last model is kept in the project"),
                         "Open a survey and a project, then Pretrain.")
        self.preview_title = QLabel("")
        lay.addWidget(self.preview_title)
        self.preview_title.setWordWrap(True)
        self.preview_view = FrameView(150)
        lay.addWidget(self.preview_view, 2)
        self.loss_plot = pg.PlotWidget(title="loss")
        # bounded: a word-wrapped label makes the dock's scroll area size the panel by its
        # children's size hints (pyqtgraph's are 480 px), and the dock scrolled at 1366x768
        self.loss_plot.setMinimumHeight(90)
        self.loss_plot.setMaximumHeight(140)
        self.loss_plot.setLabel("bottom", "step")
        self.loss_curve = self.loss_plot.plot(pen=pg.mkPen("w", width=1.5))
        lay.addWidget(self.loss_plot, 1)
        self.tabs.addTab(train, "Pretrain")
        self.walk = LatentWalkView(self)
        self.tabs.addTab(self.walk, "Seismic dreams")
        self.tabs.setTabToolTip(1, "walk the latent space of a pretraining run; export a GIF or PNG strip")
        self._sync()

    # -- state -----------------------------------------------------------------------------
    @property
    def training(self) -> bool:
        return self.worker is not None and self.worker.running

    def _sync(self) -> None:
        t = self.training
        self.start_btn.setEnabled(not t and self.data.count() > 0)
        self.pause_btn.setEnabled(t)
        self.cancel_btn.setEnabled(t)
        self.model.setEnabled(not t)
        self.data.setEnabled(not t)

    def say_status(self, text: str) -> None:
        if hasattr(self.window, "status"):
            self.window.status(text)

    def _say(self, text: str) -> None:
        self.status.setText(text)
        self.say_status(text)

    def _on_context(self, *_a) -> None:
        """Another survey or project: offer its data, list its runs; a run on the
        previous one stops (it is recorded in its own project)."""
        vol_gs, project = self._run_on
        s = self.session
        if self.training and ((s.volume if self.data.currentText() == SECTIONS else s.gathers)
                              is not vol_gs or s.project is not project):
            self.cancel()
            self._say(f"run {self.run_id} cancelled: another survey or project was opened")
        keep = self.data.currentText()
        self.data.blockSignals(True)
        self.data.clear()
        if s.volume is not None:
            self.data.addItem(SECTIONS)
        if s.gathers is not None:
            self.data.addItem(GATHERS)
        if keep and self.data.findText(keep) >= 0:
            self.data.setCurrentText(keep)
        self.data.blockSignals(False)
        self.walk.refresh_runs()
        self._sync()

    def _data(self):
        s = self.session
        return s.gathers if self.data.currentText() == GATHERS else s.volume

    def window_ms(self) -> float | None:
        """For gathers with picks, the picker's time window (pretrain where it will look)."""
        from seisview.ml.pretrain_data import gather_window_ms

        project = self.session.project
        if self.session.gathers is None or project is None:
            return None
        return gather_window_ms(self.session.gathers, project.picks)

    # -- the run -----------------------------------------------------------------------------
    def start(self) -> bool:
        """Start pretraining; returns False (and says why in one line) when it cannot."""
        if self.training:
            return False
        try:
            return self._start()
        except SeisviewError as exc:
            self._say(str(exc))
            return False

    def _start(self) -> bool:
        from seisview.ml.device import background_threads
        from seisview.ml.pretrain import PretrainConfig
        from seisview.ml.pretrain_data import preview_patches, survey_sections
        from seisview.ml.training_run import pretrain_run

        data, project = self._data(), self.session.project
        if data is None:
            raise SeisviewError("no survey is open to pretrain on",
                                hint="open a survey or shot gathers (File → Open) first")
        if project is None:
            raise SeisviewError("no project to keep the run in",
                                hint="create or open one (File → New project) first")
        on_gathers = self.data.currentText() == GATHERS
        model = self.model.currentText()
        config = PretrainConfig(**{"model": model, "steps": self.steps.value(),
                                   "minutes": self.minutes.value() or None,
                                   "window_ms": self.window_ms() if on_gathers else None,
                                   "snapshot_every": self.snapshot_every,
                                   "report_every": max(1, min(25, self.snapshot_every)),
                                   "threads": self.train_threads or background_threads(),
                                   **self.extra_config})
        self.patches = preview_patches(data, config, PREVIEW_TILES) if model == "autoencoder" else None
        make = (lambda d: d) if on_gathers else (lambda v: survey_sections(v, MAX_SECTIONS))
        self.run = pretrain_run(project, None, config, source=data, make_data=make,
                                record={"source": "gui", "data": "gathers" if on_gathers else "sections"})
        self.run_id = self.run.run_id
        self._run_on = (data, project)
        self.losses = []
        self.loss_curve.setData([], [])
        self.preview_view.blank()
        self.preview = None
        self.preview_title.setText("reconstructions: patches above, the autoencoder's output below"
                                   if model == "autoencoder" else
                                   "generated samples (the same latent vectors each time)")
        self.worker = Worker(self.run.messages, task_state=self.run.state, name="pretrain",
                             nice=self.train_nice)
        self.worker.message.connect(self._on_message)
        self.worker.finished.connect(self._on_finished)
        self.worker.start()
        self._say(f"run {self.run_id}: pretraining a {model} on the "
                  f"{'gathers' if on_gathers else 'survey sections'}…")
        self._sync()
        return True

    def set_paused(self, paused: bool) -> None:
        if self.run is None:
            return
        if paused:
            self.run.pause()
        else:
            self.run.resume()
        self.pause_btn.setText("Resume" if paused else "Pause")

    def cancel(self) -> None:
        if self.run is not None:
            self.run.cancel()

    def _on_message(self, msg) -> None:
        from seisview.ml.progress import TrainCancelled, TrainDone, TrainFailed, TrainProgress

        if self._closing:
            return
        if isinstance(msg, TrainProgress):
            self.bar.setValue(int(msg.fraction * 1000))
            if msg.loss == msg.loss:
                self.losses.append((msg.step, msg.loss))
            if msg.snapshot is not None:
                self._submit_preview(msg.snapshot)
                extra = msg.metrics.get("masked_mse")
                self._say(f"run {self.run_id}, step {msg.step}: loss {msg.loss:.4f}"
                          + (f", blanked traces {extra:.4f}" if extra is not None else ""))
                xy = np.asarray(self.losses, float)
                self.loss_curve.setData(xy[:, 0], xy[:, 1])
        elif isinstance(msg, TrainDone | TrainCancelled | TrainFailed):
            self._finish(msg)

    def _submit_preview(self, snapshot) -> None:
        self.previews.submit(_preview_job, snapshot, self.patches, PREVIEW_TILES,
                             finish_running=True)

    def _on_preview(self, _rid, tiles) -> None:
        from seisview.io.frame_export import mosaic, stack_levels

        if self._closing:
            return
        self.preview = tiles
        # the level of the inputs (autoencoder) or the samples (GAN), as the walk does
        self.preview_view.show_array(mosaic(tiles, gap=3), self.session.colormap,
                                     stack_levels(tiles[0]))

    def _finish(self, msg) -> None:
        from seisview.ml.progress import TrainDone, TrainFailed

        self._shown_end = msg
        if msg.snapshot is not None:
            self._submit_preview(msg.snapshot)
        if isinstance(msg, TrainDone):
            self.bar.setValue(1000)
            why = {"steps": "all steps", "time": "time limit"}.get(msg.reason, msg.reason)
            self._say(f"run {self.run_id} done after {msg.steps} steps ({why}): its encoder "
                      "can start facies and first-break runs; walk it in Seismic dreams")
        elif isinstance(msg, TrainFailed):
            self._say(f"run {self.run_id} failed: {msg.message}")
        else:
            self._say(f"run {self.run_id} cancelled; its last model is kept in the project")

    def _on_finished(self, end) -> None:
        if isinstance(end, TaskFailed):
            self._say(f"pretraining stopped: {end.message}")
        elif self.run is not None and self.run.end is not None and \
                getattr(self, "_shown_end", None) is not self.run.end:
            # a cancel stops the worker before it relays the run's last message
            self._finish(self.run.end)
        self.pause_btn.setChecked(False)
        if self.run is not None and self.run.checkpoint:
            self.walk.refresh_runs(select=self.run.checkpoint)
        self._sync()

    # -- teardown ----------------------------------------------------------------------------
    def shutdown(self, wait: float = 5.0) -> None:
        """Cancel and join the run (recorded as cancelled) and the walk's worker."""
        self._closing = True
        if self.run is not None:
            self.run.cancel()
        if self.worker is not None:
            self.worker.cancel()
            self.worker.resume()
            self.worker.wait(wait)
        self.walk.shutdown(wait)

    def closeEvent(self, ev) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(ev)


def _preview_job(snapshot, patches, n: int, *, state=None) -> np.ndarray:
    from seisview.ml.latent_walk import PretrainedModel

    return PretrainedModel(snapshot).preview(patches, n)


def make_panel(main_window) -> PretrainPanel:
    panel = PretrainPanel(main_window)
    if hasattr(main_window, "destroyed"):
        main_window.destroyed.connect(lambda *_: panel.shutdown())
    return panel
