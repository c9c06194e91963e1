"""The Training dock's whole-volume actions: Predict volume into a store (its time slices
fill in as chunks complete; cancel keeps finished chunks) and Export SEG-Y of the result.

A mixin of ``TrainingPanel``: it uses the panel's snapshot, session, prediction layers,
status line, progress bar, buttons and scheduler field.
"""

from __future__ import annotations

from seisview.core.errors import SeisviewError
from seisview.ml.jobs import (
    export_segy_job,
    export_store_job,
    predict_volume_job,
    volume_store_path,
)
from seisview.qt.workers import TaskFailed, Worker


class VolumeActions:
    def predict_volume(self) -> None:
        if self.snapshot is None or self.session.volume is None:
            return
        if self.volume_worker is not None and self.volume_worker.running:
            self.volume_worker.cancel()
            return
        from seisview.ml.device import background_threads

        # beside a training run: one core stays free; else every core the RAM budget allows
        threads = background_threads() if self.training else None
        store = volume_store_path(self.snapshot, self.session.volume, self.session.project,
                                  self.session.path)
        scheduler = self.scheduler.text().strip() or None
        self.volume_store = None
        self._shown_at = 0.0
        self.volume_worker = Worker(predict_volume_job, self.snapshot, self.session.volume, threads,
                                    out=store, scheduler=scheduler, name="predict-volume", nice=5)
        self.volume_worker.progress.connect(lambda f, m: self._on_volume_progress(store, f, m))
        self.volume_worker.finished.connect(self._on_volume)
        self.volume_btn.setText("Cancel volume prediction")
        self.volume_worker.start()

    def _on_volume_progress(self, store, fraction: float, message: str) -> None:
        """A chunk is in the store: show the store's slices (they fill in), at most 2 reads/s."""
        import time

        self.bar.setValue(int(fraction * 1000))
        self._say(f"predicting volume: {message}")
        if self.volume_store != store:
            self.volume_store = store
            self._open_cube(store)
            self._shown_at = time.monotonic()
        elif time.monotonic() - self._shown_at > 0.5 or fraction >= 1.0:
            self._shown_at = time.monotonic()
            self.layers.cube_grew()  # read again in workers, redrawn when read

    def _open_cube(self, store) -> None:
        """The result store's arrays, opened in a worker: opening reads metadata through zarr's
        I/O loop, where the running job's writes queue (the GUI thread never waits on it)."""
        from seisview.qt.workers import LatestRunner

        if getattr(self, "_cube_opener", None) is None:
            self._cube_opener = LatestRunner(self)
            self._cube_opener.result.connect(self._on_cube_opened)
            self._cube_opener.failed.connect(
                lambda _rid, f: self._say(f"volume prediction not shown: {f.message}"))
        self._cube_opener.submit(_open_result, store, name="open-result")

    def _on_cube_opened(self, _rid, result) -> None:
        store, cube = result
        if store == self.volume_store and self.layers is not None:
            self.layers.set_cube(*cube)
            self._sync_buttons()

    def _on_volume(self, end) -> None:
        from seisview.qt.workers import TaskDone

        self.volume_btn.setText("Predict volume")
        if isinstance(end, TaskDone):
            self.volume_store = end.result
            self._open_cube(end.result)
            self._say("volume predicted: time slices show the class map; Export SEG-Y… writes it")
        elif isinstance(end, TaskFailed):
            self._say(f"volume prediction failed: {end.message}")
        else:
            self._say("volume prediction cancelled: finished chunks are kept, Predict volume completes the rest")
        self._sync_buttons()

    def export_interactive(self) -> None:
        from PyQt6.QtWidgets import QFileDialog

        kinds = {"Class cube (*.sgy)": "classes", "Probability cube (*.sgy)": "probability"}
        path, chosen = QFileDialog.getSaveFileName(self, "Export volume prediction as SEG-Y",
                                                   "prediction.sgy", ";;".join(kinds))
        if path:
            self.export_cube(path if path.lower().endswith((".sgy", ".segy")) else path + ".sgy",
                             kinds.get(chosen, "classes"))

    def export_cube(self, path, which: str = "classes") -> Worker | None:
        """Write the class (or probability) cube as SEG-Y in a worker; returns it, or None
        after saying why not (no prediction yet, a path that is the survey or project)."""
        from pathlib import Path

        try:
            if self.layers is None or self.layers.cube is None:
                raise SeisviewError("no volume prediction yet", hint="press Predict volume first")
            project = self.session.project
            target = project.check_output(path) if project is not None else \
                Path(path).expanduser().resolve()
            if self.session.path is not None and target == Path(self.session.path).resolve():
                raise SeisviewError(f"will not write over the open survey ({target.name})",
                                    hint="give another output path")
        except SeisviewError as exc:
            self._say(str(exc))
            return None
        if self.volume_store is not None:  # from the store, a block of inlines at a time
            self.export_worker = Worker(export_store_job, self.volume_store,
                                        "classes" if which == "classes" else "probability", target,
                                        name="export-segy", nice=5)
        else:
            cube = self.layers.cube[0 if which == "classes" else 1]
            self.export_worker = Worker(export_segy_job, target, cube, self.session.volume,
                                        name="export-segy", nice=5)
        what = "class cube" if which == "classes" else "probability cube"
        self.export_worker.finished.connect(lambda end: self._on_exported(end, what, target))
        self._say(f"writing the {what} to {target.name}…")
        self.export_worker.start()
        self._sync_buttons()
        return self.export_worker

    def _on_exported(self, end, what: str, target) -> None:
        self.export_worker = None  # its thread may still be winding down
        self._say(f"{what} written to {target}" if not isinstance(end, TaskFailed)
                  else f"export failed: {end.message}")
        self._sync_buttons()


def _open_result(store, *, state=None):
    """Worker body: ``(store, (classes, max probability))`` of a predict-volume store."""
    from seisview.io.store_export import result_cube

    return store, result_cube(store)
