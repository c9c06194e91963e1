"""Find where the traces are: byte order, extended text headers, sample count and size.

Real files lie in their headers (legacy fields reused, rev-2 fields full of
garbage, sample counts of 0, truncated copies), so every candidate reading of
the headers is checked against the file size and the sample count repeated in
the trace headers; the reading that explains the file wins and each
disagreement becomes a warning.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.io.segy_format import (
    BIN_ENDIAN_CONST,
    BIN_EXT_NS,
    BIN_FORMAT,
    BIN_N_EXT_TEXT,
    BIN_N_EXTRA_HEADERS,
    BIN_NS,
    BIN_REVISION,
    FORMATS,
    TEXT_BYTES,
    TRACE_HEADER_BYTES,
    TraceLayout,
    read_int,
)
from seisview.io.segy_text import decode_text

_END_STANZA = "((SEG:ENDTEXT))"


@dataclass
class FileHead:
    """What the file's first bytes say, before any trace is read."""

    path: Path
    size: int
    endian: str
    declared_format: int
    revision: str
    text: str
    text_encoding: str
    is_su: bool = False
    extended_text: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)


def check_path(path) -> Path:
    p = Path(path)
    if not p.exists():
        raise SeisviewError(f"{p}: no such file", hint="check the path")
    if p.is_dir():
        raise SeisviewError(f"{p} is a directory, not a SEG-Y file",
                            hint="give the .sgy/.segy file inside it")
    if not p.is_file():
        raise SeisviewError(f"{p} is not a regular file", hint="give the path of a SEG-Y file")
    if p.stat().st_size == 0:
        raise SeisviewError(f"{p} is empty (0 bytes)", hint="the copy or export that made it failed; make it again")
    return p


def _bin(head: bytes, spec, endian: str) -> int:
    byte, size, signed = spec
    return read_int(head, byte, size, signed, endian)


def _u16(buf: bytes, off: int, endian: str) -> int:
    return int.from_bytes(buf[off:off + 2], "big" if endian == ">" else "little")


def detect(path: Path) -> tuple[FileHead, TraceLayout]:
    """Byte order, format code, text header and the trace layout of ``path``."""
    try:
        return _detect(path)
    except OSError as exc:
        raise SeisviewError(f"cannot read {path}: {exc.strerror or exc}",
                            hint="check the file's permissions and the disk") from exc


def _detect(path: Path) -> tuple[FileHead, TraceLayout]:
    size = path.stat().st_size
    with open(path, "rb") as f:
        head = f.read(3840)  # file headers and the first trace header
        endian = _segy_endian(head, size) if size >= 3600 else None
        if endian is None:
            su = _su_layout(path, size, head)
            if su is not None:
                return su
            raise SeisviewError(
                f"{path.name} is not a SEG-Y file: no valid sample format or sample count in the "
                "binary header (bytes 3217-3226) in either byte order, and it is not an SU file",
                hint="check that it is seismic in SEG-Y/SU format and was copied completely")
        fmt = _bin(head, BIN_FORMAT, endian)
        rev_raw = _bin(head, BIN_REVISION, endian)
        revision = f"{rev_raw >> 8}.{rev_raw & 0xFF}" if rev_raw >> 8 in (1, 2) else "0"
        text, enc = decode_text(head[:TEXT_BYTES])
        fh = FileHead(path, size, endian, fmt, revision, text, enc)
        layout = _trace_layout(f, head, fh)
    return fh, layout


def _segy_endian(head: bytes, size: int) -> str | None:
    """The byte order whose binary header makes sense, or None."""
    const_big = read_int(head, BIN_ENDIAN_CONST[0], 4, False, ">")
    if const_big == 0x01020304:
        return ">"
    if const_big == 0x04030201:
        return "<"
    scores = []
    for e in (">", "<"):
        fmt, ns = _bin(head, BIN_FORMAT, e), _bin(head, BIN_NS, e)
        trace_ns = _u16(head, 3600 + 114, e) if len(head) >= 3716 else 0
        fits = 0 < ns < 32768 and any((size - 3600) % (TRACE_HEADER_BYTES + ns * b) == 0 for b in (1, 2, 4, 8))
        scores.append((2 if fmt in FORMATS else 0) + (1 if 0 < ns < 32768 else 0)
                      + (1 if ns and ns == trace_ns else 0) + (1 if fits else 0))
    if max(scores) < 2:
        return None
    return ">" if scores[0] >= scores[1] else "<"


