"""File menu of the viewer: open (scan report, overrides), recent files, sample data, PNG export.

Loading runs ``seisview.io.segy.load`` in a worker with a progress dialog and a
cancel button (a survey above the RAM budget is converted to the zarr cache
there). A file that fails to open shows the scan's message in a dialog; the
window and the survey already open stay as they were.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QKeySequence
from PyQt6.QtWidgets import QFileDialog, QProgressDialog

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.section import SectionSpec
from seisview.qt.viewer_settings import settings
from seisview.qt.workers import TaskCancelled, TaskDone, TaskFailed, Worker

log = logging.getLogger(__name__)
MAX_RECENT = 10


def open_filter() -> str:
    """The File → Open filter: one entry per survey reader of the registry, then all files."""
    from seisview.plugins import registry

    parts = []
    for c in registry.survey_readers():
        exts = [str(e) for e in c.meta.get("extensions", ())]
        pats = " ".join(f"*{e} *{e.upper()}" for e in exts) or "*"
        parts.append(f"{c.description or c.name} ({pats})")
    return ";;".join([*parts, "All files (*)"])


def _load_file(path, iline, xline, gather_key, *, state, report=None):
    from seisview.plugins import registry

    reader = registry.reader_for(path)
    if not reader.meta.get("scan"):  # a plugin's reader: load(path, *, state)
        return reader.load()(path, state=state)
    return reader.load()(path, iline, xline, gather_key, state=state, report=report)


def _load_demo(*, state):
    from seisview.io import demo
    from seisview.io.segy import load

    state.set_progress(0.05, "building the demo survey")
    path = demo.demo_survey_path()
    state.check()
    vol = demo.demo_volume()
    state.set_progress(0.7, "demo shot gathers")
    gpath = demo.demo_gathers_path()
    gathers = load(gpath, state=state)
    return {"path": path, "volume": vol, "gathers": gathers}


class FileActions:
    def __init__(self, window):
        self.w = window
        self.worker: Worker | None = None
        self.progress: QProgressDialog | None = None
        m = window.menu("File")
        m.addAction("&Open…", QKeySequence("Ctrl+O"), self.open_interactive)
        self.recent_menu = m.addMenu("Open &Recent")
        self.sample_menu = m.addMenu("&Sample data")
        self.sample_menu.addAction("Demo survey with shot gathers (generated)", self.open_demo)
        self._add_samples()
        m.addSeparator()
        m.addAction("&Export view…", QKeySequence("Ctrl+E"), self.export_interactive)
        m.addSeparator()
        m.addAction("&Quit", QKeySequence("Ctrl+Q"), window.close)
        self.rebuild_recent()

    def _add_samples(self) -> None:
        try:
            from seisview.io.demo import demo_gathers_path, sample_data_paths
        except ImportError:
            return
        self.sample_menu.addAction("Demo shot gathers", lambda: self.open_path(demo_gathers_path()))
        for label, path in sample_data_paths().items():
            act = self.sample_menu.addAction(label, lambda p=path: self.open_path(p))
            act.setEnabled(Path(path).exists())

    # -- recent files -------------------------------------------------------------
    def recent(self) -> list[str]:
        v = settings().value("recent/files", [])
        return [str(x) for x in (v if isinstance(v, list) else [v]) if x]

    def add_recent(self, path) -> None:
        p = str(Path(path).resolve())
        items = [p] + [x for x in self.recent() if x != p]
        st = settings()
        st.setValue("recent/files", items[:MAX_RECENT])
        st.sync()
        self.rebuild_recent()

    def rebuild_recent(self) -> None:
        self.recent_menu.clear()
        items = self.recent()
        for p in items:
            self.recent_menu.addAction(p, lambda p=p: self.open_path(p))
        self.recent_menu.setEnabled(bool(items))

    # -- opening ------------------------------------------------------------------
    def open_interactive(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.w, "Open survey", str(Path.cwd()), open_filter())
        if not path:
            return
        from seisview.plugins import registry
        from seisview.qt.open_dialog import OpenDialog

        if not registry.reader_for(path).meta.get("scan"):  # no SEG-Y scan options to choose
            self.open_path(path)
            return
        dlg = OpenDialog(path, self.w)
        if dlg.exec() and dlg.report is not None:
            self.open_path(path, report=dlg.report, **dlg.overrides())

    def open_path(self, path, iline: int | None = None, xline: int | None = None,
                  gather_key: int | None = None, report=None) -> Worker | None:
        """Scan then load ``path`` in a worker; returns the worker, or None when the scan failed."""
        from seisview.plugins import registry

        path = Path(path)
        scanned = registry.reader_for(path).meta.get("scan") and path.suffix.lower() != ".zarr"
        if report is None and scanned:
            from seisview.io.segy_gathers import index_report

            # a pre-stack file opened before: its saved report and header index, no scan
            report = index_report(path, {"iline": iline, "xline": xline, "gather_key": gather_key,
                                         "sample_format": None, "domain": None})
        if report is None and scanned:
            try:
                from seisview.io.segy import scan

                report = scan(path, iline, xline, gather_key)
            except SeisviewError as exc:
                self.w.show_error(f"Cannot open {path.name}", str(exc))
                return None
            except Exception as exc:  # a reader bug must not kill the window
                log.exception("scan failed")
                self.w.show_error(f"Cannot open {path.name}", f"{type(exc).__name__}: {exc}")
                return None
        return self._start(_load_file, path, iline, xline, gather_key, report=report,
                           label=f"Loading {path.name}", on_done=lambda r: self._opened(path, r, report))

    def open_demo(self) -> Worker | None:
        return self._start(_load_demo, label="Preparing the demo survey", on_done=self._demo_opened)

    def _start(self, fn, *args, label: str, on_done, **kw) -> Worker | None:
        if self.worker is not None and self.worker.running:
            self.w.status("another file is still loading; cancel it first")
            return None
        w = Worker(fn, *args, name="open", **kw)
        dlg = self._progress_dialog(label)
        w.progress.connect(lambda f, m: self._on_progress(dlg, f, m))
        w.finished.connect(lambda end: self._finished(end, dlg, on_done))
        self.worker, self.progress = w, dlg
        w.start()
        return w

    def _progress_dialog(self, label: str) -> QProgressDialog:
        """The one progress dialog of the window, reset for a new load.

        It is reused, never deleted: a window-modal dialog processes events inside
        ``setValue``, so the load's end can run while a progress update is still on
        the stack, and deleting the dialog there crashed Qt.
        """
        dlg = getattr(self, "_dialog", None)
        if dlg is None:
            dlg = self._dialog = QProgressDialog("", "Cancel", 0, 1000, self.w)
            dlg.setWindowModality(Qt.WindowModality.WindowModal)
            dlg.setMinimumDuration(400)
            dlg.setAutoClose(False)
            dlg.setAutoReset(False)
            dlg.canceled.connect(self._cancel_load)
        dlg.hide()
        dlg.reset()
        dlg.setLabelText(label)
        dlg.setValue(0)  # starts the minimum-duration timer afresh
        return dlg

    def _cancel_load(self) -> None:
        if self.worker is not None and self.worker.running:
            self.worker.cancel()

    def _on_progress(self, dlg: QProgressDialog, fraction: float, message: str) -> None:
        if self.progress is not dlg:  # a late message of a load that has ended
            return
        dlg.setValue(int(fraction * 1000))
        if message:
            dlg.setLabelText(message)

    def _finished(self, end, dlg: QProgressDialog, on_done) -> None:
        self.progress = None
        dlg.hide()
        dlg.reset()
        if isinstance(end, TaskDone):
            try:
                on_done(end.result)
            except Exception as exc:
                log.exception("showing the survey failed")
                self.w.show_error("Cannot show the survey", f"{type(exc).__name__}: {exc}")
        elif isinstance(end, TaskCancelled):
            self.w.status("loading cancelled")
        elif isinstance(end, TaskFailed):
            self.w.show_error("Cannot open the file", end.message)

    def _opened(self, path: Path, result, report) -> None:
        s = self.w.session
        closed = self._close_foreign_project(path)
        if isinstance(result, GatherSet):
            s.volume = None
            s.open_gathers(result, path=path, scan=report)
        else:
            s.gathers = None
            s.open_volume(result, path=path, scan=report)
        self.add_recent(path)
        self.w.status(f"opened {path.name}" + (f"; {closed}" if closed else ""))

    def _demo_opened(self, r: dict) -> None:
        s = self.w.session
        closed = self._close_foreign_project(r["path"])
        s.open_volume(r["volume"], path=r["path"])
        s.open_gathers(r["gathers"])
        self.w.status("demo survey: generated 3-D cube and shot gathers with known first breaks"
                      + (f"; {closed}" if closed else ""))

    def _close_foreign_project(self, path) -> str:
        """A project belongs to its survey: opening another one closes it (everything in it
        is already saved, action by action) rather than paint its labels on other data.
        Returns what to tell the user ("" when the project stays)."""
        p = self.w.session.project
        own = getattr(getattr(p, "survey", None), "path", None)
        if p is None or (own and path and Path(own).resolve() == Path(path).resolve()):
            return ""
        self.w.session.project = None
        p.close()
        return (f"project {Path(p.path).name} closed: it belongs to "
                f"{Path(own).name if own else 'another survey'} (File → New project for this one)")

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until the current load ends (tests); its messages still need the event loop."""
        return self.worker is None or self.worker.wait(timeout)

    def shutdown(self) -> None:
        if self.worker is not None:
            self.worker.cancel()
            self.worker.wait(10)

    # -- export ---------------------------------------------------------------------
    def export_interactive(self) -> None:
        """File → Export view…: the plot of the active view as PNG (at a chosen width), SVG or PDF."""
        from PyQt6.QtWidgets import QInputDialog

        from seisview.qt.export_view import FORMATS, MAX_WIDTH, default_width

        view = self.w.active_view or self.w.section_views["inline"]
        path, chosen = QFileDialog.getSaveFileName(self.w, "Export view", self.export_name(view),
                                                   ";;".join(FORMATS.values()))
        if not path:
            return
        path = Path(path)
        if path.suffix.lower() not in FORMATS:  # no or another extension: the chosen filter's
            path = path.with_suffix(next((s for s, f in FORMATS.items() if f == chosen), ".png"))
        width = None
        if path.suffix.lower() == ".png" and hasattr(view, "plot"):
            width, ok = QInputDialog.getInt(self.w, "Export view", "Width of the picture (pixels):",
                                            default_width(view), 16, MAX_WIDTH, 100)
            if not ok:
                return
        self.export_view(path, view=view, width=width)

    def export_name(self, view) -> str:
        """A file name that says what the view shows, in line numbers or ms: ``inline_223.png``,
        ``time_600.png``, ``map_time_600.png`` (label image import reads the first two back)."""
        s = self.w.session
        if s.volume is None:
            return "view.png"
        if view is getattr(self.w, "map_view", None):
            return f"map_{s.geometry.spec_text(s.spec('time')).replace(':', '_')}.png"
        spec = getattr(view, "spec", None)
        return f"{s.geometry.spec_text(spec).replace(':', '_')}.png" if isinstance(spec, SectionSpec) else "view.png"

    def export_view(self, path, view=None, width: int | None = None) -> Path:
        """Save the plot of the active view (or ``view``): axes, colour bars and legend, without the
        slider row and the cursor; .png (``width`` pixels wide), .svg or .pdf. Errors go to a dialog."""
        from seisview.qt.export_view import export_plot

        view = view or self.w.active_view or self.w.section_views["inline"]
        path = Path(path)
        try:
            if hasattr(view, "plot"):
                export_plot(view, path, width)
            else:  # the 3-D view renders its own picture
                path = path.with_suffix(".png")
                view.export_png(path)
        except SeisviewError as exc:
            self.w.show_error("Export failed", str(exc))
            raise
        except OSError as exc:
            self.w.show_error("Export failed", f"{exc}; choose a writable folder")
            raise SeisviewError(str(exc), hint="choose a writable folder") from exc
        self.w.status(f"saved {path}")
        return path
