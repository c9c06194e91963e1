"""Classical onset detection for first-break picking (numpy only).

Characteristic functions (CF) are computed for one trace ``(n_samples,)`` or a
stack of traces ``(n_traces, n_samples)`` along the last axis:

* ``sta_lta``: short-term over long-term mean energy, both windows trailing
  (causal), so it rises *after* the onset and triggers on a threshold;
* ``energy_ratio``: energy in the window after a sample over the window before
  it; its maximum sits on the onset itself;
* ``modified_energy_ratio``: ``(energy_ratio * |x|)**3``, sharper peak;
* ``aic``: Maeda's AIC, minimum at the point that best splits noise from signal.

``pick_onset`` triggers on STA/LTA and refines to the energy-ratio maximum
just before the trigger; ``snap`` moves a rough time to the CF maximum within
a window (the picking tool's snap); ``pick_gather`` picks every trace of a
gather and re-snaps outliers against the gather's own moveout, the classical
baseline the trained picker is compared with; ``refine_onsets`` places picks that
another picker found (the trained one) on the AIC onset of a window scaled by the
gather's dominant period.

All times are in ms; ``t0_ms`` is the time of the first sample.
"""

from __future__ import annotations

import numpy as np

from seisview.core.errors import SeisviewError

__all__ = ["sta_lta", "energy_ratio", "modified_energy_ratio", "aic", "characteristic",
           "pick_onset", "snap", "pick_gather", "pick_stats", "dominant_period_ms",
           "refine_onsets"]

_EPS = 1e-20


def _n(ms: float, dt_ms: float) -> int:
    if not dt_ms > 0:
        raise SeisviewError(f"sample interval {dt_ms} ms is not positive",
                            hint="pass the trace's sample interval in ms")
    return max(1, int(round(ms / dt_ms)))


def _energy_cumsum(x: np.ndarray) -> np.ndarray:
    """Cumulative energy with a leading 0 along the last axis (float64 for accuracy)."""
    e = np.asarray(x, np.float64) ** 2
    c = np.cumsum(e, axis=-1)
    return np.concatenate([np.zeros(c.shape[:-1] + (1,)), c], axis=-1)


def _window_mean(c: np.ndarray, lo: np.ndarray, hi: np.ndarray) -> np.ndarray:
    """Mean energy over [lo, hi) from a leading-zero cumulative sum (indices broadcast)."""
    n = np.maximum(hi - lo, 1)
    return (np.take(c, hi, axis=-1) - np.take(c, lo, axis=-1)) / n


def sta_lta(trace: np.ndarray, dt_ms: float, sta_ms: float = 5.0, lta_ms: float = 50.0) -> np.ndarray:
    """Classic trailing STA/LTA energy ratio; the LTA window grows from the trace start.

    The first ``sta`` samples have no full short window and are set to 0.
    """
    x = np.asarray(trace)
    ns = x.shape[-1]
    c = _energy_cumsum(x)
    k = np.arange(ns)
    n_sta, n_lta = _n(sta_ms, dt_ms), _n(lta_ms, dt_ms)
    sta = _window_mean(c, np.maximum(k + 1 - n_sta, 0), k + 1)
    lta = _window_mean(c, np.maximum(k + 1 - n_lta, 0), k + 1)
    floor = _noise_floor(c, ns)
    r = sta / (lta + floor)
    r[..., :n_sta] = 0.0
    return r


def _noise_floor(c: np.ndarray, ns: int) -> np.ndarray:
    """A tiny floor (1e-6 of the mean trace energy) so dead or quiet samples do not divide by 0."""
    return (c[..., -1:] / max(ns, 1)) * 1e-6 + _EPS


def energy_ratio(trace: np.ndarray, dt_ms: float, window_ms: float = 10.0) -> np.ndarray:
    """Energy in ``[k, k+L)`` over energy in ``[k-L, k)``; windows are clipped at the trace ends."""
    x = np.asarray(trace)
    ns = x.shape[-1]
    c = _energy_cumsum(x)
    k = np.arange(ns)
    n = _n(window_ms, dt_ms)
    post = _window_mean(c, k, np.minimum(k + n, ns))
    pre = _window_mean(c, np.maximum(k - n, 0), np.maximum(k, 1))
    r = post / (pre + _noise_floor(c, ns))
    r[..., :2] = 0.0  # no "before" yet: never an onset at the very first samples
    return r


def modified_energy_ratio(trace: np.ndarray, dt_ms: float, window_ms: float = 10.0) -> np.ndarray:
    """``(energy_ratio * |x|) ** 3``: peaks at the onset, sharper than the plain ratio."""
    x = np.asarray(trace, np.float64)
    scale = np.max(np.abs(x), axis=-1, keepdims=True) + _EPS
    return (energy_ratio(x, dt_ms, window_ms) * np.abs(x) / scale) ** 3


