"""A :class:`Volume` over a store variable, read chunk row by chunk row as sections ask.

An inline of a store chunked ``(8, 8, trace)`` decodes eight inlines; scrubbing to the next
one should not decode them again. :class:`SlabReader` keeps the last few decoded chunk rows
of each direction (inline rows, crossline columns, time-major sample slabs) within a byte
limit, reads them with ``io.store_chunks`` (zarr's own files, without zarr's per-chunk work)
and passes any other slicing straight to zarr. An inline asked for alone decodes only its own
Blosc blocks of the chunk row (an eighth of it); a second inline of the same row decodes and
keeps the whole row (scrubbing).

A store whose time-major copy is not built yet (``io.store_time_major``) serves time slices
from the trace-major chunks, and the first one starts the copy's build in the background; the
Volume switches to the copy once it is complete.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from seisview.core.volume import Volume


def _cache_bytes() -> int:
    """Decoded slabs one reader keeps: an eighth of the RAM budget, 64-512 MB."""
    from seisview.config import ram_budget_bytes

    return int(min(512 * 1024**2, max(64 * 1024**2, ram_budget_bytes() // 8)))


class SlabReader:
    """``array[i]`` and ``array[:, j, :]`` of a 3-D zarr array through a small LRU of chunk rows.

    Slicing an axis-0 index reads the chunk row holding it; a ``[:, j, :]`` key reads the
    chunk column. Other keys go to zarr unchanged. Thread-safe (the GUI reads in workers).
    """

    def __init__(self, array, max_bytes: int | None = None):
        self.array = array
        self.shape = tuple(array.shape)
        self.dtype = np.dtype(array.dtype)
        self.ndim = len(self.shape)
        self.chunks = tuple(array.chunks)
        self._slabs: OrderedDict[tuple[int, int], np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._max_bytes = _cache_bytes() if max_bytes is None else max_bytes
        self.partner: SlabReader | None = None  # the same samples in the other order (time-major)
        self.on_time_slice = None  # called before a time slice is read from these chunks
        self._rows_asked: OrderedDict[int, None] = OrderedDict()  # chunk rows with one inline read
        from seisview.io.store_chunks import chunk_files

        self._files = chunk_files(array)  # None: read through zarr

    @property
    def store(self):
        """The zarr store under the array (its ``root`` is the store folder), as zarr arrays have."""
        return self.array.store

    def __len__(self) -> int:
        return self.shape[0]

    def __array__(self, dtype=None, copy=None):
        out = np.asarray(self.array[...])
        return out.astype(dtype) if dtype is not None else out

    def _slab(self, axis: int, idx: int) -> tuple[np.ndarray, int]:
        c = self.chunks[axis]
        k = idx // c
        with self._lock:
            got = self._slabs.get((axis, k))
            if got is not None:
                self._slabs.move_to_end((axis, k))
                return got, k * c
        sl: list[slice] = [slice(None)] * self.ndim
        sl[axis] = slice(k * c, min((k + 1) * c, self.shape[axis]))
        data = (self._files.read_region(tuple(sl)) if self._files is not None
                else np.asarray(self.array[tuple(sl)]))
        with self._lock:
            self._slabs[(axis, k)] = data
            total = sum(a.nbytes for a in self._slabs.values())
            while total > self._max_bytes and len(self._slabs) > 1:
                _, old = self._slabs.popitem(last=False)
                total -= old.nbytes
        return data, k * c

    def _one_inline(self, i: int) -> np.ndarray | None:
        """Inline ``i`` decoded alone (its Blosc blocks only) the first time its chunk row is
        asked for; None when the row is held, or asked for before (it is then decoded whole)."""
        c = self.chunks[0]
        k = i // c
        if self._files is None or c == 1:
            return None
        with self._lock:
            if (0, k) in self._slabs:
                return None
            if k in self._rows_asked:
                return None
            self._rows_asked[k] = None
            while len(self._rows_asked) > 64:
                self._rows_asked.popitem(last=False)
        if hasattr(self._files, "read_inline"):
            return self._files.read_inline(i)
        return self._files.read_region((slice(i, i + 1), slice(None), slice(None)))[0]

    def cached_point(self, i: int, j: int, k: int):
        """The sample at ``[i, j, k]`` from a decoded chunk row already held, else None."""
        c0, c1 = self.chunks[0], self.chunks[1]
        with self._lock:
            row = self._slabs.get((0, i // c0))
            if row is not None:
                return row[i - (i // c0) * c0, j, k]
            col = self._slabs.get((1, j // c1))
            if col is not None:
                return col[i, j - (j // c1) * c1, k]
        return None

    def __getitem__(self, key):
        if (isinstance(key, tuple) and len(key) == 3
                and all(isinstance(v, int | np.integer) for v in key)):
            # the cursor read-out on every mouse move: from what the views already decoded
            got = self.cached_point(*key)
            if got is None and self.partner is not None:
                got = self.partner.cached_point(key[2], key[0], key[1])
            if got is not None:
                return got
        if isinstance(key, int | np.integer):
            i = int(key) + (self.shape[0] if key < 0 else 0)
            if not 0 <= i < self.shape[0]:
                raise IndexError(key)
            alone = self._one_inline(i)
            if alone is not None:
                return alone
            data, i0 = self._slab(0, i)
            return data[i - i0]
        if (isinstance(key, tuple) and len(key) == 3 and key[0] == slice(None) and key[1] == slice(None)
                and isinstance(key[2], int | np.integer) and self._files is not None):
            k = int(key[2]) + (self.shape[2] if key[2] < 0 else 0)
            if not 0 <= k < self.shape[2]:
                raise IndexError(key)
            if self.on_time_slice is not None:
                self.on_time_slice()
            return self._files.read_region((slice(None), slice(None), slice(k, k + 1)))[:, :, 0]
        if (isinstance(key, tuple) and len(key) == 3 and key[0] == slice(None)
                and isinstance(key[1], int | np.integer) and key[2] == slice(None)):
            j = int(key[1]) + (self.shape[1] if key[1] < 0 else 0)
            if not 0 <= j < self.shape[1]:
                raise IndexError(key)
            data, j0 = self._slab(1, j)
            return data[:, j - j0, :]
        return self.array[key]

    def clear(self) -> None:
        with self._lock:
            self._slabs.clear()
            self._rows_asked.clear()


def store_volume(store, name: str = "amplitude") -> Volume:
    """The Volume of variable ``name`` (inline, crossline, z) of an open :class:`SurveyStore`."""
    from seisview.core.errors import SeisviewError

    arr = store.array(name)
    if tuple(arr.shape) != store.geometry.shape:
        raise SeisviewError(f"{name!r} in {store.path} has shape {tuple(arr.shape)}, not the survey's "
                            f"{store.geometry.shape}", hint="choose a 3-D variable of this survey")
    tm = store.time_major(name)
    live = np.asarray(store.array("live")[:], bool) if "live" in store.group else None
    data = SlabReader(arr)
    tm_reader = SlabReader(tm) if tm is not None else None
    data.partner = tm_reader  # a point under a time slice comes from the time-major rows
    vol = Volume(data, store.geometry, live=live, time_major=tm_reader)
    if tm is None and name == "amplitude":
        _defer_time_major(store, name, vol)
    warnings = store.attrs.get("seisview_warnings", [])
    vol.load_warnings = [str(w) for w in warnings] if isinstance(warnings, list) else []
    return vol


def _defer_time_major(store, name: str, vol: Volume) -> None:
    """Time slices from the trace-major chunks until the copy is built; the first one starts
    its build in the background, and the Volume takes the copy when it is complete."""
    from seisview.io import store_time_major as stm

    if not stm.can_build(store, name):
        return
    data = vol.data
    path = store.path

    def switch() -> None:
        from seisview.io.store import open_store

        copy = open_store(path).time_major(name)
        if copy is not None:
            reader = SlabReader(copy)
            data.partner = reader
            vol.set_time_major(reader)

    def start() -> None:
        data.on_time_slice = None  # once
        stm.build_in_background(path, name, on_done=switch)

    data.on_time_slice = start
