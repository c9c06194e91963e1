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
