"""Lies and damage done to real SEG-Y bytes: the mutations of the hostile-input tests and of
``benchmarks/mutate_inputs.py``.

Each mutation takes the file's bytes and a random generator and returns the mutated bytes
with a short name saying what was done, so a failure names its case.
"""

from __future__ import annotations

import struct

import numpy as np

# binary header words (1-based byte, size) that readers use, for the byte-order lie
BINARY_WORDS = ((3201, 4), (3205, 4), (3209, 4), (3213, 2), (3215, 2), (3217, 2), (3219, 2), (3221, 2),
                (3223, 2), (3225, 2), (3227, 2), (3229, 2), (3255, 2), (3501, 2), (3503, 2), (3505, 2))
# trace header words worth lying about (1-based byte, size)
TRACE_WORDS = ((1, 4), (9, 4), (13, 4), (21, 4), (29, 2), (37, 4), (69, 2), (71, 2), (73, 4), (81, 4),
               (109, 2), (115, 2), (117, 2), (181, 4), (185, 4), (189, 4), (193, 4), (215, 2))
CODES = (1, 2, 3, 5, 6, 7, 8, 9, 10, 11, 12, 15, 16, 0, 4, 13, 99, -1)


def endian_of(data: bytes) -> str:
    """The byte order of a SEG-Y file's binary header (by its sample format code)."""
    big = struct.unpack(">h", data[3224:3226])[0]
    return ">" if 1 <= big <= 16 else "<"


def with_format_code(data: bytes, code: int) -> bytes:
    """The binary header's sample format code replaced (bytes 3225-3226), nothing else."""
    b = bytearray(data)
    b[3224:3226] = struct.pack(endian_of(data) + "h", code)
    return bytes(b)


def with_binary_byte_order_flipped(data: bytes) -> bytes:
    """The binary header written in the other byte order; the traces keep theirs."""
    b = bytearray(data)
    for byte, size in BINARY_WORDS:
        b[byte - 1:byte - 1 + size] = b[byte - 1:byte - 1 + size][::-1]
    return bytes(b)


def _random_value(rng: np.random.Generator, size: int) -> int:
    bits = 8 * size
    kind = rng.integers(5)
    if kind == 0:
        return 0
    if kind == 1:
        return -1
    if kind == 2:
        return int(rng.integers(1, 10))
    if kind == 3:
        return int(rng.integers(-(2 ** (bits - 1)), 2 ** (bits - 1)))
    return 2 ** (bits - 1) - 1


def mutate(data: bytes, rng: np.random.Generator) -> tuple[str, bytes]:
    """One random mutation of a SEG-Y file's bytes: ``(what was done, new bytes)``."""
    e = endian_of(data)
    b = bytearray(data)
    kind = rng.choice(["format", "byte_order", "binary_word", "trace_word", "all_traces_word",
                       "truncate", "text", "sample_bytes"], p=[.2, .08, .2, .14, .1, .14, .04, .1])
    if kind == "format":
        code = int(rng.choice(CODES))
        return f"format code {code}", with_format_code(data, code)
    if kind == "byte_order":
        return "binary header in the other byte order", with_binary_byte_order_flipped(data)
    if kind == "binary_word":
        byte, size = BINARY_WORDS[rng.integers(len(BINARY_WORDS))]
        v = _random_value(rng, size)
        b[byte - 1:byte - 1 + size] = v.to_bytes(size, "big" if e == ">" else "little", signed=True)
        return f"binary byte {byte} = {v}", bytes(b)
    n_ext = struct.unpack(e + "h", data[3504:3506])[0]
    off = 3600 + (3200 * n_ext if 0 < n_ext < 100 else 0)
    ns = struct.unpack(e + "H", data[3220:3222])[0]
    bps = {1: 4, 2: 4, 3: 2, 5: 4, 6: 8, 8: 1, 16: 1}.get(struct.unpack(e + "h", data[3224:3226])[0], 4)
    tb = 240 + ns * bps
    n = max(1, (len(data) - off) // tb) if tb > 240 else 1
    if kind in ("trace_word", "all_traces_word"):
        byte, size = TRACE_WORDS[rng.integers(len(TRACE_WORDS))]
        v = _random_value(rng, size)
        word = v.to_bytes(size, "big" if e == ">" else "little", signed=True)
        traces = range(n) if kind == "all_traces_word" else [int(rng.integers(n))]
        for t in traces:
            o = off + t * tb + byte - 1
            if o + size <= len(b):
                b[o:o + size] = word
        return f"trace byte {byte} = {v} in {'every trace' if len(traces) > 1 else f'trace {traces[0]}'}", bytes(b)
    if kind == "truncate":
        cut = int(rng.choice([rng.integers(0, 3600), rng.integers(3600, len(data))]))
        return f"truncated to {cut} bytes", bytes(data[:cut])
    if kind == "text":
        b[:3200] = bytes(rng.integers(0, 256, 3200, dtype=np.uint8))
        return "text header random bytes", bytes(b)
    o = int(rng.integers(off, len(data)))
    k = int(rng.integers(1, 64))
    b[o:o + k] = bytes(rng.integers(0, 256, len(b[o:o + k]), dtype=np.uint8))
    return f"{k} random bytes at {o}", bytes(b)
