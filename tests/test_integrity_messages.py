"""Issue 15, class 9: failures are said with their own cause and a hint that fits it.

A full disk is said as such (not "damaged ... open a backup copy") when a project is opened
or written, when a checkpoint or an export is written, and when a training run fails on it;
a refused pickle passed as ``--init`` says so, not "try a smaller learning rate". The full
disk is a real 2 MB tmpfs where the tests may mount one (root), else the error is injected.
"""

from __future__ import annotations

import errno
import os
import pickle
import shutil
import sqlite3
import subprocess
import types

import numpy as np
import pytest

import seisview.io.atomic as atomic
import seisview.io.project_lock as plock
from seisview.cli import main
from seisview.cli.ml import failure_hint
from seisview.core.errors import SeisviewError
from seisview.core.geometry import SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.io.project import Project


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB tmpfs (root only), unmounted after the test."""
    d = tmp_path / "disk"
    d.mkdir()
    if os.geteuid() != 0 or shutil.which("mount") is None:
        pytest.skip("mounting a tmpfs needs root")
    r = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(d)], capture_output=True)
    if r.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {r.stderr.decode().strip()}")
    yield d
    subprocess.run(["umount", "-l", str(d)], check=False)


def _fill(folder) -> None:
    fd = os.open(folder / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while True:
            os.write(fd, b"\0" * 4096)
    except OSError as exc:
        assert exc.errno == errno.ENOSPC
    finally:
        os.close(fd)


def test_a_project_on_a_full_disk_says_the_disk_is_full_and_is_intact_after(tiny_disk):
    path = tiny_disk / "p.seisview"
    with Project.create(path, geometry=SurveyGeometry.regular(60, 80, 300)) as pr:
        pr.labels.paint(SectionSpec("inline", 1), [(5, 5)], 2, radius=2)
    _fill(tiny_disk)
    with pytest.raises(SeisviewError, match="the disk is full") as e:
        Project.open(path)  # no room for its WAL index; was: "damaged ... open a backup copy"
    assert "damaged" not in str(e.value) and "backup" not in str(e.value)
    (tiny_disk / "filler").unlink()
    pr = Project.open(path)
    _fill(tiny_disk)
    rng = np.random.default_rng(0)
    with pytest.raises(SeisviewError, match="the disk is full") as e:
        for i in range(2, 60):  # noise strokes (incompressible) until the WAL finds no room
            idx = np.unique(rng.integers(0, 300 * 80, 20_000))
            pr.labels.apply({SectionSpec("inline", i): (idx, rng.integers(1, 9, len(idx)))})
    assert "damaged" not in str(e.value) and "free disk space" in str(e.value)
    acked = pr.journal_counts()["strokes"]
    pr.close()
    (tiny_disk / "filler").unlink()
    with Project.open(path) as pr:
        assert pr.journal_counts()["strokes"] == acked >= 1


def test_convert_onto_a_full_disk_says_so_and_keeps_the_old_cache(tiny_disk, tmp_path, capsys):
    from make_segy import make

    from seisview.io.cache import open_cache

    small = make(tmp_path / "small.sgy", n_il=4, n_xl=4, ns=20)
    big = make(tmp_path / "big.sgy", n_il=40, n_xl=40, ns=400, values="seismic")  # 2.6 MB, twice, compressed
    out = tiny_disk / "c.zarr"
    assert main(["convert", str(small), str(out)]) == 0
    capsys.readouterr()
    assert main(["convert", str(big), str(out)]) == 2  # was: internal error, OSError errno 28
    err = capsys.readouterr().err.strip()
    assert "the disk is full" in err and "\n" not in err, err
    assert open_cache(out).geometry.shape == (4, 4, 20)
    assert sorted(p.name for p in tiny_disk.iterdir()) == ["c.zarr"]


def test_a_full_disk_is_told_apart_from_damage_when_sqlite_only_says_io_error(tmp_path, monkeypatch):
    exc = sqlite3.OperationalError("disk I/O error")
    real = os.statvfs
    assert "damaged" in str(plock.open_error(tmp_path / "p.seisview", sqlite3.DatabaseError(
        "database disk image is malformed")))
    monkeypatch.setattr(plock.os, "statvfs", lambda p: types.SimpleNamespace(
        **{k: getattr(real(p), k) for k in ("f_frsize", "f_flag")}, f_bavail=3))
    for err in (plock.open_error(tmp_path / "p.seisview", exc),
                plock.write_error(tmp_path / "p.seisview", "the stroke", exc)):
        assert "the disk is full" in str(err) and "free disk space" in str(err)


def _no_space_os():
    def replace(*_a, **_k):
        raise OSError(errno.ENOSPC, "No space left on device")

    names = {k: getattr(os, k) for k in dir(os) if not k.startswith("__")}
    return types.SimpleNamespace(**{**names, "replace": replace})


def test_an_export_onto_a_full_disk_says_so_and_leaves_nothing(tmp_path, monkeypatch):
    monkeypatch.setattr(atomic, "os", _no_space_os())
    with pytest.raises(SeisviewError, match="the disk is full"):
        atomic.atomic_write_bytes(tmp_path / "x.bin", b"123")
    assert list(tmp_path.iterdir()) == []


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    from make_segy import make

    return make(tmp_path_factory.mktemp("msg") / "s.sgy", n_il=4, n_xl=32, ns=64, values="seismic")


def _project(tmp_path, survey):
    """Two classes painted as thin strokes on inline 2 (upper and lower half)."""
    proj = tmp_path / "p.seisview"
    with Project.create(proj, survey) as p:
        spec = SectionSpec("inline", 1)
        for cls, rows in ((1, range(4, 28, 4)), (2, range(36, 60, 4))):
            p.labels.paint(spec, [(r, c) for r in rows for c in (2, 29)], cls, radius=1)
    return proj


def test_training_on_a_full_disk_says_the_disk_is_full(tmp_path, survey, capsys, monkeypatch):
    proj = _project(tmp_path, survey)
    monkeypatch.setattr(atomic, "os", _no_space_os())  # every checkpoint write fails
    rc = main(["train", str(proj), "--epochs", "1", "--steps-per-epoch", "2", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 2 and "disk is full" in err and "free disk space" in err, err
    assert "learning rate" not in err


@pytest.mark.parametrize("name", ["weights.pth", "weights.safetensors"])
def test_a_pickle_given_as_init_is_refused_for_what_it_is(tmp_path, survey, capsys, name):
    proj = _project(tmp_path, survey)
    bad = tmp_path / name
    bad.write_bytes(pickle.dumps({"features.0.weight": [1.0, 2.0]}))
    rc = main(["train", str(proj), "--model", "vgg16", "--init", str(bad), "--epochs", "1",
               "--steps-per-epoch", "1", "--quiet"])
    err = capsys.readouterr().err.strip().splitlines()[-1]
    assert rc == 2 and "learning rate" not in err, err
    assert "pickle" in err or "cannot be loaded safely" in err, err


def test_failure_hints_fit_their_cause():
    assert "learning rate" in failure_hint("loss became nan at step 40: training stopped")
    assert "free disk space" in failure_hint("cannot write /x/run-1.safetensors: the disk is full")
    assert "bug" in failure_hint("training failed: TypeError: unsupported operand")
    assert failure_hint("--init w.pth is a pickle; seisview never unpickles files") is None
    assert "last good checkpoint c.safetensors" in failure_hint("loss became inf", "c.safetensors")


def test_nan_in_a_point_file_is_one_line_without_numpy_warnings(tmp_path, capfd, shared_data):
    proj = tmp_path / "f3.seisview"
    Project.create(proj, shared_data / "segy" / "f3" / "F3_very_small.sgy").close()
    for bad in ("205 405 nan\n205 406 1004\n", "205 inf 1000\n"):
        pts = tmp_path / "p.txt"
        pts.write_text(bad)
        capfd.readouterr()
        assert main(["labels", "import", str(proj), str(pts), "--format", "opendtect",
                     "--class", "salt"]) == 2
        err = capfd.readouterr().err.strip()
        assert err.startswith("seisview: error:") and "\n" not in err, err
