"""First-break picker panel: train on the project's picks, show predicted picks on the
gather view coloured by confidence, accept them into the pick set.

Thin: training and prediction are :mod:`seisview.ml.firstbreak` functions run in
:class:`~seisview.qt.workers.Worker` threads; the panel only relays their
messages, keeps the latest snapshot and predictions, and draws marks through
the gather view's ``set_marks`` hook (mark ``"fb-predicted"``, points).
Accepting writes one undo step (``tool="predict"``) and never overwrites a
hand pick.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seisview.core.errors import SeisviewError
from seisview.qt.signals import disconnect_all

MARK = "fb-predicted"


def confidence_colors(conf: np.ndarray) -> list[tuple[int, int, int]]:
    """Red (0) → yellow (0.5) → green (1) per pick."""
    c = np.clip(np.nan_to_num(np.asarray(conf, float)), 0, 1)
    r = np.where(c < 0.5, 230, np.round(230 * (1 - c) * 2)).astype(int)
    g = np.where(c < 0.5, np.round(200 * c * 2), 200).astype(int)
    return [(int(a), int(b), 40) for a, b in zip(r, g, strict=True)]


class FirstBreakPanel(QWidget):
    def __init__(self, window, parent: QWidget | None = None):
        super().__init__(parent)
        self.window = window
        self.session = window.session
        self.snapshot = None
        self.predictions: dict[tuple[int, int], tuple[float, float]] = {}
        self.worker = None
        self.run_id: int | None = None
        self.options: dict = {}  # extra FirstBreakConfig fields (model size in tests, init)
        self._build()
        self._handles = [(self.session.events.gather, self._on_gather),
                         (self.session.events.survey, self._on_survey),
                         (self.session.events.project, self._on_project)]
        for sig, slot in self._handles:
            sig.connect(slot)
        self._on_project(self.session.project)

    # -- layout ---------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.steps = QSpinBox()
        self.steps.setRange(10, 100000)
        self.steps.setValue(600)
        self.steps.setToolTip("training steps (a few minutes on 2 CPU cores for 600)")
        form.addRow("Steps", self.steps)
        self.init_box = QComboBox()
        self.init_box.setToolTip("start from scratch, from a pretraining run (its encoder) or "
                                 "from an earlier first-break run of the project")
        form.addRow("Start from", self.init_box)
        self.min_conf = QDoubleSpinBox()
        self.min_conf.setRange(0.0, 1.0)
        self.min_conf.setSingleStep(0.05)
        self.min_conf.setValue(0.6)
        self.min_conf.setToolTip("accept only predicted picks at least this confident")
        form.addRow("Accept ≥", self.min_conf)
        lay.addLayout(form)
        row = QHBoxLayout()
        self.train_btn = QPushButton("Train on picks")
        self.cancel_btn = QPushButton("Cancel")
        self.predict_btn = QPushButton("Predict all gathers")
        for b in (self.train_btn, self.cancel_btn, self.predict_btn):
            row.addWidget(b)
        lay.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        lay.addWidget(self.progress)
        self.show_box = QCheckBox("show predicted picks (red → green = confidence)")
        self.show_box.setChecked(True)
        lay.addWidget(self.show_box)
        self.accept_btn = QPushButton("Accept into pick set")
        lay.addWidget(self.accept_btn)
        self.info = QLabel("pick a few gathers, then Train on picks")
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        lay.addStretch(1)
        self.train_btn.clicked.connect(self.start_training)
        self.cancel_btn.clicked.connect(self.cancel)
        self.predict_btn.clicked.connect(lambda: self.start_prediction(None))
        self.accept_btn.clicked.connect(self.accept)
        self.show_box.toggled.connect(lambda _b: self.redraw())

    def _update_buttons(self) -> None:
        busy = self.worker is not None and self.worker.running
        have = self.session.gathers is not None
        self.train_btn.setEnabled(have and not busy)
        self.cancel_btn.setEnabled(busy)
        self.predict_btn.setEnabled(have and not busy and self.snapshot is not None)
        self.accept_btn.setEnabled(bool(self.predictions) and self.session.project is not None)

    # -- jobs -----------------------------------------------------------------------
    def _on_project(self, project) -> None:
        self.init_box.clear()
        self.init_box.addItem("scratch", None)
        for run in (project.runs() if project is not None else []):
            if run.task in ("pretrain", "firstbreak") and run.status == "done" and run.checkpoint:
                self.init_box.addItem(f"run {run.id}: {run.model}", run.checkpoint)
        self._update_buttons()

    def _picks(self):
        p = self.session.project
        return p.picks if p is not None else None

    def start_training(self) -> None:
        from seisview.ml.firstbreak import FirstBreakConfig, FirstBreakData, train
        from seisview.qt.workers import Worker

        try:
            picks = self._picks()
            if picks is None or not len(picks):
                raise SeisviewError("no picks to learn from",
                                    hint="open a project and pick a few gathers first")
            data = FirstBreakData(self.session.gathers, picks.snapshot())
        except SeisviewError as exc:
            self.info.setText(str(exc))
            return
        init = None
        if self.init_box.currentData():
            from seisview.ml.checkpoint import load_checkpoint

            try:
                init = load_checkpoint(self.init_box.currentData())
            except SeisviewError as exc:
                self.info.setText(str(exc))
                return
        config = FirstBreakConfig(**{"steps": int(self.steps.value()), "init": init,
                                     **self.options})
        project = self.session.project
        record = {**config.record(), "init": self.init_box.currentText()}
        self.run_id = project.add_run("firstbreak", "fb-unet", record) if project else None
        self.info.setText(f"training on {data.summary()}")
        self.worker = Worker(train, config, data, name="fb-train", nice=10)  # the GUI goes first
        self.worker.message.connect(self._on_message)
        self.worker.finished.connect(self._on_trained)
        self.worker.start()
        self._update_buttons()

    def start_prediction(self, keys) -> None:
        from seisview.ml.firstbreak import predict_picks
        from seisview.qt.workers import Worker

        if self.snapshot is None or self.session.gathers is None:
            return
        self.worker = Worker(predict_picks, self.snapshot, self.session.gathers, keys=keys,
                             name="fb-predict", nice=5)
        self.worker.progress.connect(lambda f, _m: self.progress.setValue(int(f * 1000)))
        self.worker.finished.connect(self._on_predicted)
        self.worker.start()
        self._update_buttons()

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def shutdown(self) -> None:
        """Cancel and join a running job (window closing, tests)."""
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(5)
        self._handles = disconnect_all(self._handles)

    def _on_message(self, msg) -> None:
        from seisview.ml.progress import TrainDone, TrainProgress

        if isinstance(msg, TrainDone) and msg.snapshot is not None:
            self.snapshot = msg.snapshot
        elif isinstance(msg, TrainProgress):
            self.progress.setValue(int(msg.fraction * 1000))
            if msg.snapshot is not None:
                self.snapshot = msg.snapshot
                v = msg.metrics.get("val_within", float("nan"))
                self.info.setText(f"step {msg.step}: held-out picks within ±2 samples {v:.0%}")

    def _on_trained(self, end) -> None:
        from seisview.qt.workers import TaskFailed

        self.worker = None
        if isinstance(end, TaskFailed):
            self.info.setText(f"training failed: {end.message}")
        elif self.snapshot is not None:  # the best snapshot (early stopping) came as a message
            self._record_run()
            self.start_prediction(None)
        self._update_buttons()

    def _record_run(self) -> None:
        project = self.session.project
        if project is None or self.run_id is None or self.snapshot is None:
            return
        from seisview.ml.firstbreak import save_run_checkpoint
        from seisview.ml.runs import checkpoint_path, clean_metrics

        path = save_run_checkpoint(checkpoint_path(project, self.run_id), self.snapshot,
                               run_id=self.run_id)
        project.update_run(self.run_id, status="done", checkpoint=str(path),
                           metrics=clean_metrics(self.snapshot.meta))
        self._on_project(project)  # the new run can start the next one

    def _on_predicted(self, end) -> None:
        from seisview.qt.workers import TaskDone, TaskFailed

        self.worker = None
        if isinstance(end, TaskDone) and isinstance(end.result, dict):
            self.predictions = end.result
            conf = np.array([c for _, c in self.predictions.values()])
            self.info.setText(f"{len(conf)} traces picked; median confidence "
                              f"{np.median(conf):.2f}, {np.mean(conf >= self.min_conf.value()):.0%} "
                              f"≥ {self.min_conf.value():.2f}")
            self.progress.setValue(1000)
        elif isinstance(end, TaskFailed):
            self.info.setText(f"prediction failed: {end.message}")
        self.redraw()
        self._update_buttons()

    # -- view -----------------------------------------------------------------------
    def _on_gather(self, _key) -> None:
        self.redraw()

    def _on_survey(self, _s) -> None:
        self.predictions = {}
        self.redraw()
        self._update_buttons()

    def redraw(self) -> None:
        gv = getattr(self.window, "gather_view", None)
        if gv is None:
            return
        g = gv.gather
        if g is None or not self.predictions or not self.show_box.isChecked():
            gv.clear_marks(MARK)
            return
        t = np.array([self.predictions.get((g.key, int(c)), (np.nan, 0.0))[0] for c in g.channels])
        c = np.array([self.predictions.get((g.key, int(c)), (np.nan, 0.0))[1] for c in g.channels])
        gv.set_marks(MARK, np.arange(len(t)), t, style="points", colors=confidence_colors(c),
                     size=8)

    def accept(self) -> int:
        """Store confident predictions as picks (one undo step); returns how many."""
        picks = self._picks()
        if picks is None or not self.predictions:
            return 0
        thr = float(self.min_conf.value())
        keep = {k: (t, c) for k, (t, c) in self.predictions.items()
                if c >= thr and np.isfinite(t) and picks.get(*k) is None}
        if keep:
            try:
                picks.set_many(keep, tool="predict")
            except SeisviewError as exc:
                self.info.setText(str(exc))
                return 0
        self.info.setText(f"accepted {len(keep)} predicted picks (confidence ≥ {thr:.2f}); "
                          "hand picks kept; Undo takes them back")
        return len(keep)


def make_panel(main_window) -> FirstBreakPanel:
    panel = FirstBreakPanel(main_window)
    if hasattr(main_window, "destroyed"):
        main_window.destroyed.connect(lambda *_: panel.shutdown())
    return panel
