"""Whole chunks of a store array read and written without zarr-python's per-chunk work.

zarr-python spends 0.15-1 ms of CPU on every chunk it reads or writes (its asyncio codec
pipeline, per-chunk selection arithmetic) on top of the codec itself: as much as decoding or
encoding a 0.5 MB chunk with Blosc LZ4. The conversion writes thousands of chunks and every
section read decodes a row of them, so both go through the classes here, which write and
read exactly the files and bytes zarr does (the zarr v3 format: each chunk a Blosc frame of
the little-endian samples, edge chunks stored whole), with numcodecs' Blosc as zarr itself:

- :class:`ChunkFiles`: one file per chunk (``c/i/j/k`` under the array's folder);
- :class:`ShardFiles`: the ``sharding_indexed`` codec: many inner chunks in one file per shard,
  followed by their index (offset and length of each, little-endian uint64, 2^64-1 for a chunk
  never written) and its CRC-32C.

Any other array (other codecs, not on a local disk) gets ``None`` from :func:`chunk_files`
and goes through zarr, so stores from elsewhere are read all the same.

Blosc is called through the C library numcodecs carries (``io.blosc_calls``) where it can be:
decoding straight into a reused buffer, and decoding only the Blosc blocks of one inline
(:meth:`ShardFiles.read_inline`: the survey's chunks are written with one block per inline).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from pathlib import Path

import numpy as np

from seisview.io import blosc_calls

_EMPTY = np.uint64(2**64 - 1)
_POOL: list = []
_POOL_LOCK = threading.Lock()


def _pool():
    """Threads decoding the shards of one section at once (reads and Blosc release the GIL)."""
    with _POOL_LOCK:
        if not _POOL:
            from concurrent.futures import ThreadPoolExecutor

            _POOL.append(ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1),
                                            thread_name_prefix="seisview-shards"))
        return _POOL[0]


def _blosc_of(codec, itemsize: int):
    from numcodecs import Blosc

    blosc_calls.unsplit_blocks()  # block sizes as the array's metadata asks (see blosc_calls)
    shuffle = {"noshuffle": Blosc.NOSHUFFLE, "shuffle": Blosc.SHUFFLE,
               "bitshuffle": Blosc.BITSHUFFLE}[codec.shuffle.value]
    return Blosc(cname=codec.cname.value, clevel=codec.clevel, shuffle=shuffle, blocksize=codec.blocksize,
                 typesize=codec.typesize or itemsize)


def _plain_blosc(codecs, dtype: np.dtype):
    """numcodecs' Blosc for ``(bytes little-endian, blosc)`` codecs, else None."""
    from zarr.codecs import BloscCodec, BytesCodec

    codecs = tuple(codecs)
    if len(codecs) != 2 or not isinstance(codecs[0], BytesCodec) or not isinstance(codecs[1], BloscCodec):
        return None
    if dtype.itemsize > 1 and (codecs[0].endian is None or codecs[0].endian.value != "little"):
        return None
    return _blosc_of(codecs[1], dtype.itemsize)


def _write_file(path: Path, parts, atomic: bool = False) -> None:
    """Write ``parts`` to ``path``; ``atomic``: under a temporary name first, then renamed (a
    file that exists is whole, for builds that are resumed)."""
    target = path.with_name(f".{path.name}.{os.getpid()}-{threading.get_ident()}") if atomic else path
    try:
        f = open(target, "wb")  # noqa: SIM115 (closed below)
    except FileNotFoundError:  # the first chunk of its folder: one mkdir per folder, not per chunk
        path.parent.mkdir(parents=True, exist_ok=True)
        f = open(target, "wb")  # noqa: SIM115
    with f:
        f.writelines(parts)
    if atomic:
        os.replace(target, path)


