"""Is the sample format in the binary header telling the truth?

Every decoder gives numbers, whatever the bytes hold: IEEE floats read as
int32 are ~1e9, int8 read as uint8 jump by 255 at every zero crossing, the
wrong byte order turns traces into noise. So a few traces spread over the
file are decoded in every format of the same sample width, in both byte
orders, and each reading is judged by its bits (IBM normalisation, IEEE
exponents, integer magnitudes that cluster like float exponents, sign
wrap-arounds) and by its continuity along the traces. The header's reading is
kept unless the bits contradict it; then the plausible reading is used with a
warning, or, when none is plausible, the file is refused.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.io.mapped import release
from seisview.io.segy_format import FORMATS, TraceLayout, decode

_N_PROBE = 64
_PROBE_SAMPLES = 1024  # a window from the middle of long traces: the judgement costs the same for any length
_FLOATS = (1, 5, 6)
_SIGNED = (2, 3, 7, 8, 9)
_SIGN_SIBLING = {2: 10, 10: 2, 3: 11, 11: 3, 8: 16, 16: 8, 9: 12, 12: 9, 7: 15, 15: 7}


@dataclass(frozen=True)
class Plausibility:
    finite: float  # share of finite values
    absurd: float  # share of |x| > 1e20, 0 < |x| < 1e-30, or nonzero bits that decode to 0
    smooth: float  # median lag-1 correlation along traces (nan: no varying trace)
    nonzero: int
    varying: int = 0  # traces whose samples vary (the evidence behind ``smooth``)

    @property
    def ok(self) -> bool:
        return self.finite > 0.99 and self.absurd < 0.01


def probe_rows(raw: np.ndarray, layout: TraceLayout) -> np.ndarray:
    """Raw sample bytes of up to 64 traces spread over the file, ``(k, m*bps)``, with ``m`` the
    samples of each trace or the 1024 in its middle (shallow mutes and deep noise stay out)."""
    n = raw.shape[0]
    idx = np.unique(np.linspace(0, n - 1, min(n, _N_PROBE)).astype(int))
    bps = layout.bytes_per_sample
    m = min(layout.n_samples, _PROBE_SAMPLES)
    start = layout.header_bytes + (layout.n_samples - m) // 2 * bps
    out = np.empty((idx.size, m * bps), np.uint8)
    for k, i in enumerate(idx):  # one at a time, unmapped again: each read maps up to 2 MiB
        out[k] = raw[i, start:start + m * bps]
        release(raw, int(i), int(i) + 1)
    return out


def _stored(rows: np.ndarray, code: int, endian: str) -> np.ndarray:
    """The probe bytes as stored samples of ``code`` (the view :func:`samples_view` would give)."""
    _, bps, kind = FORMATS[code]
    rows = np.ascontiguousarray(rows)
    if bps == 3:
        v = rows.reshape(rows.shape[0], -1, 3)
        return v if endian == ">" else v[..., ::-1]
    return rows.view(np.dtype(endian + kind) if bps > 1 else np.dtype(kind))


def _as(rows: np.ndarray, code: int, endian: str) -> np.ndarray:
    with np.errstate(all="ignore"):
        return decode(_stored(rows, code, endian), code)


def plausibility(x: np.ndarray, underflow: np.ndarray | None = None) -> Plausibility:
    """How credible decoded samples are; ``underflow`` marks nonzero words that decoded to 0."""
    fin = np.isfinite(x)
    a = np.abs(np.where(fin, x, 0))
    absurd = np.count_nonzero((a > 1e20) | ((a > 0) & (a < 1e-30))) + np.count_nonzero(~fin)
    if underflow is not None:
        absurd += np.count_nonzero(underflow)
    t = np.where(fin & (a < 1e20), x, 0).astype(np.float64)
    smooth = []
    if t.ndim == 2 and t.shape[1] > 2:
        u = t[:, :-1] - t[:, :-1].mean(axis=1, keepdims=True)
        v = t[:, 1:] - t[:, 1:].mean(axis=1, keepdims=True)
        den = np.sqrt((u * u).sum(axis=1) * (v * v).sum(axis=1))
        live = den > 0
        smooth = list((u * v).sum(axis=1)[live] / den[live])
    return Plausibility(float(fin.mean()) if x.size else 1.0, absurd / max(x.size, 1),
                        float(np.median(smooth)) if smooth else float("nan"), int(np.count_nonzero(a)),
                        len(smooth))


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
    if code not in _FLOATS:
        return None
    return null_marker(_as(probe_rows(raw, layout), code, layout.endian))


def _words(rows: np.ndarray, endian: str, bps: int) -> np.ndarray:
    """Nonzero sample words (sign bit ignored) as unsigned integers."""
    kind = {1: "u1", 2: "u2", 4: "u4", 8: "u8"}.get(bps)
    if kind is None:
        return np.zeros(0, np.uint64)
    w = np.ascontiguousarray(rows).view(np.dtype(endian + kind) if bps > 1 else np.dtype(kind))
    w = w.astype(np.uint64).ravel() & np.uint64((1 << (8 * bps - 1)) - 1)
    return w[w != 0]


def _ibm_unnormalised_share(w: np.ndarray) -> float:
    """Share of words whose IBM fraction has a zero leading hex digit (never in real IBM data)."""
    return float(np.mean((w & 0x00F00000) == 0)) if w.size else 0.0


def _spans_even_octaves(w: np.ndarray) -> bool:
    """Enough IEEE values in even-exponent octaves that genuine IEEE data would show
    mantissas below 1/8 there (about 1 in 6): their total absence then proves IBM."""
    expo = (w >> 23) & 0xFF
    even = expo[expo % 2 == 0]
    return even.size >= 400 and np.unique(even).size >= 4


def _float_like(w: np.ndarray) -> float:
    """Median over 99th percentile of the word magnitudes: near 1 when the words are floats
    (the exponent in the top bits compresses decades into a narrow band of integers),
    well below 1 for integer amplitudes, which are linear."""
    if w.size < 16:
        return 0.0
    m = w.astype(np.float64)
    return float(np.median(m) / np.percentile(m, 99))


def _wraps(x: np.ndarray, code: int) -> float:
    """Share of sample-to-sample steps larger than half the integer range (a sign read wrong).

    Steps from one end of the range to the other are clipping, not wrap-around, and not counted.
    """
    if x.ndim != 2 or x.shape[1] < 2:
        return 0.0
    bits = 8 * FORMATS[code][1]
    lo, hi = (-(2.0 ** (bits - 1)), 2.0 ** (bits - 1) - 1) if code in _SIGNED else (0.0, 2.0 ** bits - 1)
    x = x.astype(np.float64)
    a, b = x[:, :-1], x[:, 1:]
    rail = ((a <= lo) | (a >= hi)) & ((b <= lo) | (b >= hi))
    return float(np.mean((np.abs(b - a) > 2.0 ** (bits - 1)) & ~rail))


@dataclass(frozen=True)
class Reading:
    """One way of decoding the probe traces."""

    code: int
    endian: str
    stats: Plausibility
    wraps: float
    mask: tuple[float, str] | None = None  # (share, what) when masked samples excuse the float format

    @property
    def name(self) -> str:
        order = "" if FORMATS[self.code][1] == 1 else (", big-endian" if self.endian == ">" else ", little-endian")
        return f"{FORMATS[self.code][0]} (format {self.code}{order})"


def _reading(rows: np.ndarray, code: int, endian: str, masked: bool) -> Reading:
    x = _as(rows, code, endian)
    under = None
    if code in _FLOATS:
        w = np.ascontiguousarray(rows).view(np.dtype(endian + FORMATS[code][2].replace("f", "u")))
        bits = w & np.array((1 << (8 * FORMATS[code][1] - 1)) - 1, w.dtype)
        under = (bits != 0) & (x == 0)
    st = plausibility(x, under)
    mask = None
    if masked and code in _FLOATS:
        hole = _mask(x)
        if hole.any():
            alt = plausibility(np.where(hole, 0.0, x), None if under is None else under & ~hole)
            if alt.ok:
                marker = null_marker(x)
                st = alt
                mask = (float(hole.mean()), "NaN/Inf" + ("" if marker is None else f" or {marker:g}"))
    wraps = 0.0 if code in _FLOATS else _wraps(x, code)
    return Reading(code, endian, st, wraps, mask)


def _objection(r: Reading, readings: dict[tuple[int, str], Reading], w: dict[str, np.ndarray]) -> str | None:
    """Why the bits contradict reading ``r``, or None."""
    st, words = r.stats, w[r.endian]
    if not st.ok:
        return f"{st.absurd + (1 - st.finite):.0%} of the values are NaN, absurd or underflow"
    if r.code == 1 and words.size >= 200 and _ibm_unnormalised_share(words) > 0.02:
        return f"{_ibm_unnormalised_share(words):.0%} of the words are not normalised IBM floats"
    if r.code == 5 and _ibm_unnormalised_share(words) == 0 and _spans_even_octaves(words) \
            and readings[(1, r.endian)].stats.ok:
        return "every word has the bit pattern of a normalised IBM float"
    if r.code in _FLOATS:
        return None
    floats = [readings[(c, r.endian)] for c in _FLOATS if (c, r.endian) in readings]
    if _float_like(words) > 0.85 and any(_float_bits_fit(f, words) for f in floats):
        return "the values cluster like floating-point exponents (floats read as integers)"
    sib = readings.get((_SIGN_SIBLING.get(r.code, 0), r.endian))
    if sib is not None and r.wraps >= 0.005 and sib.wraps <= r.wraps / 10:
        return f"{r.wraps:.1%} of the steps jump by more than half the integer range (the sign is read wrong)"
    return None


def _float_bits_fit(f: Reading, words: np.ndarray) -> bool:
    if not f.stats.ok:
        return False
    if f.code == 1:
        return _ibm_unnormalised_share(words) <= 0.02
    return True


def _ibm_doubt(rows: np.ndarray, e: str) -> str:
    """IEEE samples whose every word is also a normalised IBM float over too few octaves to tell."""
    def span(c: int) -> str:
        x = _as(rows, c, e)
        x = x[np.isfinite(x)]
        return f"{x.min():.4g}..{x.max():.4g}" if x.size else "-"
    return ("binary header says ieee32 (format 5) but every sample word is also a normalised IBM float "
            f"and the values span too few octaves to tell which: as IEEE {span(5)}, as IBM {span(1)}; "
            "read as IEEE (pass sample_format=1 if the IBM values are the right ones)")


def _smooth(r: Reading) -> float:
    s = r.stats.smooth
    return -1.0 if np.isnan(s) else s


def check_samples(raw: np.ndarray, layout: TraceLayout, declared: int,
                  forced: int | None = None) -> tuple[int, str, list[str]]:
    """The format code and byte order to decode the samples with, and warnings about the header.

    ``layout.format_code`` is the header's code, or ``-bytes`` when the header's code is
    invalid or does not fit the file (then a code of that sample width is chosen here).
    """
    bps = layout.bytes_per_sample
    e = layout.endian
    if forced is not None:
        if forced not in FORMATS or FORMATS[forced][1] != bps:
            raise SeisviewError(f"sample format {forced} does not fit the file ({bps} bytes per sample)",
                                hint=f"use a format with {bps}-byte samples")
        return forced, e, []
    code = layout.format_code
    rows = probe_rows(raw, layout)
    other = "<" if e == ">" else ">"
    endians = (e, other) if bps > 1 else (e,)
    codes = [c for c in FORMATS if FORMATS[c][1] == bps]
    readings = {(c, en): _reading(rows, c, en, masked=(c == code or code < 0) and en == e)
                for c in codes for en in endians}
    w = {en: _words(rows, en, bps) for en in endians}
    objections = {k: _objection(r, readings, w) for k, r in readings.items()}
    fair = [r for k, r in readings.items() if objections[k] is None]
    smoothest = max(fair, key=_smooth, default=None)

    def noise(r: Reading) -> str | None:
        if smoothest is None or r is smoothest or np.isnan(r.stats.smooth) \
                or min(r.stats.varying, smoothest.stats.varying) < 4:
            return None  # too few varying traces to call one reading noise
        if _smooth(smoothest) > 0.6 and _smooth(smoothest) - r.stats.smooth > 0.4:
            return f"the traces are noise (lag-1 correlation {r.stats.smooth:.2f}, " \
                   f"{_smooth(smoothest):.2f} as {smoothest.name})"
        return None

    warnings: list[str] = []

    def done(r: Reading) -> tuple[int, str, list[str]]:
        sib = readings.get((_SIGN_SIBLING.get(r.code, 0), r.endian))
        if sib is not None and min(r.wraps, sib.wraps) >= 0.05:
            warnings.append(f"{r.wraps:.0%} of the sample-to-sample steps jump by more than half the range of "
                            f"{FORMATS[r.code][0]}, and as many with the other sign convention: the values look "
                            "wrapped around (integers that overflowed when the file was written)")
        if r.mask is not None:
            share, what = r.mask
            warnings.append(f"{share:.1%} of the probed samples are {what} (a mask); they are read as 0 "
                            "and display levels ignore them")
        return r.code, r.endian, warnings

    mine = readings.get((code, e))
    why = None
    if mine is not None:
        why = objections[(code, e)] or noise(mine)
        if why is None:
            if code == 5 and w[e].size and _ibm_unnormalised_share(w[e]) == 0 and readings[(1, e)].stats.ok:
                warnings.append(_ibm_doubt(rows, e))
            return done(mine)
    plausible = [r for r in fair if noise(r) is None and r is not mine]
    if plausible:
        def rank(r: Reading):
            sib = readings.get((_SIGN_SIBLING.get(r.code, 0), r.endian))
            smooth = _smooth(r)
            if sib is not None and min(r.wraps, sib.wraps) >= 0.05:  # wrapped either way: sign unknowable,
                smooth = max(smooth, _smooth(sib))  # so continuity cannot choose; amplitudes are signed
            return round(smooth, 1), r.endian == e, r.code in _FLOATS, r.code in _SIGNED
        best = max(plausible, key=rank)
        if mine is not None:
            head = f"binary header says {mine.name} but as that {why}"
        elif code == -bps and declared in FORMATS:
            head = (f"binary header says {FORMATS[declared][0]} (format {declared}, "
                    f"{FORMATS[declared][1]}-byte samples) but the file size and trace headers fit {bps}-byte samples")
        else:
            head = f"sample format code {declared} (bytes 3225-3226) is not a SEG-Y format seisview reads"
        warnings.append(f"{head}; the samples decode plausibly as {best.name}: read as that "
                        f"(pass sample_format= to force another format)")
        return done(best)
    if mine is not None and mine.code in _FLOATS and mine.stats.finite >= 0.5 and mine.stats.absurd <= 0.5:
        st = mine.stats
        warnings.append(f"{1 - st.finite:.1%} of the probed samples are NaN/Inf and {st.absurd:.1%} absurd "
                        "(|x| > 1e20 or underflow); they are read as 0 and display levels ignore them")
        return done(mine)
    if mine is not None and objections[(code, e)] is None:
        return done(mine)  # noisy but not contradicted, and nothing better
    label = mine.name if mine is not None else f"format code {declared}"
    raise SeisviewError(f"samples decode to garbage as {label}"
                        + (f" ({why})" if why else "") + " and no other format of "
                        f"{bps}-byte samples fits them",
                        hint="the file is damaged or not seismic; pass sample_format= if you know the format")
