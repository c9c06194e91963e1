"""``load()``: samples of a scanned SEG-Y file into a ``Volume`` or a ``GatherSet``.

Post-stack traces are decoded a block of inlines at a time straight from a
memory map into the ``(il, xl, sample)`` array, in slices of traces small
enough that the decode's temporaries and the non-finite check stay in cache.
The time-major copy is left to the volume to build on first use: opening a
file then fills one cube of fresh memory, not two. Surveys above the RAM budget go through
the same blocks into the zarr cache instead (``seisview.io.cache``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.tasks import TaskState
from seisview.core.volume import Volume
from seisview.io.segy_format import decode, samples_view
from seisview.io.segy_scan import ScanReport, scan

_BLOCK_BYTES = 16 * 1024**2
_FLOAT_FORMATS = (1, 5, 6)


def load(path, iline: int | None = None, xline: int | None = None, gather_key: int | None = None,
         state: TaskState | None = None, *, sample_format: int | None = None,
         domain: str | None = None, report: ScanReport | None = None, use_cache: bool | None = None):
    """Read a SEG-Y file (or a ``.zarr`` cache made by ``seisview convert``).

    Post-stack and unstructured files give a :class:`Volume` ``(il, xl, sample)``
    with its dead-trace mask and time-major copy; pre-stack files give a
    :class:`GatherSet` (offsets in metres, first-break times of bytes 233-236
    as ``headers["fb_us"]`` when present). ``use_cache`` forces (True) or
    forbids (False) the on-disk cache; by default it is used above
    ``seisview.config.ram_budget_bytes()``.
    """
    p = Path(path)
    if p.is_dir():
        from seisview.io.cache import is_cache, open_cache

        if is_cache(p):
            return open_cache(p)
    rep = report or scan(p, iline, xline, gather_key, sample_format=sample_format, domain=domain)
    state = state or TaskState()
    raw = rep.headers.raw  # the scan's memory map: its pages are already mapped
    if rep.kind == "prestack":
        from seisview.config import ram_budget_bytes

        need = 4 * rep.n_traces * rep.n_samples
        if need > ram_budget_bytes():
            raise SeisviewError(f"pre-stack file of {need / 1024**3:.1f} GB (as float32) exceeds the RAM budget "
                                f"of {ram_budget_bytes() / 1024**3:.1f} GB",
                                hint="raise SEISVIEW_RAM_BUDGET_GB or cut the file into fewer gathers")
        return _gathers(rep, raw)
    geometry, il_idx, xl_idx = post_stack_index(rep)
    if use_cache is None:
        from seisview.config import ram_budget_bytes

        use_cache = 2 * 4 * int(np.prod(geometry.shape)) > ram_budget_bytes()
    if use_cache:
        from seisview.io.cache import cached_volume

        return cached_volume(rep, state)
    data = np.empty(geometry.shape, np.float32)
    live = np.zeros(geometry.shape[:2], bool)

    def sink(i0, i1, block, block_live):
        live[i0:i1] = block_live

    bad = for_each_block(rep, raw, geometry, il_idx, xl_idx, sink, state, out=data)
    vol = Volume(data, geometry, live=live)
    vol.load_warnings = [*rep.warnings, *_bad_warning(bad)]
    return vol


def _bad_warning(n_bad: int) -> list[str]:
    if not n_bad:
        return []
    return [f"{n_bad} NaN/Inf or null samples replaced by 0 (display levels use the others)"]


def post_stack_index(rep: ScanReport) -> tuple[SurveyGeometry, np.ndarray, np.ndarray]:
    """Geometry and per-trace (il_idx, xl_idx); unstructured files become one line in file order."""
    b = rep.binning
    if rep.geometry is not None:
        return rep.geometry, b.il_idx, b.xl_idx
    n = rep.n_traces
    g = SurveyGeometry(LineAxis(1, 1, 1), LineAxis(1, 1, n), rep.n_samples, rep.dt, rep.t0_ms,
                       rep.domain, "unstructured", None, Path(rep.path).stem)
    return g, np.zeros(n, np.int64), np.arange(n, dtype=np.int64)


def for_each_block(rep: ScanReport, raw: np.ndarray, geometry: SurveyGeometry, il_idx: np.ndarray,
                   xl_idx: np.ndarray, sink, state: TaskState, out: np.ndarray | None = None,
                   step: int | None = None) -> int:
    """Decode the traces a block of inlines at a time and hand ``(i0, i1, block, live)`` to ``sink``.

    With ``out`` (the full in-memory cube) blocks are decoded in place. Returns
    the number of non-finite samples replaced by zero (reported as a warning).
    """
    n_il, n_xl, ns = geometry.shape
    code = rep.layout.format_code
    view = samples_view(raw, rep.layout)
    step = step or max(1, _BLOCK_BYTES // max(1, n_xl * ns * 4))
    flat = np.where(il_idx >= 0, il_idx * n_xl + xl_idx, -1)
    regular = flat.size == n_il * n_xl and bool(np.all(flat == np.arange(flat.size)))
    if not regular:
        order = np.argsort(np.where(il_idx >= 0, il_idx, n_il), kind="stable")
        bounds = np.searchsorted(il_idx[order], np.arange(n_il + 1)) if np.all(il_idx >= 0) else \
            np.searchsorted(np.where(il_idx >= 0, il_idx, n_il)[order], np.arange(n_il + 1))
    dead = rep.headers["trid"] == 2  # trace identification code 2: dead trace
    bad_total = 0
    for i0 in range(0, n_il, step):
        state.check()
        i1 = min(i0 + step, n_il)
        block = out[i0:i1] if out is not None else np.empty((i1 - i0, n_xl, ns), np.float32)
        if regular:
            _decode_rows(view[i0 * n_xl:i1 * n_xl], code, block.reshape(-1, ns))
            block_live = ~dead[i0 * n_xl:i1 * n_xl].reshape(i1 - i0, n_xl)
        else:
            sel = np.sort(order[bounds[i0]:bounds[i1]])
            block[...] = 0
            block_live = np.zeros((i1 - i0, n_xl), bool)
            if sel.size:
                block[il_idx[sel] - i0, xl_idx[sel]] = decode(view[sel], code)
                block_live[il_idx[sel] - i0, xl_idx[sel]] = ~dead[sel]
        # one summing pass finds that a block is all finite (NaN and Inf propagate; an
        # overflow of the sum only sends it to the exact check)
        if code in _FLOAT_FORMATS and (rep.null_value is not None
                                       or not np.isfinite(np.add.reduce(block, axis=None))):
            bad = ~np.isfinite(block)
            if rep.null_value is not None:
                bad |= block == np.float32(rep.null_value)
            if bad.any():
                bad_total += int(np.count_nonzero(bad))
                block[bad] = 0.0
                block_live = block_live & ~bad.all(axis=-1)  # no sample at all: a dead trace
        sink(i0, i1, block, block_live)
        state.set_progress(i1 / n_il, f"reading inlines {i0 + 1}-{i1} of {n_il}")
    return bad_total


_DECODE_BYTES = 512 * 1024  # the IBM decode's temporaries of one slice stay in cache


def _decode_rows(rows: np.ndarray, code: int, out: np.ndarray) -> None:
    """``decode`` of ``rows`` into ``out``, a few hundred kB of traces at a time."""
    step = max(1, _DECODE_BYTES // max(1, 4 * out.shape[1]))
    for a in range(0, len(rows), step):
        decode(rows[a:a + step], code, out=out[a:a + step])


def _gathers(rep: ScanReport, raw: np.ndarray) -> GatherSet:
    h = rep.headers
    b = rep.binning
    data = decode(samples_view(raw, rep.layout), rep.layout.format_code)
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
    if b.iline_byte is not None:
        headers["iline"] = h.field(b.iline_byte)
        headers["xline"] = h.field(b.xline_byte)
    return GatherSet(data, b.gather_keys.astype(np.int64), b.channels.astype(np.int64),
                     offsets.astype(np.float64), rep.dt, rep.t0_ms, b.gather_name or "ffid", headers)
