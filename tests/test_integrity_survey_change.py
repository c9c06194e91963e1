"""Issue 15, class 7: a changed survey file is noticed before it matters.

The project's checksum covers every byte of the survey (CRC-32 per 1 MiB block), and is
recomputed whenever the file's stat changed; commands that read samples for the project's
labels or runs (train, predict, pretrain, picks predict) refuse a changed survey in one line,
``project info`` warns, and ``project relink`` accepts a new version on purpose.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3

import numpy as np
import pytest
from make_segy import make

import seisview.io.project_survey as ps
from seisview.cli import main
from seisview.io.project import Project
from seisview.io.project_schema import file_checksum


def _zero(path, offset: int, n: int, keep_mtime: bool = True) -> None:
    st = os.stat(path)
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(b"\0" * n)
    if keep_mtime:  # the edit even hides its mtime: only ctime tells
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))


@pytest.fixture(scope="module")
def big(tmp_path_factory):
    """A 42 MB post-stack survey (100 x 200 traces of 463 samples)."""
    return make(tmp_path_factory.mktemp("big") / "big.sgy", n_il=100, n_xl=200, ns=463)


def _run(capsys, *argv):
    rc = main([str(a) for a in argv])
    return rc, capsys.readouterr().err.strip()


def test_471344_zeroed_bytes_in_the_middle_of_a_42_mb_survey_are_noticed(big, tmp_path, capsys):
    survey = tmp_path / "s.sgy"
    shutil.copy(big, survey)
    proj = tmp_path / "p.seisview"
    Project.create(proj, survey).close()
    with Project.open(proj) as pr:
        assert pr.survey_changed is None and not pr.warnings
    size = survey.stat().st_size
    assert size > 40e6
    _zero(survey, size // 2 - 200_000, 471_344)
    with Project.open(proj) as pr:
        assert pr.survey_changed and "changed since the project was made" in pr.survey_changed
    for argv in (["train", proj, "--epochs", "1", "--quiet"],
                 ["predict", proj, "--run", "1", "--out", tmp_path / "o.npy"]):
        rc, err = _run(capsys, *argv)
        assert rc == 2 and "\n" not in err and "will not" in err and "changed" in err, (argv, err)
        assert "project relink" in err
    rc = main(["project", "info", str(proj)])
    out = capsys.readouterr().out
    assert rc == 0 and "warning: survey" in out and "changed" in out
    # a new version on purpose: relink accepts it, and it is then trusted
    assert main(["project", "relink", str(proj), "--survey", str(survey)]) == 0
    with Project.open(proj) as pr:
        assert pr.survey_changed is None
        pr.require_survey_unchanged("train")


@pytest.mark.parametrize("where", ["first_block", "last_byte", "between_samples"])
def test_any_edit_in_place_is_noticed(tmp_path, where):
    survey = make(tmp_path / "s.sgy", n_il=40, n_xl=40, ns=400)  # 2.9 MB
    proj = tmp_path / "p.seisview"
    Project.create(proj, survey).close()
    Project.open(proj).close()  # remembered as checked
    size = survey.stat().st_size
    at = {"first_block": 5000, "last_byte": size - 1, "between_samples": size // 3 + 12345}[where]
    _zero(survey, at, 1)
    with Project.open(proj) as pr:
        assert pr.survey_changed


def test_an_unchanged_survey_is_read_in_full_once_per_stat_change(tmp_path, monkeypatch):
    survey = make(tmp_path / "s.sgy", n_il=20, n_xl=20, ns=100)
    proj = tmp_path / "p.seisview"
    Project.create(proj, survey).close()
    reads = []
    real = ps.same_checksum
    monkeypatch.setattr(ps, "same_checksum", lambda p, c: reads.append(p) or real(p, c))
    for _ in range(3):  # create opened it, read it in full and remembered its stat
        with Project.open(proj) as pr:
            assert pr.survey_changed is None
    assert len(reads) == 0
    os.utime(survey)  # touched, same bytes: read again, still the same survey
    for _ in range(2):
        with Project.open(proj) as pr:
            assert pr.survey_changed is None
    assert len(reads) == 1


def test_a_project_with_the_old_sampled_checksum_is_upgraded_and_then_sees_everything(big, tmp_path):
    survey = tmp_path / "s.sgy"
    shutil.copy(big, survey)
    proj = tmp_path / "p.seisview"
    Project.create(proj, survey).close()
    conn = sqlite3.connect(proj)
    ref = json.loads(conn.execute("SELECT value FROM meta WHERE key='survey'").fetchone()[0])
    ref["checksum"] = file_checksum(survey, 2)
    conn.execute("UPDATE meta SET value=? WHERE key='survey'", (json.dumps(ref),))
    conn.commit()
    conn.close()
    with Project.open(proj) as pr:
        assert pr.survey_changed is None and pr.survey.checksum.startswith("v3:")
    size, mib = survey.stat().st_size, 1 << 20
    gap = int(np.linspace(4 * mib, size - 4 * mib - 65536, 64)[30]) + 65536 + 1000
    _zero(survey, gap, 4096)  # between the version-2 samples
    assert file_checksum(survey, 2) == ref["checksum"]  # the old checksum is blind to it
    with Project.open(proj) as pr:
        assert pr.survey_changed


def test_a_resized_survey_is_a_change_and_a_missing_one_is_not_refused_as_changed(tmp_path):
    survey = make(tmp_path / "s.sgy", n_il=10, n_xl=10, ns=50)
    proj = tmp_path / "p.seisview"
    Project.create(proj, survey).close()
    with open(survey, "ab") as f:
        f.write(b"\0" * 240)
    with Project.open(proj) as pr:
        assert pr.survey_changed
    survey.unlink()
    with Project.open(proj) as pr:
        assert pr.survey_changed is None and any("missing" in w for w in pr.warnings)
