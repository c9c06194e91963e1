"""The ordered display layers of a session: the seismic plus overlays.

A :class:`Layer` does not hold pixels. Its ``source`` is a callable
``(SectionSpec) -> 2-D array | None`` that every view (section views, the map,
the 3-D view) asks for the section it shows; ``None`` means "nothing here".
That is how another area adds an overlay that appears everywhere at once::

    session.layers.append(Layer("prediction: unet", "prediction", source=store.section,
                                colormap=palette_lut, opacity=0.5))

When the data behind a source changes (a new prediction arrived, a stroke was
painted), call :meth:`Layer.refresh` and the views re-query it.

Array conventions (same as :class:`~seisview.core.section.SectionData`):
``(sample, trace)`` for vertical sections, ``(il, xl)`` for time slices. An
array of another shape (e.g. a coarse activation map) is stretched over the
section's extent.

* ``labels`` / ``prediction``: integer class ids, 0 = transparent; ``colormap``
  is an ``(n, 4)`` uint8 RGBA table indexed by id (row 0 ignored), or a name.
* every other kind: float values; ``colormap`` is a colour-map name
  (see ``seisview.qt.colormaps.names()``) and ``levels`` a ``(lo, hi)`` pair or
  ``None`` for robust automatic levels. NaN draws transparent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from psygnal import Signal, SignalGroup

LAYER_KINDS = ("seismic", "labels", "prediction", "probability", "uncertainty", "activation",
               "attribute")
CATEGORICAL_KINDS = ("labels", "prediction")

Source = Callable[[Any], "np.ndarray | None"]


class LayerEvents(SignalGroup):
    name = Signal(str)
    visible = Signal(bool)
    opacity = Signal(float)
    colormap = Signal(object)
    levels = Signal(object)
    data = Signal()  # the source's content changed: views ask it again


class Layer:
    """One display layer. Properties emit ``layer.events.<name>`` when they change.

    Parameters
    ----------
    name: unique name in its :class:`LayerList`.
    kind: one of :data:`LAYER_KINDS`.
    source: ``(SectionSpec) -> 2-D array or None``.
    visible, opacity: display switches (opacity 0..1).
    colormap: colour-map name, or an ``(n, 4)`` uint8 RGBA table for categorical layers.
    levels: ``(lo, hi)`` for continuous layers, ``None`` = automatic.
    meta: free-form dict for the owner (e.g. the model run id).
    """

    def __init__(self, name: str, kind: str, source: Source | None = None, *, visible: bool = True,
                 opacity: float = 1.0, colormap: Any = None, levels: tuple[float, float] | None = None,
                 meta: dict | None = None):
        if kind not in LAYER_KINDS:
            raise ValueError(f"layer kind must be one of {LAYER_KINDS}, not {kind!r}")
        self.events = LayerEvents()
        self.kind = kind
        self.source = source
        self.meta = dict(meta or {})
        self._name = str(name)
        self._visible = bool(visible)
        self._opacity = _check_opacity(opacity)
        self._colormap = colormap if colormap is not None else _default_cmap(kind)
        self._levels = _check_levels(levels)

    def __repr__(self) -> str:
        return f"Layer({self._name!r}, {self.kind!r}, visible={self._visible}, opacity={self._opacity})"

    @property
    def categorical(self) -> bool:
        return self.kind in CATEGORICAL_KINDS

    # -- evented properties ---------------------------------------------------
    @property
    def name(self) -> str:
        return self._name

    @name.setter
    def name(self, value: str) -> None:
        if value != self._name:
            self._name = str(value)
            self.events.name.emit(self._name)

    @property
    def visible(self) -> bool:
        return self._visible

    @visible.setter
    def visible(self, value: bool) -> None:
        if bool(value) != self._visible:
            self._visible = bool(value)
            self.events.visible.emit(self._visible)

    @property
    def opacity(self) -> float:
        return self._opacity

    @opacity.setter
    def opacity(self, value: float) -> None:
        value = _check_opacity(value)
        if value != self._opacity:
            self._opacity = value
            self.events.opacity.emit(value)

    @property
    def colormap(self) -> Any:
        return self._colormap

    @colormap.setter
    def colormap(self, value: Any) -> None:
        self._colormap = value
        self.events.colormap.emit(value)

    @property
    def levels(self) -> tuple[float, float] | None:
        return self._levels

    @levels.setter
    def levels(self, value: tuple[float, float] | None) -> None:
        value = _check_levels(value)
        if value != self._levels:
            self._levels = value
            self.events.levels.emit(value)

    # -- data -----------------------------------------------------------------
    def refresh(self) -> None:
        """Tell the views that ``source`` now returns different data."""
        self.events.data.emit()

    def data_for(self, spec) -> np.ndarray | None:
        """The source's array for ``spec`` (``None`` when there is none or it failed)."""
        if self.source is None:
            return None
        arr = self.source(spec)
        if arr is None:
            return None
        arr = np.asarray(arr)
        if arr.ndim != 2:
            raise ValueError(f"layer {self._name!r}: source returned a {arr.ndim}-D array, need 2-D")
        return arr


