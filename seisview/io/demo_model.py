"""The generated 3-D demo survey: a layered earth model with facies told apart by texture.

The model is built in *stratigraphic time* ``T(il, xl, t)``: normal faults shift
the hanging wall down, so every unit, reflector and the salt top are offset
consistently in the seismic and in the facies truth. Each facies is a
log-impedance pattern with its own texture (continuity, dip, amplitude,
chaos); reflectivity is the time derivative of log-impedance, convolved with a
Ricker wavelet at 2 ms and decimated to the 4 ms output. Unit boundaries vary
laterally (thickness, dip, salt extent) so the depth of a sample alone does
not give its class.

numpy + scipy only; deterministic for a given seed and shape.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import ndimage, signal

# id -> (name, colour); ids are 1..K in this order, 0 is never used in the truth.
DEMO_CLASSES: list[tuple[str, str]] = [
    ("parallel_high_amplitude", "#1f77b4"),
    ("low_amplitude_continuous", "#17becf"),
    ("clinoforms", "#2ca02c"),
    ("chaotic", "#ff7f0e"),
    ("steep_dips", "#9467bd"),
    ("salt", "#d62728"),
]
PARALLEL, LOWAMP, CLINO, CHAOTIC, DIPS, SALT = range(1, 7)


@dataclass(frozen=True)
class ModelSpec:
    n_il: int = 200
    n_xl: int = 200
    n_samples: int = 300
    dt_ms: float = 4.0
    ricker_hz: float = 28.0
    noise: float = 0.08  # band-limited noise std relative to the signal std
    seed: int = 20240611
    # survey style (the defaults are the demo survey; benchmarks generate others)
    bed_scale: float = 1.0  # mean bed thickness within each facies, times this
    unit_scale: float = 1.0  # thickness of the units between the tops, times this
    dip: float = 0.15  # tilt of the first top, ms per design trace across the crosslines
    n_faults: int = 3
    throw_scale: float = 1.0  # fault throws, times this
    contrast: float = 1.0  # impedance steps between the facies units, times this


def ricker(freq_hz: float, dt_ms: float, half_ms: float = 60.0) -> np.ndarray:
    t = np.arange(-half_ms, half_ms + dt_ms / 2, dt_ms) / 1000.0
    a = (np.pi * freq_hz * t) ** 2
    return ((1 - 2 * a) * np.exp(-a)).astype(np.float64)


def _field(rng, shape, sigma, lo, hi) -> np.ndarray:
    """Smooth random 2-D field rescaled to ``[lo, hi]``."""
    f = ndimage.gaussian_filter(rng.standard_normal(shape), sigma, mode="reflect")
    f = (f - f.min()) / max(f.max() - f.min(), 1e-12)
    return lo + (hi - lo) * f


def _blocky(rng, mean_thick_ms: float, sigma: float, u0: float, u1: float, du: float,
            strong_every: int = 0) -> np.ndarray:
    """Piecewise-constant log-impedance over stratigraphic coordinate u (grid ``du``)."""
    n = int((u1 - u0) / du) + 1
    thick = rng.exponential(mean_thick_ms, size=int(n * du / mean_thick_ms * 2) + 10)
    thick = np.maximum(thick, 2.0)
    vals = rng.normal(0.0, sigma, size=thick.size)
    if strong_every:
        # a few markedly stronger beds: continuous high-amplitude reflectors
        vals[::strong_every] = np.sign(vals[::strong_every]) * (2 * sigma + np.abs(vals[::strong_every]))
    edges = np.cumsum(thick)
    idx = np.searchsorted(edges, np.arange(n) * du)
    return vals[np.minimum(idx, vals.size - 1)]


class _Seq:
    """Lookup of a 1-D blocky sequence at arbitrary u (nearest grid node)."""

    def __init__(self, values: np.ndarray, u0: float, du: float):
        self.values, self.u0, self.du = values, u0, du

    def __call__(self, u: np.ndarray) -> np.ndarray:
        k = np.rint((u - self.u0) / self.du).astype(np.int64)
        return self.values[np.clip(k, 0, self.values.size - 1)]


def build_model(spec: ModelSpec = ModelSpec()) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(seismic float32 (il, xl, sample), truth uint8 (il, xl, sample))``."""
    rng = np.random.default_rng(spec.seed)
    ni, nj, ns = spec.n_il, spec.n_xl, spec.n_samples
    sub = 2  # model at dt/2, then decimate after convolution
    dtm = spec.dt_ms / sub
    nt = ns * sub
    t = np.arange(nt) * dtm
    t_end = ns * spec.dt_ms
    scale = t_end / 1000.0  # horizon times are designed for a 1 s record
    # lateral coordinates in "design traces" so smaller cubes keep the same look
    ii = np.arange(ni)[:, None] * (200.0 / max(ni, 1))
    jj = np.arange(nj)[None, :] * (200.0 / max(nj, 1))
    sig = 25.0 * min(ni, nj) / 200.0

    # -- salt: a ridge-shaped diapir whose crest height, width and position wander along il
    crest = (430 + 220 * _field(rng, (ni, 1), sig, 0, 1)) * scale  # crest time per inline
    width = 18 + 22 * _field(rng, (ni, 1), sig, 0, 1)
    centre = 115 + 35 * np.sin(2 * np.pi * ii / 260.0) + 10 * _field(rng, (ni, 1), sig, -1, 1)
    d = (jj - centre) / width
    base = 1.15 * t_end
    salt_top = base - (base - crest) * np.exp(-np.abs(d) ** 3.0)
    rise = np.clip(t_end - salt_top, 0, None)  # how far salt lifts the overburden

    # -- unit boundaries (ms), laterally varying thickness and tilt, draped over the salt
    h1 = (150 + 110 * _field(rng, (ni, nj), sig, 0, 1) + spec.dip * (jj - 100)) * scale
    units = spec.unit_scale * scale
    h2 = h1 + (90 + 110 * _field(rng, (ni, nj), sig, 0, 1)) * units
    h3 = h2 + (110 + 150 * _field(rng, (ni, nj), sig, 0, 1)) * units
    h4 = h3 + (70 + 150 * _field(rng, (ni, nj), sig, 0, 1)) * units
    h1 = h1 - 0.10 * rise
    h2 = h2 - 0.22 * rise
    h3 = h3 - 0.35 * rise
    h4 = h4 - 0.45 * rise
    h2 = np.maximum(h2, h1 + 30 * scale)
    h3 = np.maximum(h3, h2 + 40 * scale)
    h4 = np.maximum(h4, h3 + 30 * scale)

    # -- faults: (map angle, offset in traces, dip in traces per 100 ms, throw ms)
    faults = []
    for _ in range(spec.n_faults):
        faults.append((rng.uniform(0, np.pi), rng.uniform(-60, 60), rng.uniform(1.0, 2.5),
                       rng.uniform(12, 30) * scale * spec.throw_scale, rng.uniform(0, 2 * np.pi)))

    # -- per-facies sequences over stratigraphic coordinate u
    du, u0, u1 = 0.5, -1500.0, 3000.0
    bed = spec.bed_scale
    seq_par = _Seq(_blocky(rng, 12.0 * bed, 0.08, u0, u1, du, strong_every=1), u0, du)
    seq_low = _Seq(_blocky(rng, 6.0 * bed, 0.035, u0, u1, du), u0, du)
    seq_cli = _Seq(_blocky(rng, 2.5 * bed, 0.08, u0, u1, du), u0, du)  # u in traces here
    seq_dip = _Seq(_blocky(rng, 11.0 * bed, 0.09, u0, u1, du, strong_every=4), u0, du)
    clino_len = 10.0 + 10.0 * _field(rng, (ni, 1), sig, 0, 1)  # design traces
    # rotated blocks of the deep unit: alternating dips, block edges not aligned with lines
    block_w = 85.0
    block_dip = rng.uniform(1.8, 3.0, size=16) * rng.choice([-1, 1], size=16)
    mean = {k: v * spec.contrast for k, v in
            {PARALLEL: 0.0, LOWAMP: 0.06, CLINO: 0.10, CHAOTIC: 0.13, DIPS: 0.20, SALT: 0.75}.items()}
    # chaotic texture: anisotropic smoothed noise at the model grid (discontinuous, hummocky)
    chaos = rng.standard_normal((ni, nj, nt), dtype=np.float32)
    chaos = ndimage.gaussian_filter(chaos, (1.3, 1.3, 2.2), mode="reflect")
    chaos *= 0.12 / max(float(chaos.std()), 1e-12)

    w = ricker(spec.ricker_hz, dtm)
    seismic = np.empty((ni, nj, ns), np.float32)
    truth = np.empty((ni, nj, ns), np.uint8)
    tt = t[None, :]
    shape = (nj, nt)
    x = np.broadcast_to(jj[0][:, None], shape)
    for i in range(ni):
        # stratigraphic time: hanging walls are shifted down by the throw
        T = np.broadcast_to(tt, shape).copy()
        for ang, off, dip, throw, ph in faults:
            s = np.cos(ang) * (ii[i, 0] - 100) + np.sin(ang) * (jj[0] - 100) - off
            along = -np.sin(ang) * (ii[i, 0] - 100) + np.cos(ang) * (jj[0] - 100)
            thr = throw * (0.6 + 0.4 * np.cos(along / 60.0 + ph))
            side = s[:, None] > dip * (tt - 300 * scale) / 100.0
            T -= side * thr[:, None]
        a, b, c, e = (np.broadcast_to(h[i][:, None], shape) for h in (h1, h2, h3, h4))
        # ids are ordered top to bottom, so the unit is 1 + the number of tops above T
        fac = (1 + (T >= a).view(np.uint8) + (T >= b).view(np.uint8) + (T >= c).view(np.uint8)
               + (T >= e).view(np.uint8)).astype(np.uint8)
        fac[T >= salt_top[i][:, None]] = SALT

        imp = np.empty(shape)
        m = fac == PARALLEL
        imp[m] = seq_par(T[m] - 0.3 * a[m])
        m = fac == LOWAMP
        imp[m] = seq_low(T[m] - a[m])
        m = fac == CLINO
        # sigmoidal clinoforms prograding towards high crosslines: each bed is the curve
        # T = top + H * logistic((x0 - x) / L); u = x0 labels the bed (thin topsets/bottomsets)
        frac = np.clip((T[m] - b[m]) / np.maximum(c[m] - b[m], 1.0), 0.02, 0.98)
        imp[m] = seq_cli(x[m] + 0.3 * ii[i, 0] + clino_len[i, 0] * np.log(frac / (1 - frac)))
        m = fac == CHAOTIC
        imp[m] = chaos[i][m]
        m = fac == DIPS
        pos = x[m] + 0.5 * ii[i, 0]
        cell = np.floor(pos / block_w)
        blk = cell.astype(int) % block_dip.size
        imp[m] = seq_dip(T[m] + block_dip[blk] * (pos - block_w * cell) + 37.0 * blk)
        m = fac == SALT
        imp[m] = rng.standard_normal(int(m.sum())) * 0.004  # nearly transparent interior
        imp += np.asarray([0.0, *[mean[k] for k in range(1, SALT + 1)]])[fac]
        refl = np.diff(imp, axis=1, prepend=imp[:, :1]) * 0.5
        seismic[i] = signal.fftconvolve(refl, w[None, :], mode="same", axes=1)[:, ::sub]
        truth[i] = fac[:, ::sub]

    # band-limited noise through the same wavelet (at the output rate), relative to the signal
    s_std = float(seismic.std()) or 1.0
    noise = rng.standard_normal((ni, nj, ns), dtype=np.float32)
    noise = ndimage.convolve1d(noise, ricker(spec.ricker_hz, spec.dt_ms).astype(np.float32), axis=2)
    noise *= spec.noise * s_std / max(float(noise.std()), 1e-12)
    seismic += noise
    seismic /= s_std  # unit-ish amplitudes
    return seismic.astype(np.float32), truth
