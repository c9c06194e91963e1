"""Survey geometry: line numbering, sample axis and the il/xl <-> world transform.

Line *numbers* (what the file says) and *indices* (array positions) never share
a name: ``il_no`` versus ``il_idx``. This module is the one place that converts
between them, and between time/depth (ms or m) and sample indices, and that
reads and writes the text users type and see for a position: ``inline:223``,
``crossline:1005``, ``time:600`` (ms) or ``depth:1200`` (m, depth surveys).
Every front-end (status bar, dialogs, CLI, exports) goes through it.

Rounding rule for time/depth -> sample: the nearest sample; a value exactly
halfway between two samples goes to the deeper one. A value more than half a
sample before the first or after the last sample is outside the survey.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec

KINDS = ("poststack3d", "poststack2d", "prestack", "unstructured")
LINE_KINDS = ("inline", "crossline")
_EPS = 1e-9  # float slack of (z - t0) / dt, in samples
_NUMBER_UNIT = re.compile(r"\s*(.*?)\s*(ms|s|m|ft|us|)\s*", re.IGNORECASE | re.DOTALL)


def format_number(v: float) -> str:
    """A position as users read it: ``600``, ``4.5``, ``-99.987`` (no ``600.0``, no exponent)."""
    v = float(v)
    if v.is_integer() and abs(v) < 1e15:
        return str(int(v))
    text = f"{v:.6f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def _span(lo: float, hi: float) -> str:
    a, b = format_number(lo), format_number(hi)
    return f"{a} to {b}" if a.startswith("-") or b.startswith("-") else f"{a}-{b}"


def _nearest(q: float, n: int) -> int:
    """Nearest of ``0..n-1`` to fractional index ``q`` (halfway goes up; NaN -> 0)."""
    if math.isnan(q):
        return 0
    k = math.floor(q + 0.5 + _EPS) if math.isfinite(q) else (n - 1 if q > 0 else 0)
    return min(max(k, 0), n - 1)


def _parse_number(kind: str, text: str) -> Decimal:
    """The number typed after ``kind:``, exactly (no float rounding, no 64-bit limit)."""
    t = text.strip()
    try:
        d = Decimal(t)
    except InvalidOperation:
        raise SeisviewError(f"{kind} {t!r} is not a number" if t else f"{kind}: no number given",
                            hint=f"write {kind}:NUMBER") from None
    if not d.is_finite():
        raise SeisviewError(f"{kind} {t!r} is not a number", hint=f"write {kind}:NUMBER")
    return d


@dataclass(frozen=True)
class LineAxis:
    """A regular run of line numbers: ``first, first+step, ...`` (count of them)."""

    first: int
    step: int
    count: int

    @property
    def last(self) -> int:
        return self.first + self.step * (self.count - 1)

    @property
    def numbers(self) -> np.ndarray:
        return self.first + self.step * np.arange(self.count, dtype=np.int64)

    def number(self, idx):
        """Line number at array index ``idx`` (int, float or array; a fractional index, e.g.
        a cursor between traces, gives a fractional position for drawing)."""
        if isinstance(idx, np.ndarray):
            return self.first + self.step * idx
        return self.first + self.step * (int(idx) if float(idx).is_integer() else float(idx))

    def describe(self) -> str:
        """``111-133`` or ``10087-10155 every 4``."""
        return _span(self.first, self.last) + (f" every {abs(self.step)}" if abs(self.step) != 1 else "")

    def index_of(self, no, kind: str = "line") -> int:
        """Index of line number ``no`` (int, or the exact text/Decimal a user typed).

        Raises ``SeisviewError`` (one line) for a fraction, a number off the line step or
        outside the survey; exact integer arithmetic, so huge numbers cannot overflow.
        """
        shown = str(no).strip()
        d = _parse_number(kind, shown)
        if d != d.to_integral_value():
            raise SeisviewError(f"{kind} {shown} is not a whole line number",
                                hint=f"{kind}s of this survey: {self.describe()}")
        n = int(d)
        q, r = divmod(n - self.first, self.step)
        if r == 0 and 0 <= q < self.count:
            return q
        if 0 <= q < self.count - 1:  # between two lines of the survey: off the line step
            a, b = sorted((self.number(q), self.number(q + 1)))
            raise SeisviewError(f"{kind} {shown} is not a line of the survey ({kind}s {self.describe()})",
                                hint=f"the nearest are {a} and {b}")
        lo, hi = sorted((self.first, self.last))
        raise SeisviewError(f"{kind} {shown} is outside the survey ({kind}s {self.describe()})",
                            hint=f"pick {'an' if kind[0] in 'aeiou' else 'a'} {kind} from {_span(lo, hi)}")

    def indices_of(self, numbers, tol: float = 1e-6) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`index_of` of float line numbers (point files):
        ``(index, bad)`` with ``bad`` True where a number is off the axis (index 0 there)."""
        q = (np.asarray(numbers, np.float64) - self.first) / self.step
        with np.errstate(invalid="ignore"):
            idx = np.rint(q)
            bad = ~np.isfinite(q) | (np.abs(q - idx) > tol) | (idx < 0) | (idx >= self.count)
        return np.where(bad, 0, idx).astype(np.int64), bad

    def nearest_index(self, no: float) -> int:
        """Index of the line nearest to ``no``, clipped to the axis (sliders, dragged lines)."""
        return _nearest((float(no) - self.first) / self.step, self.count)

    def to_dict(self) -> dict:
        return {"first": self.first, "last": self.last, "step": self.step, "count": self.count}


