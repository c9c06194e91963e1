"""Label import/export on the real MalenoV points and Waldeland images, against the full F3 geometry."""

from __future__ import annotations

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.io import label_formats as lf
from seisview.io.project import Project

F3 = SurveyGeometry(LineAxis(100, 1, 651), LineAxis(300, 1, 951), 463, 4.0, 0.0, name="F3")
MALENOV_CLASSES = ["else", "grizzly", "high_amp_continuous", "high_amplitude", "low_amp_dips",
                   "low_amplitude", "low_coherency", "salt", "steep_dips"]


def point_set(path) -> set[tuple[int, int, int]]:
    return {tuple(int(v) for v in row) for row in np.loadtxt(path, usecols=(0, 1, 2))}


def test_malenov_inline_339_round_trip(tmp_path, shared_data):
    files = sorted((shared_data / "labels" / "malenov").glob("*.pts"))
    assert len(files) == 9
    with Project.create(tmp_path / "f3.seisview", geometry=F3) as pr:
        summary = lf.import_point_files(pr.labels, pr.palette, files)
        assert summary == {"points": 141111, "sections": 1, "classes": 9, "changed_pixels": 141111}
        # inline 339 is index 239; class ids follow MalenoV's order
        assert [s.key() for s, _ in pr.labels.labelled_sections()] == ["inline:239"]
        counts = pr.labels.class_counts()
        for f in files:
            cid = pr.palette.by_name(lf.class_name_from_file(f)).id
            assert counts[cid] == len(point_set(f))
        assert pr.palette.by_name("salt").id == MALENOV_CLASSES.index("salt") + 1
        # a known point: multi_salt line 1 is 339 820 1820 -> inline index 239, row 455, col 520
        assert pr.labels.mask(SectionSpec("inline", 239))[1820 // 4, 820 - 300] == 8
        path = pr.path
    with Project.open(path) as pr:  # through the journal and back out
        out = lf.export_points(pr.labels, pr.palette, tmp_path / "out", "malenov")
    assert sorted(p.name for p in out) == sorted(f.name for f in files)
    same = 0
    for f in files:
        a, b = point_set(f), point_set(tmp_path / "out" / f.name)
        assert a == b, f.name
        same += len(a)
    print(f"\nMalenoV inline 339: {same} points in 9 classes round-tripped exactly")


def test_opendtect_points_round_trip_and_crossline_sections(tmp_path):
    pts = tmp_path / "gas.txt"
    pts.write_text("# OpendTect pointset\nInline Crossline Z\n150 400 1000\n151 400 1004\n150 401 996\n")
    with Project.create(tmp_path / "p.seisview", geometry=F3) as pr:
        s = lf.import_point_files(pr.labels, pr.palette, [pts], on="crossline")
        assert s["sections"] == 2 and pr.palette.by_name("gas").id == 10
        out = lf.export_points(pr.labels, pr.palette, tmp_path / "out", "opendtect")
    assert out[0].name == "gas.txt"
    assert point_set(out[0]) == {(150, 400, 1000), (151, 400, 1004), (150, 401, 996)}


@pytest.mark.parametrize("bad_line, n_bad", [
    ("339\t2000\t1000\t0", 1),          # crossline beyond 1250
    ("339\t820\t1852\t0", 1),           # time beyond 1848 ms
    ("620000\t6080000\t1000\t0", 1),    # UTM values in the line columns
    ("339\t820\t1002\t0", 1),           # half-way between two samples
])
def test_points_outside_the_survey_are_rejected_whole(tmp_path, shared_data, bad_line, n_bad):
    src = (shared_data / "labels" / "malenov" / "multi_salt_ilxl.pts").read_text()
    bad = tmp_path / "multi_salt_ilxl.pts"
    bad.write_text(src + bad_line + "\n")
    good = shared_data / "labels" / "malenov" / "multi_else_ilxl.pts"
    with Project.create(tmp_path / "p.seisview", geometry=F3) as pr:
        with pytest.raises(SeisviewError) as err:
            lf.import_point_files(pr.labels, pr.palette, [good, bad])
        msg = str(err.value)
        assert f"{n_bad} of 7500 points" in msg and "nothing was imported" in msg
        assert bad_line.split("\t")[0] in msg  # the example names the offending point
        assert pr.labels.labelled_sections() == [] and pr.journal_counts()["strokes"] == 0


def test_times_in_seconds_are_recognised(tmp_path):
    pts = tmp_path / "salt.txt"
    pts.write_text("339 820 1.820\n339 821 1.824\n")
    with Project.create(tmp_path / "p.seisview", geometry=F3) as pr:
        with pytest.raises(SeisviewError, match="look like seconds"):
            lf.import_point_files(pr.labels, pr.palette, [pts])
        lf.import_point_files(pr.labels, pr.palette, [pts], z_unit="s")
        assert pr.labels.mask(SectionSpec("inline", 239))[455, 520] == pr.palette.by_name("salt").id


def test_another_surveys_points_are_all_rejected(tmp_path, shared_data):
    small = SurveyGeometry(LineAxis(200, 1, 11), LineAxis(400, 1, 11), 463, 4.0, 0.0)
    with Project.create(tmp_path / "p.seisview", geometry=small) as pr:
        with pytest.raises(SeisviewError, match="7499 of 7499 points"):
            lf.import_point_files(pr.labels, pr.palette,
                                  [shared_data / "labels" / "malenov" / "multi_salt_ilxl.pts"])


def test_malformed_point_file(tmp_path):
    f = tmp_path / "x.pts"
    f.write_text("339 820 1000\n339 abc 1004\n")
    with pytest.raises(SeisviewError, match="line 2"):
        lf.read_points(f)


def test_waldeland_images_salt_and_other(tmp_path, shared_data):
    d = shared_data / "labels" / "waldeland" / "F3"
    files = [d / "train" / "inline_339.png", d / "val" / "inline_405.png"]
    with Project.create(tmp_path / "p.seisview", geometry=F3, palette="salt") as pr:
        # the Waldeland images are drawn larger than the section (1246 x 1115 for 951 x 463)
        with pytest.raises(SeisviewError, match="1246 wide x 1115 high but the section is 951 traces"):
            lf.import_images(pr.labels, pr.palette, files)
        s = lf.import_images(pr.labels, pr.palette, files, resize=True)  # sections from the file names
        assert [sp.key() for sp, _ in pr.labels.labelled_sections()] == ["inline:239", "inline:305"]
        m = pr.labels.mask(SectionSpec("inline", 239))
        assert m.shape == (463, 951)
        salt, other = pr.palette.by_name("salt").id, pr.palette.by_name("other").id
        # salt lies deep (the Zechstein salt of F3), the shallow section is "other" where labelled
        rows_salt = np.nonzero(m == salt)[0]
        assert rows_salt.size > 1000 and rows_salt.mean() > 300
        assert np.count_nonzero(m == other) > 10 * rows_salt.size
        assert s["labelled_pixels"] == np.count_nonzero(m) + np.count_nonzero(
            pr.labels.mask(SectionSpec("inline", 305)))
    with Project.create(tmp_path / "q.seisview", geometry=F3) as pr:  # MalenoV palette
        with pytest.raises(SeisviewError, match="no pixel"):
            lf.import_images(pr.labels, pr.palette, files[:1], resize=True)
        lf.import_images(pr.labels, pr.palette, files[:1], section="inline:339",
                         colors=["255,0,0=salt", "0,0,255=other"], resize=True)
        assert pr.labels.class_counts()[pr.palette.by_name("salt").id] > 1000


def test_label_cube_exports_npy_and_segy(tmp_path):
    g = SurveyGeometry(LineAxis(10, 2, 6), LineAxis(100, 1, 7), 20, 4.0, 100.0)
    with Project.create(tmp_path / "p.seisview", geometry=g) as pr:
        pr.labels.paint(SectionSpec("inline", 1), [(5, 3)], 2, radius=1)
        pr.labels.paint(SectionSpec("crossline", 6), [(10, 4)], 3, radius=0)
        pr.labels.paint(SectionSpec("time", 19), [(0, 0)], 4, radius=0)
        npy = lf.export_npy(pr.labels, tmp_path / "labels.npy")
        sgy = lf.export_segy(pr.labels, tmp_path / "labels.sgy")
    cube = np.load(npy)
    assert cube.shape == (6, 7, 20) and cube.dtype == np.uint8
    assert cube[1, 3, 5] == 2 and cube[4, 6, 10] == 3 and cube[0, 0, 19] == 4
    assert np.count_nonzero(cube) == 9 + 1 + 1  # a radius-1 stamp is 3x3
    from seisview.io.segy import load, scan

    rep = scan(sgy)
    assert rep.geometry.il.first == 10 and rep.geometry.il.step == 2 and rep.geometry.t0 == 100.0
    vol = load(sgy)
    assert np.array_equal(np.asarray(vol.data).astype(np.uint8), cube)
