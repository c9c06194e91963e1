"""Attribute layers in the viewer: an Attributes menu and sources computed off the GUI thread.

Every ``attribute`` contribution of the plugin registry (the built-ins:
envelope, phase, frequency, RMS, band-pass, GLCM textures) becomes an entry
of the Attributes menu; choosing one adds a ``Layer(kind="attribute")`` that
every view (sections, map, 3-D) shows like the seismic. A GLCM section takes
up to a second on an F3 inline, so the layer's source never computes in the
GUI thread: a miss starts a worker (one per section kind, the latest request
wins), answers ``None`` for now, and the layer refreshes when the result is in.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

import numpy as np
from PyQt6.QtCore import QObject

from seisview.qt.workers import LatestRunner

log = logging.getLogger(__name__)


def _compute(fn, volume, spec, params, *, state=None):
    return spec.key(), np.asarray(fn(volume, spec, **params), np.float32)


class AsyncAttributeSource(QObject):
    """``(SectionSpec) -> array | None`` for a layer; computes misses in workers, then refreshes."""

    def __init__(self, volume, fn, params: dict | None = None, cache_size: int = 12, parent=None):
        super().__init__(parent)
        self.volume, self.fn, self.params = volume, fn, dict(params or {})
        self.cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self.cache_size = cache_size
        self.layer = None  # set by attach(); refreshed when a result arrives
        self.runners: dict[str, LatestRunner] = {}
        self._pending: dict[str, str] = {}  # section kind -> key being computed
        self.errors: list[str] = []

    def attach(self, layer) -> None:
        self.layer = layer

    def __call__(self, spec):
        key = spec.key()
        if key in self.cache:
            self.cache.move_to_end(key)
            return self.cache[key]
        if self._pending.get(spec.kind) != key:
            runner = self.runners.get(spec.kind)
            if runner is None:
                runner = self.runners[spec.kind] = LatestRunner(self)
                runner.result.connect(self._on_result)
                runner.failed.connect(self._on_failed)
            self._pending[spec.kind] = key
            runner.submit(_compute, self.fn, self.volume, spec, self.params, name="attribute")
        return None

    def compute_now(self, spec) -> np.ndarray:
        """Synchronous computation (tests, exports)."""
        key, arr = _compute(self.fn, self.volume, spec, self.params)
        self._store(key, arr)
        return arr

    def _store(self, key: str, arr: np.ndarray) -> None:
        self.cache[key] = arr
        while len(self.cache) > self.cache_size:
            self.cache.popitem(last=False)

    def _on_result(self, _rid: int, result) -> None:
        key, arr = result
        self._store(key, arr)
        self._pending = {k: v for k, v in self._pending.items() if v != key}
        if self.layer is not None:
            self.layer.refresh()

    def _on_failed(self, _rid: int, failed) -> None:
        self.errors.append(failed.message)
        log.warning("attribute layer: %s", failed.message)

    def shutdown(self) -> None:
        for r in self.runners.values():
            r.cancel_all()

    @property
    def busy(self) -> bool:
        return any(r.busy for r in self.runners.values())


def add_attribute_layer(session, name: str, **params):
    """Add the registry's attribute ``name`` of the open survey as a layer (returns it)."""
    from seisview.core.display_layers import Layer
    from seisview.core.errors import SeisviewError
    from seisview.plugins import registry

    if session.volume is None:
        raise SeisviewError("no post-stack survey is open", hint="open a survey first")
    c = registry.get_contribution("attribute", name)
    source = AsyncAttributeSource(session.volume, c.load(), params)
    label = f"attribute: {name}" + (f" ({', '.join(f'{k}={v}' for k, v in params.items())})" if params else "")
    if label in session.layers:
        return session.layers[label]
    layer = Layer(label, "attribute", source, colormap=(c.meta or {}).get("colormap", "viridis"),
                  meta={"attribute": name, "params": params, "async_source": source})
    source.attach(layer)
    session.layers.append(layer)
    return layer


def install_menu(main_window) -> None:
    """An Attributes menu with one entry per attribute contribution."""
    from seisview.plugins import registry

    menu = main_window.menu("Attributes")
    if menu.actions():
        return
    for c in registry.contributions("attribute"):
        act = menu.addAction(f"Add {c.name.replace('_', ' ')} layer")
        act.setToolTip(c.description)
        act.triggered.connect(lambda _=False, n=c.name: _add(main_window, n))


def _add(main_window, name: str) -> None:
    try:
        add_attribute_layer(main_window.session, name)
        main_window.status(f"attribute layer {name} added (computed in the background)")
    except Exception as exc:  # shown, never fatal
        main_window.status(str(exc))
