"""Random synthetic shot gathers with their true first-break times, for pretraining a picker.

Each call of :func:`random_gather` draws a new survey: a layered near surface
(weathering, one or two sub-weathering layers over a refractor) whose layer
thicknesses and velocities vary along the line, weathering statics at every
source and receiver, an end-on, off-end or split spread with 1–50 m groups,
sampling from 0.125 to 4 ms, a source wavelet of 10–200 Hz (below Nyquist)
that starts impulsively or emergently with either polarity, and what makes
real records hard: later refraction branches, reflections, ground roll, the
air wave, powerline hum, random noise growing with offset and uneven from trace
to trace, bursts of high-frequency wind or traffic noise on some traces, dead,
clipped and reversed traces. Half the gathers draw their wavelet from the band of
land refraction shots (15–60 Hz, geophones of 10–14 Hz), where real first breaks
are long-period and their onsets easy to place late. Surface waves after the first
breaks are strong (up to 40x the first arrival) and the records long, so that after
trace normalisation the first break is the small deflection out of quiet noise it is
on real land shots (version 2), and the noise before them wanders slowly, below
15 Hz, as it does there (version 3). Both from measuring the shipped picker on the
refrapy shots: docs/measurements.md, "Pretrained picker".

First-break times are the earliest of the direct wave and the head waves,
with delay times (``t = ∫ slowness of layer n along the refractor + delay_n(source)
+ delay_n(receiver) + statics``, ``delay_n(x) = Σ h_i(x) sqrt(1/v_i² − 1/v_n²)``),
and the returned time is where the first arrival's envelope reaches
:data:`ONSET_LEVEL` of its peak: the first deflection an interpreter can see on
a clean trace, not the mathematical start of a wavelet that rises from zero.

numpy + scipy only; deterministic for a given seed. :data:`GENERATOR_VERSION`
goes into the header of every picker trained on these gathers: bump it when
the gathers change.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import ndimage

GENERATOR_VERSION = "fb-synthetic-3"
# what each version added (``random_gather(version=...)`` draws the older gathers again, so a
# picker trained in stages on two versions stays reproducible)
VERSIONS = {"fb-synthetic-2": 2, "fb-synthetic-3": 3}
ONSET_LEVEL = 0.05  # the pick: where the first arrival's envelope reaches 5 % of its peak
SAMPLE_INTERVALS_MS = (0.125, 0.25, 0.5, 1.0, 2.0, 4.0)
_DT_WEIGHTS = (0.08, 0.22, 0.22, 0.22, 0.16, 0.10)


@dataclass(frozen=True)
class SyntheticGather:
    """One shot: ``data`` ``(trace, sample)`` float32, ``fb_ms`` the true first break of each
    trace (NaN on dead traces), signed ``offsets`` (m), and what was drawn (``params``)."""

    data: np.ndarray
    fb_ms: np.ndarray
    offsets: np.ndarray
    dt_ms: float
    params: dict = field(default_factory=dict)

    @property
    def n_traces(self) -> int:
        return int(self.data.shape[0])


def _smooth(rng, n: int, sigma: float) -> np.ndarray:
    """A smooth random curve of ``n`` points scaled to [-1, 1]."""
    f = ndimage.gaussian_filter1d(rng.standard_normal(n), max(sigma, 0.5), mode="reflect")
    return f / max(float(np.abs(f).max()), 1e-12)


def _log_uniform(rng, lo: float, hi: float) -> float:
    return float(np.exp(rng.uniform(np.log(lo), np.log(hi))))


def wavelet(tau_ms: np.ndarray, freq_hz: float, rise: float, phase: float) -> np.ndarray:
    """Causal wavelet, zero before ``tau = 0``: envelope ``(t/T)^rise · exp(-rise·t/T)``
    (peak 1 at ``T = rise / (π f)``, so ``rise`` near 0.3 starts impulsively and 3 emerges
    over about a period), carrier ``sin(2π f t + phase)``."""
    t = np.maximum(np.asarray(tau_ms, float), 0.0) / 1000.0
    T = rise / (np.pi * freq_hz)
    env = np.where(t > 0, (t / T) ** rise * np.exp(rise * (1.0 - t / T)), 0.0)
    return env * np.sin(2 * np.pi * freq_hz * t + phase)


def onset_delay_ms(freq_hz: float, rise: float) -> float:
    """Time from the wavelet's start to where its envelope first reaches :data:`ONSET_LEVEL`
    of its peak (the envelope rises monotonically up to its peak at ``T``)."""
    from scipy.optimize import brentq

    T = rise / (np.pi * freq_hz)
    u = brentq(lambda x: x ** rise * np.exp(rise * (1.0 - x)) - ONSET_LEVEL, 1e-300, 1.0,
               xtol=1e-12)
    return float(u * T * 1000.0)


@dataclass(frozen=True)
class _Model:
    """Near-surface model sampled at ``x`` (m): velocities ``v`` (layer, x) and
    thicknesses ``h`` (layer above the half-space, x)."""

    x: np.ndarray
    v: np.ndarray
    h: np.ndarray


def _near_surface(rng, x: np.ndarray) -> _Model:
    n_layers = int(rng.choice([2, 3, 4], p=[0.35, 0.45, 0.2]))  # layers including the half-space
    v = [_log_uniform(rng, 250.0, 1200.0)]
    for _ in range(n_layers - 1):
        v.append(v[-1] * rng.uniform(1.3, 3.0))
    v = np.minimum(np.array(v), 6000.0)
    h0 = [_log_uniform(rng, 1.0, 25.0)] + [_log_uniform(rng, 3.0, 60.0) for _ in range(n_layers - 2)]
    vs, hs = [], []
    for i in range(n_layers):  # lateral variation: smooth, over a tenth to all of the line
        sig = len(x) * rng.uniform(0.05, 0.4)
        vi = v[i] * (1.0 + rng.uniform(0.0, 0.25) * _smooth(rng, len(x), sig))
        vs.append(np.maximum(vi, 220.0))
        if i < n_layers - 1:
            hs.append(np.maximum(h0[i] * (1.0 + rng.uniform(0.0, 0.5) * _smooth(rng, len(x), sig)), 0.3))
    return _Model(x, np.array(vs), np.array(hs))


def _first_and_later(model: _Model, src: int, rec: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Travel times (s) of every branch ``(branch, receiver)``: the direct wave, then the head
    wave of each deeper layer (NaN before its critical distance), on the model grid indices."""
    x = model.x
    dx = np.gradient(x)
    n_layers = model.v.shape[0]
    branches = []
    for n in range(n_layers):
        slow = np.cumsum(dx / model.v[n])
        path = np.abs(slow[rec] - slow[src])  # along layer n between the source and receiver
        if n == 0:
            branches.append(path)
            continue
        delay = np.zeros_like(x)
        crit = np.zeros_like(x)
        for i in range(n):
            q = np.sqrt(np.maximum(1.0 / model.v[i] ** 2 - 1.0 / model.v[n] ** 2, 0.0))
            delay += model.h[i] * q
            crit += 2.0 * model.h[i] * model.v[i] * q  # ~ 2 h tan(critical angle)
        t = path + delay[src] + delay[rec]
        far = np.abs(x[rec] - x[src]) >= 0.5 * (crit[src] + crit[rec])
        branches.append(np.where(far, t, np.nan))
    times = np.array(branches)
    return times, np.nanmin(times, axis=0)


