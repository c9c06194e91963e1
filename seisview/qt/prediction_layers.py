"""Prediction, probability and uncertainty overlays in the Session's LayerList.

``PredictionLayers`` owns three layers (class map, probability of a chosen
class, softmax entropy) whose sources read the session's prediction store
(``session.predictions``, core). It follows the session's current facies
model (``session.models``): each new one re-predicts the visible sections in a
worker (latest request wins) into the store; a changed position re-predicts
with the current model. A whole-volume prediction in the store also feeds time
slices (and sections not predicted on their own), read from its store in workers
(``qt/cube_slices.py``): the GUI thread never reads the store.
"""

from __future__ import annotations

import numpy as np
from PyQt6.QtCore import QObject, pyqtSignal

from seisview.core.display_layers import Layer
from seisview.core.section import SectionSpec
from seisview.qt.cube_slices import CubeSlices
from seisview.qt.workers import LatestRunner


def _same_array(a, b) -> bool:
    """``b`` is ``a`` or a fresh view of the same pixels (``probs[c]`` is a new object each time)."""
    return a is b or (a.shape == b.shape and a.strides == b.strides
                      and a.__array_interface__["data"][0] == b.__array_interface__["data"][0])

VERTICAL = ("inline", "crossline")


def _predict_specs(snapshot, volume, specs, looks=None, exclude=None, threads=None, *, state):
    """Worker body: predict the given sections with one snapshot, and prepare their display.

    Everything the GUI thread would otherwise do per new prediction happens here:
    the normalised entropy, the overlay images of the shown layers in their current
    colour map and levels (``looks``: ``{layer name: (colormap, levels, categorical,
    class id)}``) and the "label here next" boxes of sections in ``exclude``
    (``{spec: labelled mask}``). Returns ``(version, {spec: SectionView})``.
    """
    from seisview.ml.device import use_threads
    from seisview.ml.inference import predict_section
    from seisview.ml.suggest import rank_predictions
    from seisview.qt.colormaps import colorize
    from seisview.qt.fast_image import rgba_qimage

    use_threads(threads)
    out = {}
    for spec in specs:
        state.check()
        p = predict_section(snapshot, volume.section_array(spec))
        view = PredictionView(p, p.entropy / max(p.max_entropy, 1e-9))
        for name, (cmap, levels, categorical, class_id) in (looks or {}).items():
            arr = view.array(name, class_id)
            if arr is not None:
                rgba = colorize(arr, cmap, levels, categorical)
                view.images[name] = (arr, _look_key(cmap, levels), rgba, rgba_qimage(rgba))
        if exclude and spec in exclude:
            view.regions = rank_predictions(volume, {spec: p}, {spec: exclude[spec]})
        out[spec] = view
    return snapshot.version, out


def _look_key(cmap, levels):
    return (cmap if isinstance(cmap, str) else id(cmap), None if levels is None else tuple(levels))


class PredictionView:
    """One section's prediction with what its overlays show, made once in the worker."""

    def __init__(self, prediction, uncertainty):
        self.prediction = prediction
        self.uncertainty = uncertainty  # entropy / max entropy: 0 = certain, 1 = uniform
        self.images: dict[str, tuple] = {}  # layer name -> (array, look key, rgba, QImage)
        self.regions = None  # "label here next" boxes, when asked for

    def __getattr__(self, name):  # probs, classes, entropy, max_entropy of the prediction
        if name.startswith("__") or "prediction" not in self.__dict__:
            raise AttributeError(name)
        return getattr(self.__dict__["prediction"], name)

    def array(self, layer: str, class_id: int = 1):
        p = self.prediction
        if layer == "prediction":
            return p.classes
        if layer == "probability":
            return p.probs[class_id - 1] if class_id <= p.probs.shape[0] else None
        if layer == "uncertainty":
            return self.uncertainty
        return None


