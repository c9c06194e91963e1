"""SEG-Y byte layout: header fields, sample formats and their decoding.

Everything here is plain numpy on raw bytes, so one code path serves big- and
little-endian files, SU files and every sample format; segyio is not needed to
decode (it is used as the reference in tests and benchmarks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.io.mapped import block_rows, needs_release, release

TEXT_BYTES = 3200
BINARY_BYTES = 400
TRACE_HEADER_BYTES = 240

# SEG-Y sample format codes -> (name, bytes per sample, numpy kind). 1 is IBM float.
FORMATS: dict[int, tuple[str, int, str]] = {
    1: ("ibm32", 4, "u4"),
    2: ("int32", 4, "i4"),
    3: ("int16", 2, "i2"),
    5: ("ieee32", 4, "f4"),
    6: ("ieee64", 8, "f8"),
    7: ("int24", 3, "i3"),  # 3-byte formats: no numpy dtype, decoded from the bytes
    8: ("int8", 1, "i1"),
    9: ("int64", 8, "i8"),
    10: ("uint32", 4, "u4"),
    11: ("uint16", 2, "u2"),
    12: ("uint64", 8, "u8"),
    15: ("uint24", 3, "u3"),
    16: ("uint8", 1, "u1"),
}
READ_ONLY_FORMATS = (7, 15)
FORMAT_CODES = {name: code for code, (name, _, _) in FORMATS.items()}

# Binary header fields (1-based file byte, size, signed) used by the scan.
BIN_DT = (3217, 2, False)
BIN_NS = (3221, 2, False)
BIN_FORMAT = (3225, 2, True)
BIN_EXT_NS = (3269, 4, True)  # rev 2: extended number of samples
BIN_ENDIAN_CONST = (3297, 4, False)  # rev 2: 16909060 (0x01020304) in the file's byte order
BIN_REVISION = (3501, 2, False)
BIN_FIXED_LENGTH = (3503, 2, True)
BIN_N_EXT_TEXT = (3505, 2, True)
BIN_N_EXTRA_HEADERS = (3507, 4, True)  # rev 2: additional 240-byte trace headers

# Trace header byte locations (1-based) with their names, as segyio numbers them.
TRACE_FIELDS = {
    "tracl": 1, "tracr": 5, "ffid": 9, "channel": 13, "ep": 17, "cdp": 21, "cdp_trace": 25,
    "trid": 29, "offset": 37, "scalel": 69, "scalco": 71, "sx": 73, "sy": 77, "gx": 81, "gy": 85,
    "counit": 89, "delrt": 109, "ns": 115, "dt": 117, "cdp_x": 181, "cdp_y": 185,
    "iline": 189, "xline": 193, "sp": 197, "time_scalar": 215, "fb_us": 233,
}
SHORT_FIELDS = {29, 69, 71, 89, 105, 107, 109, 111, 113, 115, 117, 203, 215}


@dataclass(frozen=True)
class TraceLayout:
    """Where the traces lie in the file and how their samples are stored."""

    data_offset: int  # byte offset of the first trace header
    header_bytes: int  # 240, or more with rev-2 additional trace headers
    n_traces: int
    n_samples: int
    format_code: int  # -N: the header's code is invalid or does not fit N-byte samples (the sanity check decides)
    endian: str  # ">" or "<"

    @property
    def bytes_per_sample(self) -> int:
        return -self.format_code if self.format_code < 0 else FORMATS[self.format_code][1]

    @property
    def trace_bytes(self) -> int:
        return self.header_bytes + self.n_samples * self.bytes_per_sample

    def map_traces(self, path, mode: Literal["r", "r+"] = "r") -> np.memmap:
        """The file's traces as a ``(n_traces, trace_bytes)`` uint8 memmap (header + samples)."""
        return np.memmap(path, np.uint8, mode, offset=self.data_offset,
                         shape=(self.n_traces, self.trace_bytes))


