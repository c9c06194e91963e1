"""Prediction, probability and uncertainty overlays in the Session's LayerList.

``PredictionLayers`` owns three layers (class map, probability of a chosen
class, softmax entropy) whose sources read the newest prediction of each
section. ``request(snapshot)`` re-predicts the visible sections in a worker
(latest request wins); a changed position re-predicts with the last snapshot.
A whole-volume prediction (``predict_volume`` job) also feeds time slices.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from seisview.core.layers import Layer
from seisview.core.section import SectionSpec
from seisview.qt.workers import LatestRunner

VERTICAL = ("inline", "crossline")


def _predict_specs(snapshot, volume, specs, *, state):
    """Worker body: predict the given sections with one snapshot."""
    from seisview.ml.inference import predict_section
    from seisview.qt.activation_panel import lower_thread_priority

    lower_thread_priority()
    out = {}
    for spec in specs:
        state.check()
        out[spec] = predict_section(snapshot, volume.section_array(spec))
    return snapshot.version, out


class PredictionLayers(QObject):
    """The three overlays and the newest prediction per section."""

    updated = pyqtSignal(object)  # {SectionSpec: SectionPrediction} just arrived
    failed = pyqtSignal(str)

    def __init__(self, session, palette=None, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.snapshot = None
        self.predictions: dict[SectionSpec, object] = {}
        self.cube: tuple[np.ndarray, np.ndarray] | None = None  # (classes, max prob) volume
        self.chosen_class = 1
        self.version = 0
        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.failed.connect(lambda _rid, end: self.failed.emit(end.message))
        lut = palette.lut() if palette is not None else "viridis"
        self.prediction = Layer("prediction", "prediction", source=self._classes,
                                colormap=lut, opacity=0.5)
        self.probability = Layer("probability", "probability", source=self._probability,
                                 colormap="viridis", levels=(0.0, 1.0), opacity=0.6, visible=False)
        self.uncertainty = Layer("uncertainty", "uncertainty", source=self._entropy,
                                 colormap="magma", levels=(0.0, 1.0), opacity=0.6, visible=False)
        self.layers = (self.prediction, self.probability, self.uncertainty)
        for layer in self.layers:
            if layer.name in session.layers:  # left by an earlier training panel
                session.layers.remove(layer.name)
            session.layers.append(layer)
        self._handle = session.events.position.connect(self._on_position)

    # -- sources (called by every view) ------------------------------------------------
    def _get(self, spec):
        p = self.predictions.get(spec)
        return p

    def _classes(self, spec):
        p = self._get(spec)
        if p is not None:
            return p.classes
        return self._from_cube(spec, 0)

    def _probability(self, spec):
        p = self._get(spec)
        if p is None or self.chosen_class > p.probs.shape[0]:
            return None
        return p.probs[self.chosen_class - 1]

    def _entropy(self, spec):
        p = self._get(spec)
        if p is None:
            return None
        return p.entropy / max(p.max_entropy, 1e-9)  # 0 = certain, 1 = uniform

    def _from_cube(self, spec, which: int):
        if self.cube is None:
            return None
        cube = self.cube[which]
        if spec.kind == "time":
            return cube[:, :, spec.index]
        if spec.kind == "inline":
            return cube[spec.index].T
        return cube[:, spec.index].T

    # -- updates ---------------------------------------------------------------------------
    def visible_specs(self) -> list[SectionSpec]:
        if self.session.volume is None:
            return []
        return [self.session.spec(k) for k in VERTICAL]

    def request(self, snapshot=None, specs=None) -> int | None:
        """Predict the visible sections (or ``specs``) with ``snapshot`` (default: the last)."""
        if snapshot is not None:
            self.snapshot = snapshot
        if self.snapshot is None or self.session.volume is None:
            return None
        specs = list(specs) if specs is not None else self.visible_specs()
        return self.runner.submit(_predict_specs, self.snapshot, self.session.volume, specs)

    def _on_result(self, _rid, result) -> None:
        version, preds = result
        if version < self.version:
            return  # an older snapshot's answer
        if version > self.version:
            self.predictions.clear()  # older predictions of other sections are stale
        self.version = version
        self.predictions.update(preds)
        self.refresh()
        self.updated.emit(preds)

    def set_cube(self, classes: np.ndarray, conf: np.ndarray) -> None:
        self.cube = (classes, conf)
        self.refresh()

    def set_chosen_class(self, class_id: int) -> None:
        self.chosen_class = int(class_id)
        self.probability.refresh()

    def refresh(self) -> None:
        # Each refresh makes every view redraw (and recolour) all its overlays, in the GUI
        # thread: refresh only the shown layers; a hidden one reads the newest data when
        # it is switched on.
        for layer in self.layers:
            if layer.visible:
                layer.refresh()

    def _on_position(self, kind, _idx) -> None:
        if kind in VERTICAL and self.snapshot is not None:
            spec = self.session.spec(kind)
            if spec not in self.predictions:
                self.request(specs=[spec])

    def close(self) -> None:
        self.session.events.position.disconnect(self._on_position)
        self.runner.cancel_all()
        for layer in self.layers:
            if layer in self.session.layers:
                self.session.layers.remove(layer)
