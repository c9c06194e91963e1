"""Blosc called directly in the C library numcodecs carries (c-blosc 1.x, the one zarr uses).

Two things numcodecs' ``Blosc`` codec does not offer and the store needs:

- **decoding part of a chunk** (``blosc_getitem``): Blosc compresses a chunk in blocks, and a
  read of a range decodes only the blocks covering it. The survey's 8 x 8-trace chunks are
  stored inline first, so one inline's part of a chunk is one contiguous range; written with
  one block per inline's part (``block_bytes``), an inline decodes an eighth of a chunk row;
- **blocks that small**: c-blosc splits LZ4 blocks into one stream per byte of the type and
  then enlarges forced block sizes to at least 64 KB; with splitting off
  (``blosc_set_splitmode(BLOSC_NEVER_SPLIT)``, process-wide, set before the store's first
  encode) it keeps the size asked for. The stored frames stay plain Blosc ones (the header's
  "not split" flag is part of the format), so zarr and any Blosc reader decode them.

Decoding a whole chunk here (``blosc_decompress_ctx``) also skips numcodecs' per-call work
(0.3-0.7x the CPU of its ``decode``, measured on 8 x 8-trace chunks). Every call releases the
GIL. Where the library or a symbol is missing, the functions return None / False and the
callers use numcodecs as before.
"""

from __future__ import annotations

import ctypes
import threading

import numpy as np

_NEVER_SPLIT = 2  # c-blosc 1.x BLOSC_NEVER_SPLIT
_HEADER = 16  # version, versionlz, flags, typesize, nbytes, blocksize, cbytes (little-endian)
_LIB: list = []
_LOCK = threading.Lock()


def _lib():
    """The c-blosc functions of numcodecs' extension, or None."""
    with _LOCK:
        if not _LIB:
            try:
                import numcodecs.blosc as nb

                lib = ctypes.CDLL(nb.__file__)
                lib.blosc_getitem.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int, ctypes.c_void_p]
                lib.blosc_getitem.restype = ctypes.c_int
                lib.blosc_decompress_ctx.argtypes = [ctypes.c_void_p, ctypes.c_void_p, ctypes.c_size_t,
                                                     ctypes.c_int]
                lib.blosc_decompress_ctx.restype = ctypes.c_int
                lib.blosc_set_splitmode.argtypes = [ctypes.c_int]
                lib.blosc_set_splitmode(_NEVER_SPLIT)
                _LIB.append(lib)
            except (ImportError, OSError, AttributeError):
                _LIB.append(None)
        return _LIB[0]


def unsplit_blocks() -> bool:
    """Make the process's Blosc encodes keep the block size asked for; False where it cannot."""
    return _lib() is not None


def _frame(raw) -> tuple[np.ndarray, int] | None:
    """The frame's bytes (no copy; its address is passed to C) and its decoded size, or None
    when ``raw`` is not one whole Blosc frame (a damaged chunk is never handed to C)."""
    src = np.frombuffer(raw, np.uint8)
    if src.size < _HEADER:
        return None
    nbytes, _blocksize, cbytes = src[4:16].view("<u4").tolist()
    return (src, nbytes) if cbytes == src.size else None


def decode(raw, shape, dtype: np.dtype) -> np.ndarray | None:
    """A whole chunk of ``shape``; None when this module cannot (the caller uses numcodecs)."""
    lib = _lib()
    dtype = np.dtype(dtype)
    size = int(np.prod(shape)) * dtype.itemsize
    frame = _frame(raw) if lib is not None else None
    if frame is None or frame[1] != size:
        return None
    out = np.empty(shape, dtype)
    if lib.blosc_decompress_ctx(frame[0].ctypes.data, out.ctypes.data, size, 1) != size:
        return None
    return out


def block_spans(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, row: int,
                rows: int) -> list[tuple[int, int]]:
    """``[(start, end)]`` in ``buf`` of the compressed Blosc blocks holding row ``row`` (of
    ``rows`` equal rows) of each frame, from the frames' headers and block starts (the whole
    frame when it is one block or does not look like a Blosc frame)."""
    offsets, lengths = np.asarray(offsets, np.int64), np.asarray(lengths, np.int64)
    whole = [(int(o), int(o + n)) for o, n in zip(offsets.tolist(), lengths.tolist(), strict=True)]
    if not offsets.size or (lengths < _HEADER).any() or (offsets + lengths > buf.size).any():
        return whole
    head = buf[(offsets[:, None] + np.arange(4, 16)).ravel()].reshape(-1, 12).view("<u4").astype(np.int64)
    nbytes, blocksize = head[:, 0], np.maximum(head[:, 1], 1)
    nblocks = -(-nbytes // blocksize)
    b0 = (row * nbytes // rows) // blocksize
    b1 = ((row + 1) * nbytes // rows - 1) // blocksize + 1  # one past the last block wanted
    fine = (nblocks > 1) & (b0 < nblocks) & (lengths >= _HEADER + 4 * nblocks)
    if not fine.any():
        return whole

    def start_of(k):  # compressed offset of block k (the frame's end for k == nblocks)
        k = np.where(fine, np.minimum(k, nblocks - 1), 0)
        at = buf[(offsets[:, None] + _HEADER + 4 * k[:, None] + np.arange(4)).ravel()].view("<u4")
        return at.astype(np.int64)

    first = start_of(b0)
    last = np.where(b1 < nblocks, start_of(b1), lengths)
    ok = fine & (first >= _HEADER) & (last > first) & (last <= lengths)
    return [(int(o + f), int(o + e)) if good else w
            for o, f, e, good, w in zip(offsets.tolist(), first.tolist(), last.tolist(), ok.tolist(), whole,
                                        strict=True)]


def decode_ranges(buf: np.ndarray, offsets: np.ndarray, lengths: np.ndarray, start: int, count: int,
                  chunk_bytes: int, dest: np.ndarray) -> bool:
    """Items ``[start, start + count)`` of each frame at ``offsets`` (with ``lengths``) in the
    byte array ``buf`` (a shard file's memory map: only the pages of the blocks needed are
    touched), one after another into the contiguous ``dest``; False, with nothing decoded,
    when a frame is not a whole Blosc frame of ``chunk_bytes`` or this module cannot."""
    lib = _lib()
    want = count * dest.dtype.itemsize
    if (lib is None or not dest.flags.c_contiguous or dest.nbytes != want * len(offsets)
            or (start + count) * dest.dtype.itemsize > chunk_bytes):
        return False
    if (offsets < 0).any() or (lengths < _HEADER).any() or (offsets + lengths > buf.size).any():
        return False
    head = buf[(offsets[:, None] + np.arange(4, 16)).ravel()].reshape(-1, 12).view("<u4")
    if (head[:, 0] != chunk_bytes).any() or (head[:, 2] != lengths).any():
        return False
    base, to, getitem = buf.ctypes.data, dest.ctypes.data, lib.blosc_getitem
    return all(getitem(base + off, start, count, to + n * want) == want
               for n, off in enumerate(offsets.tolist()))


def decode_range(raw, start: int, count: int, out: np.ndarray) -> bool:
    """Items ``[start, start + count)`` of a chunk into the contiguous ``out`` (``count`` items
    of its dtype), decoding only the blocks that hold them; False when this module cannot."""
    lib = _lib()
    frame = _frame(raw) if lib is not None else None
    item = out.dtype.itemsize
    if (frame is None or not out.flags.c_contiguous or out.size != count or start < 0
            or (start + count) * item > frame[1]):
        return False
    return lib.blosc_getitem(frame[0].ctypes.data, start, count, out.ctypes.data) == count * item
