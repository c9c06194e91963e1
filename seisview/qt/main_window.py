"""The viewer's main window: section views, map, gathers, 3-D, docks from plugins.

Extension points for other areas (see docs/architecture.md, "Viewer"):
``window.session``, ``window.section_views`` (kind -> SectionView),
``window.map_view``, ``window.gather_view``, ``window.menu("File")``,
``window.add_tool(tool, target=...)``, ``window.add_panel(...)``,
``window.status(msg)``. Every ``panel`` contribution in the plugin registry
becomes a dock; one that fails is reported in the status bar and in
``window.panel_failures`` and the window carries on.
"""

from __future__ import annotations

import logging

from PyQt6.QtCore import Qt, QTimer
from PyQt6.QtGui import QAction, QActionGroup, QKeySequence
from PyQt6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMessageBox,
    QSplitter,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from seisview.core.session import Session
from seisview.plugins import registry
from seisview.qt.display_cache import DisplayCacheBuilder
from seisview.qt.display_toolbar import DisplayToolBar
from seisview.qt.gather_view import GatherView
from seisview.qt.layers_panel import LayersPanel
from seisview.qt.map_view import MapView
from seisview.qt.readout import ReadoutLabel
from seisview.qt.section_view import SectionView
from seisview.qt.signals import PerFrame
from seisview.qt.tools import NavigateTool, SectionTool
from seisview.qt.viewer_settings import settings
from seisview.qt.workspaces import AREAS, PanelDock, Workspaces

log = logging.getLogger(__name__)
MENU_ORDER = ("File", "View", "Tools", "Help")


