"""File → Export ▸ "First breaks of every gather…": the current first-break model over all gathers.

The same job as ``seisview picks predict`` (:func:`seisview.ml.fb_job.predict_all_gathers`):
gathers a batch at a time, read from the file when it is above the RAM budget, written to a
CSV, a JSON or a copy of the survey with the picks at byte 233 as they are picked. It runs in a
worker at low priority with a progress dialog whose Cancel stops it and leaves no file; the
project's picks are not touched (the First-break picker dock's Accept does that).
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QFileDialog, QProgressDialog

from seisview.qt.workers import TaskCancelled, TaskDone, TaskFailed, Worker

FILTERS = {"Pick table (*.csv)": ".csv", "JSON picks (*.json)": ".json",
           "Copy of the survey with the picks at byte 233 (*.sgy *.segy)": ".sgy"}
TITLE = "First breaks of every gather"


def install(window) -> QAction | None:
    """Add the action under File → Export (after Picks…)."""
    picks = getattr(window, "_transfer_actions", {}).get("export_picks")
    menu = picks.parent() if picks is not None else window.menu("File")
    act = QAction("First breaks of every gather…", window)
    tip = ("Pick every trace of every gather with the current first-break model into a CSV, JSON "
           "or SEG-Y copy, a batch of gathers at a time (files above the RAM budget too)")
    act.setToolTip(tip)
    act.setStatusTip(tip)
    act.triggered.connect(lambda: export_all_interactive(window))
    menu.addAction(act)
    window._fb_job_action = act
    return act


def _ready(window) -> str | None:
    """Why the job cannot run now (None: it can)."""
    s = window.session
    if s.gathers is None:
        return "Open a pre-stack file (shot gathers) first."
    if s.models.get("firstbreak") is None:
        return "Train a first-break picker first (First-break picker dock), or load its run."
    job = getattr(window, "_fb_job", None)
    if job is not None and job.running:
        return "The picks of every gather are still being written; cancel that job first."
    return None


def export_all_interactive(window) -> Worker | None:
    why = _ready(window)
    if why:
        window.show_error(TITLE, why)
        return None
    path, chosen = QFileDialog.getSaveFileName(window, TITLE, "picks.csv", ";;".join(FILTERS))
    if not path:
        return None
    if not Path(path).suffix:
        path += FILTERS.get(chosen, ".csv")
    return start(window, path)


def start(window, out) -> Worker | None:
    """Run the job into ``out`` (its suffix says the format); returns the worker."""
    from seisview.ml.fb_job import predict_all_gathers

    why = _ready(window)
    if why:
        window.show_error(TITLE, why)
        return None
    s = window.session
    worker = Worker(predict_all_gathers, s.models.get("firstbreak"), s.gathers, str(out),
                    source=str(s.path) if s.path else None, name="pick every gather", nice=5)
    dlg = QProgressDialog(f"Picking every gather into {Path(out).name}", "Cancel", 0, 1000, window)
    dlg.setWindowTitle(TITLE)
    dlg.setWindowModality(Qt.WindowModality.NonModal)  # the interpreter goes on working meanwhile
    dlg.setMinimumDuration(0)
    dlg.setAutoClose(False)
    dlg.setAutoReset(False)
    dlg.canceled.connect(worker.cancel)
    worker.progress.connect(lambda f, m: (dlg.setValue(int(f * 1000)), dlg.setLabelText(m)))
    worker.finished.connect(lambda end: _finished(window, dlg, out, end))
    window._fb_job, window._fb_job_dialog = worker, dlg
    worker.start()
    return worker


def _finished(window, dlg: QProgressDialog, out, end) -> None:
    dlg.hide()
    dlg.deleteLater()
    window._fb_job_dialog = None
    if isinstance(end, TaskDone):
        job = end.result
        window.status(f"{job.n_traces} traces of {job.n_gathers} gathers picked into {Path(out).name} "
                      f"(median confidence {job.median_confidence:.2f}, "
                      f"{job.share_below_half:.0%} below 0.5)")
    elif isinstance(end, TaskCancelled):
        window.status(f"picking every gather cancelled: {Path(out).name} was not written")
    elif isinstance(end, TaskFailed):
        window.show_error(TITLE, end.message)
