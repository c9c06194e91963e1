"""Trace attributes: envelope, instantaneous phase and frequency, RMS, band-pass amplitude.

Every function works along one axis (``axis``, default 0: time down in a
``(sample, trace)`` section) of an array of any dimension, so the same code
serves a section, a whole ``(il, xl, sample)`` cube (``axis=2``) or a trace.
Maps (time slices) have no time axis; :func:`attribute_map` computes the
attribute on the traces of a volume around the slice and then cuts the map.

Sample intervals are in milliseconds, frequencies in hertz. For depth
surveys the "frequency" is cycles per kilometre (per 1000 depth units).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from scipy import ndimage, signal

from seisview.core.errors import SeisviewError


def _as_float(x) -> np.ndarray:
    a = np.asarray(x, dtype=np.float64)
    if a.size == 0:
        raise SeisviewError("empty array given to an attribute", hint="pass a section or map with samples")
    # NaN/Inf would spread through the Hilbert transform over whole traces
    return np.where(np.isfinite(a), a, 0.0)


def analytic(x, axis: int = 0) -> np.ndarray:
    """The analytic signal x + iH(x) along ``axis`` (scipy's FFT Hilbert transform)."""
    return signal.hilbert(_as_float(x), axis=axis)


def envelope(x, axis: int = 0) -> np.ndarray:
    """Instantaneous amplitude |x + iH(x)| (reflection strength)."""
    return np.abs(analytic(x, axis)).astype(np.float32)


def instantaneous_phase(x, axis: int = 0) -> np.ndarray:
    """Instantaneous phase in radians, in (-pi, pi]."""
    return np.angle(analytic(x, axis)).astype(np.float32)


def instantaneous_frequency(x, dt_ms: float, axis: int = 0, smooth: int = 1) -> np.ndarray:
    """Instantaneous frequency in Hz: the time derivative of the unwrapped phase / 2 pi.

    ``smooth`` > 1 averages the derivative over that many samples, which tames
    the spikes where the envelope nearly vanishes.
    """
    _check_dt(dt_ms)
    z = analytic(x, axis)
    phase = np.unwrap(np.angle(z), axis=axis)
    f = np.gradient(phase, dt_ms / 1000.0, axis=axis) / (2 * np.pi)
    if smooth > 1:
        f = ndimage.uniform_filter1d(f, int(smooth), axis=axis, mode="nearest")
    return f.astype(np.float32)


def rms(x, window: int = 9, axis: int = 0) -> np.ndarray:
    """RMS amplitude in a centred window of ``window`` samples (mirror at the ends)."""
    window = int(window)
    if window < 1:
        raise SeisviewError(f"RMS window of {window} samples", hint="use a window of at least 1 sample")
    a = _as_float(x)
    return np.sqrt(ndimage.uniform_filter1d(a * a, window, axis=axis, mode="reflect")).astype(np.float32)


def bandpass(x, dt_ms: float, low_hz: float, high_hz: float, order: int = 4, axis: int = 0) -> np.ndarray:
    """Zero-phase Butterworth band-pass (forward-backward second-order sections)."""
    _check_dt(dt_ms)
    nyq = 500.0 / dt_ms
    if not 0 < low_hz < high_hz < nyq:
        raise SeisviewError(
            f"band {low_hz:g}-{high_hz:g} Hz is not inside (0, {nyq:g}) Hz for a {dt_ms:g} ms sample interval",
            hint="choose 0 < low < high < Nyquist",
        )
    sos = signal.butter(int(order), [low_hz, high_hz], btype="bandpass", fs=1000.0 / dt_ms, output="sos")
    a = _as_float(x)
    n = a.shape[axis]
    padlen = min(3 * (2 * len(sos) + 1), n - 1)  # short traces: shrink the edge padding
    return signal.sosfiltfilt(sos, a, axis=axis, padlen=max(padlen, 0)).astype(np.float32)


def _check_dt(dt_ms: float) -> None:
    if not (dt_ms and np.isfinite(dt_ms) and dt_ms > 0):
        raise SeisviewError(f"sample interval {dt_ms!r} ms", hint="pass the survey's positive sample interval")


# name -> (function(x, dt_ms, axis=, **params), description)
ATTRIBUTES: dict[str, tuple[Callable, str]] = {
    "amplitude": (lambda x, dt_ms, axis=0: _as_float(x).astype(np.float32), "the input amplitudes"),
    "envelope": (lambda x, dt_ms, axis=0: envelope(x, axis), "instantaneous amplitude |x + iH(x)|"),
    "phase": (lambda x, dt_ms, axis=0: instantaneous_phase(x, axis), "instantaneous phase (rad)"),
    "frequency": (lambda x, dt_ms, axis=0, smooth=5: instantaneous_frequency(x, dt_ms, axis, smooth),
                  "instantaneous frequency (Hz)"),
    "rms": (lambda x, dt_ms, axis=0, window=9: rms(x, window, axis), "RMS amplitude in a window"),
    "bandpass": (lambda x, dt_ms, axis=0, low_hz=10.0, high_hz=30.0, order=4:
                 bandpass(x, dt_ms, low_hz, high_hz, order, axis), "band-pass filtered amplitude"),
}


def compute(name: str, x, dt_ms: float, axis: int = 0, **params) -> np.ndarray:
    """Compute the trace attribute ``name`` along ``axis`` (see :data:`ATTRIBUTES`)."""
    try:
        fn = ATTRIBUTES[name][0]
    except KeyError:
        raise SeisviewError(f"unknown attribute {name!r}",
                            hint=f"one of {', '.join(sorted(ATTRIBUTES))}") from None
    try:
        return fn(x, dt_ms, axis=axis, **params)
    except TypeError as exc:  # a misspelt parameter
        raise SeisviewError(f"attribute {name!r}: {exc}", hint="check the attribute's parameters") from None


def attribute_map(cube, k: int, name: str = "amplitude", dt_ms: float = 4.0, margin: int = 64,
                  **params) -> np.ndarray:
    """The ``(il, xl)`` map of attribute ``name`` at sample index ``k`` of a volume.

    ``cube`` is a :class:`~seisview.core.volume.Volume` or an ``(il, xl, sample)``
    array. Only ``margin`` samples either side of ``k`` are read and filtered,
    enough for the Hilbert transform and the band-pass to settle at ``k``.
    """
    geometry = getattr(cube, "geometry", None)  # a Volume (ndarray.data is a buffer, not this)
    data = cube.data if geometry is not None else cube
    if geometry is not None:
        dt_ms = geometry.dt
    if np.ndim(data) != 3:
        raise SeisviewError(f"attribute maps need an (il, xl, sample) cube, got shape {np.shape(data)}",
                            hint="pass a Volume or a 3-D array")
    n_s = data.shape[2]
    if not 0 <= k < n_s:
        raise SeisviewError(f"sample index {k} outside 0..{n_s - 1}", hint="pick a time inside the survey")
    if name == "amplitude":
        return np.asarray(data[:, :, k], dtype=np.float32)
    k0, k1 = max(0, k - margin), min(n_s, k + margin + 1)
    window = np.asarray(data[:, :, k0:k1], dtype=np.float32)
    return np.ascontiguousarray(compute(name, window, dt_ms, axis=2, **params)[:, :, k - k0])
