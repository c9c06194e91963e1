"""Trace-to-trace continuity of first-break picks: the best path through a gather's
arrival probability (dynamic programming over traces, numpy only).

First breaks vary smoothly from trace to trace (refraction branches are nearly
straight lines), so a pick far from what its neighbours' moveout predicts is more
likely a miss than a jump. :func:`continuous_picks` chooses one pick per trace to
minimise the sum over traces of the step cost of the pick (how far the trace's
arrival probability is from a step there, :func:`~seisview.ml.models.fb_unet.step_costs`,
in ms) plus, between neighbouring traces, ``penalty`` per ms by which their time
difference departs from the local moveout by more than ``free_ms``. The local moveout
is the running median of the first-pass picks' steps, so straight branches of any
slope cost nothing and one outlier does not bend it. Solved exactly by the Viterbi
recursion on a grid of ``state_ms``, then refined to the data's samples.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import minimum_filter1d

from seisview.ml.models.fb_unet import step_costs

# chosen on generated gathers (core.fb_synthetic, 60 held-out gathers): penalty 0.1, 0.3
# and 1 per ms, free 1 and 3 ms; 0.3 / 1 ms placed the most picks within max(2 samples, a
# tenth of a period) (docs/measurements.md, "Onset refinement and continuity")
PENALTY, FREE_MS, STATE_MS, SLOPE_TRACES = 0.3, 1.0, 1.0, 3


def local_moveout(pick: np.ndarray, half: int = SLOPE_TRACES) -> np.ndarray:
    """Expected step between neighbouring traces: running median of the picks' steps over
    ``half`` steps either side (NaN picks ignored; 0 where none is known)."""
    d = np.diff(np.asarray(pick, float))
    out = np.zeros(d.size)
    for i in range(d.size):
        w = d[max(0, i - half):i + half + 1]
        w = w[np.isfinite(w)]
        out[i] = float(np.median(w)) if w.size else 0.0
    return out


def _shifted(v: np.ndarray, shift: int) -> np.ndarray:
    """``g[k] = v[k - shift]`` (inf outside)."""
    n = v.size
    g = np.full(n, np.inf)
    if 0 <= shift < n:
        g[shift:] = v[:n - shift]
    elif -n < shift < 0:
        g[:n + shift] = v[-shift:]
    return g


def _relax(v: np.ndarray, shift: int, free: int, slope: float) -> np.ndarray:
    """``min over k' of v[k'] + slope * max(0, |k - k' - shift| - free)`` for every ``k``."""
    w = minimum_filter1d(v, size=2 * free + 1, mode="nearest") if free > 0 else v
    g = _shifted(w, shift)
    k = np.arange(g.size) * slope
    # L1 distance transform in two passes: min over k' <= k of g[k'] + slope (k - k'), and back
    g = np.minimum(g, np.minimum.accumulate(g - k) + k)
    return np.minimum(g, (np.minimum.accumulate((g + k)[::-1]) - k[::-1])[::-1])


def continuous_picks(prob: np.ndarray, pick: np.ndarray, dt_ms: float, *,
                     penalty: float = PENALTY, free_ms: float = FREE_MS,
                     state_ms: float = STATE_MS, band_ms: float | None = None) -> np.ndarray:
    """The picks (samples of ``prob``, float) of the best continuous path through ``prob``
    ``(time, trace)``, traces in spatial order; ``pick``: first-pass picks (samples) that
    give the local moveout. ``band_ms``: the path stays within that of the first pass (a
    trace whose probability says "arrived" from the first sample on must not drag the path
    there: the moveout checks re-fitted it). Fewer than 3 traces: ``pick`` unchanged."""
    p = np.asarray(prob, np.float64)
    first = np.asarray(pick, float)
    n_t, m = p.shape
    if m < 3 or n_t < 2:
        return first.copy()
    full = step_costs(p)[:-1] * dt_ms  # ms: a clean step moved by 1 ms costs 1
    stride = max(1, int(round(state_ms / dt_ms)))
    unary = full[::stride] - full[::stride].min(axis=0, keepdims=True)
    if band_ms is not None:
        states = np.arange(unary.shape[0])[:, None] * stride
        far = np.abs(states - np.nan_to_num(first, nan=0.0)[None, :]) > band_ms / dt_ms
        unary[far & np.isfinite(first)[None, :]] = np.inf
    moveout = local_moveout(first / stride)
    slope = penalty * stride * dt_ms
    free = int(round(free_ms / (stride * dt_ms)))
    paths = [unary[:, 0]]
    for j in range(1, m):
        paths.append(unary[:, j] + _relax(paths[-1], int(round(moveout[j - 1])), free, slope))
    n = unary.shape[0]
    states = np.arange(n)
    k = np.empty(m, int)
    k[-1] = int(np.argmin(paths[-1]))
    for j in range(m - 1, 0, -1):
        jump = np.abs(k[j] - states - int(round(moveout[j - 1])))
        k[j - 1] = int(np.argmin(paths[j - 1] + slope * np.maximum(0, jump - free)))
    out = np.empty(m)
    for j in range(m):  # the best sample of the data within one state of the path
        lo, hi = max((k[j] - 1) * stride, 0), min((k[j] + 1) * stride + 1, n_t)
        out[j] = lo + int(np.argmin(full[lo:hi, j]))
    return out
