"""Issue 15, class 8: exports are complete or absent, and no temporary file outlives its process.

A forked child runs a real export and is killed with SIGKILL part-way (after its first class
file, or inside the SEG-Y writer); the folder then holds nothing under the export's name, or
an export without its completion marker, and the next export removes what the killed one
left (its process is gone) and ends complete.
"""

from __future__ import annotations

import json
import multiprocessing as mp
import os
import signal
import time

import pytest

import seisview.io.atomic as atomic
from seisview.cli import main
from seisview.core.geometry import SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.io import label_formats as lf
from seisview.io.project import Project

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="forks the exporting process")


@pytest.fixture
def project(tmp_path):
    (tmp_path / "proj").mkdir()
    path = tmp_path / "proj" / "p.seisview"  # its lock file stays out of the export folder
    with Project.create(path, geometry=SurveyGeometry.regular(30, 40, 200)) as pr:
        for cls in (1, 3, 5, 8):
            pr.labels.paint(SectionSpec("inline", cls), [(10, 5), (150, 30)], cls, radius=2)
    return path


def _stall_after(n_files: int, ready) -> None:
    """In the child: write ``n_files`` files of an export, then hang until killed."""
    real = atomic.atomic_path
    done = [0]

    def slow(path, suffix=".tmp"):
        if done[0] >= n_files:
            ready.set()
            time.sleep(60)
        done[0] += 1
        return real(path, suffix)

    atomic.atomic_path = slow  # atomic_open and atomic_write_text look it up there


def _stall_before_rename(ready) -> None:
    """In the child: the temporary file is written in full, then hang before its rename."""
    def stuck(*_a):
        ready.set()
        time.sleep(60)

    os.replace = stuck


def _export_child(project, out, fmt, stall, ready) -> None:
    if stall is None:
        _stall_before_rename(ready)
    else:
        _stall_after(stall, ready)
    main(["labels", "export", str(project), str(out), "--format", fmt])


def _kill_during(target, args) -> None:
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    proc = ctx.Process(target=target, args=(*args, ready))
    proc.start()
    assert ready.wait(60)
    os.kill(proc.pid, signal.SIGKILL)
    proc.join()


def _hidden(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


@pytest.mark.parametrize("stall", [0, 1, 3])
def test_killed_point_export_into_a_new_folder_leaves_nothing_under_its_name(project, tmp_path, stall):
    out = tmp_path / "points"
    _kill_during(_export_child, (project, out, "malenov", stall))
    assert not out.exists()
    assert _hidden(tmp_path) and all(".points.part" in n for n in _hidden(tmp_path))
    assert main(["labels", "export", str(project), str(out), "--format", "malenov"]) == 0
    assert _hidden(tmp_path) == []
    marker = json.loads((out / lf.EXPORT_MARKER).read_text())
    files = sorted(p.name for p in out.iterdir() if p.name != lf.EXPORT_MARKER)
    assert marker["complete"] and sorted(marker["files"]) == files and len(files) == 4
    assert all((out / n).stat().st_size == s for n, s in marker["files"].items())


def test_killed_point_export_into_an_existing_folder_is_marked_incomplete(project, tmp_path):
    out = tmp_path / "points"
    assert main(["labels", "export", str(project), str(out), "--format", "opendtect"]) == 0
    assert (out / lf.EXPORT_MARKER).is_file()
    _kill_during(_export_child, (project, out, "opendtect", 2))
    assert not (out / lf.EXPORT_MARKER).exists()  # the folder says: this export did not finish
    assert main(["labels", "export", str(project), str(out), "--format", "opendtect"]) == 0
    assert (out / lf.EXPORT_MARKER).is_file() and _hidden(out) == []


@pytest.mark.parametrize("fmt,name", [("segy", "labels.sgy"), ("npy", "labels.npy")])
def test_killed_cube_export_leaves_no_temporary_file_after_the_next_run(project, tmp_path, fmt, name):
    out = tmp_path / name
    _kill_during(_export_child, (project, out, fmt, None))
    left = _hidden(tmp_path)
    assert not out.exists() and len(left) == 1 and left[0].startswith(f".{name}.")
    assert (tmp_path / left[0]).stat().st_size > 10_000  # the whole cube, never renamed
    assert main(["labels", "export", str(project), str(tmp_path / f"other-{name}"), "--format", fmt]) == 0
    assert _hidden(tmp_path) == [] and (tmp_path / f"other-{name}").is_file()


def test_a_live_writers_temporary_file_is_left_alone(tmp_path):
    live = tmp_path / f".x.sgy.{os.getppid()}-0123abcd.tmp"
    dead = tmp_path / ".x.sgy.999999999-0123abcd.tmp"  # above any pid this system gives out
    mine = tmp_path / ".notes.txt"  # hidden, but not a seisview temporary
    for p in (live, dead, mine):
        p.write_bytes(b"x")
    atomic.atomic_write_bytes(tmp_path / "y.bin", b"y")
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([live.name, mine.name, "y.bin"])