@dataclass(frozen=True)
class SurveyGeometry:
    """Where every trace and sample of a post-stack survey sits.

    ``affine`` maps (il_no, xl_no) to world (x, y):
    ``x = a0*il + a1*xl + a2``, ``y = a3*il + a4*xl + a5``; ``None`` when the file
    has no usable coordinates.
    """

    il: LineAxis
    xl: LineAxis
    n_samples: int
    dt: float  # sample interval in the domain's unit: ms for time, m (or ft) for depth
    t0: float  # first sample, same unit as dt
    domain: str = "time"  # "time" | "depth"
    kind: str = "poststack3d"
    affine: tuple[float, float, float, float, float, float] | None = None
    name: str = ""
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def shape(self) -> tuple[int, int, int]:
        return (self.il.count, self.xl.count, self.n_samples)

    @property
    def z_unit(self) -> str:
        return "ms" if self.domain == "time" else "m"

    @property
    def samples(self) -> np.ndarray:
        """Sample positions (ms or m), float64: :meth:`z_of` of every sample."""
        return self.z_of(np.arange(self.n_samples, dtype=np.float64))

    # -- units: the one place that converts positions (see the module docstring) ------------
    @property
    def z_name(self) -> str:
        """``"time"`` or ``"depth"``: the word users type for a slice (``time:600``)."""
        return "depth" if self.domain == "depth" else "time"

    def axis(self, kind: str) -> LineAxis:
        """The line axis of ``"inline"`` or ``"crossline"``."""
        if kind == "inline":
            return self.il
        if kind == "crossline":
            return self.xl
        raise ValueError(f"no line axis for {kind!r}")

    def z_of(self, sample):
        """Time/depth (ms or m) of a sample index (int, float or array)."""
        return self.t0 + self.dt * (np.asarray(sample, np.float64) if isinstance(sample, np.ndarray)
                                    else float(sample))

    def z_extent(self) -> str:
        """``4-1848 ms``."""
        return f"{_span(self.t0, self.z_of(self.n_samples - 1))} {self.z_unit}"

    def sample_of(self, z) -> int:
        """Sample index of time/depth ``z`` (float, or the exact text a user typed): the
        nearest sample, halfway to the deeper one; ``SeisviewError`` outside the trace."""
        shown = str(z).strip()
        zf = float(_parse_number(self.z_name, shown))
        q = (zf - self.t0) / self.dt if math.isfinite(zf) else math.inf
        if not (-0.5 <= q + _EPS < self.n_samples - 0.5):
            raise SeisviewError(f"{self.z_name} {shown} {self.z_unit} is outside the survey "
                                f"({self.z_extent()})", hint=f"pick a {self.z_name} from {self.z_extent()}")
        return min(math.floor(q + 0.5 + _EPS), self.n_samples - 1)

    def samples_of(self, z, tol: float | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Vectorised :meth:`sample_of`: ``(sample, bad)``; ``bad`` where ``z`` is outside the
        trace or, with ``tol``, more than ``tol`` samples off the nearest sample (index 0 there)."""
        q = (np.asarray(z, np.float64) - self.t0) / self.dt
        with np.errstate(invalid="ignore"):
            k = np.floor(q + 0.5 + _EPS)
            bad = ~np.isfinite(q) | (k < 0) | (k >= self.n_samples)
            if tol is not None:
                bad |= np.abs(q - k) > tol
        return np.where(bad, 0, k).astype(np.int64), bad

    def nearest_sample(self, z: float) -> int:
        """Sample nearest to ``z``, clipped to the trace (sliders, dragged lines)."""
        return _nearest((float(z) - self.t0) / self.dt, self.n_samples)

    def n_samples_in(self, length: float) -> int:
        """Samples in a time/depth length (a window in ms or m): nearest, halves up."""
        return math.floor(float(length) / self.dt + 0.5 + _EPS)

    def z_text(self, z: float) -> str:
        """``600 ms`` / ``1200 m``."""
        return f"{format_number(z)} {self.z_unit}"

    def position(self, kind: str, index):
        """What users read for a section position: the line number (int) of an inline or
        crossline index, the time/depth (float, ms or m) of a slice's sample index."""
        return self.axis(kind).number(index) if kind in LINE_KINDS else self.z_of(index)

    def index(self, kind: str, value) -> int:
        """Exact inverse of :meth:`position` (``SeisviewError`` for a value not in the survey)."""
        return self.axis(kind).index_of(value, kind) if kind in LINE_KINDS else self.sample_of(value)

    def nearest_index(self, kind: str, value: float) -> int:
        """Index nearest to a line number / time, clipped to the survey (GUI widgets)."""
        return self.axis(kind).nearest_index(value) if kind in LINE_KINDS else self.nearest_sample(value)

    def parse_spec(self, text: str) -> SectionSpec:
        """``inline:223``, ``crossline:1005`` (line numbers), ``time:600`` (ms; ``600ms`` too) or,
        on a depth survey, ``depth:1200`` (m) -> the section; one-line ``SeisviewError`` otherwise."""
        kind, sep, value = str(text).strip().partition(":")
        kind = kind.strip().lower()
        if not sep:
            raise SeisviewError(f"section {text!r} is not KIND:NUMBER", hint=self.spec_hint())
        if kind in LINE_KINDS:
            return SectionSpec(kind, self.axis(kind).index_of(value, kind))
        if kind in ("time", "depth"):
            if kind != self.z_name:
                raise SeisviewError(f"this survey is in {self.z_name} ({self.z_unit}), not {kind}",
                                    hint=f"write {self.z_name}:NUMBER in {self.z_unit} ({self.z_extent()})")
            number, unit = _NUMBER_UNIT.fullmatch(value).groups()  # type: ignore[union-attr]  # always matches
            if unit and unit.lower() != self.z_unit:  # "time:600ms" is fine, "depth:1200ft" is not
                raise SeisviewError(f"{self.z_name} {value.strip()}: this survey's {self.z_name}s are in "
                                    f"{self.z_unit}", hint=f"write {self.z_name}:NUMBER ({self.z_extent()})")
            return SectionSpec("time", self.sample_of(number if unit else value))
        raise SeisviewError(f"unknown section kind {kind!r} in {text!r}", hint=self.spec_hint())

    def spec_hint(self) -> str:
        return (f"write inline:N ({self.il.describe()}), crossline:N ({self.xl.describe()}) "
                f"or {self.z_name}:{self.z_unit.upper()} ({self.z_extent()})")

    def spec_text(self, spec: SectionSpec) -> str:
        """The text :meth:`parse_spec` reads back: ``inline:223``, ``time:600``, ``depth:1200``."""
        kind = self.z_name if spec.kind == "time" else spec.kind
        return f"{kind}:{format_number(self.position(spec.kind, spec.index))}"

    def describe(self, spec: SectionSpec) -> str:
        """A section for display: ``inline 223``, ``crossline 1005``, ``time 600 ms``."""
        if spec.kind == "time":
            return f"{self.z_name} {self.z_text(self.z_of(spec.index))}"
        return f"{spec.kind} {self.position(spec.kind, spec.index)}"

    def describe_point(self, il_idx=None, xl_idx=None, sample=None) -> str:
        """A point for display, e.g. ``inline 223, crossline 1005, 600 ms`` (fractional
        indices, as a cursor gives them, are rounded to the nearest trace and sample)."""
        parts = []
        if il_idx is not None:
            parts.append(f"inline {self.il.number(round(il_idx))}")
        if xl_idx is not None:
            parts.append(f"crossline {self.xl.number(round(xl_idx))}")
        if sample is not None:
            parts.append(self.z_text(self.z_of(round(sample))))
        return ", ".join(parts)

    def extent_text(self) -> str:
        """``inlines 111-133, crosslines 875-892, time 4-300 ms``."""
        return (f"inlines {self.il.describe()}, crosslines {self.xl.describe()}, "
                f"{self.z_name} {self.z_extent()}")

    def world(self, il_no, xl_no) -> tuple[np.ndarray, np.ndarray]:
        """World x, y of line numbers (arrays broadcast)."""
        if self.affine is None:
            raise ValueError("survey has no world coordinates")
        a = self.affine
        il_no = np.asarray(il_no, dtype=np.float64)
        xl_no = np.asarray(xl_no, dtype=np.float64)
        return a[0] * il_no + a[1] * xl_no + a[2], a[3] * il_no + a[4] * xl_no + a[5]

    def lines_of(self, x, y) -> tuple[np.ndarray, np.ndarray]:
        """Inverse of :meth:`world`: fractional (il_no, xl_no) of world points."""
        if self.affine is None:
            raise ValueError("survey has no world coordinates")
        a = self.affine
        m = np.array([[a[0], a[1]], [a[3], a[4]]])
        rhs = np.stack([np.asarray(x, float) - a[2], np.asarray(y, float) - a[5]])
        sol = np.linalg.solve(m, rhs.reshape(2, -1)).reshape(rhs.shape)
        return sol[0], sol[1]

    def to_dict(self) -> dict:
        return {
            "kind": self.kind,
            "inlines": self.il.to_dict(),
            "crosslines": self.xl.to_dict(),
            "n_samples": self.n_samples,
            "dt": self.dt,
            "t0": self.t0,
            "domain": self.domain,
            "affine": list(self.affine) if self.affine is not None else None,
            "name": self.name,
        }

    @classmethod
    def from_dict(cls, d: dict) -> SurveyGeometry:
        return cls(
            il=LineAxis(d["inlines"]["first"], d["inlines"]["step"], d["inlines"]["count"]),
            xl=LineAxis(d["crosslines"]["first"], d["crosslines"]["step"], d["crosslines"]["count"]),
            n_samples=int(d["n_samples"]),
            dt=float(d["dt"]),
            t0=float(d["t0"]),
            domain=d.get("domain", "time"),
            kind=d.get("kind", "poststack3d"),
            affine=tuple(d["affine"]) if d.get("affine") else None,
            name=d.get("name", ""),
        )

    @classmethod
    def regular(cls, n_il: int, n_xl: int, n_samples: int, dt: float = 4.0, t0: float = 0.0,
                il_first: int = 1, xl_first: int = 1, **kw) -> SurveyGeometry:
        """A plain geometry for arrays made in memory (tests, demos)."""
        return cls(LineAxis(il_first, 1, n_il), LineAxis(xl_first, 1, n_xl), n_samples, dt, t0, **kw)
