"""``scan()``: everything about a SEG-Y file that can be known without loading its samples."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.io.segy_format import FORMATS, HeaderTable, TraceLayout, check_header_byte
from seisview.io.segy_geometry import Binning, classify, fit_affine
from seisview.io.segy_layout import FileHead, check_path, detect
from seisview.io.segy_sanity import check_samples, file_null_marker

_DEPTH_WORDS = re.compile(r"\bDEPTH\s*(DOMAIN|MIGRAT|SECTION|VOLUME|CUBE|DATA|SAMPL|CONVERT)|\bPSDM\b|"
                          r"DOMAIN\s*[:=]?\s*DEPTH|\bZ\s*UNITS?\s*[:=]?\s*(M|METER|METRE|FT|FEET)\b",
                          re.IGNORECASE)
_TIME_WORDS = re.compile(r"\bTIME\s*(DOMAIN|MIGRAT)|\bPSTM\b|DOMAIN\s*[:=]?\s*TIME", re.IGNORECASE)


@dataclass(frozen=True)
class ScanReport:
    """The facts of one SEG-Y file; ``to_json_dict()`` is what ``seisview info --json`` prints."""

    path: str
    kind: str  # poststack3d | poststack2d | prestack | unstructured
    n_traces: int
    n_samples: int
    dt_us: float  # sample interval as stored: µs, or mm for depth files
    t0_ms: float  # first sample in the domain's unit (ms for time, m for depth)
    domain: str
    sample_format: str
    format_code: int
    byte_order: str
    text_encoding: str
    revision: str
    sorting: str
    geometry: SurveyGeometry | None
    iline_byte: int | None
    xline_byte: int | None
    gathers: dict | None
    missing_traces: int
    duplicate_traces: int
    warnings: tuple[str, ...]
    text_header: str = ""
    extended_text: tuple[str, ...] = ()
    null_value: float | None = None  # the value marking missing samples (-999.25, 1e30), read as 0
    layout: TraceLayout | None = field(default=None, compare=False, repr=False)
    binning: Binning | None = field(default=None, compare=False, repr=False)
    headers: HeaderTable | None = field(default=None, compare=False, repr=False)

    def tables(self) -> tuple[TraceLayout, Binning, HeaderTable]:
        """Layout, binning and trace headers of a report made by :func:`scan` in this process."""
        if self.layout is None or self.binning is None or self.headers is None:
            raise SeisviewError(f"the scan report of {self.path} holds no trace tables",
                                hint="scan the file again")
        return self.layout, self.binning, self.headers

    @property
    def dt(self) -> float:
        """Sample interval in ms (time) or m (depth)."""
        return self.dt_us / 1000.0

    def to_json_dict(self) -> dict:
        d = {
            "path": self.path, "kind": self.kind, "n_traces": self.n_traces,
            "n_samples": self.n_samples, "dt_us": self.dt_us, "t0_ms": self.t0_ms,
            "z_unit": "ms" if self.domain == "time" else "m", "domain": self.domain,
            "sample_format": self.sample_format, "format_code": self.format_code,
            "byte_order": self.byte_order, "text_encoding": self.text_encoding,
            "revision": self.revision, "sorting": self.sorting,
            "iline_byte": self.iline_byte, "xline_byte": self.xline_byte,
            "missing_traces": self.missing_traces, "duplicate_traces": self.duplicate_traces,
            "warnings": list(self.warnings),
        }
        if self.null_value is not None:
            d["null_value"] = self.null_value
        g = self.geometry
        if g is not None:
            d["inlines"] = g.il.to_dict()
            d["crosslines"] = g.xl.to_dict()
            d["affine"] = list(g.affine) if g.affine is not None else None
        if self.gathers is not None:
            d["gathers"] = dict(self.gathers)
        return d


def scan(path, iline: int | None = None, xline: int | None = None, gather_key: int | None = None,
         *, sample_format: int | None = None, domain: str | None = None) -> ScanReport:
    """Scan a SEG-Y (or SU) file: layout, format, geometry, warnings.

    Parameters
    ----------
    path: the file.
    iline, xline: byte locations of inline/crossline numbers (default 189/193, then the
        common alternatives are tried).
    gather_key: byte location of the gather key; forces a pre-stack reading.
    sample_format: SEG-Y format code that overrides the binary header (1 IBM, 5 IEEE, ...).
    domain: "time" or "depth" to override the guess.

    Raises
    ------
    SeisviewError: the file cannot be read; the message says why and what to try.
    """
    for what, byte in (("inline", iline), ("crossline", xline), ("gather key", gather_key)):
        if byte is not None:
            check_header_byte(byte, what)
    p = check_path(path)
    fh, layout = detect(p)
    warnings = list(fh.warnings)
    raw = layout.map_traces(p)
    code, sample_endian, fmt_warn = check_samples(raw, layout, fh.declared_format, sample_format)
    warnings += fmt_warn
    h = HeaderTable(raw, layout.endian)  # trace headers keep the byte order the layout found
    layout = TraceLayout(layout.data_offset, layout.header_bytes, layout.n_traces, layout.n_samples,
                         code, sample_endian)
    null = file_null_marker(raw, layout, code)
    dt_us, t0, dom, tw = _sampling(h, fh, p.name, domain)
    warnings += tw
    b = classify(h, iline, xline, gather_key)
    warnings += b.warnings
    geometry = None
    if b.il is not None and b.xl is not None and b.kind.startswith("poststack"):
        affine, aw = fit_affine(h, b, fh.text)
        warnings += aw
        geometry = SurveyGeometry(b.il, b.xl, layout.n_samples, dt_us / 1000.0, t0, dom, b.kind,
                                  affine, p.stem)
    gathers = None
    if b.kind == "prestack" and b.gather_keys is not None:
        gathers = {"key": b.gather_name, "byte": b.gather_byte, "count": int(np.unique(b.gather_keys).size)}
    return ScanReport(
        str(p), b.kind, layout.n_traces, layout.n_samples, dt_us, t0, dom, FORMATS[code][0], code,
        "big" if layout.endian == ">" else "little", fh.text_encoding, fh.revision, b.sorting,
        geometry, b.iline_byte, b.xline_byte, gathers, b.missing, b.duplicates, tuple(warnings),
        fh.text, tuple(fh.extended_text), null, layout, b, h)


def _sampling(h: HeaderTable, fh: FileHead, name: str, domain: str | None):
    """(dt as stored, t0 in ms/m, domain, warnings) from the binary and trace headers."""
    warnings = []
    bin_dt = 0
    if not fh.is_su:
        with open(fh.path, "rb") as f:
            f.seek(3216)
            bin_dt = int.from_bytes(f.read(2), "big" if fh.endian == ">" else "little")
    tr_dt = h.first("dt") & 0xFFFF
    dt = tr_dt or bin_dt
    if bin_dt and tr_dt and bin_dt != tr_dt:
        warnings.append(f"sample interval differs between binary header ({bin_dt}) and trace headers "
                        f"({tr_dt}); using the trace headers")
    if not dt:
        dt = 4000
        warnings.append("sample interval missing (0 in binary and trace headers); assuming 4 ms")
    delays = h["delrt"]
    delay = int(delays[0])
    if delays.min() != delays.max():
        warnings.append(f"traces start at different times (delay {delays.min()}..{delays.max()} at byte 109); "
                        "the first trace's delay is used for all")
    scal = h.first("time_scalar")
    if scal in (0, 1):
        t0 = float(delay)
    elif abs(scal) in (10, 100, 1000, 10000):
        t0 = delay / abs(scal) if scal < 0 else float(delay * scal)
    else:
        t0 = float(delay)
        warnings.append(f"time scalar {scal} at byte 215 is not a power of ten; ignored (legacy field)")
    dom = domain or _guess_domain(fh.text, name)
    if domain is None and dom == "depth":
        warnings.append("depth domain guessed from the file name / text header; pass domain='time' "
                        "(--domain time) if that is wrong")
    return float(dt), t0, dom, warnings


def _guess_domain(text: str, name: str) -> str:
    if _TIME_WORDS.search(text):
        return "time"
    if _DEPTH_WORDS.search(text) or re.search(r"(^|[^a-z])(depth|psdm)([^a-z]|$)", name.lower()):
        return "depth"
    return "time"
