"""Well logs from LAS 2.0 / 3.0 files (lasio), normalised and checked.

:func:`read_las` returns a :class:`WellLog` whose depth is always ascending and
in metres, whose null values are NaN, and whose curves can be asked for by
their usual aliases (``log.curve("DT")`` finds DT, DTC, DTCO or DT4P). What was
odd about the file (descending depth, STEP 0, unknown units, nulls, negative
slowness) is listed in ``log.problems`` instead of being fixed silently.
:func:`elastic_logs` turns a log into Vp, Vs (m/s) and density (kg/m³) with
invalid samples masked and counted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from numbers import Real
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError

# canonical name -> mnemonics that mean the same measurement, most common first
ALIASES: dict[str, tuple[str, ...]] = {
    "DT": ("DT", "DTC", "DTCO", "DT4P", "DTP", "AC", "DTCOMP"),
    "DTS": ("DTS", "DTSM", "DT4S", "DTSH", "DTSHEAR"),
    "RHOB": ("RHOB", "DEN", "RHOZ", "DENS", "ZDEN", "RHO"),
    "VP": ("VP", "PVEL", "VEL"),
    "VS": ("VS", "SVEL"),
    "GR": ("GR", "GRC", "SGR", "CGR", "GAM"),
    "NPHI": ("NPHI", "NPOR", "TNPH", "CNC", "NEU"),
    "CALI": ("CALI", "CAL", "HCAL", "C1"),
}
_DEPTH_UNITS = {"M": 1.0, "METER": 1.0, "METERS": 1.0, "METRE": 1.0, "METRES": 1.0,
                "FT": 0.3048, "F": 0.3048, "FEET": 0.3048, "FOOT": 0.3048, ".1IN": 0.00254}
_PER_FOOT = {"US/F", "US/FT", "USEC/FT", "US/FOOT", "USEC/F", "UC/FT"}
_PER_METRE = {"US/M", "USEC/M", "UC/M"}
_GRAMS_CC = {"G/CC", "G/CM3", "G/C3", "GM/CC", "GR/CC", "G/CM^3"}
_X_KEYS = ("XWELL", "XCOORD", "X_COORD", "X", "EASTING", "EAST", "XLOC")
_Y_KEYS = ("YWELL", "YCOORD", "Y_COORD", "Y", "NORTHING", "NORTH", "YLOC")


@dataclass(frozen=True)
class CurveInfo:
    mnemonic: str
    unit: str
    description: str
    alias_of: str | None  # canonical name when the mnemonic is a known alias
    n_null: int
    min: float | None
    max: float | None


@dataclass(frozen=True)
class WellLocation:
    x: float | None  # projected easting (file X, or UTM from lat/lon)
    y: float | None
    lat: float | None
    lon: float | None
    source: str  # "XY" (from the file) or "UTM zone 20N from LATI/LONG"


@dataclass
class WellLog:
    path: Path
    name: str
    uwi: str
    version: str
    depth: np.ndarray  # metres, ascending
    curves: dict[str, np.ndarray]  # mnemonic -> float64, NaN = null, same length as depth
    info: dict[str, CurveInfo]
    depth_unit: str  # as in the file
    step: float | None  # metres; None when the sampling is irregular
    null_value: float | None
    location: WellLocation | None
    problems: list[str] = field(default_factory=list)

    @property
    def mnemonics(self) -> list[str]:
        return list(self.curves)

    def find(self, name: str) -> str | None:
        """The mnemonic in this file for ``name`` (itself or an alias), or None."""
        upper = name.upper()
        if upper in self.curves:
            return upper
        canon = next((c for c, al in ALIASES.items() if upper == c or upper in al), None)
        for m in ALIASES.get(canon, ()) if canon else ():
            if m in self.curves:
                return m
        return None

    def curve(self, name: str) -> np.ndarray:
        """The samples of a curve, found by mnemonic or alias; a clear error when absent."""
        m = self.find(name)
        if m is None:
            raise missing_curves(self, [name])
        return self.curves[m]

    def to_json_dict(self) -> dict:
        return {
            "path": str(self.path), "well": self.name, "uwi": self.uwi, "las_version": self.version,
            "depth": {"unit_in_file": self.depth_unit, "start_m": float(self.depth[0]),
                      "stop_m": float(self.depth[-1]),
                      "step_m": None if self.step is None else round(self.step, 6),
                      "samples": int(self.depth.size)},
            "null_value": self.null_value,
            "curves": [vars(i) for i in self.info.values()],
            "aliases": {c: m for c in ALIASES if (m := self.find(c))},
            "location": None if self.location is None else vars(self.location),
            "problems": list(self.problems),
        }


def missing_curves(log: WellLog, names: list[str]) -> SeisviewError:
    need = "; ".join(f"{n} (any of {', '.join(ALIASES.get(n.upper(), (n,)))})" for n in names)
    return SeisviewError(f"{log.path.name} lacks curves: needs {need}",
                         hint=f"found: {', '.join(log.mnemonics)}")


def read_las(path: str | Path) -> WellLog:
    """Read a LAS 2.0 / 3.0 file; malformed files raise one-line ``SeisviewError``."""
    import lasio  # a few hundred ms; only when a LAS file is opened

    from seisview.io.inputs import check_lines_bytes, read_bounded

    path = Path(path)
    if not path.exists():
        raise SeisviewError(f"LAS file not found: {path}", hint="check the path")
    # lasio needs ~100x a line's length in memory, and tens of seconds on binary bytes:
    # long lines and NUL bytes (never in a LAS text, UTF-16 aside) are refused before it sees them
    raw = read_bounded(path, "LAS file")
    check_lines_bytes(raw, path, "LAS file")
    nul = raw.find(b"\x00")
    if nul >= 0 and not raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise SeisviewError(f"{path.name} is not a LAS text file: it holds NUL bytes (first at byte {nul})",
                            hint="the file is damaged or binary; copy it again or export the log as LAS")
    try:
        # "strict" keeps lasio's fast numpy parser; other sentinels are handled below
        las = lasio.read(str(path), null_policy="strict", ignore_header_errors=False)
    except Exception as exc:  # lasio raises many kinds; the user needs one line
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise SeisviewError(f"cannot read {path.name} as LAS: {first}",
                            hint="expected a LAS 2.0 or 3.0 text file with ~V, ~W, ~C and ~A sections") from None
    if not las.curves or las.data is None or np.size(las.data) == 0:
        raise SeisviewError(f"{path.name} has no log data (no curves or an empty ~A section)",
                            hint="expected a LAS 2.0 or 3.0 file with curve definitions and data rows")
    problems: list[str] = []
    depth_unit = (las.curves[0].unit or "").strip().upper()
    factor = _DEPTH_UNITS.get(depth_unit)
    if factor is None:
        problems.append(f"depth unit {depth_unit or '(blank)'!r} not recognised; assumed metres")
        factor = 1.0
    depth = _floats(las.index, "depth", problems)
    null = _header(las, "NULL")
    depth[np.isin(depth, [float(null) if isinstance(null, Real) else np.nan, *_SENTINELS])] = np.nan
    depth *= factor
    cols = {}
    for c in las.curves[1:]:
        m = c.mnemonic.strip().upper()
        cols[m] = _floats(c.data, m, problems)
        if isinstance(null, Real):  # lasio leaves NULL in place in a curve it could not convert
            cols[m][cols[m] == null] = np.nan
    _common_nulls(cols, null, problems)
    order, depth = _order_depth(depth, problems)
    if depth.size == 0:
        raise SeisviewError(f"{path.name}: no data row has a depth (first column null or not a number)",
                            hint="check the ~A section's first column and the NULL value")
    cols = {m: v[order] for m, v in cols.items()}
    step = _step(las, depth, factor, problems)
    info = {}
    for c in las.curves[1:]:
        m = c.mnemonic.strip().upper()
        v = cols[m]
        ok = np.isfinite(v)
        canon = next((k for k, al in ALIASES.items() if m in al), None)
        info[m] = CurveInfo(m, c.unit or "", c.descr or "", canon, int((~ok).sum()),
                            float(v[ok].min()) if ok.any() else None,
                            float(v[ok].max()) if ok.any() else None)
        if not ok.any():
            problems.append(f"{m}: every sample is null")
        if canon in ("DT", "DTS", "RHOB", "VP", "VS") and ok.any() and (v[ok] <= 0).any():
            problems.append(f"{m}: {int((v[ok] <= 0).sum())} zero or negative samples (invalid {canon})")
    null = _header(las, "NULL")
    log = WellLog(path, str(_header(las, "WELL") or path.stem), str(_header(las, "UWI") or ""),
                  str(_header(las.version, "VERS") or "?"), depth, cols, info, depth_unit, step,
                  float(null) if isinstance(null, Real) else None, _location(las, problems),
                  problems)
    return log


_SENTINELS = (-999.25, -999.0, -9999.0, -99999.0, 9.999e25, -9.999e25)


def _floats(values, name: str, problems: list[str]) -> np.ndarray:
    """float64 samples; text lasio could not convert (``abc``, ``1,5e``) becomes NaN and a problem."""
    try:
        return np.array(values, dtype=float)
    except (ValueError, TypeError):
        pass
    out = np.full(len(values), np.nan)
    for i, v in enumerate(values):
        try:
            out[i] = float(v)
        except (ValueError, TypeError):
            pass
    bad = int(np.count_nonzero(np.isnan(out)) - sum(1 for v in values if isinstance(v, float) and v != v))
    problems.append(f"{name}: {bad} samples are not numbers; treated as null")
    return out


def _common_nulls(cols: dict[str, np.ndarray], declared, problems: list[str]) -> None:
    """Treat the usual null sentinels as nulls even when the header declares another value."""
    for m, v in cols.items():
        bad = np.isin(v, [x for x in _SENTINELS if x != declared])
        if bad.any():
            v[bad] = np.nan
            problems.append(f"{m}: {int(bad.sum())} samples equal a common null value "
                            f"(e.g. -999.25) but NULL is {declared}; treated as null")


def _order_depth(depth: np.ndarray, problems: list[str]) -> tuple[np.ndarray, np.ndarray]:
    bad = ~np.isfinite(depth)
    if bad.any():
        problems.append(f"{int(bad.sum())} rows without a depth dropped")
    idx = np.flatnonzero(~bad)
    d = depth[idx]
    if d.size > 1 and d[0] > d[-1]:
        problems.append("depth is descending in the file; reversed to ascending")
    order = idx[np.argsort(d, kind="stable")]
    d = depth[order]
    dup = int((np.diff(d) == 0).sum())
    if dup:
        problems.append(f"{dup} repeated depths (kept the first of each)")
        keep = np.concatenate([[True], np.diff(d) != 0])
        order, d = order[keep], d[keep]
    return order, d


def _step(las, depth: np.ndarray, factor: float, problems: list[str]) -> float | None:
    declared = _header(las, "STEP")
    diffs = np.diff(depth)
    if diffs.size == 0:
        return None
    regular = np.allclose(diffs, diffs[0], rtol=1e-3, atol=1e-4)
    if isinstance(declared, Real) and declared == 0:
        problems.append(f"STEP is 0 (irregular sampling declared); measured steps "
                        f"{diffs.min():.4g}-{diffs.max():.4g} m")
    elif isinstance(declared, Real) and regular and not math.isclose(
            abs(float(declared)) * factor, diffs[0], rel_tol=1e-2):
        problems.append(f"STEP {declared} disagrees with the data ({diffs[0] / factor:.4g})")
    if not regular:
        if not (isinstance(declared, Real) and declared == 0):
            problems.append(f"irregular depth sampling ({diffs.min():.4g}-{diffs.max():.4g} m)")
        return None
    return float(np.median(diffs))


def _header(section_owner, key: str):
    sec = getattr(section_owner, "well", section_owner)
    try:
        value = sec[key].value
    except (KeyError, AttributeError):
        return None
    return value.strip() if isinstance(value, str) else value


def _location(las, problems: list[str]) -> WellLocation | None:
    x = next((v for k in _X_KEYS if isinstance(v := _header(las, k), Real)), None)
    y = next((v for k in _Y_KEYS if isinstance(v := _header(las, k), Real)), None)
    lat = _parse_angle(next((_header(las, k) for k in ("LATI", "LAT", "LATITUDE") if _header(las, k)), None))
    lon = _parse_angle(next((_header(las, k) for k in ("LONG", "LON", "LONGITUDE") if _header(las, k)), None))
    if x is not None and y is not None and (x, y) != (0, 0):
        return WellLocation(float(x), float(y), lat, lon, "XY")
    if lat is not None and lon is not None:
        e, n, zone = latlon_to_utm(lat, lon)
        hemi = "N" if lat >= 0 else "S"
        return WellLocation(e, n, lat, lon, f"UTM zone {zone}{hemi} (WGS84) from LATI/LONG")
    problems.append("no well coordinates (X/Y or LATI/LONG) in the header")
    return None


_DMS = re.compile(r"^\s*(-?\d+(?:\.\d+)?)(?:[\s°d]+(\d+(?:\.\d+)?))?(?:['\s]+(\d+(?:\.\d+)?))?[\"\s]*([NSEW])?\s*$",
                  re.IGNORECASE)


def _parse_angle(value) -> float | None:
    """Decimal degrees from ``43.59``, ``-60.69`` or ``43 35' 47.74" N``."""
    if value is None or value == "":
        return None
    if isinstance(value, Real):
        return float(value)
    m = _DMS.match(str(value).replace("''", '"'))
    if not m:
        return None
    deg, minutes, seconds, hemi = m.groups()
    out = abs(float(deg)) + float(minutes or 0) / 60 + float(seconds or 0) / 3600
    negative = float(deg) < 0 or (hemi or "").upper() in ("S", "W")
    return -out if negative else out


