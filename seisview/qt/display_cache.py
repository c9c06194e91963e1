"""Keeps the session's 8-bit display cube current, built in a worker.

With the cube, stepping a section is one colour-table look-up per pixel
(see ``benchmarks/bench_viewer.py``). It is rebuilt when a survey opens or
the clip / gain change, and skipped for on-disk volumes and with AGC on;
until it is ready the views draw from the float samples, which gives the
same picture.
"""

from __future__ import annotations

from PyQt6.QtCore import QObject

from seisview.config import ram_budget_bytes
from seisview.core.session import Session, build_u8_cube
from seisview.qt.signals import disconnect_all
from seisview.qt.workers import LatestRunner


def _build(volume, key, levels, *, state):
    _ = volume.time_major  # made here, once, if the volume came without it (readers leave it)
    return key, build_u8_cube(volume, levels, state)


class DisplayCacheBuilder(QObject):
    def __init__(self, session: Session, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.runner = LatestRunner(self)
        self.runner.result.connect(self._done)
        self._handles = [(session.events.survey, self.rebuild), (session.events.display, self._on_display)]
        for sig, slot in self._handles:
            sig.connect(slot)
        self.rebuild()

    def _on_display(self, what: str) -> None:
        if what != "colormap":  # a colour map only changes the table, not the indices
            self.rebuild()

    def rebuild(self, *_args) -> None:
        s = self.session
        key = s.display_key()
        if key is None:
            self.runner.cancel_all(wait=None)
            return
        v = s.volume
        if v.data.size > ram_budget_bytes() // 2:  # the cube costs 1 byte per sample
            return
        self.runner.submit(_build, v, key, key[1])

    def _done(self, _rid: int, result) -> None:
        key, cube = result
        self.session.set_u8_cube(key, cube)

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def detach(self) -> None:
        self.runner.cancel_all()
        self._handles = disconnect_all(self._handles)
