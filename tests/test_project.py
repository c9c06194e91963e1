"""The project file: durable journal, reopen, upgrade, refusal of foreign files, full disk, model runs."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.io.project import SCHEMA_V1, SCHEMA_VERSION, Project

# The full F3 survey, described without its data (the cube is not available here).
F3 = SurveyGeometry(LineAxis(100, 1, 651), LineAxis(300, 1, 951), 463, 4.0, 0.0, name="F3")
SMALL = SurveyGeometry.regular(30, 40, 50)
IL, TS = SectionSpec("inline", 4), SectionSpec("time", 7)


def state_hash(project: Project) -> str:
    h = hashlib.sha1()
    for spec, m in sorted(project.labels.snapshot().items(), key=lambda kv: kv[0].key()):
        h.update(spec.key().encode() + m.tobytes())
    h.update(repr(sorted(project.picks.snapshot().items())).encode())
    return h.hexdigest()


def file_bytes(path) -> bytes:
    return open(path, "rb").read()


def test_create_paint_reopen_keeps_labels_picks_palette_and_undo(tmp_path):
    path = tmp_path / "p.seisview"
    with Project.create(path, geometry=F3) as pr:
        assert pr.geometry == F3 and len(pr.palette) == 9
        pr.labels.paint(SectionSpec("inline", 239), [(100, 100), (200, 400)], 8, radius=4)
        pr.labels.fill(SectionSpec("time", 300), 10, 10, 2)
        pr.labels.polygon(SectionSpec("crossline", 500), [(0, 0), (0, 100), (100, 100)], 3)
        pr.labels.undo()
        pr.picks.set(1, 5, 12.5)
        pr.picks.set_many({(1, 6): (13.0, 0.8), (2, 1): 4.0}, tool="predict")
        pr.picks.delete(1, 5)
        pr.palette.add("gas", (0, 255, 0))
        h = state_hash(pr)
    with Project.open(path) as pr:
        assert state_hash(pr) == h
        assert pr.palette.by_name("gas").id == 10
        assert pr.labels.can_redo and pr.labels.redo().tool == "polygon"
        assert pr.picks.get(1, 6).confidence == 0.8 and pr.picks.get(1, 5) is None
        pr.picks.undo()  # the delete
        assert pr.picks.get(1, 5).time_ms == 12.5
        h2 = state_hash(pr)
    with Project.open(path) as pr:
        assert state_hash(pr) == h2 and pr.schema_version == SCHEMA_VERSION


def test_create_never_overwrites(tmp_path):
    path = tmp_path / "p.seisview"
    path.write_bytes(b"precious")
    with pytest.raises(SeisviewError, match="exists already"):
        Project.create(path, geometry=SMALL)
    assert path.read_bytes() == b"precious"


def test_undo_all_redo_all_survives_reopen(tmp_path):
    rng = np.random.default_rng(7)
    path = tmp_path / "p.seisview"
    with Project.create(path, geometry=SMALL) as pr:
        start = state_hash(pr)
        for _ in range(120):
            spec = [IL, TS, SectionSpec("crossline", 9)][rng.integers(3)]
            h, w = pr.labels.shape(spec)
            if rng.random() < 0.8:
                pr.labels.paint(spec, rng.uniform(0, [h, w], (3, 2)), int(rng.integers(1, 9)),
                                radius=int(rng.integers(1, 4)))
            else:
                pr.labels.fill(spec, int(rng.integers(h)), int(rng.integers(w)), int(rng.integers(1, 9)))
        end = state_hash(pr)
        n = len(pr.labels._history)
        while pr.labels.undo():
            pass
    with Project.open(path) as pr:
        assert state_hash(pr) == start and not pr.labels.can_undo
        while pr.labels.redo():
            pass
    with Project.open(path) as pr:
        assert state_hash(pr) == end and len(pr.labels._history) == n


def test_foreign_corrupt_and_newer_files_are_refused_untouched(tmp_path, shared_data):
    foreign = tmp_path / "other.seisview"
    con = sqlite3.connect(foreign)
    con.execute("CREATE TABLE meta(key TEXT, value TEXT)")
    con.execute("INSERT INTO meta VALUES ('app', 'qgis')")
    con.commit()
    con.close()
    text = tmp_path / "notes.seisview"
    shutil.copy(shared_data / "labels" / "malenov" / "multi_salt_ilxl.pts", text)
    good = tmp_path / "good.seisview"
    with Project.create(good, geometry=SMALL) as pr:
        pr.labels.paint(IL, [(3, 3)], 1)
    corrupt = tmp_path / "corrupt.seisview"
    data = bytearray(file_bytes(good))
    data[4096:] = bytes(len(data) - 4096)  # pages after the first wiped, header intact
    corrupt.write_bytes(bytes(data))
    newer = tmp_path / "newer.seisview"
    shutil.copy(good, newer)
    con = sqlite3.connect(newer)
    con.execute("UPDATE meta SET value='99' WHERE key='schema_version'")
    con.commit()
    con.close()
    cases = {foreign: "another program", text: "not an SQLite", corrupt: "damaged",
             newer: "newer seisview"}
    for path, msg in cases.items():
        before = file_bytes(path)
        with pytest.raises(SeisviewError, match=msg):
            Project.open(path)
        assert file_bytes(path) == before, path.name
        assert not (tmp_path / f"{path.name}-wal").exists()


def test_old_schema_is_upgraded(tmp_path):
    path = tmp_path / "v1.seisview"
    with Project.create(tmp_path / "ref.seisview", geometry=SMALL) as ref:
        meta = dict(ref._conn.execute("SELECT key, value FROM meta"))
    con = sqlite3.connect(path)
    con.executescript(SCHEMA_V1)
    meta["schema_version"] = "1"
    con.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
    con.commit()
    con.close()
    with Project.open(path) as pr:
        assert pr.schema_version == SCHEMA_VERSION
        rid = pr.add_run("facies", "unet", {"lr": 1e-3})
        assert pr.get_run(rid).status == "running"


def test_full_disk_keeps_the_previous_state_and_says_so(tmp_path):
    path = tmp_path / "p.seisview"
    with Project.create(path, geometry=F3) as pr:
        spec = SectionSpec("inline", 239)
        pr.labels.paint(spec, [(10, 10)], 1, radius=3)
        before, counts = state_hash(pr), pr.labels.class_counts()
        pages = pr._conn.execute("PRAGMA page_count").fetchone()[0]
        pr._conn.execute(f"PRAGMA max_page_count={pages}")  # the disk is now full
        with pytest.raises(SeisviewError, match="full.*previous state is kept"):
            pr.labels.fill(spec, 200, 500, 2)  # ~440,000 changed pixels: needs new pages
        assert state_hash(pr) == before and not pr.labels.can_redo
        assert len(pr.labels._history) == 1 and pr.labels.class_counts() == counts
        pr.labels.begin(spec, 5, radius=80)  # a brush drag hits the full disk on release too
        for r, c in [(0, 0), (460, 300), (0, 600), (460, 950)]:
            pr.labels.drag_to(r, c)
        with pytest.raises(SeisviewError, match="full"):
            pr.labels.end()
        assert state_hash(pr) == before and pr.labels.class_counts() == counts
        with pytest.raises(SeisviewError, match="full"):
            pr.picks.set_many({(1, c): float(c) for c in range(5000)})
        assert len(pr.picks) == 0
        pr._conn.execute("PRAGMA max_page_count=1073741823")  # space freed
        assert pr.labels.fill(spec, 200, 500, 2) is not None
        after = state_hash(pr)
    with Project.open(path) as pr:
        assert state_hash(pr) == after


def test_model_runs_api(tmp_path):
    with Project.create(tmp_path / "p.seisview", geometry=SMALL) as pr:
        a = pr.add_run("facies", "waldeland", {"lr": 0.001, "epochs": 3})
        b = pr.add_run("firstbreak", "unet", {})
        pr.update_run(a, metrics={"loss": 0.9})
        r = pr.update_run(a, status="done", metrics={"acc": 0.8}, checkpoint="ck/a.safetensors")
        assert r.metrics == {"loss": 0.9, "acc": 0.8} and r.checkpoint == "ck/a.safetensors"
        assert [x.id for x in pr.runs()] == [a, b] and [x.id for x in pr.runs("firstbreak")] == [b]
        with pytest.raises(SeisviewError, match="no model run"):
            pr.get_run(99)
        path = pr.path
    with Project.open(path) as pr:
        assert pr.get_run(a).status == "done" and pr.get_run(a).config["epochs"] == 3


def test_survey_reference_and_changed_survey_warning(tmp_path, shared_data):
    survey = tmp_path / "f3.sgy"
    shutil.copy(shared_data / "segy" / "f3" / "F3_very_small.sgy", survey)
    with Project.create(tmp_path / "p.seisview", survey) as pr:
        s = pr.survey
        assert s.geometry.il.first == 200 and s.geometry.n_samples == 463 and s.checksum.startswith("v3:")
        assert pr.warnings == []
        path = pr.path
    with open(survey, "r+b") as f:  # same size, different content
        f.seek(5000)
        f.write(b"\x7f\x7f\x7f\x7f")
    with Project.open(path) as pr:
        assert any("changed" in w for w in pr.warnings)
    survey.unlink()
    with Project.open(path) as pr:
        assert any("missing" in w for w in pr.warnings) and pr.geometry.xl.count == 11


def test_runs_left_running_by_a_dead_process_become_interrupted(tmp_path):
    """A run whose process died stays "running" in the file; the next opening (with no other
    process holding the project) marks it interrupted and records its last checkpoint."""
    from seisview.io.project import run_checkpoint

    path = tmp_path / "p.seisview"
    with Project.create(path, geometry=SMALL) as pr:
        a = pr.add_run("facies", "unet", {})  # its trainer wrote a checkpoint, then died
        b = pr.add_run("firstbreak", "fb-unet", {})  # died before its first checkpoint
        c = pr.add_run("facies", "unet", {})
        pr.update_run(c, status="done")
        with Project.open(path) as other:  # opened while the trainer still runs: hands off
            assert other.get_run(a).status == "running"
    ckpt = run_checkpoint(path, a).with_suffix(".safetensors")
    ckpt.parent.mkdir(exist_ok=True)  # add_run made it for the run lock files
    ckpt.write_bytes(b"weights")
    with Project.open(path) as first:
        assert first.get_run(a).status == "interrupted" and first.get_run(a).checkpoint == str(ckpt)
        assert first.get_run(b).status == "interrupted" and first.get_run(b).checkpoint is None
        assert first.get_run(c).status == "done"
        assert any("marked interrupted" in w for w in first.warnings)


def test_second_opening_is_warned_about(tmp_path):
    path = tmp_path / "p.seisview"
    with Project.create(path, geometry=SMALL) as first:
        with Project.open(path) as second:
            assert any("open in another" in w for w in second.warnings)
            assert not first.warnings
    with Project.open(path) as again:  # closed: no warning
        assert again.warnings == []


def test_default_classes_follow_a_class_list_shipped_beside_the_survey(tmp_path, shared_data):
    """No class list -> MalenoV; ``<stem>.classes.json`` beside the survey -> its classes; a broken
    one -> a one-line error naming the file (no project written)."""
    from seisview.io.class_lists import class_list_path, survey_palette, write_class_list

    src = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    sgy = tmp_path / "f3.sgy"
    shutil.copy(src, sgy)
    assert survey_palette(sgy) is None
    with Project.create(tmp_path / "a.seisview", sgy) as pr:
        assert [c.name for c in pr.palette][:2] == ["else", "grizzly"] and len(pr.palette) == 9
    cl = write_class_list(sgy, [("sand", "#e0c000"), ("shale", (60, 60, 60))])
    assert cl == class_list_path(sgy) == tmp_path / "f3.classes.json"
    with Project.create(tmp_path / "b.seisview", sgy) as pr:
        assert [(c.id, c.name, c.color) for c in pr.palette] == [(1, "sand", (224, 192, 0)),
                                                                 (2, "shale", (60, 60, 60))]
    with Project.create(tmp_path / "c.seisview", sgy, palette="salt") as pr:  # explicit choice wins
        assert [c.name for c in pr.palette] == ["other", "salt"]
    cl.write_text('[["a", "#00ff00"], ["b", "#0000ff"]]')  # the short form
    assert [c.name for c in survey_palette(sgy)] == ["a", "b"]
    for bad, what in (("{not json", "unreadable"), ('{"classes": []}', "no classes"),
                      ('{"classes": [["a", "#12"]]}', "invalid")):
        cl.write_text(bad)
        with pytest.raises(SeisviewError, match=what) as err:
            Project.create(tmp_path / "d.seisview", sgy)
        assert "f3.classes.json" in str(err.value) and "\n" not in str(err.value)
        assert not (tmp_path / "d.seisview").exists()


def test_checksum_sees_an_edit_in_the_middle_of_a_big_file_and_reads_old_sums(tmp_path):
    from seisview.io.project_schema import file_checksum, same_checksum

    big = tmp_path / "big.bin"
    big.write_bytes(np.random.default_rng(0).integers(0, 255, 40 << 20, dtype=np.uint8).tobytes())
    v1, v2, v3 = file_checksum(big, version=1), file_checksum(big, version=2), file_checksum(big)
    assert len(v1) == 64 and v2.startswith("v2:") and v3.startswith("v3:")
    assert same_checksum(big, v1) and same_checksum(big, v2) and same_checksum(big, v3)
    data = bytearray(big.read_bytes())
    data[20 << 20:(20 << 20) + 800_000] = bytes(800_000)  # 200 traces of 1000 floats zeroed
    big.write_bytes(bytes(data))
    assert same_checksum(big, v1)  # the old sum only saw both ends
    assert not same_checksum(big, v2) and not same_checksum(big, v3)
    v2, v3 = file_checksum(big, version=2), file_checksum(big)
    starts = np.linspace(4 << 20, (40 << 20) - (4 << 20) - 65536, 64).astype(int)
    data[starts[40] + 65536 + 1000] ^= 1  # one bit between version 2's sampled blocks
    big.write_bytes(bytes(data))
    assert same_checksum(big, v2)  # version 2 is blind to it, version 3 is not
    assert not same_checksum(big, v3)