def check_header_byte(byte, what: str, size: int = 4) -> int:
    """``byte`` when a ``size``-byte word starting there lies inside the 240-byte trace header."""
    if isinstance(byte, bool) or not isinstance(byte, int | np.integer) or not 1 <= byte <= 241 - size:
        raise SeisviewError(f"{what} byte {byte} is not inside the 240-byte trace header",
                            hint=f"give the 1-based first byte of the header word, 1-{241 - size} "
                            "(inline 189, crossline 193, FFID 9, channel 13, CDP 21 are common)")
    return int(byte)


def read_int(buf: bytes, byte: int, size: int, signed: bool, endian: str, base: int = 1) -> int:
    """One integer from ``buf`` at 1-based ``byte`` (``base`` is the file byte of ``buf[0]``)."""
    off = byte - base
    return int.from_bytes(buf[off:off + size], "big" if endian == ">" else "little", signed=signed)


class HeaderTable:
    """Trace header fields of every trace, read lazily from a memory map (cached per field).

    Files with up to ~1M traces get one contiguous copy of their 240-byte
    headers (one sequential pass); larger ones are read field by field so the
    copy never costs gigabytes.
    """

    COPY_LIMIT = 256 * 1024**2

    def __init__(self, raw: np.ndarray, endian: str):
        self.raw = raw  # (n_traces, trace_bytes) uint8 memmap
        self.endian = endian
        self._cache: dict[tuple[int, int], np.ndarray] = {}
        self._compact: np.ndarray | None = None

    def __len__(self) -> int:
        return self.raw.shape[0]

    def _source(self) -> np.ndarray:
        if self._compact is None and self.raw.shape[0] * TRACE_HEADER_BYTES <= self.COPY_LIMIT:
            # one 240-byte record per trace: numpy copies each as a block, not byte by byte
            rec = np.ndarray((self.raw.shape[0],), dtype=np.dtype((np.void, TRACE_HEADER_BYTES)),
                             buffer=self.raw, strides=(self.raw.strides[0],))
            # block by block, unmapping each block after it: the pass must not leave the
            # whole file mapped into the process (pre-stack files far above the RAM budget)
            out = np.empty(rec.shape, rec.dtype)
            n, rows, unmap = rec.shape[0], block_rows(self.raw), needs_release(self.raw)
            for i0 in range(0, n, rows):
                out[i0:i0 + rows] = rec[i0:i0 + rows]
                if unmap:
                    release(self.raw, i0, min(n, i0 + rows))
            self._compact = out.view(np.uint8).reshape(-1, TRACE_HEADER_BYTES)
        return self._compact if self._compact is not None else self.raw

    def field(self, byte: int, size: int | None = None) -> np.ndarray:
        """int64 values of the header word starting at 1-based ``byte`` (2 or 4 bytes, signed)."""
        size = size or (2 if byte in SHORT_FIELDS else 4)
        key = (byte, size)
        if key not in self._cache:
            src = self._source()
            col = np.ndarray((src.shape[0],), dtype=f"{self.endian}i{size}", buffer=src,
                             offset=byte - 1, strides=(src.strides[0],))
            if src is self.raw:  # field by field from the map: unmap each block after it
                vals, rows = np.empty(len(col), np.int64), block_rows(self.raw)
                for i0 in range(0, len(col), rows):
                    vals[i0:i0 + rows] = col[i0:i0 + rows]
                    release(self.raw, i0, min(len(col), i0 + rows))
                self._cache[key] = vals
            else:
                self._cache[key] = col.astype(np.int64)
        return self._cache[key]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.field(TRACE_FIELDS[name])

    def first(self, name: str) -> int:
        """The first trace's value of a named field, without a pass over every trace."""
        byte = TRACE_FIELDS[name]
        key = (byte, 2 if byte in SHORT_FIELDS else 4)
        if key in self._cache:
            return int(self._cache[key][0])
        return read_int(bytes(self.raw[0, byte - 1:byte - 1 + key[1]]), byte, key[1], True,
                        self.endian, base=byte)


