"""The session's current models and their predictions: evented state every view follows.

:class:`ModelSlot` holds the newest model snapshot of each task ("facies",
"firstbreak"); :class:`PredictionStore` the newest facies prediction of each
section (and of the whole volume) and the predicted first-break picks. The
panels that train write them (in the GUI thread); the overlays, "label here
next", the activation and crossplot panels subscribe. Snapshots and predictions
are opaque objects here: core imports no torch.
"""

from __future__ import annotations

from psygnal import Signal, SignalGroup


class ModelSlotEvents(SignalGroup):
    changed = Signal(str, object)  # task, its snapshot (None: no model any more)


class ModelSlot:
    """The newest model snapshot per task."""

    def __init__(self) -> None:
        self.events = ModelSlotEvents()
        self._snapshots: dict[str, object] = {}

    def get(self, task: str):
        return self._snapshots.get(task)

    def set(self, task: str, snapshot) -> None:
        """Make ``snapshot`` the current model of ``task`` (None removes it); says so once."""
        if self._snapshots.get(task) is snapshot:
            return
        if snapshot is None:
            del self._snapshots[task]
        else:
            self._snapshots[task] = snapshot
        self.events.changed.emit(task, snapshot)

    def clear(self) -> None:
        for task in list(self._snapshots):
            self.set(task, None)


class PredictionEvents(SignalGroup):
    sections = Signal(object)  # {SectionSpec: prediction} just stored
    cube = Signal(object)  # (classes, confidence) of the whole volume, or None
    picks = Signal(object)  # {(gather key, channel): (time_ms, confidence)} just stored
    cleared = Signal()  # sections and cube dropped


class PredictionStore:
    """The newest predictions of the current models.

    ``sections``: ``{SectionSpec: prediction}`` (objects with ``classes``, ``probs``,
    ``entropy``, ``max_entropy``) of one snapshot ``version``: a newer version's first
    answer drops the older ones, an older version's answer is refused. ``cube``:
    ``(classes, confidence)`` arrays ``(il, xl, sample)`` of a whole-volume prediction.
    ``picks``: predicted first breaks.
    """

    def __init__(self) -> None:
        self.events = PredictionEvents()
        self.sections: dict[object, object] = {}
        self.version = 0
        self.cube: tuple | None = None
        self.picks: dict[tuple[int, int], tuple[float, float]] = {}

    def add_sections(self, version: int, predictions: dict) -> bool:
        """Store section predictions of snapshot ``version``; False when it is outdated."""
        if version < self.version:
            return False
        if version > self.version:
            self.sections.clear()  # older predictions of other sections are stale
        self.version = version
        self.sections.update(predictions)
        self.events.sections.emit(predictions)
        return True

    def set_cube(self, classes, confidence) -> None:
        self.cube = (classes, confidence)
        self.events.cube.emit(self.cube)

    def set_picks(self, picks: dict, replace: bool = False) -> None:
        """Store predicted picks (``replace``: they are all there are now)."""
        if replace:
            self.picks = dict(picks)
        else:
            self.picks.update(picks)
        self.events.picks.emit(picks)

    def clear_sections(self) -> None:
        """Another survey: no section or volume of it is predicted (the picks are the
        gathers', cleared by ``set_picks({}, replace=True)``)."""
        self.sections.clear()
        self.version = 0
        self.cube = None
        self.events.cleared.emit()
