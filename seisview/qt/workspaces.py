"""Panel docks and workspaces: saved dock layouts for the stages of the work.

A :class:`PanelDock` holds its panel in a scroll area, so a tall or wide panel
scrolls instead of raising the window's minimum size (the labels panel alone
asked for 673 px, the window for 1135 px). ``dock.widget()`` still returns the
panel itself.

A :class:`Workspace` names the docks a stage of the work needs and where they
go. Switching saves the layout of the workspace left (``QMainWindow.saveState``
in the viewer settings) and restores the one chosen, or builds it from its
recipe the first time; View → Reset layout forgets the saved layouts. Docks a
workspace lists as ``when_ready`` stay hidden until their panel has something
to show (a panel says so with a ``content_ready(bool)`` signal), so an empty
Activations grid never takes the section views' room.
"""

from __future__ import annotations

from dataclasses import dataclass

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QAction, QActionGroup, QKeySequence
from PyQt6.QtWidgets import QDockWidget, QFrame, QScrollArea, QWidget

H, V = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
AREAS = {"right": Qt.DockWidgetArea.RightDockWidgetArea, "left": Qt.DockWidgetArea.LeftDockWidgetArea,
         "bottom": Qt.DockWidgetArea.BottomDockWidgetArea, "top": Qt.DockWidgetArea.TopDockWidgetArea}
STATE_VERSION = 2  # saved dock layouts of an older recipe are not restored


class PanelDock(QDockWidget):
    """A dock whose panel scrolls when the dock is smaller than the panel's minimum size."""

    def __init__(self, title: str, parent: QWidget | None = None, scroll: bool = True):
        super().__init__(title, parent)
        self._scroll = scroll
        self._panel: QWidget | None = None

    def setWidget(self, widget: QWidget | None) -> None:  # noqa: N802 (Qt's name)
        self._panel = widget
        if not self._scroll or widget is None:
            super().setWidget(widget)
            return
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setFrameShape(QFrame.Shape.NoFrame)
        area.setWidget(widget)
        super().setWidget(area)

    def widget(self) -> QWidget | None:
        """The panel (not the scroll area around it)."""
        return self._panel


@dataclass(frozen=True)
class Workspace:
    """``docks``: ``(panel name, area, how)`` in order; ``how`` places a dock relative to the
    previous one of its area: "" (first), "tab", "below" or "beside". ``front``: the tabs raised."""

    name: str
    docks: tuple[tuple[str, str, str], ...]
    front: tuple[str, ...] = ()
    when_ready: tuple[str, ...] = ()
    tooltip: str = ""


WORKSPACES = (  # the Layers dock is a tab of the right column: the views keep the width
    Workspace("Interpret", (("labels", "right", ""), ("layers", "right", "tab")), front=("labels",),
              tooltip="sections, layers and the labels and picks panel: paint, pick, look"),
    Workspace("Train", (("training", "right", ""), ("labels", "right", "tab"), ("layers", "right", "tab"),
                        ("activations", "right", "below")),
              front=("training",), when_ready=("activations",),
              tooltip="the Training dock beside the sections; activations appear with the first model"),
    Workspace("Inspect", (("activations", "right", ""), ("layers", "right", "tab"),
                          ("crossplot", "bottom", "")), front=("activations",),
              tooltip="what the network sees: activation maps and the statistics crossplot"),
    Workspace("First breaks", (("first-breaks", "right", ""), ("labels", "right", "tab"),
                               ("gathers", "bottom", "")),
              front=("first-breaks",), when_ready=("gathers",),
              tooltip="shot gathers, picks and the first-break picker"),
    Workspace("Pretrain", (("pretraining", "right", ""), ("layers", "right", "tab")),
              front=("pretraining",),
              tooltip="self-supervised pretraining with live previews and the latent walk"),
)
SHARES = {"left": 0.12, "right": 0.30, "bottom": 0.32}  # of the window, for a workspace's docks


