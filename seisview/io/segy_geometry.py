"""From trace headers to a survey: which bytes hold the line numbers, the bins, the sorting.

The scan tries the caller's byte locations (default 189/193), decides whether
the file is post-stack (one trace per inline/crossline bin), pre-stack
(several traces per bin with different offsets, or shot gathers by FFID) or
unstructured, and falls back to the byte pairs that legacy files commonly use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import LineAxis
from seisview.io.segy_format import HeaderTable

# Byte pairs for inline/crossline seen in real files, tried in this order after 189/193.
ALTERNATIVES = ((9, 21), (5, 21), (17, 13), (21, 5))
BYTE_NAMES = {1: "trace seq", 5: "trace seq in file", 9: "FFID", 13: "channel", 17: "energy source",
              21: "CDP", 189: "inline", 193: "crossline", 197: "shotpoint"}
MIN_FILL = 0.25  # bins holding a trace / bins of the bounding grid, below which a pair is rejected
MAX_DUPLICATE_SHARE = 0.05
MAX_JUNK_SHARE = 0.10  # traces numbered 0 among numbered ones, left out up to this share


@dataclass
class Binning:
    kind: str
    sorting: str
    iline_byte: int | None = None
    xline_byte: int | None = None
    il: LineAxis | None = None
    xl: LineAxis | None = None
    il_idx: np.ndarray | None = None  # per trace; -1 for traces dropped as duplicates
    xl_idx: np.ndarray | None = None
    missing: int = 0
    duplicates: int = 0
    gather_byte: int | None = None
    gather_name: str = ""
    gather_keys: np.ndarray | None = None
    channels: np.ndarray | None = None
    warnings: list[str] = field(default_factory=list)


@dataclass
class _Grid:
    ok: bool
    reason: str = ""
    prestack: bool = False
    il: LineAxis | None = None
    xl: LineAxis | None = None
    il_idx: np.ndarray | None = None
    xl_idx: np.ndarray | None = None
    n_bins: int = 0
    duplicates: int = 0
    junk: int = 0  # traces with line number 0 among numbered ones, left out
    far: int = 0  # traces whose line numbers lie far outside the survey's block, left out
    far_example: tuple[int, int] = (0, 0)


def line_axis(values: np.ndarray) -> LineAxis:
    """Smallest regular axis holding all ``values`` (step = gcd of the gaps)."""
    u = _unique_counts(values)[0]
    step = int(np.gcd.reduce(np.diff(u))) if u.size > 1 else 1
    return LineAxis(int(u[0]), max(step, 1), int((u[-1] - u[0]) // max(step, 1)) + 1)


MAX_FAR_SHARE = 0.01  # at most this share of traces may be dropped as far outliers
FAR_STEPS = 10  # an outlier lies more than this many line steps (and the block's span) away


def _far_outliers(v: np.ndarray, usable: np.ndarray) -> np.ndarray:
    """Traces whose line number lies far from the block of all others (a typo, a junk
    header), which would otherwise blow the grid up to mostly empty bins."""
    out = np.zeros(v.size, bool)
    if usable.sum() < 20:
        return out
    limit = max(1, int(MAX_FAR_SHARE * usable.sum()))
    for _ in range(3):  # a few separate outliers
        keep = usable & ~out
        u, cnt = _unique_counts(v[keep])
        if u.size < 2:
            break
        gaps = np.diff(u)
        g = int(np.argmax(gaps))
        step = int(np.gcd.reduce(gaps))
        low_small = cnt[:g + 1].sum() <= cnt[g + 1:].sum()
        small = keep & ((v <= u[g]) if low_small else (v >= u[g + 1]))
        span = (u[-1] - u[g + 1]) if low_small else (u[g] - u[0])
        if out.sum() + small.sum() > limit or gaps[g] <= max(span, FAR_STEPS * step):
            break
        out |= small
    return out


def _unique_counts(v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(v, return_counts=True)``, by a bincount when the range is small (it is O(n))."""
    lo, hi = int(v.min()), int(v.max())
    if hi - lo > 4 * v.size + 1000:
        return np.unique(v, return_counts=True)
    cnt = np.bincount(v - lo)
    u = np.flatnonzero(cnt)
    return u + lo, cnt[u]


