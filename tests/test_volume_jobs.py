"""Chunked volume jobs (io/volume_jobs): the same classes on a 2-process dask cluster as on
the local scheduler (convert -> predict -> export), cancel reaching the cluster's workers,
a killed job resuming with only its missing chunks, seamless attribute chunks, and one
clear line for bad inputs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
import zarr

from seisview.cli import main
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.core.tasks import Cancelled, TaskState
from seisview.core.volume import Volume
from seisview.io.job_store import ChunkRecord
from seisview.io.volume_jobs import executing, run_job

HERE = Path(__file__).parent
ROOT = HERE.parent


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    """A small cut of the demo survey, a project with strokes on it and a trained run."""
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.io.project import Project
    from seisview.io.segy import write_volume_segy
    from seisview.ml.evaluation import thin_strokes

    d = tmp_path_factory.mktemp("volume_jobs")
    data = np.array(demo_volume().data[70:78, 20:84, :128], np.float32)
    geom = SurveyGeometry(LineAxis(170, 1, 8), LineAxis(320, 1, 64), 128, 4.0, 0.0)
    sgy = write_volume_segy(d / "cut.sgy", data, geom)
    truth = np.array(demo_truth()[70:78, 20:84, :128])
    proj = d / "p.seisview"
    with Project.create(proj, sgy) as p:
        strokes = thin_strokes(truth[2].T, fraction=0.06)
        idx = np.flatnonzero(strokes)
        p.labels.apply({SectionSpec("inline", 2): (idx, strokes.ravel()[idx])})
    assert main(["train", str(proj), "--model", "unet", "--epochs", "1", "--steps-per-epoch", "2",
                 "--batch-size", "2", "--quiet"]) == 0
    return {"dir": d, "sgy": sgy, "project": proj, "data": data, "geometry": geom, "run": 1}


@pytest.fixture(scope="module")
def cluster():
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as c, Client(c) as client:
        yield c.scheduler_address, client


def test_cluster_convert_predict_export_same_classes_as_local(survey, cluster, tmp_path, capsys):
    from seisview.io.project import Project
    from seisview.io.segy import load
    from seisview.io.store_export import export_variable
    from seisview.ml.predict_blocks import predict_job
    from seisview.ml.runs import run_snapshot

    address, _ = cluster
    store = tmp_path / "survey.zarr"
    assert main(["convert", str(survey["sgy"]), str(store)]) == 0
    with Project.open(survey["project"]) as p:
        snap = run_snapshot(p, survey["run"])
    fn, shared = predict_job(snap, probability=True, uncertainty=True)
    local = run_job(store, fn, tmp_path / "local.zarr", chunk=(4, 32), shared=shared, threads=2)
    remote = run_job(store, fn, tmp_path / "cluster.zarr", chunk=(4, 32), shared=shared,
                     scheduler=address)
    assert local.ran == remote.ran == local.n_chunks == 4 and remote.scheduler == address
    a, b = (zarr.open_group(str(r.out), mode="r") for r in (local, remote))
    classes = a["classes"][:]
    assert classes.min() >= 1 and np.array_equal(classes, b["classes"][:])
    np.testing.assert_allclose(a["probability"][:], b["probability"][:], atol=1e-5)
    np.testing.assert_allclose(b["probability"][:].sum(0), 1.0, atol=1e-4)
    assert 0 <= np.nanmin(b["uncertainty"][:]) and np.nanmax(b["uncertainty"][:]) <= 1

    sgy = export_variable(remote.out, "classes", tmp_path / "classes.sgy")
    assert np.array_equal(np.asarray(load(sgy).data), classes.astype(np.float32))
    # the CLI on the cluster: same cube, SEG-Y through the store beside it
    out = tmp_path / "cli.sgy"
    assert main(["predict", str(survey["project"]), "--run", "1", "--out", str(out), "--phases", "1",
                 "--chunk", "4,32", "--scheduler", address, "--quiet"]) == 0
    assert address in capsys.readouterr().err
    assert np.array_equal(np.asarray(load(out).data), classes.astype(np.float32))
    assert (tmp_path / "cli.zarr" / "zarr.json").exists()


def test_cancel_reaches_the_cluster_workers(survey, cluster, tmp_path):
    address, client = cluster
    from volume_job_helpers import SlowDouble

    vol = Volume(survey["data"], survey["geometry"])
    state = TaskState()
    outcome = {}

    def job():
        try:
            run_job(vol, SlowDouble(seconds=60), tmp_path / "slow.zarr", chunk=(2, 64),
                    scheduler=address, state=state)
            outcome["result"] = "finished"
        except Cancelled:
            outcome["result"] = "cancelled"

    t = threading.Thread(target=job)
    t.start()
    for _ in range(600):  # both workers busy with a task of the job
        if sum(len(k) for k in executing(client).values()) == 2:
            break
        time.sleep(0.1)
    assert sum(len(k) for k in executing(client).values()) == 2
    state.cancel()
    t.join(120)
    assert outcome["result"] == "cancelled"
    # the 60 s tasks stopped at their next check: nothing runs, nothing was written or marked
    assert not any(executing(client).values())
    assert ChunkRecord.of(tmp_path / "slow.zarr", "doubled").done() == set()
    time.sleep(0.5)
    assert not any(executing(client).values())


def test_killed_job_resumes_with_only_the_missing_chunks(survey, tmp_path):
    out = tmp_path / "killed.zarr"
    script = (f"import sys; sys.path[:0] = [{str(ROOT)!r}, {str(HERE)!r}]\n"
              "from seisview.io.volume_jobs import run_job\n"
              "from volume_job_helpers import SlowDouble\n"
              f"run_job({str(survey['sgy'].with_suffix('.zarr'))!r}, SlowDouble(0.4), {str(out)!r}, "
              "chunk=(1, 64), threads=1)\n")
    src = survey["sgy"].with_suffix(".zarr")
    if not src.exists():
        assert main(["convert", str(survey["sgy"]), str(src)]) == 0
    proc = subprocess.Popen([sys.executable, "-c", script], env={**os.environ, "PYTHONPATH": str(ROOT)})
    record = ChunkRecord.of(out, "doubled")
    try:
        for _ in range(1200):
            if len(record.done()) >= 2 or proc.poll() is not None:
                break
            time.sleep(0.05)
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait()
    before = record.done()
    assert 2 <= len(before) < 8, "the job was to be killed mid-way"
    from volume_job_helpers import SlowDouble

    res = run_job(src, SlowDouble(0.0), out, chunk=(1, 64), threads=1)
    assert res.done_before == len(before) and res.ran == 8 - len(before)
    got = zarr.open_group(str(out), mode="r")["doubled"][:]
    np.testing.assert_array_equal(got, 2 * survey["data"])
    again = run_job(src, SlowDouble(0.0), out, chunk=(1, 64), threads=1)
    assert again.ran == 0 and again.done_before == 8


def test_local_cancel_keeps_finished_chunks(survey, tmp_path):
    from volume_job_helpers import SlowDouble

    vol = Volume(survey["data"], survey["geometry"])
    seen = []
    state = TaskState(on_progress=lambda f, m: seen.append(f) or (state.cancel() if len(seen) == 2 else None))
    with pytest.raises(Cancelled):
        run_job(vol, SlowDouble(0.2), tmp_path / "c.zarr", chunk=(1, 64), threads=1, state=state)
    done = ChunkRecord.of(tmp_path / "c.zarr", "doubled").done()
    assert 2 <= len(done) < 8
    res = run_job(vol, SlowDouble(0.0), tmp_path / "c.zarr", chunk=(1, 64), threads=2)
    assert res.ran == 8 - res.done_before and res.done_before == len(done)


@pytest.mark.parametrize("name", ["envelope", "instantaneous_frequency", "bandpass", "glcm_homogeneity"])
def test_attribute_chunks_have_no_seams(survey, tmp_path, name):
    from seisview.attributes.seismic import compute
    from seisview.attributes.texture import glcm_attributes
    from seisview.attributes.volume_attributes import TRACE_ATTRIBUTES, attribute_block

    vol = Volume(survey["data"][:4], SurveyGeometry(LineAxis(170, 1, 4), LineAxis(320, 1, 64), 128, 4.0, 0.0))
    fn = attribute_block(name, vol, vol.geometry)
    run_job(vol, fn, tmp_path / "a.zarr", chunk=(3, 20))
    got = zarr.open_group(str(tmp_path / "a.zarr"), mode="r")[name][:]
    if name in TRACE_ATTRIBUTES:
        whole = compute(TRACE_ATTRIBUTES[name], vol.data, 4.0, axis=2)
    else:
        whole = np.stack([glcm_attributes(s.T, ("homogeneity",), grey=fn.grey(s.T))["homogeneity"].T
                          for s in vol.data])
    np.testing.assert_allclose(got, whole, rtol=1e-5, atol=1e-5)


def test_bad_inputs_are_one_line(survey, tmp_path, capsys):
    proj, sgy = str(survey["project"]), str(survey["sgy"])
    folder = tmp_path / "notastore.zarr"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    a_file = tmp_path / "file"
    a_file.write_text("x")
    cases = [
        (["predict", proj, "--run", "99", "--out", str(tmp_path / "a.zarr")], "no model run 99"),
        (["predict", proj, "--run", "1", "--out", str(tmp_path / "a.zarr"), "--scheduler",
          "tcp://127.0.0.1:9"], "no dask scheduler answers"),
        (["predict", proj, "--run", "1", "--out", str(a_file / "a.zarr")], "does not exist"),
        (["predict", proj, "--run", "1", "--out", str(folder)], "not a seisview store"),
        (["attribute", sgy, "envelope", "--out", str(folder)], "not a seisview store"),
        (["attribute", sgy, "sharpness", "--out", str(tmp_path / "b.zarr")], "unknown attribute"),
        (["attribute", sgy, "envelope", "--out", str(tmp_path / "b.txt")], "unknown format"),
        (["attribute", sgy, "envelope", "--out", str(tmp_path / "b.zarr"), "--chunk", "0,4"], "--chunk"),
    ]
    for argv, words in cases:
        assert main([*argv, "--quiet"]) == 2, argv
        err = capsys.readouterr().err
        assert words in err and "Traceback" not in err and len(err.strip().splitlines()) == 1, err
    assert (folder / "notes.txt").read_text() == "mine" and sorted(os.listdir(folder)) == ["notes.txt"]
    # another job over the same variables is refused, not mixed in
    out = str(tmp_path / "p.zarr")
    assert main(["predict", proj, "--run", "1", "--out", out, "--phases", "1", "--quiet"]) == 0
    assert main(["predict", proj, "--run", "1", "--out", out, "--phases", "2", "--quiet"]) == 2
    assert "from another job" in capsys.readouterr().err
