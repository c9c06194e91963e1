"""Is the sample format in the binary header telling the truth?

segyio decodes whatever the header says: a bad code (0, 99) or IEEE samples
labelled IBM (and vice versa) give garbage that can look plausible. Here a
few traces are decoded both as labelled and in the alternative 4-byte
formats; the labelled format is kept unless its values are implausible (NaN,
absurd magnitudes, no sample-to-sample continuity) or the bit patterns prove
it wrong, and an alternative decodes plausibly. Every switch is a warning.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.io.segy_format import FORMATS, TraceLayout, decode

_N_PROBE = 64
_FOUR_BYTE = (1, 5, 2)


@dataclass(frozen=True)
class Plausibility:
    finite: float  # share of finite values
    absurd: float  # share of |x| > 1e20 or 0 < |x| < 1e-30
    smooth: float  # median lag-1 correlation along traces
    nonzero: int

    @property
    def ok(self) -> bool:
        return self.finite > 0.99 and self.absurd < 0.01


def probe_rows(raw: np.ndarray, layout: TraceLayout) -> np.ndarray:
    """Raw sample bytes of up to 64 traces spread over the file, ``(k, n_samples*bps)``."""
    n = raw.shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, _N_PROBE)).astype(int))
    return np.asarray(raw[idx, layout.header_bytes:layout.header_bytes + layout.n_samples * 4])


def _as(rows: np.ndarray, code: int, endian: str) -> np.ndarray:
    _, bps, kind = FORMATS[code]
    dt = np.dtype(endian + kind) if bps > 1 else np.dtype(kind)
    return decode(np.ascontiguousarray(rows).view(dt), code)


def plausibility(x: np.ndarray) -> Plausibility:
    fin = np.isfinite(x)
    a = np.abs(np.where(fin, x, 0))
    absurd = np.count_nonzero((a > 1e20) | ((a > 0) & (a < 1e-30))) + np.count_nonzero(~fin)
    t = np.where(fin & (a < 1e20), x, 0).astype(np.float64)
    smooth = []
    if t.ndim == 2 and t.shape[1] > 2:
        u = t[:, :-1] - t[:, :-1].mean(axis=1, keepdims=True)
        v = t[:, 1:] - t[:, 1:].mean(axis=1, keepdims=True)
        den = np.sqrt((u * u).sum(axis=1) * (v * v).sum(axis=1))
        live = den > 0
        smooth = list((u * v).sum(axis=1)[live] / den[live])
    return Plausibility(float(fin.mean()) if x.size else 1.0, absurd / max(x.size, 1),
                        float(np.median(smooth)) if smooth else 1.0, int(np.count_nonzero(a)))


_CLASSIC_NULLS = (-999.25, -999.0, -9999.0, -99999.0, -999999.0)


def null_marker(x: np.ndarray) -> float | None:
    """The value that marks missing samples in float data, or None.

    Interpretation tools export undefined samples as one exact value: a classic null
    (-999.25, -999, ...) or a huge one (1e30, float max). Continuous amplitudes never repeat
    one value in 1 % of the samples, so such a value that is a classic null or beyond 1e20
    is taken as the marker (values merely clipped at +-max are neither, and stay data).
    """
    v = x[np.isfinite(x)]
    if v.size == 0:
        return None
    vals, counts = np.unique(v, return_counts=True)
    i = int(np.argmax(counts))
    c = float(vals[i])
    if counts[i] < 0.01 * x.size or not (abs(c) >= 1e20 or c in _CLASSIC_NULLS):
        return None
    return c


def _mask(x: np.ndarray) -> np.ndarray:
    """Samples that are no data: non-finite, or the null marker."""
    hole = ~np.isfinite(x)
    marker = null_marker(x)
    if marker is not None:
        hole |= x == np.float32(marker)
    return hole


def file_null_marker(raw: np.ndarray, layout: TraceLayout, code: int) -> float | None:
    """The null marker of a float-format file, judged on the probe traces (None for integers)."""
    if code not in (1, 5, 6):
        return None
    return null_marker(_as(probe_rows(raw, layout), code, layout.endian))


def _words(rows: np.ndarray, endian: str) -> np.ndarray:
    w = np.ascontiguousarray(rows).view(endian + "u4").astype(np.uint32).ravel()
    return w[(w & 0x7FFFFFFF) != 0]


def _ibm_unnormalised_share(w: np.ndarray) -> float:
    """Share of words whose IBM fraction has a zero leading hex digit (never in real IBM data)."""
    return float(np.mean((w & 0x00F00000) == 0)) if w.size else 0.0


def _spans_even_octaves(w: np.ndarray) -> bool:
    """Enough IEEE values in even-exponent octaves that genuine IEEE data would show
    mantissas below 1/8 there (about 1 in 6): their total absence then proves IBM."""
    expo = (w >> 23) & 0xFF
    even = expo[expo % 2 == 0]
    return even.size >= 400 and np.unique(even).size >= 4


def check_samples(raw: np.ndarray, layout: TraceLayout, declared: int,
                  forced: int | None = None) -> tuple[int, list[str]]:
    """The format code to decode with, and warnings about the header's claim."""
    bps = layout.bytes_per_sample
    if forced is not None:
        if forced not in FORMATS or FORMATS[forced][1] != bps:
            raise SeisviewError(f"sample format {forced} does not fit the file ({bps} bytes per sample)",
                                hint=f"use a format with {bps}-byte samples")
        return forced, []
    warnings: list[str] = []
    code = layout.format_code
    if bps != 4:
        if declared not in FORMATS:
            warnings.append(f"sample format code {declared} (bytes 3225-3226) is not a SEG-Y format seisview reads; "
                            f"the traces hold {bps}-byte samples: read as {FORMATS[code][0]}")
        return code, warnings
    rows = probe_rows(raw, layout)
    e = layout.endian
    decoded = {c: _as(rows, c, e) for c in _FOUR_BYTE}
    stats = {c: plausibility(x) for c, x in decoded.items()}
    w = _words(rows, e)
    # NaN/Inf and null markers (-999.25, 1e30) are masks (no data outside a polygon or below a
    # horizon): judge the float formats by the other values so masked files keep their format
    masks: dict[int, tuple[float, str]] = {}
    for c in (1, 5):
        if c != code and code in FORMATS:
            continue  # a mask excuses the declared format only, never makes another one fit
        hole = _mask(decoded[c])
        if hole.any():
            st = plausibility(np.where(hole, 0.0, decoded[c]))
            if st.ok:
                stats[c] = st
                marker = null_marker(decoded[c])
                masks[c] = (float(hole.mean()), "NaN/Inf" + ("" if marker is None else f" or {marker:g}"))

    def done(final: int) -> tuple[int, list[str]]:
        if final in masks:
            share, what = masks[final]
            warnings.append(f"{share:.1%} of the probed samples are {what} (a mask); they are read as 0 "
                            "and display levels ignore them")
        return final, warnings
    if code not in FORMATS:  # invalid code with 4-byte samples: decide by plausibility
        good = [c for c in _FOUR_BYTE if stats[c].ok]
        if 1 in good and w.size >= 200 and _ibm_unnormalised_share(w) > 0.02:
            good.remove(1)  # real IBM floats are normalised
        if 1 in good and _ibm_unnormalised_share(w) == 0 and _spans_even_octaves(w):
            good = [1]
        if not good:
            raise SeisviewError(f"sample format code {declared} is not a SEG-Y format seisview reads and no 4-byte format "
                                "decodes the samples plausibly", hint="pass sample_format= (1 IBM, 5 IEEE, 2 int32)")
        best = max(good, key=lambda c: stats[c].smooth)
        warnings.append(f"sample format code {declared} (bytes 3225-3226) is not a SEG-Y format seisview reads; the samples "
                        f"decode plausibly as {FORMATS[best][0]} (format {best}): read as that")
        return done(best)
    st = stats[code]
    alts = [c for c in _FOUR_BYTE if c != code and stats[c].ok]
    switch, why = None, ""
    if code == 1 and w.size >= 200 and _ibm_unnormalised_share(w) > 0.02 and stats[5].ok \
            and stats[5].smooth >= st.smooth - 0.05:
        switch, why = 5, f"{_ibm_unnormalised_share(w):.0%} of the words are not normalised IBM floats"
    elif code == 5 and _ibm_unnormalised_share(w) == 0 and stats[1].ok and _spans_even_octaves(w):
        switch, why = 1, "every word has the bit pattern of a normalised IBM float"
    elif not st.ok and alts:
        switch = max(alts, key=lambda c: stats[c].smooth)
        why = f"as {FORMATS[code][0]} {st.absurd:.0%} of the values are NaN or absurd"
    elif st.ok and alts and st.smooth < 0.2 and max(stats[c].smooth for c in alts) > 0.6:
        switch = max(alts, key=lambda c: stats[c].smooth)
        why = f"as {FORMATS[code][0]} the traces are noise (lag-1 correlation {st.smooth:.2f})"
    if switch is not None:
        warnings.append(f"binary header says {FORMATS[code][0]} (format {code}) but {why}; the samples decode "
                        f"plausibly as {FORMATS[switch][0]}: read as format {switch} "
                        f"(pass sample_format={code} to force the header's format)")
        return done(switch)
    if not st.ok:
        if st.finite + 0.0 < 0.5 or st.absurd > 0.5:
            raise SeisviewError(f"samples decode to garbage as {FORMATS[code][0]} (format {code}): "
                                f"{st.absurd:.0%} absurd values and no other format fits",
                                hint="the file is damaged or not seismic; pass sample_format= if you know it")
        warnings.append(f"{1 - st.finite:.1%} of the probed samples are NaN/Inf and {st.absurd:.1%} absurd "
                        "(|x| > 1e20); display levels ignore them")
    return done(code)
