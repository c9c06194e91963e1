"""Start the viewer: ``seisview`` (demo survey), ``seisview PATH`` (SEG-Y, .zarr or .seisview project)."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

log = logging.getLogger(__name__)


def make_app():
    """The QApplication (created once)."""
    from PyQt6.QtWidgets import QApplication

    app = QApplication.instance()
    if app is None:
        app = QApplication(sys.argv[:1])
        app.setApplicationName("seisview")
        app.setOrganizationName("seisview")
    return app


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


def run(path=None, iline: int | None = None, xline: int | None = None,
        gather_key: int | None = None) -> int:
    """Show the main window and run the event loop; returns the exit status."""
    app = make_app()
    from seisview.qt.main_window import MainWindow

    window = MainWindow()
    window.show()
    open_in_window(window, path, iline, xline, gather_key)
    rc = app.exec()
    project = window.session.project
    if project is not None and hasattr(project, "close"):
        project.close()
    return int(rc)
