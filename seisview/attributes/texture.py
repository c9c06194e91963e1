"""Grey-level co-occurrence (GLCM) texture attributes of sections and maps.

For every pixel, the co-occurrence matrix of the quantised values in a
``window`` x ``window`` neighbourhood, for pixel pairs at ``distance`` along
the chosen ``angles`` (degrees), gives energy (angular second moment),
entropy, homogeneity, contrast and correlation: the Haralick statistics
behind the Marfurt/Chopra texture attributes. The result equals
``skimage.feature.graycomatrix`` + ``graycoprops`` on each (mirror-padded)
window, but is computed for all windows at once with integral images: one
cumulative sum per grey-level pair for energy and entropy, one per moment
for the other three, instead of one matrix per pixel.

Angles follow scikit-image: the pair of ``(r, c)`` is
``(r + round(d sin a), c + round(d cos a))``; 0 deg runs along the trace axis
of a section (laterally), 90 deg along time. Several angles are averaged.
Entropy is in bits.
"""

from __future__ import annotations

import numpy as np

from seisview.core.errors import SeisviewError

FEATURES = ("energy", "entropy", "homogeneity", "contrast", "correlation")


def quantize(x, levels: int = 16, method: str = "range", clip_percentile: float = 1.0) -> np.ndarray:
    """Grey levels ``0..levels-1`` (uint8) of a 2-D array.

    ``range``: linear between the ``clip_percentile`` and ``100 - clip_percentile``
    percentiles (robust to spikes); ``quantile``: equal-frequency levels.
    Non-finite values take the lowest level; a constant array is all level 0.
    """
    a = np.asarray(x, dtype=np.float64)
    if not 2 <= int(levels) <= 256:
        raise SeisviewError(f"{levels} grey levels", hint="use 2 to 256 quantisation levels")
    finite = np.isfinite(a)
    if not finite.any():
        return np.zeros(a.shape, np.uint8)
    if method == "quantile":
        from seisview.attributes.cooccurrence import quantile_levels

        return quantile_levels(np.where(finite, a, np.nanmin(np.where(finite, a, np.inf))), levels)
    if method != "range":
        raise SeisviewError(f"unknown quantisation {method!r}", hint="use 'range' or 'quantile'")
    lo, hi = np.percentile(a[finite], [clip_percentile, 100 - clip_percentile])
    if not hi > lo:
        lo, hi = float(a[finite].min()), float(a[finite].max())
    if not hi > lo:
        return np.zeros(a.shape, np.uint8)
    q = np.floor((np.where(finite, a, lo) - lo) / (hi - lo) * levels)
    return np.clip(q, 0, levels - 1).astype(np.uint8)


def _offset(distance: int, angle_deg: float) -> tuple[int, int]:
    t = np.deg2rad(angle_deg)
    return int(round(np.sin(t) * distance)), int(round(np.cos(t) * distance))


class _WindowSum:
    """Sums over the first-pixel rectangle of every window, via an integral image."""

    def __init__(self, shape: tuple[int, int], pad: int, half: int, dr: int, dc: int):
        self.h, self.w = shape
        r0 = pad - half + max(0, -dr)
        r1 = pad + half - max(0, dr)  # inclusive
        c0 = pad - half + max(0, -dc)
        c1 = pad + half - max(0, dc)
        self.rows = (slice(r0, r0 + self.h), slice(r1 + 1, r1 + 1 + self.h))
        self.cols = (slice(c0, c0 + self.w), slice(c1 + 1, c1 + 1 + self.w))
        self.count = (r1 - r0 + 1) * (c1 - c0 + 1)

    def __call__(self, img: np.ndarray) -> np.ndarray:
        s = np.zeros((img.shape[0] + 1, img.shape[1] + 1), np.float64)
        np.cumsum(np.cumsum(img, axis=0, dtype=np.float64), axis=1, out=s[1:, 1:])
        (ra, rb), (ca, cb) = self.rows, self.cols
        return s[rb, cb] - s[ra, cb] - s[rb, ca] + s[ra, ca]

    def counts(self, mask: np.ndarray) -> np.ndarray:
        """Integer window counts of a boolean image."""
        s = np.zeros((mask.shape[0] + 1, mask.shape[1] + 1), np.int32)
        np.cumsum(np.cumsum(mask, axis=0, dtype=np.int32), axis=1, out=s[1:, 1:])
        (ra, rb), (ca, cb) = self.rows, self.cols
        return s[rb, cb] - s[ra, cb] - s[rb, ca] + s[ra, ca]


