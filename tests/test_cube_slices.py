"""The whole-volume prediction's sections are read from its store off the GUI thread.

The overlay sources run on the GUI thread (every view asks them while it draws); a read of
the result store there stalled the event loop while a volume was predicted (a time slice
decodes a chunk layer of the whole survey, a crossline every chunk). These tests hand the
prediction layers a store-backed cube that records which thread reads it.
"""

from __future__ import annotations

import threading

import numpy as np
import pytest

from seisview.core.section import SectionSpec


class RecordingCube:
    """A zarr array that notes the thread of every read (and can be told to refuse reads)."""

    def __init__(self, array):
        self.array = array
        self.shape, self.dtype, self.chunks = array.shape, array.dtype, array.chunks
        self.ndim = 3
        self.threads: list[threading.Thread] = []

    def __getitem__(self, key):
        self.threads.append(threading.current_thread())
        return self.array[key]


@pytest.fixture
def predicted(tmp_path, qtbot):
    """A session on a small survey, its prediction layers, and a class cube in a zarr store
    chunked like a predict-volume result (columns of whole traces, 16 samples deep)."""
    import zarr

    from seisview.core.session import Session
    from seisview.core.volume import Volume
    from seisview.qt.prediction_layers import PredictionLayers

    shape = (24, 30, 40)
    rng = np.random.default_rng(3)
    session = Session()
    session.open_volume(Volume.from_array(rng.standard_normal(shape).astype(np.float32)))
    classes = rng.integers(1, 4, shape).astype(np.uint8)
    store = zarr.create_array(store=str(tmp_path / "classes.zarr"), shape=shape, chunks=(8, 30, 16),
                              dtype="uint8", fill_value=0)
    store[:12] = classes[:12]  # half the volume predicted so far
    cube = RecordingCube(store)
    layers = PredictionLayers(session)
    yield session, layers, cube, classes
    layers.close()


def _landed(layers):
    return not layers.slices.busy


def test_time_slice_is_read_off_the_gui_thread_and_fills_in(predicted, qtbot):
    session, layers, cube, classes = predicted
    layer = session.layers["prediction"]
    t = SectionSpec("time", 17)
    layers.set_cube(cube, np.zeros(cube.shape, np.float32))
    layer.data_for(t)  # asks; the answer comes from a worker
    qtbot.waitUntil(lambda: layer.data_for(t) is not None and _landed(layers), timeout=10000)
    want = classes[:, :, 17].copy()
    want[12:] = 0  # not predicted yet: transparent
    np.testing.assert_array_equal(layer.data_for(t), want)
    # the job writes more chunks: until the new read lands the view keeps the slice it had
    cube.array[12:] = classes[12:]
    layers.cube_grew()
    before = layer.data_for(t)
    assert before is not None  # no blink while the slice is read again
    qtbot.waitUntil(lambda: _landed(layers) and (layer.data_for(t) == classes[:, :, 17]).all(),
                    timeout=10000)
    assert cube.threads and threading.main_thread() not in cube.threads
    assert {th.name for th in cube.threads} == {"seisview-cube-slice"}


def test_gui_thread_never_reads_the_cube_for_any_section_kind(predicted, qtbot):
    """Every kind of section, and a scrub of the time slice: answers come from the workers;
    while the next slice is read the previous one stays (no empty overlay)."""
    session, layers, cube, classes = predicted
    cube.array[...] = classes
    layer = session.layers["prediction"]
    layers.set_cube(cube, np.zeros(cube.shape, np.float32))
    want = {SectionSpec("inline", 5): classes[5].T, SectionSpec("crossline", 29): classes[:, 29].T,
            SectionSpec("time", 0): classes[:, :, 0]}
    for spec, arr in want.items():
        layer.data_for(spec)
        qtbot.waitUntil(lambda spec=spec: layer.data_for(spec) is not None and _landed(layers),
                        timeout=10000)
        np.testing.assert_array_equal(layer.data_for(spec), arr)
    shown = layer.data_for(SectionSpec("time", 0))
    for k in range(1, 6):  # a scrub: each step answers at once, the last one wins
        got = layer.data_for(SectionSpec("time", k))
        assert got is not None and got.shape == shown.shape
    qtbot.waitUntil(lambda: _landed(layers), timeout=10000)
    np.testing.assert_array_equal(layer.data_for(SectionSpec("time", 5)), classes[:, :, 5])
    assert threading.main_thread() not in cube.threads


def test_map_draws_the_cube_slice_when_it_lands_and_keeps_it_while_it_grows(predicted, qtbot):
    from seisview.qt.map_view import MapView

    session, layers, cube, classes = predicted
    view = MapView(session)
    qtbot.addWidget(view)
    layer = session.layers["prediction"]
    layers.set_cube(cube, np.zeros(cube.shape, np.float32))
    qtbot.waitUntil(lambda: id(layer) in view.overlay_items and _landed(layers), timeout=10000)
    item = view.overlay_items[id(layer)]
    cube.array[12:] = classes[12:]
    layers.cube_grew()
    layers.refresh()  # any redraw meanwhile keeps the overlay
    assert view.overlay_items.get(id(layer)) is item
    qtbot.waitUntil(lambda: _landed(layers), timeout=10000)
    assert threading.main_thread() not in cube.threads
    view.close()


def test_another_survey_drops_the_cube_slices(predicted, qtbot):
    session, layers, cube, _classes = predicted
    layer = session.layers["prediction"]
    t = SectionSpec("time", 3)
    layers.set_cube(cube, np.zeros(cube.shape, np.float32))
    layer.data_for(t)
    qtbot.waitUntil(lambda: layer.data_for(t) is not None and _landed(layers), timeout=10000)
    old_generation = layers.slices.generation
    session.predictions.clear_sections()
    assert layer.data_for(t) is None and layers.slices.last == {}
    # a read of the old cube already queued when it was cleared never shows on the next one
    layers.set_cube(np.zeros((2, 3, 4), np.uint8), np.zeros((2, 3, 4), np.float32))
    layers.slices._on_result(0, (t.key(), old_generation, np.ones((24, 30), np.uint8)))
    assert t.key() not in layers.slices.cache
    qtbot.waitUntil(lambda: _landed(layers), timeout=10000)
