"""A pre-stack file that carries first-break times in its trace headers (bytes 233-236, µs, the
convention seisview and several pickers write) is offered as picks when it is opened.

Only gathers opened alone are offered (beside a volume, as in the demo, the session's file is
the volume's). The offer is a non-blocking box; accepting imports the headers through the same function as
``seisview picks import FILE --format segy-header`` (one undo step), into the open project or
a new first-break project beside the file. Not offered when the project already has picks.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtWidgets import QMessageBox

from seisview.core.errors import SeisviewError

FB_BYTE = 233


def install(window) -> None:
    """Watch the window's session: each newly opened survey with header picks gets the offer."""
    if getattr(window, "_header_picks_installed", False):
        return
    window._header_picks_installed = True
    sig = window.session.events.survey

    def on_survey(_s=None) -> None:  # after the other survey handlers (project, views) ran
        QTimer.singleShot(0, lambda: offer_header_picks(window))

    sig.connect(on_survey)
    window.destroyed.connect(lambda *_: sig.disconnect(on_survey))


def header_pick_count(gathers) -> tuple[int, int]:
    """(traces with a first-break time in the headers, gathers they are on)."""
    fb = None if gathers is None else gathers.headers.get("fb_us")
    if fb is None:
        return 0, 0
    ok = np.asarray(fb) > 0
    return int(ok.sum()), len(np.unique(np.asarray(gathers.keys)[ok]))


def offer_header_picks(window) -> QMessageBox | None:
    s = window.session
    n, n_g = header_pick_count(s.gathers)
    p = s.project
    # only for gathers opened alone: beside a volume (the demo) the session's file is the volume's
    if n == 0 or s.volume is not None or s.path is None or (p is not None and len(p.picks)):
        return None
    old = getattr(window, "header_picks_offer", None)
    if old is not None and old.isVisible():
        old.close()
    from seisview.qt.project_actions import default_project_path

    where = f"into {Path(p.path).name}" if p is not None else \
        f"into a new project, {default_project_path(s.path)}"
    box = QMessageBox(QMessageBox.Icon.Question, "First breaks in the file",
                      f"{Path(s.path).name} carries first-break times in its trace headers (bytes "
                      f"{FB_BYTE}-{FB_BYTE + 3}): {n} traces on {n_g} gather(s).\n\n"
                      f"Import them as picks {where}? (One undo step.)", parent=window)
    yes = box.addButton("Import as picks", QMessageBox.ButtonRole.AcceptRole)
    box.addButton("Not now", QMessageBox.ButtonRole.RejectRole)
    box.setDefaultButton(yes)
    survey = s.path
    box.buttonClicked.connect(lambda b: import_header_picks(window, survey) if b is yes else None)
    box.setWindowModality(Qt.WindowModality.WindowModal)
    box.open()
    window.header_picks_offer = box
    return box


def import_header_picks(window, survey) -> object | None:
    """Import the survey's header picks into the open project (made beside it if none)."""
    from seisview.io.project_transfer import import_picks
    from seisview.qt.project_actions import default_project_path, new_project

    s = window.session
    if s.volume is not None or s.path is None or Path(s.path) != Path(survey):
        return None  # another survey was opened meanwhile
    p = s.project or new_project(window, default_project_path(survey))
    if p is None:
        return None
    try:
        done = import_picks(p, survey, "segy-header", FB_BYTE)
    except SeisviewError as exc:
        window.show_error("Picks not imported", str(exc))
        return None
    window.status("; ".join([done.summary, *done.warnings]))
    return done
