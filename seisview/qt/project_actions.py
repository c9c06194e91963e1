"""File → New / Open / Save as / Close project, and the offer of a project when a tool needs one.

``session.project`` is the one place the open project lives; the label and
pick controllers follow ``session.events.project``. A replaced project is
closed (its journal is already complete: every edit was committed when made).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction
from PyQt6.QtWidgets import QFileDialog, QMessageBox

from seisview.core.errors import SeisviewError

log = logging.getLogger(__name__)

FILTER = "seisview projects (*.seisview);;All files (*)"


def install(window) -> dict[str, QAction]:
    """Add the project actions to the File menu (once per window)."""
    if getattr(window, "_project_actions", None):
        return window._project_actions
    menu = window.menu("File")
    acts = {}
    for key, text, fn, tip in (
            ("new", "New project…", lambda: new_project_interactive(window),
             "Make a .seisview project for the open survey: it saves every stroke and pick"),
            ("open", "Open project…", lambda: open_project_interactive(window),
             "Open a .seisview project (and its survey)"),
            ("save_as", "Save project as…", lambda: save_project_as_interactive(window),
             "Copy the open project, with its model runs, to a new file and go on in the copy"),
            ("close", "Close project", lambda: close_project(window),
             "Close the project (everything in it is already saved)")):
        a = QAction(text, window)
        a.setToolTip(tip)
        a.setStatusTip(tip)
        a.triggered.connect(fn)
        acts[key] = a
    first = menu.actions()[0] if menu.actions() else None
    for a in acts.values():
        menu.insertAction(first, a)
    if first is not None:
        menu.insertSeparator(first)
    from seisview.qt import fb_picks_job, header_picks, transfer_actions

    transfer_actions.install(window, before=first)
    fb_picks_job.install(window)  # File → Export ▸ First breaks of every gather…
    header_picks.install(window)
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
    what = (f"with {len(project.palette)} classes ({_palette_origin(s.path)})" if len(project.palette)
            else "for first-break picks")
    window.status(f"project {Path(path).name} created {what}: every stroke and pick is saved as "
                  "you make it")
    return project


def _palette_origin(survey_path) -> str:
    from seisview.io.class_lists import class_list_path

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


def default_project_path(survey_path) -> Path:
    """Where a new project goes by default: beside its survey as ``<stem>.seisview`` (``-2``,
    ``-3``... when taken), or in the home folder when the survey's folder is not writable
    (sample data inside an installed package, a read-only share) or is seisview's own cache."""
    from seisview.config import cache_dir

    survey = Path(survey_path).resolve()
    folder = survey.parent
    if not os.access(folder, os.W_OK) or folder.is_relative_to(cache_dir().resolve()):
        folder = Path.home()
    name = survey.stem if survey.suffix != ".zarr" else survey.name[:-5]
    path = folder / f"{name}.seisview"
    n = 2
    while path.exists():
        path = folder / f"{name}-{n}.seisview"
        n += 1
    return path


def existing_project(survey_path) -> Path | None:
    """A ``<stem>.seisview`` where :func:`default_project_path` puts it, if it belongs to that survey."""
    from seisview.io.project import Project

    survey = Path(survey_path)
    for p in (survey.with_suffix(".seisview"), Path.home() / f"{survey.stem}.seisview"):
        if not p.is_file():
            continue
        try:
            with Project.open(p) as pr:
                own = pr.survey.path
        except SeisviewError:
            continue
        if own and Path(own).resolve() == survey.resolve():
            return p
    return None


def offer_project(window, purpose: str) -> QMessageBox | None:
    """A tool that needs a project was used without one: offer to make it where the user is
    looking (beside the survey), or open the survey's own, instead of doing something else.
    Non-blocking; one offer at a time. Returns the box (None when one is already open)."""
    box = getattr(window, "project_offer", None)
    if box is not None and box.isVisible():
        return None
    s = window.session
    if s.path is None:
        window.show_error("No survey open", f"Open a survey first: to {purpose} seisview needs it.")
        return None
    p = window.session.project
    why = (f"To {purpose}, seisview saves your work in a project. The open project "
           f"({Path(p.path).name}) belongs to another survey." if p is not None else
           f"To {purpose}, seisview saves every stroke and pick in a project file as you make it.")
    found = existing_project(s.path)
    target = default_project_path(s.path)
    box = QMessageBox(QMessageBox.Icon.Question, "A project is needed",
                      why + "\n\n" + (f"Open {found.name}, the project beside {Path(s.path).name}?"
                                      if found else f"Create {target}?"), parent=window)
    main = box.addButton("Open it" if found else "Create project", QMessageBox.ButtonRole.AcceptRole)
    other = box.addButton("Elsewhere…", QMessageBox.ButtonRole.ActionRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(main)

    def chosen(button) -> None:
        if button is main:
            (open_project if found else new_project)(window, found or target)
        elif button is other:
            new_project_interactive(window)

    box.buttonClicked.connect(chosen)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    window.project_offer = box
    window.status(f"to {purpose} a project is needed: create one (File → New project)")
    return box


def save_project_as(window, path) -> object | None:
    """Copy the open project to ``path`` and go on in the copy."""
    from seisview.io.project_transfer import save_project_as as copy_project

    p = window.session.project
    if p is None:
        window.show_error("No project open", "Open or create a project first (File → New project).")
        return None
    try:
        dest = copy_project(p, path)
    except SeisviewError as exc:
        window.show_error("Project not saved", str(exc))
        return None
    project = open_project(window, dest)
    if project is not None:
        window.status(f"project saved as {dest.name}; your work goes on in the copy")
    return project


def save_project_as_interactive(window) -> None:
    p = window.session.project
    if p is None:
        window.show_error("No project open", "Open or create a project first (File → New project).")
        return
    path, _ = QFileDialog.getSaveFileName(window, "Save project as", str(p.path), FILTER)
    if path:
        save_project_as(window, path)


def new_project_interactive(window) -> None:
    s = window.session
    start = str(default_project_path(s.path)) if s.path is not None else str(Path.cwd())
    path, _ = QFileDialog.getSaveFileName(window, "New project", start, FILTER)
    if path:
        if not path.endswith(".seisview"):
            path += ".seisview"
        new_project(window, path)


def open_project_interactive(window) -> None:
    path, _ = QFileDialog.getOpenFileName(window, "Open project", str(Path.cwd()), FILTER)
    if path:
        open_project(window, path)

