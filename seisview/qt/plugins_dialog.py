"""The Plugins panel and dialog: installed plugins, their contributions, and what failed.

Rows come from :func:`seisview.plugins.status_rows` (the same data as
``seisview plugins list``), plus the panels whose factory raised in this main
window (``main_window.panel_failures``). Failed rows are red and carry the
traceback in their tooltip. Enable/Disable is remembered across sessions.
"""

from __future__ import annotations

import logging

from PyQt6.QtCore import QTimer
from PyQt6.QtGui import QBrush, QColor
from PyQt6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from seisview.core.errors import SeisviewError
from seisview.plugins import Registry, registry, status_rows

log = logging.getLogger(__name__)
RED, GREY, GREEN = QColor(200, 30, 30), QColor(130, 130, 130), QColor(20, 130, 40)
STATUS_COLOURS = {"failed": RED, "partial": RED, "disabled": GREY, "ok": GREEN, "loaded": GREEN}


class PluginsWidget(QWidget):
    def __init__(self, main_window=None, reg: Registry = registry, load: bool = False,
                 parent: QWidget | None = None):
        super().__init__(parent)
        self.main_window = main_window
        self.registry = reg
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Plugin / contribution", "Kind", "Status", "Details"])
        self.tree.setColumnWidth(0, 220)
        self.summary = QLabel()
        self.check_btn = QPushButton("Load all")
        self.check_btn.setToolTip("Import every contribution now to find the ones that fail")
        self.toggle_btn = QPushButton("Disable")
        self.toggle_btn.setEnabled(False)
        self.toggle_btn.setToolTip("Disable (or enable) the chosen plugin; it takes effect at the next start")
        buttons = QHBoxLayout()
        for w in (self.summary, self.check_btn, self.toggle_btn):
            buttons.addWidget(w)
        buttons.insertStretch(1, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tree)
        lay.addLayout(buttons)
        self.check_btn.clicked.connect(lambda: self.refresh(load=True))
        self.toggle_btn.clicked.connect(self._toggle)
        self.tree.currentItemChanged.connect(self._on_current)
        self.rows: list[dict] = []
        self.refresh(load=load)

    # -- data -------------------------------------------------------------------
    def refresh(self, load: bool = False) -> None:
        self.rows = status_rows(self.registry, load=load)
        self._merge_panel_failures()
        self.tree.clear()
        for row in self.rows:
            top = QTreeWidgetItem([f"{row['name']} {row['version']}".strip(), "plugin", row["status"],
                                   row["source"]])
            top.setData(0, 256, row["name"])  # Qt.UserRole: the plugin name for enable/disable
            self._colour(top, row["status"])
            for err in row["manifest_errors"]:  # contribution errors show on their own rows
                e = QTreeWidgetItem(["error", "", "failed", err])
                self._colour(e, "failed")
                e.setToolTip(3, self._traceback(row["name"]) or err)
                top.addChild(e)
            for c in row["contributions"]:
                item = QTreeWidgetItem([c["name"], c["kind"], c["status"],
                                        c["error"] or c["description"] or c["target"]])
                self._colour(item, c["status"])
                item.setToolTip(3, c["target"] if not c["error"] else c["error"])
                top.addChild(item)
            self.tree.addTopLevelItem(top)
            top.setExpanded(row["status"] in ("failed", "partial"))
        self.summary.setText(f"{len(self.rows)} plugin(s), {self.n_failed} with errors")

    @property
    def n_failed(self) -> int:
        return sum(r["status"] in ("failed", "partial") for r in self.rows)

    def _merge_panel_failures(self) -> None:
        """Panels whose factory raised in this window (the registry only knows imports)."""
        fails = dict(getattr(self.main_window, "panel_failures", []) or [])
        for row in self.rows:
            for c in row["contributions"]:
                if c["kind"] == "panel" and c["name"] in fails and not c["error"]:
                    c["error"], c["status"] = fails[c["name"]], "failed"
                    row["errors"].append(f"panel {c['name']!r}: {fails[c['name']]}")
                    if row["status"] == "ok":
                        row["status"] = "partial"

    def _traceback(self, name: str) -> str:
        info = self.registry.plugins.get(name)
        return info.traceback if info is not None else ""

    @staticmethod
    def _colour(item: QTreeWidgetItem, status: str) -> None:
        colour = STATUS_COLOURS.get(status)
        if colour is not None:
            item.setForeground(2, QBrush(colour))
            if status in ("failed", "partial"):
                item.setForeground(3, QBrush(colour))

    # -- actions ----------------------------------------------------------------
    def _on_current(self, item, _prev) -> None:
        name = item.data(0, 256) if item is not None else None
        self.toggle_btn.setEnabled(bool(name) and name != "seisview-builtins")
        if name:
            info = self.registry.plugins.get(name)
            self.toggle_btn.setText("Enable" if info is not None and not info.enabled else "Disable")

    def _toggle(self) -> None:
        item = self.tree.currentItem()
        name = item.data(0, 256) if item is not None else None
        if not name:
            return
        info = self.registry.plugins.get(name)
        try:
            if info is not None and not info.enabled:
                self.registry.enable(name, persist=True)
                msg = f"plugin {name!r} enabled; restart seisview to load its panels"
            else:
                self.registry.disable(name, persist=True)
                msg = f"plugin {name!r} disabled (remembered); restart to remove its panels"
        except SeisviewError as exc:
            msg = str(exc)
        if self.main_window is not None and hasattr(self.main_window, "status"):
            self.main_window.status(msg)
        log.info(msg)
        self.refresh()


class PluginsDialog(QDialog):
    def __init__(self, main_window=None, reg: Registry = registry, parent: QWidget | None = None):
        super().__init__(parent or main_window)
        self.setWindowTitle("Plugins")
        self.resize(760, 480)
        self.widget = PluginsWidget(main_window, reg, parent=self)
        box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        box.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.widget)
        lay.addWidget(box)


def make_panel(main_window) -> QWidget:
    """``panel`` contribution: a Plugins dock, plus Help → Plugins… to open the dialog.

    The dock hides itself after start-up unless a plugin failed, so failures are seen.
    """
    widget = PluginsWidget(main_window)

    def open_dialog():
        dlg = PluginsDialog(main_window)
        main_window.plugins_dialog = dlg  # keep a reference (and let tests find it)
        dlg.show()
        return dlg

    main_window.menu("Help").addAction("Plugins…", open_dialog)

    def settle():
        widget.refresh()  # picks up panels that failed after this one was made
        dock = getattr(main_window, "panels", {}).get("plugins")
        if dock is not None:  # after the workspace laid out its docks: failures must be seen
            dock.setVisible(widget.n_failed > 0)

    QTimer.singleShot(0, settle)
    return widget
