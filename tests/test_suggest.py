"""Where to label next: the ranking (ml/suggest.py), `seisview suggest`, the GUI list that
shares it, and `seisview train --init RUN` continuing a run."""

import json

import numpy as np
import pytest

from seisview.cli import main
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.io.project import Project
from seisview.ml.evaluation import thin_strokes
from seisview.ml.suggest import rank_regions, spread_sections

TRAIN = ["--model", "unet", "--epochs", "2", "--steps-per-epoch", "2", "--batch-size", "2", "--quiet"]


class _Pred:
    """A prediction of one section: probabilities and their entropy (nats)."""

    def __init__(self, probs):
        self.probs = np.asarray(probs, np.float32)
        self.entropy = -(self.probs * np.log(np.clip(self.probs, 1e-12, None))).sum(0)


def _pred(h, w, spots, n_cls=3):
    """Certain class 1 everywhere except ``spots`` ``{(r0, r1, c0, c1): (class a, class b, p_a)}``."""
    p = np.full((n_cls, h, w), 0.0, np.float32)
    p[0] = 1.0
    for (r0, r1, c0, c1), (a, b, pa) in spots.items():
        p[:, r0:r1, c0:c1] = 0.0
        p[a - 1, r0:r1, c0:c1] = pa
        p[b - 1, r0:r1, c0:c1] = 1.0 - pa
    return _Pred(p)


def test_ranking_finds_uncertain_spots_without_overlap_and_skips_labelled_pixels():
    spec = SectionSpec("inline", 0)
    pred = _pred(120, 200, {(4, 44, 140, 190): (1, 2, 0.5), (80, 110, 20, 50): (1, 3, 0.7)})
    regions = rank_regions({spec: pred}, 3)
    assert len(regions) == 3 and regions[0].score >= regions[1].score >= regions[2].score
    r0, r1 = regions[:2]
    assert r0.row <= 20 <= r0.row + r0.height and r0.col <= 165 <= r0.col + r0.width
    assert r1.row <= 95 <= r1.row + r1.height and r1.col <= 35 <= r1.col + r1.width
    assert r0.classes == (1, 2) and r1.classes == (1, 3)
    for a in regions:
        for b in regions:
            if a is not b:
                assert abs(a.row - b.row) >= a.height or abs(a.col - b.col) >= a.width
    labelled = np.zeros((120, 200), np.uint8)
    labelled[0:48, 136:196] = 1
    assert rank_regions({spec: pred}, 1, exclude={spec: labelled})[0].center != r0.center


def test_ranking_spreads_over_sections_and_class_pairs_not_one_blob():
    """A wide uncertain blob on one inline, a smaller doubt between other classes on a
    crossline: the second pick goes to the crossline, not to the blob's neighbour; once
    the inline is painted, the crossline comes first."""
    blob, other = SectionSpec("inline", 3), SectionSpec("crossline", 7)
    preds = {blob: _pred(128, 256, {(0, 128, 0, 256): (1, 2, 0.5)}),
             other: _pred(128, 256, {(32, 64, 96, 128): (2, 3, 0.75)})}
    plain = rank_regions(preds, 3)
    assert [r.spec for r in plain] == [blob, other, blob]
    assert plain[0].uncertainty > plain[1].uncertainty  # picked for being different
    assert (plain[1].row, plain[1].col, plain[1].classes) == (32, 96, (2, 3))
    assert plain[0].classes == (1, 2)
    ranked = rank_regions(preds, 2, painted=[blob])
    assert [r.spec for r in ranked] == [other, blob]


def test_ranking_spreads_over_depths_of_vertical_sections():
    """The same doubt at the same depth on two inlines (a layer running across the survey)
    and a weaker one deeper: the second pick goes deeper, not to the other inline's copy."""
    a, b = SectionSpec("inline", 3), SectionSpec("inline", 9)
    band = {(32, 64, 0, 64): (1, 2, 0.5)}
    preds = {a: _pred(128, 64, band), b: _pred(128, 64, {**band, (96, 128, 0, 64): (1, 3, 0.8)})}
    picks = rank_regions(preds, 2)
    assert picks[0].row == 32 and (picks[1].spec, picks[1].row) == (b, 96)


