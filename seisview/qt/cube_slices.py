"""Sections of a whole-volume prediction, read from its store in workers.

A predicted volume lives in a zarr store chunked by columns of whole traces
(``io.volume_jobs``): a time slice decodes a chunk layer of the whole survey,
a crossline every chunk, so the cost grows with the survey (79 ms for a time
slice and 400 ms for a crossline of an F3-sized class cube, measured at load 6),
and while the job runs the reads also queue behind its writes on zarr's I/O
loop. The GUI thread therefore never reads the store: :meth:`CubeSlices.get`
answers from what the workers have read and asks for the rest (one worker per
section kind, the newest request wins). While a read runs it answers the last
array of the same kind -- the slice being refreshed, or the one the view showed
before a step -- so an overlay never blinks off while the cube fills in or the
user scrubs; the layer refreshes when the read lands.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable

import numpy as np
from PyQt6.QtCore import QObject

from seisview.qt.workers import LatestRunner

log = logging.getLogger(__name__)


def _rows_per_read(array) -> int:
    """Inlines per read: one chunk row of the store (cancel is checked between them)."""
    chunks = getattr(array, "chunks", None)
    if chunks is None and hasattr(array, "array"):  # io.store_export.ClassMax over probability
        chunks = getattr(array.array, "chunks", None)
        chunks = chunks[1:] if chunks is not None else None
    return int(chunks[0]) if chunks else int(array.shape[0])


def read_section(array, spec, generation: int, *, state=None):
    """Worker body: section ``spec`` of an ``(il, xl, sample)`` array-like in display layout
    (``(sample, trace)`` for vertical sections, ``(il, xl)`` for time slices), a C-contiguous
    copy. Returns ``(spec key, generation, array)``."""
    if spec.kind == "inline":
        out = np.asarray(array[spec.index]).T
    else:
        n, rows, parts = int(array.shape[0]), _rows_per_read(array), []
        for r0 in range(0, n, rows):
            if state is not None:
                state.check()
            cut = (slice(r0, min(n, r0 + rows)), slice(None), spec.index) if spec.kind == "time" \
                else (slice(r0, min(n, r0 + rows)), spec.index)
            parts.append(np.asarray(array[cut]))
        out = np.concatenate(parts) if len(parts) > 1 else parts[0]
        if spec.kind != "time":
            out = out.T
    return spec.key(), generation, np.ascontiguousarray(out)


class CubeSlices(QObject):
    """``get(spec)`` for a layer source: sections of a volume cube, read off the GUI thread.

    ``on_read(spec)`` is called (GUI thread) when a read of a shown section lands: the owner
    refreshes its layer. ``set_cube(array)`` changes the cube; ``grew()`` says the same
    cube has more chunks written (a running job): the shown sections are read again.
    """

    def __init__(self, on_read: Callable[[object], None], cache_size: int = 8,
                 parent: QObject | None = None):
        super().__init__(parent)
        self.on_read = on_read
        self.array = None
        self.generation = 0  # bumped by every change of the cube's content
        self._floor = 0  # reads of an older generation than this belong to a cleared cube
        self.cache: OrderedDict[str, tuple[int, np.ndarray]] = OrderedDict()  # key -> (gen, array)
        self.cache_size = cache_size
        self.last: dict[str, np.ndarray] = {}  # section kind -> newest array read (placeholder)
        self.shown: dict[str, object] = {}  # section kind -> the spec last asked for
        self._drawn: set[str] = set()  # kinds drawn from the cube since it last grew
        self._asked: dict[str, tuple[str, int]] = {}  # kind -> (key, generation) being read
        self.runners: dict[str, LatestRunner] = {}
        self.errors: list[str] = []

    # -- the cube ------------------------------------------------------------------------
    def set_cube(self, array) -> None:
        """A new cube (or None). The arrays read from the old one stay placeholders."""
        if array is None:
            self.clear()
            return
        self.array = array
        self.grew()

    def grew(self) -> None:
        """The cube's content changed: read the shown sections again (they fill in)."""
        if self.array is None:
            return
        self.generation += 1
        for kind in self._drawn:  # not a section the views now take from elsewhere
            self._request(self.shown[kind])
        self._drawn.clear()

    def clear(self) -> None:
        """No cube (another survey): nothing read before is shown again."""
        for runner in self.runners.values():
            runner.cancel_all(wait=None)
        self.array = None
        self.generation += 1
        self._floor = self.generation
        self.cache.clear()
        self.last.clear()
        self.shown.clear()
        self._drawn.clear()
        self._asked.clear()

    # -- the source ----------------------------------------------------------------------
    def get(self, spec) -> np.ndarray | None:
        """The newest read of ``spec``; a read is asked for when it is not current. Never
        touches the store (GUI thread)."""
        if self.array is None:
            return None
        self.shown[spec.kind] = spec
        self._drawn.add(spec.kind)
        entry = self.cache.get(spec.key())
        if entry is not None:
            self.cache.move_to_end(spec.key())
            if entry[0] == self.generation:
                return entry[1]
        self._request(spec)
        if entry is not None:
            return entry[1]  # this section before the cube grew, until the new read lands
        return self.last.get(spec.kind)  # the section shown before a step, likewise

    def _request(self, spec) -> None:
        want = (spec.key(), self.generation)
        if self._asked.get(spec.kind) == want:
            return
        runner = self.runners.get(spec.kind)
        if runner is None:
            runner = self.runners[spec.kind] = LatestRunner(self)
            runner.result.connect(self._on_result)
            runner.failed.connect(lambda _rid, f, kind=spec.kind: self._on_failed(kind, f))
        # the same section of a grown cube lets the running read finish (a stream of updates
        # where cancelling each for the next could show none at a high load); another one wins
        same = self._asked.get(spec.kind, ("", 0))[0] == want[0]
        self._asked[spec.kind] = want
        runner.submit(read_section, self.array, spec, self.generation, finish_running=same,
                      name="cube-slice", nice=5)

    def _on_result(self, _rid: int, result) -> None:
        key, generation, arr = result
        kind = key.split(":", 1)[0]
        if self._asked.get(kind) == (key, generation):
            del self._asked[kind]  # answered: a later miss (evicted) asks again
        old = self.cache.get(key)
        if self.array is None or generation < self._floor or (old is not None and old[0] >= generation):
            return  # no cube, another survey's (already queued when it was cleared), or older
        self.cache[key] = (generation, arr)
        self.cache.move_to_end(key)
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)
        shown = self.shown.get(kind)
        if shown is not None and shown.key() == key:
            self.last[kind] = arr
            self.on_read(shown)

    def _on_failed(self, kind: str, failed) -> None:
        self._asked.pop(kind, None)  # asked again at the next draw
        self.errors.append(failed.message)
        log.warning("volume prediction section read failed: %s", failed.message)

    # -- tests and shutdown ----------------------------------------------------------------
    @property
    def busy(self) -> bool:
        return any(r.busy for r in self.runners.values())

    def shutdown(self, wait: float | None = 5.0) -> None:
        for runner in self.runners.values():
            runner.cancel_all(wait)