class PredictionLayers(QObject):
    """The three overlays of the current facies model's predictions."""

    failed = pyqtSignal(str)

    def __init__(self, session, palette=None, parent: QObject | None = None):
        super().__init__(parent)
        self.session = session
        self.store = session.predictions
        self.chosen_class = 1
        self.runner = LatestRunner(self)
        self.runner.result.connect(self._on_result)
        self.runner.failed.connect(lambda _rid, end: self.failed.emit(end.message))
        self.slices = CubeSlices(self._on_slice_read, parent=self)  # the cube's, off the GUI thread
        lut = palette.lut() if palette is not None else "viridis"
        ready = {"ready_image": self._ready_image}
        self.prediction = Layer("prediction", "prediction", source=self._classes,
                                colormap=lut, opacity=0.5, meta=ready)
        self.probability = Layer("probability", "probability", source=self._probability,
                                 colormap="viridis", levels=(0.0, 1.0), opacity=0.6, visible=False,
                                 meta=ready)
        self.uncertainty = Layer("uncertainty", "uncertainty", source=self._entropy,
                                 colormap="magma", levels=(0.0, 1.0), opacity=0.6, visible=False,
                                 meta=ready)
        self.layers = (self.prediction, self.probability, self.uncertainty)
        for layer in self.layers:
            if layer.name in session.layers:  # left by an earlier training panel
                session.layers.remove(layer.name)
            session.layers.append(layer)
        self._volume = session.volume  # the survey the predictions belong to
        self._asked: dict[int, object] = {}  # request id -> the volume it predicts
        self._handles = [(session.events.position, self._on_position),
                         (session.events.survey, self._on_survey),
                         (session.models.events.changed, self._on_model),
                         (self.store.events.sections, self._on_stored),
                         (self.store.events.cube, self._on_cube),
                         (self.store.events.cleared, self._on_cleared)]
        for sig, slot in self._handles:
            sig.connect(slot)

    # -- the store's content -----------------------------------------------------------
    @property
    def snapshot(self):
        """The model the overlays show (the session's current facies model)."""
        return self.session.models.get("facies")

    @property
    def predictions(self) -> dict:
        return self.store.sections

    @property
    def cube(self) -> tuple[np.ndarray, np.ndarray] | None:
        return self.store.cube  # (classes, max prob) of the whole volume

    @property
    def version(self) -> int:
        return self.store.version

    # -- sources (called by every view) ------------------------------------------------
    def _get(self, spec):
        p = self.predictions.get(spec)
        return p

    def _classes(self, spec):
        p = self._get(spec)
        if p is not None:
            return p.classes
        return self.slices.get(spec)  # the whole-volume prediction's, read in a worker

    def _probability(self, spec):
        p = self._get(spec)
        if p is None or self.chosen_class > p.probs.shape[0]:
            return None
        return p.probs[self.chosen_class - 1]

    def _entropy(self, spec):
        p = self._get(spec)
        if p is None:
            return None
        if isinstance(p, PredictionView):
            return p.uncertainty
        return p.entropy / max(p.max_entropy, 1e-9)  # 0 = certain, 1 = uniform

    def _ready_image(self, spec, arr, cmap, levels):
        """The worker's overlay image of ``arr`` if it was coloured with this look (else None)."""
        p = self._get(spec)
        if not isinstance(p, PredictionView):
            return None
        for arr0, key, rgba, qimage in p.images.values():
            if key == _look_key(cmap, levels) and _same_array(arr0, arr):
                return rgba, qimage
        return None

    def _looks(self) -> dict:
        """What the shown layers look like now (the worker colours their images so)."""
        return {layer.name: (layer.colormap, layer.levels, layer.categorical, self.chosen_class)
                for layer in self.layers if layer.visible}

    # -- updates ---------------------------------------------------------------------------
    def visible_specs(self) -> list[SectionSpec]:
        if self.session.volume is None:
            return []
        return [self.session.spec(k) for k in VERTICAL]

    def _on_model(self, task: str, snapshot) -> None:
        if task != "facies":
            return
        if snapshot is None:  # no model (another survey): no overlays of it in the layer list
            for layer in self.layers:
                if layer in self.session.layers:
                    self.session.layers.remove(layer)
            return
        for layer in self.layers:  # back with the next model
            if layer not in self.session.layers:
                self.session.layers.append(layer)
        self.request(snapshot)

    def request(self, snapshot=None, specs=None) -> int | None:
        """Predict the visible sections (or ``specs``) with ``snapshot`` (default: the current
        model)."""
        model = snapshot if snapshot is not None else self.snapshot
        if model is None or self.session.volume is None:
            return None
        from seisview.ml.device import background_threads

        specs = list(specs) if specs is not None else self.visible_specs()
        project = self.session.project
        exclude = {}
        from seisview.ml.inference import volume_section_kind

        main = self.session.spec(volume_section_kind(self.session.volume))  # label-here-next's
        if main in specs and project is not None and hasattr(project, "labels"):
            exclude[main] = np.array(project.labels.mask(main))  # a copy: painting goes on
        # a new snapshot lets the running prediction finish (snapshots can come faster than
        # predictions on busy cores: cancelling each for the next would show none); a moved
        # section cancels it (latest wins)
        rid = self.runner.submit(_predict_specs, model, self.session.volume, specs,
                                 self._looks(), exclude, background_threads(),
                                 finish_running=snapshot is not None, name="predict", nice=5)
        # answers come only for the newest requests: older entries would only hold volumes
        self._asked = {r: v for r, v in self._asked.items() if r > rid - 32}
        self._asked[rid] = self.session.volume
        return rid

    def _on_result(self, rid, result) -> None:
        if self._asked.pop(rid, None) is not self.session.volume:
            return  # asked of a survey no longer open
        self.store.add_sections(*result)  # an older snapshot's answer is refused there

    def _on_stored(self, _what) -> None:
        self.refresh()

    def set_cube(self, classes: np.ndarray, conf: np.ndarray) -> None:
        self.store.set_cube(classes, conf)

    def _on_cube(self, cube) -> None:
        self.slices.set_cube(None if cube is None else cube[0])
        self.refresh()

    def cube_grew(self) -> None:
        """More of the volume is predicted (a running job): the shown sections are read again
        and redrawn when they land."""
        self.slices.grew()

    def _on_slice_read(self, spec) -> None:
        # a section whose own prediction landed first does not show the cube's: no redraw
        # (each redraws every view's overlays, ~2.3 ms of the GUI thread)
        if self.prediction.visible and spec not in self.predictions:
            self.prediction.refresh()

    def _on_cleared(self) -> None:
        self.slices.clear()
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

    def _on_survey(self, _session) -> None:
        """Another survey: its sections are not the ones predicted (gathers opened beside
        the same volume change nothing)."""
        if self.session.volume is self._volume:
            return
        self._volume = self.session.volume
        self.runner.cancel_all(wait=None)
        self._asked.clear()
        self.store.clear_sections()  # (the session did already when it opened the survey)

    def _on_position(self, kind, _idx) -> None:
        if kind in VERTICAL and self.snapshot is not None:
            spec = self.session.spec(kind)
            if spec not in self.predictions:
                self.request(specs=[spec])

    def close(self) -> None:
        for sig, slot in self._handles:
            sig.disconnect(slot)
        self._handles = []
        self.runner.cancel_all()
        self.slices.shutdown()
        for layer in self.layers:
            if layer in self.session.layers:
                self.session.layers.remove(layer)
