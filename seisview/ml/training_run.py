"""A training run: one object that starts, pauses, resumes, cancels and relabels a training
job and keeps its record in the project.

Every front-end drives runs through it. ``seisview train`` and ``seisview pretrain``
iterate :meth:`TrainingRun.messages` in their own thread; the Training dock and the
first-break panel iterate it in a Qt worker that only relays the messages to the GUI
thread; a script or a notebook lets it run in a thread of its own::

    run = facies_run(project, volume, TrainConfig(epochs=5))
    run.start()                                 # trains in a background thread
    run.events.message.connect(print)           # each TrainProgress / terminal message
    run.pause(); run.resume()
    run.relabel(project.labels.snapshot())      # new strokes join at the next epoch
    run.wait()                                  # or run.cancel()
    run.status, run.checkpoint                  # "done", ".../p.seisview.runs/run-3.safetensors"

The project record: creating the run adds a ``model_runs`` row (status "running");
its end sets "done", "cancelled" or "failed" with the metrics and the checkpoint of
its last model, in the run's own project (reopened if it was closed meanwhile). A run
whose process dies stays "running" and becomes "interrupted" when the project is
next opened (``io.project``).
"""

from __future__ import annotations

import logging
import math
import threading
from collections.abc import Callable, Iterator
from dataclasses import fields, replace
from pathlib import Path

from psygnal import Signal, SignalGroup

from seisview.core.errors import SeisviewError
from seisview.core.tasks import TaskState
from seisview.ml.progress import TrainCancelled, TrainDone, TrainFailed, TrainProgress

log = logging.getLogger(__name__)

TERMINAL = (TrainDone, TrainCancelled, TrainFailed)


class RunEvents(SignalGroup):
    """Emitted in the thread that drives the run (a Qt front-end relays its worker's
    messages instead)."""

    message = Signal(object)  # each TrainProgress, then the terminal message
    ended = Signal(object)  # the TrainingRun, once its status is recorded


def clean_metrics(metrics: dict) -> dict:
    """The finite numbers of a metrics dict, as floats (what the project stores)."""
    return {k: float(v) for k, v in metrics.items()
            if isinstance(v, int | float) and math.isfinite(float(v))}


def record_run(project, run_id: int, **fields_) -> None:
    """Record a run's fields in its project, reopening it if the user closed it meanwhile
    (another project was opened while it trained); a project that cannot be written is
    logged, never raised into the trainer."""
    from seisview.io.project import Project

    try:
        project.update_run(run_id, **fields_)
    except SeisviewError:
        try:
            with Project.open(project.path) as again:
                again.update_run(run_id, **fields_)
        except SeisviewError as exc:
            log.warning("run %s of %s not recorded: %s", run_id, project.path, exc)


