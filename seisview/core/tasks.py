"""Long work as a plain function with a state object (progress, cancel, pause).

``TaskState`` is split in two in spirit: the owner calls :meth:`cancel`,
:meth:`pause` and :meth:`resume`; the worker only reads through
:meth:`check` (raises :class:`Cancelled`, blocks while paused) and reports
through :meth:`set_progress`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Cancelled(Exception):
    """Raised inside a task when its owner cancelled it."""


class TaskState:
    def __init__(self, on_progress: Callable[[float, str], None] | None = None):
        self._cancel = threading.Event()
        self._running = threading.Event()
        self._running.set()
        self._on_progress = on_progress
        self.progress = 0.0
        self.message = ""

    # -- owner side -------------------------------------------------------
    def cancel(self) -> None:
        self._cancel.set()
        self._running.set()  # wake a paused worker so it can see the cancel

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        self._running.set()

    @property
    def cancelled(self) -> bool:
        return self._cancel.is_set()

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    # -- worker side ------------------------------------------------------
    def check(self) -> None:
        """Block while paused; raise :class:`Cancelled` when cancelled."""
        while not self._running.wait(0.05):
            pass
        if self._cancel.is_set():
            raise Cancelled()

    def set_progress(self, fraction: float, message: str = "") -> None:
        self.progress = float(min(max(fraction, 0.0), 1.0))
        if message:
            self.message = message
        if self._on_progress is not None:
            self._on_progress(self.progress, self.message)
