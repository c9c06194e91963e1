"""PickSet edits and undo, and pick formats on the real refrapy shots and hand picks."""

from __future__ import annotations

import json

import numpy as np
import pytest

from seisview.core.errors import SeisviewError
from seisview.core.picks import Pick, PickSet
from seisview.io import pick_formats as pf
from seisview.io.project import Project


@pytest.fixture(scope="module")
def refrapy(shared_data):
    return shared_data / "firstbreaks" / "refrapy-02"


def test_pickset_batches_undo_and_events():
    ps = PickSet()
    seen = []
    ps.events.changed.connect(lambda gathers: seen.append(sorted(gathers)))
    ps.set(1, 1, 10.0)
    ps.set_many({(1, 2): 11.0, (2, 1): (20.0, 0.9)}, tool="predict")
    assert len(ps) == 3 and ps.get(2, 1) == Pick(20.0, 0.9)
    ch, t, conf = ps.for_gather(1)
    assert ch.tolist() == [1, 2] and t.tolist() == [10.0, 11.0] and np.isnan(conf).all()
    ps.delete(1, 1)
    assert ps.get(1, 1) is None
    assert ps.undo().tool == "delete" and ps.get(1, 1).time_ms == 10.0
    assert ps.undo().tool == "predict" and len(ps) == 1
    assert ps.redo().tool == "predict" and len(ps) == 3
    assert seen[1] == [1, 2]
    assert ps.set(1, 1, 10.0) is None  # nothing changed: no undo step
    with pytest.raises(SeisviewError, match="not a time"):
        ps.set(1, 1, -3.0)
    with pytest.raises(SeisviewError, match="outside 0..1"):
        ps.set(1, 1, 3.0, confidence=1.5)
    snap = ps.snapshot()
    ps.set(9, 9, 1.0)
    assert (9, 9) not in snap


def test_refrapy_csv_and_segy_header_agree(refrapy):
    csv_picks = pf.read_csv(refrapy / "field_example_02_picks.csv")  # fb_time_s column, seconds
    hdr_picks = pf.read_segy_header(refrapy / "field_example_02_shots_with_fb.sgy")  # bytes 233-236
    assert len(csv_picks) == len(hdr_picks) == 207  # of 216 traces
    assert set(csv_picks) == set(hdr_picks)
    err = max(abs(csv_picks[k][0] - hdr_picks[k][0]) for k in csv_picks)
    assert err < 1e-3  # both in microseconds
    assert csv_picks[(1, 1)][0] == pytest.approx(5.067)
    keys, chans, ns, dt = pf.trace_table(refrapy / "field_example_02_shots_with_fb.sgy")
    assert len(keys) == 216 and ns == 4000 and dt == 0.25 and sorted(set(keys.tolist()))[:2] == [1, 3]


def test_csv_json_segy_round_trips(tmp_path, refrapy):
    src = pf.read_segy_header(refrapy / "field_example_02_shots_with_fb.sgy")
    picks = {k: Pick(t, 0.5 if k[1] % 2 else None) for k, (t, _) in src.items()}
    pf.write_csv(tmp_path / "p.csv", picks)
    assert {k: Pick(*v) for k, v in pf.read_csv(tmp_path / "p.csv").items()} == picks
    pf.write_json(tmp_path / "p.json", picks)
    assert json.loads((tmp_path / "p.json").read_text())["format"] == "seisview-picks"
    assert {k: Pick(*v) for k, v in pf.read_json(tmp_path / "p.json").items()} == picks
    out, n, missing = pf.write_segy_header(refrapy / "field_example_02_shots_with_fb.sgy",
                                           tmp_path / "p.sgy", picks, byte=237)
    assert n == 207 and missing == 0
    back = pf.read_segy_header(out, byte=237)
    assert {k: v[0] for k, v in back.items()} == {k: p.time_ms for k, p in picks.items()}
    assert pf.read_segy_header(out) == src  # the original picks at 233 are still there


def test_bad_pick_files(tmp_path, refrapy):
    f = tmp_path / "bad.csv"
    f.write_text("ffid,channel,time_ms\n1,1,5.0\n1,x,6\n")
    with pytest.raises(SeisviewError, match="line 3"):
        pf.read_csv(f)
    f.write_text("a,b,c\n1,2,3\n")
    with pytest.raises(SeisviewError, match="no ffid/channel/time"):
        pf.read_csv(f)
    f.write_text("{not json")
    with pytest.raises(SeisviewError, match="not a seisview pick file"):
        pf.read_json(f)
    keys, chans, ns, dt = pf.trace_table(refrapy / "field_example_02_shots_with_fb.sgy")
    with pytest.raises(SeisviewError, match="2 of 3 picks.*gather 2 "):
        pf.check_against_survey({(1, 1): (5.0, None), (2, 1): (5.0, None), (1, 2): (2000.0, None)},
                                keys, chans, ns, dt, source="x.csv")


def test_picks_in_a_project_survive_reopen(tmp_path, refrapy):
    survey = refrapy / "field_example_02_shots_with_fb.sgy"
    with Project.create(tmp_path / "fb.seisview", survey) as pr:
        assert pr.survey.kind == "prestack" and pr.survey.gather_key == 9 and pr.geometry is None
        picks = pf.read_csv(refrapy / "field_example_02_picks.csv")
        pr.picks.set_many(picks, tool="import")
        pr.picks.set(1, 1, 6.0)
        snap = pr.picks.snapshot()
        path = pr.path
    with Project.open(path) as pr:
        assert pr.picks.snapshot() == snap and pr.picks.get(1, 1).time_ms == 6.0
        pr.picks.undo()
        assert pr.picks.get(1, 1).time_ms == pytest.approx(5.067)


def test_pygimli_sgt_picks_match_the_refrapy_table(tmp_path, refrapy):
    from seisview.io.pick_sgt import read_sgt, sgt_picks, write_sgt

    survey = refrapy / "field_example_02_shots_with_fb.sgy"
    pos, meas = read_sgt(refrapy / "picks" / "field_example_02.sgt")
    assert pos.shape == (57, 2) and meas.shape == (207, 3)
    got = sgt_picks(refrapy / "picks" / "field_example_02.sgt", survey)  # matched by source/group X
    table = pf.read_csv(refrapy / "field_example_02_picks.csv")
    assert set(got) == set(table)
    assert max(abs(got[k][0] - table[k][0]) for k in table) < 1e-9
    picks = {k: Pick(t) for k, (t, _) in table.items()}
    out, n, missing = write_sgt(tmp_path / "p.sgt", picks, survey)
    assert n == 207 and missing == 0
    assert sgt_picks(out, survey) == {k: (p.time_ms, None) for k, p in picks.items()}
    other = tmp_path / "other.sgt"  # another line's geometry: nothing matches
    other.write_text("2\n#x y\n1000 0\n1005 0\n1\n#s g t\n1 2 0.01\n")
    with pytest.raises(SeisviewError, match="1 of 1 picks .* match no trace"):
        sgt_picks(other, survey)
    bad = tmp_path / "bad.sgt"
    bad.write_text("3\n0 0\n")
    with pytest.raises(SeisviewError, match="not a pyGIMLi"):
        read_sgt(bad)
