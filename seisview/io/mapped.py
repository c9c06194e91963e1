"""Reading a memory-mapped file without keeping what was read mapped.

Every page of a memory map that a read touches stays in the process's resident
set (the kernel also maps up to 64 KiB around each fault), so one pass over a
file's trace headers makes the process as large as the file, even though the
pages are only file cache. :func:`release` hands the pages of a row range back
(``madvise(MADV_DONTNEED)``: they stay in the page cache, a later read maps
them again), which keeps the resident set to the block being read. The kernel maps
file pages in large folios (one fault of one byte maps 2 MiB here, kernel 6.18), so a
release widens its range to whole 2 MiB spans: reading 64 scattered traces would
otherwise map 128 MiB. Maps smaller
than a quarter of the RAM budget stay mapped (a load right after the scan reads
them without faulting them in again).
"""

from __future__ import annotations

import mmap

import numpy as np

BLOCK_BYTES = 4 * 1024**2  # of the file mapped at a time between releases
SPAN = 2 * 1024**2  # the largest folio a fault maps: releases cover whole spans


def block_rows(raw: np.ndarray) -> int:
    """Rows of the 2-D map ``raw`` (one trace each) that span about ``BLOCK_BYTES``."""
    return max(16, BLOCK_BYTES // max(1, abs(raw.strides[0])))


def _release_above() -> int:
    from seisview.config import ram_budget_bytes

    return ram_budget_bytes() // 4


def _mapping(arr: np.ndarray):
    """The ``mmap`` object under a numpy memmap (or a view of one), else None."""
    a: np.ndarray | None = arr
    while a is not None:
        mm = getattr(a, "_mmap", None)
        if mm is not None:
            return mm
        a = a.base if isinstance(a.base, np.ndarray) else None
    return None


def needs_release(raw: np.ndarray) -> bool:
    """Whether :func:`release` would unmap anything of ``raw`` (ask once per pass, not per block)."""
    mm = _mapping(raw)
    return mm is not None and hasattr(mm, "madvise") and len(mm) >= _release_above()


def release(raw: np.ndarray, r0: int, r1: int) -> None:
    """Unmap the pages of rows ``r0:r1`` of the 2-D memmap ``raw`` from this process."""
    mm = _mapping(raw)
    if mm is None or r1 <= r0 or not hasattr(mm, "madvise") or len(mm) < _release_above():
        return
    try:
        base = np.frombuffer(mm, np.uint8).ctypes.data  # address of the mapping's first byte
    except (ValueError, TypeError):  # a closed map
        return
    first = raw.__array_interface__["data"][0] + r0 * raw.strides[0] - base
    last = raw.__array_interface__["data"][0] + r1 * raw.strides[0] - base
    start = max(0, first - first % SPAN)
    stop = min(len(mm), last + (-last) % SPAN)
    if stop > start:
        mm.madvise(mmap.MADV_DONTNEED, start, stop - start)
