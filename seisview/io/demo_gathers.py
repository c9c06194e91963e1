"""Synthetic shot gathers over a layered, laterally varying near surface, with known first breaks.

The near surface has a slow weathering layer (thickness and velocity vary along
the line), a sub-weathering layer and a fast refractor. First-break times are
the earliest of the direct wave and the head waves, computed with delay times
(``t = |x|/v_n + delay_n(source) + delay_n(receiver)``). The first arrival is a
causal wavelet whose first half-cycle is weak, followed by a stronger opposite
lobe, so a picker that follows the strong phase is late by several ms: which
convention the interpreter uses matters. Later arrivals (other refraction
branches, reflections, ground roll) and band-limited noise complete the record.

numpy + scipy only; deterministic for a given seed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal


@dataclass(frozen=True)
class GatherSpec:
    n_shots: int = 12
    n_channels: int = 96
    group_m: float = 10.0
    n_samples: int = 1000
    dt_ms: float = 1.0
    first_lobe: float = 0.35  # amplitude of the weak first half-cycle relative to the second
    fb_hz: float = 40.0
    noise: float = 0.02  # noise std relative to the first-arrival peak at 300 m offset
    seed: int = 7


def arrival_wavelet(tau_ms: np.ndarray, freq_hz: float, first_lobe: float) -> np.ndarray:
    """Causal first-arrival wavelet, zero before ``tau = 0``, strongest lobe 1.

    The first half-cycle is scaled by ``first_lobe`` (weak first deflection); the
    sine is zero at the half period, so the wavelet stays continuous.
    """
    tau = np.maximum(np.asarray(tau_ms, float), 0.0) / 1000.0
    env = (1 - np.exp(-tau / 0.0015)) * np.exp(-tau / 0.030)
    w = np.sin(2 * np.pi * freq_hz * tau) * env
    w = np.where(tau < 0.5 / freq_hz, first_lobe * w, w)
    return w / _wavelet_peak(freq_hz)


def _wavelet_peak(freq_hz: float) -> float:
    tau = np.linspace(0, 4 / freq_hz, 4000)
    env = (1 - np.exp(-tau / 0.0015)) * np.exp(-tau / 0.030)
    return float(np.max(np.abs(np.sin(2 * np.pi * freq_hz * tau) * env)))


def _smooth_1d(rng, n: int, sigma: float, lo: float, hi: float) -> np.ndarray:
    f = ndimage.gaussian_filter1d(rng.standard_normal(n), sigma, mode="reflect")
    f = (f - f.min()) / max(f.max() - f.min(), 1e-12)
    return lo + (hi - lo) * f


@dataclass(frozen=True)
class ShotRecord:
    data: np.ndarray  # (n_traces, n_samples) float32, shot by shot, channel order
    ffid: np.ndarray
    channel: np.ndarray
    source_x: np.ndarray  # metres along the line
    receiver_x: np.ndarray
    fb_ms: np.ndarray  # true first-break time per trace


def build_gathers(spec: GatherSpec = GatherSpec()) -> ShotRecord:
    rng = np.random.default_rng(spec.seed)
    nr, ns, dt = spec.n_channels, spec.n_samples, spec.dt_ms
    rx = np.arange(nr) * spec.group_m
    length = rx[-1]
    # shots half-way between stations, from just off the near end to just off the far end
    station = np.rint(np.linspace(-1, nr, spec.n_shots))
    sx = station * spec.group_m + spec.group_m / 2

    # near-surface model on a 1 m grid along the line
    grid = np.arange(-200.0, length + 200.0, 1.0)
    n = grid.size
    h0 = _smooth_1d(rng, n, 60, 4.0, 22.0)  # weathering thickness, m
    v0 = _smooth_1d(rng, n, 80, 450.0, 900.0)  # weathering velocity, m/s
    h1 = _smooth_1d(rng, n, 90, 25.0, 65.0)  # sub-weathering thickness
    v1, v2 = 1900.0, 3300.0

    def at(f, x):
        return np.interp(x, grid, f)

    def delay1(x):
        return at(h0, x) * np.sqrt(1 / at(v0, x) ** 2 - 1 / v1 ** 2)

    def delay2(x):
        return (at(h0, x) * np.sqrt(1 / at(v0, x) ** 2 - 1 / v2 ** 2)
                + at(h1, x) * np.sqrt(1 / v1 ** 2 - 1 / v2 ** 2))

    slow_cum = np.concatenate([[0.0], np.cumsum(1.0 / v0[:-1])])  # travel time along the surface

    t_ms = np.arange(ns) * dt
    traces, ffid, chan, sxs, rxs, fbs = [], [], [], [], [], []
    lowcut = signal.butter(4, [4.0, 140.0], btype="band", fs=1000.0 / dt, output="sos")
    for k, s in enumerate(sx):
        off = np.abs(rx - s)
        t_dir = np.abs(np.interp(rx, grid, slow_cum) - np.interp(s, grid, slow_cum)) * 1000
        t_h1 = (off / v1 + delay1(s) + delay1(rx)) * 1000
        t_h2 = (off / v2 + delay2(s) + delay2(rx)) * 1000
        branches = np.stack([t_dir, t_h1, t_h2])
        fb = branches.min(axis=0)
        amp_geo = 1.0 / (1.0 + off / 60.0)  # spreading + absorption, 1 at zero offset
        gain = rng.uniform(0.7, 1.3, nr)  # geophone coupling
        gather = np.zeros((nr, ns))
        # every branch is recorded, the earliest is the first break; the direct wave in the
        # slow, lossy weathering layer dies out within a few hundred metres
        for b, rel in ((0, np.exp(-off / 150.0)), (1, 0.8), (2, 0.7)):
            tau = t_ms[None, :] - branches[b][:, None]
            gather += (rel * amp_geo)[:, None] * arrival_wavelet(tau, spec.fb_hz, spec.first_lobe)
        # reflections (hyperbolic), ground roll (slow, low frequency, strong)
        for t0, v, a in ((260.0, 2400.0, 0.25), (430.0, 2800.0, 0.2), (640.0, 3100.0, 0.15)):
            tr = np.sqrt(t0 ** 2 + (off / v * 1000) ** 2) + 1000 * (delay2(s) + delay2(rx))
            gather += (a * amp_geo)[:, None] * _ricker_at(t_ms[None, :] - tr[:, None], 30.0)
        t_gr = off / 320.0 * 1000 + 15.0
        gr = np.exp(-np.clip(t_ms[None, :] - t_gr[:, None], 0, None) / 120.0) * (t_ms[None, :] > t_gr[:, None])
        gather += (1.6 * amp_geo)[:, None] * gr * np.sin(2 * np.pi * 11.0 * (t_ms[None, :] - t_gr[:, None]) / 1000)
        gather *= gain[:, None]
        noise = signal.sosfiltfilt(lowcut, rng.standard_normal((nr, ns)), axis=1)
        # some shots are noisier than others (wind, traffic)
        noise *= rng.uniform(0.6, 1.6) * spec.noise / (1.0 + 300.0 / 60.0) / noise.std()
        traces.append((gather + noise).astype(np.float32))
        ffid += [k + 1] * nr
        chan += list(range(1, nr + 1))
        sxs += [s] * nr
        rxs += list(rx)
        fbs.append(fb)
    return ShotRecord(np.concatenate(traces), np.array(ffid), np.array(chan), np.array(sxs, float),
                      np.array(rxs, float), np.round(np.concatenate(fbs), 3))


def _ricker_at(tau_ms: np.ndarray, f_hz: float) -> np.ndarray:
    a = (np.pi * f_hz * tau_ms / 1000.0) ** 2
    return (1 - 2 * a) * np.exp(-a)
