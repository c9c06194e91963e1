"""Opening another survey is a clean slate: no layer, panel content, model or selection of the old
one stays on screen (real files, every panel of the window)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from seisview.qt import project_actions
from seisview.qt.main_window import MainWindow

torch.set_num_threads(1)


@pytest.fixture
def full_window(qtbot, tmp_path, monkeypatch):
    monkeypatch.setenv("SEISVIEW_HOME", str(tmp_path / "home"))
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    yield w
    if w.session.project is not None:
        w.session.project.close()
    w.files.shutdown()
    w.close()


def _open(qtbot, w, path) -> None:
    assert w.files.open_path(path) is not None
    qtbot.waitUntil(lambda: not w.files.worker.running and w.files.progress is None, timeout=30000)
    qtbot.wait(50)


def _overlays(w) -> list[str]:
    return [layer.name for layer in w.session.layers if layer.kind != "seismic"]


def test_another_survey_clears_layers_panels_model_and_selection(full_window, qtbot, shared_data, tmp_path):
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot

    w = full_window
    s = w.session
    _open(qtbot, w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    old_volume = s.volume
    project = project_actions.new_project(w, tmp_path / "f3.seisview")
    project.labels.paint(s.spec("inline"), [(100, 2), (100, 8)], 8, radius=3)
    w.workspaces.switch("Inspect")  # activations and crossplot on screen
    act = w.panels["activations"].widget()
    xp = w.panels["crossplot"].widget()
    training = w.panels["training"].widget()
    layers = training._ensure_layers(project)  # the overlays the Training dock shows a model with
    torch.manual_seed(0)
    snapshot = ModelSnapshot.of(build_model("unet", len(project.palette), base=4), "unet", {"base": 4},
                                version=1)
    with qtbot.waitSignal(act.page_shown, timeout=60000):
        s.models.set("facies", snapshot)  # what a training run does with each snapshot
    qtbot.waitUntil(lambda: s.spec("inline") in s.predictions.sections, timeout=60000)
    layers.probability.visible = True
    act.add_overlay(act.current.layer, int(act.current.channels[0]))
    rows = [{"a": f"time:{t}", "b": "", "layer": lay, "entropy": e, "energy": 1 - e, "homogeneity": e / 2,
             "contrast": e * 3, "correlation": 0.1}
            for t, e in ((600, 0.2), (700, 0.6)) for lay in ("raw", "enc0")]
    xp.set_rows(rows)
    xp.select([("time:600", "")])
    # what a finished run leaves in the Training dock (a real run is tested in test_ml_qt_panel)
    training._run_on = (s.volume, project)
    training.curves["loss"] = [(1, 0.9), (2, 0.5)]
    training._draw_curves()
    training.bar.setValue(1000)
    inline = w.section_views["inline"]
    assert {"prediction", "probability", "uncertainty"} <= set(_overlays(w))
    assert any(n.startswith("activation:") for n in _overlays(w))
    qtbot.waitUntil(lambda: inline.keys.legend.isVisible(), timeout=2000)  # strokes and prediction
    assert inline.overlay_items and inline.keys.overlay.isVisible()
    assert xp.rows and xp.selected and act.current is not None and not w.panels["crossplot"].isHidden()

    _open(qtbot, w, shared_data / "segy" / "segyio" / "f3.sgy")  # another survey
    assert s.volume is not old_volume and s.volume.shape == (23, 18, 75)
    qtbot.wait(300)  # the legends look again once the views are still
    # layers: only the seismic, in the session, the Layers dock and every view
    assert _overlays(w) == []
    assert w.layers_panel.list.count() == 1
    for v in (*w.section_views.values(), w.map_view):
        assert not v.overlay_items and not v.keys.overlay.isVisible() and not v.keys.legend.isVisible()
    # the model, its predictions, the project and its strokes
    assert s.models.get("facies") is None and not s.predictions.sections and s.project is None
    ctl = w.panels["labels"].widget().ctl
    assert all(ov.argb() is None or not ov.argb().any() for ov in ctl.overlays.values())
    # panels: no tiles, no statistics, no selection
    assert act.current is None and act.snapshot is None and "no model yet" in act.model_label.text()
    assert act._image is None or not act._image.isVisible()
    assert xp.rows == [] and xp.selected == [] and len(xp.xy) == 0 and not xp.scatters
    assert training.snapshot is None and training.bar.value() == 0
    assert all(not points for points in training.curves.values())
    # a model of the new survey brings its overlays back
    snapshot2 = ModelSnapshot.of(build_model("unet", 3, base=4), "unet", {"base": 4}, version=1)
    s.models.set("facies", snapshot2)
    assert {"prediction", "probability", "uncertainty"} <= set(_overlays(w))
    s.models.set("facies", None)


def test_gathers_after_gathers_clear_the_picker_and_a_velocity_map_does_not_stick(
        full_window, qtbot, shared_data):
    w = full_window
    s = w.session
    _open(qtbot, w, shared_data / "segy" / "volve" / "volve10-migvel-depth-sub3d.sgy")
    assert s.colormap == "viridis"  # a one-signed velocity cube
    _open(qtbot, w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    assert s.colormap == "seismic"  # seismic again: the velocity map was not the user's choice
    s.set_display(colormap="grey")
    _open(qtbot, w, shared_data / "segy" / "volve" / "volve10-migvel-depth-sub3d.sgy")
    _open(qtbot, w, shared_data / "segy" / "f3" / "F3_very_small.sgy")
    assert s.colormap == "grey"  # a map the user chose stays
    s.set_display(colormap="seismic")
    _open(qtbot, w, shared_data / "segy" / "volve" / "volve10-migvel-depth-sub3d.sgy")
    assert s.colormap == "viridis"
    w.section_views["inline"].on_hover(10.5, 3.5, True)
    qtbot.waitUntil(lambda: "amp" in w.readout.text(), timeout=2000)  # once per frame
    # first-break picker: the last prediction's "N traces picked" goes with its gathers
    _open(qtbot, w, shared_data / "firstbreaks" / "refrapy-02" / "field_example_02_shots_with_fb.sgy")
    assert s.colormap == "seismic"  # shot gathers after a velocity cube
    assert w.readout.text() == ""  # no read-out of the survey before
    fb = w.panels["first-breaks"].widget()
    fb.info.setText("216 traces picked; median confidence 0.91")
    fb.progress.setValue(1000)
    s.predictions.set_picks({(1, 1): (50.0, 0.9)})
    _open(qtbot, w, shared_data / "segy" / "segyio" / "small-ps.sgy")
    assert "traces picked" not in fb.info.text() and fb.progress.value() == 0
    assert s.predictions.picks == {} and np.all([not v.overlay_items for v in w.section_views.values()])
