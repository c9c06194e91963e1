"""The synthetic shot gathers, the shipped first-break picker and where it is the default."""

from __future__ import annotations

import numpy as np
import pytest

from seisview.core.fb_synthetic import (
    GENERATOR_VERSION,
    ONSET_LEVEL,
    gathers,
    onset_delay_ms,
    random_gather,
    wavelet,
)

REFRAPY = "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy"


def test_wavelet_onset_is_where_its_envelope_reaches_the_level():
    for f, rise in ((10.0, 3.0), (60.0, 1.0), (200.0, 0.3)):
        d = onset_delay_ms(f, rise)
        T = rise / (np.pi * f) * 1000.0  # envelope peak (ms)
        env = (np.array([d, 0.9 * d]) / T) ** rise * np.exp(rise * (1 - np.array([d, 0.9 * d]) / T))
        assert 0 <= d < T and env[0] == pytest.approx(ONSET_LEVEL, rel=1e-6)
        assert env[1] < ONSET_LEVEL
        assert wavelet(np.array([-1.0, 0.0]), f, rise, 0.5).tolist() == [0.0, 0.0]  # causal


def test_generated_picks_match_the_onsets():
    """Clean gathers (arrivals only): nothing above the onset level before each true first
    break, and the first arrival within one period after it, on every trace."""
    rng = np.random.default_rng(11)
    for _ in range(12):
        g = random_gather(rng, clean=True)
        t = np.arange(g.data.shape[1]) * g.dt_ms
        period = 1000.0 / g.params["freq_hz"]
        for j in range(g.n_traces):
            x = np.abs(g.data[j].astype(np.float64))
            early = x[t < g.fb_ms[j] - g.dt_ms].max(initial=0.0)
            first = x[(t >= g.fb_ms[j]) & (t < g.fb_ms[j] + 1.5 * period)].max(initial=0.0)
            assert early <= ONSET_LEVEL * 1.05 * first + 1e-12, (j, early, first, g.params)
            assert first > 0.0
        assert np.isfinite(g.fb_ms).all() and g.fb_ms.max() < t[-1]


def test_generator_is_deterministic_and_varied():
    a, b = gathers(5, 20), gathers(5, 20)
    assert all(np.array_equal(x.data, y.data) and np.array_equal(x.fb_ms, y.fb_ms, equal_nan=True)
               for x, y in zip(a, b, strict=True))
    dts = {g.dt_ms for g in a}
    spreads = {g.params["spread"] for g in a}
    assert len(dts) >= 3 and len(spreads) >= 2
    assert {g.params["polarity"] for g in a} == {-1, 1}
    for g in a:  # every first break inside the record, dead traces without one
        dead = np.isnan(g.fb_ms)
        assert dead.sum() == g.params["dead"]
        peaks = np.abs(g.data).max(axis=1)
        assert (peaks[dead] < 1e-3 * np.median(peaks[~dead])).all()
        assert np.nanmax(g.fb_ms) < g.data.shape[1] * g.dt_ms
        assert 0.125 <= g.dt_ms <= 4 and 1 <= g.params["group_m"] <= 50


def test_shipped_picker_header_and_size():
    from seisview.ml.checkpoint import checkpoint_header
    from seisview.ml.fb_pretrained import PRETRAINED_PATH, pretrained_snapshot

    assert PRETRAINED_PATH.is_file() and PRETRAINED_PATH.stat().st_size < 5e6
    meta = checkpoint_header(PRETRAINED_PATH)["snapshot"]["meta"]
    assert meta["generator"] == GENERATOR_VERSION  # retrain when the generator changes
    assert meta["recipe"]["script"] == "scripts/train_fb_picker.py" and "seed" in meta["recipe"]
    snap = pretrained_snapshot()
    assert snap.model == "fb-unet" and snap.meta["task"] == "firstbreak"
    assert tuple(snap.config["widths"]) == (16, 32, 64, 128)  # the defaults: fine-tuning fits


def test_zero_shot_picks_the_real_shots(shared_data):
    """No hand pick used: the shipped picker on the 9 real refrapy shots, with the AIC
    onsets (its default) and without. Measured within 2 ms: 56 % and 37 %, STA/LTA 53 %:
    level with it, not far above (docs/measurements.md, "Onset refinement and
    continuity"). What holds with margin: the onsets place clearly more picks within 2 ms
    than the network's steps alone, both more than twice the first
    shipped picker's 16 %, most picks within 8 ms (measured 81 % and 83 %) and a median
    error under 3 ms (1.8 and 2.6 ms), where a network that learnt nothing from the
    synthetic gathers lands far off (an untrained one: none within 8 ms)."""
    from seisview.io.segy import load
    from seisview.ml.fb_data import picks_from_headers
    from seisview.ml.fb_pretrained import zero_shot_picks

    gs = load(shared_data / REFRAPY)
    truth = picks_from_headers(gs)
    within = {}
    for refine in (True, False):
        pred = zero_shot_picks(gs, onset=None if refine else False)
        assert len(pred) == 216
        err = np.array([pred[k][0] - t for k, t in truth.items()])
        assert err.size == 207
        within[refine] = np.mean(np.abs(err) <= 2.0)
        assert within[refine] >= 0.30, within
        assert np.mean(np.abs(err) <= 8.0) >= 0.70, np.mean(np.abs(err) <= 8.0)
        assert np.median(np.abs(err)) <= 4.0, np.median(np.abs(err))
    assert within[True] >= max(within[False] + 0.08, 0.45), within


