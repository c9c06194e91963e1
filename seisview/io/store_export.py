"""SEG-Y export of a store variable, one block of inlines at a time.

``write_volume_segy`` asks for the cube in slices of a few inlines; ``InlineBlocks`` answers
them from the store, reading one chunk row of inlines at a time (each zarr chunk decoded
once) and keeping only that row, so the export's memory is one chunk row of the survey
whatever its size. A ``probability`` variable (leading ``class`` dim) is exported as the
probability of the most likely class, or of one class.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.tasks import TaskState
from seisview.io import job_store


class InlineBlocks:
    """``(il, xl, sample)`` array-like over a store variable, read a chunk row at a time."""

    def __init__(self, array, reduce: str | int | None = None, state: TaskState | None = None):
        self.array, self.reduce = array, reduce
        self.state = state or TaskState()
        lead = 1 if array.ndim == 4 else 0
        self.shape = tuple(int(n) for n in array.shape[lead:])
        self.rows = int(array.chunks[lead])
        self._block: tuple[int, np.ndarray] | None = None

    def _load(self, r0: int) -> np.ndarray:
        self.state.check()
        r1 = min(r0 + self.rows, self.shape[0])
        if self.array.ndim == 3:
            block = np.asarray(self.array[r0:r1], np.float32)
        elif self.reduce in (None, "max"):
            block = np.full((r1 - r0, *self.shape[1:]), np.nan, np.float32)
            for c in range(self.array.shape[0]):  # one class at a time: no (C, ...) copy
                block = np.fmax(block, np.asarray(self.array[c, r0:r1], np.float32))
        else:
            block = np.asarray(self.array[int(self.reduce), r0:r1], np.float32)
        self.state.set_progress(r1 / self.shape[0], f"inline {r1}/{self.shape[0]}")
        return np.nan_to_num(block, nan=0.0)  # chunks a cancelled job never wrote

    def __getitem__(self, key) -> np.ndarray:
        if not isinstance(key, slice) or key.step not in (None, 1):
            raise TypeError("InlineBlocks reads slices of inlines")
        i0, i1, _ = key.indices(self.shape[0])
        parts = []
        i = i0
        while i < i1:
            r0 = (i // self.rows) * self.rows
            if self._block is None or self._block[0] != r0:
                self._block = (r0, self._load(r0))
            block = self._block[1]
            j = min(i1, r0 + block.shape[0])
            parts.append(block[i - r0:j - r0])
            i = j
        return parts[0] if len(parts) == 1 else np.concatenate(parts)


def export_variable(store, name: str, out, *, cls: int | None = None, live=None,
                    state: TaskState | None = None) -> Path:
    """Write variable ``name`` of ``store`` as an inline-sorted SEG-Y file on its geometry.

    ``cls`` picks one class of a ``probability`` variable (0-based); by default its maximum.
    """
    from seisview.io.segy_write import write_volume_segy
    from seisview.io.store import open_store

    if not job_store.is_store(store):
        raise SeisviewError(f"{store} is not a seisview store", hint="give a store made by a seisview job")
    opened = open_store(store)
    arr = opened.array(name)
    if live is None and "live" in opened.group:
        live = np.asarray(opened.array("live")[...], bool)
    blocks = InlineBlocks(arr, cls if cls is not None else "max", state)
    return write_volume_segy(out, blocks, opened.geometry, live=live)


class ClassMax:
    """Read-only ``(il, xl, sample)`` view of a ``probability`` variable: the probability of the
    most likely class (NaN where no chunk was written yet), read one class at a time."""

    def __init__(self, array):
        self.array = array
        self.shape = tuple(int(n) for n in array.shape[1:])
        self.dtype = np.dtype(np.float32)
        self.ndim = 3

    def __getitem__(self, key) -> np.ndarray:
        key = key if isinstance(key, tuple) else (key,)
        out = np.asarray(self.array[(0, *key)], np.float32)
        for c in range(1, self.array.shape[0]):
            out = np.fmax(out, np.asarray(self.array[(c, *key)], np.float32))
        return out

    def __array__(self, dtype=None, copy=None) -> np.ndarray:
        a = self[...]
        return a if dtype is None else a.astype(dtype)


def result_cube(store) -> tuple:
    """``(classes, ClassMax(probability))`` of a predict-volume store, read lazily (the
    viewer's time slices and the export read what they show)."""
    import zarr

    classes = zarr.open_array(store=str(store), path="classes", mode="r")
    prob = zarr.open_array(store=str(store), path="probability", mode="r")
    return classes, ClassMax(prob)