def _spread(rng, n: int, dx: float) -> tuple[np.ndarray, float, str]:
    """Receiver x (m) and source x: end-on, off-end (a gap) or split (anywhere inside)."""
    rec = np.arange(n) * dx
    kind = str(rng.choice(["end-on", "off-end", "split"], p=[0.35, 0.2, 0.45]))
    if kind == "split":
        src = float(rng.uniform(0.05, 0.95) * rec[-1])
    elif kind == "off-end":
        src = -float(rng.uniform(1.0, 20.0) * dx)
    else:
        src = -float(rng.uniform(0.0, 1.0) * dx)
    if rng.random() < 0.5:
        src = rec[-1] - src
    return rec, src, kind


def _band_noise(rng, shape, dt_ms: float, lo_hz: float, hi_hz: float) -> np.ndarray:
    """Gaussian noise band-passed (FFT mask) to ``lo``–``hi`` Hz, unit std."""
    n = shape[-1]
    spec = np.fft.rfft(rng.standard_normal(shape), axis=-1)
    f = np.fft.rfftfreq(n, dt_ms / 1000.0)
    spec *= ((f >= lo_hz) & (f <= hi_hz))
    out = np.fft.irfft(spec, n=n, axis=-1)
    return out / max(float(out.std()), 1e-12) if out.size else out


