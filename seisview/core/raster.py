"""Raster helpers of the painting tools: brush footprints, flood fill, polygon fill (numpy only)."""

from __future__ import annotations

import numpy as np

_DISCS: dict[int, np.ndarray] = {}


def disc(radius: int) -> np.ndarray:
    """Boolean footprint of a round brush, ``(2r+1, 2r+1)``."""
    r = max(int(radius), 0)
    if r not in _DISCS:
        y, x = np.ogrid[-r:r + 1, -r:r + 1]
        _DISCS[r] = (x * x + y * y) <= r * r + r  # the +r rounds small discs nicely
    return _DISCS[r]


def flood_region(region: np.ndarray, row: int, col: int) -> np.ndarray:
    """4-connected component of boolean ``region`` containing ``(row, col)``.

    Works on horizontal runs (a breadth-first search over runs, not pixels), so
    a large smooth region costs a few thousand steps, in numpy only.
    """
    out = np.zeros_like(region, dtype=bool)
    if not region[row, col]:
        return out
    pad = np.zeros((region.shape[0], region.shape[1] + 2), np.int8)
    pad[:, 1:-1] = region
    d = np.diff(pad, axis=1)
    sr, sc = np.nonzero(d == 1)  # run starts, row-major order
    _, ec = np.nonzero(d == -1)  # run ends (exclusive), same order
    row_lo = np.searchsorted(sr, np.arange(region.shape[0] + 1))
    lo, hi = row_lo[row], row_lo[row + 1]
    k0 = lo + int(np.searchsorted(ec[lo:hi], col, side="right"))
    seen = np.zeros(len(sr), bool)
    seen[k0] = True
    todo = [k0]
    while todo:
        k = todo.pop()
        y, s, e = sr[k], sc[k], ec[k]
        out[y, s:e] = True
        for ny in (y - 1, y + 1):
            if not 0 <= ny < region.shape[0]:
                continue
            lo, hi = row_lo[ny], row_lo[ny + 1]
            j0 = lo + int(np.searchsorted(ec[lo:hi], s, side="right"))
            j1 = lo + int(np.searchsorted(sc[lo:hi], e, side="left"))
            for j in range(j0, j1):
                if not seen[j]:
                    seen[j] = True
                    todo.append(j)
    return out


def polygon_mask(shape: tuple[int, int], vertices: np.ndarray) -> np.ndarray:
    """Pixels whose centres lie inside the closed polygon ``vertices`` (row, col), even-odd rule."""
    out = np.zeros(shape, bool)
    if len(vertices) < 3:
        return out
    v = np.asarray(vertices, float)
    y0, x0 = v[:, 0], v[:, 1]
    y1, x1 = np.roll(y0, -1), np.roll(x0, -1)
    rows = np.arange(max(int(np.floor(y0.min())), 0), min(int(np.ceil(y0.max())) + 1, shape[0]))
    if len(rows) == 0:
        return out
    yy = rows[:, None].astype(float)
    crosses = ((y0 <= yy) & (yy < y1)) | ((y1 <= yy) & (yy < y0))
    with np.errstate(divide="ignore", invalid="ignore"):
        xs = np.where(crosses, x0 + (yy - y0) * (x1 - x0) / (y1 - y0), np.inf)
    xs.sort(axis=1)
    n_cross = crosses.sum(axis=1)
    for i, y in enumerate(rows):
        for a, b in xs[i, :n_cross[i]].reshape(-1, 2):
            ca, cb = max(int(np.ceil(a)), 0), min(int(np.floor(b)), shape[1] - 1)
            if ca <= cb:
                out[y, ca:cb + 1] = True
    # the outline itself belongs to the polygon (the half-open scanline rule drops the bottom edge)
    for (ya, xa), (yb, xb) in zip(v, np.roll(v, -1, axis=0), strict=True):
        n = int(np.ceil(2 * max(abs(yb - ya), abs(xb - xa)))) + 1
        yy_, xx_ = np.rint(np.linspace(ya, yb, n)).astype(int), np.rint(np.linspace(xa, xb, n)).astype(int)
        ok = (yy_ >= 0) & (yy_ < shape[0]) & (xx_ >= 0) & (xx_ < shape[1])
        out[yy_[ok], xx_[ok]] = True
    return out
