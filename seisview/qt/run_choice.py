"""A "Start from" choice: scratch, or a run of the project whose model a new run starts from.

The list is read from the project again each time it opens, so a pretraining run that ended
a moment ago (in the Pretraining dock or with `seisview pretrain`) is offered at once.
"""

from __future__ import annotations

from collections.abc import Callable

from PyQt6.QtCore import QEvent, QObject, Qt
from PyQt6.QtWidgets import QComboBox

KEPT = ("done", "cancelled", "interrupted")  # runs that keep their last model


class RunChoice(QComboBox):
    """Item data: the run's checkpoint path (None for scratch); text ``run N: MODEL (TASK)``."""

    def __init__(self, project_of: Callable, tasks: tuple[str, ...] = ("pretrain",),
                 scratch: str = "scratch"):
        super().__init__()
        self._project_of, self.tasks, self.scratch = project_of, tasks, scratch
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(12)
        self.refresh()

    def refresh(self) -> None:
        keep = self.currentData()
        self.blockSignals(True)
        self.clear()
        self.addItem(self.scratch, None)
        project = self._project_of()
        for run in reversed(project.runs() if project is not None else []):
            if run.task in self.tasks and run.checkpoint and run.status in KEPT:
                label = "pretrained encoder" if run.task == "pretrain" else run.task
                self.addItem(f"run {run.id}: {run.model} ({label})", run.checkpoint)
                self.setItemData(self.count() - 1, run.id, 257)  # Qt.UserRole + 1: the run id
        i = self.findData(keep) if keep else 0
        self.setCurrentIndex(max(i, 0))
        self.blockSignals(False)

    def showPopup(self) -> None:  # noqa: N802 (Qt name)
        self.refresh()
        super().showPopup()

    def checkpoint(self) -> str | None:
        return self.currentData()

    def run_id(self) -> int | None:
        return self.itemData(self.currentIndex(), 257)

    def choose_run(self, run_id: int) -> bool:
        """Select run ``run_id`` (refreshing first); False when it is not offered."""
        self.refresh()
        for i in range(self.count()):
            if self.itemData(i, 257) == run_id:
                self.setCurrentIndex(i)
                return True
        return False


class _RefreshOnOpen(QObject):
    def __init__(self, combo: QComboBox, refresh: Callable[[], None]):
        super().__init__(combo)
        self.combo, self.refresh = combo, refresh

    def eventFilter(self, obj, ev) -> bool:  # noqa: N802 (Qt name)
        opening = ev.type() == QEvent.Type.MouseButtonPress or (
            ev.type() == QEvent.Type.KeyPress and ev.key() in (Qt.Key.Key_F4, Qt.Key.Key_Space)
            or ev.type() == QEvent.Type.KeyPress and ev.key() == Qt.Key.Key_Down
            and ev.modifiers() & Qt.KeyboardModifier.AltModifier)
        if opening:
            refresh_keeping(self.combo, self.refresh)
        return False


def refresh_keeping(combo: QComboBox, refresh: Callable[[], None]) -> None:
    """``refresh()`` the combo's items, keeping the chosen one when it is still there."""
    keep = combo.currentData()
    refresh()
    i = combo.findData(keep)
    if i >= 0:
        combo.setCurrentIndex(i)


def refresh_on_open(combo: QComboBox, refresh: Callable[[], None]) -> None:
    """Re-read a combo's choices each time its list is opened (mouse or keyboard), keeping
    the chosen one: a run that ended since the project was opened is offered at once."""
    combo.installEventFilter(_RefreshOnOpen(combo, refresh))
