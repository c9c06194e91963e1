"""`seisview train` / `seisview predict` end to end on a small cut of the demo survey."""

import numpy as np
import pytest

from seisview.cli import main
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.io.project import Project
from seisview.ml.evaluation import thin_strokes


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.io.segy import write_volume_segy

    vol = demo_volume()
    data = np.array(vol.data[70:76, 20:84, :128], np.float32)
    geom = SurveyGeometry(LineAxis(170, 1, 6), LineAxis(320, 1, 64), 128, 4.0, 0.0)
    path = tmp_path_factory.mktemp("cli_ml") / "cut.sgy"
    write_volume_segy(path, data, geom)
    return path, np.array(demo_truth()[70:76, 20:84, :128])


def _project(tmp_path, survey, paint=True, classes=None):
    path, truth = survey
    proj = tmp_path / "p.seisview"
    with Project.create(proj, path) as p:
        if paint:
            strokes = thin_strokes(truth[2].T, fraction=0.06)
            if classes is not None:
                strokes[~np.isin(strokes, classes)] = 0
            idx = np.flatnonzero(strokes)
            p.labels.apply({SectionSpec("inline", 2): (idx, strokes.ravel()[idx])})
    return proj


def test_train_records_a_run_and_predict_writes_sections_and_cubes(tmp_path, survey, capsys):
    proj = _project(tmp_path, survey)
    rc = main(["train", str(proj), "--model", "unet", "--epochs", "2", "--steps-per-epoch", "2",
               "--batch-size", "2", "--quiet"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    run_id = int(out.strip().splitlines()[-1])
    assert "done" in err and "val_acc" in err
    with Project.open(proj) as p:
        run = p.get_run(run_id)
        assert run.status == "done" and run.model == "unet" and run.checkpoint
        assert 2 <= run.metrics["steps"] <= 4 and "train_acc" in run.metrics

    npy = tmp_path / "il.npy"
    assert main(["predict", str(proj), "--run", str(run_id), "--out", str(npy),
                 "--section", "inline:172", "--quiet"]) == 0
    assert "inline 172:" in capsys.readouterr().err  # the line number, not the index
    assert main(["predict", str(proj), "--run", str(run_id), "--out", str(npy),
                 "--section", "inline:172.5", "--quiet"]) == 2
    assert "inline 172.5 is not a whole line number" in capsys.readouterr().err
    sec = np.load(npy)
    assert sec.shape == (128, 64) and sec.dtype == np.uint8 and sec.min() >= 1
    cube = tmp_path / "all.npy"
    assert main(["predict", str(proj), "--run", str(run_id), "--out", str(cube), "--quiet"]) == 0
    vol = np.load(cube)
    # same phases (4); the cube blends each inline with its neighbours (ml/volume_predict.py)
    assert vol.shape == (6, 64, 128) and (vol[2] == sec.T).mean() > 0.8, (vol[2] == sec.T).mean()
    sgy = tmp_path / "classes.sgy"
    assert main(["predict", str(proj), "--run", str(run_id), "--out", str(sgy), "--quiet"]) == 0
    from seisview.io.segy import load
    assert np.array_equal(np.asarray(load(sgy).data), vol.astype(np.float32))
    prob = tmp_path / "prob.sgy"
    assert main(["predict", str(proj), "--run", str(run_id), "--out", str(prob), "--probability",
                 "--phases", "1", "--quiet"]) == 0
    p = np.asarray(load(prob).data)
    assert p.shape == vol.shape and 1 / 9 <= p.min() and p.max() <= 1  # 9 palette classes

    # never over the survey or the project; a folder that is not there is one line
    before = survey[0].read_bytes()
    for bad in (survey[0], proj, tmp_path / "no" / "such" / "c.npy"):
        assert main(["predict", str(proj), "--run", str(run_id), "--out", str(bad),
                     "--section", "inline:172", "--quiet"]) == 2
        assert "Traceback" not in capsys.readouterr().err
    assert survey[0].read_bytes() == before and Project.open(proj).close() is None

    # transfer from the finished run
    rc = main(["train", str(proj), "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "2",
               "--init", str(run_id), "--quiet"])
    assert rc == 0 and int(capsys.readouterr().out.split()[-1]) == run_id + 1


def test_bad_input_is_one_line_and_exit_2(tmp_path, survey, capsys):
    empty = _project(tmp_path / "a", survey, paint=False) if (tmp_path / "a").mkdir() is None \
        else None
    assert main(["train", str(empty)]) == 2
    assert "no labels painted" in capsys.readouterr().err
    one = _project(tmp_path / "b", survey, classes=[3]) if (tmp_path / "b").mkdir() is None \
        else None
    assert main(["train", str(one)]) == 2
    assert "only one class" in capsys.readouterr().err
    assert main(["train", str(one), "--model", "alexnet"]) == 2
    assert "unknown facies model" in capsys.readouterr().err
    assert main(["predict", str(one), "--run", "9", "--out", str(tmp_path / "x.npy")]) == 2
    assert "no model run 9" in capsys.readouterr().err
    import torch
    if not torch.cuda.is_available():
        assert main(["train", str(one), "--device", "cuda"]) == 2
        assert "no CUDA GPU" in capsys.readouterr().err
    bad = tmp_path / "ck.safetensors"
    bad.write_bytes(b"\x80\x04not really")
    assert main(["train", str(one), "--init", str(bad)]) == 2
    assert "pickle" in capsys.readouterr().err


def test_a_2d_line_is_predicted_along_its_traces(tmp_path, capsys):
    """A 2-D line stored as N inlines x 1 crossline: the whole-survey prediction runs along
    the line (each inline section would be one trace), and equals the section's."""
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.io.segy import write_volume_segy

    data = np.array(demo_volume().data[40:120, 60:61, :128], np.float32)
    truth = np.array(demo_truth()[40:120, 60, :128])
    geom = SurveyGeometry(LineAxis(1000, 1, 80), LineAxis(1155, 1, 1), 128, 4.0, 0.0)
    write_volume_segy(tmp_path / "line.sgy", data, geom)
    proj = tmp_path / "p.seisview"
    with Project.create(proj, tmp_path / "line.sgy") as p:
        strokes = thin_strokes(truth.T, fraction=0.06)
        idx = np.flatnonzero(strokes)
        p.labels.apply({SectionSpec("crossline", 0): (idx, strokes.ravel()[idx])})
    assert main(["train", str(proj), "--epochs", "1", "--steps-per-epoch", "3",
                 "--batch-size", "2", "--quiet"]) == 0
    run = capsys.readouterr().out.split()[-1]
    sec, cube = tmp_path / "xl.npy", tmp_path / "all.npy"
    assert main(["predict", str(proj), "--run", run, "--out", str(sec), "--section",
                 "crossline:1155", "--quiet"]) == 0
    assert main(["predict", str(proj), "--run", run, "--out", str(cube), "--quiet"]) == 0
    np.testing.assert_array_equal(np.load(cube)[:, 0, :], np.load(sec).T)
