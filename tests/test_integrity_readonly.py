"""Read-only projects can be read (info, export, predict to elsewhere) and refuse only writes.

The project lies on a read-only mount (a tmpfs remounted read-only, where the tests run as
root: root ignores file permissions) or in a folder without write permission (other users).
"""

from __future__ import annotations

import os
import shutil
import subprocess

import numpy as np
import pytest
from make_segy import make

from seisview.cli import main
from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec
from seisview.io.project import Project


@pytest.fixture(scope="module")
def made(tmp_path_factory):
    """A writable project with labels, picks and a trained run (its checkpoint beside it)."""
    d = tmp_path_factory.mktemp("ro_src")
    survey = make(d / "s.sgy", n_il=4, n_xl=32, ns=64, values="seismic")
    proj = d / "p.seisview"
    with Project.create(proj, survey) as p:
        spec = SectionSpec("inline", 1)
        for cls, rows in ((1, range(4, 28, 4)), (2, range(36, 60, 4))):
            p.labels.paint(spec, [(r, c) for r in rows for c in (2, 29)], cls, radius=1)
        p.picks.set(1, 2, 40.0)
    assert main(["train", str(proj), "--epochs", "1", "--steps-per-epoch", "2", "--quiet"]) == 0
    return proj


@pytest.fixture
def read_only(tmp_path, made):
    """A copy of the project (and its runs) in a read-only place."""
    ro = tmp_path / "ro"
    ro.mkdir()
    mounted = False
    if os.geteuid() == 0:
        if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(ro)],
                          capture_output=True).returncode != 0:
            pytest.skip("cannot mount a tmpfs (root without mount rights)")
        mounted = True
    shutil.copy(made, ro / made.name)
    runs = made.with_name(made.name + ".runs")
    if runs.is_dir():
        shutil.copytree(runs, ro / runs.name)
    if mounted:
        subprocess.run(["mount", "-o", "remount,ro", str(ro)], check=True)
    else:
        (ro / made.name).chmod(0o444)
        ro.chmod(0o555)
    yield ro / made.name
    if mounted:
        subprocess.run(["umount", "-l", str(ro)], check=False)
    else:
        ro.chmod(0o755)


def _run(capsys, *argv):
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out, err.strip()


def test_a_read_only_project_is_read_and_refuses_only_writes(read_only, tmp_path, capsys):
    before = read_only.read_bytes()
    with Project.open(read_only) as pr:
        assert pr.read_only and any("read-only" in w for w in pr.warnings)
        assert sum(pr.labels.class_counts().values()) > 0 and len(pr.picks) == 1
        assert [r.status for r in pr.runs()] == ["done"]
        with pytest.raises(SeisviewError, match="read-only") as e:
            pr.labels.paint(SectionSpec("inline", 2), [(5, 5)], 1, radius=1)
        assert "\n" not in str(e.value) and "copy" in str(e.value)
        assert not pr.labels.has_labels(SectionSpec("inline", 2))  # the screen shows what is saved
        with pytest.raises(SeisviewError, match="read-only"):
            pr.picks.set(1, 3, 50.0)
    rc, out, _ = _run(capsys, "project", "info", read_only)
    assert rc == 0 and "classes:" in out and "model runs: 1" in out
    rc, out, _ = _run(capsys, "labels", "export", read_only, tmp_path / "cube.npy", "--format", "npy")
    assert rc == 0 and np.load(tmp_path / "cube.npy").any()
    rc, out, _ = _run(capsys, "picks", "export", read_only, tmp_path / "picks.csv")
    assert rc == 0 and (tmp_path / "picks.csv").is_file()
    rc, _, err = _run(capsys, "predict", read_only, "--run", "1", "--out", tmp_path / "s.npy",
                      "--section", "inline:2", "--phases", "1")
    assert rc == 0 and np.load(tmp_path / "s.npy").shape == (64, 32), err
    pts = tmp_path / "pts.txt"
    pts.write_text("2 21 8\n")
    for argv in (["labels", "import", read_only, pts, "--format", "opendtect", "--class", "salt"],
                 ["train", read_only, "--epochs", "1", "--steps-per-epoch", "1", "--quiet"]):
        rc, _, err = _run(capsys, *argv)
        assert rc == 2 and "read-only" in err and len(err.splitlines()) == 1, (argv, err)
    assert read_only.read_bytes() == before