def aic(trace: np.ndarray) -> np.ndarray:
    """Maeda's AIC: ``k log var(x[:k]) + (N-k-1) log var(x[k:])``; minimum at the onset.

    The two end samples, where a variance is undefined, are set to the maximum.
    """
    x = np.asarray(trace, np.float64)
    ns = x.shape[-1]
    k = np.arange(1, ns)  # split after sample k-1
    s1 = np.cumsum(x, axis=-1)
    s2 = np.cumsum(x * x, axis=-1)
    tot1, tot2 = s1[..., -1:], s2[..., -1:]
    a1, a2 = s1[..., :-1], s2[..., :-1]
    var_pre = a2 / k - (a1 / k) ** 2
    var_post = (tot2 - a2) / (ns - k) - ((tot1 - a1) / (ns - k)) ** 2
    floor = np.mean(x * x, axis=-1, keepdims=True) * 1e-12 + _EPS
    out = k * np.log(np.maximum(var_pre, floor)) + (ns - k - 1) * np.log(np.maximum(var_post, floor))
    out = np.concatenate([out[..., :1], out], axis=-1)
    out[..., :2] = np.max(out, axis=-1, keepdims=True)
    out[..., -2:] = np.max(out, axis=-1, keepdims=True)
    return out


_METHODS = ("sta_lta", "energy_ratio", "mer", "aic")
_PHASES = ("peak", "trough", "extremum")


def characteristic(trace: np.ndarray, dt_ms: float, method: str = "energy_ratio",
                   window_ms: float = 10.0, lta_ms: float = 50.0) -> np.ndarray:
    """The CF of ``method`` oriented so that its *maximum* marks the onset."""
    if method == "sta_lta":
        return sta_lta(trace, dt_ms, window_ms, lta_ms)
    if method == "energy_ratio":
        return energy_ratio(trace, dt_ms, window_ms)
    if method == "mer":
        return modified_energy_ratio(trace, dt_ms, window_ms)
    if method == "aic":
        return -aic(trace)
    raise SeisviewError(f"unknown onset method {method!r}",
                        hint=f"use one of {', '.join(_METHODS + _PHASES)}")


def snap(trace: np.ndarray, t_ms: float, window_ms: float, dt_ms: float, *, method: str = "energy_ratio",
         cf_ms: float = 10.0, t0_ms: float = 0.0) -> float:
    """Nearest onset to ``t_ms``: the CF maximum within ``t_ms +/- window_ms``.

    ``method`` is an onset CF (``energy_ratio``, ``mer``, ``sta_lta``, ``aic``) or a
    phase, for interpreters who pick on a later, stronger lobe: ``peak``,
    ``trough`` or ``extremum`` (largest |amplitude|). For ``aic`` the CF is
    computed on the window (plus a margin) only, as AIC is meant for a segment
    holding one onset. Returns ``t_ms`` unchanged when the window falls outside
    the trace or the trace is flat there.
    """
    x = np.asarray(trace, np.float64)
    if method not in _METHODS + _PHASES:
        characteristic(x[:4], dt_ms, method)  # raises the one-line error
    _n(cf_ms, dt_ms)  # checks dt_ms
    ns = x.size
    k = (t_ms - t0_ms) / dt_ms
    w = window_ms / dt_ms
    lo, hi = int(np.floor(k - w)), int(np.ceil(k + w)) + 1
    lo, hi = max(lo, 0), min(hi, ns)
    if hi - lo < 2:
        return float(t_ms)
    if method in _PHASES:
        seg = x[lo:hi] - np.median(x)
        cf = {"peak": seg, "trough": -seg, "extremum": np.abs(seg)}[method]
    elif method == "aic":
        m = _n(cf_ms, dt_ms)
        a, b = max(lo - m, 0), min(hi + m, ns)
        cf = -aic(x[a:b])[lo - a:hi - a]
    else:
        cf = characteristic(x, dt_ms, method, cf_ms)[lo:hi]
    if not np.isfinite(cf).any() or np.ptp(cf) == 0:
        return float(t_ms)
    return float(t0_ms + (lo + int(np.nanargmax(cf))) * dt_ms)


def _trigger(ratio: np.ndarray, threshold: float, relative: float) -> np.ndarray:
    """First index where ``ratio`` reaches ``max(threshold, relative * its maximum)`` per row.

    The relative level keeps short noise bursts (which pass a fixed threshold on
    band-limited noise surprisingly often) from firing before a clear arrival.
    """
    level = np.maximum(threshold, relative * np.max(ratio, axis=-1, keepdims=True))
    hit = ratio >= level
    first = np.argmax(hit, axis=-1)
    return np.where(hit.any(axis=-1), first, np.argmax(ratio, axis=-1))


