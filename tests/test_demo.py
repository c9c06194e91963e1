"""The generated demo survey: deterministic, real SEG-Y, truth aligned with the seismic."""

from __future__ import annotations

import numpy as np
import pytest

from seisview.io import demo
from seisview.io.demo_model import DEMO_CLASSES, SALT, ModelSpec, build_model

GSPEC_DT = demo.GSPEC.dt_ms


def test_model_is_deterministic_and_seed_sensitive():
    spec = ModelSpec(n_il=24, n_xl=32, n_samples=120)
    a, ta = build_model(spec)
    b, tb = build_model(spec)
    assert np.array_equal(a, b) and np.array_equal(ta, tb)
    c, _ = build_model(ModelSpec(n_il=24, n_xl=32, n_samples=120, seed=spec.seed + 1))
    assert not np.allclose(a, c)


@pytest.fixture(scope="module")
def survey():
    path = demo.demo_survey_path()
    return path, demo.demo_volume(), demo.demo_truth()


def test_survey_file_matches_volume_and_geometry(survey):
    import segyio

    path, vol, truth = survey
    g = vol.geometry
    assert vol.shape == truth.shape == (200, 200, 300)
    with segyio.open(path) as f:
        assert list(f.ilines[[0, -1]]) == [100, 299] and list(f.xlines[[0, -1]]) == [300, 499]
        assert f.samples[1] - f.samples[0] == pytest.approx(4.0)
        cube = segyio.tools.cube(f)
        h = f.header[257]  # il 101, xl 357
        x, y = g.world(h[segyio.TraceField.INLINE_3D], h[segyio.TraceField.CROSSLINE_3D])
        assert h[segyio.TraceField.SourceGroupScalar] == -100
        assert h[segyio.TraceField.CDP_X] / 100 == pytest.approx(float(x), abs=0.01)
        assert h[segyio.TraceField.CDP_Y] / 100 == pytest.approx(float(y), abs=0.01)
    assert np.array_equal(cube, vol.data)
    # seisview's own reader sees the same survey
    from seisview.io import segy

    loaded = segy.load(path)
    assert loaded.geometry.il == g.il and loaded.geometry.xl == g.xl and loaded.geometry.dt == 4.0
    assert np.allclose(loaded.geometry.affine, g.affine, atol=1e-3)
    # rotated grid: both axes move x and y
    a = g.affine
    assert abs(a[0]) > 1 and abs(a[1]) > 1 and abs(a[3]) > 1 and abs(a[4]) > 1


def test_truth_classes_present_and_laterally_varying(survey):
    _, vol, truth = survey
    k = len(DEMO_CLASSES)
    assert truth.dtype == np.uint8 and truth.min() >= 1 and truth.max() == k
    per_inline = np.array([np.isin(np.arange(1, k + 1), np.unique(truth[i])).all()
                           for i in range(0, truth.shape[0], 5)])
    assert per_inline.mean() >= 0.8
    # no class is a fixed depth band: every class's top varies by >= 10 samples across the survey
    for c in range(1, k + 1):
        has = (truth == c).any(axis=2)
        top = np.argmax(truth == c, axis=2)[has]
        assert np.percentile(top, 95) - np.percentile(top, 5) >= 10 or c == 1, DEMO_CLASSES[c - 1]


def test_truth_lines_up_with_seismic_texture(survey):
    _, vol, truth = survey
    d = vol.data
    rms = {c: float(np.sqrt(np.mean(d[truth == c] ** 2))) for c in range(1, len(DEMO_CLASSES) + 1)}
    # salt interior is transparent (well inside the body), high-amplitude package is loud
    inner = (truth == SALT) & (np.roll(truth, -12, axis=2) == SALT) & (np.roll(truth, 12, axis=2) == SALT)
    assert np.sqrt(np.mean(d[inner] ** 2)) < 0.25 * rms[1]
    assert rms[1] > 2 * rms[2]
    # the salt top is a strong reflection: the trace energy peaks within a few samples of it
    il, xl = np.nonzero(((truth == SALT).any(axis=2)) & (np.argmax(truth == SALT, axis=2) > 30))
    top = np.argmax(truth[il, xl] == SALT, axis=1)
    env = np.abs(d[il, xl])
    near = np.array([env[n, t - 3:t + 4].max() for n, t in enumerate(top)])
    assert np.median(near) > 2.0 * np.sqrt(np.mean(d[il, xl] ** 2))


