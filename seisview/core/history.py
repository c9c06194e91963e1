"""Undo/redo bookkeeping shared by label strokes and pick edits.

An operation (a stroke, a batch of picks) is *active*, *undone* (can be
redone) or *dropped* (undone, then a new operation replaced the redo branch).
The project journal stores the same states as append-only events, so
:meth:`UndoStack.rebuild` restores exactly the stacks a user had before a crash.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

ACTIVE, UNDONE, DROPPED = "active", "undone", "dropped"


class UndoStack:
    def __init__(self):
        self._undo: list = []
        self._redo: list = []

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    def __len__(self) -> int:
        return len(self._undo)

    def peek_undo(self):
        return self._undo[-1] if self._undo else None

    def peek_redo(self):
        return self._redo[-1] if self._redo else None

    def redo_ids(self) -> list[int]:
        """Ids a new operation would drop (the redo branch)."""
        return [op.id for op in self._redo]

    def push(self, op) -> None:
        self._undo.append(op)
        self._redo.clear()

    def pop_undo(self):
        op = self._undo.pop()
        self._redo.append(op)
        return op

    def pop_redo(self):
        op = self._redo.pop()
        self._undo.append(op)
        return op

    def undo(self, mark: Callable[[int, str], None], apply: Callable[[Any, bool], None]):
        """Undo the latest operation: ``mark(id, UNDONE)``, move it to the redo branch,
        ``apply(op, False)``; returns it, or None when there is nothing to undo."""
        return self._step(False, mark, apply)

    def redo(self, mark: Callable[[int, str], None], apply: Callable[[Any, bool], None]):
        """Redo the latest undone operation: ``mark(id, ACTIVE)``, ``apply(op, True)``."""
        return self._step(True, mark, apply)

    def _step(self, forward: bool, mark, apply):
        op = self.peek_redo() if forward else self.peek_undo()
        if op is None:
            return None
        mark(op.id, ACTIVE if forward else UNDONE)  # journal first: if it fails, nothing moved
        self.pop_redo() if forward else self.pop_undo()
        apply(op, forward)
        return op

    def rebuild(self, ops: Iterable, states: dict[int, str]) -> list:
        """Restore the stacks from operations in id order and their last state.

        Returns the active operations in order (the ones to apply).
        """
        ops = sorted(ops, key=lambda op: op.id)
        active = [op for op in ops if states.get(op.id, ACTIVE) == ACTIVE]
        undone = [op for op in ops if states.get(op.id) == UNDONE]
        self._undo = list(active)
        # undo is LIFO, so the undone ones form the redo branch: latest undone first out last
        self._redo = sorted(undone, key=lambda op: op.id, reverse=True)
        return active
