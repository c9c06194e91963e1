"""The Training dock: train → overlays appear, label-here-next, pause/cancel, new strokes join."""

from types import SimpleNamespace

import numpy as np
import pytest

from seisview.core.section import SectionSpec
from seisview.core.session import Session
from seisview.io.project import Project
from seisview.ml.evaluation import thin_strokes

pytest.importorskip("PyQt6")


def _panel_on(tmp_path, qtbot, data, geom):
    """A Training dock on ``data`` written as a SEG-Y survey with a project for it."""
    from seisview.core.volume import Volume
    from seisview.io.segy import write_volume_segy
    from seisview.qt.training_panel import TrainingPanel

    write_volume_segy(tmp_path / "s.sgy", data, geom)
    project = Project.create(tmp_path / "p.seisview", tmp_path / "s.sgy")
    session = Session()
    session.open_volume(Volume(data, geom))
    session.project = project
    messages = []
    panel = TrainingPanel(SimpleNamespace(session=session, status=messages.append))
    qtbot.addWidget(panel)
    return panel, session, project


@pytest.fixture()
def setup(tmp_path, qtbot):
    import torch

    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.io.demo import demo_truth, demo_volume

    torch.set_num_threads(1)
    data = np.array(demo_volume().data[80:86, 10:90, :128], np.float32)
    truth = np.array(demo_truth()[80:86, 10:90, :128])
    geom = SurveyGeometry(LineAxis(1, 1, 6), LineAxis(1, 1, 80), 128, 4.0, 0.0)
    panel, session, project = _panel_on(tmp_path, qtbot, data, geom)
    panel.epochs.setValue(200)
    panel.minutes.setValue(0)
    yield panel, session, project, truth
    panel.shutdown()
    project.close()


def _paint(project, truth, il, fraction=0.06, classes=None):
    strokes = thin_strokes(truth[il].T, fraction=fraction)
    if classes is not None:
        strokes[~np.isin(strokes, classes)] = 0
    idx = np.flatnonzero(strokes)
    project.labels.apply({SectionSpec("inline", il): (idx, strokes.ravel()[idx])})


def test_train_shows_overlays_and_label_here_next_then_cancels(setup, qtbot):
    panel, session, project, truth = setup
    assert not panel.start()  # nothing painted yet: says so, starts nothing
    assert "no labels" in panel.status.text()
    _paint(project, truth, 3)
    session.set_position("inline", 3)
    assert panel.start() and panel.training
    layer = session.layers["prediction"]
    spec = session.spec("inline")
    qtbot.waitUntil(lambda: layer.data_for(spec) is not None, timeout=60000)
    classes = layer.data_for(spec)
    assert classes.shape == (128, 80) and classes.min() >= 1
    unc = session.layers["uncertainty"].data_for(spec)
    assert unc.shape == (128, 80) and 0 <= unc.min() and unc.max() <= 1
    # the worker coloured the shown overlay already: views only wrap its image
    from seisview.qt.colormaps import colorize

    ready = layer.meta["ready_image"](spec, classes, layer.colormap, layer.levels)
    assert ready is not None and ready[1].width() == 80 and ready[1].height() == 128
    np.testing.assert_array_equal(ready[0], colorize(classes, layer.colormap, layer.levels, True))
    assert layer.meta["ready_image"](spec, classes, "magma", layer.levels) is None  # another look
    qtbot.waitUntil(lambda: panel.next_list.count() > 0, timeout=30000)
    panel.next_list.item(0).setSelected(True)
    panel._jump(panel.next_list.item(0))
    il, xl, _ = panel.next_list.item(0).data(0x0100)
    assert session.il_idx == il and session.xl_idx == xl
    assert panel.curves["loss"]

    panel.pause_btn.setChecked(True)
    panel.cancel()
    # the job ends (a guard against a hang; how fast a cancel lands is measured, not asserted here)
    assert panel.worker.wait(60)
    qtbot.waitUntil(lambda: not panel.training, timeout=5000)
    qtbot.waitUntil(lambda: project.get_run(panel.run_id).status == "cancelled", timeout=5000)
    # the run records itself in its thread: the dock hears of its end a moment later
    qtbot.waitUntil(panel.start_btn.isEnabled, timeout=5000)


def test_new_strokes_join_the_running_training(setup, qtbot):
    panel, session, project, truth = setup
    _paint(project, truth, 1)
    ready = []
    # what the overlays, the activations and crossplot panels follow
    session.models.events.changed.connect(lambda task, snap: snap is not None and ready.append(snap))
    assert panel.start()
    seen = []
    panel.worker.message.connect(lambda m: getattr(m, "snapshot", None) is not None
                                 and hasattr(m, "metrics") and seen.append(m.metrics["n_labelled"]))
    qtbot.waitUntil(lambda: len(seen) >= 1, timeout=60000)
    _paint(project, truth, 4)
    qtbot.waitUntil(lambda: len(seen) >= 1 and seen[-1] > seen[0], timeout=60000)
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.training, timeout=5000)
    assert ready and ready[-1].version == panel.snapshot.version  # announced, ending on the kept one
    assert len({s.version for s in ready}) == len(ready)  # each version once


def test_new_predictions_redraw_only_the_shown_overlays(qtbot):
    """Each refresh makes every view recolour its overlays in the GUI thread: hidden ones stay quiet."""
    from seisview.qt.prediction_layers import PredictionLayers

    session = Session()
    layers = PredictionLayers(session)
    fired = []
    for layer in layers.layers:
        layer.events.data.connect(lambda layer=layer: fired.append(layer.name))
    layers._on_result(0, (1, {}))
    assert fired == ["prediction"]  # probability and uncertainty start hidden
    layers.uncertainty.visible = True
    fired.clear()
    layers._on_result(0, (2, {}))
    assert sorted(fired) == ["prediction", "uncertainty"]
    layers.close()