def _pair_key(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return (a - a.min()) * (int(b.max() - b.min()) + 1) + (b - b.min())


def _grid(il: np.ndarray, xl: np.ndarray, offsets: np.ndarray) -> _Grid:
    n = il.size
    if not il.any() or not xl.any():
        which = "inline" if not il.any() else "crossline"
        return _Grid(False, f"{which} numbers all zero")
    # a few traces without line numbers (0) among numbered ones are junk, not line 0
    junk = (il == 0) | (xl == 0)
    n_junk = int(junk.sum())
    if n_junk > MAX_JUNK_SHARE * n:
        junk[:] = False
        n_junk = 0
    far = (_far_outliers(il, ~junk) | _far_outliers(xl, ~junk)) & ~junk
    ok = ~junk & ~far
    il_v, xl_v, off_v = il[ok], xl[ok], offsets[ok]
    if max(np.abs(il_v).max(), np.abs(xl_v).max()) > 2**30:
        return _Grid(False, "values too large for line numbers")
    ax_il, ax_xl = line_axis(il_v), line_axis(xl_v)
    cells = ax_il.count * ax_xl.count
    key = _pair_key(il_v, xl_v)
    # the key spans the grid's cells: a bincount (O(n)) instead of a sort when the grid is dense
    dense = int(key.max()) <= 4 * key.size + 1000
    if dense:
        per_cell = np.bincount(key)
        n_bins = int(np.count_nonzero(per_cell))
    else:
        uniq, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        n_bins = uniq.size
    if n_bins / cells < MIN_FILL:
        return _Grid(False, f"{n_bins} bins scattered over a {ax_il.count} x {ax_xl.count} grid")
    dups = il_v.size - n_bins
    g = _Grid(True, il=ax_il, xl=ax_xl, n_bins=n_bins, duplicates=dups, junk=n_junk, far=int(far.sum()))
    if g.far:
        i = int(np.flatnonzero(far)[0])
        g.far_example = (int(il[i]), int(xl[i]))
    if dups:
        shared = per_cell[key] > 1 if dense else counts[inverse] > 1
        n_shared_bins = np.unique(key[shared]).size
        if np.unique(_pair_key(key[shared], off_v[shared])).size > n_shared_bins:
            return _Grid(False, "several offsets per bin", prestack=True, il=ax_il, xl=ax_xl)
        if dups > MAX_DUPLICATE_SHARE * n:
            return _Grid(False, f"{dups} of {n} traces share a bin with another trace")
    g.il_idx = np.where(ok, (il - ax_il.first) // ax_il.step, -1).astype(np.int64)
    g.xl_idx = np.where(ok, (xl - ax_xl.first) // ax_xl.step, -1).astype(np.int64)
    return g


def _sorting(il_idx: np.ndarray, xl_idx: np.ndarray, n_il: int, n_xl: int) -> str:
    if n_il == 1 or n_xl == 1:
        return "line"
    il_changes = np.count_nonzero(np.diff(il_idx))
    xl_changes = np.count_nonzero(np.diff(xl_idx))
    if il_changes <= 2 * n_il and il_changes < xl_changes:
        return "inline"
    if xl_changes <= 2 * n_xl and xl_changes < il_changes:
        return "crossline"
    return "unsorted"


def _post(h: HeaderTable, g: _Grid, ib: int | None, xb: int) -> Binning:
    il, xl, il_idx, xl_idx = g.il, g.xl, g.il_idx, g.xl_idx
    assert il is not None and xl is not None and il_idx is not None and xl_idx is not None  # g.ok
    kind = "poststack3d" if il.count > 1 and xl.count > 1 else "poststack2d"
    b = Binning(kind, _sorting(il_idx, xl_idx, il.count, xl.count), ib, xb, il, xl, il_idx, xl_idx)
    b.missing = il.count * xl.count - g.n_bins
    b.duplicates = g.duplicates
    if g.duplicates:
        # keep the last trace of each bin: re-exports usually append corrections
        flat = np.where(il_idx >= 0, il_idx * xl.count + xl_idx, -1)
        _, last_rev = np.unique(flat[::-1], return_index=True)
        keep = np.zeros(flat.size, bool)
        keep[flat.size - 1 - last_rev] = True
        keep &= flat >= 0
        b.il_idx = np.where(keep, il_idx, -1)
        b.xl_idx = np.where(keep, xl_idx, -1)
        b.warnings.append(f"{g.duplicates} duplicate traces (same inline/crossline as an earlier trace); "
                          "the last copy of each is used")
    if g.far:
        b.warnings.append(f"{g.far} traces have line numbers far outside the survey (e.g. inline "
                          f"{g.far_example[0]}, crossline {g.far_example[1]}); left out")
    if g.junk:
        b.warnings.append(f"{g.junk} traces have no inline/crossline number (0) among numbered ones; "
                          "left out")
    if b.missing:
        b.warnings.append(f"{b.missing} of {il.count * xl.count} bins have no trace; "
                          "they are filled with zeros and marked dead")
    return b


def gather_ranks(keys: np.ndarray) -> np.ndarray:
    """1-based position of each trace within its gather, in file order (the channel number
    of files that have none)."""
    n = keys.size
    ch = np.zeros(n, np.int64)
    order = np.argsort(keys, kind="stable")
    sk = keys[order]
    starts = np.r_[0, np.flatnonzero(np.diff(sk)) + 1]
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    ch[order] = rank + 1
    return ch


def trace_channels(keys: np.ndarray, channels: np.ndarray) -> tuple[np.ndarray, bool]:
    """Channel numbers that tell the traces of a gather apart: the file's (byte 13), else the
    rank in the gather; ``True`` when the file's repeat within a gather (two cables, junk)."""
    if not channels.any():
        return gather_ranks(keys), False
    if np.unique(_pair_key(keys, channels)).size < keys.size:
        return gather_ranks(keys), True
    return channels, False


def _prestack(h: HeaderTable, keys: np.ndarray, byte: int | None, name: str) -> Binning:
    ch, repeated = trace_channels(keys, h["channel"])
    contiguous = np.count_nonzero(np.diff(keys)) + 1 == np.unique(keys).size
    b = Binning("prestack", "gather" if contiguous else "unsorted", gather_byte=byte,
                gather_name=name, gather_keys=keys, channels=ch)
    if repeated:
        b.warnings.append("channel numbers (byte 13) repeat within gathers; traces are numbered by "
                          "their position in the gather instead")
    return b


def _describe(b: int) -> str:
    return f"{b} ({BYTE_NAMES[b]})" if b in BYTE_NAMES else str(b)


def classify(h: HeaderTable, iline: int | None = None, xline: int | None = None,
             gather_key: int | None = None) -> Binning:
    """Decide the kind of survey and bin its traces (see the module doc)."""
    offsets = h["offset"]
    if gather_key is not None:
        keys = h.field(gather_key)
        return _prestack(h, keys, gather_key, BYTE_NAMES.get(gather_key, f"byte {gather_key}").lower())
    ib, xb = iline or 189, xline or 193
    g = _grid(h.field(ib), h.field(xb), offsets)
    if g.ok:
        return _post(h, g, ib, xb)
    if g.prestack:
        il, xl = h.field(ib), h.field(xb)
        mult = 10 ** len(str(int(np.abs(xl).max())))
        b = _prestack(h, il * mult + xl, None, f"inline*{mult}+crossline")
        b.iline_byte, b.xline_byte = ib, xb
        return b
    working = [(a, c) for a, c in ((189, 193), *ALTERNATIVES)
               if (a, c) != (ib, xb) and _grid(h.field(a), h.field(c), offsets).ok]
    if iline is not None or xline is not None:
        hint = (f"try --iline {working[0][0]} --xline {working[0][1]}" if working else
                "no common byte pair works either; try --gather-key 9 for pre-stack shots")
        raise SeisviewError(f"inline/crossline at bytes {_describe(ib)}/{_describe(xb)} do not form a "
                            f"survey grid: {g.reason}", hint=hint)
    ffid = h["ffid"]
    repeats = ffid.any() and np.unique(ffid).size < ffid.size
    if repeats and _offsets_vary_within(ffid, offsets):
        return _prestack(h, ffid, 9, "ffid")
    cdp = h["cdp"]
    if not repeats and cdp.any() and np.unique(cdp).size < cdp.size and _offsets_vary_within(cdp, offsets):
        # CDP gathers numbered only at byte 21 (common from processing exports): several
        # offsets per CDP is pre-stack, whatever other byte pair happens to look like a grid
        b = _prestack(h, cdp, 21, "cdp")
        b.warnings.append(f"no inline/crossline numbers at 189/193 ({g.reason}) and no FFID; several "
                          "offsets share each CDP number (byte 21): read as CDP gathers "
                          "(pass --gather-key to use another byte)")
        return b
    if working:
        a, c = working[0]
        b = _post(h, _grid(h.field(a), h.field(c), offsets), a, c)
        b.warnings.insert(0, f"inline/crossline not at bytes 189/193 ({g.reason}); the headers form a grid "
                             f"with bytes {_describe(a)}/{_describe(c)}: using them "
                             f"(pass --iline {a} --xline {c} to confirm)")
        return b
    if repeats:
        return _prestack(h, ffid, 9, "ffid")
    g2d = _grid(np.ones_like(cdp), cdp, offsets)
    if g2d.ok and g2d.duplicates == 0 and cdp.size > 1:  # a 2-D line numbered by CDP only
        b = _post(h, g2d, None, 21)
        b.warnings.insert(0, f"no inline/crossline numbers at 189/193 ({g.reason}); read as a 2-D line "
                             "along the CDP numbers of byte 21")
        return b
    tried = ", ".join(f"{a}/{c}" for a, c in ((ib, xb), *ALTERNATIVES))
    b = Binning("unstructured", "none")
    b.warnings.append(f"no inline/crossline numbers found (tried bytes {tried}; at 189/193: {g.reason}) "
                      "and no FFID gathers: traces are shown in file order; pass --iline/--xline if "
                      "the line numbers are elsewhere")
    return b


def _offsets_vary_within(keys: np.ndarray, offsets: np.ndarray) -> bool:
    if not offsets.any():
        return False
    pairs = np.unique(_pair_key(keys, offsets)).size
    return pairs > np.unique(keys).size


_CORNER = re.compile(r"(-?\d+)\s*/\s*(-?\d+)\s*=\s*\(\s*(-?[\d.]+)\s*,\s*(-?[\d.]+)\s*\)")


def text_corners_affine(text: str) -> tuple | None:
    """Exact transform from three survey corners written as ``il/xl = (x,y)`` (OpendTect does)."""
    pts = [tuple(float(v) for v in m) for m in _CORNER.findall(text)]
    if len(pts) < 3:
        return None
    p = np.array(pts[:3])
    a = np.c_[p[:, 0], p[:, 1], np.ones(3)]
    if abs(np.linalg.det(a)) < 1e-9:
        return None
    cx, cy = np.linalg.solve(a, p[:, 2]), np.linalg.solve(a, p[:, 3])
    return (*cx, *cy)


def fit_affine(h: HeaderTable, b: Binning, text: str = "") -> tuple[tuple | None, list[str]]:
    """Least-squares il/xl -> world transform from the coordinates in the trace headers.

    Tries CDP X/Y (181/185), then source X/Y (73/77), then group X/Y (81/85),
    with the coordinate scalar of byte 71. A 2-D line gets a crossline
    direction perpendicular to it so the transform stays invertible.
    """
    warnings: list[str] = []
    il, xl, il_idx, xl_idx = b.il, b.xl, b.il_idx, b.xl_idx
    if il is None or xl is None or il_idx is None or xl_idx is None:
        return None, warnings
    sel = il_idx >= 0
    if sel.sum() > 20_000:  # a spread of 20k traces pins an affine transform to well under a metre
        sel &= np.arange(sel.size) % int(np.ceil(sel.sum() / 20_000)) == 0
    il_no = il.number(il_idx[sel]).astype(float)
    xl_no = xl.number(xl_idx[sel]).astype(float)
    sc = h["scalco"][sel].astype(float)
    scale = np.where(sc < 0, 1.0 / np.abs(np.where(sc == 0, 1, sc)), np.where(sc == 0, 1.0, sc))
    for bx, by in ((181, 185), (73, 77), (81, 85)):
        x = h.field(bx)[sel] * scale
        y = h.field(by)[sel] * scale
        if np.ptp(x) == 0 and np.ptp(y) == 0:
            continue
        if il.count > 1 and xl.count > 1:
            a = np.c_[il_no, xl_no, np.ones_like(il_no)]
            cx, *_ = np.linalg.lstsq(a, x, rcond=None)
            cy, *_ = np.linalg.lstsq(a, y, rcond=None)
            aff = (cx[0], cx[1], cx[2], cy[0], cy[1], cy[2])
        else:
            t = il_no if il.count > 1 else xl_no
            if np.ptp(t) == 0:
                return None, warnings
            a = np.c_[t, np.ones_like(t)]
            (ux, kx), *_ = np.linalg.lstsq(a, x, rcond=None)
            (uy, ky), *_ = np.linalg.lstsq(a, y, rcond=None)
            px, py = -uy, ux  # perpendicular, same length: one line spacing
            corner = text_corners_affine(text)
            if corner is not None:  # the text header knows the true crossline direction
                px, py = (corner[1], corner[4]) if il.count > 1 else (corner[0], corner[3])
            if il.count > 1:
                c = xl.first
                aff = (ux, px, kx - px * c, uy, py, ky - py * c)
            else:
                c = il.first
                aff = (px, ux, kx - px * c, py, uy, ky - py * c)
        wx, wy = (aff[0] * il_no + aff[1] * xl_no + aff[2], aff[3] * il_no + aff[4] * xl_no + aff[5])
        rms = float(np.sqrt(np.mean((wx - x) ** 2 + (wy - y) ** 2)))
        spacing = min(np.hypot(aff[0], aff[3]) or np.inf, np.hypot(aff[1], aff[4]) or np.inf)
        if not np.isfinite(spacing) or spacing == 0 or rms > 0.5 * spacing:
            warnings.append(f"coordinates at bytes {bx}/{by} do not follow the inline/crossline grid "
                            f"(rms misfit {rms:.1f}); not used")
            continue
        return tuple(float(v) for v in aff), warnings
    return None, warnings