def glcm_attributes(x, features=FEATURES, levels: int = 16, window: int = 9, distance: int = 1,
                    angles=(0, 45, 90, 135), symmetric: bool = True, quantization: str = "range",
                    clip_percentile: float = 1.0, grey=None) -> dict[str, np.ndarray]:
    """Windowed GLCM attributes of a 2-D section or map.

    Parameters
    ----------
    x:
        2-D array (a ``(sample, trace)`` section or an ``(il, xl)`` map).
    features:
        any of :data:`FEATURES`.
    levels, quantization, clip_percentile:
        grey levels and how values are quantised (see :func:`quantize`).
    window:
        odd window size in samples/traces.
    distance, angles:
        pair offset length and directions in degrees (averaged).
    symmetric:
        count each pair both ways (the usual choice for texture attributes).
    grey:
        already quantised levels (skips quantisation).

    Returns
    -------
    dict of float32 arrays the shape of ``x``.
    """
    features = tuple(features)
    bad = [f for f in features if f not in FEATURES]
    if bad:
        raise SeisviewError(f"unknown texture feature(s) {bad}", hint=f"choose from {', '.join(FEATURES)}")
    if np.ndim(x) != 2:
        raise SeisviewError(f"texture attributes need a 2-D section or map, got shape {np.shape(x)}",
                            hint="pass one section or one map")
    window, distance = int(window), int(distance)
    if window < 3 or window % 2 == 0:
        raise SeisviewError(f"texture window {window}", hint="use an odd window of at least 3")
    if not 1 <= distance < window:
        raise SeisviewError(f"pair distance {distance} for a {window}-wide window",
                            hint="use 1 <= distance < window")
    q = quantize(x, levels, quantization, clip_percentile) if grey is None else np.asarray(grey, np.int64)
    levels = int(max(levels, q.max() + 1))
    half = window // 2
    pad = half + distance
    mode = "reflect" if min(q.shape) > pad else "symmetric"
    qp = np.pad(q.astype(np.int64), pad, mode=mode)
    angles = (angles,) if np.isscalar(angles) else tuple(angles)
    out = {f: np.zeros(q.shape, np.float64) for f in features}
    for ang in angles:
        dr, dc = _offset(distance, ang)
        a = qp
        b = np.roll(qp, (-dr, -dc), axis=(0, 1))  # b[r, c] = qp[r + dr, c + dc]; no wrap inside windows
        ws = _WindowSum(q.shape, pad, half, dr, dc)
        for name, value in _features(a, b, ws, features, levels, symmetric).items():
            out[name] += value
    return {k: (v / len(angles)).astype(np.float32) for k, v in out.items()}


def _features(a, b, ws: _WindowSum, features, levels: int, symmetric: bool) -> dict[str, np.ndarray]:
    n = float(ws.count)
    res: dict[str, np.ndarray] = {}
    af, bf = a.astype(np.float64), b.astype(np.float64)
    d2 = (af - bf) ** 2
    if "contrast" in features:
        res["contrast"] = ws(d2) / n
    if "homogeneity" in features:
        res["homogeneity"] = ws(1.0 / (1.0 + d2)) / n
    if "correlation" in features:
        if symmetric:
            mu = ws((af + bf) / 2) / n
            var = ws((af * af + bf * bf) / 2) / n - mu * mu
            var_i = var_j = var
            cov = ws(af * bf) / n - mu * mu
        else:
            mu_i, mu_j = ws(af) / n, ws(bf) / n
            var_i = ws(af * af) / n - mu_i ** 2
            var_j = ws(bf * bf) / n - mu_j ** 2
            cov = ws(af * bf) / n - mu_i * mu_j
        den = np.sqrt(np.clip(var_i, 0, None) * np.clip(var_j, 0, None))
        flat = den < 1e-12
        # scikit-image's convention: a window with one grey level is perfectly correlated
        res["correlation"] = np.where(flat, 1.0, cov / np.where(flat, 1.0, den))
    if "energy" in features or "entropy" in features:
        # per grey-level pair, the window count c; with p = c / n (c / 2n for the two
        # mirrored cells of a symmetric pair) energy and entropy only need sums of
        # c^2 and c log2 c, accumulated as integers / table look-ups
        sq = np.zeros((ws.h, ws.w), np.float64)
        clogc = np.zeros((ws.h, ws.w), np.float64)
        off_count = np.zeros((ws.h, ws.w), np.float64)
        table = np.zeros(ws.count + 1)
        table[1:] = np.arange(1, ws.count + 1) * np.log2(np.arange(1, ws.count + 1))
        code = (np.minimum(a, b) * levels + np.maximum(a, b)) if symmetric else a * levels + b
        region = code[ws.rows[0].start:ws.rows[1].stop, ws.cols[0].start:ws.cols[1].stop]
        for k in np.unique(region):
            c = ws.counts(code == k)
            off = symmetric and (k // levels != k % levels)
            sq += (c * c) / 2.0 if off else c * c
            clogc += table[c]
            if off:
                off_count += c
        if "energy" in features:
            res["energy"] = sq / (n * n)
        if "entropy" in features:
            res["entropy"] = np.log2(n) - clogc / n + off_count / n
    return res
