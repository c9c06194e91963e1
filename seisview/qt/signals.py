"""Connection bookkeeping for widgets that follow session/project signals.

Widgets keep a list of ``(signal, slot)`` pairs so ``detach()`` can undo
exactly what they connected; a signal whose owner is already gone must not
stop the rest from being disconnected.
"""

from __future__ import annotations

import logging
import time

from PyQt6 import sip

log = logging.getLogger(__name__)


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


class FrameClock:
    """One single-shot timer that runs every follower due in the next frame (~60 Hz).

    A mouse sends a move every 8-10 ms; the crosshair in each view, the map marker and the
    status read-out need to follow once per frame, not per move, and all in the same frame:
    one timer for all of them means one wake-up and one round of repaints per frame, not
    one per follower at slightly different times.

    While a tool drags (``set_spread(True)``: a brush stroke) each tick runs one follower,
    the one waiting longest, and ticks come every ``SPREAD_MS`` while any waits: the three
    other views, the map and the read-out still follow about once per frame each, but one
    at a time, so a mouse event carries at most one view's repaint on top of its stamp.
    ``solo(fn)`` runs other coalesced work (the labels' redraw of the map and crossings)
    in a tick of its own.
    """

    FRAME_MS = 16
    SPREAD_MS = 4
    NEAR_S = 0.002  # work within this of a tick lands in the same mouse event as the tick's

    def __init__(self):
        from PyQt6.QtCore import QCoreApplication, QTimer

        self._due: dict[int, PerFrame] = {}  # insertion order: followers run in the order they were called
        self._solo: list = []
        self._spread = False
        self._timer = QTimer(QCoreApplication.instance())  # ends with the application
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)
        self._last = -1.0  # perf_counter() when the last tick ran

    def ended(self) -> bool:
        return sip.isdeleted(self._timer)

    def set_spread(self, spread: bool) -> None:
        """One follower per tick (while a tool drags) or all of them in each frame."""
        self._spread = bool(spread)

    def _near(self) -> bool:
        if time.perf_counter() - self._last < self.NEAR_S:
            return True
        return self._timer.isActive() and self._timer.remainingTime() <= self.NEAR_S * 1000

    def solo(self, fn) -> None:
        """Call ``fn()`` now, or in a tick of its own when a tick ran just now or is due."""
        if not self._near():
            fn()
            return
        if fn not in self._solo:
            self._solo.append(fn)
        if not self._timer.isActive():
            self._timer.start(self.SPREAD_MS)

    def schedule(self, follower: PerFrame) -> None:
        self._due[id(follower)] = follower
        if not self._timer.isActive():  # spread: four followers take a frame's time in turn
            self._timer.start(self.SPREAD_MS if self._spread else self.FRAME_MS)

    def cancel(self, follower: PerFrame) -> None:
        if self._due:
            self._due.pop(id(follower), None)

    def flush(self) -> None:
        """Run the followers due now (all of them, or one while spreading)."""
        self._timer.stop()
        self._last = time.perf_counter()
        if self._solo:
            jobs, due = [self._solo.pop(0)], {}
        elif self._spread and len(self._due) > 1:
            key = next(iter(self._due))
            jobs, due = [], {key: self._due.pop(key)}
        else:
            jobs, due, self._due = [], self._due, {}
        if self._solo or self._due:
            self._timer.start(self.SPREAD_MS)
        for job in [*jobs, *(f.flush for f in due.values())]:
            try:
                job()
            except Exception:  # one broken follower must not stop the others' frame
                log.exception("per-frame update failed")

    def flush_all(self) -> None:
        """Run everything due now, spread or not (tests, or a caller that must see the result)."""
        while self._solo or self._due:
            spread, self._spread = self._spread, False
            try:
                self.flush()
            finally:
                self._spread = spread


_CLOCK: FrameClock | None = None


def frame_clock() -> FrameClock:
    """The application's frame clock (made on first use, in the GUI thread)."""
    global _CLOCK
    if _CLOCK is None or _CLOCK.ended():
        _CLOCK = FrameClock()
    return _CLOCK


class PerFrame:
    """Call ``slot`` with the latest arguments at most once per frame (see :class:`FrameClock`).

    The first call of a burst schedules it on the frame clock; later calls only replace
    the pending arguments. ``parent`` (a QObject) ends it: a follower of a deleted widget
    is never called.
    """

    def __init__(self, slot, parent=None):
        self.slot = slot
        self._args: tuple = ()
        self._pending = False
        self._dead = False
        if parent is not None:
            parent.destroyed.connect(self._end)

    def _end(self, *_args) -> None:
        self._dead, self._pending, self._args = True, False, ()
        if _CLOCK is not None:
            _CLOCK.cancel(self)

    def __call__(self, *args) -> None:
        if self._dead:
            return
        self._args = args
        if not self._pending:
            self._pending = True
            frame_clock().schedule(self)

    def flush(self) -> None:
        """Deliver the pending call now (tests, or a caller that must see the result)."""
        if self._pending:
            args, self._args, self._pending = self._args, (), False
            if _CLOCK is not None:
                _CLOCK.cancel(self)
            self.slot(*args)