def _su_layout(path: Path, size: int, head: bytes) -> tuple[FileHead, TraceLayout] | None:
    """SU files: 240-byte trace headers and IEEE samples, no text or binary header."""
    with open(path, "rb") as f:
        for e in ("<", ">"):
            ns = _u16(head, 114, e) if len(head) >= 120 else 0
            if not ns:
                continue
            tb = TRACE_HEADER_BYTES + 4 * ns
            if size % tb or size < tb:
                continue
            if size // tb > 1:
                f.seek(tb + 114)
                if _u16(f.read(2), 0, e) != ns:
                    continue
            fh = FileHead(path, size, e, 5, "su", "", "none", is_su=True)
            fh.warnings.append("SU file (no text or binary header): read as IEEE float, "
                               f"{'little' if e == '<' else 'big'}-endian")
            return fh, TraceLayout(0, TRACE_HEADER_BYTES, size // tb, ns, 5, e)
    return None


def _extended_text_blocks(f, head: bytes, fh: FileHead) -> list[int]:
    """Candidate counts of 3200-byte extended text headers after the binary header."""
    n_ext = _bin(head, BIN_N_EXT_TEXT, fh.endian)
    cands = [0]
    if 0 < n_ext < 1000:
        cands.insert(0, n_ext)
    elif n_ext == -1:  # variable: read blocks until the end stanza
        for i in range(1, 100):
            f.seek(3600 + (i - 1) * 3200)
            block = f.read(3200)
            if len(block) < 3200:
                break
            text, _ = decode_text(block)
            if _END_STANZA in text.upper().replace(" ", "").replace("\n", ""):
                cands.insert(0, i)
                break
    return cands


def _trace_layout(f, head: bytes, fh: FileHead) -> TraceLayout:
    e = fh.endian
    size = fh.size
    fmt = fh.declared_format
    n_ext_decl = _bin(head, BIN_N_EXT_TEXT, e)
    rev2 = fh.revision.startswith("2")
    extra = _bin(head, BIN_N_EXTRA_HEADERS, e) if rev2 else 0
    hb_cands = ([TRACE_HEADER_BYTES * (1 + extra)] if 0 < extra < 100 else []) + [TRACE_HEADER_BYTES]
    declared_bps = FORMATS[fmt][1] if fmt in FORMATS else None
    # every width is tried: a code that lies about the width (int16 labelled int32) shows in the
    # file size and the sample counts repeated in the trace headers
    bps_cands = list(dict.fromkeys([declared_bps or 4, 4, 2, 1, 8, 3]))
    bin_ns = _bin(head, BIN_NS, e)
    ext_ns = _bin(head, BIN_EXT_NS, e) if rev2 else 0
    if size <= 3600 + (3200 * n_ext_decl if 0 < n_ext_decl < 1000 else 0):
        raise SeisviewError(f"{fh.path.name} holds only the file headers ({size} bytes), no traces",
                            hint="the export or copy stopped early; make it again")
    best = None
    for n_ext in _extended_text_blocks(f, head, fh):
        off = 3600 + 3200 * n_ext
        f.seek(off)
        first = f.read(TRACE_HEADER_BYTES)
        if len(first) < TRACE_HEADER_BYTES:
            continue
        trace_ns = _u16(first, 114, e)
        ns_cands = [n for n in dict.fromkeys([bin_ns, ext_ns, trace_ns]) if 0 < n < 10_000_000]
        for hb in hb_cands:
            for bps in bps_cands:
                for ns in ns_cands:
                    score = _score(f, off, hb, bps, ns, size, e)
                    # another width than the header's needs the trace headers' word for it, or
                    # that nothing else explains the file
                    strong = not declared_bps or bps == declared_bps or score >= 4
                    key = (strong, score, bps == bps_cands[0], n_ext == n_ext_decl, hb == hb_cands[0])
                    if score > (0 if strong else 1) and (best is None or key > best[0]):
                        best = (key, off, hb, bps, ns, n_ext)
    if best is None:
        if bin_ns == 0 and ext_ns <= 0:
            raise SeisviewError(f"{fh.path.name}: traces have zero samples (sample count 0 in the binary "
                                "and trace headers)", hint="the file holds no seismic data; export it again")
        raise SeisviewError(
            f"{fh.path.name}: the file is too short for one trace of {bin_ns or ext_ns} samples "
            f"({size} bytes); it is truncated or its sample count is wrong",
            hint="copy the file again or check the sample count (binary header bytes 3221-3222)")
    (_, off, hb, bps, ns, n_ext) = best
    tb = hb + ns * bps
    n_traces, left = divmod(size - off, tb)
    if left:
        lengths = _variable_lengths(f, off, hb, bps, size, e)
        if lengths:
            raise SeisviewError(
                f"{fh.path.name}: traces have different lengths ({min(lengths)}-{max(lengths)} samples by "
                "their headers, bytes 115-116); seisview reads files whose traces all have one length",
                hint="re-export the data with a fixed trace length (pad or cut the traces)")
    if n_ext:
        f.seek(3600)
        for _ in range(n_ext):
            fh.extended_text.append(decode_text(f.read(3200))[0])
    elif 0 < n_ext_decl < 1000 or n_ext_decl == -1:
        fh.warnings.append(f"binary header declares {n_ext_decl} extended text headers (bytes 3505-3506) but "
                           "the traces start right after it; ignored as a legacy field")
    if ns != bin_ns:
        fh.warnings.append(f"binary header gives {bin_ns} samples per trace but the traces hold {ns} "
                           "(trace headers and file size agree on it)")
    if left:
        fh.warnings.append(f"file ends {left} bytes into trace {n_traces + 1} of {tb} bytes: truncated; "
                           f"reading the {n_traces} complete traces")
    if fmt not in FORMATS or FORMATS[fmt][1] != bps:
        fmt = -bps  # the sanity check decides among the formats of this width
    return TraceLayout(off, hb, n_traces, ns, fmt, _header_endian(f, off, tb, n_traces, ns, e, fh))


def _header_endian(f, off: int, tb: int, n: int, ns: int, e: str, fh: FileHead) -> str:
    """The byte order of the trace headers: the binary header's, unless their sample counts
    (bytes 115-116) read right only in the other order, or, when the counts are wrong in both,
    their header words are small numbers only in the other order (a number's low bytes read
    as its high ones make it huge)."""
    other = "<" if e == ">" else ">"
    votes = {e: 0, other: 0}
    small = {e: 0, other: 0}
    for k in {0, n // 2, n - 1}:
        f.seek(off + k * tb)
        head = f.read(TRACE_HEADER_BYTES)
        for en in votes:
            votes[en] += _u16(head, 114, en) == ns
            for byte in (1, 5, 9, 13, 17, 21, 181, 185, 189, 193):
                v = read_int(head, byte, 4, True, en)
                small[en] += 0 < abs(v) < 1 << 20
            for byte in (29, 115, 117):
                small[en] += 0 < _u16(head, byte - 1, en) < 1 << 15
    if votes[other] > votes[e] or (votes[other] == votes[e] and small[other] > 2 * small[e] + 2):
        fh.warnings.append(f"the binary header is {_ORDER[e]}-endian but the trace headers are "
                           f"{_ORDER[other]}-endian (their sample counts and header words read as sensible numbers only that way); "
                           "trace headers read as such")
        return other
    return e


_ORDER = {">": "big", "<": "little"}


def _variable_lengths(f, off: int, hb: int, bps: int, size: int, e: str,
                      limit: int = 200_000) -> set[int] | None:
    """The sample counts met when walking the traces by their own headers, if that walk
    ends exactly at the end of the file with more than one count (variable-length traces)."""
    pos, seen = off, set()
    for _ in range(limit):
        if pos >= size:
            break
        f.seek(pos + 114)
        ns = _u16(f.read(2), 0, e)
        if ns == 0:
            return None
        seen.add(ns)
        pos += hb + ns * bps
    return seen if pos == size and len(seen) > 1 else None


def _alike(a: bytes, b: bytes) -> bool:
    """Two 240-byte blocks with mostly the same bytes in use: trace headers fill the same fields
    (their values differ from trace to trace), a window into the samples fills others."""
    used_a = {i for i, x in enumerate(a) if x}
    used_b = {i for i, x in enumerate(b) if x}
    if len(a) != len(b) or len(used_b) < 2:
        return False
    return len(used_a & used_b) >= 0.6 * len(used_a | used_b)


def _score(f, off: int, hb: int, bps: int, ns: int, size: int, e: str) -> int:
    """How well ``ns`` samples of ``bps`` bytes explain the file (0 = not at all)."""
    tb = hb + ns * bps
    n, left = divmod(size - off, tb)
    if n < 1:
        return 0
    score = 2 if left == 0 else 0
    checks = 0
    other = "<" if e == ">" else ">"
    f.seek(off)
    head0 = f.read(TRACE_HEADER_BYTES)
    first = head0[114:118]  # sample count and interval of the first trace
    for k in {1, n - 1} - {0}:
        f.seek(off + k * tb)
        head = f.read(TRACE_HEADER_BYTES)
        word = head[114:118]
        # a trace header there: the same count and interval as the first trace (even when that
        # count is wrong), the count in either byte order, or the first header's fields in use
        if (word == first and any(first)) or ns in (_u16(word, 0, e), _u16(word, 0, other)) \
                or _alike(head, head0):
            score += 2
            checks += 1
        elif any(word):
            score -= 1
    if ns in (_u16(first, 0, e), _u16(first, 0, other)):
        score += 1
    if n >= 2 and left and checks == 0:
        return 0  # neither divides the file nor repeats in the trace headers
    return max(score, 1 if left == 0 else 0)
