"""Survey geometry: line numbering, sample axis and the il/xl <-> world transform.

Line *numbers* (what the file says) and *indices* (array positions) never share
a name: ``il_no`` versus ``il_idx``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

KINDS = ("poststack3d", "poststack2d", "prestack", "unstructured")


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

    def index_of(self, no: int | np.ndarray) -> int | np.ndarray:
        """Index of line number ``no``; raises ``KeyError`` when it is not on the axis."""
        arr = np.asarray(no)
        q, r = np.divmod(arr - self.first, self.step)
        bad = (r != 0) | (q < 0) | (q >= self.count)
        if np.any(bad):
            raise KeyError(f"line {arr[bad].ravel()[0]} is not on {self.first}..{self.last} step {self.step}")
        return int(q) if np.ndim(q) == 0 else q

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
        """Sample positions (ms or m), float64."""
        return self.t0 + self.dt * np.arange(self.n_samples, dtype=np.float64)

    def sample_index(self, z: float) -> int:
        """Nearest sample index of time/depth ``z`` (clipped to the trace)."""
        k = int(round((z - self.t0) / self.dt))
        return min(max(k, 0), self.n_samples - 1)

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
