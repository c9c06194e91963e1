"""File → Import / Export of labels and picks: the command line's formats, checks and messages.

The work is :mod:`seisview.io.project_transfer`, the same functions ``seisview labels|picks
import|export`` call; a refusal is its one line in a dialog, nothing imported or written. An
import is one undo step (Ctrl+Z takes it back). Without a project the import offers one.
"""

from __future__ import annotations

from pathlib import Path

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QGuiApplication
from PyQt6.QtWidgets import QFileDialog, QInputDialog, QLineEdit

from seisview.core.errors import SeisviewError
from seisview.io import project_transfer as pt

# file-dialog filters -> format name come from the registry's label/pick format table
# (pt.file_filters), so a plugin's format is offered here as on the command line
FROM_NAME = "from each file's name"


def install(window, before=None) -> dict[str, QAction]:
    """File → Import ▸ and Export ▸ (inserted before ``before``, else appended)."""
    menu = window.menu("File")
    acts = {}
    for title, items in (("Import", (("labels", "Labels…", import_labels_interactive,
                                      "Add labels from point files or label images (one undo step)"),
                                     ("picks", "Picks…", import_picks_interactive,
                                      "Add first-break picks from a table, JSON, SEG-Y headers or .sgt"))),
                         ("Export", (("labels", "Labels…", export_labels_interactive,
                                      "Write the labels as point files, a SEG-Y or numpy cube"),
                                     ("picks", "Picks…", export_picks_interactive,
                                      "Write the picks as a table, JSON, SEG-Y headers or .sgt")))):
        sub = menu.addMenu(title) if before is None else None
        if sub is None:
            from PyQt6.QtWidgets import QMenu

            sub = QMenu(title, menu)
            menu.insertMenu(before, sub)
        sub.setToolTipsVisible(True)
        for key, text, fn, tip in items:
            a = sub.addAction(text)
            a.setToolTip(tip)
            a.setStatusTip(tip)
            a.triggered.connect(lambda _=False, f=fn: f(window))
            acts[f"{title.lower()}_{key}"] = a
    if before is not None:
        menu.insertSeparator(before)
    window._transfer_actions = acts
    return acts


def _project(window, purpose: str):
    p = window.session.project
    if p is None:
        from seisview.qt.project_actions import offer_project

        offer_project(window, purpose)
    return p


def _run(window, title: str, fn, *args, **kw) -> pt.Transfer | None:
    """Run one transfer with a busy cursor; a refusal is shown in one line, never raised."""
    QGuiApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
    try:
        done = fn(*args, **kw)
    except SeisviewError as exc:
        window.show_error(title, str(exc))
        return None
    finally:
        QGuiApplication.restoreOverrideCursor()
    window.status("; ".join([done.summary, *done.warnings]))
    return done


# -- without dialogs (scripts, tests) --------------------------------------------------------

def import_labels(window, files, fmt: str, **kw) -> pt.Transfer | None:
    p = _project(window, "import labels")
    return None if p is None else _run(window, "Labels not imported", pt.import_labels, p, files, fmt, **kw)


def export_labels(window, out, fmt: str) -> pt.Transfer | None:
    p = _project(window, "export labels")
    return None if p is None else _run(window, "Labels not exported", pt.export_labels, p, out, fmt)


def import_picks(window, file, fmt: str | None = None, byte: int = 233) -> pt.Transfer | None:
    p = _project(window, "import picks")
    return None if p is None else _run(window, "Picks not imported", pt.import_picks, p, file, fmt, byte)


def export_picks(window, out, fmt: str | None = None, byte: int = 233) -> pt.Transfer | None:
    p = _project(window, "export picks")
    return None if p is None else _run(window, "Picks not exported", pt.export_picks, p, out, fmt, byte)


# -- with dialogs ----------------------------------------------------------------------------

def _start_dir(window) -> str:
    s = window.session
    return str(Path(s.path).parent) if s.path is not None else str(Path.cwd())


def _writes_folder(fmt: str) -> bool:
    from seisview.plugins import registry

    return bool(registry.get_contribution("label_format", fmt).meta.get("folder"))


def import_labels_interactive(window) -> None:
    p = _project(window, "import labels")
    if p is None:
        return
    files, chosen = QFileDialog.getOpenFileNames(window, "Import labels", _start_dir(window),
                                                 ";;".join(filters := pt.file_filters("label", "import")))
    if not files:
        return
    fmt = filters.get(chosen, "malenov")
    kw = {}
    if fmt == "image":
        from seisview.io.label_formats import section_from_filename

        if p.geometry is not None and any(section_from_filename(f, p.geometry) is None for f in files):
            s = window.session  # the inline on screen, as the user types it
            shown = p.geometry.spec_text(s.spec("inline")) if s.volume is not None else ""
            text, ok = QInputDialog.getText(window, "Import labels", "Section of the image(s), "
                                            "e.g. inline:339, crossline:1000 or time:600",
                                            QLineEdit.EchoMode.Normal, shown)
            if not ok or not text.strip():
                return
            kw["section"] = text.strip()
    else:
        names = [FROM_NAME, *(c.name for c in p.palette)]
        name, ok = QInputDialog.getItem(window, "Import labels", "Class of the points:", names, 0, True)
        if not ok:
            return
        if name != FROM_NAME:
            kw["classes"] = [name] * len(files)
    import_labels(window, files, fmt, **kw)


def export_labels_interactive(window) -> None:
    if _project(window, "export labels") is None:
        return
    filters = pt.file_filters("label", "export")
    fmt_name, ok = QInputDialog.getItem(window, "Export labels", "Format:", list(filters), 0, False)
    if not ok:
        return
    fmt = filters[fmt_name]
    if _writes_folder(fmt):
        out = QFileDialog.getExistingDirectory(window, "Export labels into folder", _start_dir(window))
    else:
        out, _ = QFileDialog.getSaveFileName(window, "Export labels",
                                             str(Path(_start_dir(window)) / f"labels.{'sgy' if fmt == 'segy' else 'npy'}"),
                                             fmt_name)
    if out:
        export_labels(window, out, fmt)


def import_picks_interactive(window) -> None:
    if _project(window, "import picks") is None:
        return
    file, chosen = QFileDialog.getOpenFileName(window, "Import picks", _start_dir(window),
                                               ";;".join(filters := pt.file_filters("pick", "import")))
    if file:
        import_picks(window, file, filters.get(chosen))


def export_picks_interactive(window) -> None:
    if _project(window, "export picks") is None:
        return
    out, chosen = QFileDialog.getSaveFileName(window, "Export picks",
                                              str(Path(_start_dir(window)) / "picks.csv"),
                                              ";;".join(filters := pt.file_filters("pick", "export")))
    if out:
        export_picks(window, out, filters.get(chosen))
