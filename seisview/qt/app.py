"""Start the viewer: ``seisview`` (demo survey), ``seisview PATH`` (SEG-Y, .zarr or .seisview project)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def check_display() -> None:
    """Fail with one line, not a Qt abort, when there is no screen to show the window on."""
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return
    if not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")):
        from seisview.core.errors import SeisviewError

        raise SeisviewError("no graphical display (DISPLAY is not set)",
                            hint="run seisview on a desktop, over `ssh -X`, or as `xvfb-run -a seisview ...`; "
                            "headless commands such as `seisview info PATH` need no display")


def configure_pyqtgraph() -> None:
    """pyqtgraph's global options, set once before any view is made: arrays are (row, col)
    as in every seisview view, and images are not antialiased."""
    import pyqtgraph as pg

    pg.setConfigOptions(imageAxisOrder="row-major", antialias=False)


def make_app():
    """The QApplication (created once), with pyqtgraph configured."""
    from PyQt6.QtWidgets import QApplication

    configure_pyqtgraph()
    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("seisview")
        app.setOrganizationName("seisview")
        app._seisview_gc = GuiCollector(app)
        # A worker running Python code keeps the interpreter lock up to the switch interval
        # before the event loop gets it; 1 ms instead of 5 ms cut timer intervals > 30 ms
        # while training from 7 to 3 in 1,100 (p99 23.5 -> 21.3 ms, A/B interleaved, loaded cores).
        sys.setswitchinterval(0.001)
    return app


class GuiCollector:
    """Collect cyclic garbage on a GUI-thread timer only, and never for long.

    A collection triggered by a worker thread can destroy Qt objects off the GUI
    thread and crash Qt, so automatic collection is off and this timer collects.
    A full collection walks every object (~380,000 once torch, scipy and the
    panels are loaded: ~180 ms CPU, 250-300 ms on busy cores, measured as the
    longest GUI stall while training). So: once start-up is over (no worker
    running, the import warm-up done) the surviving start-up objects -- modules,
    classes, widgets that live as long as the window -- are frozen out of all
    later collections, and full collections wait until no worker runs.
    """

    def __init__(self, app, interval_ms: int = 500):
        import gc

        from PyQt6.QtCore import QTimer

        self.threshold = gc.get_threshold()
        self.frozen = False
        self.deferred = 0  # full collections put off while workers ran
        gc.disable()
        self.timer = QTimer(app)
        self.timer.timeout.connect(self.check)
        self.timer.start(interval_ms)

    @staticmethod
    def _busy() -> bool:
        from seisview.qt.workers import jobs_running

        jobs = sys.modules.get("seisview.ml.jobs")
        warm = getattr(jobs, "_warm_thread", None)
        return bool(jobs_running()) or (warm is not None and warm.is_alive())

    def check(self) -> None:
        import gc

        l0, l1, l2 = gc.get_count()
        if not self.frozen and not self._busy():
            gc.collect()
            gc.freeze()
            self.frozen = True
            return
        if l0 > self.threshold[0]:
            gc.collect(0)
            if l1 > self.threshold[1]:
                if l2 > self.threshold[2] and not self._busy():
                    gc.collect(2)
                else:
                    self.deferred += l2 > self.threshold[2]
                    gc.collect(1)


def open_in_window(window, path=None, iline=None, xline=None, gather_key=None):
    """Open ``path`` (or the demo survey) in ``window``; returns the loading worker or None."""
    if path is None:
        return window.files.open_demo()
    p = Path(path)
    if p.suffix.lower() == ".seisview":
        return _open_project(window, p)
    return window.files.open_path(p, iline, xline, gather_key)


def _open_project(window, path: Path):
    from seisview.core.errors import SeisviewError
    from seisview.io.project import Project

    try:
        project = Project.open(path)
    except SeisviewError as exc:
        window.show_error(f"Cannot open {path.name}", str(exc))
        return None
    window.session.project = project
    ref = project.survey
    return window.files.open_path(ref.path, ref.iline, ref.xline, ref.gather_key)


def install_excepthook(window) -> None:
    """Errors raised inside Qt slots are logged and shown in the status bar instead of aborting
    the application (PyQt's default for an unhandled exception in a slot)."""
    import traceback

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        log.error("unhandled error in the GUI:\n%s", "".join(traceback.format_exception(exc_type, exc, tb)))
        from seisview.config import log_path

        root = exc.__cause__ or exc  # psygnal wraps a subscriber's error in EmitLoopError
        line = (str(root).strip().splitlines() or [""])[0]
        try:
            window.status(f"internal error: {type(root).__name__}: {line} (details in {log_path()})", 15000)
        except RuntimeError:  # the window is already gone
            pass

    sys.excepthook = hook


def run(path=None, iline: int | None = None, xline: int | None = None,
        gather_key: int | None = None) -> int:
    """Show the main window and run the event loop; returns the exit status."""
    check_display()
    app = make_app()
    from seisview.qt.main_window import MainWindow

    window = MainWindow()
    install_excepthook(window)
    window.show()
    open_in_window(window, path, iline, xline, gather_key)
    rc = app.exec()
    project = window.session.project
    if project is not None and hasattr(project, "close"):
        project.close()
    return int(rc)
