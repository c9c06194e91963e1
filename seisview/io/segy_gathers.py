"""Pre-stack files by gather: trace headers indexed once, samples read from a memory map.

A pre-stack file above the RAM budget is not decoded into memory. Its trace
headers (gather key, channel, offset, coordinates, first-break word) are read once
into a small index (about 60 bytes per trace), saved in the cache folder beside
the post-stack caches (``<stem>-<hash>.gathers.npz``, keyed by the file's path,
size, modification time and the header bytes asked for) so that a reopen reads
the index instead of scanning the file again. Samples stay in the file:
:class:`MappedTraces` decodes the rows asked for (one gather at a time) from a
memory map with the scan's decoders and unmaps them again, so the process never
holds more than the gathers in use.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.io.mapped import release
from seisview.io.segy_format import FORMATS, TraceLayout, decode, samples_view

INDEX_VERSION = 1
_BLOCK_ROWS = 4096  # rows decoded at a time when the whole file is asked for


class MappedTraces:
    """``(n_traces, n_samples)`` float32 traces of a SEG-Y file, decoded when indexed.

    ``traces[rows]`` (an index array, a slice or an int) returns a fresh float32
    array; NaN, Inf and the file's null marker read as 0, as in the in-memory
    path. ``np.asarray(traces)`` decodes the whole file (small files only).
    """

    ndim = 2
    dtype = np.dtype(np.float32)

    def __init__(self, path, layout: TraceLayout, null_value: float | None = None):
        self.path = str(path)
        self.layout = layout
        self.null_value = null_value
        self._raw = layout.map_traces(path)
        self.shape: tuple[int, ...] = (layout.n_traces, layout.n_samples)

    def __len__(self) -> int:
        return self.shape[0]

    @property
    def nbytes(self) -> int:
        return 4 * self.shape[0] * self.shape[1]

    def _rows(self, rows: np.ndarray) -> np.ndarray:
        n = self.shape[0]
        if rows.size == 0:
            return np.empty((0, self.shape[1]), np.float32)
        r0, r1 = int(rows.min()), int(rows.max()) + 1
        if r0 < 0 or r1 > n:
            raise IndexError(f"trace index out of range 0-{n - 1}")
        if r1 - r0 == rows.size and np.all(np.diff(rows) == 1):  # a run of the file: a view
            block = self._raw[r0:r1]
        else:
            block = self._raw[rows]  # copies just these rows
        out = decode(samples_view(block, self.layout), self.layout.format_code)
        release(self._raw, r0, r1)
        if out.dtype != np.float32:
            out = out.astype(np.float32)
        bad = ~np.isfinite(out)
        if self.null_value is not None:
            bad |= out == np.float32(self.null_value)
        if bad.any():
            out[bad] = 0.0
        return out

    def __getitem__(self, idx):
        cols = None
        if isinstance(idx, tuple):
            idx, cols = idx[0], idx[1:]
        if isinstance(idx, slice):
            rows = np.arange(*idx.indices(self.shape[0]))
        else:
            rows = np.asarray(idx)
            if rows.dtype == bool:
                rows = np.flatnonzero(rows)
        out = self._rows(np.atleast_1d(rows).astype(np.int64).ravel())
        out = out.reshape(*np.shape(rows), self.shape[1])
        return out[(slice(None),) * np.ndim(rows) + cols] if cols else out

    def __array__(self, dtype=None, copy=None):
        out = np.empty(self.shape, np.float32)
        for r0 in range(0, self.shape[0], _BLOCK_ROWS):
            out[r0:r0 + _BLOCK_ROWS] = self[r0:r0 + _BLOCK_ROWS]
        return out if dtype is None else out.astype(dtype)


def is_mapped(gatherset: GatherSet) -> bool:
    """Whether the gather set reads its samples from the file (not held in memory)."""
    return isinstance(gatherset.data, MappedTraces)


def in_memory(gatherset: GatherSet) -> GatherSet:
    """The same gathers with every sample decoded into memory."""
    if not is_mapped(gatherset):
        return gatherset
    g = gatherset
    return GatherSet(np.asarray(g.data), g.keys, g.channels, g.offsets, g.dt_ms, g.t0_ms, g.key_name,
                     dict(g.headers))


# -- the index ------------------------------------------------------------------------------------
def index_path(path, options: dict) -> Path:
    """Where the gather index of ``path`` opened with ``options`` (header bytes) is kept."""
    from seisview.config import cache_dir

    p = Path(path)
    st = os.stat(p)
    key = json.dumps([str(p.resolve()), st.st_size, st.st_mtime_ns, INDEX_VERSION,
                      sorted((k, v) for k, v in options.items() if v is not None)])
    return cache_dir() / f"{p.stem}-{hashlib.sha1(key.encode()).hexdigest()[:12]}.gathers.npz"


def save_index(out: Path, path, gatherset: GatherSet, layout: TraceLayout,
               null_value: float | None, report=None) -> Path:
    """Write the index of a mapped gather set (atomic; an unwritable cache folder is no error);
    ``report``: the scan's report, kept so that a reopen can show it without scanning."""
    from seisview.io.atomic import atomic_write_bytes

    st = os.stat(path)
    meta = {"version": INDEX_VERSION, "scan": report.to_json_dict() if report is not None else None,
            "text_header": getattr(report, "text_header", ""), "path": str(Path(path).resolve()), "size": st.st_size,
            "mtime_ns": st.st_mtime_ns, "layout": [layout.data_offset, layout.header_bytes,
                                                   layout.n_traces, layout.n_samples,
                                                   layout.format_code, layout.endian],
            "null_value": null_value, "dt_ms": gatherset.dt_ms, "t0_ms": gatherset.t0_ms,
            "key_name": gatherset.key_name, "headers": sorted(gatherset.headers)}
    arrays = {"meta": np.array(json.dumps(meta)), "keys": gatherset.keys, "channels": gatherset.channels, "offsets": gatherset.offsets,
              **{f"h_{k}": v for k, v in gatherset.headers.items()}}
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        return atomic_write_bytes(out, buf.getvalue())
    except OSError:  # a read-only cache only costs a rescan next time
        return out


