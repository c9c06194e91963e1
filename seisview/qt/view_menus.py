"""What the views offer on a right click, and Help → Keyboard shortcuts.

A right click that the current tool does not use (the pick tool deletes with it, the polygon
closes) opens a menu at the mouse: copy the position under it (the status read-out's text),
go to a line, export the view, show or hide each layer, reset the zoom. The shortcut list
is read from the window's own actions and shortcuts, so it stays true as they change, plus
the mouse gestures, which have no actions.
"""

from __future__ import annotations

import re

from PyQt6.QtCore import QEvent, QObject, QTimer
from PyQt6.QtGui import QAction, QGuiApplication, QShortcut
from PyQt6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QDialog,
    QInputDialog,
    QMenu,
    QTabBar,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
)

from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec

# gestures that are not actions: (what, how)
GESTURES = (
    ("Zoom a view", "wheel"),
    ("Pan a view", "drag (Navigate tool), or drag an axis"),
    ("Zoom time only / offsets only (gathers)", "Shift+wheel / Ctrl+wheel, or the wheel over an axis"),
    ("Step one line / ten lines", "arrow keys / Page Up, Page Down (Page Down goes deeper)"),
    ("Move another view's position", "drag its yellow line"),
    ("Brush size", "Ctrl+wheel (Brush, Eraser)"),
    ("Close a polygon", "right click, or click the first corner"),
    ("Pick along a straight line (gathers)", "Ctrl+drag (Pick tool)"),
    ("Delete picks (gathers)", "right drag (Pick tool)"),
    ("Choose a class", "keys 1-9"),
    ("Context menu of a view", "right click (Navigate, Brush, Fill)"),
    ("3-D view: orbit / pan / move a plane", "drag / Shift+drag / Ctrl+drag"),
)


def install(window) -> None:
    """Right-click menus on the section, map and gather views; Help → Keyboard shortcuts."""
    for v in (*window.section_views.values(), window.map_view, window.gather_view):
        v.context_menu = lambda pane, row, col, screen_pos: show_menu(window, pane, row, col, screen_pos)
    act = QAction("Keyboard shortcuts…", window)
    act.setToolTip("Every key and mouse gesture of the window")
    act.triggered.connect(lambda: shortcuts_dialog(window).open())
    help_menu = window.menu("Help")
    first = help_menu.actions()[0] if help_menu.actions() else None
    help_menu.insertAction(first, act)
    window.shortcuts_action = act
    window.installEventFilter(_BuiltinTips(window))
    describe_builtin_controls(window)


# Qt's own buttons (dock title bars, tool bar and menu bar overflow, tab scrolling) by name
BUILTIN_TIPS = {
    "qt_dockwidget_closebutton": "Close this panel (View → Panels brings it back)",
    "qt_dockwidget_floatbutton": "Float this panel as its own window, or dock it back",
    "qt_toolbar_ext_button": "More tools that do not fit",
    "qt_menubar_ext_button": "More menus that do not fit",
}


def describe_builtin_controls(root) -> None:
    """Tool tips for the buttons Qt makes itself (it gives them none)."""
    for b in root.findChildren(QAbstractButton):
        if b.toolTip():
            continue
        tip = BUILTIN_TIPS.get(b.objectName())
        parent = b.parent()
        if tip is None and isinstance(parent, QTabBar):
            tip = "Scroll the tabs"
        elif tip is None and isinstance(parent, QAbstractItemView):
            tip = "Select the whole table"
        if tip:
            b.setToolTip(tip)


class _BuiltinTips(QObject):
    """Re-describe Qt's own buttons after docks, tab bars or tool bars are added."""

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() in (QEvent.Type.ChildAdded, QEvent.Type.Show):
            win = self.parent()
            if not getattr(self, "_pending", False):
                self._pending = True
                QTimer.singleShot(0, lambda: self._run(win))
        return False

    def _run(self, win) -> None:
        self._pending = False
        describe_builtin_controls(win)


# -- the context menu ------------------------------------------------------------------------

def build_menu(window, pane, row: float, col: float) -> QMenu:
    """The menu for a right click at pixel ``(row, col)`` of ``pane`` (not shown yet)."""
    h, w = pane.array_shape or (0, 0)
    inside = 0 <= row < h and 0 <= col < w
    pane.on_hover(row, col, inside)
    if hasattr(window, "update_readout") and pane is not getattr(window, "gather_view", None):
        window.update_readout()  # the read-out names the point under the mouse now (it follows per frame)
    position = window.readout.text().strip() if inside else ""
    menu = QMenu(pane)
    menu.setToolTipsVisible(True)
    copy = menu.addAction("Copy position", lambda: QGuiApplication.clipboard().setText(position))
    copy.setEnabled(bool(position))
    copy.setToolTip(position or "no data under the mouse")
    kind = getattr(pane, "kind", None)
    if pane is window.gather_view:
        menu.addAction("Go to gather…", lambda: go_to_gather_interactive(window))
    elif window.session.volume is not None:
        menu.addAction("Go to line…", lambda: go_to_interactive(window, kind or "inline"))
    menu.addAction("Export view…", lambda: _export(window, pane))
    menu.addAction("Reset zoom", pane.auto_range)
    layers = menu.addMenu("Layers")
    layers.setToolTipsVisible(True)
    for layer in window.session.layers:
        a = layers.addAction(layer.name)
        a.setCheckable(True)
        a.setChecked(layer.visible)
        a.toggled.connect(lambda on, lay=layer: setattr(lay, "visible", on))
    labels = _label_controller(window)
    if labels is not None and labels.project is not None:
        a = layers.addAction("painted labels")
        a.setCheckable(True)
        a.setChecked(labels.visible)
        a.toggled.connect(labels.set_visible)
    return menu


