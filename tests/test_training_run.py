"""A new front-end (a script, a notebook) drives a training run in a few lines: start, watch
its progress, pause and resume, relabel, cancel; the project record and the checkpoint are
the run's own. Facies on a cut of the demo survey, first breaks on real land shots."""

from __future__ import annotations

import time
from pathlib import Path

import numpy as np
import torch

from seisview.core.section import SectionSpec
from seisview.io.project import Project
from seisview.ml.checkpoint import load_checkpoint
from seisview.ml.evaluation import thin_strokes
from seisview.ml.progress import TrainFailed, TrainProgress

torch.set_num_threads(1)
REFRAPY = "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy"


def _until(cond, timeout=90.0) -> None:
    end = time.monotonic() + timeout
    while not cond():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.02)


def _paint(project, truth, il) -> None:
    strokes = thin_strokes(truth[il].T, fraction=0.06)
    idx = np.flatnonzero(strokes)
    project.labels.apply({SectionSpec("inline", il): (idx, strokes.ravel()[idx])})


def _stays_paused(run, seen) -> None:
    run.pause()
    assert run.status == "paused"
    time.sleep(0.5)  # the step in flight ends, then the trainer waits
    n = len(seen)
    time.sleep(0.6)
    assert len(seen) == n and run.project.get_run(run.run_id).status == "running"
    run.resume()


def test_a_script_drives_a_facies_run(tmp_path):
    from seisview.core.geometry import LineAxis, SurveyGeometry
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.io.segy import write_volume_segy
    from seisview.ml.runs import project_volume
    from seisview.ml.training import TrainConfig
    from seisview.ml.training_run import facies_run

    data = np.array(demo_volume().data[70:76, 20:84, :128], np.float32)
    truth = np.array(demo_truth()[70:76, 20:84, :128])
    write_volume_segy(tmp_path / "cut.sgy", data,
                      SurveyGeometry(LineAxis(170, 1, 6), LineAxis(320, 1, 64), 128, 4.0, 0.0))
    with Project.create(tmp_path / "p.seisview", tmp_path / "cut.sgy") as project:
        _paint(project, truth, 1)

        # -- what a notebook writes --
        run = facies_run(project, project_volume(project),
                         TrainConfig(epochs=500, steps_per_epoch=2, batch_size=2, threads=1))
        seen = []
        run.events.message.connect(seen.append)
        run.start()
        _until(lambda: run.snapshot is not None)
        _stays_paused(run, seen)
        def labelled():  # the labelled pixels each new model was trained on
            return [m.metrics["n_labelled"] for m in list(seen)
                    if isinstance(m, TrainProgress) and m.snapshot is not None]

        first = labelled()[-1]
        _paint(project, truth, 4)
        run.relabel(project.labels.snapshot())  # the new strokes join at the next epoch
        _until(lambda: labelled()[-1] > first)
        run.cancel()
        assert run.wait(30)
        # ---------------------------

        assert run.status == "cancelled" and isinstance(seen[-1], type(run.end))
        assert any(isinstance(m, TrainProgress) for m in seen)
        rec = project.get_run(run.run_id)
        assert rec.task == "facies" and rec.status == "cancelled"
        assert rec.checkpoint == run.checkpoint and rec.checkpoint.endswith(".safetensors")
        assert load_checkpoint(rec.checkpoint).model == "unet"


def test_a_script_drives_a_firstbreak_run_on_real_shots(tmp_path, shared_data):
    from seisview.io.segy import load
    from seisview.ml.fb_data import picks_from_headers
    from seisview.ml.firstbreak import FirstBreakConfig
    from seisview.ml.training_run import firstbreak_run

    sgy = shared_data / REFRAPY
    truth = picks_from_headers(load(sgy))
    with Project.create(tmp_path / "p.seisview", sgy) as project:
        project.picks.set_many({k: v for k, v in truth.items() if k[0] in (1, 6)})
        gathers = load(sgy)

        run = firstbreak_run(project, gathers, FirstBreakConfig(
            widths=(8, 16, 32), steps=3000, batch_size=4, crop=96, traces=16, threads=1,
            eval_every=25, report_every=5))
        seen = []
        run.events.message.connect(seen.append)
        run.start()
        _until(lambda: run.snapshot is not None)
        assert run.snapshot.meta["trained_on"] == [1, 6]
        _stays_paused(run, seen)
        project.picks.set_many({k: v for k, v in truth.items() if k[0] == 10})
        run.relabel(project.picks.snapshot())
        _until(lambda: run.snapshot.meta["trained_on"] == [1, 6, 10])
        run.cancel()
        assert run.wait(30)

        rec = project.get_run(run.run_id)
        assert run.status == rec.status == "cancelled" and rec.task == "firstbreak"
        assert rec.checkpoint == run.checkpoint and Path(rec.checkpoint).is_file()
        kept = load_checkpoint(rec.checkpoint)  # the run saved its last model on cancel
        assert kept.meta["trained_on"] == [1, 6, 10] and kept.version == run.snapshot.version


def test_a_run_stopped_without_its_end_message_is_still_recorded(tmp_path, shared_data):
    """A front-end that stops iterating (a window closed, Ctrl-C) leaves no run 'running'."""
    from seisview.io.segy import load
    from seisview.ml.fb_data import picks_from_headers
    from seisview.ml.firstbreak import FirstBreakConfig
    from seisview.ml.training_run import firstbreak_run

    sgy = shared_data / REFRAPY
    gathers = load(sgy)
    truth = picks_from_headers(gathers)
    with Project.create(tmp_path / "p.seisview", sgy) as project:
        run = firstbreak_run(project, gathers, FirstBreakConfig(
            widths=(8, 16, 32), steps=300, batch_size=4, crop=96, traces=16, threads=1,
            eval_every=10), picks={k: v for k, v in truth.items() if k[0] == 1})
        messages = run.messages()
        for msg in messages:
            if getattr(msg, "snapshot", None) is not None:
                break
        messages.close()
        rec = project.get_run(run.run_id)
        assert rec.status == "cancelled" and Path(rec.checkpoint).is_file()
        # bad input: the run fails with one line, and is recorded so
        bad = firstbreak_run(project, gathers, FirstBreakConfig(steps=2), picks={})
        last = list(bad.messages())[-1]
        assert isinstance(last, TrainFailed) and "no first-break picks" in last.message
        assert project.get_run(bad.run_id).status == bad.status == "failed"
