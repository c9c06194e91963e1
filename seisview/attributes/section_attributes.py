"""Attributes as display layers: one function per attribute, ``(volume, spec, **params) -> array``.

These are the targets of the ``attribute`` contributions in
:mod:`seisview.builtins`. Each returns the attribute on the section ``spec``
of ``volume`` with the section's shape (``(sample, trace)`` for inlines and
crosslines, ``(il, xl)`` for time slices), so the viewer shows it like the
seismic. :func:`attribute_layer` wraps one in a
:class:`~seisview.core.display_layers.Layer` of kind ``attribute`` with a small
cache (an interpreter flips back and forth between a few sections).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from functools import partial

import numpy as np

from seisview.attributes.seismic import attribute_map, compute
from seisview.attributes.texture import glcm_attributes


def trace_attribute(name: str, volume, spec, **params) -> np.ndarray:
    """Trace attribute ``name`` (see ``seismic.ATTRIBUTES``) on one section of ``volume``."""
    if spec.kind == "time":
        return attribute_map(volume, spec.index, name, **params)
    return compute(name, volume.section_array(spec), volume.geometry.dt, axis=0, **params)


def texture_attribute(feature: str, volume, spec, source: str = "amplitude", levels: int = 16,
                      window: int = 9, distance: int = 1, angles=(0, 45, 90, 135), **params) -> np.ndarray:
    """GLCM ``feature`` of a section (of its amplitude or of a trace attribute ``source``)."""
    base = trace_attribute(source, volume, spec, **params)
    return glcm_attributes(base, (feature,), levels=levels, window=window, distance=distance,
                           angles=angles)[feature]


envelope = partial(trace_attribute, "envelope")
phase = partial(trace_attribute, "phase")
frequency = partial(trace_attribute, "frequency")
rms = partial(trace_attribute, "rms")
bandpass = partial(trace_attribute, "bandpass")
glcm_energy = partial(texture_attribute, "energy")
glcm_entropy = partial(texture_attribute, "entropy")
glcm_homogeneity = partial(texture_attribute, "homogeneity")
glcm_contrast = partial(texture_attribute, "contrast")
glcm_correlation = partial(texture_attribute, "correlation")

def attribute_source(volume, fn, cache_size: int = 8, **params):
    """``(SectionSpec) -> array`` computing ``fn(volume, spec, **params)``, LRU-cached, thread-safe."""
    cache: OrderedDict = OrderedDict()
    lock = threading.Lock()

    def source(spec):
        key = spec.key()
        with lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        arr = np.asarray(fn(volume, spec, **params), dtype=np.float32)
        with lock:
            cache[key] = arr
            while len(cache) > cache_size:
                cache.popitem(last=False)
        return arr

    return source


def attribute_layer(volume, name: str, *, opacity: float = 1.0, colormap: str | None = None, **params):
    """A ``Layer(kind="attribute")`` showing attribute ``name`` of ``volume`` on every view."""
    from seisview.core.display_layers import Layer
    from seisview.plugins import registry

    c = registry.get_contribution("attribute", name)
    fn, cmap = c.load(), c.meta.get("colormap", "viridis")
    label = name if not params else f"{name} ({', '.join(f'{k}={v}' for k, v in params.items())})"
    return Layer(f"attribute: {label}", "attribute", attribute_source(volume, fn, **params),
                 opacity=opacity, colormap=colormap or cmap, meta={"attribute": name, "params": params})
