"""Attribute volumes as block functions of ``io.volume_jobs`` (chunked, seamless).

Trace attributes (envelope, instantaneous frequency, band-pass, ...) work along each trace
over every sample, so a column of traces needs no halo. Texture (GLCM) attributes work on
inline sections in a window of traces: the block carries ``window // 2 + distance`` traces
of halo on each side, and the grey levels come from one amplitude range for the whole survey
(``survey_range``), not from each block's own range, so neighbouring blocks agree exactly.
"""

from __future__ import annotations

import numpy as np

from seisview.attributes.seismic import compute
from seisview.attributes.texture import FEATURES, glcm_attributes
from seisview.core.errors import SeisviewError
from seisview.io.volume_jobs import Output, as_source, core, source_shape

# volume name -> trace attribute of attributes.seismic
TRACE_ATTRIBUTES = {"envelope": "envelope", "instantaneous_frequency": "frequency",
                    "instantaneous_phase": "phase", "bandpass": "bandpass", "rms": "rms"}
TEXTURE_ATTRIBUTES = {f"glcm_{f}": f for f in FEATURES}


def names() -> list[str]:
    return [*TRACE_ATTRIBUTES, *TEXTURE_ATTRIBUTES]


class TraceAttributeBlock:
    """Block function: trace attribute ``name`` along the samples of every trace."""

    halo = (0, 0)

    def __init__(self, name: str, dt_ms: float, **params):
        self.name, self.dt_ms, self.params = name, float(dt_ms), params
        self.outputs = (Output(name, "float32", float("nan")),)
        compute(TRACE_ATTRIBUTES[name], np.zeros((1, 64), np.float32), self.dt_ms, axis=1, **params)

    def signature(self) -> dict:
        return {"kind": "attribute", "name": self.name, "dt_ms": self.dt_ms, "params": self.params}

    def __call__(self, block: np.ndarray, *, check=lambda: None, halo=((0, 0),) * 3,
                 origin=None) -> dict[str, np.ndarray]:
        block = core(block, halo)
        out = np.empty(block.shape, np.float32)
        for i in range(block.shape[0]):
            check()
            out[i] = compute(TRACE_ATTRIBUTES[self.name], block[i], self.dt_ms, axis=1, **self.params)
        return {self.name: out}


class TextureBlock:
    """Block function: GLCM ``feature`` on inline sections, grey levels from ``value_range``."""

    def __init__(self, name: str, value_range: tuple[float, float], levels: int = 16,
                 window: int = 9, distance: int = 1, angles=(0, 45, 90, 135)):
        self.name, self.feature = name, TEXTURE_ATTRIBUTES[name]
        self.lo, self.hi = float(value_range[0]), float(value_range[1])
        self.levels, self.window, self.distance = int(levels), int(window), int(distance)
        self.angles = tuple(angles)
        self.halo = (0, self.window // 2 + self.distance)
        self.outputs = (Output(name, "float32", float("nan")),)

    def signature(self) -> dict:
        return {"kind": "attribute", "name": self.name, "range": [self.lo, self.hi],
                "levels": self.levels, "window": self.window, "distance": self.distance,
                "angles": list(self.angles)}

    def grey(self, x: np.ndarray) -> np.ndarray:
        span = self.hi - self.lo
        if not span > 0:
            return np.zeros(x.shape, np.int64)
        q = np.floor((x.astype(np.float64) - self.lo) / span * self.levels)
        return np.clip(q, 0, self.levels - 1).astype(np.int64)

    def __call__(self, block: np.ndarray, *, check=lambda: None, halo=((0, 0),) * 3,
                 origin=None) -> dict[str, np.ndarray]:
        (i0, i1), _, _ = halo
        block = block[i0:block.shape[0] - i1]  # inline sections: the inline halo is not needed
        out = np.empty(block.shape, np.float32)
        for i in range(block.shape[0]):
            check()
            section = block[i].T  # (sample, trace), as the viewer's texture layer works
            res = glcm_attributes(section, (self.feature,), levels=self.levels, window=self.window,
                                  distance=self.distance, angles=self.angles, grey=self.grey(section))
            out[i] = res[self.feature].T
        return {self.name: core(out, ((0, 0), *halo[1:]))}


def survey_range(source, n_lines: int = 16, percentile: float = 1.0) -> tuple[float, float]:
    """Robust amplitude range of a survey from ``n_lines`` evenly spread inlines (bounded memory)."""
    src = as_source(source)
    n_il = source_shape(src)[0]
    picks = np.unique(np.linspace(0, n_il - 1, min(n_lines, n_il)).round().astype(int))
    values = np.concatenate([src.read(slice(int(i), int(i) + 1), slice(None)).ravel() for i in picks])
    values = values[np.isfinite(values)]
    if not values.size:
        return 0.0, 0.0
    lo, hi = np.percentile(values, [percentile, 100 - percentile])
    return float(lo), float(hi)


def attribute_block(name: str, source, geometry, **params):
    """The block function computing attribute volume ``name`` of ``source``."""
    if name in TRACE_ATTRIBUTES:
        return TraceAttributeBlock(name, geometry.dt, **params)
    if name in TEXTURE_ATTRIBUTES:
        return TextureBlock(name, survey_range(source), **params)
    raise SeisviewError(f"unknown attribute volume {name!r}", hint=f"one of {', '.join(names())}")