def _needs(dock: QDockWidget, orient) -> int:
    """The dock's panel's minimum width (height), with room for a scroll bar."""
    panel = dock.widget()
    if panel is None:
        return 0
    hint = panel.minimumSizeHint()
    return (hint.width() if orient == H else hint.height()) + 16


class Workspaces:
    """The window's workspaces: View → Workspace, a tool bar, saved layouts, Reset layout."""

    def __init__(self, window, settings):
        self.w = window
        self._settings = settings  # () -> QSettings
        self.by_name = {ws.name: ws for ws in WORKSPACES}
        self.current = WORKSPACES[0]
        self.ready: dict[str, bool] = {}  # panel name -> has something to show
        self.home: dict[str, Qt.DockWidgetArea] = {}  # panel name -> the area it was added to
        self.group = QActionGroup(window)
        self.group.setExclusive(True)
        self.actions: dict[str, QAction] = {}
        for i, ws in enumerate(WORKSPACES, 1):
            act = QAction(ws.name, window, checkable=True)
            act.setShortcut(QKeySequence(f"Ctrl+Shift+{i}"))
            act.setToolTip(f"{ws.name} workspace ({act.shortcut().toString()}): {ws.tooltip}")
            act.triggered.connect(lambda _=False, n=ws.name: self.switch(n))
            self.group.addAction(act)
            self.actions[ws.name] = act
        self.actions[self.current.name].setChecked(True)

    # -- building ------------------------------------------------------------------------
    def install(self, menu, toolbar) -> None:
        sub = menu.addMenu("Workspace")
        for act in self.actions.values():
            sub.addAction(act)
            toolbar.addAction(act)
        reset = menu.addAction("Reset layout")
        reset.setToolTip("forget the saved dock layouts: each workspace gets its default docks")
        reset.triggered.connect(self.reset)

    def watch(self, name: str, panel) -> None:
        """Follow ``panel.content_ready(bool)`` when the panel has one."""
        sig = getattr(panel, "content_ready", None)
        if sig is not None and hasattr(sig, "connect"):
            sig.connect(lambda ok, n=name: self.set_ready(n, ok))

    # -- switching ---------------------------------------------------------------------------
    def switch(self, name: str) -> None:
        """Save the current workspace's layout and show workspace ``name``."""
        if name not in self.by_name:
            raise KeyError(f"no workspace {name!r}; known: {', '.join(self.by_name)}")
        if name != self.current.name:
            self.save()
        self.current = self.by_name[name]
        act = self.actions[name]
        if not act.isChecked():
            act.setChecked(True)
        state = self._settings().value(self._key(name))
        if state is None or not self.w.restoreState(state, STATE_VERSION):
            self.apply(self.current)
        self._hide_unready()
        self.hide_stale_tab_bars()

    def save(self) -> None:
        st = self._settings()
        st.setValue(self._key(self.current.name), self.w.saveState(STATE_VERSION))
        st.setValue("workspace/current", self.current.name)
        st.sync()

    def restore(self) -> None:
        """The workspace the user had last, as they left it."""
        name = self._settings().value("workspace/current")
        self.switch(name if name in self.by_name else WORKSPACES[0].name)

    def reset(self) -> None:
        """Forget every saved layout; the current workspace gets its default docks."""
        st = self._settings()
        for ws in WORKSPACES:
            st.remove(self._key(ws.name))
        st.sync()
        self.apply(self.current)
        self._hide_unready()
        self.hide_stale_tab_bars()
        sp = getattr(self.w, "reset_splitters", None)
        if sp is not None:
            sp()

    @staticmethod
    def _key(name: str) -> str:
        return f"workspace/{name.replace(' ', '_')}"

    # -- readiness --------------------------------------------------------------------------------
    def set_ready(self, name: str, ok: bool) -> None:
        """Panel ``name`` has (or no longer has) something to show: a dock the current workspace
        keeps for that moment appears, or steps aside again."""
        was = self.ready.get(name)
        self.ready[name] = bool(ok)
        dock = self.w.panels.get(name)
        if dock is None or name not in self.current.when_ready or was == bool(ok):
            return
        dock.setVisible(bool(ok))
        self.hide_stale_tab_bars()

    def hide_stale_tab_bars(self) -> None:
        """Qt keeps the tab bar of a tab group it has taken apart, still drawn where the group
        was: hide every tab bar that is not the bar of a group of docks shown now."""
        from PyQt6.QtWidgets import QApplication, QTabBar

        QApplication.processEvents()  # the layout's own tab bar updates first
        w = self.w
        groups = set()
        for dock in w.panels.values():
            siblings = [d for d in w.tabifiedDockWidgets(dock) if not d.isHidden()]
            if not dock.isHidden() and siblings:
                groups.add(frozenset([dock.windowTitle(), *(d.windowTitle() for d in siblings)]))
        for bar in w.findChildren(QTabBar, options=Qt.FindChildOption.FindDirectChildrenOnly):
            if frozenset(bar.tabText(i) for i in range(bar.count())) not in groups:
                bar.hide()

    def _hide_unready(self) -> None:
        for name in self.current.when_ready:
            dock = self.w.panels.get(name)
            if dock is not None and not self.ready.get(name, False):
                dock.hide()

    # -- the recipe ---------------------------------------------------------------------------------
    def apply(self, ws: Workspace) -> None:
        """Lay the docks out as ``ws`` says: its docks shown in place, every other one hidden."""
        w = self.w
        listed = [d for d in ws.docks if d[0] in w.panels]
        names = {d[0] for d in listed}
        # out of the layout first: moving a dock out of a tab group can leave its tab bar behind
        for name, dock in w.panels.items():
            self.home.setdefault(name, w.dockWidgetArea(dock))
            w.removeDockWidget(dock)
        parked: dict = {}
        for name, dock in w.panels.items():
            if name not in names:  # in its own area, hidden: View -> Panels shows it there,
                w.addDockWidget(self.home[name], dock)  # as a tab of the others parked there
                if self.home[name] in parked and name != "gathers":  # (so that all of them
                    w.tabifyDockWidget(parked[self.home[name]], dock)  # shown still fit)
                elif name != "gathers":
                    parked[self.home[name]] = dock
                dock.hide()
        prev: dict[str, QDockWidget] = {}
        tabs = []
        for name, area, how in listed:
            dock = w.panels[name]
            dock.setFloating(False)
            before = prev.get(area)
            if how == "tab" and before is not None:
                tabs.append((before, dock))  # after the splits: a split of a tab would be a tab
            elif how in ("below", "beside") and before is not None:
                w.splitDockWidget(before, dock, V if how == "below" else H)
            else:
                w.addDockWidget(AREAS[area], dock)
            if how != "tab":
                prev[area] = dock
            dock.show()
        for first, second in tabs:
            w.tabifyDockWidget(first, second)
        for name in ws.front:
            if name in w.panels:
                w.panels[name].raise_()
        self._size(listed)

    def _size(self, listed) -> None:
        w = self.w
        width, height = w.width(), w.height()
        for area, orient, total in (("left", H, width), ("right", H, width), ("bottom", V, height)):
            docks = [w.panels[n] for n, a, how in listed if a == area and how != "tab"]
            if not docks:
                continue
            # the share of the window, or what the widest panel of the column needs (up to a third)
            need = max(_needs(w.panels[n], orient) for n, a, _h in listed if a == area)
            w.resizeDocks(docks[:1], [int(min(max(total * SHARES[area], need), total / 3))], orient)
        below = [(w.panels[n], n) for n, a, how in listed if a == "right" and how == "below"]
        if below:  # a dock below another shares the column's height
            firsts = [w.panels[n] for n, a, how in listed if a == "right" and how == ""]
            w.resizeDocks([*firsts, below[0][0]], [height // 2, height // 2], V)
