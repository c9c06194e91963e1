"""The demo survey and sample data: generated once into the cache, real SEG-Y on disk.

* ``demo_survey_path()``: a 3-D post-stack survey (200 x 200 traces x 300 samples at
  4 ms, inlines 100-299, crosslines 300-499, rotated world grid) with six facies
  told apart by texture, faults and a salt ridge; ``demo_truth()`` gives the facies
  id of every sample and ``DEMO_CLASSES`` their names and colours.
* ``demo_gathers_path()``: matching pre-stack shot gathers with known first breaks
  (``demo_first_breaks()``), also stored in trace-header bytes 233-236 (int32 us).
* ``sample_data_paths()``: the real files shipped in ``seisview/resources/sample_data``.

Everything is deterministic; files live in ``config.cache_dir()/demo/<version>``
so a change of the generator (a new version string) regenerates them.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.resources
from pathlib import Path

import numpy as np

from seisview import config
from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.volume import Volume
from seisview.io.atomic import atomic_open
from seisview.io.demo_gathers import GatherSpec, ShotRecord, build_gathers
from seisview.io.demo_model import DEMO_CLASSES, ModelSpec, build_model
from seisview.io.segy import write_gathers_segy, write_volume_segy

__all__ = ["DEMO_CLASSES", "DEMO_VERSION", "GATHERS_VERSION", "demo_geometry", "demo_survey_path",
           "demo_truth",
           "demo_volume", "demo_dir", "demo_gathers_path", "demo_gatherset", "demo_first_breaks",
           "sample_data_paths", "RESOURCES"]

DEMO_VERSION = "survey-v1"
GATHERS_VERSION = "gathers-v1"
SPEC = ModelSpec()
GSPEC = GatherSpec()
GATHER_INLINE = 200  # the shot line runs along this inline of the demo survey
IL_FIRST, XL_FIRST = 100, 300
# real sample files ship inside the package (package data), so an installed wheel has them too
RESOURCES = Path(str(importlib.resources.files("seisview") / "resources"))


def demo_dir(version: str = DEMO_VERSION, spec: object = SPEC) -> Path:
    """Cache folder of a generator version, its parameters and its source (created on demand).

    Hashing the generator's source file too means an edited generator never
    serves files built by the old one.
    """
    src = Path(__file__).with_name("demo_model.py" if isinstance(spec, ModelSpec) else "demo_gathers.py")
    key = hashlib.sha1(repr((version, spec)).encode() + src.read_bytes()).hexdigest()[:10]
    with _cache_errors():
        p = config.cache_dir() / "demo" / f"{version}-{key}"
        p.mkdir(parents=True, exist_ok=True)
    return p


@contextlib.contextmanager
def _cache_errors():
    """A cache folder that cannot be written (read-only, disk full) is a one-line user error."""
    try:
        yield
    except OSError as e:
        raise SeisviewError(f"cannot write the demo data to the cache ({e.strerror or e})",
                            hint="free disk space or point SEISVIEW_CACHE to a writable folder") from e


def demo_geometry() -> SurveyGeometry:
    """Geometry of the demo survey: 25 m bins on a grid rotated 32 degrees from north."""
    theta = np.deg2rad(32.0)
    bin_m = 25.0
    # moving one inline steps along (-sin, cos); one crossline along (cos, sin)
    a0, a3 = -bin_m * np.sin(theta), bin_m * np.cos(theta)
    a1, a4 = bin_m * np.cos(theta), bin_m * np.sin(theta)
    x0, y0 = 605_000.0, 6_075_000.0
    a2 = x0 - a0 * IL_FIRST - a1 * XL_FIRST
    a5 = y0 - a3 * IL_FIRST - a4 * XL_FIRST
    return SurveyGeometry(
        il=LineAxis(IL_FIRST, 1, SPEC.n_il), xl=LineAxis(XL_FIRST, 1, SPEC.n_xl),
        n_samples=SPEC.n_samples, dt=SPEC.dt_ms, t0=0.0, domain="time", kind="poststack3d",
        affine=_rounded(a0, a1, a2, a3, a4, a5), name="seisview demo survey")


def _rounded(*v: float) -> tuple[float, float, float, float, float, float]:
    a0, a1, a2, a3, a4, a5 = (float(round(x, 6)) for x in v)
    return a0, a1, a2, a3, a4, a5


def _atomic_save_npy(path: Path, arr: np.ndarray) -> None:
    with atomic_open(path, "wb", suffix=".npy.tmp") as fh:
        np.save(fh, arr)


def _prune_stale(prefix: str, keep: Path, idle_s: float = 3600.0) -> None:
    """Remove cache folders of other builds of the same generator (each is ~100 MB).

    Only folders untouched for ``idle_s``: another checkout (another generator
    source, so another key) may be building or reading its own right now.
    """
    import shutil
    import time

    for old in keep.parent.glob(f"{prefix}-*"):
        try:
            idle = time.time() - old.stat().st_mtime
        except OSError:
            continue
        if old != keep and old.is_dir() and idle > idle_s:
            shutil.rmtree(old, ignore_errors=True)


@functools.lru_cache(maxsize=1)
def _arrays() -> tuple[np.ndarray, np.ndarray]:
    """Seismic and truth arrays, from the cache or generated (and cached) now."""
    d = demo_dir()
    s_path, t_path = d / "seismic.npy", d / "truth.npy"
    if s_path.exists() and t_path.exists():
        try:
            seis, truth = np.load(s_path), np.load(t_path)
            if seis.shape == truth.shape == (SPEC.n_il, SPEC.n_xl, SPEC.n_samples):
                return seis, truth
        except (OSError, ValueError):
            pass  # a broken cache file is rebuilt below
    _prune_stale(DEMO_VERSION.split("-")[0], d)
    seis, truth = build_model(SPEC)
    with _cache_errors():
        d.mkdir(parents=True, exist_ok=True)
        _atomic_save_npy(s_path, seis)
        _atomic_save_npy(t_path, truth)
    return seis, truth


def demo_volume() -> Volume:
    """The demo survey as a ``Volume`` (same numbers as the SEG-Y file, without reading it)."""
    seis, _ = _arrays()
    return Volume.from_array(seis.copy(), demo_geometry())


def demo_truth() -> np.ndarray:
    """Facies id of every sample, uint8 ``(il, xl, sample)``, ids 1..len(DEMO_CLASSES)."""
    return _arrays()[1].copy()


_SURVEY_TEXT = """seisview demo survey (generated, deterministic)
post-stack 3-D, 200 inlines (100-299) x 200 crosslines (300-499)
300 samples at 4 ms, t0 0 ms, IEEE float (format 5), inline sorted
inline bytes 189 and 9, crossline bytes 193 and 21, world X/Y at
181/185 and 73/77 in cm, coordinate scalar -100 at byte 71
25 m bins, grid rotated 32 deg
facies: parallel high amplitude, low amplitude continuous,
clinoforms, chaotic, steep dips, salt; faults; Ricker 28 Hz
truth: seisview.io.demo.demo_truth()"""


def demo_survey_path() -> Path:
    """Path of the generated demo survey SEG-Y (built on first call, a few seconds).

    Its classes ship beside it (``demo_survey.classes.json``, see
    ``io.class_lists.survey_palette``), so a project made on it starts with ``DEMO_CLASSES``.
    """
    from seisview.io.class_lists import class_list_path, write_class_list

    path = demo_dir() / "demo_survey.sgy"
    if not path.exists():
        seis, _ = _arrays()
        with _cache_errors():
            write_volume_segy(path, seis, demo_geometry(), sample_format=5, text=_SURVEY_TEXT.splitlines())
    if not class_list_path(path).exists():
        with _cache_errors():
            write_class_list(path, DEMO_CLASSES)
    return path


def sample_data_paths() -> dict[str, Path]:
    """The real sample files shipped in ``seisview/resources/sample_data`` (see its README.md)."""
    d = RESOURCES / "sample_data"
    return {"F3 (very small)": d / "F3_very_small.sgy",
            "Penobscot crossline 1155": d / "penobscot_xl1155.sgy"}


# -- pre-stack shot gathers ---------------------------------------------------------------

@functools.lru_cache(maxsize=1)
def _shots() -> ShotRecord:
    return build_gathers(GSPEC)  # half a second: not worth a cache file of its own


def _shot_world(x_along: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """World x, y of positions (m) along the shot line (inline GATHER_INLINE, from crossline 300)."""
    g = demo_geometry()
    return g.world(np.full_like(x_along, GATHER_INLINE, dtype=float), XL_FIRST + x_along / 25.0)


def demo_gatherset() -> GatherSet:
    """The demo shot gathers as a ``GatherSet`` (same numbers as ``demo_gathers_path()``)."""
    r = _shots()
    sx, sy = _shot_world(r.source_x)
    gx, gy = _shot_world(r.receiver_x)
    return GatherSet(r.data.copy(), r.ffid.astype(np.int64), r.channel.astype(np.int64),
                     (r.receiver_x - r.source_x).astype(float), GSPEC.dt_ms, 0.0, "ffid",
                     headers={"fb_us": np.rint(r.fb_ms * 1000).astype(np.int64),
                              "sx_m": sx, "sy_m": sy, "gx_m": gx, "gy_m": gy})


def demo_first_breaks() -> dict[tuple[int, int], float]:
    """True first-break time (ms, to the microsecond) of every demo trace, by (ffid, channel)."""
    r = _shots()
    us = np.rint(r.fb_ms * 1000).astype(np.int64)
    return {(int(f), int(c)): float(t) / 1000.0 for f, c, t in zip(r.ffid, r.channel, us, strict=True)}


_GATHER_TEXT = f"""seisview demo shot gathers (generated, deterministic)
{GSPEC.n_shots} shots x {GSPEC.n_channels} channels, {GSPEC.group_m:g} m groups
{GSPEC.n_samples} samples at {GSPEC.dt_ms:g} ms, IEEE float (format 5), unstructured
FFID byte 9, channel byte 13, signed offset byte 37 in cm
coordinate scalar -100 at byte 71, source X/Y 73/77, group X/Y 81/85
true first break at bytes 233-236, int32 microseconds
near surface: weathering layer of varying thickness and velocity
over 1900 and 3300 m/s refractors; weak first half-cycle"""


def demo_gathers_path() -> Path:
    """Path of the generated pre-stack shot-gather SEG-Y with first breaks at byte 233 (us)."""
    path = demo_dir(GATHERS_VERSION, GSPEC) / "demo_shots.sgy"
    if not path.exists():
        _prune_stale(GATHERS_VERSION.split("-")[0], path.parent)
        with _cache_errors():
            write_gathers_segy(path, demo_gatherset(), sample_format=5, text=_GATHER_TEXT.splitlines())
    return path
