"""Whole-map co-occurrence statistics of one map or of a pair of maps.

Each map is binned by its own quantiles into ``L`` equal-frequency levels, so
a statistic says how the maps relate, not how spread out each one is: for a
pair (A, B) the joint entropy is ``H(A) + H(B) - MI = 2 log2 L - MI`` (ties
aside), and "low entropy" means "much shared information". For a single map
the co-occurrence is of each pixel with its neighbour at ``distance`` along
``angles`` (a whole-map GLCM).

Statistics (entropy and mutual information in bits): entropy, energy
(angular second moment), homogeneity, contrast, and mutual information with
a baseline subtracted. The plug-in mutual information of two independent maps
is positive (about ``(L-1)^2 / (2 n ln 2)`` bits for ``n`` independent
positions), and more when the maps are smooth: neighbouring cells repeat each
other, so there are fewer independent positions than cells. For a pair the
default baseline is the mean MI of B circularly shifted against A by large 2-D
offsets (``baseline="shift"``): a shift keeps each map's autocorrelation and
breaks only their alignment, so independent maps give about 0 at every layer,
coarse ones of a few smooth cells included (shuffled positions, the former
default, left 0.01-0.17 bits there). The spread of the shifted MIs is the noise
level: ``mi_noise`` (two standard deviations of the channel-mean over shifts)
is what a pair must exceed to share information beyond chance (:func:`above_noise`).
For a single map the baseline is shuffled positions (its neighbour MI measures
the autocorrelation itself).

Stack axis: functions accept ``(H, W)`` maps or ``(C, H, W)`` stacks
(channels of an activation layer) and return per-channel values; use
:func:`mean_stats` to average over channels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from seisview.core.errors import SeisviewError

STATS = ("entropy", "energy", "homogeneity", "contrast", "mutual_information")
BASELINES = ("shift", "shuffle")
# large circular shifts (fractions of height, width): every one moves at least a quarter of
# the map along some axis, beyond the autocorrelation of any layer's cells
SHIFTS = tuple((fy, fx) for fy in (0.0, 0.25, 0.5, 0.75) for fx in (0.0, 0.25, 0.5, 0.75)
               if (fy, fx) != (0.0, 0.0))


@dataclass(frozen=True)
class CoStats:
    """Co-occurrence statistics; arrays of one value per channel (or scalars)."""

    entropy: np.ndarray
    energy: np.ndarray
    homogeneity: np.ndarray
    contrast: np.ndarray
    mutual_information: np.ndarray  # corrected: raw minus the baseline
    mi_raw: np.ndarray
    mi_baseline: np.ndarray
    n: int  # positions used
    mi_null: np.ndarray | None = None  # (draws, channels): MI of each shift / shuffle

    @property
    def mi_noise(self) -> float:
        """Noise level of the channel-mean corrected MI (bits): the largest channel-mean MI of
        the baseline's draws minus their mean (NaN with < 2 draws). A pair above it shares more
        than at every shift: for stationary independent maps the unshifted pair is one more
        shift, so that happens by chance with probability 1 / (draws + 1) (1/16 with 15 shifts;
        measured 7-14 % on smooth synthetic maps, whose circular seams break stationarity)."""
        if self.mi_null is None or len(self.mi_null) < 2:
            return float("nan")
        null = self.mi_null.mean(axis=1)
        return float(null.max() - null.mean())

    def row(self) -> dict[str, float]:
        """The five statistics averaged over channels, and ``mi_noise``, as plain floats."""
        return {**{k: float(np.mean(getattr(self, k))) for k in STATS}, "mi_noise": self.mi_noise}


def above_noise(row: dict) -> bool | None:
    """Whether a statistics row's (corrected) MI is above its noise level; None when the row
    has no noise level (single maps, or a table written before it existed)."""
    noise = row.get("mi_noise")
    try:
        noise = float(noise)
    except (TypeError, ValueError):
        return None
    if not np.isfinite(noise):
        return None
    return float(row["mutual_information"]) > noise


def quantile_levels(x, levels: int = 8) -> np.ndarray:
    """Equal-frequency levels ``0..levels-1`` along the last axis (flattened maps).

    Accepts ``(..., n)`` or a 2-D map (flattened). Tied values share a level
    (their average rank), so a constant map is one level and gets entropy 0.
    """
    a = np.asarray(x, dtype=np.float64)
    if not 2 <= int(levels) <= 256:
        raise SeisviewError(f"{levels} quantile levels", hint="use 2 to 256 levels")
    n = a.shape[-1]
    r = rankdata(a, method="average", axis=-1)
    q = np.floor((r - 0.5) / n * levels)
    return np.clip(q, 0, levels - 1).astype(np.uint8)


def _stack(x, name: str) -> np.ndarray:
    a = np.asarray(x, dtype=np.float32)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3:
        raise SeisviewError(f"map {name} has shape {a.shape}", hint="pass a 2-D map or a (channel, H, W) stack")
    return a


def _valid(*stacks: np.ndarray) -> np.ndarray:
    ok = np.ones(stacks[0].shape[1:], bool)
    for s in stacks:
        ok &= np.isfinite(s).all(axis=0)
    return ok


def _matrix_stats(hist: np.ndarray) -> dict[str, np.ndarray]:
    """entropy, energy, homogeneity, contrast, MI of ``(C, L, L)`` count matrices."""
    p = hist / np.maximum(hist.sum(axis=(1, 2), keepdims=True), 1)
    levels = p.shape[-1]
    i, j = np.meshgrid(np.arange(levels), np.arange(levels), indexing="ij")
    d2 = (i - j) ** 2.0
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(p > 0, p * np.log2(np.where(p > 0, p, 1.0)), 0.0)
        pi, pj = p.sum(axis=2), p.sum(axis=1)
        hi = -np.where(pi > 0, pi * np.log2(np.where(pi > 0, pi, 1.0)), 0.0).sum(axis=1)
        hj = -np.where(pj > 0, pj * np.log2(np.where(pj > 0, pj, 1.0)), 0.0).sum(axis=1)
    h = -plogp.sum(axis=(1, 2))
    return {
        "entropy": h,
        "energy": (p * p).sum(axis=(1, 2)),
        "homogeneity": (p / (1.0 + d2)).sum(axis=(1, 2)),
        "contrast": (p * d2).sum(axis=(1, 2)),
        "mi": np.maximum(hi + hj - h, 0.0),  # rounding can give -1e-16
    }


def _joint_hist(ca: np.ndarray, cb: np.ndarray, levels: int) -> np.ndarray:
    """Per-channel ``(C, L, L)`` counts of level pairs; ``ca``, ``cb`` are ``(C, n)``."""
    c = ca.shape[0]
    code = (np.arange(c)[:, None] * levels + ca.astype(np.int64)) * levels + cb
    return np.bincount(code.ravel(), minlength=c * levels * levels).reshape(c, levels, levels)


def _with_null(s: dict, null: list[np.ndarray], n: int) -> CoStats:
    """CoStats of the statistics ``s`` with the baseline of the ``null`` draws (per channel)."""
    mi_null = np.array(null) if null else np.zeros((0, len(s["mi"])))
    base = mi_null.mean(axis=0) if null else np.zeros_like(s["mi"])
    return CoStats(s["entropy"], s["energy"], s["homogeneity"], s["contrast"], s["mi"] - base,
                   s["mi"], base, n, mi_null)


def _co_stats(ca: np.ndarray, cb: np.ndarray, levels: int, shuffles: int, seed: int) -> CoStats:
    s = _matrix_stats(_joint_hist(ca, cb, levels))
    rng = np.random.default_rng(seed)
    null = []
    for _ in range(max(int(shuffles), 0)):
        perm = rng.permutation(cb.shape[1])
        null.append(_matrix_stats(_joint_hist(ca, cb[:, perm], levels))["mi"])
    return _with_null(s, null, int(ca.shape[1]))


def pair_stats(a, b, levels: int = 8, shuffles: int | None = None, seed: int = 0, mask=None,
               baseline: str = "shift") -> CoStats:
    """Statistics of the co-occurrence of A and B at the same positions.

    ``a`` and ``b`` are maps ``(H, W)`` or channel stacks ``(C, H, W)`` of the
    same shape; ``mask`` (``(H, W)`` bool) restricts the positions (e.g. the
    interior of an activation map). Non-finite positions are left out.

    ``baseline``: ``shift`` (default) subtracts the mean MI of B circularly
    shifted by large 2-D offsets (``shuffles`` of :data:`SHIFTS`, all 15 by
    default), which keeps each map's spatial autocorrelation and so removes the
    bias of smooth maps with few independent cells (deep layers) as well as the
    small-sample bias; ``shuffle`` subtracts the MI of B at ``shuffles`` (4)
    random permutations of the positions (right for independent positions only).
    The draws' spread gives ``CoStats.mi_noise``.
    """
    A, B = _stack(a, "A"), _stack(b, "B")
    if A.shape != B.shape:
        raise SeisviewError(
            f"maps of a pair differ in shape: A {tuple(np.shape(a))} vs B {tuple(np.shape(b))}",
            hint="compare maps cut from the same survey area (same inline/crossline range)")
    if baseline not in BASELINES:
        raise SeisviewError(f"unknown MI baseline {baseline!r}", hint="use 'shift' or 'shuffle'")
    ok = _valid(A, B)
    if mask is not None:
        ok &= np.asarray(mask, bool)
    n = int(ok.sum())
    if n < 4 * levels:
        raise SeisviewError(f"only {n} valid positions for {levels} levels",
                            hint="use larger maps or fewer levels")
    ca = quantile_levels(A[:, ok], levels)
    cb = quantile_levels(B[:, ok], levels)
    if baseline == "shuffle":
        return _co_stats(ca, cb, levels, 4 if shuffles is None else shuffles, seed)
    s = _matrix_stats(_joint_hist(ca, cb, levels))
    full_a = np.zeros(A.shape, np.uint8)
    full_b = np.zeros(B.shape, np.uint8)
    full_a[:, ok], full_b[:, ok] = ca, cb
    h, w = ok.shape
    null, done = [], set()
    for fy, fx in SHIFTS[:max(1, len(SHIFTS) if shuffles is None else int(shuffles))]:
        dy, dx = int(round(h * fy)) % h, int(round(w * fx)) % w
        if (dy, dx) in done or (dy, dx) == (0, 0):  # tiny maps: fractions that round alike
            continue
        done.add((dy, dx))
        both = ok & np.roll(ok, (dy, dx), axis=(0, 1))
        if both.sum() < 4 * levels:
            continue
        rolled = np.roll(full_b, (dy, dx), axis=(1, 2))
        null.append(_matrix_stats(_joint_hist(full_a[:, both], rolled[:, both], levels))["mi"])
    return _with_null(s, null, n)


def map_stats(a, levels: int = 8, distance: int = 1, angles=(0, 90), shuffles: int = 4,
              seed: int = 0, mask=None) -> CoStats:
    """Whole-map GLCM statistics of one map (or of each channel of a stack).

    Pairs are each position and its neighbour at ``distance`` along each
    angle (degrees, scikit-image convention), pooled over the angles. The
    mutual information is between a pixel and its neighbour, minus the
    shuffled-positions baseline.
    """
    A = _stack(a, "A")
    ok = _valid(A)
    if mask is not None:
        ok &= np.asarray(mask, bool)
    if ok.sum() < 4 * levels:
        raise SeisviewError(f"only {int(ok.sum())} valid positions for {levels} levels",
                            hint="use a larger map or fewer levels")
    codes = np.zeros(A.shape, np.uint8)
    codes[:, ok] = quantile_levels(A[:, ok], levels)
    h, w = ok.shape
    first, second = [], []
    for ang in (angles,) if np.isscalar(angles) else angles:
        t = np.deg2rad(ang)
        dr, dc = int(round(np.sin(t) * distance)), int(round(np.cos(t) * distance))
        r0, r1 = max(0, -dr), h - max(0, dr)
        c0, c1 = max(0, -dc), w - max(0, dc)
        if r1 <= r0 or c1 <= c0:
            continue
        pair_ok = ok[r0:r1, c0:c1] & ok[r0 + dr:r1 + dr, c0 + dc:c1 + dc]
        first.append(codes[:, r0:r1, c0:c1][:, pair_ok])
        second.append(codes[:, r0 + dr:r1 + dr, c0 + dc:c1 + dc][:, pair_ok])
    if not first or sum(f.shape[1] for f in first) < 4 * levels:
        raise SeisviewError(f"map {A.shape[1:]} too small for pairs at distance {distance}",
                            hint="use a larger map or a shorter distance")
    return _co_stats(np.concatenate(first, 1), np.concatenate(second, 1), levels, shuffles, seed)