def show_menu(window, pane, row, col, screen_pos) -> QMenu:
    menu = build_menu(window, pane, row, col)
    window.last_context_menu = menu
    menu.popup(screen_pos)
    return menu


def _label_controller(window):
    from seisview.qt.paint_tools import LabelController

    return window.findChild(LabelController)


def _export(window, pane) -> None:
    window.active_view = pane
    window.files.export_interactive()


def parse_go_to(text: str, geometry, default_kind: str) -> SectionSpec:
    """``inline:223``, ``inline 223``, ``il 223``, ``time 600``, or a bare number (a line of the
    view's own kind) -> the section; one-line ``SeisviewError`` otherwise."""
    t = text.strip().lower()
    aliases = {"il": "inline", "xl": "crossline", "t": "time", "z": "depth"}
    m = re.fullmatch(r"([a-z]+)\s*[: ]\s*(\S+?)\s*(ms|m)?", t)
    if m:
        t = f"{aliases.get(m.group(1), m.group(1))}:{m.group(2)}"
    elif re.fullmatch(r"[-+]?[\d.]+\s*(ms|m)?", t):
        kind = geometry.z_name if default_kind == "time" else default_kind
        t = f"{kind}:{t.rstrip('ms').strip()}"
    return geometry.parse_spec(t)


def go_to(window, text: str, default_kind: str = "inline") -> SectionSpec | None:
    s = window.session
    if s.geometry is None:
        return None
    try:
        spec = parse_go_to(text, s.geometry, default_kind)
    except SeisviewError as exc:
        window.show_error("Cannot go there", str(exc))
        return None
    s.set_position(spec.kind, spec.index)
    window.status(f"{s.geometry.describe(spec)}")
    return spec


def go_to_interactive(window, kind: str) -> None:
    s = window.session
    g = s.geometry
    if g is None:
        return
    text, ok = QInputDialog.getText(window, "Go to line", f"Where? e.g. {g.spec_text(s.spec(kind))}"
                                    f" or just a number ({g.spec_hint()[6:]})",
                                    text=g.spec_text(s.spec(kind)))
    if ok and text.strip():
        go_to(window, text, kind)


def go_to_gather_interactive(window) -> None:
    gs = window.session.gathers
    if gs is None:
        return
    ids = [str(int(k)) for k in gs.gather_ids]
    cur = str(window.session.gather_key) if window.session.gather_key is not None else ids[0]
    key, ok = QInputDialog.getItem(window, "Go to gather", f"{gs.key_name.upper()}:", ids,
                                   ids.index(cur) if cur in ids else 0, True)
    if ok and key.strip():
        try:
            window.session.set_gather(int(key))
        except (ValueError, KeyError, SeisviewError) as exc:
            window.show_error("Cannot go there", f"no gather {key!r} ({exc})")


# -- Help → Keyboard shortcuts ---------------------------------------------------------------

def shortcut_rows(window) -> list[tuple[str, str]]:
    """(what, keys) of every action and shortcut of the window with a key, then the gestures."""
    rows: dict[str, str] = {}
    for a in window.findChildren(QAction):
        keys = a.shortcut().toString()
        what = a.text().replace("&", "").rstrip("…").strip()
        if keys and what:
            rows.setdefault(keys, what)
    for sc in window.findChildren(QShortcut):
        keys = sc.key().toString()
        what = sc.whatsThis() or sc.objectName()
        if keys and what:
            rows.setdefault(keys, what)
    by_what: dict[str, list[str]] = {}
    for keys, what in rows.items():
        by_what.setdefault(what, []).append(keys)
    keyed = sorted(((what, ", ".join(keys)) for what, keys in by_what.items()), key=lambda r: r[0].lower())
    return keyed + list(GESTURES)


def shortcuts_dialog(window) -> QDialog:
    dlg = QDialog(window)
    dlg.setWindowTitle("Keyboard shortcuts")
    rows = shortcut_rows(window)
    table = QTableWidget(len(rows), 2, dlg)
    table.setHorizontalHeaderLabels(["What", "Keys or mouse"])
    for i, (what, keys) in enumerate(rows):
        table.setItem(i, 0, QTableWidgetItem(what))
        table.setItem(i, 1, QTableWidgetItem(keys))
    table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
    table.verticalHeader().hide()
    table.resizeColumnsToContents()
    table.setCornerButtonEnabled(False)
    lay = QVBoxLayout(dlg)
    lay.addWidget(table)
    dlg.resize(min(760, table.horizontalHeader().length() + 60), 520)
    dlg.table = table
    window.last_shortcuts_dialog = dlg
    return dlg
