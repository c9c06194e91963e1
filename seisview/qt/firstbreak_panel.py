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

DEFAULT_STEPS = 1500  # from scratch or from another run
FINE_TUNE_STEPS = 1500  # from the shipped picker (ml.fb_pretrained.FINE_TUNE_STEPS)

MARK = "fb-predicted"
# the names of ml.fb_pretrained's two starts (not imported: that would load torch)
PRETRAINED, SCRATCH = "pretrained", "scratch"
ZERO_SHOT_HINT = ("Predict all gathers picks every gather now with the picker shipped with "
                  "seisview; pick a few gathers by hand and Train on picks to teach it yours")


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
        self.worker = None
        # while training: a job predicting the visible gather with the newest snapshot, the
        # snapshot version each gather's predictions come from, and the run they belong to
        self.live = None
        self._live_pending = False
        self._version: dict[int, int] = {}
        self._run_gen = 0
        self._closing = False  # shutdown: no new jobs from late messages
        self._run_on = (None, None)  # (gathers, project) of the run in progress
        self._picks_handle = None  # picks made while training join the run
        self.run = None  # the TrainingRun in progress, or the last one
        self.run_id: int | None = None
        self._zero_shot = False  # the last prediction came from the shipped picker
        self.options: dict = {}  # extra FirstBreakConfig fields (model size in tests, init)
        self._build()
        self._handles = [(self.session.events.gather, self._on_gather),
                         (self.session.events.survey, self._on_survey),
                         (self.session.events.project, self._on_project),
                         (self.session.predictions.events.picks, self._on_predicted_picks)]
        for sig, slot in self._handles:
            sig.connect(slot)
        self._on_project(self.session.project)

    # -- the session's model and predictions ---------------------------------------
    @property
    def snapshot(self):
        """The current first-break model (``session.models``)."""
        return self.session.models.get("firstbreak")

    @snapshot.setter
    def snapshot(self, snapshot) -> None:
        self.session.models.set("firstbreak", snapshot)

    @property
    def predictions(self) -> dict[tuple[int, int], tuple[float, float]]:
        """Predicted picks ``{(gather key, channel): (time_ms, confidence)}`` (the session's
        prediction store)."""
        return self.session.predictions.picks

    @predictions.setter
    def predictions(self, picks: dict) -> None:
        self.session.predictions.set_picks(picks, replace=True)

    def _on_predicted_picks(self, _picks) -> None:
        self.redraw()

    # -- layout ---------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        form = QFormLayout()
        self.steps = QSpinBox()
        self.steps.setRange(10, 100000)
        # FirstBreakConfig.steps, the count the picker's quality was measured with
        # (bench_firstbreak); not imported here, that would load torch while the window opens
        self.steps.setValue(DEFAULT_STEPS)
        self.steps.setToolTip("training steps: 1500 take about 1-2 minutes on one CPU core; "
                              "fewer give vaguer picks with lower confidence")
        form.addRow("Steps", self.steps)
        self.init_box = QComboBox()
        self.init_box.setToolTip("start from the picker shipped with seisview (pretrained on "
                                 "synthetic shots: fine-tuned by your picks), from scratch, from "
                                 "a pretraining run (its encoder) or an earlier first-break run")
        form.addRow("Start from", self.init_box)
        self.init_box.currentIndexChanged.connect(self._on_init_chosen)
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
        self.train_btn.setToolTip("Train the picker on your picks; the gather on screen is re-picked as it learns")
        self.cancel_btn.setToolTip("Stop training, keeping the last model")
        self.predict_btn.setToolTip("Pick every gather with the newest model, or before any "
                                    "training with the picker shipped with seisview")
        for b in (self.train_btn, self.cancel_btn, self.predict_btn):
            row.addWidget(b)
        lay.addLayout(row)
        self.progress = QProgressBar()
        self.progress.setRange(0, 1000)
        lay.addWidget(self.progress)
        self.show_box = QCheckBox("show predicted picks (red → green = confidence)")
        self.show_box.setChecked(True)
        self.show_box.setToolTip("Show the model's picks as dots coloured by confidence")
        lay.addWidget(self.show_box)
        refine = QHBoxLayout()
        self.onset_box = QComboBox()
        for text, value in (("onsets: auto", None), ("onsets: AIC", True),
                            ("onsets: network", False)):
            self.onset_box.addItem(text, value)
        self.onset_box.setToolTip("AIC: place each pick on the AIC onset near the network's "
                                  "pick (the split between noise and signal); network: its step "
                                  "as it is; auto: AIC for the shipped picker, network for a run "
                                  "trained on your picks (it learnt where you pick). Applies to "
                                  "the next prediction")
        self.continuity_box = QCheckBox("trace continuity")
        self.continuity_box.setChecked(False)
        self.continuity_box.setToolTip("pick the best continuous path through the gather's "
                                       "arrival probability (within 8 ms of each trace's own "
                                       "pick), so a miss follows its neighbours' moveout. "
                                       "Applies to the next prediction")
        refine.addWidget(QLabel("Refine:"))
        refine.addWidget(self.onset_box)
        refine.addWidget(self.continuity_box)
        refine.addStretch(1)
        lay.addLayout(refine)
        row2 = QHBoxLayout()
        self.accept_btn = QPushButton("Accept into pick set")
        self.zoom_btn = QPushButton("Zoom to first breaks")
        self.accept_btn.setToolTip("Copy predicted picks at least this confident into your pick set (one undo step; never over a hand pick)")
        self.zoom_btn.setToolTip("show the gather's time range around its picks (predicted or "
                                 "by hand); the mouse wheel and right-drag zoom as usual")
        row2.addWidget(self.accept_btn)
        row2.addWidget(self.zoom_btn)
        lay.addLayout(row2)
        self.info = QLabel(ZERO_SHOT_HINT)
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        lay.addStretch(1)
        self.train_btn.clicked.connect(self.start_training)
        self.cancel_btn.clicked.connect(self.cancel)
        self.predict_btn.clicked.connect(lambda: self.start_prediction(None))
        self.accept_btn.clicked.connect(self.accept)
        self.zoom_btn.clicked.connect(self.zoom_to_picks)
        self.show_box.toggled.connect(lambda _b: self.redraw())
        from seisview.qt.run_choice import refresh_on_open  # runs that ended since: offered

        refresh_on_open(self.init_box, lambda: self._on_project(self.session.project))

    def _update_buttons(self) -> None:
        busy = self.worker is not None and self.worker.running
        have = self.session.gathers is not None
        self.train_btn.setEnabled(have and not busy)
        self.cancel_btn.setEnabled(busy)
        self.predict_btn.setEnabled(have and not busy)
        self.accept_btn.setEnabled(bool(self.predictions) and self.session.project is not None)

    # -- jobs -----------------------------------------------------------------------
    def _stop_if_moved(self) -> None:
        """Another survey or project: a run on the previous one stops (it is recorded in
        its own project, with its last model)."""
        gathers, project = self._run_on
        if self._training() and (self.session.gathers is not gathers or
                                 self.session.project is not project):
            self.cancel()
            if self.live is not None:
                self.live.cancel()
            self.info.setText(f"run {self.run_id} cancelled: another survey or project was opened")

    def _on_project(self, project) -> None:
        self._stop_if_moved()
        keep = self.init_box.currentData()
        self.init_box.blockSignals(True)  # the Steps follow a new choice only, not a re-read
        self.init_box.clear()
        self.init_box.addItem("shipped picker (pretrained)", PRETRAINED)
        self.init_box.addItem("scratch", SCRATCH)
        for run in (project.runs() if project is not None else []):
            if run.task in ("pretrain", "firstbreak") and run.checkpoint and \
                    run.status in ("done", "cancelled", "interrupted"):  # those keep their last model
                self.init_box.addItem(f"run {run.id}: {run.model}", run.checkpoint)
        self.init_box.setCurrentIndex(max(self.init_box.findData(keep), 0))
        self.init_box.blockSignals(False)
        if self.init_box.currentData() != keep:
            self._on_init_chosen(0)
        self._update_buttons()

    def _on_init_chosen(self, _i) -> None:
        """The measured step count of the chosen start (fine-tuning needs a third)."""
        self.steps.setValue(FINE_TUNE_STEPS if self.init_box.currentData() == PRETRAINED
                            else DEFAULT_STEPS)

    def _picks(self):
        p = self.session.project
        return p.picks if p is not None else None

    def start_training(self) -> None:
        from seisview.ml.firstbreak import FirstBreakConfig, FirstBreakData
        from seisview.ml.training_run import firstbreak_run
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
        init = self.init_box.currentData()  # "pretrained", "scratch" or a run's checkpoint
        if init not in (PRETRAINED, SCRATCH):
            from seisview.ml.checkpoint import load_checkpoint

            try:
                init = load_checkpoint(self.init_box.currentData())
            except SeisviewError as exc:
                self.info.setText(str(exc))
                return
        from seisview.ml.device import background_threads

        # all cores but one, as the Training dock: the GUI keeps a core for itself
        config = FirstBreakConfig(**{"steps": int(self.steps.value()), "init": init,
                                     "threads": background_threads(), **self.options})
        project = self.session.project
        record = {**config.record(), "init": self.init_box.currentText()}
        self.run = firstbreak_run(project, self.session.gathers, config, data=data, record=record)
        self.run_id = self.run.run_id
        self._run_gen += 1
        self._version = {}
        self._run_on = (self.session.gathers, project)
        self.info.setText(f"training on {data.summary()}")
        self._watch_picks(picks)
        self.worker = Worker(self.run.messages, task_state=self.run.state, name="fb-train",
                             nice=10)  # the GUI goes first
        self.worker.message.connect(self._on_message)
        self.worker.finished.connect(self._on_trained)
        self.worker.start()
        self._update_buttons()

    def _watch_picks(self, picks) -> None:
        self._unwatch_picks()
        self._picks_handle = (picks.events.changed, self._on_picks_changed)
        picks.events.changed.connect(self._on_picks_changed)

    def _unwatch_picks(self) -> None:
        if self._picks_handle is not None:
            disconnect_all([self._picks_handle])
            self._picks_handle = None

    def _on_picks_changed(self, _keys) -> None:
        """Picks made while training join the run at its next evaluation."""
        picks = self._picks()
        if picks is not None and self.run is not None:
            self.run.relabel(picks.snapshot())

    def start_prediction(self, keys) -> None:
        """Pick the gathers with the newest model, or with the shipped picker before any."""
        from seisview.qt.workers import Worker

        if self.session.gathers is None:
            return
        if self.snapshot is None:
            from seisview.ml.fb_pretrained import zero_shot_picks

            self.worker = Worker(zero_shot_picks, self.session.gathers, keys=keys,
                                 name="fb-predict", nice=5, **self.refinement())
        else:
            from seisview.ml.firstbreak import predict_picks

            self.worker = Worker(predict_picks, self.snapshot, self.session.gathers, keys=keys,
                                 name="fb-predict", nice=5, **self.refinement())
        self._zero_shot = self.snapshot is None
        self.worker.progress.connect(lambda f, _m: self.progress.setValue(int(f * 1000)))
        self.worker.finished.connect(self._on_predicted)
        self.worker.start()
        self._update_buttons()

    def refinement(self) -> dict:
        """The prediction's refinements as ``predict_picks`` takes them."""
        return {"onset": self.onset_box.currentData(),
                "continuity": self.continuity_box.isChecked()}

    def cancel(self) -> None:
        if self.worker is not None:
            self.worker.cancel()

    def shutdown(self) -> None:
        """Cancel and join running jobs (window closing, tests); a run still training ends as
        cancelled and records itself so, with its last model."""
        self._closing = True
        if self.run is not None:
            self.run.cancel()
        for job in (self.worker, self.live):
            if job is not None:
                job.cancel()
                job.wait(5)
        self._handles = disconnect_all(self._handles)
        self._unwatch_picks()

    def _on_message(self, msg) -> None:
        from seisview.ml.progress import TrainProgress

        if self.session.gathers is not self._run_on[0]:
            return  # a run cancelled by a survey change: its model is not of these gathers
        if isinstance(msg, TrainProgress):
            self.progress.setValue(int(msg.fraction * 1000))
        if msg.snapshot is None:
            return
        self.snapshot = msg.snapshot
        if isinstance(msg, TrainProgress):
            v = msg.metrics.get("val_within", float("nan"))
            tol = f"±{2 * self.session.gathers.dt_ms:g} ms (2 samples)"
            self.info.setText(f"step {msg.step}: held-out picks within {tol} "
                              f"{v:.0%}; the gather on screen follows each new model")
            self._predict_visible()

    # -- live: the visible gather follows each new snapshot while training ------------
    def _training(self) -> bool:
        return self.worker is not None and self.worker.running and self.worker.name == "fb-train"

    def _predict_visible(self) -> None:
        from seisview.ml.firstbreak import predict_picks
        from seisview.qt.workers import Worker

        if self._closing:
            return
        gv = getattr(self.window, "gather_view", None)
        g = gv.gather if gv is not None else None
        snap = self.snapshot
        if g is None or snap is None or self.session.gathers is None:
            return
        if self._version.get(int(g.key), -1) >= snap.version:
            return
        if self.live is not None:  # one at a time; the newest snapshot goes next
            self._live_pending = True
            return
        key, gen = int(g.key), self._run_gen
        self.live = Worker(predict_picks, snap, self.session.gathers, keys=[key],
                           name="fb-live", nice=5, **self.refinement())
        self.live.finished.connect(lambda end: self._on_live(end, key, snap.version, gen))
        self.live.start()

    def _on_live(self, end, key: int, version: int, gen: int) -> None:
        from seisview.qt.workers import TaskDone, TaskFailed

        self.live = None
        if self._closing:  # a job that outlived shutdown's wait: the view may be gone
            return
        if isinstance(end, TaskFailed):
            self.info.setText(f"live picks of gather {key} failed: {end.message}")
        fresh = gen == self._run_gen and self._version.get(key, -1) < version
        if fresh and isinstance(end, TaskDone) and isinstance(end.result, dict):
            self._version[key] = version
            self.session.predictions.set_picks(end.result)  # the gather view redraws
            self._update_buttons()
        if self._live_pending:
            self._live_pending = False
            self._predict_visible()

    def _on_trained(self, end) -> None:
        """The run's end (recorded in its own project by the run already) on the panel."""
        from seisview.qt.workers import TaskFailed

        self.worker = None
        self._unwatch_picks()
        run = self.run
        if self._closing or run is None:
            return
        if run.project is not None and run.project is self.session.project:
            self._on_project(run.project)  # the new run can start the next one
        if isinstance(end, TaskFailed) or run.status == "failed":
            why = end.message if isinstance(end, TaskFailed) else getattr(run.end, "message", "")
            self.info.setText(f"training failed: {why}"
                              + ("; the last good model is kept" if self.snapshot else ""))
        elif run.save_error:
            self.info.setText(run.save_error)
        elif run.status == "cancelled":
            if self.snapshot is not None:
                self.info.setText("training cancelled; its last model is kept (Predict all "
                                  "gathers uses it, Start from can continue it)")
        elif self.snapshot is not None:
            self.start_prediction(None)
        self._update_buttons()

    def _on_predicted(self, end) -> None:
        from seisview.qt.workers import TaskDone, TaskFailed

        self.worker = None
        if isinstance(end, TaskDone) and isinstance(end.result, dict):
            self.predictions = end.result
            if self.snapshot is not None:
                self._version = dict.fromkeys((k for k, _c in end.result), self.snapshot.version)
            conf = np.array([c for _, c in self.predictions.values()])
            by = "the shipped picker, no hand pick used" if self._zero_shot else "your run"
            self.info.setText(f"{len(conf)} traces picked by {by}; median confidence "
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
        if self._training():
            self._predict_visible()

    def _on_survey(self, _s) -> None:
        self._stop_if_moved()
        if self.session.gathers is not self._run_on[0]:
            self.snapshot = None  # a model of other gathers
            if self.worker is None:  # its "N traces picked" and progress are of the old gathers
                self.info.setText(ZERO_SHOT_HINT if self.session.gathers is not None else "")
                self.progress.setValue(0)
        self.predictions, self._version = {}, {}
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

    def zoom_to_picks(self) -> bool:
        """Fit the gather view's time axis to its picks: from a little before the earliest to
        half again the latest (first breaks of land shots fill the top tenth of a record)."""
        gv = getattr(self.window, "gather_view", None)
        g = gv.gather if gv is not None else None
        if g is None:
            return False
        times = [self.predictions.get((g.key, int(c)), (np.nan, 0.0))[0] for c in g.channels]
        picks = self._picks()
        if picks is not None:
            times += list(picks.for_gather(g.key)[1])
        t = np.asarray(times, float)
        t = t[np.isfinite(t)]
        if not t.size:
            self.info.setText("no picks on this gather to zoom to")
            return False
        gs = self.session.gathers
        lo, hi = float(t.min()), float(t.max())
        span = max(hi - lo, 20 * gs.dt_ms)
        gv.viewbox.setYRange(max(gs.t0_ms, lo - 0.25 * span), hi + 0.5 * max(hi, span), padding=0)
        return True

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
