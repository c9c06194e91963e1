"""Seed 001 in the GUI: the Pretraining dock (start, live samples, cancel, the run recorded),
the latent walk ("seismic dreams": N frames, exact endpoints, GIF/PNG export), the
pretrained encoder starting a facies run, and bad inputs answered with one line."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec
from seisview.core.session import Session
from seisview.io.project import Project

pytest.importorskip("PyQt6")

TINY = {"widths": (4, 8, 16), "patch": (32, 16), "batch_size": 4, "threads": 1}


@pytest.fixture()
def survey(tmp_path):
    import torch

    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.core.volume import Volume
    from seisview.io.demo import demo_volume
    from seisview.io.segy import write_volume_segy

    torch.set_num_threads(1)
    data = np.array(demo_volume().data[80:86, 10:90, :128], np.float32)
    geom = SurveyGeometry(LineAxis(101, 1, 6), LineAxis(11, 1, 80), 128, 4.0, 0.0)
    write_volume_segy(tmp_path / "s.sgy", data, geom)
    project = Project.create(tmp_path / "p.seisview", tmp_path / "s.sgy")
    yield Volume(data, geom), project
    project.close()


def _dock(qtbot, session):
    from seisview.qt.pretrain_panel import PretrainPanel

    said: list[str] = []
    panel = PretrainPanel(SimpleNamespace(session=session, status=said.append))
    qtbot.addWidget(panel)
    panel.extra_config = dict(TINY)
    panel.snapshot_every = 5
    return panel


def _pretrained(project, vol, model: str, steps: int = 12, **cfg) -> str:
    """A finished pretraining run of ``project``; returns its checkpoint."""
    from seisview.ml.pretrain import PretrainConfig
    from seisview.ml.pretrain_data import survey_sections
    from seisview.ml.training_run import pretrain_run

    config = PretrainConfig(model=model, steps=steps, report_every=steps, **{**TINY, **cfg})
    run = pretrain_run(project, survey_sections(vol, 8), config)
    for _ in run.messages():
        pass
    assert run.status == "done" and run.checkpoint
    return run.checkpoint


def test_dock_trains_shows_samples_cancels_and_records(survey, qtbot):
    vol, project = survey
    session = Session()
    panel = _dock(qtbot, session)
    assert not panel.start()  # nothing open: one line, nothing recorded
    assert panel.status.text() == ("no survey is open to pretrain on; open a survey or shot "
                                   "gathers (File → Open) first")
    session.open_volume(vol)
    assert not panel.start() and panel.status.text().startswith("no project to keep the run in")
    session.project = project
    assert project.runs() == []
    panel.model.setCurrentText("gan")
    panel.steps.setValue(100000)
    assert panel.start() and panel.training
    qtbot.waitUntil(lambda: panel.preview is not None, timeout=60000)  # live samples
    assert panel.preview.shape == (1, 6, 32, 16) and np.isfinite(panel.preview).all()
    assert panel.preview.std() > 0
    assert panel.preview_view.image.image is not None
    panel.pause_btn.setChecked(True)
    assert panel.run.status == "paused" and panel.pause_btn.text() == "Resume"
    panel.pause_btn.setChecked(False)
    assert panel.run.status == "running"
    panel.cancel()
    qtbot.waitUntil(lambda: not panel.training, timeout=30000)
    run = project.runs("pretrain")[-1]
    assert (run.model, run.status) == ("gan", "cancelled") and run.checkpoint
    assert run.config["source"] == "gui" and run.config["data"] == "sections"
    assert "cancelled" in panel.status.text()
    # the run's model is offered to the walk at once
    assert panel.walk.run_box.currentData()["path"] == run.checkpoint
    panel.shutdown()


def test_interpolate_and_gan_walk_hit_the_endpoints_exactly(survey):
    from seisview.ml.latent_walk import PretrainedModel, gan_walk, interpolate

    a, b = np.random.default_rng(0).normal(size=(2, 64)).astype(np.float32)
    for how in ("linear", "slerp"):
        z = interpolate(a, b, 9, how)
        assert z.shape == (9, 64) and np.array_equal(z[0], a) and np.array_equal(z[-1], b)
    z = interpolate(a, b, 9, "slerp")  # on the arc: norms go evenly from one to the other
    np.testing.assert_allclose(np.linalg.norm(z, axis=1),
                               np.linspace(np.linalg.norm(a), np.linalg.norm(b), 9), rtol=1e-5)
    with pytest.raises(SeisviewError, match="a walk has 2 to"):
        interpolate(a, b, 1)

    vol, project = survey
    model = PretrainedModel(_pretrained(project, vol, "gan", steps=4))
    walk = gan_walk(model, 7, seed_a=3, seed_b=4)
    assert walk.frames.shape == (7, 32, 16)
    ends = model.generate(np.stack([model.latents(1, 3)[0], model.latents(1, 4)[0]]))
    np.testing.assert_allclose(walk.frames[[0, -1]], ends, atol=1e-6)
    assert not np.allclose(walk.frames[3], walk.frames[0])  # it does go somewhere


def test_autoencoder_walk_in_the_dock_and_export(survey, qtbot, tmp_path):
    from seisview.io.frame_export import read_gif_frames

    vol, project = survey
    ckpt = _pretrained(project, vol, "autoencoder")
    session = Session()
    session.open_volume(vol)
    session.project = project
    panel = _dock(qtbot, session)
    view = panel.walk
    assert view.run_box.currentData()["kind"] == "autoencoder"
    view.from_edit.setText("inline:101")
    view.to_edit.setText("inline:105")
    view.frames.setValue(6)
    assert view.start_walk()
    qtbot.waitUntil(lambda: view.walk is not None, timeout=30000)
    walk = view.walk
    assert walk.frames.shape == (6, 128, 80)
    from seisview.ml.latent_walk import PretrainedModel
    from seisview.ml.pretrain_data import scaled_section

    model = PretrainedModel(ckpt)
    a = scaled_section(vol, SectionSpec("inline", 0))[None]
    b = scaled_section(vol, SectionSpec("inline", 4))[None]
    za, zb = model.encode(np.stack([a, b]))
    assert np.array_equal(walk.latents[0], za) and np.array_equal(walk.latents[-1], zb)
    np.testing.assert_allclose(walk.frames[[0, -1]], model.decode(np.stack([za, zb])), atol=1e-5)

    gif = view.export(tmp_path / "walk.gif")
    frames = read_gif_frames(gif)
    assert frames.shape == (10, 128, 80)  # there and back: 6 + 4
    from seisview.io.frame_export import to_indices

    np.testing.assert_array_equal(frames[0], to_indices(walk.frames[:1], walk.clip)[0])
    png = view.export(tmp_path / "walk.png")
    from PIL import Image

    with Image.open(png) as img:
        assert img.size == (6 * 80 + 5 * 4, 128)
    assert view.export(tmp_path / "walk.jpg") is None
    assert view.info.text() == ("cannot export frames as .jpg; name the file .png (a strip) or "
                                ".gif (an animation)")
    # an endpoint that is not a section of this survey: one line, no walk started
    view.to_edit.setText("inline:999")
    assert not view.start_walk() and "inline" in view.info.text() and "\n" not in view.info.text()
    panel.shutdown()


def test_pretrained_encoder_starts_a_facies_run(survey, qtbot):
    import torch

    from seisview.ml.evaluation import thin_strokes
    from seisview.ml.latent_walk import PretrainedModel
    from seisview.ml.training import TrainConfig, build_for
    from seisview.qt.training_panel import TrainingPanel

    vol, project = survey
    ckpt = _pretrained(project, vol, "autoencoder", steps=4, widths=(16, 32, 64, 128))
    enc = PretrainedModel(ckpt).net.encoder
    net, _cfg, n = build_for(TrainConfig(model="unet", init=ckpt), 6)
    # both members of the default ensemble: 7 convolutions each (all but the coarse U-Net's
    # strided stem; they have no biases)
    assert n == 2 * 7
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert sum(torch.equal(c.weight, enc.blocks[3].conv2.weight) for c in convs) == 2

    session = Session()
    session.open_volume(vol)
    session.project = project
    panel = TrainingPanel(SimpleNamespace(session=session, status=lambda _m: None))
    qtbot.addWidget(panel)
    pre_id = project.runs("pretrain")[-1].id
    assert panel.init_box.choose_run(pre_id) and panel.init_box.checkpoint() == ckpt
    from seisview.io.demo import demo_truth

    strokes = thin_strokes(np.array(demo_truth()[82, 10:90, :128]).T, fraction=0.06)
    idx = np.flatnonzero(strokes)
    project.labels.apply({SectionSpec("inline", 2): (idx, strokes.ravel()[idx])})
    panel.epochs.setValue(1)
    panel.extra_config = {"steps_per_epoch": 2}
    assert panel.start()
    qtbot.waitUntil(lambda: not panel.training, timeout=60000)
    run = project.runs("facies")[-1]
    assert run.config["init"] == pre_id and run.status in ("done", "cancelled")
    panel.shutdown()


def test_wrong_kind_of_checkpoint_is_one_line(survey, qtbot, tmp_path):
    from seisview.ml.checkpoint import save_checkpoint
    from seisview.ml.latent_walk import pretraining_snapshot
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot
    from seisview.qt.training_panel import TrainingPanel

    vol, project = survey
    facies = ModelSnapshot.of(build_model("waldeland", 3), "waldeland", {})
    path = save_checkpoint(tmp_path / "facies", facies)
    with pytest.raises(SeisviewError, match="holds a waldeland facies model, not an autoencoder"):
        pretraining_snapshot(path)
    session = Session()
    session.open_volume(vol)
    session.project = project
    panel = _dock(qtbot, session)
    assert not panel.walk.add_checkpoint(str(path))
    assert panel.walk.info.text() == (
        "facies.safetensors holds a waldeland facies model, not an autoencoder or GAN "
        "pretraining run; choose a run made by the Pretraining dock or `seisview pretrain`")
    panel.shutdown()
    # an encoder whose widths fit no layer of the chosen facies model: said before any run
    _pretrained(project, vol, "autoencoder", steps=2)
    training = TrainingPanel(SimpleNamespace(session=session, status=lambda _m: None))
    qtbot.addWidget(training)
    assert training.init_box.choose_run(project.runs("pretrain")[-1].id)
    training.model.setCurrentText("waldeland")
    project.labels.apply({SectionSpec("inline", 2): (np.arange(0, 400, 7), np.full(58, 1 + np.arange(58) % 2))})
    n_runs = len(project.runs())
    assert not training.start()
    assert training.status.text().startswith("cannot start waldeland from run ")
    assert "no convolution of the pretrained encoder" in training.status.text()
    assert len(project.runs()) == n_runs
    training.shutdown()


def test_first_break_dock_offers_a_pretraining_run_that_ended_after_the_project_opened(qtbot, tmp_path):
    from PyQt6.QtCore import Qt

    from seisview.io.segy import write_gathers_segy
    from seisview.ml.pretrain import PretrainConfig
    from seisview.ml.training_run import pretrain_run
    from seisview.qt.firstbreak_panel import FirstBreakPanel
    from seisview.qt.main_window import MainWindow
    from tests.test_ml_firstbreak import synthetic_gathers

    gs, _truth = synthetic_gathers(n_gathers=2)
    write_gathers_segy(tmp_path / "shots.sgy", gs)
    project = Project.create(tmp_path / "p.seisview", tmp_path / "shots.sgy")
    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    panel = FirstBreakPanel(w)
    w.session.open_gathers(gs)
    w.session.project = project
    offered = lambda: [panel.init_box.itemText(i) for i in range(panel.init_box.count())]  # noqa: E731
    assert not any("autoencoder" in t for t in offered())
    run = pretrain_run(project, gs, PretrainConfig(steps=2, report_every=2, **TINY))
    for _ in run.messages():
        pass
    panel.init_box.setCurrentIndex(panel.init_box.count() - 1)
    chosen = panel.init_box.currentText()
    qtbot.mouseClick(panel.init_box, Qt.MouseButton.LeftButton)  # opening the list re-reads it
    panel.init_box.hidePopup()
    assert any(t.startswith(f"run {run.run_id}: autoencoder") for t in offered())
    assert panel.init_box.currentText() == chosen  # the choice is kept
    panel.shutdown()
    project.close()