class TrainingRun:
    """One run of a training generator ``train(config, data, state[, relabel=])``.

    ``data`` is the training data, or ``source`` and ``make_data(source)`` build it
    in the driving thread (a label snapshot frozen off the GUI thread); ``relabel``
    sources go through ``make_data`` too. With a ``project`` the run is recorded
    there (``record``: the config stored with it). A config with a ``checkpoint``
    field gets the run's checkpoint path and the trainer saves its best model there;
    otherwise the run saves its last model when it ends.
    """

    def __init__(self, task: str, model: str, train: Callable[..., Iterator], config, *,
                 data=None, source=None, make_data: Callable | None = None, project=None,
                 record: dict | None = None, relabels: bool = True):
        if data is None and make_data is None:
            raise ValueError("a run needs data, or a source and make_data")
        self.task, self.model = task, model
        self.events = RunEvents()
        self.state = TaskState()
        self.project = project
        self.run_id: int | None = None
        self._ckpt_base: Path | None = None
        if project is not None:
            from seisview.io.project import run_checkpoint

            self.run_id = project.add_run(task, model, record if record is not None else {})
            self._ckpt_base = run_checkpoint(project.path, self.run_id)
        names = {f.name for f in fields(config)}
        self.trainer_saves = "checkpoint" in names
        if self.trainer_saves and self._ckpt_base is not None and not config.checkpoint:
            config = replace(config, checkpoint=str(self._ckpt_base))
        self.config = config
        self._train, self._relabels = train, relabels
        self._data, self._source, self._make = data, source, make_data
        self._pending = None  # the newest relabel source, taken at the trainer's next epoch
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._driving = False
        self.progress: TrainProgress | None = None  # the newest progress report
        self.snapshot = None  # the newest model snapshot
        self.end = None  # the terminal message
        self.recorded: str | None = None  # the status written to the project at the end
        self.checkpoint: str | None = None
        self.save_error = ""  # why the last model could not be saved, if it could not

    # -- the owner's side: any thread -------------------------------------------------------
    def start(self) -> TrainingRun:
        """Train in a background thread (scripts, notebooks); returns the run."""
        if self._driving or self._thread is not None:
            raise RuntimeError("a run is driven once")
        self._thread = threading.Thread(target=self._drain, name=f"seisview-run-{self.task}",
                                        daemon=True)
        self._thread.start()
        return self

    def _drain(self) -> None:
        for _msg in self.messages():
            pass

    def wait(self, timeout: float | None = None) -> bool:
        """Wait for a run started with :meth:`start` to end (True when it has)."""
        if self._thread is not None:
            self._thread.join(timeout)
        return self.ended

    def pause(self) -> None:
        self.state.pause()

    def resume(self) -> None:
        self.state.resume()

    def cancel(self) -> None:
        """Stop at the next step; the run is recorded as cancelled with its last model."""
        self.state.cancel()

    def relabel(self, source) -> None:
        """New labels (or picks) join the run at its next epoch; the newest source wins."""
        with self._lock:
            self._pending = source

    @property
    def ended(self) -> bool:
        return self.recorded is not None

    @property
    def status(self) -> str:
        """"running", "paused", or how it ended ("done", "cancelled", "failed")."""
        if self.recorded is not None:
            return self.recorded
        return "paused" if self.state.paused else "running"

    # -- the driving thread ------------------------------------------------------------------
    def messages(self, *, state: TaskState | None = None) -> Iterator:
        """Train, yielding each message; the run is recorded before its terminal message
        is yielded. Stopped early (the generator closed, Ctrl-C, an error), the run is
        recorded as cancelled with its last model. ``state``: a worker passes the run's
        own state back (see ``Worker(task_state=...)``)."""
        if state is not None and state is not self.state:
            raise ValueError("drive a run with its own TaskState")
        if self._driving:
            raise RuntimeError("a run is driven once")
        self._driving = True
        try:
            try:
                data = self._data if self._data is not None else self._make_data(self._source)
            except SeisviewError as exc:
                failed = TrainFailed(str(exc))
                self._finish(failed)
                self.events.message.emit(failed)
                yield failed
                return
            kw = {"relabel": self._take_relabel} if self._relabels else {}
            for msg in self._train(self.config, data, self.state, **kw):
                if getattr(msg, "snapshot", None) is not None:
                    self.snapshot = msg.snapshot
                if isinstance(msg, TrainProgress):
                    self.progress = msg
                elif isinstance(msg, TERMINAL):
                    self._finish(msg)
                self.events.message.emit(msg)
                yield msg
        except Exception as exc:  # the trainer reports its own errors; this is a bug's
            self._finish(TrainFailed(f"{type(exc).__name__}: {exc}", self.snapshot))
            raise
        except KeyboardInterrupt:
            self.state.cancel()
            msg = TrainCancelled(self.snapshot)
            self._finish(msg)
            self.events.message.emit(msg)
            yield msg
        finally:
            if not self.ended:  # closed early or an error: the run still gets its record
                self._finish(TrainCancelled(self.snapshot))

    def _make_data(self, source):
        if self._make is None:
            raise SeisviewError("the run has no training data", hint="give it data or make_data")
        return self._make(source)

    def _take_relabel(self):
        """Called by the trainer between epochs: new training data, or None."""
        with self._lock:
            source, self._pending = self._pending, None
        if source is None or self._make is None:
            return None
        try:
            return self._make(source)
        except SeisviewError:  # e.g. every label deleted: go on with the data it has
            return None

    def _finish(self, msg) -> None:
        """Record how the run ended, with the checkpoint of its last model."""
        self.end = msg
        status = ("done" if isinstance(msg, TrainDone) else
                  "failed" if isinstance(msg, TrainFailed) else "cancelled")
        snap = msg.snapshot if msg.snapshot is not None else self.snapshot
        self.checkpoint = self._save(msg, snap)
        if isinstance(msg, TrainDone):
            metrics = {**clean_metrics(msg.metrics), "epochs": float(msg.epochs),
                       "steps": float(msg.steps)}
        else:
            metrics = clean_metrics(snap.meta) if snap is not None else {}
        if self.project is not None and self.run_id is not None:
            record_run(self.project, self.run_id, status=status, metrics=metrics,
                       checkpoint=self.checkpoint)
        self.recorded = status
        self.events.ended.emit(self)

    def _save(self, msg, snap) -> str | None:
        if self.trainer_saves:  # the trainer saved its best model on each improvement
            if getattr(msg, "checkpoint", ""):
                return msg.checkpoint
            path = Path(str(self.config.checkpoint or "")).with_suffix(".safetensors")
            return str(path) if self.config.checkpoint and path.is_file() else None
        if snap is None or self._ckpt_base is None:
            return None
        from seisview.ml.checkpoint import save_checkpoint

        try:
            return str(save_checkpoint(self._ckpt_base, snap, run_id=self.run_id))
        except (SeisviewError, OSError) as exc:  # a full disk must not lose the session
            self.save_error = f"could not save run {self.run_id}: {exc}"
            log.warning(self.save_error)
            return None