def _refine(er: np.ndarray, trig: np.ndarray, back: int, ahead: int) -> np.ndarray:
    """Index of the energy-ratio maximum in ``[trig - back, trig + ahead]`` for each row."""
    ns = er.shape[-1]
    offs = np.arange(-back, ahead + 1)
    idx = np.clip(trig[:, None] + offs[None, :], 0, ns - 1)
    vals = np.take_along_axis(er, idx, axis=-1)
    return idx[np.arange(idx.shape[0]), np.argmax(vals, axis=-1)]


def _pick_rows(x: np.ndarray, dt_ms: float, sta_ms: float, lta_ms: float, threshold: float,
               window_ms: float, relative: float) -> np.ndarray:
    ratio = sta_lta(x, dt_ms, sta_ms, lta_ms)
    trig = _trigger(ratio, threshold, relative)
    er = energy_ratio(x, dt_ms, window_ms)
    # STA/LTA fires late by up to one short window: look back for the onset itself
    return _refine(er, trig, _n(sta_ms + window_ms, dt_ms), _n(sta_ms / 2, dt_ms))


def pick_onset(trace: np.ndarray, dt_ms: float, *, sta_ms: float = 3.0, lta_ms: float = 50.0,
               threshold: float = 4.0, relative: float = 0.7, window_ms: float = 6.0,
               t0_ms: float = 0.0) -> float:
    """Classical single-trace onset: STA/LTA trigger, refined to the energy-ratio maximum.

    Returns the time in ms, or NaN for a dead (all-zero or non-finite) trace.
    """
    x = np.asarray(trace, np.float64)
    if x.ndim != 1:
        raise SeisviewError(f"pick_onset takes one trace, got an array of shape {x.shape}",
                            hint="use pick_gather for (sample, trace) arrays")
    if not np.isfinite(x).all() or not np.any(x):
        return float("nan")
    x = x - np.median(x)  # DC offsets (common on land geophones) bias every energy CF
    k = _pick_rows(x[None, :], dt_ms, sta_ms, lta_ms, threshold, window_ms, relative)[0]
    return float(t0_ms + k * dt_ms)


def pick_gather(data: np.ndarray, dt_ms: float, *, sta_ms: float = 3.0, lta_ms: float = 50.0,
                threshold: float = 4.0, relative: float = 0.7, window_ms: float = 6.0,
                t0_ms: float = 0.0, consistent: bool = True, tolerance_ms: float = 15.0, neighbours: int = 5,
                order: np.ndarray | None = None) -> np.ndarray:
    """Pick every trace of a gather ``(sample, trace)``; returns ms per trace (NaN for dead traces).

    With ``consistent`` a pick more than ``tolerance_ms`` away from the running
    median of its ``neighbours`` on each side (traces in ``order``, e.g. sorted by
    offset; file order by default) is re-snapped to the energy-ratio maximum
    within ``tolerance_ms`` of that median: the gather's moveout overrules a
    trace that triggered on noise or a later phase.
    """
    x = np.asarray(data, np.float64)
    if x.ndim != 2:
        raise SeisviewError(f"pick_gather takes a (sample, trace) array, got shape {x.shape}",
                            hint="pass one gather, time down")
    rows = np.ascontiguousarray(x.T)
    dead = ~np.isfinite(rows).all(axis=1) | ~np.any(rows, axis=1)
    rows[dead] = 0.0
    rows -= np.median(rows, axis=1, keepdims=True)  # remove DC offsets
    k = _pick_rows(rows, dt_ms, sta_ms, lta_ms, threshold, window_ms, relative).astype(float)
    k[dead] = np.nan
    if consistent and rows.shape[0] >= 3:
        k = _make_consistent(rows, k, dt_ms, tolerance_ms, neighbours, window_ms, order)
    return t0_ms + k * dt_ms


def _make_consistent(rows, k, dt_ms, tolerance_ms, neighbours, window_ms, order):
    n = rows.shape[0]
    order = np.arange(n) if order is None else np.asarray(order)
    ks = k[order]
    med = np.array([np.nanmedian(ks[max(i - neighbours, 0):i + neighbours + 1])
                    if np.isfinite(ks[max(i - neighbours, 0):i + neighbours + 1]).any() else np.nan
                    for i in range(n)])
    tol = tolerance_ms / dt_ms
    bad = np.isfinite(ks) & np.isfinite(med) & (np.abs(ks - med) > tol)
    if not bad.any():
        return k
    er = energy_ratio(rows[order[bad]], dt_ms, window_ms)
    centre = np.rint(med[bad]).astype(int)
    t = int(round(tol))
    ks[bad] = _refine(er, centre, t, t)
    out = np.empty_like(k)
    out[order] = ks
    return out