@pytest.fixture(scope="module")
def time_project(tmp_path_factory):
    """A cut of the demo survey (time, ms) as a project with strokes on one inline and a
    short trained run."""
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.io.segy import write_volume_segy

    tmp = tmp_path_factory.mktemp("suggest_time")
    data = np.array(demo_volume().data[60:72, 20:100, :128], np.float32)
    truth = np.array(demo_truth()[60:72, 20:100, :128])
    geom = SurveyGeometry(LineAxis(160, 1, 12), LineAxis(320, 2, 80), 128, 4.0, 100.0)
    path = tmp / "cut.sgy"
    write_volume_segy(path, data, geom)
    proj = tmp / "p.seisview"
    with Project.create(proj, path) as p:
        strokes = thin_strokes(truth[4].T, fraction=0.06)
        idx = np.flatnonzero(strokes)
        p.labels.apply({SectionSpec("inline", 4): (idx, strokes.ravel()[idx])})
    assert main(["train", str(proj), *TRAIN]) == 0
    return proj, geom


def _suggest(capsys, *args):
    rc = main(["suggest", *map(str, args), "--json"])
    out, err = capsys.readouterr()
    assert rc == 0, err
    return json.loads(out)


def test_suggest_json_in_line_numbers_and_ms(time_project, capsys):
    proj, geom = time_project
    found = _suggest(capsys, proj, "--run", 1, "--top", 4)
    assert len(found) == 4
    scores = [r["score"] for r in found]
    assert scores == sorted(scores, reverse=True)
    for r in found:
        assert list(r) == ["section", "inline", "crossline", "time", "unit", "score"]
        assert r["unit"] == "ms"
        kind, _, no = r["section"].partition(":")
        assert kind in ("inline", "crossline")
        (i0, i1), (x0, x1), (t0, t1) = r["inline"], r["crossline"], r["time"]
        assert 160 <= i0 <= i1 <= 171 and 320 <= x0 <= x1 <= 478 and (x0 - 320) % 2 == 0
        assert 100.0 <= t0 < t1 <= 100.0 + 127 * 4 and (t0 - 100) % 4 == 0
        if kind == "inline":  # a vertical section has one line of its own kind
            assert i0 == i1 == int(no) and x1 - x0 == 31 * 2 and t1 - t0 == 31 * 4
        else:
            assert x0 == x1 == int(no) and i1 - i0 == 11  # 12 inlines: a box as wide as the survey
    # one section: its boxes only; a time slice: one time
    one = _suggest(capsys, proj, "--run", 1, "--section", "crossline:400", "--top", 2)
    assert [r["section"] for r in one] == ["crossline:400"] * 2
    assert all(r["crossline"] == [400, 400] for r in one)
    sl = _suggest(capsys, proj, "--run", 1, "--section", "time:300", "--top", 1)[0]
    assert sl["section"] == "time:300" and sl["time"] == [300.0, 300.0]
    assert sl["crossline"][1] - sl["crossline"][0] == 31 * 2
    # the text form: best first, in line numbers
    assert main(["suggest", str(proj), "--run", "1", "--section", "inline:164", "--top", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].startswith("1. inline 164: inline 164, crosslines ")


def test_suggest_json_in_metres_on_a_depth_survey(tmp_path, shared_data, capsys):
    """Volve (real, depth in m, lines every 4): ranges in line numbers and metres."""
    src = shared_data / "segy/volve/volve10-migvel-depth-sub3d.sgy"
    proj = tmp_path / "v.seisview"
    with Project.create(proj, src) as p:
        g = p.geometry
        m = np.zeros((g.n_samples, g.xl.count), np.uint8)
        m[20:22, 5:45], m[150:152, 5:45] = 1, 2  # two classes, shallow and deep
        idx = np.flatnonzero(m)
        p.labels.apply({SectionSpec("inline", 9): (idx, m.ravel()[idx])})
    assert main(["train", str(proj), *TRAIN]) == 0
    capsys.readouterr()
    found = _suggest(capsys, proj, "--run", 1, "--top", 3)
    assert found and all(list(r) == ["section", "inline", "crossline", "depth", "unit", "score"]
                         for r in found)
    for r in found:
        assert r["unit"] == "m" and r["section"].startswith("inline:")
        (i0, i1), (x0, x1), (z0, z1) = r["inline"], r["crossline"], r["depth"]
        assert i0 == i1 and (i0 - 10087) % 4 == 0 and 10087 <= i0 <= 10155
        assert (x0 - 2148) % 4 == 0 and x1 - x0 == 31 * 4 and z1 - z0 == 31 * 20.0
        assert z0 % 20 == 0 and 0 <= z0 and z1 <= 4500
    sl = _suggest(capsys, proj, "--run", 1, "--section", "depth:1200", "--top", 1)[0]
    assert sl["section"] == "depth:1200" and sl["depth"] == [1200.0, 1200.0]


def test_gui_list_and_command_rank_the_same_regions(time_project, capsys):
    """The overlay worker's boxes (what "Label here next" lists) equal `seisview suggest
    --section` for the same model and section."""
    from seisview.ml.runs import project_volume, run_snapshot
    from seisview.qt.prediction_layers import _predict_specs

    proj, _ = time_project
    with Project.open(proj) as p:
        snap, volume = run_snapshot(p, 1), project_volume(p)
        spec = SectionSpec("inline", 4)  # the painted one: labelled pixels left out
        labelled = np.array(p.labels.mask(spec))

    class State:
        def check(self):
            pass

    _, views = _predict_specs(snap, volume, [spec], exclude={spec: labelled}, state=State())
    gui = [r.to_json(volume.geometry) for r in views[spec].regions]
    cli = _suggest(capsys, proj, "--run", 1, "--section", "inline:164")
    assert len(gui) == 6 and gui == cli


def test_init_continues_from_the_runs_weights(time_project, capsys):
    from seisview.ml.inference import predict_section
    from seisview.ml.runs import project_volume, run_snapshot
    from seisview.ml.training import TrainConfig, build_for

    proj, _ = time_project
    with Project.open(proj) as p:
        first, volume = run_snapshot(p, 1), project_volume(p)
    net, _, n = build_for(TrainConfig(model="unet", init=first), first.n_classes)
    assert n == len(first.state)  # every tensor of the run, unchanged
    for k, v in net.state_dict().items():
        assert np.array_equal(v.numpy(), first.state[k].numpy()), k

    one_step = ["--model", "unet", "--epochs", "1", "--steps-per-epoch", "1", "--batch-size", "2",
                "--quiet"]
    assert main(["train", str(proj), "--init", "1", *one_step]) == 0
    out, err = capsys.readouterr()
    cont = int(out.splitlines()[-1])
    assert f"--init 1: {n} tensors of the unet run transferred" in err
    assert main(["train", str(proj), *one_step]) == 0
    scratch = int(capsys.readouterr()[0].splitlines()[-1])
    with Project.open(proj) as p:
        assert p.get_run(cont).config["init"] == "1"
        snaps = {r: run_snapshot(p, r) for r in (cont, scratch)}
    sec = volume.section_array(SectionSpec("inline", 9))
    before = predict_section(first, sec).classes
    agree = {r: float((predict_section(s, sec).classes == before).mean()) for r, s in snaps.items()}
    # one more step keeps what the run learnt; one step from scratch knows nothing of it
    assert agree[cont] > 0.9 and agree[cont] > agree[scratch] + 0.2, agree


@pytest.mark.parametrize("args, problem", [
    (["--run", "9"], "no model run 9"),
    (["--run", "1", "--section", "inline:999"], "inline 999"),
    (["--run", "1", "--section", "depth:100"], "this survey is in time"),
    (["--run", "1", "--section", "inline"], "is not KIND:NUMBER"),
    (["--run", "1", "--top", "0"], "--top 0"),
])
def test_bad_run_or_section_is_one_line(time_project, capsys, args, problem):
    proj, _ = time_project
    assert main(["suggest", str(proj), *args]) == 2
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert len(lines) == 1 and problem in lines[0] and "Traceback" not in err, err
    assert out == ""


def test_spread_sections_cover_the_survey_and_a_2d_line():
    from seisview.core.volume import Volume

    vol = Volume.from_array(np.zeros((200, 150, 10), np.float32))
    specs = spread_sections(vol, 4)
    assert [s.index for s in specs if s.kind == "inline"] == [25, 75, 125, 175]
    assert [s.index for s in specs if s.kind == "crossline"] == [18, 56, 93, 131]
    line = Volume.from_array(np.zeros((300, 1, 10), np.float32))  # N inlines x 1 crossline
    assert spread_sections(line, 4) == [SectionSpec("crossline", 0)]
