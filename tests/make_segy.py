"""Tiny self-describing SEG-Y files for the tests, and the bad inputs real life brings.

Every sample of a "position" file holds ``il + xl/100 + sample*1e-5`` (float
formats) or ``il*1000 + (xl - xl0)*10 + sample % 10`` (integer formats), so a
failing assertion says which trace went where. "seismic" files hold
deterministic band-limited noise with seismic dynamics (used by the
format-mislabelling tests, where the bit patterns of real amplitudes matter).

The writer is independent of ``seisview.io.segy_write`` on purpose: it
builds headers byte by byte and can break them in the ways real files do.

Run ``python tests/make_segy.py OUTDIR`` to write the whole catalogue with a
one-line description of each file (see ``CATALOGUE``).
"""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import numpy as np


def position_values(il: np.ndarray, xl: np.ndarray, ns: int, xl0: int, integer: bool) -> np.ndarray:
    s = np.arange(ns)
    if integer:
        return (il[:, None] * 1000 + (xl[:, None] - xl0) * 10 + s[None, :] % 10).astype(np.float64)
    return il[:, None] + xl[:, None] / 100.0 + s[None, :] * 1e-5


def seismic_values(n: int, ns: int, seed: int = 7) -> np.ndarray:
    """Band-limited noise with a decaying envelope, amplitudes spanning several decades."""
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, ns + 16))
    w = np.hanning(9)
    x = np.apply_along_axis(lambda t: np.convolve(t, w, "same"), 1, x)[:, 8:8 + ns]
    env = 3000.0 * np.exp(-np.arange(ns) / (ns / 3))[None, :] + 5.0
    return x * env