def _will_need(mm, spans) -> None:
    """Ask the kernel to read the ``(start, end)`` byte spans of the map (asynchronously; the
    block layer merges neighbours), spans that share a page asked once."""
    import mmap

    page, size, last = mmap.PAGESIZE, len(mm), -1
    for start, end in spans:
        a = max(start // page * page, last)
        if a < min(end, size):
            mm.madvise(mmap.MADV_WILLNEED, a, min(end, size) - a)
            last = -(-min(end, size) // page) * page


def _whole_ranges(start, shape, step, size):
    """Chunk index ranges covered by a region that must be whole chunks (or end at the edge)."""
    out = []
    for a, (s, n, c, m) in enumerate(zip(start, shape, step, size, strict=True)):
        if s % c or (n % c and s + n != m):
            raise ValueError(f"axis {a}: [{s}, {s + n}) is not whole chunks of {c}")
        out.append(range(s // c, -(-(s + n) // c)))
    return out


class _Chunked:
    """What both layouts share: shape, inner chunk shape, dtype, fill value, codec."""

    def __init__(self, folder: Path, meta, inner, blosc):
        self.folder = folder
        self.meta = meta
        self.shape = tuple(int(n) for n in meta.shape)
        self.inner = tuple(int(n) for n in inner)
        self.dtype = np.dtype(meta.data_type.to_native_dtype())
        self.fill = meta.fill_value
        self._blosc = blosc

    def encode(self, block: np.ndarray) -> bytes:
        """The stored bytes of one inner chunk: ``block`` padded to the whole chunk shape."""
        block = np.asarray(block, self.dtype)
        if block.shape != self.inner:
            whole = np.full(self.inner, self.fill, self.dtype)
            whole[tuple(slice(0, n) for n in block.shape)] = block
            block = whole
        return self._blosc.encode(np.ascontiguousarray(block))

    def decode(self, raw) -> np.ndarray:
        got = blosc_calls.decode(raw, self.inner, self.dtype)
        if got is None:
            got = np.frombuffer(self._blosc.decode(raw), self.dtype).reshape(self.inner)
        return got

    def decode_part(self, raw, src: tuple[slice, ...]) -> np.ndarray:
        """``chunk[src]``: when ``src`` takes fewer than all of the first axis, only the Blosc
        blocks holding those rows are decoded (the rest of the chunk is never touched)."""
        a, b, _ = src[0].indices(self.inner[0])
        if len(self.inner) > 1 and b - a < self.inner[0]:
            row = int(np.prod(self.inner[1:]))
            part = np.empty((b - a, *self.inner[1:]), self.dtype)
            if blosc_calls.decode_range(raw, a * row, (b - a) * row, part):
                return part[(slice(None), *src[1:])]
        return self.decode(raw)[src]

    def _inner_in(self, key: tuple[slice, ...]):
        """``(out, [(chunk index, out slice, chunk slice)])`` for ``array[key]`` (step-1 slices)."""
        bounds = [s.indices(n)[:2] for s, n in zip(key, self.shape, strict=True)]
        out = np.empty(tuple(max(0, b - a) for a, b in bounds), self.dtype)
        parts = []
        if out.size:
            ranges = [range(a // c, -(-b // c)) for (a, b), c in zip(bounds, self.inner, strict=True)]
            for idx in np.ndindex(*(len(r) for r in ranges)):
                k = tuple(r[i] for r, i in zip(ranges, idx, strict=True))
                lo = [max(a, i * c) for (a, _), i, c in zip(bounds, k, self.inner, strict=True)]
                hi = [min(b, (i + 1) * c) for (_, b), i, c in zip(bounds, k, self.inner, strict=True)]
                dst = tuple(slice(x - a, y - a) for x, y, (a, _) in zip(lo, hi, bounds, strict=True))
                src = tuple(slice(x - i * c, y - i * c) for x, y, i, c in zip(lo, hi, k, self.inner, strict=True))
                parts.append((k, dst, src))
        return out, parts


class ChunkFiles(_Chunked):
    """One file per chunk (zarr's default layout)."""

    def path(self, coords) -> Path:
        return self.folder / self.meta.encode_chunk_key(tuple(int(c) for c in coords))

    def write_region(self, start, block: np.ndarray) -> None:
        """Write ``block`` at ``start``; it must cover whole chunks (or end at the array's edge)."""
        ranges = _whole_ranges(start, block.shape, self.inner, self.shape)
        for idx in np.ndindex(*(len(r) for r in ranges)):
            key = tuple(r[k] for r, k in zip(ranges, idx, strict=True))
            sl = tuple(slice(k * c - s, min((k + 1) * c - s, n))
                       for k, c, s, n in zip(key, self.inner, start, block.shape, strict=True))
            _write_file(self.path(key), [self.encode(block[sl])])

    def read_region(self, key: tuple[slice, ...]) -> np.ndarray:
        """``array[key]`` for a tuple of step-1 slices, assembled from whole chunks."""
        out, parts = self._inner_in(key)
        for k, dst, src in parts:
            try:
                with open(self.path(k), "rb") as f:
                    raw = f.read()
            except FileNotFoundError:
                out[dst] = self.fill
                continue
            out[dst] = self.decode_part(raw, src)
        return out


class ShardFiles(_Chunked):
    """Inner chunks in one file per shard, the index at its end (zarr's ``sharding_indexed``)."""

    def __init__(self, folder: Path, meta, shard, inner, blosc):
        super().__init__(folder, meta, inner, blosc)
        self.shard = tuple(int(n) for n in shard)
        self.per_shard = tuple(s // c for s, c in zip(self.shard, self.inner, strict=True))
        self.n_inner = int(np.prod(self.per_shard))

    def path(self, coords) -> Path:
        return self.folder / self.meta.encode_chunk_key(tuple(int(c) for c in coords))

    def write_region(self, start, block: np.ndarray) -> None:
        """Write ``block`` at ``start``: whole shards (or ending at the array's edge)."""
        ranges = _whole_ranges(start, block.shape, self.shard, self.shape)
        for idx in np.ndindex(*(len(r) for r in ranges)):
            key = tuple(r[k] for r, k in zip(ranges, idx, strict=True))
            sl = tuple(slice(k * c - s, min((k + 1) * c - s, n))
                       for k, c, s, n in zip(key, self.shard, start, block.shape, strict=True))
            self.write_shard(key, block[sl])

    def write_shard(self, key, block: np.ndarray, atomic: bool = False) -> None:
        """One shard file from ``block`` (the shard's part inside the array); ``atomic``: written
        under a temporary name and renamed."""
        import google_crc32c

        index = np.full((self.n_inner, 2), _EMPTY, "<u8")
        parts, offset = [], 0
        for n, idx in enumerate(np.ndindex(*self.per_shard)):
            lo = [i * c for i, c in zip(idx, self.inner, strict=True)]
            if any(x >= m for x, m in zip(lo, block.shape, strict=True)):
                continue  # wholly outside the array (an edge shard): left out, as zarr does
            raw = self.encode(block[tuple(slice(x, x + c) for x, c in zip(lo, self.inner, strict=True))])
            index[n] = (offset, len(raw))
            parts.append(raw)
            offset += len(raw)
        tail = index.tobytes()
        parts += [tail, np.uint32(google_crc32c.value(tail)).astype("<u4").tobytes()]
        _write_file(self.path(key), parts, atomic)

    def read_region(self, key: tuple[slice, ...]) -> np.ndarray:
        """``array[key]`` for a tuple of step-1 slices: each shard's index once, then the byte
        ranges of the inner chunks needed (consecutive ones in one read)."""
        out, parts = self._inner_in(key)
        by_shard: dict[tuple, list] = {}
        for k, dst, src in parts:
            by_shard.setdefault(tuple(i // p for i, p in zip(k, self.per_shard, strict=True)), []).append(
                (k, dst, src))
        jobs = list(by_shard.items())
        if len(jobs) > 1 and len(parts) >= 8:  # a section: its shards decoded on every core
            list(_pool().map(lambda job: self._one_shard(job[0], job[1], out), jobs))
        else:
            for skey, wanted in jobs:
                self._one_shard(skey, wanted, out)
        return out

    def read_shard(self, skey) -> np.ndarray:
        """The whole region of shard ``skey`` (cut at the array's edge): the file memory-mapped
        and read ahead at once, each chunk decoded by Blosc into a buffer and copied in place
        (what the time-major copy's build reads, 200 chunks a shard)."""
        import mmap

        lo = [k * s for k, s in zip(skey, self.shard, strict=True)]
        hi = [min(a + s, n) for a, s, n in zip(lo, self.shard, self.shape, strict=True)]
        out = np.empty([b - a for a, b in zip(lo, hi, strict=True)], self.dtype)
        key = tuple(slice(a, b) for a, b in zip(lo, hi, strict=True))
        try:
            with open(self.path(skey), "rb") as f:
                mm = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        except (OSError, ValueError):  # no shard (never written) or an empty file
            return self.read_region(key)
        with contextlib.suppress(AttributeError, OSError):
            mm.madvise(mmap.MADV_WILLNEED)
        buf = np.frombuffer(mm, np.uint8)
        n_tail = 16 * self.n_inner + 4
        if buf.size < n_tail:
            return self.read_region(key)
        index = buf[buf.size - n_tail:buf.size - 4].view("<u8").reshape(-1, 2).astype(np.int64)
        for n, idx in enumerate(np.ndindex(*self.per_shard)):
            c0 = [i * c for i, c in zip(idx, self.inner, strict=True)]
            if any(a >= m for a, m in zip(c0, out.shape, strict=True)):
                continue  # wholly outside the array (an edge shard)
            dst = tuple(slice(a, min(a + c, m)) for a, c, m in zip(c0, self.inner, out.shape, strict=True))
            off, nb = index[n]
            if off < 0:
                out[dst] = self.fill
                continue
            if off + nb > buf.size - n_tail:
                raise ValueError(f"{self.path(skey)}: a chunk beyond the shard's data")
            chunk = self.decode(buf[off:off + nb])
            out[dst] = chunk[tuple(slice(0, d.stop - d.start) for d in dst)]
        del buf
        return out

    def read_inline(self, i: int) -> np.ndarray:
        """``array[i]`` of a 3-D array chunked in whole traces: the chunk row's bytes of each
        shard are memory-mapped (one read-ahead request) and only the Blosc blocks of the line
        are decoded, straight into the result (``io.blosc_calls``)."""
        ci, cx, cz = self.inner
        if len(self.shape) != 3 or cz != self.shape[2] or self.per_shard[2] != 1:
            return self.read_region((slice(i, i + 1), slice(None), slice(None)))[0]
        n_xl, ns = self.shape[1], self.shape[2]
        out = np.empty((n_xl, ns), self.dtype)
        a, k0, size = i % ci, i // ci, cx * ns
        per_i, per_x = self.per_shard[0], self.per_shard[1]
        n_chunks = -(-n_xl // cx)
        maps = []
        for sx in range(-(-n_xl // self.shard[1])):  # every shard's read requested before decoding
            skey = (k0 // per_i, sx, 0)
            j0, j1 = sx * per_x, min((sx + 1) * per_x, n_chunks)
            try:
                got = self._row_map(skey, (k0 % per_i) * per_x, j1 - j0, a)
            except (OSError, ValueError, OverflowError):  # no shard file, or a damaged one
                got = None
            maps.append((skey, j0, j1, got))
        for skey, j0, j1, got in maps:
            width = slice(j0 * cx, min(n_xl, j1 * cx))
            done = False
            if got is not None:
                buf, offs, lens = got
                n_full = len(offs) if j1 * cx <= n_xl else len(offs) - 1  # an edge chunk apart
                done = blosc_calls.decode_ranges(buf, offs[:n_full], lens[:n_full], a * size, size,
                                                 ci * size * self.dtype.itemsize,
                                                 out[j0 * cx:(j0 + n_full) * cx])
                if done and n_full < len(offs):
                    lo, off = (j1 - 1) * cx, int(offs[-1])
                    out[lo:] = self.decode_part(buf[off:off + int(lens[-1])],
                                                (slice(a, a + 1), slice(0, n_xl - lo), slice(None)))[0]
                del buf, got
            if not done:  # missing chunks, another codec: the general path
                key = (slice(i, i + 1), width, slice(None))
                self._one_shard(skey, self._inner_in(key)[1], out[None, width])
        return out

    def _row_map(self, skey, first: int, count: int, row: int | None = None):
        """``(bytes, offsets, lengths)`` of ``count`` consecutive chunks of a shard from index
        entry ``first``, memory-mapped, offsets relative to the map; None when a chunk is
        missing. The pages wanted are read ahead (``MADV_WILLNEED``): with ``row`` (the chunk's
        first-axis index to be decoded), only each frame's header and the Blosc blocks holding
        that row, else the whole range; a warm read copies nothing."""
        import mmap

        with open(self.path(skey), "rb") as f:
            size = os.fstat(f.fileno()).st_size
            n_tail = 16 * self.n_inner + 4
            tail = os.pread(f.fileno(), n_tail, size - n_tail)
            index = np.frombuffer(tail, "<u8", 2 * count, 16 * first).reshape(count, 2).astype(np.int64)
            offs, lens = index[:, 0], index[:, 1]
            if (offs < 0).any():  # never written (2^64-1)
                return None
            lo = int(offs.min()) // mmap.ALLOCATIONGRANULARITY * mmap.ALLOCATIONGRANULARITY
            hi = int((offs + lens).max())
            if hi > size - n_tail:
                raise ValueError("chunk beyond the shard's data")
            mm = mmap.mmap(f.fileno(), hi - lo, offset=lo, access=mmap.ACCESS_READ)
        buf, offs = np.frombuffer(mm, np.uint8), offs - lo
        with contextlib.suppress(AttributeError, OSError, ValueError):  # madvise: Linux, Python 3.8+
            if row is None:
                mm.madvise(mmap.MADV_WILLNEED)
            else:
                mm.madvise(mmap.MADV_RANDOM)  # no read-around: the other rows' blocks stay on disk
                _will_need(mm, [(o, o + 16 + 4 * (row + 2)) for o in offs.tolist()])  # headers, block starts
                _will_need(mm, blosc_calls.block_spans(buf, offs, lens, row, self.inner[0]))
        return buf, offs, lens

    def _one_shard(self, skey, wanted, out: np.ndarray) -> None:
        try:
            fd = os.open(self.path(skey), os.O_RDONLY)
        except FileNotFoundError:
            for _, dst, _ in wanted:
                out[dst] = self.fill
            return
        try:
            self._read_shard(fd, skey, wanted, out)
        finally:
            os.close(fd)

    def _read_shard(self, fd: int, skey, wanted, out: np.ndarray) -> None:
        size = os.fstat(fd).st_size
        n_tail = 16 * self.n_inner + 4
        tail = os.pread(fd, n_tail, size - n_tail)
        index = np.frombuffer(tail[:-4], "<u8").reshape(self.n_inner, 2)
        base = [s * p for s, p in zip(skey, self.per_shard, strict=True)]
        entries = []
        for k, dst, src in wanted:
            n = int(np.ravel_multi_index(tuple(i - b for i, b in zip(k, base, strict=True)), self.per_shard))
            entries.append((int(index[n, 0]), int(index[n, 1]), dst, src))
        empty = int(_EMPTY)
        for off, _, dst, _ in entries:
            if off == empty:  # never written: the fill value
                out[dst] = self.fill
        present = sorted((e for e in entries if e[0] != empty), key=lambda e: e[0])
        i = 0
        while i < len(present):  # consecutive byte ranges are read at once
            j = i + 1
            while j < len(present) and present[j][0] == present[j - 1][0] + present[j - 1][1]:
                j += 1
            first, last = present[i], present[j - 1]
            view = memoryview(os.pread(fd, last[0] + last[1] - first[0], first[0]))
            for off, nb, dst, src in present[i:j]:
                out[dst] = self.decode_part(view[off - first[0]:off - first[0] + nb], src)
            i = j


def chunk_files(array) -> ChunkFiles | ShardFiles | None:
    """The direct reader/writer of a zarr array stored as plain or sharded Blosc chunks in a
    local folder, else None (the caller reads and writes through zarr)."""
    try:
        from zarr.codecs import BytesCodec, Crc32cCodec, ShardingCodec
        from zarr.storage import LocalStore

        meta = array.metadata
        if (getattr(meta, "zarr_format", None) != 3 or not isinstance(array.store, LocalStore)
                or sys.byteorder != "little" or not hasattr(meta.chunk_grid, "chunk_shape")):
            return None
        dtype = np.dtype(meta.data_type.to_native_dtype())
        folder = Path(array.store.root) / array.path
        codecs = tuple(meta.codecs)
        if len(codecs) == 1 and isinstance(codecs[0], ShardingCodec):
            sharding = codecs[0]
            index = tuple(sharding.index_codecs)
            blosc = _plain_blosc(sharding.codecs, dtype)
            if (blosc is None or sharding.index_location.value != "end" or len(index) != 2
                    or not isinstance(index[0], BytesCodec) or not isinstance(index[1], Crc32cCodec)
                    or (index[0].endian is not None and index[0].endian.value != "little")):
                return None
            return ShardFiles(folder, meta, meta.chunk_grid.chunk_shape, sharding.chunk_shape, blosc)
        blosc = _plain_blosc(codecs, dtype)
        return None if blosc is None else ChunkFiles(folder, meta, meta.chunk_grid.chunk_shape, blosc)
    except (AttributeError, KeyError, TypeError, ImportError, ValueError):
        return None
