"""What the interpreter has open and where they are looking: the viewer's one model.

The Qt views subscribe to ``session.events`` and to ``session.layers.events``
and never keep their own copy of this state. Nothing here imports Qt, so a
test or a notebook drives a session exactly as the GUI does::

    s = Session()
    s.open_volume(volume, path="f3.sgy")
    s.set_position("inline", 10)          # -> events.position("inline", 10)
    s.set_display(colormap="grey", clip_percentile=98, gain=2.0, agc_ms=250)
    s.display_section(s.spec("inline"))   # gain/AGC applied, NaN/Inf -> 0
    s.display_levels()                    # symmetric (-c, c) for the current percentile/gain
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from psygnal import Signal, SignalGroup

from seisview.core.display_layers import Layer, LayerList
from seisview.core.model_state import ModelSlot, PredictionStore
from seisview.core.section import SECTION_KINDS, SectionSpec
from seisview.core.volume import robust_levels

SEISMIC = "seismic"
DIVERGING = ("seismic", "red-white-blue", "brown-white-black")


@dataclass(frozen=True)
class Cursor:
    """The linked crosshair: fractional array positions (``None`` where a view does not know)."""

    il_idx: float | None
    xl_idx: float | None
    sample: float | None  # fractional sample index
    amplitude: float | None = None
    origin: str = ""  # kind of the view the mouse is over ("inline", "map", "gather", ...)


class SessionEvents(SignalGroup):
    survey = Signal(object)  # the Session, after open_volume / open_gathers / close
    position = Signal(str, int)  # kind ("inline" | "crossline" | "time"), index
    gather = Signal(object)  # current gather key (int) or None
    display = Signal(str)  # "colormap" | "clip_percentile" | "gain" | "agc_ms"
    project = Signal(object)  # the Project or None
    cursor = Signal(object)  # Cursor or None (mouse left the views)


class Session:
    """The open survey, the current positions, display settings, project and layers."""

    def __init__(self):
        self.events = SessionEvents()
        self.volume = None  # seisview.core.volume.Volume
        self.gathers = None  # seisview.core.gathers.GatherSet
        self.path: Path | None = None
        self.scan = None  # the ScanReport the survey was opened with
        self._project = None
        self._pos = {"inline": 0, "crossline": 0, "time": 0}
        self.gather_key: int | None = None
        self.clip_percentile = 99.0
        self.gain = 1.0
        self._auto_colormap: str | None = None  # a map chosen for one-signed data, not by the user
        self.agc_ms = 0.0  # 0 = off
        self.cursor: Cursor | None = None
        self._levels_cache: dict[tuple, float] = {}
        self._u8: tuple | None = None  # (display_key, uint8 cube) for fast stepping
        self.layers = LayerList()
        self.models = ModelSlot()  # the newest model of each task, followed by the panels
        self.predictions = PredictionStore()  # what the current models predicted
        self.seismic_layer = Layer(SEISMIC, "seismic", source=self.display_section, colormap="seismic")
        self.layers.append(self.seismic_layer)
        self.seismic_layer.events.colormap.connect(lambda _v: self.events.display.emit("colormap"))

    # -- survey ---------------------------------------------------------------
    def open_volume(self, volume, path: str | Path | None = None, scan: Any = None) -> None:
        """Show ``volume``; positions go to the middle of the survey."""
        if volume is not self.volume:  # another survey is a clean slate
            self._forget_models("facies")
            self.layers.clear_overlays()  # their owners add them again when they have data
        self.volume = volume
        self.path = Path(path) if path is not None else None
        self.scan = scan
        self._levels_cache.clear()
        n_il, n_xl, n_s = volume.shape
        self._pos = {"inline": n_il // 2, "crossline": n_xl // 2, "time": n_s // 2}
        self.cursor = None
        if not self.symmetric and self.colormap in DIVERGING:
            # velocity / impedance cubes: a diverging map would paint everything one colour
            self.seismic_layer.colormap = "viridis"
            self._auto_colormap = "viridis"
        elif self.symmetric and self.colormap == self._auto_colormap:
            self.seismic_layer.colormap = SEISMIC  # seismic again after a velocity cube
            self._auto_colormap = None
        self.events.survey.emit(self)
        self.seismic_layer.refresh()

    def open_gathers(self, gathers, path: str | Path | None = None, scan: Any = None) -> None:
        """Add a pre-stack gather set (alone, or beside the open volume)."""
        if gathers is not self.gathers:
            self._forget_models("firstbreak")
        if self.volume is None:  # gathers alone: nothing of an earlier volume stays
            self._forget_models("facies")
            self.layers.clear_overlays()
            if self.colormap == self._auto_colormap:  # shot gathers are seismic again
                self.seismic_layer.colormap = SEISMIC
                self._auto_colormap = None
        self.gathers = gathers
        if path is not None and self.volume is None:
            self.path = Path(path)
        if scan is not None and self.volume is None:
            self.scan = scan
        ids = gathers.gather_ids
        self.gather_key = int(ids[0]) if len(ids) else None
        self.events.survey.emit(self)
        self.events.gather.emit(self.gather_key)

    def _forget_models(self, task: str) -> None:
        """A model and its predictions belong to the survey they were made on."""
        self.models.set(task, None)
        if task == "firstbreak":
            self.predictions.set_picks({}, replace=True)
        else:
            self.predictions.clear_sections()

    def close(self) -> None:
        self._forget_models("facies")
        self._forget_models("firstbreak")
        self.volume = self.gathers = self.scan = self.path = None
        self.gather_key = None
        self._levels_cache.clear()
        self.layers.clear_overlays()
        self.events.survey.emit(self)

    @property
    def geometry(self):
        return None if self.volume is None else self.volume.geometry

    @property
    def title(self) -> str:
        return self.path.name if self.path is not None else "(no survey)"

    # -- project --------------------------------------------------------------
    @property
    def project(self):
        return self._project

    @project.setter
    def project(self, value) -> None:
        self._project = value
        self.events.project.emit(value)

    # -- positions ------------------------------------------------------------
    @property
    def il_idx(self) -> int:
        return self._pos["inline"]

    @property
    def xl_idx(self) -> int:
        return self._pos["crossline"]

    @property
    def t_idx(self) -> int:
        return self._pos["time"]

    def position(self, kind: str) -> int:
        return self._pos[kind]

    def n_positions(self, kind: str) -> int:
        if self.volume is None:
            return 0
        return self.volume.n_sections(kind)

    def set_position(self, kind: str, index: int) -> int:
        """Move the ``kind`` section to ``index`` (clipped); emits ``events.position``."""
        if kind not in SECTION_KINDS:
            raise ValueError(f"kind must be one of {SECTION_KINDS}, not {kind!r}")
        n = self.n_positions(kind)
        index = int(min(max(int(index), 0), max(n - 1, 0)))
        if index != self._pos[kind]:
            self._pos[kind] = index
            self.events.position.emit(kind, index)
        return index

    def step(self, kind: str, delta: int) -> int:
        return self.set_position(kind, self._pos[kind] + int(delta))

    def spec(self, kind: str) -> SectionSpec:
        """The section currently shown for ``kind``."""
        return SectionSpec(kind, self._pos[kind])

    def line_number(self, kind: str, index: int | None = None) -> float:
        """Survey label of a position: inline/crossline number, or time/depth of a sample."""
        return self.geometry.position(kind, self._pos[kind] if index is None else index)

    def index_of_line(self, kind: str, value: float) -> int:
        """Nearest index of a line number / time (clipped to the survey)."""
        return self.geometry.nearest_index(kind, value)

    def set_gather(self, key: int) -> None:
        if self.gathers is None:
            raise ValueError("no gathers are open")
        self.gathers.trace_indices(int(key))  # KeyError for an unknown key
        if key != self.gather_key:
            self.gather_key = int(key)
            self.events.gather.emit(self.gather_key)

    def step_gather(self, delta: int) -> int | None:
        if self.gathers is None or not len(self.gathers):
            return None
        ids = self.gathers.gather_ids
        i = int(np.searchsorted(ids, self.gather_key if self.gather_key is not None else ids[0]))
        i = min(max(i + int(delta), 0), len(ids) - 1)
        self.set_gather(int(ids[i]))
        return self.gather_key

    # -- cursor ---------------------------------------------------------------
    def set_cursor(self, il_idx: float | None, xl_idx: float | None, sample: float | None,
                   origin: str = "") -> Cursor | None:
        """Move the linked crosshair; the amplitude is read at the nearest sample."""
        amp = None
        v = self.volume
        if v is not None and il_idx is not None and xl_idx is not None and sample is not None:
            i, j, k = int(round(il_idx)), int(round(xl_idx)), int(round(sample))
            n_il, n_xl, n_s = v.shape
            if 0 <= i < n_il and 0 <= j < n_xl and 0 <= k < n_s:
                amp = float(v.data[i, j, k])
        self.cursor = Cursor(il_idx, xl_idx, sample, amp, origin)
        self.events.cursor.emit(self.cursor)
        return self.cursor

    def clear_cursor(self) -> None:
        self.cursor = None
        self.events.cursor.emit(None)

    # -- display --------------------------------------------------------------
    @property
    def colormap(self) -> str:
        return self.seismic_layer.colormap

    def set_display(self, *, colormap: str | None = None, clip_percentile: float | None = None,
                    gain: float | None = None, agc_ms: float | None = None) -> None:
        """Change display settings; each change emits ``events.display(name)``."""
        if colormap is not None and colormap != self.colormap:
            self.seismic_layer.colormap = colormap  # relayed as display("colormap")
        if clip_percentile is not None and float(clip_percentile) != self.clip_percentile:
            p = float(clip_percentile)
            if not 50.0 <= p <= 100.0:
                raise ValueError(f"clip percentile must be within 50..100, not {p}")
            self.clip_percentile = p
            self.events.display.emit("clip_percentile")
        if gain is not None and float(gain) != self.gain:
            if not float(gain) > 0:
                raise ValueError(f"gain must be positive, not {gain}")
            self.gain = float(gain)
            self.events.display.emit("gain")
        if agc_ms is not None and float(agc_ms) != self.agc_ms:
            if float(agc_ms) < 0:
                raise ValueError(f"AGC window must be >= 0 ms, not {agc_ms}")
            self.agc_ms = float(agc_ms)
            self.events.display.emit("agc_ms")

    def agc_samples(self) -> int:
        """AGC window length in samples (0 = off)."""
        if self.agc_ms <= 0 or self.volume is None:
            return 0
        return max(3, self.volume.geometry.n_samples_in(self.agc_ms) | 1)

    def display_section(self, spec: SectionSpec) -> np.ndarray | None:
        """The seismic section as drawn: AGC applied, NaN/Inf set to 0 (neutral).

        Gain is not applied to the samples: it divides :meth:`display_levels`
        (same picture, one pass less).
        """
        v = self.volume
        if v is None:
            return None
        # (the time-major copy only once built: the GUI builds it in a worker after opening)
        if spec.kind == "inline" and v.in_memory and v.time_major_ready:
            # rows of the time-major copy are contiguous: no transposed walk over the inline
            arr = v.time_major[:, spec.index, :]
        elif spec.kind == "time" and v.in_memory and v.time_major_ready:
            arr = v.time_major[spec.index]  # read-only use: no copy
        else:
            arr = v.section_array(spec)
        w = self.agc_samples()
        if w:
            if spec.kind == "time":
                arr = _agc_time_slice(v, spec.index, w)
            else:
                arr = agc(arr, w, axis=0)
        return finite_or_zero(arr)

    # -- 8-bit display cube (fast stepping) --------------------------------------
    def display_key(self) -> tuple | None:
        """What an 8-bit display cube must have been built for (None: no cube possible)."""
        v = self.volume
        if v is None or not v.in_memory or self.agc_samples():
            return None
        return (id(v), self.display_levels())

    def set_u8_cube(self, key: tuple, cube: np.ndarray) -> None:
        """Install a cube made by :func:`build_u8_cube` for ``key`` (ignored when stale)."""
        if key == self.display_key():
            self._u8 = (key, cube)

    def section_u8(self, spec: SectionSpec) -> np.ndarray | None:
        """Colour indices of a section from the 8-bit cube, or None when there is no current cube."""
        u8 = getattr(self, "_u8", None)
        if u8 is None or u8[0] != self.display_key():
            return None
        cube = u8[1]
        if spec.kind == "inline":
            return cube[:, spec.index, :]
        if spec.kind == "crossline":
            return cube[:, :, spec.index]
        return cube[spec.index]

    def display_levels(self) -> tuple[float, float]:
        """Colour levels after clip and gain.

        Seismic amplitudes (both signs): symmetric ``(-c, c)`` with ``c`` the clip
        percentile of |amplitude|, divided by the gain. One-signed data (velocity,
        impedance, attribute cubes): the ``(100-p, p)`` percentiles, the half-range
        divided by the gain about its middle.
        """
        lv = self._levels()
        if self.symmetric:
            return (-lv.clip / self.gain, lv.clip / self.gain)
        mid, half = (lv.lo + lv.hi) / 2, (lv.hi - lv.lo) / 2 / self.gain
        return (mid - half, mid + half)

    @property
    def symmetric(self) -> bool:
        """True for zero-centred data (seismic); False when the samples are one-signed."""
        v = self.volume
        if v is None or self.agc_samples():
            return True
        lv = v.levels
        return not (lv.lo >= 0 or lv.hi <= 0)

    def _levels(self):
        v = self.volume
        if v is None:
            return robust_levels(np.array([-1.0, 1.0]))
        key = (self.clip_percentile, self.agc_samples())
        if key not in self._levels_cache:
            if key[1]:  # AGC output has its own range: measure it on a few sections
                n_il, n_xl, _ = v.shape
                sample = np.concatenate([
                    self.display_section(SectionSpec("inline", n_il // 2)).ravel(),
                    self.display_section(SectionSpec("crossline", n_xl // 2)).ravel()])
                self._levels_cache[key] = robust_levels(sample, self.clip_percentile)
            elif self.clip_percentile == v.levels.percentile:
                self._levels_cache[key] = v.levels
            else:
                sample = v._level_sample() if hasattr(v, "_level_sample") else np.asarray(v.data)
                self._levels_cache[key] = robust_levels(sample, self.clip_percentile)
        return self._levels_cache[key]


# -- amplitude processing (numpy only) ------------------------------------------
def build_u8_cube(volume, levels: tuple[float, float], state=None, block: int = 16) -> np.ndarray:
    """Quantise an in-memory volume once to ``(sample, il, xl)`` uint8 colour indices.

    Stepping then costs one table look-up per pixel instead of a float rescale
    (the same numbers :func:`to_u8` gives section by section). ~n_samples/block steps,
    each checking ``state`` for cancel and reporting progress.
    """
    tm = volume.time_major
    n_s = tm.shape[0]
    out = np.empty(tm.shape, np.uint8)
    for k0 in range(0, n_s, block):
        if state is not None:
            state.check()
            state.set_progress(k0 / n_s, "display cache")
        k1 = min(n_s, k0 + block)
        to_u8(finite_or_zero(tm[k0:k1]), levels, out=out[k0:k1])
    return out


def to_u8(arr: np.ndarray, levels: tuple[float, float], out: np.ndarray | None = None) -> np.ndarray:
    """Scale ``arr`` so ``levels`` map to 0..255 (clipped); NaN must already be gone."""
    lo, hi = levels
    scale = np.float32(255.0 / (hi - lo)) if hi > lo else np.float32(1.0)
    tmp = np.subtract(arr, np.float32(lo), dtype=np.float32)
    np.multiply(tmp, scale, out=tmp)
    np.clip(tmp, 0, 255, out=tmp)
    if out is None:
        out = np.empty(tmp.shape, np.uint8)
    np.copyto(out, tmp, casting="unsafe")
    return out


def finite_or_zero(arr: np.ndarray) -> np.ndarray:
    """float32 copy-free when already finite; NaN/Inf replaced by 0 (the neutral colour)."""
    arr = np.asarray(arr, dtype=np.float32)
    if not np.isfinite(arr).all():
        arr = np.where(np.isfinite(arr), arr, np.float32(0))
    return arr


def _moving_mean(x: np.ndarray, w: int, axis: int) -> np.ndarray:
    """Centred moving mean of length ``w`` (odd) along ``axis``, shrinking at the ends."""
    x = np.moveaxis(x, axis, 0)
    h = w // 2
    c = np.cumsum(np.concatenate([np.zeros((1,) + x.shape[1:], np.float64), x], 0), 0)
    n = x.shape[0]
    hi = np.minimum(np.arange(n) + h + 1, n)
    lo = np.maximum(np.arange(n) - h, 0)
    shape = (n,) + (1,) * (x.ndim - 1)
    out = (c[hi] - c[lo]) / (hi - lo).reshape(shape)
    return np.moveaxis(out, 0, axis)


def agc(arr: np.ndarray, window: int, axis: int = 0, eps: float = 1e-12) -> np.ndarray:
    """Automatic gain control: divide by the RMS in a sliding window of ``window`` samples."""
    a = finite_or_zero(arr)
    rms = np.sqrt(_moving_mean(a.astype(np.float64) ** 2, window, axis))
    floor = eps + 1e-6 * float(rms.max(initial=0.0))
    return (a / np.maximum(rms, floor)).astype(np.float32)


def _agc_time_slice(volume, k: int, window: int) -> np.ndarray:
    """AGC of one time slice: each trace divided by its RMS around sample ``k``."""
    n_s = volume.shape[2]
    lo, hi = max(0, k - window // 2), min(n_s, k + window // 2 + 1)
    if volume.in_memory or volume.time_major_ready:  # on disk: the window's time-major chunks only
        block = np.asarray(volume.time_major[lo:hi], dtype=np.float64)
        a = finite_or_zero(volume.time_major[k] if volume.in_memory else volume.time_slice(k))
    else:
        block = np.moveaxis(np.asarray(volume.data[:, :, lo:hi], dtype=np.float64), 2, 0)
        a = finite_or_zero(volume.time_slice(k))
    block[~np.isfinite(block)] = 0.0
    rms = np.sqrt((block ** 2).mean(0))
    floor = 1e-12 + 1e-6 * float(rms.max(initial=0.0))
    return (a / np.maximum(rms, floor)).astype(np.float32)
