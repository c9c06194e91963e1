"""``load()``: samples of a scanned SEG-Y file into a ``Volume`` or a ``GatherSet``.

Post-stack traces are decoded a block of inlines at a time straight from a
memory map into the ``(il, xl, sample)`` array. The time-major copy is left to
the volume to build on first use (the GUI builds it in a worker): opening a
file fills one cube of fresh memory, not two. Surveys above the RAM budget go through
the same blocks into the zarr cache instead (``seisview.io.cache``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seisview.core.gathers import GatherSet
from seisview.core.tasks import TaskState
from seisview.core.volume import Volume
from seisview.io.segy_blocks import for_each_block, post_stack_index
from seisview.io.segy_format import decode, samples_view
from seisview.io.segy_scan import ScanReport, scan


def load(path, iline: int | None = None, xline: int | None = None, gather_key: int | None = None,
         state: TaskState | None = None, *, sample_format: int | None = None,
         domain: str | None = None, report: ScanReport | None = None, use_cache: bool | None = None):
    """Read a SEG-Y file (or a ``.zarr`` cache made by ``seisview convert``).

    Post-stack and unstructured files give a :class:`Volume` ``(il, xl, sample)``
    with its dead-trace mask (its time-major copy is built on first use); pre-stack files give a
    :class:`GatherSet` (offsets in metres, first-break times of bytes 233-236
    as ``headers["fb_us"]`` when present). ``use_cache`` forces (True) or
    forbids (False) the on-disk cache; by default it is used above
    ``seisview.config.ram_budget_bytes()``. For a pre-stack file that cache is a gather index
    (``seisview.io.segy_gathers``): samples are read from the file by gather, and a reopen
    without a ``report`` (or with the tableless one of ``segy_gathers.index_report``) reads the
    index instead of scanning the file.
    """
    p = Path(path)
    if p.is_dir():
        from seisview.io.cache import is_cache, open_cache

        if is_cache(p):
            return open_cache(p)
    options = {"iline": iline, "xline": xline, "gather_key": gather_key,
               "sample_format": sample_format, "domain": domain}
    if (report is None or report.layout is None) and use_cache is not False:
        from seisview.io.segy_gathers import in_memory, open_index

        indexed = open_index(p, options)  # a pre-stack file opened before: no scan
        if indexed is not None:
            big = _above_budget(4 * indexed.data.shape[0] * indexed.n_samples)
            return indexed if use_cache or big else in_memory(indexed)
    rep = report or scan(p, iline, xline, gather_key, sample_format=sample_format, domain=domain)
    state = state or TaskState()
    raw = rep.tables()[2].raw  # the scan's memory map: its pages are already mapped
    if rep.kind == "prestack":
        # above the RAM budget the samples stay in the file, read gather by gather
        mapped = use_cache if use_cache is not None else _above_budget(4 * rep.n_traces * rep.n_samples)
        return _gathers(rep, raw, options if mapped else None)
    geometry, il_idx, xl_idx = post_stack_index(rep)
    if use_cache is None:
        from seisview.config import ram_budget_bytes

        use_cache = 2 * 4 * int(np.prod(geometry.shape)) > ram_budget_bytes()
    if use_cache:
        from seisview.io.cache import cached_volume

        return cached_volume(rep, state)
    data = np.empty(geometry.shape, np.float32)
    live = np.zeros(geometry.shape[:2], bool)

    def sink(i0, i1, block, block_live):  # block is data[i0:i1], decoded in place
        live[i0:i1] = block_live

    bad = for_each_block(rep, raw, geometry, il_idx, xl_idx, sink, state, out=data)
    vol = Volume(data, geometry, live=live)
    vol.load_warnings = [*rep.warnings, *_bad_warning(bad)]
    return vol


def _bad_warning(n_bad: int) -> list[str]:
    if not n_bad:
        return []
    return [f"{n_bad} NaN/Inf or null samples replaced by 0 (display levels use the others)"]


def _above_budget(nbytes: int) -> bool:
    from seisview.config import ram_budget_bytes

    return nbytes > ram_budget_bytes()


def _gathers(rep: ScanReport, raw: np.ndarray, mapped_options: dict | None = None) -> GatherSet:
    """The file's gathers: decoded into memory, or (with ``mapped_options``, the header bytes
    asked for) read from the file by gather, their index saved for the next open."""
    layout, b, h = rep.tables()
    assert b.gather_keys is not None and b.channels is not None  # a pre-stack binning has both
    if mapped_options is None:
        data = decode(samples_view(raw, layout), layout.format_code)
        bad = ~np.isfinite(data)
        if rep.null_value is not None:
            bad |= data == np.float32(rep.null_value)
        if bad.any():
            data[bad] = 0.0
    sc = h["scalco"].astype(float)
    scale = np.where(sc < 0, 1.0 / np.abs(np.where(sc == 0, 1, sc)), np.where(sc == 0, 1.0, sc))
    offsets = h["offset"] * scale
    headers: dict[str, np.ndarray] = {}
    for name, byte in (("sx_m", 73), ("sy_m", 77), ("gx_m", 81), ("gy_m", 85)):
        v = h.field(byte)
        if v.any():
            headers[name] = v * scale
    if not offsets.any() and "sx_m" in headers and "gx_m" in headers:
        offsets = np.hypot(headers["gx_m"] - headers["sx_m"],
                           headers.get("gy_m", 0) - headers.get("sy_m", 0))
    fb = h.field(233)
    if fb.any():
        headers["fb_us"] = fb
    if b.iline_byte is not None and b.xline_byte is not None:
        headers["iline"] = h.field(b.iline_byte)
        headers["xline"] = h.field(b.xline_byte)
    keys, chans = b.gather_keys.astype(np.int64), b.channels.astype(np.int64)
    if mapped_options is not None:
        from seisview.io.segy_gathers import mapped_gathers

        return mapped_gathers(rep.path, layout, rep.null_value, keys, chans, offsets.astype(np.float64),
                              rep.dt, rep.t0_ms, b.gather_name or "ffid", headers, mapped_options, rep)
    return GatherSet(data, keys, chans, offsets.astype(np.float64), rep.dt, rep.t0_ms,
                     b.gather_name or "ffid", headers)
