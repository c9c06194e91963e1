"""Training data from painted labels: refusals, the held-out split, crops and phase rotation."""

import numpy as np
import pytest
from scipy.signal import hilbert

from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec
from seisview.core.volume import Volume
from seisview.ml.data import CropSampler, make_training_data, quadrature
from seisview.ml.evaluation import score, thin_strokes


@pytest.fixture(scope="module")
def small():
    from seisview.io.demo import demo_truth, demo_volume

    vol = demo_volume()
    data = np.array(vol.data[40:46, :96, :160])
    return Volume.from_array(data), np.array(demo_truth()[40:46, :96, :160])


def test_refuses_no_labels_one_class_outside_survey_and_wrong_shape(small):
    vol, truth = small
    spec = SectionSpec("inline", 2)
    empty = np.zeros(vol.section_shape(spec), np.uint8)
    with pytest.raises(SeisviewError, match="no labels"):
        make_training_data(vol, {spec: empty})
    one = empty.copy()
    one[10:14, 5:40] = 3
    with pytest.raises(SeisviewError, match="only one class"):
        make_training_data(vol, {spec: one})
    two = one.copy()
    two[100:104, 5:40] = 1
    with pytest.raises(SeisviewError, match="outside the survey"):
        make_training_data(vol, {SectionSpec("inline", 6): two})
    with pytest.raises(SeisviewError, match="shape"):
        make_training_data(vol, {SectionSpec("crossline", 0): two})
    with pytest.raises(SeisviewError, match="class id 3"):
        make_training_data(vol, {spec: two}, n_classes=2)


def test_split_is_disjoint_covers_the_strokes_and_keeps_every_class(small):
    vol, truth = small
    spec = SectionSpec("inline", 2)
    strokes = thin_strokes(truth[2].T, fraction=0.05)
    data = make_training_data(vol, {"inline:2": strokes}, n_classes=6, val_fraction=0.3)
    (s,) = data.sections
    assert s.spec == spec
    assert not np.any((s.train > 0) & (s.val > 0))
    assert np.array_equal(np.maximum(s.train, s.val), strokes)
    assert set(np.unique(s.train)) - {0} == set(np.unique(strokes)) - {0}
    assert s.val.any()
    assert sum(data.train_counts.values()) + sum(data.val_counts.values()) == (strokes > 0).sum()
    assert np.abs(s.image).max() <= 1 and len(data.context) >= 1


def test_thin_strokes_respect_the_budget_and_the_truth(small):
    _, truth = small
    sec = truth[3].T
    m = thin_strokes(sec, fraction=0.02)
    assert 0 < (m > 0).mean() <= 0.02
    assert np.all(m[m > 0] == sec[m > 0])
    assert score(sec, sec, 6)["accuracy"] == 1.0


def test_crops_carry_only_painted_targets_and_mask_borders(small):
    vol, truth = small
    strokes = thin_strokes(truth[2].T, fraction=0.05)
    data = make_training_data(vol, {SectionSpec("inline", 2): strokes}, n_classes=6,
                              val_fraction=0.0)
    sampler = CropSampler(data, crop=64, context=8, phase_rotation=False, flip=False, gain=0,
                          seed=1)
    x, y = sampler.batch(6)
    assert x.shape == (6, 1, 64, 64) and y.shape == (6, 64, 64)
    assert set(np.unique(y)) <= {-1, 0, 1, 2, 3, 4, 5}
    assert all((yy >= 0).any() for yy in y)  # every crop holds painted pixels
    # without augmentation each crop is a window of the section: find it and compare
    img, lab = data.sections[0].image, data.sections[0].train.astype(int) - 1
    for xx, yy in zip(x[:, 0], y, strict=True):
        hits = [(r, c) for r, c in np.argwhere(img == xx[0, 0])
                if r + 64 <= img.shape[0] and c + 64 <= img.shape[1]
                and np.array_equal(img[r:r + 64, c:c + 64], xx)]
        assert len(hits) == 1
        r, c = hits[0]
        keep = yy >= 0
        assert np.array_equal(yy[keep], lab[r:r + 64, c:c + 64][keep])


def test_phase_rotation_uses_the_hilbert_quadrature(small):
    vol, _ = small
    spec = SectionSpec("inline", 1)
    q = quadrature(vol, spec, clip=1e9)
    ref = np.imag(hilbert(vol.section_array(spec).astype(np.float64), axis=0)) / 1e9
    assert np.allclose(q, ref, atol=1e-6)
    # rotating by 90 degrees twice flips polarity: x cos - H(x) sin with H(H(x)) = -x
    t = np.linspace(0, 1, 400)
    x = np.cos(2 * np.pi * 25 * t)
    hx = np.imag(hilbert(x))
    assert np.allclose(hx[50:-50], np.sin(2 * np.pi * 25 * t)[50:-50], atol=0.05)
    ts = quadrature(vol, SectionSpec("time", 80), clip=1.0)
    assert ts.shape == vol.section_shape(SectionSpec("time", 80)) and np.isfinite(ts).all()


def test_time_stretch_resamples_crops_and_keeps_a_painted_pixel(small):
    from seisview.ml.data import _stretch

    vol, truth = small
    strokes = thin_strokes(truth[2].T, fraction=0.05, width=1)  # 1-pixel strokes: easy to skip
    data = make_training_data(vol, {SectionSpec("inline", 2): strokes}, n_classes=6,
                              val_fraction=0.0)
    sampler = CropSampler(data, crop=64, context=8, phase_rotation=False, flip=False, gain=0,
                          stretch=0.5, seed=3)
    x, y = sampler.batch(64)
    assert x.shape == (64, 1, 64, 64) and y.shape == (64, 64, 64)
    assert all((yy >= 0).any() for yy in y)  # squeezing never drops every painted row
    # resampling: a ramp stays a ramp, labels stay labels (nearest), the size is asked for
    ramp = np.arange(10, dtype=np.float32)[:, None] * np.ones((1, 3), np.float32)
    lab = (np.arange(10)[:, None] % 3 * np.ones((1, 3))).astype(np.uint8)
    xs, qs, ys = _stretch(ramp, -ramp, lab, 20)
    assert xs.shape == (20, 3) and np.all(np.diff(xs[:, 0]) >= 0)
    assert xs[0, 0] == 0 and xs[-1, 0] == 9 and np.array_equal(qs, -xs)
    assert set(np.unique(ys)) == {0, 1, 2}


def test_focus_centres_its_share_of_crops_on_the_focus_pixels(small):
    vol, truth = small
    strokes = thin_strokes(truth[2].T, fraction=0.05)
    data = make_training_data(vol, {SectionSpec("inline", 2): strokes}, n_classes=6,
                              val_fraction=0.0)
    train = data.sections[0].train
    cls = int(np.unique(train[train > 0])[-1])
    focus = [train == cls]  # as if the starting model got only this class's stroke wrong

    def has_cls(sampler):
        return [bool((y == cls - 1).any()) for y in sampler.batch(40)[1]]

    kw = dict(crop=48, context=8, phase_rotation=False, flip=False, gain=0, seed=2)
    assert all(has_cls(CropSampler(data, focus=focus, focus_share=1.0, **kw)))
    # without focus, classes are drawn evenly: most crops miss this one
    assert sum(has_cls(CropSampler(data, **kw))) < 30
    # an empty focus (the model fits every stroke) falls back to the plain sampler
    empty = CropSampler(data, focus=[np.zeros_like(train, bool)], focus_share=1.0, **kw)
    assert empty.focus_share == 0.0
