"""Colour maps as 256-entry RGBA tables, shared by the 2-D views (pyqtgraph) and the 3-D view.

``lut(name)`` returns a ``(256, 4)`` uint8 table. ``colorize`` turns a 2-D
array into RGBA for overlays (NaN transparent) and for the 3-D planes.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from seisview.core.session import to_u8

# name -> control points (position 0..1, RGB 0..255); perceptual maps come from pyqtgraph
_RAMPS = {
    # seismic convention: negative blue, zero white, positive red
    "seismic": [(0.0, (0, 0, 77)), (0.25, (0, 0, 255)), (0.5, (255, 255, 255)),
                (0.75, (255, 0, 0)), (1.0, (128, 0, 0))],
    "red-white-blue": [(0.0, (128, 0, 0)), (0.25, (255, 0, 0)), (0.5, (255, 255, 255)),
                       (0.75, (0, 0, 255)), (1.0, (0, 0, 77))],
    "grey": [(0.0, (0, 0, 0)), (1.0, (255, 255, 255))],
    "grey-inverted": [(0.0, (255, 255, 255)), (1.0, (0, 0, 0))],
    # a Petrel-like variable-density map: brown-white-black
    "brown-white-black": [(0.0, (115, 60, 20)), (0.5, (255, 255, 255)), (1.0, (0, 0, 0))],
}
_PERCEPTUAL = ("viridis", "cividis", "magma", "inferno", "CET-D1", "CET-L1")
_CATEGORICAL = ("tab10",)
_TAB10 = [(31, 119, 180), (255, 127, 14), (44, 160, 44), (214, 39, 40), (148, 103, 189),
          (140, 86, 75), (227, 119, 194), (127, 127, 127), (188, 189, 34), (23, 190, 207)]


def names() -> list[str]:
    """Colour maps offered for seismic display (symmetric/diverging first)."""
    return list(_RAMPS) + list(_PERCEPTUAL)


@lru_cache(maxsize=64)
def lut(name: str) -> np.ndarray:
    """``(256, 4)`` uint8 RGBA table; unknown names raise ``KeyError`` listing the known ones."""
    x = np.linspace(0.0, 1.0, 256)
    if name in _RAMPS:
        pos = np.array([p for p, _ in _RAMPS[name]])
        rgb = np.array([c for _, c in _RAMPS[name]], float)
        out = np.empty((256, 4), np.uint8)
        for ch in range(3):
            out[:, ch] = np.round(np.interp(x, pos, rgb[:, ch]))
        out[:, 3] = 255
    elif name in _PERCEPTUAL:
        import pyqtgraph as pg

        out = np.asarray(pg.colormap.get(name).getLookupTable(nPts=256, alpha=True), np.uint8)
        if out.shape[1] == 3:
            out = np.concatenate([out, np.full((256, 1), 255, np.uint8)], 1)
    elif name == "tab10":
        out = np.zeros((256, 4), np.uint8)
        for i in range(1, 256):
            out[i, :3] = _TAB10[(i - 1) % 10]
            out[i, 3] = 255
    else:
        raise KeyError(f"unknown colour map {name!r}; known: {', '.join(names() + list(_CATEGORICAL))}")
    out.setflags(write=False)
    return out


def to_uint8(arr: np.ndarray, levels: tuple[float, float], out: np.ndarray | None = None) -> np.ndarray:
    """Scale ``arr`` so ``levels`` map to 0..255 (clipped). NaN must already be gone."""
    return to_u8(arr, levels, out)


def colorize(arr: np.ndarray, cmap, levels: tuple[float, float] | None = None,
             categorical: bool = False) -> np.ndarray:
    """RGBA uint8 ``(h, w, 4)`` of a 2-D array. NaN (continuous) and id 0 (categorical) are transparent.

    ``cmap`` is a name or an ``(n, 4)`` uint8 table. ``levels`` default to the
    2nd/98th percentiles of the finite values.
    """
    table = lut(cmap) if isinstance(cmap, str) else np.asarray(cmap, np.uint8)
    if table.shape[1] == 3:
        table = np.concatenate([table, np.full((len(table), 1), 255, np.uint8)], 1)
    if categorical:
        ids = np.asarray(arr)
        ids = np.where(np.isfinite(ids), ids, 0).astype(np.int64) if ids.dtype.kind == "f" else ids
        ids = np.clip(ids, 0, len(table) - 1)
        rgba = table[ids]
        rgba[ids == 0, 3] = 0
        return rgba
    a = np.asarray(arr, np.float32)
    finite = np.isfinite(a)
    if levels is None:
        levels = auto_levels(a[finite])
    idx = to_uint8(np.where(finite, a, np.float32(levels[0])), levels)
    rgba = table[idx]
    rgba[~finite, 3] = 0
    return rgba


def auto_levels(values: np.ndarray) -> tuple[float, float]:
    v = np.asarray(values, np.float64).ravel()
    v = v[np.isfinite(v)]
    if v.size == 0:
        return (0.0, 1.0)
    lo, hi = np.percentile(v, [2, 98])
    if hi <= lo:
        lo, hi = float(v.min()), float(v.max())
        if hi <= lo:
            hi = lo + 1.0
    return float(lo), float(hi)


def blend(base: np.ndarray, over: np.ndarray, opacity: float = 1.0) -> np.ndarray:
    """Alpha-composite RGBA ``over`` onto RGBA ``base`` (same shape) in place; returns base."""
    a = (over[..., 3:4].astype(np.float32) / 255.0) * float(opacity)
    base[..., :3] = (base[..., :3] * (1 - a) + over[..., :3] * a).astype(np.uint8)
    return base
