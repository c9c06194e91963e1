"""The generated demo survey: deterministic, real SEG-Y, truth aligned with the seismic."""

from __future__ import annotations

import numpy as np
import pytest

from seisview.io import demo
from seisview.io.demo_model import DEMO_CLASSES, SALT, ModelSpec, build_model


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
    assert vol.shape == truth.shape == (200, 200, 250)
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
