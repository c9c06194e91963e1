"""The session's current models and predictions: core state (no Qt, no torch) that every
panel follows."""

from __future__ import annotations

import numpy as np

from seisview.core.gathers import GatherSet
from seisview.core.section import SectionSpec
from seisview.core.session import Session
from seisview.core.volume import Volume


class _Snap:  # snapshots are opaque to core: anything the trainer made
    def __init__(self, version):
        self.version = version


class _Pred:
    classes = np.ones((4, 5), np.uint8)


def _volume(seed=0):
    return Volume.from_array(np.random.default_rng(seed).normal(size=(3, 5, 4)).astype(np.float32))


def test_the_model_slot_says_each_new_model_once():
    s = Session()
    heard = []
    s.models.events.changed.connect(lambda task, snap: heard.append((task, snap)))
    a, b = _Snap(1), _Snap(2)
    s.models.set("facies", a)
    s.models.set("facies", a)  # the same model: nothing new
    s.models.set("firstbreak", b)
    assert s.models.get("facies") is a and s.models.get("firstbreak") is b
    s.models.set("facies", None)
    assert heard == [("facies", a), ("firstbreak", b), ("facies", None)]
    assert s.models.get("facies") is None


def test_predictions_of_an_older_model_are_refused_and_a_newer_one_replaces_them():
    s = Session()
    heard = []
    s.predictions.events.sections.connect(heard.append)
    il, xl = SectionSpec("inline", 1), SectionSpec("crossline", 2)
    assert s.predictions.add_sections(2, {il: _Pred()})
    assert not s.predictions.add_sections(1, {xl: _Pred()})  # an older snapshot's late answer
    assert set(s.predictions.sections) == {il} and len(heard) == 1
    assert s.predictions.add_sections(3, {xl: _Pred()})
    assert set(s.predictions.sections) == {xl} and s.predictions.version == 3


def test_another_survey_is_a_clean_slate_for_its_own_kind_of_model():
    s = Session()
    s.open_volume(_volume())
    s.models.set("facies", _Snap(1))
    s.models.set("firstbreak", _Snap(1))
    s.predictions.add_sections(1, {SectionSpec("inline", 0): _Pred()})
    s.predictions.set_cube(np.ones((3, 5, 4), np.uint8), np.ones((3, 5, 4), np.float32))
    s.predictions.set_picks({(1, 1): (10.0, 0.9)})
    gathers = GatherSet(np.zeros((2, 8), np.float32), np.array([1, 1]), np.array([1, 2]),
                        np.array([0.0, 1.0]), 1.0)
    s.open_gathers(gathers)  # gathers beside the volume: its facies model stays
    assert s.models.get("facies") is not None and s.predictions.sections and s.predictions.cube
    assert s.models.get("firstbreak") is None and s.predictions.picks == {}
    s.open_volume(_volume(1))
    assert s.models.get("facies") is None
    assert not s.predictions.sections and s.predictions.cube is None