def test_gathers_file_headers_carry_the_true_first_breaks():
    import segyio

    path = demo.demo_gathers_path()
    fb = demo.demo_first_breaks()
    gs = demo.demo_gatherset()
    assert len(fb) == gs.data.shape[0] == 12 * 96
    with segyio.open(path, ignore_geometry=True) as f:
        ffid = f.attributes(segyio.TraceField.FieldRecord)[:]
        chan = f.attributes(segyio.TraceField.TraceNumber)[:]
        fb_us = f.attributes(segyio.TraceField.UnassignedInt1)[:]
        off = f.attributes(segyio.TraceField.offset)[:] / 100.0
        sx = f.attributes(segyio.TraceField.SourceX)[:] / 100.0
        gx = f.attributes(segyio.TraceField.GroupX)[:] / 100.0
        raw = f.trace.raw[:]
        assert f.samples[1] - f.samples[0] == pytest.approx(GSPEC_DT)
    assert np.array_equal(raw, gs.data)
    from seisview.io import segy

    loaded = segy.load(path)
    assert np.array_equal(loaded.headers["fb_us"], gs.headers["fb_us"])
    assert np.array_equal(loaded.keys, gs.keys) and np.allclose(loaded.offsets, gs.offsets)
    assert all(fb[(int(a), int(b))] == t / 1000.0 for a, b, t in zip(ffid, chan, fb_us, strict=True))
    # offsets agree with the coordinates (the line is straight, so |offset| = distance)
    sy = gs.headers["sy_m"]
    gy = gs.headers["gy_m"]
    assert np.allclose(np.abs(off), np.hypot(gx - sx, gy - sy), atol=0.02)
    # first breaks grow with |offset| away from each shot and stay inside the record
    times = np.array([fb[(int(a), int(b))] for a, b in zip(ffid, chan, strict=True)])
    assert 0 < times.min() and times.max() < 600.0
    for key in gs.gather_ids:
        m = ffid == key
        o, t = np.abs(off[m]), times[m]
        order = np.argsort(o)
        assert np.corrcoef(o[order], t[order])[0, 1] > 0.9


def test_gathers_signal_starts_at_the_first_break():
    gs = demo.demo_gatherset()
    fb = demo.demo_first_breaks()
    dt = gs.dt_ms
    before, after = [], []
    for n in range(0, gs.data.shape[0], 7):
        t = fb[(int(gs.keys[n]), int(gs.channels[n]))]
        k = int(np.floor(t / dt))
        tr = gs.data[n]
        if k < 30:
            continue
        before.append(np.abs(tr[k - 25:k - 1]).max())
        after.append(np.abs(tr[k + 1:k + 30]).max())
    ratio = np.array(after) / np.array(before)
    assert np.median(ratio) > 5  # a clear arrival, but with noise before it
    # the first half-cycle is weak: the peak within 10 ms of the break is well below the next lobe
    weak = []
    for n in range(0, gs.data.shape[0], 7):
        t = fb[(int(gs.keys[n]), int(gs.channels[n]))]
        k = int(np.ceil(t / dt))
        tr = gs.data[n]
        weak.append(np.abs(tr[k:k + 11]).max() / np.abs(tr[k + 12:k + 26]).max())
    assert np.median(weak) < 0.6


def test_demo_classes_make_a_palette_with_matching_ids():
    from seisview.core.palette import Palette

    pal = Palette(DEMO_CLASSES)
    assert [c.id for c in pal] == list(range(1, len(DEMO_CLASSES) + 1))
    assert [c.name for c in pal] == [n for n, _ in DEMO_CLASSES]
    assert len({c for _, c in DEMO_CLASSES}) == len(DEMO_CLASSES)


def test_unwritable_cache_is_a_one_line_error(tmp_path, monkeypatch):
    from seisview.core.errors import SeisviewError

    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setattr(demo.config, "cache_dir", lambda: blocker)
    with pytest.raises(SeisviewError, match="cannot write the demo data"):
        demo.demo_gathers_path()


def test_project_on_the_demo_survey_starts_with_its_classes(survey, tmp_path):
    """A project made on the demo survey (CLI, File → New project) defaults to DEMO_CLASSES, not MalenoV."""
    from seisview.cli import main
    from seisview.io.class_lists import class_list_path
    from seisview.io.project import Project

    path = survey[0]
    assert class_list_path(path).is_file()  # shipped beside the SEG-Y
    with Project.create(tmp_path / "demo.seisview", path) as pr:
        assert [(c.id, c.name) for c in pr.palette] == [(i + 1, n) for i, (n, _) in enumerate(DEMO_CLASSES)]
        assert ["#{:02x}{:02x}{:02x}".format(*c.color) for c in pr.palette] == [col for _, col in DEMO_CLASSES]
    assert main(["project", "new", str(tmp_path / "cli.seisview"), "--survey", str(path)]) == 0
    with Project.open(tmp_path / "cli.seisview") as pr:
        assert [c.name for c in pr.palette] == [n for n, _ in DEMO_CLASSES]
    assert main(["project", "new", str(tmp_path / "m.seisview"), "--survey", str(path),
                 "--palette", "malenov"]) == 0  # asked for explicitly
    with Project.open(tmp_path / "m.seisview") as pr:
        assert len(pr.palette) == 9 and pr.palette.get(1).name == "else"


def test_other_builds_of_the_demo_are_pruned_only_when_idle(tmp_path):
    """Two checkouts (two generator sources) share one cache: neither may delete the
    other's folder while it is being built or read; only long-idle folders go."""
    import os
    import time

    from seisview.io.demo import _prune_stale

    keep, busy, idle = (tmp_path / f"survey-{k}" for k in ("aaaa", "bbbb", "cccc"))
    for d in (keep, busy, idle):
        d.mkdir()
    old = time.time() - 2 * 3600
    os.utime(idle, (old, old))
    _prune_stale("survey", keep)
    assert keep.is_dir() and busy.is_dir() and not idle.exists()