def test_views_draw_the_ready_overlay_image_and_colour_only_without_one(qtbot):
    from seisview.core.display_layers import Layer
    from seisview.qt.image_pane import ImagePane

    pane = ImagePane()
    qtbot.addWidget(pane)
    pane.array_shape = (4, 6)
    arr = np.full((4, 6), 2, np.uint8)
    table = np.zeros((3, 4), np.uint8)
    table[2] = (0, 0, 255, 255)
    made = np.zeros((4, 6, 4), np.uint8)
    layer = Layer("p", "prediction", source=lambda spec: arr, colormap=table,
                  meta={"ready_image": lambda spec, a, cmap, levels: (made, None) if a is arr else None})
    pane.draw_overlays([layer], None)
    assert pane.overlay_items[id(layer)].image is made  # not recoloured in the GUI thread
    layer.meta["ready_image"] = lambda *args: None
    pane.draw_overlays([layer], None)
    drawn = pane.overlay_items[id(layer)].image
    assert drawn is not made and (drawn == (0, 0, 255, 255)).all()


def test_volume_prediction_exports_class_and_probability_cubes(setup, qtbot, tmp_path):
    """Predict volume → Export SEG-Y… writes both cubes on the survey geometry, never over
    the survey or the project."""
    from seisview.io.segy import load

    panel, session, project, truth = setup
    assert not panel.export_btn.isEnabled()
    _paint(project, truth, 2)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.snapshot is not None, timeout=60000)
    assert panel.volume_btn.isEnabled()  # while training, from the first snapshot on
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.training, timeout=5000)
    panel.predict_volume()
    qtbot.waitUntil(lambda: panel.export_btn.isEnabled(), timeout=60000)
    classes, conf = panel.layers.cube
    for which, want in (("classes", classes), ("probability", conf)):
        job = panel.export_cube(tmp_path / f"{which}.sgy", which)
        qtbot.waitUntil(lambda job=job: not job.running and panel.export_btn.isEnabled(),
                        timeout=30000)
        assert "written" in panel.status.text()
        back = load(tmp_path / f"{which}.sgy")
        assert back.geometry.shape == session.volume.geometry.shape
        np.testing.assert_allclose(np.asarray(back.data), np.asarray(want, np.float32), rtol=1e-6)
    survey = tmp_path / "s.sgy"
    before = survey.read_bytes()
    assert panel.export_cube(survey) is None and "will not write" in panel.status.text()
    session.path = survey
    assert panel.export_cube(survey) is None and survey.read_bytes() == before
    assert panel.export_cube(project.path) is None


def test_label_here_next_follows_the_line_of_a_2d_survey(tmp_path, qtbot):
    """A 2-D line (N inlines x 1 crossline): the uncertain regions are along the line, not in
    the single-trace inline section."""
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.io.demo import demo_truth, demo_volume

    data = np.array(demo_volume().data[40:120, 60:61, :128], np.float32)
    truth = np.array(demo_truth()[40:120, 60, :128])
    geom = SurveyGeometry(LineAxis(1000, 1, 80), LineAxis(1155, 1, 1), 128, 4.0, 0.0)
    panel, session, project = _panel_on(tmp_path, qtbot, data, geom)
    try:
        strokes = thin_strokes(truth.T, fraction=0.06)
        idx = np.flatnonzero(strokes)
        project.labels.apply({SectionSpec("crossline", 0): (idx, strokes.ravel()[idx])})
        assert panel.start()
        qtbot.waitUntil(lambda: panel.next_list.count() > 0, timeout=60000)
        spots = [panel.next_list.item(i).data(0x0100) for i in range(panel.next_list.count())]
        assert all(xl == 0 for _il, xl, _s in spots) and len({il for il, _x, _s in spots}) > 1
        assert "crossline 1155" in panel.next_list.item(0).text()
    finally:
        panel.shutdown()
        project.close()


def test_another_survey_stops_the_run_and_drops_its_overlays(setup, qtbot):
    """Opening another survey while training: the run stops and is recorded in its own
    project; no overlay, model or 'label here next' of the old survey stays on the new one."""
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.core.volume import Volume

    panel, session, project, truth = setup
    _paint(project, truth, 2)
    session.set_position("inline", 2)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.next_list.count() > 0, timeout=60000)
    run = panel.run_id
    other = Volume(np.random.default_rng(0).normal(size=(6, 80, 128)).astype(np.float32),
                   SurveyGeometry(LineAxis(1, 1, 6), LineAxis(1, 1, 80), 128, 4.0, 0.0))
    session.open_volume(other)
    qtbot.waitUntil(lambda: not panel.training, timeout=5000)
    qtbot.waitUntil(lambda: project.get_run(run).status == "cancelled", timeout=5000)
    assert project.get_run(run).checkpoint
    qtbot.wait(300)  # late answers of the old run's predictions are dropped
    assert panel.snapshot is None and panel.next_list.count() == 0
    assert not panel.volume_btn.isEnabled()
    assert "prediction" not in session.layers  # the old model's overlays left the layer list


def test_closing_while_training_records_the_run_as_cancelled(setup, qtbot):
    panel, session, project, truth = setup
    _paint(project, truth, 2)
    assert panel.start()
    qtbot.waitUntil(lambda: panel.snapshot is not None, timeout=60000)
    panel.shutdown()  # the window closes: the run's end message is not handled any more
    run = project.get_run(panel.run_id)
    assert run.status == "cancelled" and run.checkpoint and run.checkpoint.endswith(".safetensors")
