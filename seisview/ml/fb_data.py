"""Arrays for the first-break picker: trace normalisation, picked gathers, random crops.

Kept apart from the training loop so the benchmark, the pretraining and the
tests share exactly the preprocessing the picker sees at prediction time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet


def normalise_traces(data: np.ndarray, compress: float = 1000.0) -> np.ndarray:
    """Trace-normalised, log-compressed amplitudes, float32, same shape as ``data``.

    ``data`` is ``(..., sample)`` (one trace per row). Each trace is divided by
    its 99.5th percentile of ``|x|``, then ``sign(x)·log1p(c·|x|)/log1p(c)``: the
    weak first arrival at far offsets stays visible next to the strong surface
    waves after it, and every trace lands in about [-1, 1] whatever its gain.
    """
    x = np.asarray(data, dtype=np.float32)
    x = np.nan_to_num(x, nan=0.0, posinf=0.0, neginf=0.0)
    scale = np.percentile(np.abs(x), 99.5, axis=-1, keepdims=True)
    scale = np.where(scale > 0, scale, 1.0)
    y = x / scale
    if compress > 0:
        y = np.sign(y) * np.log1p(compress * np.abs(y)) / np.log1p(compress)
    return y.astype(np.float32)


@dataclass(frozen=True)
class PickedGather:
    key: int
    x: np.ndarray  # (channel, sample, trace) network input, cut to the window
    pick: np.ndarray  # (trace,) pick in samples from the window start, NaN = unpicked
    channels: np.ndarray


def picks_by_trace(gathers: GatherSet, picks: Mapping) -> np.ndarray:
    """Pick time in ms for every trace of ``gathers`` (NaN where unpicked)."""
    out = np.full(len(gathers.keys), np.nan)
    if not picks:
        return out
    index = {(int(k), int(c)): i for i, (k, c) in enumerate(zip(gathers.keys, gathers.channels, strict=False))}
    for (k, c), t in picks.items():
        i = index.get((int(k), int(c)))
        if i is not None and t is not None and np.isfinite(t) and t >= 0:
            out[i] = float(t)
    return out


def picks_from_headers(gathers: GatherSet, name: str = "fb_us", unit_ms: float = 1e-3) -> dict:
    """``{(key, channel): time_ms}`` from a per-trace header array (negative = not picked)."""
    if name not in gathers.headers:
        raise SeisviewError(f"the gathers carry no {name!r} header",
                            hint="load the picks from the project or a CSV instead")
    v = np.asarray(gathers.headers[name], dtype=np.float64)
    return {(int(k), int(c)): float(t) * unit_ms
            for k, c, t in zip(gathers.keys, gathers.channels, v, strict=False) if t > 0}


def input_channels(compress: float, offset: bool = False) -> int:
    """Channels of the network input: amplitude (linear, log when ``compress`` > 0), and
    with ``offset`` a constant |offset| channel after them."""
    return (2 if compress > 0 else 1) + int(offset)


def offset_scale(gathers: GatherSet) -> float:
    """The largest |offset| of the survey (m): the offset channel is |offset| over it."""
    off = np.abs(np.asarray(gathers.offsets, float))
    off = off[np.isfinite(off)]
    if off.size == 0 or off.max() <= 0:
        raise SeisviewError("the gathers carry no offsets for the picker's offset channel",
                            hint="train without offset_channel, or load offsets (byte 37)")
    return float(off.max())


def decimate(x: np.ndarray, factor: int, how: str = "box") -> np.ndarray:
    """Every ``factor``-th sample of ``x`` ``(trace, sample)`` after a centred low-pass.

    ``box``: a centred moving mean over ``factor`` samples (ends half-weighted): it
    smears an onset over only ±half a coarse sample, so the arrival starts where
    it does at full rate. ``poly``: scipy's anti-aliasing FIR (``resample_poly``),
    cleaner spectra but its 20-coarse-sample support rings ahead of a sharp
    arrival, which blurs exactly the onset the picker must find.
    """
    if factor <= 1:
        return x
    if how == "poly":
        from scipy.signal import resample_poly

        return resample_poly(x, 1, factor, axis=1)
    from scipy.ndimage import convolve1d

    k = np.ones(factor + 1)
    k[0] = k[-1] = 0.5
    return convolve1d(x, k / factor, axis=1, mode="nearest")[:, ::factor]


def gather_input(traces: np.ndarray, n_window: int, factor: int, compress: float,
                 how: str = "poly", offsets: np.ndarray | None = None,
                 scale_m: float | None = None) -> np.ndarray:
    """Network input ``(channel, sample, trace)`` of raw ``traces`` ``(trace, sample)``.

    The first ``n_window`` samples, decimated by ``factor`` (anti-aliased) and
    trace-normalised: channel 0 linear, channel 1 (when ``compress`` > 0)
    log-compressed. Both are needed: the linear one keeps the contrast between
    noise and a weak far-offset arrival (the log squeezes it: measured 74 % vs
    89 % within 2 samples on the demo gathers), the log one shows a weak first
    arrival beside strong surface waves (real land shots). Decimating fine-sampled land data (0.25 ms) to about 1 ms
    gives the network four times the time context for the same cost; the pick
    keeps sub-sample precision because the step is fitted on the interpolated
    probability (see ``fb_predict.predict_gather``).
    """
    x = np.asarray(traces[:, :n_window], dtype=np.float64)
    x = x - np.median(x, axis=1, keepdims=True)  # DC offsets of land geophones
    x = decimate(x, factor, how)
    lin = normalise_traces(x, 0.0)
    chans = [lin.T]
    if compress > 0:
        chans.append(normalise_traces(x, compress).T)
    if scale_m:  # |offset| / survey maximum, constant down each trace (unknown: 0)
        off = np.nan_to_num(np.abs(np.asarray(offsets, np.float64)), nan=0.0) / scale_m
        chans.append(np.broadcast_to(off.astype(np.float32), lin.T.shape))
    return np.ascontiguousarray(np.stack(chans))


def picked_gathers(gathers: GatherSet, picks: Mapping, n_window: int, compress: float,
                   factor: int = 1, keys=None, how: str = "poly",
                   scale_m: float | None = None) -> list[PickedGather]:
    """The gathers (all, or ``keys``) as network inputs with their picks in input samples."""
    t_ms = picks_by_trace(gathers, picks)
    out = []
    for key in gathers.gather_ids if keys is None else keys:
        idx = gathers.trace_indices(int(key))
        x = gather_input(gathers.data[idx], n_window, factor, compress, how,
                         gathers.offsets[idx], scale_m)
        pick = (t_ms[idx] - gathers.t0_ms) / (gathers.dt_ms * factor)
        out.append(PickedGather(int(key), x, pick, gathers.channels[idx]))
    return out


def window_samples(gathers: GatherSet, picks: Mapping, factor: int = 8,
                   n_min: int = 128) -> int:
    """Samples to look at: 1.5 × the latest pick plus 64, rounded up to ``factor``.

    First breaks of the other gathers of a survey lie in the same time range as
    the picked ones; cutting the rest of the trace makes training and
    prediction many times cheaper and keeps late surface waves out of the step fit.
    """
    t = picks_by_trace(gathers, picks)
    t = t[np.isfinite(t)]
    if t.size == 0:
        return gathers.n_samples
    last = (t.max() - gathers.t0_ms) / gathers.dt_ms
    n = int(max(n_min, 1.5 * last + 64))
    n = -(-n // factor) * factor
    return int(min(n, gathers.n_samples))


def _stretch(x: np.ndarray, p: np.ndarray, s: float) -> tuple[np.ndarray, np.ndarray]:
    """Resample ``x`` ``(channel, time, trace)`` in time by ``s`` (> 1 slows it down)."""
    nt = x.shape[1]
    src = np.arange(int(nt * s)) / s
    src = src[src <= nt - 1]
    i0 = np.floor(src).astype(int)
    i1 = np.minimum(i0 + 1, nt - 1)
    w = (src - i0)[None, :, None]
    return x[:, i0] * (1 - w) + x[:, i1] * w, p * s


def _relog(lin: np.ndarray, compress: float) -> np.ndarray:
    """The log channel of :func:`normalise_traces` from its linear channel (same scale)."""
    return np.sign(lin) * np.log1p(compress * np.abs(lin)) / np.log1p(compress)


def random_crops(items: list[PickedGather], rng: np.random.Generator, batch: int,
                 n_time: int, n_trace: int, gain: bool = True, edge_weight: float = 0.0,
                 edge_width: float = 8.0, augment: bool = True, compress: float = 20.0,
                 ramp: bool = False):
    """``(x, target, weight)`` float32 batches ``(batch, channel, n_time, n_trace)``.

    ``weight`` is 0 on unpicked traces and ``1 + edge_weight·exp(-|t - pick|/edge_width)``
    on picked ones: most samples are far from the pick and easy, so weighting the
    ones near it makes the few gathers' picks teach faster.

    Most crops are placed so that the picks of their traces fall inside (the
    step is what there is to learn); one in five starts anywhere (no pick inside:
    all 0 or all 1 is an answer the network must also give). Traces are a contiguous run, mirrored at
    random (split spreads look the same both ways). ``gain`` jitters the
    amplitude scale, which after the log compression is a shift the picker
    must not depend on.

    ``augment`` makes a few gathers look like many (measured on real land shots:
    without it the picker fits its 3 training gathers and misses the others by
    several ms): polarity flips, every second trace only (other trace spacing),
    a time stretch of 0.8–1.25 (other frequencies and moveouts), added noise
    (other signal-to-noise ratios) and dropped traces (dead channels, weight 0).
    """
    n_ch = items[0].x.shape[0]
    n_amp = input_channels(compress)  # amplitude channels; an offset channel follows them
    xs = np.zeros((batch, n_ch, n_time, n_trace), np.float32)
    ys = np.zeros((batch, 1, n_time, n_trace), np.float32)
    ms = np.zeros_like(ys)
    for b in range(batch):
        it = items[rng.integers(len(items))]
        x_all, p_all = it.x, it.pick
        if augment and x_all.shape[2] >= 2 * min(n_trace, 8) and rng.random() < 0.3:
            o = int(rng.integers(2))
            x_all, p_all = x_all[:, :, o::2], p_all[o::2]
        stretch = float(np.exp(rng.uniform(np.log(0.8), np.log(1.25)))) if augment else 1.0
        span = int(np.ceil(n_time / stretch)) + 2  # samples to cut before stretching
        nt, nn = x_all.shape[1:]
        j0 = int(rng.integers(0, max(nn - n_trace, 0) + 1))
        hi = max(nt - span, 0)
        p_in = p_all[j0:j0 + n_trace]
        p_in = p_in[np.isfinite(p_in)]
        if p_in.size and rng.random() < 0.8:
            lo_t = int(np.clip(p_in.max() - span + 8, 0, hi))
            hi_t = int(np.clip(p_in.min() - 8, lo_t, hi))
            t0 = int(rng.integers(lo_t, hi_t + 1))
        else:
            t0 = int(rng.integers(0, hi + 1))
        x = x_all[:, t0:t0 + span, j0:j0 + n_trace]
        p = p_all[j0:j0 + n_trace] - t0
        if stretch != 1.0:
            x, p = _stretch(x, p, stretch)
        x = x[:, :n_time]
        if augment:
            x = x.copy()
            if rng.random() < 0.15:
                lin = x[0] + rng.normal(0, 10 ** rng.uniform(-3, -1.3), x[0].shape)
                x[0] = lin
                if n_amp > 1:
                    x[1] = _relog(lin, compress)
            if rng.random() < 0.5:
                x[:n_amp] = -x[:n_amp]
        if gain:
            x = x.copy()
            x[:n_amp] *= rng.uniform(0.8, 1.25)
        if rng.random() < 0.5:
            x, p = x[:, :, ::-1], p[::-1]
        p = p.copy()
        if augment:
            drop = rng.random(p.size) < 0.1
            x = x.copy()
            x[:n_amp, :, drop] = 0.0
            p[drop] = np.nan
        h, w = x.shape[1:]
        xs[b, :, :h, :w] = x
        t = np.arange(n_time)[:, None]
        pp = np.nan_to_num(p, nan=1e9)[None, :]
        # ramp: the sample holding the pick gets the share of it after the pick, so a
        # pick between two samples is learnt where it is, not rounded up to the next one
        ys[b, 0, :, :w] = (np.clip(t - pp + 0.5, 0.0, 1.0) if ramp else (t >= pp)).astype(np.float32)
        wt = np.isfinite(p)[None, :] * (1.0 + edge_weight * np.exp(-np.abs(t - pp) / edge_width))
        ms[b, 0, :h, :w] = wt[:h]
    return xs, ys, ms