def _ibm(v: np.ndarray) -> np.ndarray:
    """float -> IBM words (uint32), exact frexp-based conversion."""
    out = np.zeros(v.shape, np.uint32)
    for i, x in np.ndenumerate(v):
        if x == 0:
            continue
        m, e = np.frexp(abs(x))  # x = m * 2^e, m in [0.5, 1)
        e16 = -(-e // 4)  # ceil(e / 4)
        frac = m * 2.0 ** (e - 4 * e16)  # now x = frac * 16^e16, frac in [1/16, 1)
        out[i] = (0x80000000 if x < 0 else 0) | ((int(e16) + 64) << 24) | int(frac * 2**24)
    return out


def _samples(values: np.ndarray, fmt: int, endian: str) -> bytes:
    kinds = {1: "u4", 2: "i4", 3: "i2", 5: "f4", 6: "f8", 8: "i1", 11: "u2", 16: "u1"}
    if fmt == 1:
        arr = _ibm(values).astype(endian + "u4")
    else:
        k = kinds[fmt]
        arr = values.astype(endian + k if k[1] != "1" else k)
    return arr.tobytes()


def _text(lines: list[str], encoding: str) -> bytes:
    t = "".join(f"C{i + 1:2d} {(lines[i] if i < len(lines) else '')}"[:80].ljust(80) for i in range(40))
    return t.encode("cp500" if encoding == "ebcdic" else "ascii")


def make(path, *, n_il=5, n_xl=5, ns=50, il0=1, xl0=20, il_step=1, xl_step=1, sorting="inline",
         fmt=5, endian=">", text="ebcdic", dt_us=4000, delay=0, delay_scalar=0, il_byte=189,
         xl_byte=193, drop=(), duplicate=(), values="position", declared_format=None,
         declared_ns=None, trace_ns=None, rev=0x0100, ext_text=0, declared_ext_text=None,
         extra_headers=0, su=False, garbage_rev2=False, legacy_181=False, truncate=0,
         coords=True, spikes=False, bin_dt=None, lines=True, zero_lines=()) -> Path:
    """Write one test file and return its path (see the module doc for the sample values)."""
    path = Path(path)
    il_no = il0 + il_step * np.arange(n_il)
    xl_no = xl0 + xl_step * np.arange(n_xl)
    ii, xx = np.meshgrid(il_no, xl_no, indexing="ij")
    if sorting == "crossline":
        ii, xx = ii.T, xx.T
    il_t, xl_t = ii.ravel(), xx.ravel()
    keep = [k for k in range(il_t.size) if k not in set(drop)]
    order = keep + [k for k in duplicate]
    il_t, xl_t = il_t[order], xl_t[order]
    n = il_t.size
    integer = fmt in (2, 3, 8, 11, 16)
    if values == "seismic":
        vals = seismic_values(n, ns)
    else:
        vals = position_values(il_t, xl_t, ns, xl0, integer)
    if spikes:
        vals[0, 3] = np.nan
        vals[1, 4] = np.inf
        vals[2, 5] = 1e30
    e = endian

    def pack(fmtc, v):
        return struct.pack(e + fmtc, v)

    out = bytearray()
    if not su:
        out += _text(["seisview test file: value = il + xl/100 + sample*1e-5",
                      f"inline byte {il_byte}, crossline byte {xl_byte}, format {fmt}"], text)
        b = bytearray(400)
        b[12:14] = pack("h", n_xl)
        b[16:18] = pack("H", bin_dt if bin_dt is not None else dt_us)
        b[20:22] = pack("H", declared_ns if declared_ns is not None else ns)
        b[24:26] = pack("h", declared_format if declared_format is not None else fmt)
        b[28:30] = pack("h", 4)
        b[300:302] = pack("H", rev)
        b[302:304] = pack("h", 1)
        b[304:306] = pack("h", declared_ext_text if declared_ext_text is not None else ext_text)
        if rev >> 8 >= 2:
            b[96:100] = pack("I", 0x01020304)
            b[306:310] = pack("i", extra_headers)
        if garbage_rev2:
            rng = np.random.default_rng(3)
            b[60:96] = rng.integers(0, 256, 36, dtype=np.uint8).tobytes()  # bytes 3261-3296
            b[304:332] = rng.integers(0, 256, 28, dtype=np.uint8).tobytes()  # 3505-3532
            b[300:302] = pack("H", 0x0201)
        out += b
        n_blocks = ext_text if ext_text != -1 else 2
        for k in range(n_blocks):
            last = k == n_blocks - 1 and ext_text == -1
            out += _text(["((SEG: EndText))" if last else f"((SEG: Extended text {k + 1}))"], text)
    for t in range(n):
        h = bytearray(240)
        h[0:4] = pack("i", t + 1)
        h[4:8] = pack("i", t + 1)
        h[28:30] = pack("h", 1)
        h[70:72] = pack("h", -100)
        h[108:110] = pack("h", delay)
        h[114:116] = pack("H", trace_ns if trace_ns is not None else ns)
        h[116:118] = pack("H", dt_us)
        h[214:216] = pack("h", delay_scalar)
        if lines and t not in zero_lines:
            h[il_byte - 1:il_byte + 3] = pack("i", int(il_t[t]))
            h[xl_byte - 1:xl_byte + 3] = pack("i", int(xl_t[t]))
        if coords and lines:  # world = rotated grid, 25 m bins, in cm with scalar -100
            x = 1000.0 + 25 * (xl_t[t] - xl0) * 0.8 - 25 * (il_t[t] - il0) * 0.6
            y = 2000.0 + 25 * (xl_t[t] - xl0) * 0.6 + 25 * (il_t[t] - il0) * 0.8
            h[180:184] = pack("i", int(round(x * 100)))
            h[184:188] = pack("i", int(round(y * 100)))
            h[72:76] = pack("i", int(round(x * 100)))
            h[76:80] = pack("i", int(round(y * 100)))
        if legacy_181:  # a legacy writer's own fields over bytes 181-208
            h[180:208] = bytes((t * 37 + k * 11) % 256 for k in range(28))
        out += h
        if extra_headers:
            out += bytes(240 * extra_headers)
        out += _samples(vals[t:t + 1], fmt, e)
    if truncate:
        out = out[:-truncate]
    path.write_bytes(bytes(out))
    return path


CATALOGUE = {
    "inline_ieee.sgy": ("5x5x50 inline-sorted IEEE, big-endian", {}),
    "crossline_ieee.sgy": ("crossline-sorted", {"sorting": "crossline"}),
    "ibm_lsb.sgy": ("IBM float, little-endian", {"fmt": 1, "endian": "<"}),
    "int16.sgy": ("int16 samples", {"fmt": 3}),
    "ascii_text.sgy": ("ASCII text header", {"text": "ascii"}),
    "steps.sgy": ("line steps 2/4, t0 -100 ms, 13 µs sampling", {"il_step": 2, "xl_step": 4, "delay": -100, "dt_us": 13}),
    "alt_bytes.sgy": ("line numbers at 9/21 (189/193 empty)", {"il_byte": 9, "xl_byte": 21}),
    "missing.sgy": ("3 traces missing, one duplicated", {"drop": (0, 1, 5), "duplicate": (12,)}),
    "su.su": ("SU file (no file headers), little-endian", {"su": True, "endian": "<"}),
    "rev21_ext.sgy": ("rev 2.1, 2 extended text headers, 1 extra trace header", {"rev": 0x0201, "ext_text": 2, "extra_headers": 1}),
    "ext_text_var.sgy": ("variable extended text (-1) ending with the EndText stanza", {"ext_text": -1}),
    "garbage_rev2.sgy": ("rev-2 fields full of garbage", {"garbage_rev2": True}),
    "legacy_181.sgy": ("legacy use of bytes 181-208; lines at 9/21", {"legacy_181": True, "il_byte": 9, "xl_byte": 21}),
    "ieee_as_ibm.sgy": ("IEEE samples labelled IBM", {"values": "seismic", "declared_format": 1}),
    "ibm_as_ieee.sgy": ("IBM samples labelled IEEE", {"values": "seismic", "fmt": 1, "declared_format": 5}),
    "format0.sgy": ("format code 0", {"values": "seismic", "declared_format": 0}),
    "format99.sgy": ("format code 99", {"values": "seismic", "declared_format": 99}),
    "format0_ibm.sgy": ("format code 0 over IBM samples", {"values": "seismic", "fmt": 1, "declared_format": 0}),
    "absurd_ns.sgy": ("binary header says 65000 samples", {"declared_ns": 65000}),
    "truncated.sgy": ("last trace cut short", {"truncate": 77}),
    "spikes.sgy": ("NaN, Inf and 1e30 samples", {"spikes": True}),
    "junk_traces.sgy": ("two traces without line numbers (0/0)", {"zero_lines": (3, 17)}),
    "no_lines.sgy": ("no line numbers or coordinates anywhere (unstructured)", {"lines": False}),
}


def main(outdir: str) -> None:
    d = Path(outdir)
    d.mkdir(parents=True, exist_ok=True)
    for name, (desc, kw) in CATALOGUE.items():
        make(d / name, **kw)
        print(f"{name:22s} {desc}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "segy_test_files")
