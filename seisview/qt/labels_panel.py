"""The Labels dock: classes (1-9 keys), painting tools, opacity, labelled sections, undo/redo, picking.

``make_panel(main_window)`` is the ``panel`` contribution: it also puts the
painting and picking tools in the tool bar and the project actions in the File
menu. Ctrl+Z / Ctrl+Shift+Z undo and redo the latest kind of edit (labels or
picks), across sections.
"""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtGui import QColor, QIcon, QKeySequence, QPixmap, QShortcut
from PyQt6.QtWidgets import (
    QCheckBox,
    QColorDialog,
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from seisview.core.errors import SeisviewError
from seisview.qt import label_crossings, project_actions
from seisview.qt.paint_tools import LabelController
from seisview.qt.pick_tool import PickController
from seisview.qt.tools import NavigateTool

TOOL_KEYS = {"brush": "B", "erase": "E", "fill": "F", "polygon": "P"}
TOOL_TIPS = {"navigate": "Pan with a drag, zoom with the wheel (Esc)",
             "brush": "Paint the current class (B; Ctrl+wheel: size; keys 1-9: class)",
             "erase": "Erase labels (E; Ctrl+wheel: size)",
             "fill": "Flood-fill the region of equal label under the mouse (F)",
             "polygon": "Click corners and right-click to fill, or drag a lasso (P)"}
CLASS_TIPS = {"Add": "Add a class", "Colour": "Change the colour of the chosen class",
              "Up": "Move the chosen class up (its key 1-9 changes, its id does not)",
              "Down": "Move the chosen class down"}


def make_panel(window) -> QWidget:
    return LabelsPanel(window)


def _swatch(rgb) -> QIcon:
    pm = QPixmap(14, 14)
    pm.fill(QColor(*rgb))
    return QIcon(pm)


class LabelsPanel(QWidget):
    def __init__(self, window):
        super().__init__()
        self.window = window
        self.session = window.session
        self.ctl = LabelController(window)
        self.picking = PickController(window)
        # labels where the section views' own overlays do not reach: map, crossings (3-D reads the display)
        self.display, self.crossings, self.map_labels = label_crossings.install(window, self.ctl)
        self.last_edit = "labels"
        self._syncing = False
        self._handles: list = []
        self._build()
        self._install_tools()
        self.actions = project_actions.install(window)
        self.ctl.changed.connect(self.sync)
        self.session.events.project.connect(self._on_project)
        self.session.events.survey.connect(lambda _s: self.sync())
        self._on_project(self.session.project)

    # -- building -----------------------------------------------------------------------
    def _build(self) -> None:
        lay = QVBoxLayout(self)
        self.project_label = QLabel()
        self.project_label.setWordWrap(True)
        lay.addWidget(self.project_label)

        tools = QHBoxLayout()
        self.tool_buttons = {}
        for name, text in (("navigate", "Pan"), ("brush", "Brush"), ("erase", "Eraser"),
                           ("fill", "Fill"), ("polygon", "Polygon")):
            b = QPushButton(text)
            b.setCheckable(True)
            b.setToolTip(TOOL_TIPS[name])
            b.clicked.connect(lambda _=False, n=name: self.use_tool(n))
            tools.addWidget(b)
            self.tool_buttons[name] = b
        lay.addLayout(tools)

        form = QFormLayout()
        self.size = QSpinBox()
        self.size.setRange(0, 200)
        self.size.setSuffix(" px radius")
        self.size.setToolTip("Brush and eraser radius in samples/traces (Ctrl+wheel over a view)")
        self.size.valueChanged.connect(lambda v: self._syncing or self.ctl.set_radius(v))
        self.preserve = QCheckBox("keep existing labels")
        self.preserve.setToolTip("Paint only unlabelled pixels; the eraser then erases only the current class")
        self.preserve.toggled.connect(lambda on: setattr(self.ctl, "preserve", on))
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setToolTip("Opacity of the painted labels over the seismic")
        self.opacity.valueChanged.connect(lambda v: self._syncing or self.ctl.set_opacity(v / 100))
        self.show_labels = QCheckBox("show labels")
        self.show_labels.setToolTip("Show or hide the painted labels in every view")
        self.show_labels.toggled.connect(lambda on: self._syncing or self.ctl.set_visible(on))
        form.addRow("Brush", self.size)
        form.addRow("", self.preserve)
        form.addRow("Opacity", self.opacity)
        form.addRow("", self.show_labels)
        lay.addLayout(form)

        box = QGroupBox("Classes (keys 1-9; double-click renames)")
        bl = QVBoxLayout(box)
        self.classes = QListWidget()
        self.classes.currentItemChanged.connect(self._class_chosen)
        self.classes.itemChanged.connect(self._class_edited)
        bl.addWidget(self.classes)
        row = QHBoxLayout()
        for text, fn in (("Add", self.add_class), ("Colour", self.recolor_class),
                         ("Up", lambda: self.move_class(-1)), ("Down", lambda: self.move_class(1))):
            b = QPushButton(text)
            b.clicked.connect(fn)
            b.setToolTip(CLASS_TIPS[text])
            row.addWidget(b)
        bl.addLayout(row)
        # the classes get the room: the demo's six (or more) rows show without scrolling
        self.classes.setMinimumHeight(7 * (self.classes.fontMetrics().height() + 4) + 8)
        lay.addWidget(box, 3)

        box = QGroupBox("Labelled sections (click to go there)")
        bl = QVBoxLayout(box)
        self.sections = QListWidget()
        self.sections.itemActivated.connect(self._jump)
        self.sections.itemClicked.connect(self._jump)
        bl.addWidget(self.sections)
        lay.addWidget(box, 1)

        row = QHBoxLayout()
        self.undo_btn = QPushButton("Undo")
        self.undo_btn.setToolTip("Undo the latest label or pick edit on any section (Ctrl+Z)")
        self.undo_btn.clicked.connect(self.undo)
        self.redo_btn = QPushButton("Redo")
        self.redo_btn.setToolTip("Redo the latest undone edit (Ctrl+Shift+Z)")
        self.redo_btn.clicked.connect(self.redo)
        row.addWidget(self.undo_btn)
        row.addWidget(self.redo_btn)
        lay.addLayout(row)

        box = QGroupBox("First-break picking (gather view)")
        fl = QFormLayout(box)
        self.snap = QCheckBox("snap to the onset")
        self.snap.setChecked(self.picking.snap)
        self.snap.setToolTip("Move each pick to the onset found within the snap window of the mouse")
        self.snap.toggled.connect(lambda on: setattr(self.picking, "snap", on))
        self.window_ms = QDoubleSpinBox()
        self.window_ms.setRange(0.5, 200)
        self.window_ms.setValue(self.picking.window_ms)
        self.window_ms.setSuffix(" ms")
        self.window_ms.setToolTip("How far from the mouse (ms) a pick may snap to the onset")
        self.window_ms.valueChanged.connect(lambda v: setattr(self.picking, "window_ms", v))
        self.snap_method = QComboBox()
        self.snap_method.addItems(["energy_ratio", "sta_lta", "mer", "aic"])
        self.snap_method.setToolTip("characteristic function whose maximum marks the onset")
        self.snap_method.currentTextChanged.connect(lambda m: setattr(self.picking, "method", m))
        self.pick_count = QLabel()
        fl.addRow("", self.snap)
        fl.addRow("Snap to", self.snap_method)
        fl.addRow("Snap window", self.window_ms)
        fl.addRow("Picks", self.pick_count)
        lay.addWidget(box)

    def _install_tools(self) -> None:
        w = self.window
        for name, tool in self.ctl.tools.items():
            w.add_tool(tool, "section", TOOL_KEYS[name])
        w.add_tool(self.picking.tool, "gather", "K")
        for k in range(1, 10):
            QShortcut(QKeySequence(str(k)), w, activated=lambda k=k: self.ctl.select_key(k)
                      ).setWhatsThis("Choose the class with that key (labels)")
        QShortcut(QKeySequence("Ctrl+Z"), w, activated=self.undo).setWhatsThis(
            "Undo the latest label or pick edit")
        QShortcut(QKeySequence("Ctrl+Shift+Z"), w, activated=self.redo).setWhatsThis(
            "Redo the latest undone edit")

    def closeEvent(self, ev) -> None:
        if self.map_labels is not None:
            self.crossings.detach()
            self.map_labels.detach()
            self.display.detach()
            self.map_labels = None
        super().closeEvent(ev)

    # -- project ------------------------------------------------------------------------
    def _on_project(self, project) -> None:
        for sig, slot in self._handles:
            sig.disconnect(slot)
        self._handles = []
        if project is not None:
            self._handles = [(project.labels.events.history, self._labels_edited),
                             (project.picks.events.history, self._picks_edited),
                             (project.palette.changed, self.sync)]
            for sig, slot in self._handles:
                sig.connect(slot)
        self.sync()

    def _labels_edited(self) -> None:
        self.last_edit = "labels"
        self.sync()

    def _picks_edited(self) -> None:
        self.last_edit = "picks"
        self.sync()

    def undo(self):
        return (self.picking.undo() if self.last_edit == "picks" else self.ctl.undo())

    def redo(self):
        return (self.picking.redo() if self.last_edit == "picks" else self.ctl.redo())

    def use_tool(self, name: str) -> None:
        self.window.set_tool(NavigateTool() if name == "navigate" else self.ctl.tools[name], "section")
        for n, b in self.tool_buttons.items():
            b.setChecked(n == name)

    # -- widgets <- model ---------------------------------------------------------------------
    def sync(self, *_args) -> None:
        self._syncing = True
        try:
            c, p = self.ctl, self.ctl.project
            self.size.setValue(c.radius)
            self.opacity.setValue(int(round(c.opacity * 100)))
            self.show_labels.setChecked(c.visible)
            if p is None:
                self.project_label.setText("No project: File → New project… keeps labels and picks")
            else:
                warn = f" ⚠ {p.warnings[-1]}" if p.warnings else ""
                paintable = "" if c.usable() else " (open its survey to paint)"
                self.project_label.setText(f"Project {p.path.name}{paintable}{warn}")
            self._fill_classes()
            self._fill_sections()
            labels = c.labels
            self.undo_btn.setEnabled(bool(p) and (p.picks.can_undo if self.last_edit == "picks"
                                                   else labels is not None and labels.can_undo))
            self.redo_btn.setEnabled(bool(p) and (p.picks.can_redo if self.last_edit == "picks"
                                                   else labels is not None and labels.can_redo))
            self.pick_count.setText(f"{len(p.picks)} on {len(p.picks.gathers())} gathers" if p else "-")
        finally:
            self._syncing = False

    def _fill_classes(self) -> None:
        self.classes.blockSignals(True)
        self.classes.clear()
        p = self.ctl.project
        if p is not None:
            counts = p.labels.class_counts() if p.geometry is not None else {}
            for i, cls in enumerate(p.palette):
                key = f"{i + 1}  " if i < 9 else "   "
                it = QListWidgetItem(_swatch(cls.color), f"{key}{cls.name}")
                it.setData(Qt.ItemDataRole.UserRole, cls.id)
                it.setToolTip(f"id {cls.id}, {counts.get(cls.id, 0)} labelled pixels")
                it.setFlags(it.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEditable)
                it.setCheckState(Qt.CheckState.Checked if cls.visible else Qt.CheckState.Unchecked)
                self.classes.addItem(it)
                if cls.id == self.ctl.class_id:
                    self.classes.setCurrentItem(it)
        self.classes.blockSignals(False)

    def _fill_sections(self) -> None:
        self.sections.clear()
        c = self.ctl
        if c.labels is None:
            return
        for spec, n in c.labels.labelled_sections():
            it = QListWidgetItem(f"{c.labels.geometry.describe(spec)}  ({n} px)")
            it.setData(Qt.ItemDataRole.UserRole, (spec.kind, spec.index))
            self.sections.addItem(it)

    # -- widgets -> model ------------------------------------------------------------------------
    def _class_chosen(self, item, _prev=None) -> None:
        if item is not None and not self._syncing:
            self.ctl.set_class(item.data(Qt.ItemDataRole.UserRole))

    def _class_edited(self, item) -> None:
        p = self.ctl.project
        if p is None or self._syncing:
            return
        cid = item.data(Qt.ItemDataRole.UserRole)
        try:
            name = item.text()[3:].strip() if item.text()[:1].isdigit() else item.text().strip()
            if name and name != p.palette.get(cid).name:
                p.palette.rename(cid, name)
            visible = item.checkState() == Qt.CheckState.Checked
            if visible != p.palette.get(cid).visible:
                p.palette.set_visible(cid, visible)
        except SeisviewError as exc:
            self.window.show_error("Class not changed", str(exc))
            self.sync()

    def add_class(self) -> None:
        p = self.ctl.project
        if p is None:
            return
        name, ok = QInputDialog.getText(self, "New class", "Name:")
        if ok and name.strip():
            try:
                self.ctl.set_class(p.palette.add(name.strip()).id)
            except SeisviewError as exc:
                self.window.show_error("Class not added", str(exc))

    def recolor_class(self) -> None:
        p = self.ctl.project
        if p is None:
            return
        cls = p.palette.get(self.ctl.class_id)
        col = QColorDialog.getColor(QColor(*cls.color), self, f"Colour of {cls.name}")
        if col.isValid():
            p.palette.recolor(cls.id, (col.red(), col.green(), col.blue()))

    def move_class(self, step: int) -> None:
        p = self.ctl.project
        if p is None:
            return
        ids = p.palette.ids()
        i = ids.index(self.ctl.class_id)
        j = min(max(i + step, 0), len(ids) - 1)
        ids.insert(j, ids.pop(i))
        p.palette.reorder(ids)

    def _jump(self, item) -> None:
        kind, index = item.data(Qt.ItemDataRole.UserRole)
        self.session.set_position(kind, index)
