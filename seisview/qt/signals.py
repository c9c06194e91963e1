"""Connection bookkeeping for widgets that follow session/project signals.

Widgets keep a list of ``(signal, slot)`` pairs so ``detach()`` can undo
exactly what they connected; a signal whose owner is already gone must not
stop the rest from being disconnected.
"""

from __future__ import annotations


def connect_all(handles) -> list:
    """Connect every ``(signal, slot)`` pair; returns them for :func:`disconnect_all`."""
    handles = list(handles)
    for sig, slot in handles:
        sig.connect(slot)
    return handles


def disconnect_all(handles) -> list:
    """Disconnect every ``(signal, slot)`` pair, skipping ones already gone; returns ``[]``.

    Use as ``self._handles = disconnect_all(self._handles)``.
    """
    for sig, slot in handles:
        try:
            sig.disconnect(slot)
        except Exception:  # already gone (owner deleted, or never connected)
            pass
    return []


class PerFrame:
    """Call ``slot`` with the latest arguments at most once per frame (~60 Hz).

    A mouse sends a move every 8-10 ms; the crosshair, position read-out and map
    marker it drives in every view need to follow once per frame, not per move:
    the first call of a burst starts a single-shot timer and later calls only
    replace the pending arguments.
    """

    FRAME_MS = 16

    def __init__(self, slot, parent=None):
        from PyQt6.QtCore import QTimer

        self.slot = slot
        self._args: tuple = ()
        self._timer = QTimer(parent)
        self._timer.setSingleShot(True)
        self._timer.setInterval(self.FRAME_MS)
        self._timer.timeout.connect(self.flush)

    def __call__(self, *args) -> None:
        self._args = args
        if not self._timer.isActive():
            self._timer.start()

    def flush(self) -> None:
        """Deliver the pending call now (tests, or a caller that must see the result)."""
        self._timer.stop()
        if self._args:
            args, self._args = self._args, ()
            self.slot(*args)