# AIC window of refine_onsets, in dominant periods before and after the pick: chosen on 100
# held-out generated gathers (core.fb_synthetic) among 0.25-1 period and fixed 2-12 ms, by
# picks placed within max(2 samples, a tenth of a period) minus picks made worse by more than
# a quarter period, averaged over the shipped picker's picks as they are and 2 ms late
# (docs/measurements.md, "Onset refinement and continuity"); wider windows gain a few hits
# but move up to 10 % of the picks to an earlier wiggle of the noise
ONSET_BEFORE, ONSET_AFTER = 0.25, 0.125


def dominant_period_ms(traces: np.ndarray, t_ms: np.ndarray, dt_ms: float, t0_ms: float = 0.0,
                       window_ms: float = 64.0, lowest_hz: float = 5.0) -> float:
    """Median over traces of the period of the spectral peak of ``window_ms`` after each pick.

    ``traces`` ``(trace, sample)``; NaN picks and dead traces are skipped; 20 ms when no
    trace has a usable window (the period of a typical land first arrival)."""
    x = np.asarray(traces, np.float64)
    n = max(_n(window_ms, dt_ms), 8)
    freqs = np.fft.rfftfreq(4 * n, dt_ms / 1000.0)
    periods = []
    for tr, t in zip(x, np.asarray(t_ms, float), strict=True):
        if not np.isfinite(t):
            continue
        k = int(round((t - t0_ms) / dt_ms))
        seg = tr[max(k, 0):max(k, 0) + n]
        if seg.size < n or not np.any(seg):
            continue
        amp = np.abs(np.fft.rfft((seg - seg.mean()) * np.hanning(n), 4 * n))
        amp[freqs < lowest_hz] = 0.0
        if amp.max() > 0:
            periods.append(1000.0 / freqs[int(np.argmax(amp))])
    return float(np.median(periods)) if periods else 20.0


def refine_onsets(traces: np.ndarray, t_ms: np.ndarray, dt_ms: float, t0_ms: float = 0.0, *,
                  before: float = ONSET_BEFORE, after: float = ONSET_AFTER,
                  period_ms: float | None = None) -> np.ndarray:
    """Move each pick to the AIC onset (Maeda) of the window ``[t - before*T, t + after*T]``.

    ``T``: the gather's dominant period (:func:`dominant_period_ms`) unless given. The
    picker that found ``t_ms`` chooses the arrival; AIC places its onset, the split
    between pre-arrival noise and signal, as production pickers do. NaN picks, dead
    traces and windows of fewer than 8 samples are left as they are.
    """
    x = np.asarray(traces, np.float64)
    t = np.asarray(t_ms, float).copy()
    if x.ndim != 2 or x.shape[0] != t.size:
        raise SeisviewError(f"refine_onsets takes (trace, sample) traces and one pick per trace, "
                            f"got {x.shape} and {t.size} picks", hint="pass one gather's traces")
    period = float(period_ms) if period_ms else dominant_period_ms(x, t, dt_ms, t0_ms)
    nb, na = int(round(before * period / dt_ms)), int(round(after * period / dt_ms))
    ns = x.shape[1]
    for j in np.flatnonzero(np.isfinite(t)):
        k = int(round((t[j] - t0_ms) / dt_ms))
        lo, hi = max(k - nb, 0), min(k + na + 1, ns)
        if hi - lo < 8 or not np.any(x[j, lo:hi]):
            continue
        t[j] = t0_ms + (lo + int(np.argmin(aic(x[j, lo:hi])))) * dt_ms
    return t


def pick_stats(picked_ms: np.ndarray, truth_ms: np.ndarray, dt_ms: float, samples: float = 2.0) -> dict:
    """Share of picks within ``samples`` samples of the truth, median and mean bias (ms), count."""
    p, t = np.asarray(picked_ms, float), np.asarray(truth_ms, float)
    ok = np.isfinite(p) & np.isfinite(t)
    d = p[ok] - t[ok]
    if d.size == 0:
        return {"n": 0, "within": float("nan"), "median_bias_ms": float("nan"),
                "mean_abs_ms": float("nan")}
    return {"n": int(d.size), "within": float(np.mean(np.abs(d) <= samples * dt_ms + 1e-9)),
            "median_bias_ms": float(np.median(d)), "mean_abs_ms": float(np.mean(np.abs(d)))}