# -- the three kinds of run -----------------------------------------------------------------
def facies_run(project, volume, config, labels=None, *, data=None, record: dict | None = None,
               seed: int = 0) -> TrainingRun:
    """A facies model trained on ``labels`` (default: the project's) of ``volume``.

    ``data``: training data made already (the CLI checks the labels before a run is
    recorded); else the labels are frozen in the driving thread.
    """
    from seisview.ml.data import make_training_data
    from seisview.ml.runs import palette_classes
    from seisview.ml.training import train

    if labels is None and data is None:
        labels = project.labels.snapshot()
    n, names = palette_classes(project)
    used = max((int(m.max()) for m in (labels or {}).values() if m.size), default=0)
    n_classes = max(n, used, getattr(data, "n_classes", 0))

    def make_data(snapshot):
        return make_training_data(volume, snapshot, n_classes=n_classes, class_names=names,
                                  seed=seed)

    if record is None:
        record = {k: v for k, v in vars(config).items() if k != "init"}
    return TrainingRun("facies", config.model, train, config, data=data, source=labels,
                       make_data=make_data, project=project, record=record)


def firstbreak_run(project, gathers, config, picks=None, *, data=None,
                   record: dict | None = None) -> TrainingRun:
    """A first-break picker trained on ``picks`` (default: the project's) of ``gathers``."""
    from seisview.ml.firstbreak import MODEL, FirstBreakData, train

    if picks is None and data is None:
        picks = project.picks.snapshot()
    return TrainingRun("firstbreak", MODEL, train, config, data=data, source=picks,
                       make_data=lambda p: FirstBreakData(gathers, p), project=project,
                       record=record if record is not None else config.record())


def pretrain_run(project, data, config, *, source=None, make_data: Callable | None = None,
                 record: dict | None = None) -> TrainingRun:
    """Self-supervised pretraining (autoencoder or GAN) on a volume or gathers.

    ``source`` and ``make_data(source)``: the data is made in the driving thread (the
    Pretraining dock cuts and scales sections there, off the GUI thread); ``record``: more
    fields stored with the run's config.
    """
    from seisview.ml.pretrain import config_dict, pretrain

    return TrainingRun("pretrain", config.model, pretrain, config, data=data, source=source,
                       make_data=make_data, project=project,
                       record={**config_dict(config), **(record or {})}, relabels=False)