class MainWindow(QMainWindow):
    def __init__(self, session: Session | None = None, load_panels: bool = True):
        super().__init__()
        self.session = session or Session()
        self.setWindowTitle("seisview")
        self._fit_screen(1400, 900)
        # side docks run the full height: the bottom ones (gathers, crossplot) sit under the views
        for corner, area in ((Qt.Corner.BottomLeftCorner, AREAS["left"]),
                             (Qt.Corner.BottomRightCorner, AREAS["right"])):
            self.setCorner(corner, area)
        self._menus: dict[str, object] = {}
        self.panel_failures: list[tuple[str, str]] = []
        self.panels: dict[str, QDockWidget] = {}
        self.view3d = None
        self.last_dialog: QMessageBox | None = None
        self.active_view = None
        for name in MENU_ORDER:
            self.menu(name)

        self.display_cache = DisplayCacheBuilder(self.session, self)
        self.section_views = {k: SectionView(self.session, k) for k in ("inline", "crossline", "time")}
        self.map_view = MapView(self.session)
        self.gather_view = GatherView(self.session)
        top = QSplitter(Qt.Orientation.Horizontal)
        top.addWidget(self.section_views["inline"])
        top.addWidget(self.section_views["crossline"])
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.section_views["time"])
        bottom.addWidget(self.map_view)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(top)
        self.splitter.addWidget(bottom)
        self._top, self._bottom = top, bottom
        for sp in (top, bottom, self.splitter):
            for i in range(sp.count()):
                sp.setStretchFactor(i, 1)
        # the centre shows the sections, or the gathers when a pre-stack file is open alone
        self.central = QStackedWidget()
        self.central.addWidget(self.splitter)
        self._gather_holder = QWidget()
        QVBoxLayout(self._gather_holder).setContentsMargins(0, 0, 0, 0)
        self.central.addWidget(self._gather_holder)
        self.setCentralWidget(self.central)
        for v in (*self.section_views.values(), self.map_view, self.gather_view):
            v.plot_widget.viewport().installEventFilter(self)

        self.gather_dock = self.add_panel("gathers", self.gather_view, "Gathers", "bottom")
        self.gather_dock.hide()
        self.layers_panel = LayersPanel(self.session)
        self.add_panel("layers", self.layers_panel, "Layers", "left")

        self._build_status()
        self.display_bar = DisplayToolBar(self.session, self.status, self)
        self.addToolBar(self.display_bar)
        bar = self.display_bar  # short names for scripts and tests
        self.cmap_box, self.clip_box, self.gain_box = bar.cmap_box, bar.clip_box, bar.gain_box
        self.agc_box, self.colorbar = bar.agc_box, bar.colorbar
        self._build_tool_bar()
        from seisview.qt import file_actions

        self.files = file_actions.FileActions(self)
        self.workspaces = Workspaces(self, settings)
        self._build_view_menu()
        from seisview.qt import view_menus

        view_menus.install(self)  # right-click menus, Help → Keyboard shortcuts
        self._handles = [(self.session.events.survey, self._on_survey),
                         # the read-out relays out and repaints the status bar: once per frame
                         (self.session.events.cursor, PerFrame(self._on_cursor, self)),
                         (self.session.events.position, self._update_legends)]
        for sig, slot in self._handles:
            sig.connect(slot)
        if load_panels:
            self.load_panels()
        self.restore_layout()
        if self.session.volume is not None or self.session.gathers is not None:
            self._on_survey(self.session)  # a session that was open before the window

    # -- extension points -----------------------------------------------------------
    def menu(self, title: str):
        """The menu called ``title`` (made on first use, before Help)."""
        if title not in self._menus:
            bar = self.menuBar()
            before = self._menus.get("Help")
            m = bar.addMenu(f"&{title}") if before is None else None
            if m is None:
                from PyQt6.QtWidgets import QMenu

                m = QMenu(f"&{title}", self)
                bar.insertMenu(before.menuAction(), m)
            self._menus[title] = m
        return self._menus[title]

    def status(self, msg: str, timeout_ms: int = 8000) -> None:
        self.statusBar().showMessage(msg, timeout_ms)

    def add_panel(self, name: str, widget: QWidget, title: str | None = None,
                  area: str = "right") -> QDockWidget:
        """Put ``widget`` in a dock (toggle in View → Panels); returns the dock."""
        dock = PanelDock(title or name, self, scroll=name != "gathers")  # a tall panel scrolls
        dock.setObjectName(f"dock-{name}")
        dock.setWidget(widget)
        where = AREAS.get(area, AREAS["right"])
        self.addDockWidget(where, dock)
        # panels sharing a side become tabs, so the section views keep their room
        first = next((d for d in self.panels.values() if self.dockWidgetArea(d) == where
                      and not d.isFloating() and d is not self.panels.get("gathers")), None)
        if first is not None:
            self.tabifyDockWidget(first, dock)
            first.raise_()
        self.panels[name] = dock
        if hasattr(self, "workspaces"):
            self.workspaces.watch(name, widget)
        if "View" in self._menus and hasattr(self, "_panels_menu"):
            self._panels_menu.addAction(dock.toggleViewAction())
        return dock

    def load_panels(self) -> None:
        """One dock per ``panel`` contribution: ``target(main_window) -> QWidget``."""
        for c in registry.contributions("panel"):
            if c.name in self.panels:
                continue
            try:
                widget = c.load()(self)
                meta = c.meta or {}
                self.add_panel(c.name, widget, meta.get("title", c.name), meta.get("area", "right"))
            except Exception as exc:  # a broken panel is reported, never fatal
                msg = f"{type(exc).__name__}: {exc}"
                log.exception("panel %s failed", c.name)
                self.panel_failures.append((c.name, msg))
                self.status(f"panel {c.name!r} could not be loaded: {msg}")

    def add_tool(self, tool: SectionTool, target: str = "section", shortcut: str | None = None) -> QAction:
        """Offer ``tool`` in the tool bar; ``target`` is "section" (all section views) or "gather"."""
        act = QAction(tool.label, self, checkable=True)
        act.setToolTip(tool.tooltip)
        if shortcut:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(lambda _=False, t=tool, tg=target: self.set_tool(t, tg))
        self._tool_group.addAction(act)
        self.tool_bar.addAction(act)
        self.menu("Tools").addAction(act)
        self._tool_actions[(target, tool.name)] = act
        return act

    def set_tool(self, tool: SectionTool | None, target: str = "section") -> None:
        """Make ``tool`` current on every section view (or on the gather view).

        One tool is current at a time: the views of the other target go back to navigating.
        """
        sections = list(self.section_views.values())
        if tool is None or isinstance(tool, NavigateTool):
            on, off = [*sections, self.gather_view], []
        else:
            on, off = ([self.gather_view], sections) if target == "gather" else (sections, [self.gather_view])
        for v in on:
            v.set_tool(tool)
        for v in off:
            v.set_tool(None)
        act = self._tool_actions.get((target, (tool or NavigateTool()).name))
        if act is not None and not act.isChecked():
            act.setChecked(True)

    # -- building -------------------------------------------------------------------
    def _build_status(self) -> None:
        self.readout = ReadoutLabel(420)
        self.statusBar().addPermanentWidget(self.readout)
        self.gather_view.readout = self.readout.setText

    def _build_tool_bar(self) -> None:
        self.tool_bar = QToolBar("Tools", self)
        self.tool_bar.setObjectName("toolbar-tools")
        self.addToolBar(self.tool_bar)
        self._tool_group = QActionGroup(self)
        self._tool_group.setExclusive(True)
        self._tool_actions: dict[tuple[str, str], QAction] = {}
        nav = self.add_tool(NavigateTool(), "section", "Esc")
        nav.setChecked(True)

    def _build_view_menu(self) -> None:
        m = self.menu("View")
        act = m.addAction("3-D view")
        act.setShortcut(QKeySequence("Ctrl+3"))
        act.triggered.connect(self.show_3d)
        m.addAction("Reset zoom", QKeySequence("Ctrl+0"), self.reset_zoom)
        keys = m.addAction("Colour bars and legends")
        keys.setCheckable(True)
        keys.setChecked(True)
        keys.setToolTip("values and units of every colour, and the class names, beside each view")
        keys.toggled.connect(self.show_keys)
        self._follow_palette()
        self._panels_menu = m.addMenu("Panels")
        for dock in self.panels.values():
            self._panels_menu.addAction(dock.toggleViewAction())
        bar = QToolBar("Workspaces", self)
        bar.setObjectName("toolbar-workspaces")
        self.addToolBar(bar)
        self.workspaces.install(m, bar)
        for name, dock in self.panels.items():
            self.workspaces.watch(name, dock.widget())
        self.menu("Help").addAction("About seisview", self._about)

    def _follow_palette(self) -> None:
        """Class legends list the project's classes drawn in each view (labels or predictions)."""
        from seisview.qt.label_display import display_for

        display = display_for(self.session, parent=self)

        def label_mask(kind: str):
            labels = display.labels if display.shown() else None
            spec = self.session.spec(kind)
            return labels.mask(spec) if labels is not None and labels.has_labels(spec) else None

        palette = lambda: getattr(self.session.project, "palette", None)  # noqa: E731
        views = {**self.section_views, "map": self.map_view}
        for kind, v in views.items():
            shown_kind = "time" if kind == "map" else kind  # the map shows the time slice's labels
            v.keys.follow_palette(palette, lambda k=shown_kind: label_mask(k))
        update = lambda *_: [v.keys.schedule_legend() for v in views.values()]  # noqa: E731
        display.restyled.connect(update)
        display.edited.connect(update)
        self._update_legends = update  # on position changes too (connected with the window's handles)

    def show_keys(self, on: bool) -> None:
        """Colour bars and class legends on or off in every view."""
        for v in (*self.section_views.values(), self.map_view, self.gather_view):
            v.keys.set_enabled(on)

    def show_3d(self) -> None:
        """Open the vispy 3-D view in a dock (made on first use; OpenGL errors are reported)."""
        if self.view3d is not None:
            self.panels["3d"].show()
            return
        try:
            from seisview.qt.view3d import View3D

            self.view3d = View3D(self.session)
        except Exception as exc:
            log.exception("3-D view failed")
            self.show_error("3-D view unavailable", f"the 3-D view needs OpenGL: {exc}")
            return
        self.view3d.setMinimumSize(320, 260)
        self.view3d.canvas.native.installEventFilter(self)
        dock = self.add_panel("3d", self.view3d, "3-D view", "right")
        others = [d for n, d in self.panels.items() if n != "3d" and not d.isHidden()
                  and self.dockWidgetArea(d) == AREAS["right"]]
        if others:  # share the right column as a tab instead of squeezing everyone
            self.tabifyDockWidget(others[0], dock)
        dock.show()
        dock.raise_()

    def reset_zoom(self) -> None:
        for v in (*self.section_views.values(), self.map_view, self.gather_view):
            v.auto_range()

    # -- events ---------------------------------------------------------------------
    def eventFilter(self, obj, ev) -> bool:
        from PyQt6.QtCore import QEvent

        if ev.type() in (QEvent.Type.Enter, QEvent.Type.MouseButtonPress):
            for v in (*self.section_views.values(), self.map_view, self.gather_view):
                if v.plot_widget.viewport() is obj:
                    self.active_view = v
            if self.view3d is not None and obj is self.view3d.canvas.native:
                self.active_view = self.view3d  # File → Export renders the 3-D scene
        return super().eventFilter(obj, ev)

    def _on_survey(self, s: Session) -> None:
        self.setWindowTitle(f"seisview — {s.title}" if s.path else "seisview")
        self.readout.setText("")  # a position of the survey before
        has_gathers = s.gathers is not None
        if s.volume is None and has_gathers:  # gathers alone: they take the centre
            if self.gather_view.parent() is not self._gather_holder:
                self._gather_holder.layout().addWidget(self.gather_view)
            self.gather_dock.hide()
            self.central.setCurrentWidget(self._gather_holder)
        else:
            if self.gather_dock.widget() is not self.gather_view:
                self.gather_dock.setWidget(self.gather_view)
            self.central.setCurrentWidget(self.splitter)
        # beside a volume the gathers have their dock in the First breaks workspace
        self.workspaces.set_ready("gathers", has_gathers and s.volume is not None)
        if s.volume is not None:  # a 2-D line: only the section along it is worth showing
            n_il, n_xl, _ = s.volume.shape
            self.section_views["inline"].setVisible(n_xl > 1 or n_il == 1)  # one trace: still show it
            self.section_views["crossline"].setVisible(n_il > 1)
            self._bottom.setVisible(n_il > 1 and n_xl > 1)

    def update_readout(self) -> None:
        """The status bar read-out of the crosshair now, not at the next frame."""
        self._on_cursor(self.session.cursor)

    def _on_cursor(self, cur) -> None:
        s = self.session
        if cur is not None and cur is not s.cursor:  # a position of the survey before (per frame)
            return
        if cur is None or s.volume is None or cur.origin == "gather":
            if cur is None:
                self.readout.setText("")
            return
        g = s.geometry
        parts = []
        if cur.il_idx is not None:
            parts.append(f"IL {g.il.number(round(cur.il_idx))}")
        if cur.xl_idx is not None:
            parts.append(f"XL {g.xl.number(round(cur.xl_idx))}")
        if cur.sample is not None:
            parts.append(f"{'t' if g.domain == 'time' else 'z'} {g.z_text(g.z_of(round(cur.sample)))}")
        if cur.amplitude is not None:
            parts.append(f"amp {cur.amplitude:.4g}")
        if g.affine is not None and cur.il_idx is not None and cur.xl_idx is not None:
            x, y = g.world(g.il.number(cur.il_idx), g.xl.number(cur.xl_idx))
            parts.append(f"X {float(x):.0f}  Y {float(y):.0f}")
        text = "   ".join(parts)
        if text != self.readout.text():  # positions are rounded: most moves change nothing
            self.readout.setText(text)

    def show_error(self, title: str, message: str) -> QMessageBox:
        """A non-blocking error dialog (the window stays usable); kept in ``last_dialog``."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
        self.last_dialog = box
        self.status(f"{title}: {message}")
        return box

    def _about(self) -> None:
        from seisview import __version__

        QMessageBox.about(self, "About seisview", f"seisview {__version__}\n\nSample data: Dutch F3 "
                          "(dGB Earth Sciences / TNO, CC BY-SA 3.0), Penobscot 3D (dGB / Nova Scotia "
                          "OSR, CC BY-SA); segyio test files (LGPL-3.0).")

    # -- layout persistence -------------------------------------------------------------
    def _fit_screen(self, width: int, height: int) -> None:
        """At most ``width`` x ``height``, and never larger than the screen's free area."""
        from PyQt6.QtGui import QGuiApplication

        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is not None:
            avail = screen.availableGeometry()
            width, height = min(width, avail.width()), min(height, avail.height())
        self.resize(width, height)

    def reset_splitters(self) -> None:
        """The four views share the centre equally."""
        for sp in (self._top, self._bottom, self.splitter):
            sp.setSizes([10000] * sp.count())

    def save_layout(self) -> None:
        st = settings()
        st.setValue("window/geometry", self.saveGeometry())
        st.setValue("window/splitter", self.splitter.saveState())
        st.sync()
        self.workspaces.save()

    def restore_layout(self) -> None:
        st = settings()
        geo = st.value("window/geometry")
        if geo is not None:
            self.restoreGeometry(geo)
            self._fit_screen(self.width(), self.height())  # saved on a larger screen
        sp = st.value("window/splitter")
        if sp is not None:
            self.splitter.restoreState(sp)
        self.workspaces.restore()

    def closeEvent(self, ev) -> None:
        self.save_layout()
        # panels hear about it (their closeEvent stops their workers) and no timer of the window's
        # tree fires into a closed window
        own = {self.gather_view, self.layers_panel, self.view3d}
        for dock in self.panels.values():
            w = dock.widget()
            if w is not None and w not in own:
                w.close()
        for timer in self.findChildren(QTimer):
            timer.stop()
        self.files.shutdown()
        self.display_cache.detach()
        self.display_bar.detach()
        for sig, slot in self._handles:
            sig.disconnect(slot)
        self._handles = []
        self.layers_panel.detach()
        if self.view3d is not None:
            self.view3d.detach()
        for v in (*self.section_views.values(), self.map_view, self.gather_view):
            v.close()  # unsubscribes and empties its scene (see ImagePane.closeEvent)
        super().closeEvent(ev)