def _index_meta(path, options: dict) -> dict | None:
    try:
        ip = index_path(path, options)
        if not ip.is_file():
            return None
        with np.load(ip, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
        st = os.stat(path)
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None
    if meta.get("version") != INDEX_VERSION or meta.get("size") != st.st_size \
            or meta.get("mtime_ns") != st.st_mtime_ns:
        return None
    return meta


def index_report(path, options: dict):
    """The scan report saved with the index of ``path`` (a ``ScanReport`` without trace tables:
    ``load(path, report=...)`` then reads the index), or None when there is no current index."""
    from seisview.io.segy_scan import ScanReport

    meta = _index_meta(path, options)
    d = meta.get("scan") if meta else None
    if not meta or not d:
        return None
    try:
        return ScanReport(d["path"], d["kind"], d["n_traces"], d["n_samples"], d["dt_us"], d["t0_ms"],
                          d["domain"], d["sample_format"], d["format_code"], d["byte_order"],
                          d["text_encoding"], d["revision"], d["sorting"], None, d["iline_byte"],
                          d["xline_byte"], d.get("gathers"), d["missing_traces"], d["duplicate_traces"],
                          tuple(d["warnings"]), str(meta.get("text_header") or ""),
                          null_value=d.get("null_value"))
    except (KeyError, TypeError):
        return None


def open_index(path, options: dict) -> GatherSet | None:
    """The mapped gather set of ``path`` from its saved index; None when there is none or the
    file changed since (a damaged index is ignored: the caller scans again)."""
    try:
        ip = index_path(path, options)
    except OSError:
        return None
    if not ip.is_file():
        return None
    try:
        with np.load(ip, allow_pickle=False) as z:
            meta = json.loads(str(z["meta"]))
            st = os.stat(path)
            if (meta.get("version") != INDEX_VERSION or meta["size"] != st.st_size
                    or meta["mtime_ns"] != st.st_mtime_ns):
                return None
            off, hb, n, ns, code, endian = meta["layout"]
            layout = TraceLayout(int(off), int(hb), int(n), int(ns), int(code), str(endian))
            if code not in FORMATS or layout.data_offset + n * layout.trace_bytes > st.st_size:
                return None
            headers = {k: z[f"h_{k}"] for k in meta["headers"]}
            keys, chans, offs = z["keys"], z["channels"], z["offsets"]
    except (OSError, ValueError, KeyError, TypeError, json.JSONDecodeError):
        return None
    if not len(keys) == len(chans) == len(offs) == layout.n_traces:
        return None
    return GatherSet(MappedTraces(path, layout, meta["null_value"]), keys, chans, offs,
                     float(meta["dt_ms"]), float(meta["t0_ms"]), str(meta["key_name"]), headers)


def mapped_gathers(path, layout: TraceLayout, null_value: float | None, keys, channels, offsets,
                   dt_ms: float, t0_ms: float, key_name: str, headers: dict,
                   options: dict, report=None) -> GatherSet:
    """A gather set reading from ``path``, its index saved for the next open."""
    if layout.format_code not in FORMATS:
        raise SeisviewError(f"{Path(path).name}: sample format {layout.format_code} cannot be read",
                            hint="give the sample format (--format 1 for IBM, 5 for IEEE)")
    gs = GatherSet(MappedTraces(path, layout, null_value), keys, channels, offsets, dt_ms, t0_ms,
                   key_name, headers)
    save_index(index_path(path, options), path, gs, layout, null_value, report)
    return gs