class LayerListEvents(SignalGroup):
    inserted = Signal(int, object)  # index, Layer
    removed = Signal(int, object)  # index, Layer
    moved = Signal(int, int)  # from index, to index
    changed = Signal(object, str)  # Layer, property name ("visible", "opacity", ..., "data")


class LayerList:
    """Ordered layers, bottom first. ``events.changed(layer, what)`` relays every layer's events."""

    def __init__(self, layers: list[Layer] | None = None):
        self.events = LayerListEvents()
        self._layers: list[Layer] = []
        self._relays: dict[int, list] = {}
        for layer in layers or []:
            self.append(layer)

    def __len__(self) -> int:
        return len(self._layers)

    def __iter__(self) -> Iterator[Layer]:
        return iter(list(self._layers))

    def __getitem__(self, key: int | str) -> Layer:
        if isinstance(key, str):
            for layer in self._layers:
                if layer.name == key:
                    return layer
            raise KeyError(f"no layer named {key!r}")
        return self._layers[key]

    def __contains__(self, key: object) -> bool:
        if isinstance(key, str):
            return any(layer.name == key for layer in self._layers)
        return any(layer is key for layer in self._layers)

    def index(self, layer: Layer | str) -> int:
        for i, x in enumerate(self._layers):
            if x is layer or x.name == layer:
                return i
        raise ValueError(f"{layer!r} is not in the layer list")

    def names(self) -> list[str]:
        return [x.name for x in self._layers]

    def overlays(self) -> list[Layer]:
        """Every layer except the seismic base layers, bottom first."""
        return [x for x in self._layers if x.kind != "seismic"]

    # -- mutation -------------------------------------------------------------
    def append(self, layer: Layer) -> Layer:
        return self.insert(len(self._layers), layer)

    def insert(self, index: int, layer: Layer) -> Layer:
        if not isinstance(layer, Layer):
            raise TypeError(f"expected a Layer, got {type(layer).__name__}")
        if layer.name in self:
            raise ValueError(f"a layer named {layer.name!r} exists already; remove it or rename")
        index = max(0, min(index, len(self._layers)))
        self._layers.insert(index, layer)
        self._connect(layer)
        self.events.inserted.emit(index, layer)
        return layer

    def remove(self, layer: Layer | str) -> Layer:
        i = self.index(layer)
        out = self._layers.pop(i)
        self._disconnect(out)
        self.events.removed.emit(i, out)
        return out

    def discard(self, name: str) -> None:
        if name in self:
            self.remove(name)

    def move(self, src: int, dst: int) -> None:
        n = len(self._layers)
        if not (0 <= src < n and 0 <= dst < n) or src == dst:
            return
        layer = self._layers.pop(src)
        self._layers.insert(dst, layer)
        self.events.moved.emit(src, dst)

    def clear_overlays(self) -> None:
        for layer in self.overlays():
            self.remove(layer)

    def _connect(self, layer: Layer) -> None:
        handles = []
        for what in ("name", "visible", "opacity", "colormap", "levels", "data"):
            sig = getattr(layer.events, what)

            def relay(*_args, _what=what, _layer=layer):
                self.events.changed.emit(_layer, _what)

            sig.connect(relay)
            handles.append((sig, relay))
        self._relays[id(layer)] = handles

    def _disconnect(self, layer: Layer) -> None:
        for sig, relay in self._relays.pop(id(layer), []):
            sig.disconnect(relay)


def _check_opacity(value: float) -> float:
    value = float(value)
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"opacity must be within 0..1, not {value}")
    return value


def _check_levels(levels):
    if levels is None:
        return None
    lo, hi = (float(v) for v in levels)
    if not (np.isfinite(lo) and np.isfinite(hi)) or hi <= lo:
        raise ValueError(f"levels must be finite with lo < hi, not {levels}")
    return (lo, hi)


def _default_cmap(kind: str) -> str:
    return {"seismic": "seismic", "labels": "tab10", "prediction": "tab10", "probability": "viridis",
            "uncertainty": "magma", "activation": "CET-D1", "attribute": "viridis"}[kind]