def test_training_starts_from_the_shipped_picker_by_default(tmp_path, monkeypatch):
    """`seisview train --task firstbreak` fine-tunes the shipped picker unless told
    `--init scratch`; a short real run loads its weights."""
    import seisview.ml.firstbreak as fb
    from seisview.cli import main
    from seisview.core.errors import SeisviewError
    from seisview.io.demo import demo_gatherset
    from seisview.io.project import Project
    from seisview.io.segy import write_gathers_segy
    from seisview.ml.fb_data import picks_from_headers

    gs = demo_gatherset()
    write_gathers_segy(tmp_path / "shots.sgy", gs)
    truth = picks_from_headers(gs)
    with Project.create(tmp_path / "p.seisview", tmp_path / "shots.sgy") as p:
        p.picks.set_many({k: v for k, v in truth.items() if k[0] == 1})
    seen = []
    real_train = fb.train

    def spy(config, data, state, relabel=None):
        seen.append(config.init)
        if len(seen) < 3:
            raise SeisviewError("stopped by the test")
        return real_train(config, data, state, relabel=relabel)

    monkeypatch.setattr(fb, "train", spy)
    proj = str(tmp_path / "p.seisview")
    assert main(["train", proj, "--task", "firstbreak", "--quiet"]) == 2
    assert main(["train", proj, "--task", "firstbreak", "--init", "scratch", "--quiet"]) == 2
    assert seen == ["pretrained", "scratch"]
    assert main(["train", proj, "--task", "firstbreak", "--epochs", "1", "--steps-per-epoch",
                 "2", "--batch-size", "2", "--quiet"]) == 0
    with Project.open(proj) as p:
        run = p.runs("firstbreak")[-1]
        from seisview.ml.checkpoint import load_checkpoint

        assert "pretrained picker" in load_checkpoint(run.checkpoint).meta["init"]


def test_panel_defaults_to_the_shipped_picker_and_picks_zero_shot(qtbot, tmp_path):
    from seisview.io.demo import demo_gatherset
    from seisview.ml.fb_pretrained import FINE_TUNE_STEPS
    from seisview.qt.firstbreak_panel import FirstBreakPanel
    from seisview.qt.main_window import MainWindow

    gs = demo_gatherset()
    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    panel = FirstBreakPanel(w)
    try:
        assert panel.init_box.currentData() == "pretrained"
        assert panel.steps.value() == FINE_TUNE_STEPS  # the measured count of each start
        panel.steps.setValue(300)
        panel.init_box.setCurrentIndex(panel.init_box.findData("scratch"))
        assert panel.steps.value() == 1500
        assert panel.refinement() == {"onset": None, "continuity": False}
        panel.continuity_box.setChecked(True)
        panel.onset_box.setCurrentIndex(2)
        assert panel.refinement() == {"onset": False, "continuity": True}
        w.session.open_gathers(gs)
        w.session.set_gather(3)
        assert panel.predict_btn.isEnabled()  # no project, no pick, no run: zero-shot
        panel.start_prediction([3])
        qtbot.waitUntil(lambda: panel.worker is None and bool(panel.predictions), timeout=60000)
        assert len(panel.predictions) == 96 and "shipped picker" in panel.info.text()
        assert w.gather_view.marks["fb-predicted"] is not None
    finally:
        panel.shutdown()


def test_cli_picks_a_segy_file_zero_shot(tmp_path, shared_data, capsys):
    from seisview.cli import main

    out = tmp_path / "picks.csv"
    assert main(["picks", "predict", str(shared_data / REFRAPY), "--out", str(out)]) == 0
    lines = out.read_text().splitlines()
    assert lines[0] == "ffid,channel,time_ms,confidence" and len(lines) == 217
    plain = tmp_path / "plain.csv"
    assert main(["picks", "predict", str(shared_data / REFRAPY), "--out", str(plain),
                 "--onset", "off", "--quiet"]) == 0
    moved = [a != b for a, b in zip(lines[1:], plain.read_text().splitlines()[1:], strict=True)]
    assert 20 <= sum(moved) < 216, sum(moved)  # the AIC onsets move some picks, not all
    assert main(["picks", "predict", str(shared_data / REFRAPY), "--out", str(out),
                 "--accept", "0.5"]) == 2
    assert "need a project" in capsys.readouterr().err
