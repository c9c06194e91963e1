"""Layers dock: the session's layers, top first, with visibility, opacity and order."""

from __future__ import annotations

from PyQt6.QtCore import Qt
from PyQt6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from seisview.core.session import Session
from seisview.qt.signals import disconnect_all


class LayersPanel(QWidget):
    def __init__(self, session: Session, parent: QWidget | None = None):
        super().__init__(parent)
        self.session = session
        self.list = QListWidget()
        self.opacity = QSlider(Qt.Orientation.Horizontal)
        self.opacity.setRange(0, 100)
        self.opacity.setToolTip("Opacity of the selected layer")
        self.up, self.down = QPushButton("▲"), QPushButton("▼")
        lay = QVBoxLayout(self)
        lay.addWidget(self.list, 1)
        row = QHBoxLayout()
        row.addWidget(QLabel("Opacity"))
        row.addWidget(self.opacity, 1)
        lay.addLayout(row)
        row = QHBoxLayout()
        row.addWidget(QLabel("Order"))
        row.addWidget(self.up)
        row.addWidget(self.down)
        lay.addLayout(row)
        self.up.setToolTip("move the selected layer up (drawn later, on top)")
        self.down.setToolTip("move the selected layer down")
        self.list.itemChanged.connect(self._item_changed)
        self.list.currentRowChanged.connect(self._selected)
        self.opacity.valueChanged.connect(self._opacity_moved)
        self.up.clicked.connect(lambda: self._move(+1))
        self.down.clicked.connect(lambda: self._move(-1))
        ev = session.layers.events
        self._handles = [(ev.inserted, self.rebuild), (ev.removed, self.rebuild), (ev.moved, self.rebuild),
                         (ev.changed, self._layer_changed)]
        for sig, slot in self._handles:
            sig.connect(slot)
        self.rebuild()

    def _layers_top_first(self):
        return list(reversed(list(self.session.layers)))

    def rebuild(self, *_args) -> None:
        cur = self.current_layer()
        self.list.blockSignals(True)
        self.list.clear()
        for layer in self._layers_top_first():
            item = QListWidgetItem(f"{layer.name}  [{layer.kind}]")
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if layer.visible else Qt.CheckState.Unchecked)
            item.setData(Qt.ItemDataRole.UserRole, layer.name)
            self.list.addItem(item)
        self.list.blockSignals(False)
        names = [x.name for x in self._layers_top_first()]
        self.list.setCurrentRow(names.index(cur.name) if cur is not None and cur.name in names else 0)

    def current_layer(self):
        item = self.list.currentItem()
        if item is None:
            return None
        name = item.data(Qt.ItemDataRole.UserRole)
        return self.session.layers[name] if name in self.session.layers else None

    def _item_changed(self, item: QListWidgetItem) -> None:
        name = item.data(Qt.ItemDataRole.UserRole)
        if name in self.session.layers:
            self.session.layers[name].visible = item.checkState() == Qt.CheckState.Checked

    def _selected(self, _row: int) -> None:
        layer = self.current_layer()
        if layer is not None:
            self.opacity.blockSignals(True)
            self.opacity.setValue(round(layer.opacity * 100))
            self.opacity.blockSignals(False)

    def _opacity_moved(self, v: int) -> None:
        layer = self.current_layer()
        if layer is not None:
            layer.opacity = v / 100.0

    def _move(self, direction: int) -> None:
        layer = self.current_layer()
        if layer is None:
            return
        i = self.session.layers.index(layer)
        self.session.layers.move(i, i + direction)

    def _layer_changed(self, layer, what: str) -> None:
        if what in ("visible", "name"):
            self.rebuild()
        elif what == "opacity" and layer is self.current_layer():
            self._selected(0)

    def detach(self) -> None:
        self._handles = disconnect_all(self._handles)
