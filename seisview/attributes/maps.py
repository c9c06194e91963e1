"""2-D maps for the activation statistics: a ``.npy`` file or a slice of a survey.

A survey slice is written ``FILE:KIND:VALUE[:ATTRIBUTE]``: ``survey.sgy:time:800``
(time or depth in survey units), ``survey.sgy:inline:250``,
``survey.sgy:crossline:1100`` (line numbers); ``demo`` stands for the demo
survey, and the optional attribute is computed along time before the slice is cut.
Used by ``seisview introspect stats`` and the crossplot panel.
"""

from __future__ import annotations

import re
from pathlib import Path

from seisview.core.errors import SeisviewError

_SLICE = re.compile(r"^(?P<path>.+?)(?::(?P<kind>time|depth|inline|crossline):(?P<value>[^:]*)"
                    r"(?::(?P<attr>[a-z_]+))?)$", re.IGNORECASE)


def _survey(path: str, cache: dict):
    if path in cache:
        return cache[path]
    if path == "demo":
        from seisview.io.demo import demo_volume

        vol = demo_volume()
    else:
        if not Path(path).is_file():
            raise SeisviewError(f"survey {path} not found", hint="check the path of the map")
        from seisview.io.segy import load

        vol = load(path)
        if not hasattr(vol, "time_slice"):
            raise SeisviewError(f"{path} is pre-stack", hint="maps come from post-stack surveys")
    cache[path] = vol
    return vol


def load_map(spec: str, cache: dict | None = None):
    """A 2-D float32 array from `map.npy` or `FILE:KIND:VALUE[:ATTRIBUTE]`."""
    import numpy as np

    cache = {} if cache is None else cache
    if spec.lower().endswith(".npy"):
        if not Path(spec).is_file():
            raise SeisviewError(f"map {spec} not found", hint="check the path")
        try:
            arr = np.load(spec, allow_pickle=False)
        except ValueError as exc:
            raise SeisviewError(f"cannot read {spec}: {exc}", hint="save maps with numpy.save") from None
        if arr.ndim != 2:
            raise SeisviewError(f"{spec} holds an array of shape {arr.shape}", hint="maps must be 2-D")
        return arr.astype(np.float32)
    m = _SLICE.match(spec)
    if not m:
        raise SeisviewError(f"cannot read map {spec!r}",
                            hint="use map.npy or survey.sgy:time:800 / :inline:NO / :crossline:NO[:attribute]")
    vol = _survey(m["path"], cache)
    attr = (m["attr"] or "amplitude").lower()
    sec = vol.geometry.parse_spec(f"{m['kind']}:{m['value']}")
    if attr == "amplitude":
        return np.asarray(vol.section_array(sec), np.float32)
    from seisview.plugins import registry  # every attribute contribution, plugins' included

    if attr not in registry.names("attribute"):
        raise SeisviewError(f"unknown attribute {attr!r} in {spec!r}",
                            hint=f"one of amplitude, {', '.join(registry.names('attribute'))}")
    return np.asarray(registry.get("attribute", attr)(vol, sec), np.float32)