def latlon_to_utm(lat: float, lon: float) -> tuple[float, float, int]:
    """WGS84 transverse Mercator (UTM) easting, northing and zone (series to ~1 mm)."""
    a, f, k0 = 6378137.0, 1 / 298.257223563, 0.9996
    zone = int((lon + 180) // 6) + 1
    lon0 = math.radians((zone - 1) * 6 - 180 + 3)
    e2 = f * (2 - f)
    ep2 = e2 / (1 - e2)
    phi, lam = math.radians(lat), math.radians(lon)
    n = a / math.sqrt(1 - e2 * math.sin(phi) ** 2)
    t, c = math.tan(phi) ** 2, ep2 * math.cos(phi) ** 2
    aa = math.cos(phi) * (lam - lon0)
    m = a * ((1 - e2 / 4 - 3 * e2**2 / 64 - 5 * e2**3 / 256) * phi
             - (3 * e2 / 8 + 3 * e2**2 / 32 + 45 * e2**3 / 1024) * math.sin(2 * phi)
             + (15 * e2**2 / 256 + 45 * e2**3 / 1024) * math.sin(4 * phi)
             - (35 * e2**3 / 3072) * math.sin(6 * phi))
    east = k0 * n * (aa + (1 - t + c) * aa**3 / 6 + (5 - 18 * t + t * t + 72 * c - 58 * ep2) * aa**5 / 120)
    north = k0 * (m + n * math.tan(phi) * (aa * aa / 2 + (5 - t + 9 * c + 4 * c * c) * aa**4 / 24
                                           + (61 - 58 * t + t * t + 600 * c - 330 * ep2) * aa**6 / 720))
    if lat < 0:
        north += 10_000_000.0
    return east + 500_000.0, north, zone


@dataclass(frozen=True)
class ElasticLogs:
    depth: np.ndarray  # metres
    vp: np.ndarray  # m/s, NaN where invalid
    vs: np.ndarray
    rho: np.ndarray  # kg/m3
    masked: dict[str, int]  # curve -> samples masked (null, zero or negative)
    sources: dict[str, str]  # vp/vs/rho -> mnemonic used


def elastic_logs(log: WellLog, mask: bool = True) -> ElasticLogs:
    """Vp, Vs (m/s) and density (kg/m³) from sonic (or velocity) and density curves.

    Null, zero and negative samples are counted in ``masked`` and set to NaN
    (``mask=False`` counts them but keeps the values, for recipes that fill them).
    """
    found = {k: log.find(k) for k in ("DT", "DTS", "RHOB", "VP", "VS")}
    need = [n for n, alts in (("DT", ("DT", "VP")), ("DTS", ("DTS", "VS")), ("RHOB", ("RHOB",)))
            if not any(found[a] for a in alts)]
    if need:
        raise missing_curves(log, need)
    out: dict[str, np.ndarray] = {}
    masked: dict[str, int] = {}
    sources: dict[str, str] = {}
    for key, slow, vel in (("vp", "DT", "VP"), ("vs", "DTS", "VS")):
        m = found[slow] or found[vel]
        assert m is not None  # checked by `need` above
        v = log.curves[m].copy()
        unit = log.info[m].unit.strip().upper()
        if m == found[slow]:
            with np.errstate(divide="ignore", invalid="ignore"):
                v = (0.3048e6 if unit in _PER_FOOT else 1e6) / v
            msg = f"{m}: slowness unit {unit!r} unknown; assumed us/m"
            if unit not in _PER_FOOT | _PER_METRE and msg not in log.problems:
                log.problems.append(msg)
        elif unit in ("FT/S", "F/S"):
            v = v * 0.3048
        out[key], sources[key] = v, m
    m = found["RHOB"]
    assert m is not None
    rho = log.curves[m].copy()
    if log.info[m].unit.strip().upper() in _GRAMS_CC or np.nanmedian(rho) < 10:
        rho = rho * 1000.0
    out["rho"], sources["rho"] = rho, m
    for key, v in out.items():
        bad = ~np.isfinite(v) | (v <= 0)
        masked[sources[key]] = int(bad.sum())
        if mask:
            v[bad] = np.nan
    return ElasticLogs(log.depth, out["vp"], out["vs"], out["rho"], masked, sources)