def samples_view(raw: np.ndarray, layout: TraceLayout) -> np.ndarray:
    """``(n_traces, n_samples)`` view of the stored samples in their file dtype (no copy).

    3-byte formats give ``(n_traces, n_samples, 3)`` uint8, most significant byte first
    whatever the file's byte order (a reversed view for little-endian files).
    """
    name, bps, kind = FORMATS[layout.format_code]
    if bps == 3:
        v = np.ndarray((raw.shape[0], layout.n_samples, 3), dtype=np.uint8, buffer=raw,
                       offset=layout.header_bytes, strides=(raw.strides[0], 3, 1))
        return v if layout.endian == ">" else v[..., ::-1]
    dtype = np.dtype(layout.endian + kind) if bps > 1 else np.dtype(kind)
    return np.ndarray((raw.shape[0], layout.n_samples), dtype=dtype, buffer=raw,
                      offset=layout.header_bytes, strides=(raw.strides[0], bps))


def _ibm_scale_table() -> np.ndarray:
    """Scale of an IBM word by its top byte (sign + 7-bit exponent): +-16^(e-64) / 2^24."""
    top = np.arange(256)
    with np.errstate(over="ignore", under="ignore"):
        scale = np.ldexp(np.float32(1.0), (4 * (top & 0x7F) - 280).astype(np.int32))
    return np.where(top & 0x80, -scale, scale).astype(np.float32)


_IBM_SCALE = _ibm_scale_table()


def ibm_to_float32(words: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
    """IBM System/360 single floats (as uint32 in native order) to IEEE float32.

    value = (-1)^s * 0.f * 16^(e-64): the 24-bit fraction is exact in float32
    and the scale is a power of two looked up by the top byte, so one multiply
    per sample gives the correctly rounded result (overflow becomes +-inf).
    """
    w = np.asarray(words, dtype=np.uint32)
    scale = np.take(_IBM_SCALE, w >> np.uint32(24))
    frac = np.bitwise_and(w, np.uint32(0x00FFFFFF))
    if out is None:
        out = np.empty(w.shape, np.float32)
    with np.errstate(over="ignore", under="ignore"):
        np.multiply(frac, scale, out=out, dtype=np.float32, casting="unsafe")
    return out


def decode(samples: np.ndarray, format_code: int, out: np.ndarray | None = None) -> np.ndarray:
    """Stored samples (a view from :func:`samples_view` or a copy of rows) to float32."""
    if format_code == 1:
        return ibm_to_float32(samples.astype(np.uint32), out=out)
    if format_code in READ_ONLY_FORMATS:
        b = samples.astype(np.int32)
        v = (b[..., 0] << 16) | (b[..., 1] << 8) | b[..., 2]
        if format_code == 7:
            v -= (v & 0x800000) << 1  # two's complement sign of the top byte
        samples = v
    if out is None:
        return samples.astype(np.float32)
    np.copyto(out, samples, casting="unsafe")
    return out


def float32_to_ibm(values: np.ndarray) -> np.ndarray:
    """IEEE float32 to IBM single floats as uint32 (native order), fraction rounded to nearest.

    Non-finite values become 0 (IBM has no NaN/Inf); magnitudes beyond IBM's
    range saturate, tiny ones flush to 0.
    """
    v = np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    sign = np.where(v < 0, np.uint32(0x80000000), np.uint32(0))
    m, e = np.frexp(np.abs(v))  # |v| = m * 2^e, m in [0.5, 1)
    e16 = -((-e) // 4)  # ceil(e / 4): |v| = frac * 16^e16 with frac in [1/16, 1)
    fi = np.rint(np.ldexp(m, e - 4 * e16 + 24)).astype(np.int64)
    carry = fi >= 1 << 24  # rounding reached 1.0: one hex digit up
    fi = np.where(carry, 1 << 20, fi)
    ei = e16 + 64 + carry
    under, over = ei < 0, ei > 127
    fi = np.where(under, 0, np.where(over, (1 << 24) - 1, fi))
    ei = np.clip(ei, 0, 127)
    word = sign | (ei.astype(np.uint32) << np.uint32(24)) | fi.astype(np.uint32)
    return np.where((v == 0) | under, np.uint32(0), word).astype(np.uint32)
