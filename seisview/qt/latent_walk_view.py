"""The "seismic dreams" view of the Pretraining dock: walk through a pretraining run's latent
space, watch it animate, export it as a PNG strip or a GIF.

A GAN run walks between the latent vectors of two seeds; an autoencoder run between the
encodings of two sections of the open survey (``inline:150``, ``crossline:420``, in line
numbers) or two gathers (their keys). The frames are made by
``seisview.ml.latent_walk`` in a worker thread and written by
``seisview.io.frame_export``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PyQt6.QtCore import Qt, QTimer, pyqtSignal
from PyQt6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seisview.core.errors import SeisviewError
from seisview.qt.workers import TaskDone, TaskFailed, Worker


class FrameView(pg.GraphicsLayoutWidget):
    """One 2-D array drawn in a seismic colour map, aspect kept, NaN transparent (tile gaps)."""

    def __init__(self, height: int = 150):
        super().__init__()
        self.setMinimumHeight(height)
        self._hint = height
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setBackground(None)
        self.box = self.addViewBox(lockAspect=False, enableMouse=False, invertY=True)
        self.box.setDefaultPadding(0.0)
        self.image = pg.ImageItem(axisOrder="row-major")
        self.box.addItem(self.image)
        self.shape: tuple[int, ...] | None = None

    def sizeHint(self):  # noqa: N802 (Qt name): not pyqtgraph's 480 px, which made the dock scroll
        from PyQt6.QtCore import QSize

        return QSize(200, self._hint)

    def show_array(self, arr: np.ndarray, cmap, clip: float) -> None:
        from seisview.qt.colormaps import colorize

        arr = np.asarray(arr, np.float32)
        self.image.setImage(colorize(arr, cmap, (-clip, clip)), autoLevels=False)
        if arr.shape != self.shape:
            self.shape = arr.shape
            self.box.setRange(xRange=(0, arr.shape[1]), yRange=(0, arr.shape[0]), padding=0)

    def blank(self) -> None:
        """Transparent at the same size (not ``clear``: GraphicsLayoutWidget puts its layout's
        ``clear`` on each instance, which would take the view box out)."""
        if self.shape is not None:
            self.show_array(np.full(self.shape, np.nan, np.float32), "seismic", 1.0)


class LatentWalkView(QWidget):
    """Endpoints, number of frames, Walk, a frame slider, Play and Export."""

    walked = pyqtSignal(object)  # the Walk, once its frames are shown

    def __init__(self, panel):
        super().__init__()
        self.panel = panel
        self.session = panel.session
        self.walk = None
        self.worker: Worker | None = None
        self._dir = +1
        self._build()
        self.timer = QTimer(self, interval=125, timeout=self._next_frame)

    def _build(self) -> None:
        lay = QVBoxLayout(self)
        intro = QLabel("Walk the latent space of a pretraining run: the GAN between two seeds' "
                       "latent vectors, the autoencoder between the encodings of two sections.")
        intro.setWordWrap(True)
        lay.addWidget(intro)
        form = QFormLayout()
        self.run_box = QComboBox()
        self.run_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.run_box.setMinimumContentsLength(12)
        self.run_box.setToolTip("the pretraining run whose generator or decoder makes the frames")
        self.run_box.currentIndexChanged.connect(self._kind_changed)
        row = QHBoxLayout()
        row.addWidget(self.run_box, 1)
        self.open_btn = QPushButton("Open…")
        self.open_btn.setToolTip("walk the latent space of a pretraining checkpoint file")
        self.open_btn.clicked.connect(self._open_checkpoint)
        row.addWidget(self.open_btn)
        form.addRow("Run", row)
        self.from_edit, self.to_edit = QLineEdit("0"), QLineEdit("1")
        self.from_label, self.to_label = QLabel("From seed"), QLabel("To seed")
        form.addRow(self.from_label, self.from_edit)
        form.addRow(self.to_label, self.to_edit)
        self.frames = QSpinBox()
        self.frames.setRange(2, 120)
        self.frames.setValue(16)
        self.frames.setToolTip("frames from one endpoint to the other, both included")
        form.addRow("Frames", self.frames)
        lay.addLayout(form)
        self.walk_btn = QPushButton("Walk")
        self.walk_btn.setToolTip("make the frames between the two endpoints")
        self.walk_btn.clicked.connect(self.start_walk)
        lay.addWidget(self.walk_btn)
        self.view = FrameView(200)
        lay.addWidget(self.view, 1)
        row2 = QHBoxLayout()
        self.play_btn = QPushButton("Play")
        self.play_btn.setCheckable(True)
        self.play_btn.setToolTip("animate the walk there and back")
        self.play_btn.toggled.connect(self.set_playing)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setToolTip("the frame shown")
        self.slider.valueChanged.connect(self.show_frame)
        self.export_btn = QPushButton("Export…")
        self.export_btn.setToolTip("save the walk as an animated GIF or a PNG strip of its frames")
        self.export_btn.clicked.connect(self.export_interactive)
        row2.addWidget(self.play_btn)
        row2.addWidget(self.slider, 1)
        row2.addWidget(self.export_btn)
        lay.addLayout(row2)
        self.info = QLabel("Pretrain a model (or pick a run), then Walk.")
        self.info.setWordWrap(True)
        lay.addWidget(self.info)
        self._sync()

    # -- runs ------------------------------------------------------------------------------
    def refresh_runs(self, select: str | None = None) -> None:
        """The project's pretraining runs that kept a model (newest first), plus opened files."""
        keep = select or self.run_box.currentData()
        extra = [(self.run_box.itemText(i), self.run_box.itemData(i))
                 for i in range(self.run_box.count())
                 if (self.run_box.itemData(i) or {}).get("file")]
        self.run_box.blockSignals(True)
        self.run_box.clear()
        project = self.session.project
        for run in reversed(project.runs("pretrain") if project is not None else []):
            if run.checkpoint and run.status in ("done", "cancelled", "interrupted"):
                self.run_box.addItem(f"run {run.id}: {run.model} ({run.status})",
                                     {"path": run.checkpoint, "kind": run.model})
        for text, data in extra:
            self.run_box.addItem(text, data)
        for i in range(self.run_box.count()):
            if keep and self.run_box.itemData(i)["path"] == (keep if isinstance(keep, str) else keep["path"]):
                self.run_box.setCurrentIndex(i)
        self.run_box.blockSignals(False)
        self._kind_changed()

    def _open_checkpoint(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Pretraining checkpoint", "",
                                              "seisview checkpoints (*.safetensors)")
        if path:
            self.add_checkpoint(path)

    def add_checkpoint(self, path: str) -> bool:
        """Offer a checkpoint file; a file of another kind is refused with one line."""
        from seisview.ml.latent_walk import pretraining_snapshot

        try:
            snap = pretraining_snapshot(path)
        except SeisviewError as exc:
            self._say(str(exc))
            return False
        self.run_box.addItem(f"{Path(path).name}: {snap.model}",
                             {"path": str(path), "kind": snap.model, "file": True})
        self.run_box.setCurrentIndex(self.run_box.count() - 1)
        return True

    def _kind(self) -> str | None:
        data = self.run_box.currentData()
        return data["kind"] if data else None

    def _kind_changed(self, *_a) -> None:
        gan = self._kind() != "autoencoder"
        if gan:
            self.from_label.setText("From seed")
            self.to_label.setText("To seed")
            tip = "an integer: the latent vector drawn from this seed"
            defaults = ("0", "1")
        else:
            what = "gather" if self._on_gathers() else "section"
            self.from_label.setText(f"From {what}")
            self.to_label.setText(f"To {what}")
            tip = ("a gather key (FFID)" if what == "gather" else
                   "a section in line numbers: inline:150, crossline:420")
            defaults = self._default_sections()
        for edit, text in ((self.from_edit, defaults[0]), (self.to_edit, defaults[1])):
            edit.setToolTip(tip)
            if edit.property("kind") != (gan, self._on_gathers()):  # keep what the user typed
                edit.setText(text)
                edit.setProperty("kind", (gan, self._on_gathers()))
        self._sync()

    def _on_gathers(self) -> bool:
        return self.session.volume is None and self.session.gathers is not None

    def _default_sections(self) -> tuple[str, str]:
        s = self.session
        if self._on_gathers():
            ids = list(s.gathers.gather_ids)
            return str(ids[0]), str(ids[-1])
        if s.volume is None:
            return "", ""
        g = s.volume.geometry
        return g.spec_text(s.spec("inline")), g.spec_text(s.spec("crossline"))

    # -- walking ------------------------------------------------------------------------------
    def _sync(self) -> None:
        busy = self.worker is not None and self.worker.running
        self.walk_btn.setEnabled(self.run_box.count() > 0 and not busy)
        have = self.walk is not None
        for w in (self.play_btn, self.slider, self.export_btn):
            w.setEnabled(have)

    def _say(self, text: str) -> None:
        self.info.setText(text)
        if hasattr(self.panel, "say_status"):
            self.panel.say_status(text)

    def _endpoints(self, kind: str, config):
        a, b = self.from_edit.text().strip(), self.to_edit.text().strip()
        if kind == "gan":
            try:
                return int(a), int(b)
            except ValueError:
                raise SeisviewError(f"seeds {a!r} and {b!r}: a GAN walk goes between two seeds",
                                    hint="type two whole numbers, e.g. 0 and 1") from None
        from seisview.ml.pretrain_data import endpoint

        s = self.session
        data = s.gathers if self._on_gathers() else s.volume
        if data is None:
            raise SeisviewError("no survey is open to take the two sections from",
                                hint="open a survey (File → Open), or walk a GAN run")
        if not self._on_gathers():
            g = s.volume.geometry
            a, b = g.parse_spec(a), g.parse_spec(b)
        return endpoint(data, a, config), endpoint(data, b, config)

    def start_walk(self) -> bool:
        """Make the frames in a worker; False (and one line saying why) when it cannot."""
        data = self.run_box.currentData()
        if data is None:
            self._say("no pretraining run to walk: pretrain one first (or Open… a checkpoint)")
            return False
        if self.worker is not None and self.worker.running:
            return False
        from seisview.ml.pretrain import PretrainConfig

        try:
            ends = self._endpoints(data["kind"], PretrainConfig(window_ms=self.panel.window_ms()))
        except SeisviewError as exc:
            self._say(str(exc))
            return False
        self.set_playing(False)
        self.worker = Worker(_walk_job, data["path"], ends, self.frames.value(), name="latent-walk",
                             nice=5)
        self.worker.finished.connect(self._on_walked)
        self.worker.start()
        self._say(f"walking {self.frames.value()} frames…")
        self._sync()
        return True

    def _on_walked(self, end) -> None:
        self.worker = None
        if isinstance(end, TaskFailed):
            self._say(f"walk failed: {end.message}")
        elif isinstance(end, TaskDone):
            self.walk = end.result
            self._clip = self.walk.clip
            n = len(self.walk.frames)
            self.slider.blockSignals(True)
            self.slider.setRange(0, n - 1)
            self.slider.setValue(0)
            self.slider.blockSignals(False)
            self.show_frame(0)
            h, w = self.walk.frames.shape[1:]
            text = f"{n} frames of {h} x {w} samples ({self.walk.kind}); Play or Export…"
            level = float(np.percentile(np.abs(self.walk.frames), 99)) / max(self.walk.clip, 1e-12)
            if self.walk.kind == "autoencoder" and level < 0.25:  # say why the frames look empty
                text += (f" The frames reach {level:.0%} of the sections' amplitude: this run "
                         "has not learnt to reconstruct them yet; pretrain longer.")
            self._say(text)
            self.walked.emit(self.walk)
        self._sync()

    def show_frame(self, i: int) -> None:
        if self.walk is None:
            return
        i = int(np.clip(i, 0, len(self.walk.frames) - 1))
        self.view.show_array(self.walk.frames[i], self.session.colormap, self._clip)
        if self.slider.value() != i:
            self.slider.blockSignals(True)
            self.slider.setValue(i)
            self.slider.blockSignals(False)

    def set_playing(self, on: bool) -> None:
        if on and self.walk is not None:
            self.timer.start()
        else:
            self.timer.stop()
        if self.play_btn.isChecked() != bool(on and self.walk is not None):
            self.play_btn.blockSignals(True)
            self.play_btn.setChecked(bool(on and self.walk is not None))
            self.play_btn.blockSignals(False)
        self.play_btn.setText("Stop" if self.timer.isActive() else "Play")

    def _next_frame(self) -> None:
        n = len(self.walk.frames) if self.walk is not None else 0
        if n < 2:
            return
        i = self.slider.value() + self._dir
        if not 0 <= i < n:  # there and back
            self._dir = -self._dir
            i = self.slider.value() + self._dir
        self.show_frame(i)

    # -- export ------------------------------------------------------------------------------
    def export_interactive(self) -> None:
        path, chosen = QFileDialog.getSaveFileName(self, "Export the walk", "seismic-dreams.gif",
                                                   "GIF animation (*.gif);;PNG strip (*.png)")
        if path:
            if not Path(path).suffix:
                path += ".png" if "PNG" in chosen else ".gif"
            self.export(path)

    def export(self, path) -> Path | None:
        """Write the walk as ``.gif`` (animated there and back) or ``.png`` (a strip)."""
        from seisview.io.frame_export import export_frames
        from seisview.qt.colormaps import lut

        if self.walk is None:
            self._say("nothing to export: Walk first")
            return None
        try:
            out = export_frames(path, self.walk.frames, lut(self.session.colormap),
                                fps=1000 / self.timer.interval(), clip=self.walk.clip)
        except SeisviewError as exc:
            self._say(str(exc))
            return None
        self._say(f"walk written to {out}")
        return out

    def shutdown(self, wait: float = 5.0) -> None:
        self.timer.stop()
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(wait)


def _walk_job(path: str, ends, n: int, *, state=None):
    """Worker body: load the run's model and make the walk's frames."""
    from seisview.ml.latent_walk import PretrainedModel, ae_walk, gan_walk

    model = PretrainedModel(path)
    if state is not None:
        state.check()
    if model.kind == "gan":
        return gan_walk(model, n, *ends)
    return ae_walk(model, ends[0], ends[1], n)
