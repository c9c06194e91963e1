"""File → New project / Open project / Close project: the Project <-> Session wiring.

``session.project`` is the one place the open project lives; the label and
pick controllers follow ``session.events.project``. A replaced project is
closed (its journal is already complete: every edit was committed when made).
"""

from __future__ import annotations

import logging
from pathlib import Path

from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QFileDialog

from seisview.core.errors import SeisviewError

log = logging.getLogger(__name__)

FILTER = "seisview projects (*.seisview);;All files (*)"


def install(window) -> dict[str, QAction]:
    """Add the project actions to the File menu (once per window)."""
    if getattr(window, "_project_actions", None):
        return window._project_actions
    menu = window.menu("File")
    acts = {}
    for key, text, fn in (("new", "New project…", lambda: new_project_interactive(window)),
                          ("open", "Open project…", lambda: open_project_interactive(window)),
                          ("close", "Close project", lambda: close_project(window))):
        a = QAction(text, window)
        a.triggered.connect(fn)
        acts[key] = a
    first = menu.actions()[0] if menu.actions() else None
    for a in acts.values():
        menu.insertAction(first, a)
    if first is not None:
        menu.insertSeparator(first)
    window._project_actions = acts
    return acts


def _replace(window, project) -> None:
    old = window.session.project
    window.session.project = project
    if old is not None and old is not project:
        old.close()


def new_project(window, path) -> object | None:
    """Make a project for the survey open in ``window`` and make it current."""
    from seisview.io.project import Project

    s = window.session
    if s.path is None:
        window.show_error("No survey open", "Open a SEG-Y survey first; the project belongs to it.")
        return None
    try:
        geometry = s.volume.geometry if s.volume is not None else None
        scan = s.scan
        project = Project.create(path, s.path, geometry=geometry,
                                 iline=getattr(scan, "iline_byte", None),
                                 xline=getattr(scan, "xline_byte", None),
                                 gather_key=(scan.gathers or {}).get("byte") if getattr(scan, "gathers", None) else None)
    except SeisviewError as exc:
        window.show_error("Project not created", str(exc))
        return None
    _replace(window, project)
    dock = getattr(window, "panels", {}).get("labels")
    if dock is not None:  # the next thing the interpreter does is paint: show the classes
        dock.show()
        dock.raise_()
    window.status(f"project {Path(path).name} created with {len(project.palette)} classes "
                  f"({_palette_origin(s.path)}): every stroke and pick is saved as you make it")
    return project


def _palette_origin(survey_path) -> str:
    from seisview.io.project import class_list_path

    cl = class_list_path(survey_path)
    return f"from {cl.name}" if cl.is_file() else "MalenoV defaults"


def open_project(window, path) -> object | None:
    """Open a project; loads its survey unless that survey is already open."""
    from seisview.io.project import Project

    try:
        project = Project.open(path)
    except SeisviewError as exc:
        window.show_error(f"Cannot open {Path(path).name}", str(exc))
        return None
    _replace(window, project)
    ref = project.survey
    same = window.session.path is not None and ref.path and \
        Path(window.session.path).resolve() == Path(ref.path).resolve()
    if ref.path and not same and Path(ref.path).is_file():
        window.files.open_path(ref.path, ref.iline, ref.xline, ref.gather_key)
    for w in project.warnings:
        window.status(w)
    return project


def close_project(window) -> None:
    _replace(window, None)
    window.status("project closed")


def new_project_interactive(window) -> None:
    s = window.session
    start = str(s.path.with_suffix(".seisview")) if s.path is not None else str(Path.cwd())
    path, _ = QFileDialog.getSaveFileName(window, "New project", start, FILTER)
    if path:
        if not path.endswith(".seisview"):
            path += ".seisview"
        new_project(window, path)


def open_project_interactive(window) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open project", str(Path.cwd()), FILTER)
    if path:
        open_project(window, path)

