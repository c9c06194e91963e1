"""`seisview project|labels|picks ...` end to end on real files, in-process."""

from __future__ import annotations

import shutil

import numpy as np
import pytest

from seisview.cli import main
from seisview.io.project import Project


def run(capsys, *argv) -> tuple[int, str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return rc, out.strip(), err.strip()


def test_labels_cli_on_f3(tmp_path, capsys, shared_data):
    proj = tmp_path / "f3.seisview"
    rc, out, _ = run(capsys, "project", "new", proj, "--survey",
                     shared_data / "segy" / "f3" / "F3_very_small.sgy")
    assert rc == 0 and "inlines 200-210" in out and "9 classes" in out
    rc, _, err = run(capsys, "project", "new", proj, "--survey",
                     shared_data / "segy" / "f3" / "F3_very_small.sgy")
    assert rc == 2 and "exists already" in err
    # MalenoV points lie on inline 339: outside this small F3 crop -> rejected whole
    rc, _, err = run(capsys, "labels", "import", proj,
                     shared_data / "labels" / "malenov" / "multi_salt_ilxl.pts", "--format", "malenov")
    assert rc == 2 and "7499 of 7499 points" in err and len(err.splitlines()) == 1
    pts = tmp_path / "picks_on_crop.txt"
    pts.write_text("205 405 1000\n205 406 1004\n206 405 1000\n")
    rc, out, _ = run(capsys, "labels", "import", proj, pts, "--format", "opendtect", "--class", "salt")
    assert rc == 0 and "imported 3 points of 1 class(es) on 2 section(s)" in out
    rc, out, _ = run(capsys, "labels", "export", proj, tmp_path / "cube.npy", "--format", "npy")
    assert rc == 0 and "(11, 11, 463)" in out
    cube = np.load(tmp_path / "cube.npy")
    assert cube[5, 5, 250] == 8 and cube[6, 5, 250] == 8 and np.count_nonzero(cube) == 3
    rc, _, err = run(capsys, "labels", "export", proj, tmp_path / "no" / "cube.npy", "--format", "npy")
    assert rc == 2 and "cannot write" in err
    rc, out, _ = run(capsys, "labels", "export", proj, tmp_path / "pts", "--format", "malenov")
    assert rc == 0 and (tmp_path / "pts" / "multi_salt_ilxl.pts").is_file()
    rc, out, _ = run(capsys, "project", "info", proj)
    assert rc == 0 and "8:salt=3" in out and "inline 205 (2 px)" in out and "inline 206 (1 px)" in out


def test_image_import_cli(tmp_path, capsys, shared_data):
    from seisview.core.geometry import LineAxis, SurveyGeometry

    f3 = SurveyGeometry(LineAxis(100, 1, 651), LineAxis(300, 1, 951), 463, 4.0, 0.0)
    Project.create(tmp_path / "p.seisview", geometry=f3, palette="salt").close()
    img = shared_data / "labels" / "waldeland" / "F3" / "train" / "inline_339.png"
    rc, _, err = run(capsys, "labels", "import", tmp_path / "p.seisview", img, "--format", "image")
    assert rc == 2 and "1246 wide x 1115 high but the section is 951 traces x 463 samples" in err
    rc, out, _ = run(capsys, "labels", "import", tmp_path / "p.seisview", img, "--format", "image", "--resize")
    assert rc == 0 and "on 1 section(s)" in out
    rc, _, err = run(capsys, "labels", "import", tmp_path / "p.seisview", img, "--format", "image",
                     "--section", "inline:99", "--resize")
    assert rc == 2 and "inline 99 is outside the survey" in err


def test_picks_cli_round_trip(tmp_path, capsys, shared_data):
    d = shared_data / "firstbreaks" / "refrapy-02"
    proj = tmp_path / "fb.seisview"
    rc, out, _ = run(capsys, "project", "new", proj, "--survey", d / "field_example_02_shots_with_fb.sgy")
    assert rc == 0 and "prestack" in out
    rc, out, _ = run(capsys, "picks", "import", proj, d / "field_example_02_picks.csv")
    assert rc == 0 and out.startswith("imported 207 picks on 9 gather(s)")
    for fmt, name in (("csv", "p.csv"), ("json", "p.json"), ("segy-header", "p.sgy"), ("sgt", "p.sgt")):
        rc, out, _ = run(capsys, "picks", "export", proj, tmp_path / name, "--format", fmt)
        assert rc == 0 and "exported 207 picks on 9 gather(s)" in out
    with Project.open(proj) as pr:
        before = pr.picks.snapshot()
    p2 = tmp_path / "fb2.seisview"
    run(capsys, "project", "new", p2, "--survey", d / "field_example_02_shots_with_fb.sgy")
    rc, out, _ = run(capsys, "picks", "import", p2, tmp_path / "p.sgy")
    assert rc == 0
    rc, out, _ = run(capsys, "picks", "import", p2, d / "picks" / "field_example_02.sgt")
    assert rc == 0 and "207 picks on 9 gather(s)" in out
    with Project.open(p2) as pr:
        assert {k: p.time_ms for k, p in pr.picks.snapshot().items()} == pytest.approx(
            {k: p.time_ms for k, p in before.items()})
    bad = tmp_path / "bad.csv"
    bad.write_text("ffid,channel,time_ms\n1,1,5.0\n77,1,5.0\n")
    rc, _, err = run(capsys, "picks", "import", proj, bad)
    assert rc == 2 and "1 of 2 picks" in err and "gather 77" in err


def test_corrupt_project_cli(tmp_path, capsys, shared_data):
    junk = tmp_path / "x.seisview"
    shutil.copy(shared_data / "wells" / "y_val.npy", junk)
    before = junk.read_bytes()
    rc, _, err = run(capsys, "labels", "export", junk, tmp_path / "o.npy", "--format", "npy")
    assert rc == 2 and "not a seisview project" in err and junk.read_bytes() == before


def test_project_new_takes_the_class_list_shipped_with_the_survey(tmp_path, capsys, shared_data):
    from seisview.io.class_lists import write_class_list

    sgy = tmp_path / "f3.sgy"
    shutil.copy(shared_data / "segy" / "f3" / "F3_very_small.sgy", sgy)
    write_class_list(sgy, [("sand", "#e0c000"), ("shale", "#404040"), ("salt", "#ff0000")])
    rc, out, _ = run(capsys, "project", "new", tmp_path / "p.seisview", "--survey", sgy)
    assert rc == 0 and "3 classes: sand, shale, salt" in out
    rc, out, _ = run(capsys, "project", "new", tmp_path / "q.seisview", "--survey", sgy, "--palette", "malenov")
    assert rc == 0 and "9 classes: else, grizzly" in out