def random_gather(rng: np.random.Generator, max_traces: int = 96,
                  max_samples: int = 4096, clean: bool = False,
                  version: int = 3) -> SyntheticGather:
    """One random shot gather with its true first breaks (see the module docstring).

    ``clean``: the arrivals only (no noise, coherent noise, dead, clipped or reversed
    traces), to check that nothing comes before the first breaks."""
    dt_drawn = float(rng.choice(SAMPLE_INTERVALS_MS, p=_DT_WEIGHTS))
    n_tr = int(rng.integers(12, max_traces + 1))
    dx = _log_uniform(rng, 1.0, 50.0)
    rec, src, kind = _spread(rng, n_tr, dx)
    # model grid: receivers and the source on one axis (the source may lie off the spread)
    lo, hi = min(rec[0], src) - dx, max(rec[-1], src) + dx
    grid = np.linspace(lo, hi, max(int((hi - lo) / min(dx, 5.0)) + 1, 8))
    model = _near_surface(rng, grid)
    ri = np.clip(np.searchsorted(grid, rec), 0, len(grid) - 1)
    si = int(np.clip(np.searchsorted(grid, src), 0, len(grid) - 1))
    branches, first = _first_and_later(model, si, ri)
    # weathering statics: smooth plus per-station jitter, same sign convention for all branches
    st_amp = rng.uniform(0.0, 4.0) / 1000.0
    rec_static = st_amp * (0.6 * _smooth(rng, n_tr, n_tr * 0.1) + 0.4 * rng.uniform(-1, 1, n_tr))
    static = rec_static + st_amp * rng.uniform(-1, 1)
    t_first = (first + static) * 1000.0  # ms: the first arrival's wavelet starts here
    t_first = t_first - min(float(t_first.min()), 0.0) + rng.uniform(0.5, 3.0)  # after t = 0
    shift = t_first - (first + static) * 1000.0  # the same shift for every branch

    # the drawn sampling, or the finest coarser one whose record holds every first break
    need_ms = 1.25 * float(t_first.max()) + 120.0
    dt = next((d for d in SAMPLE_INTERVALS_MS if d >= dt_drawn and d * max_samples >= need_ms),
              SAMPLE_INTERVALS_MS[-1])
    nyq = 500.0 / dt
    land = rng.random() < 0.5  # a land refraction band, or anything from 10 to 200 Hz
    f0 = min(_log_uniform(rng, 15.0, 60.0) if land else _log_uniform(rng, 10.0, 200.0), 0.35 * nyq)
    rise = _log_uniform(rng, 0.3, 3.0)
    phase = rng.uniform(-0.2, 1.4) + (np.pi if rng.random() < 0.5 else 0.0)  # polarity
    off = np.abs(rec - src)
    q_m = _log_uniform(rng, 30.0, 600.0) * (dx / 5.0) ** 0.5
    freq = np.maximum(f0 / (1.0 + off / q_m / 4.0), 8.0)  # attenuation lowers the frequency
    onset = np.array([onset_delay_ms(f, rise) for f in freq])
    fb = t_first + onset

    latest = float(fb.max())
    # real land records run on long after the first breaks (refrapy: they fill the top tenth)
    length = latest * _log_uniform(rng, 1.5, 25.0) + 40.0
    n_s = int(np.clip(length / dt, min(128, max_samples), max_samples))
    t = np.arange(n_s) * dt
    data = np.zeros((n_tr, n_s))
    amp_first = (1.0 + off / (3 * dx + 5.0)) ** -rng.uniform(0.5, 1.5)
    for b in range(branches.shape[0]):  # every branch, the first arrival among them
        tb = (branches[b] + static) * 1000.0 + shift
        ok = np.isfinite(tb)
        gain = amp_first * (1.0 if b == 0 else rng.uniform(0.5, 2.5))
        tau = t[None, :] - np.where(ok, tb, 1e9)[:, None]
        data += gain[:, None] * wavelet(tau, freq[:, None], rise, phase)
    n_refl = int(rng.integers(0, 4))
    for _ in range(n_refl):  # reflections: hyperbolae below the first arrivals
        t0 = rng.uniform(0.3, 1.5) * latest + 5.0
        v = rng.uniform(800, 3000)
        tr = np.maximum(np.sqrt(t0 ** 2 + (off / v * 1000.0) ** 2), fb + 1000.0 / freq)
        a = rng.uniform(0.1, 1.0) * amp_first.max() / (1 + off / 50)
        data += a[:, None] * wavelet(t[None, :] - tr[:, None], freq[:, None], rise, phase + rng.uniform(0, np.pi))

    peak = float(np.abs(data).max()) or 1.0
    coherent: list[str] = []
    if clean:
        return SyntheticGather(data.astype(np.float32), fb, rec - src, dt,
                               {"dt_ms": dt, "freq_hz": f0, "rise": rise, "clean": True})
    if rng.random() < 0.85:  # ground roll: slow, low, strong, several modes
        for _ in range(int(rng.integers(1, 3))):
            v_gr = rng.uniform(120.0, min(600.0, 0.9 * float(model.v[0].min())))
            f_gr = rng.uniform(5.0, min(30.0, 0.3 * nyq))
            tg = np.maximum(off / v_gr * 1000.0 + shift + static * 1000.0 + rng.uniform(0, 10), fb)
            # strong: on real land traces the record's 99.5th percentile is a median 15x
            # (up to 40x) the first arrival's peak, which after trace normalisation makes the
            # first break a small deflection out of quiet noise (version 1 drew 0.5-5)
            a = peak * _log_uniform(rng, 0.5, 60.0) * (1 + off / 50.0) ** -0.5
            data += a[:, None] * wavelet(t[None, :] - tg[:, None], f_gr, 3.0, rng.uniform(0, 6.3))
        coherent.append("ground roll")
    if rng.random() < 0.4:  # air wave: 330-345 m/s; not a first break, so after it
        fa = min(rng.uniform(40.0, 150.0), 0.35 * nyq)
        ta = np.maximum(off / rng.uniform(330.0, 345.0) * 1000.0 + shift, fb + 1000.0 / fa)
        data += peak * _log_uniform(rng, 0.1, 5.0) * wavelet(t[None, :] - ta[:, None], fa, 0.5, 0.0)
        coherent.append("air wave")
    if rng.random() < 0.3:  # powerline hum, every trace, its own phase
        hz = float(rng.choice([50.0, 60.0]))
        if hz < 0.45 * nyq:
            ph = rng.uniform(0, 2 * np.pi, (n_tr, 1))
            hum = np.sin(2 * np.pi * hz * t[None, :] / 1000.0 + ph)
            data += peak * _log_uniform(rng, 0.002, 0.1) * rng.uniform(0.5, 1.5, (n_tr, 1)) * hum
            coherent.append("powerline")

    # random noise relative to each trace's first arrival: the far traces are the noisiest
    # refrapy's near traces are quiet (noise a median 3 %, often under 1 % of the first
    # arrival's peak); version 1 drew 8-500, noisier than real shots by about 4x
    snr_near = _log_uniform(rng, 10.0, 3000.0)
    noise_std = amp_first.max() / snr_near * (1.0 + (off / off.max()) ** 2 * rng.uniform(0, 4))
    noise_std = noise_std * np.exp(rng.normal(0.0, rng.uniform(0.0, 0.6), n_tr))  # uneven planting
    data += noise_std[:, None] * _band_noise(rng, data.shape, dt, 2.0, 0.8 * nyq)
    if version >= 3 and rng.random() < 0.7:
        # slow wander before and under the arrivals (wind on the cables, tilting geophones):
        # on the refrapy shots the noise before the first break is mostly below 15 Hz, and a
        # picker that never saw it (version 2) calls it the arrival on far traces
        hi_hz = min(rng.uniform(5.0, 20.0), 0.4 * nyq)
        lf = _band_noise(rng, data.shape, dt, rng.uniform(0.3, 2.0), hi_hz)
        lf_std = amp_first * _log_uniform(rng, 0.005, 0.3) * np.exp(rng.normal(0, 0.5, n_tr))
        data += lf_std[:, None] * lf
        coherent.append("low-frequency wander")
    if rng.random() < 0.4 and nyq > 60.0:  # wind or traffic: high-frequency bursts on some traces
        hit = rng.random(n_tr) < rng.uniform(0.1, 0.6)
        lo_hz = rng.uniform(20.0, min(150.0, 0.4 * nyq))
        burst = _band_noise(rng, (int(hit.sum()), n_s), dt, lo_hz, 0.8 * nyq)
        swell = np.abs(_band_noise(rng, (int(hit.sum()), n_s), dt, 0.0, rng.uniform(2.0, 20.0)))
        level = amp_first[hit] * _log_uniform(rng, 0.02, 1.0) * np.exp(rng.normal(0, 0.7, hit.sum()))
        data[hit] += level[:, None] * burst * swell
        coherent.append("wind")
    if rng.random() < 0.2:  # spikes
        k = int(rng.integers(1, 6))
        data[rng.integers(0, n_tr, k), rng.integers(0, n_s, k)] += peak * rng.uniform(0.5, 3, k)

    fb_out = fb.copy()
    dead = rng.random(n_tr) < rng.uniform(0.0, 0.08)
    data[dead] = rng.normal(0, 1e-6 * peak, (int(dead.sum()), n_s)) if rng.random() < 0.5 else 0.0
    fb_out[dead] = np.nan
    reversed_ = rng.random(n_tr) < rng.uniform(0.0, 0.06)
    data[reversed_] *= -1.0
    if rng.random() < 0.3:  # clipped (recorder overflow) near traces, or the whole gather
        level = np.percentile(np.abs(data), rng.uniform(90.0, 99.5))
        data = np.clip(data, -level, level)
    data *= _log_uniform(rng, 1e-3, 1e4)  # any recording gain
    params = {"dt_ms": dt, "group_m": dx, "spread": kind, "source_x_m": src,
              "velocities_m_s": [float(v.mean()) for v in model.v],
              "thicknesses_m": [float(h.mean()) for h in model.h], "freq_hz": f0, "rise": rise,
              "land_band": bool(land), "polarity": int(np.sign(np.cos(phase))), "noise": coherent, "snr_near": snr_near,
              "dead": int(dead.sum()), "reversed": int(reversed_.sum())}
    return SyntheticGather(data.astype(np.float32), fb_out, rec - src, dt, params)


def gathers(seed: int, n: int, **kw) -> list[SyntheticGather]:
    """``n`` random gathers, the same for the same ``seed``."""
    rng = np.random.default_rng(seed)
    return [random_gather(rng, **kw) for _ in range(n)]
