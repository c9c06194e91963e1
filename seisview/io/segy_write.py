"""Writing SEG-Y: post-stack cubes on a survey geometry and pre-stack gathers.

Files are written with numpy (a header block and a sample block per chunk of
traces) to a temporary file, fsynced, then renamed, so a crash never leaves a
half-written file under the final name.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.geometry import SurveyGeometry
from seisview.io.atomic import atomic_open
from seisview.io.segy_format import FORMAT_CODES, FORMATS, READ_ONLY_FORMATS, float32_to_ibm
from seisview.io.segy_text import encode_text

_CHUNK_TRACES = 4096


def _binary_header(n_samples: int, dt_us: int, fmt: int, endian: str, per_ensemble: int,
                   sorting: int) -> bytes:
    b = np.zeros(400, np.uint8)

    def put(byte, value, size, signed=True):
        off = byte - 3201
        b[off:off + size] = np.frombuffer(int(value).to_bytes(
            size, "big" if endian == ">" else "little", signed=signed), np.uint8)

    put(3213, per_ensemble, 2)
    put(3217, dt_us, 2, signed=False)
    put(3219, dt_us, 2, signed=False)
    put(3221, n_samples, 2, signed=False)
    put(3223, n_samples, 2, signed=False)
    put(3225, fmt, 2)
    put(3227, 1, 2)  # ensemble fold
    put(3229, sorting, 2)
    put(3255, 1, 2)  # metres
    put(3501, 0x0100, 2, signed=False)  # rev 1.0
    put(3503, 1, 2)  # fixed trace length
    return b.tobytes()


def _headers(n: int, fields: dict[int, np.ndarray], endian: str) -> np.ndarray:
    """(n, 240) uint8 trace headers with ``fields`` {1-based byte: int values}."""
    h = np.zeros((n, 240), np.uint8)
    from seisview.io.segy_format import SHORT_FIELDS

    for byte, vals in fields.items():
        size = 2 if byte in SHORT_FIELDS else 4
        arr = np.broadcast_to(np.asarray(vals, np.int64), (n,))
        h[:, byte - 1:byte - 1 + size] = arr.astype(f"{endian}i{size}").view(np.uint8).reshape(n, size)
    return h


def _encode(samples: np.ndarray, fmt: int, endian: str) -> np.ndarray:
    name, bps, kind = FORMATS[fmt]
    if fmt == 1:
        enc = float32_to_ibm(samples).astype(endian + "u4")
    elif kind.startswith(("i", "u")):
        info = np.iinfo(kind)
        enc = np.clip(np.rint(samples), info.min, info.max).astype(endian + kind if bps > 1 else kind)
    else:
        enc = samples.astype(endian + kind)
    return enc.view(np.uint8).reshape(samples.shape[0], -1)


def _time_fields(dt: float, t0: float, domain: str) -> tuple[int, int, int]:
    """(dt in µs-or-mm, delay, delay scalar) for the headers; depth units are stored x1000."""
    dt_code = int(round(dt * 1000))
    if not 0 < dt_code < 65536:
        raise SeisviewError(f"sample interval {dt} cannot be stored in SEG-Y (1 µs .. 65 ms)")
    for scalar in (1, 10, 100, 1000):
        d = t0 * scalar
        if abs(d - round(d)) < 1e-6 and abs(d) < 32768:
            return dt_code, int(round(d)), (-scalar if scalar > 1 else 0)
    raise SeisviewError(f"first sample {t0} {('ms' if domain == 'time' else 'm')} cannot be stored in SEG-Y")


def _resolve_format(sample_format: int | str) -> int:
    fmt = FORMAT_CODES.get(sample_format, sample_format) if isinstance(sample_format, str) else sample_format
    if fmt not in FORMATS or fmt in READ_ONLY_FORMATS:
        raise SeisviewError(f"unknown or read-only sample format {sample_format!r}",
                            hint=f"use one of {sorted(n for n, c in FORMAT_CODES.items() if c not in READ_ONLY_FORMATS)}")
    return int(fmt)


def _write_file(path: Path, text: bytes, binary: bytes, chunks) -> Path:
    path = Path(path)
    with atomic_open(path, "wb") as f:
        f.write(text)
        f.write(binary)
        for block in chunks:
            f.write(block.tobytes())
    return path


def write_volume_segy(path, volume_array, geometry: SurveyGeometry, *, live=None,
                      sample_format: int | str = 5, byte_order: str = "big",
                      text: list[str] | None = None, skip_dead: bool = False) -> Path:
    """Write a post-stack cube ``(il_idx, xl_idx, sample)`` as an inline-sorted SEG-Y file.

    Inline/crossline numbers go to bytes 189/193 (and 9/21), world coordinates
    (from ``geometry.affine``) to 181/185 and 73/77 with scalar -100 at 71, the
    delay to 109 (scalar at 215 when t0 is fractional). Depth surveys store the
    sample interval in mm, like Petrel and OpendTect. ``live`` False traces are
    flagged dead (trace id 2), or left out with ``skip_dead=True``.

    Returns the path written.
    """
    arr = volume_array
    if tuple(arr.shape) != geometry.shape:
        raise SeisviewError(f"array shape {tuple(arr.shape)} does not match the geometry {geometry.shape}")
    fmt = _resolve_format(sample_format)
    endian = ">" if byte_order == "big" else "<"
    n_il, n_xl, ns = geometry.shape
    dt_code, delay, dscalar = _time_fields(geometry.dt, geometry.t0, geometry.domain)
    live = np.ones((n_il, n_xl), bool) if live is None else np.asarray(live, bool)
    il_no, xl_no = np.meshgrid(geometry.il.numbers, geometry.xl.numbers, indexing="ij")
    keep = live.ravel() if skip_dead else np.ones(n_il * n_xl, bool)
    if geometry.affine is not None:
        x, y = geometry.world(il_no, xl_no)
        cx, cy = np.rint(x.ravel() * 100).astype(np.int64), np.rint(y.ravel() * 100).astype(np.int64)
    else:
        cx = cy = np.zeros(n_il * n_xl, np.int64)
    lines = text or [
        f"seisview export: {geometry.name or 'volume'}",
        f"inlines {geometry.il.first}-{geometry.il.last} step {geometry.il.step} (bytes 189, 9)",
        f"crosslines {geometry.xl.first}-{geometry.xl.last} step {geometry.xl.step} (bytes 193, 21)",
        f"{ns} samples, {'dt' if geometry.domain == 'time' else 'dz'} {geometry.dt} {geometry.z_unit}, "
        f"first sample {geometry.t0} {geometry.z_unit}, domain {geometry.domain}",
        f"sample format {FORMATS[fmt][0]}, {byte_order}-endian",
        "world x/y at bytes 181/185 and 73/77, scalar -100 at byte 71",
    ]
    lines = ([*lines, *[""] * 38])[:38] + ["SEG Y REV1", "END TEXTUAL HEADER"]

    def chunks():
        # whole inlines at a time: one read per block also for zarr-backed cubes
        step = max(1, _CHUNK_TRACES // max(n_xl, 1))
        seq = 0
        for i0 in range(0, n_il, step):
            i1 = min(i0 + step, n_il)
            idx = np.arange(i0 * n_xl, i1 * n_xl)
            idx_keep = keep[idx]
            idx = idx[idx_keep]
            n = idx.size
            if not n:
                continue
            samples = np.asarray(arr[i0:i1], np.float32).reshape(-1, ns)[idx_keep]
            seqno = np.arange(seq + 1, seq + n + 1)
            seq += n
            xl_i = idx % n_xl
            fields = {1: seqno, 5: seqno, 9: il_no.ravel()[idx], 13: xl_i + 1, 21: xl_no.ravel()[idx],
                      29: np.where(live.ravel()[idx], 1, 2), 71: -100, 73: cx[idx], 77: cy[idx],
                      109: delay, 115: ns, 117: dt_code, 181: cx[idx], 185: cy[idx],
                      189: il_no.ravel()[idx], 193: xl_no.ravel()[idx], 215: dscalar}
            yield np.concatenate([_headers(n, fields, endian), _encode(samples, fmt, endian)], axis=1)

    binary = _binary_header(ns, dt_code, fmt, endian, n_xl, 4)
    return _write_file(path, encode_text(lines), binary, chunks())


_KEY_BYTES = {"ffid": 9, "cdp": 21, "ep": 17, "tracr": 5}


def write_gathers_segy(path, gathers: GatherSet, *, sample_format: int | str = 5,
                       byte_order: str = "big", text: list[str] | None = None) -> Path:
    """Write a :class:`GatherSet` in its file order.

    The gather key goes to its usual byte (FFID 9, CDP 21, energy source 17),
    channels to 13, offsets to 37 in cm with scalar -100 at 71 (read back in
    metres), ``headers["fb_us"]`` (first-break times in µs, -1 unpicked) to
    233, and ``headers["sx_m"]/["gx_m"]`` when present to 73/81.
    """
    fmt = _resolve_format(sample_format)
    endian = ">" if byte_order == "big" else "<"
    data = gathers.data  # an array, or traces read from a file by rows (never all at once)
    n, ns = data.shape
    dt_code, delay, dscalar = _time_fields(gathers.dt_ms, gathers.t0_ms, "time")
    key_byte = _KEY_BYTES.get(gathers.key_name, 9)
    offsets_cm = np.rint(np.nan_to_num(np.asarray(gathers.offsets, float)) * 100).astype(np.int64)
    h = gathers.headers
    lines = text or [f"seisview export: {n} pre-stack traces in {len(gathers)} gathers",
                     f"gather key {gathers.key_name} at byte {key_byte}, channel at byte 13",
                     "offset at byte 37 in cm (scalar -100 at byte 71)",
                     f"{ns} samples, dt {gathers.dt_ms} ms, first sample {gathers.t0_ms} ms",
                     "first-break time in microseconds at byte 233 (-1 = not picked)" if "fb_us" in h else ""]

    def chunks():
        for s in range(0, n, _CHUNK_TRACES):
            sl = slice(s, min(s + _CHUNK_TRACES, n))
            m = sl.stop - sl.start
            seqno = np.arange(sl.start + 1, sl.stop + 1)
            fields = {1: seqno, 5: seqno, key_byte: gathers.keys[sl], 13: gathers.channels[sl],
                      29: 1, 37: offsets_cm[sl], 71: -100, 109: delay, 115: ns, 117: dt_code,
                      215: dscalar}
            if "fb_us" in h:
                fields[233] = np.asarray(h["fb_us"])[sl]
            for name, byte in (("sx_m", 73), ("sy_m", 77), ("gx_m", 81), ("gy_m", 85)):
                if name in h:
                    fields[byte] = np.rint(np.asarray(h[name], float)[sl] * 100).astype(np.int64)
            yield np.concatenate([_headers(m, fields, endian), _encode(np.asarray(data[sl], np.float32), fmt, endian)], axis=1)

    binary = _binary_header(ns, dt_code, fmt, endian, 0, 1)
    return _write_file(path, encode_text(lines), binary, chunks())
