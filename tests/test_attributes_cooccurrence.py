"""Whole-map co-occurrence statistics: quantile levels, pair statistics, shuffled MI baseline."""

from __future__ import annotations

import numpy as np
import pytest

from seisview.attributes.cooccurrence import above_noise, map_stats, pair_stats, quantile_levels
from seisview.core.errors import SeisviewError


def test_quantile_levels_are_equal_frequency_and_ties_share_a_level():
    x = np.random.default_rng(0).normal(size=(40, 50))
    q = quantile_levels(x.ravel(), 8)
    assert np.bincount(q, minlength=8).tolist() == [250] * 8
    assert set(quantile_levels(np.full(100, 7.0), 8).tolist()) == {4}
    # a skewed map still gets equal counts (a common-range quantisation would not)
    assert np.bincount(quantile_levels(np.exp(3 * x).ravel(), 4)).tolist() == [500] * 4


def test_pair_entropy_is_two_log_l_minus_mutual_information():
    rng = np.random.default_rng(1)
    a = rng.normal(size=(80, 90))
    b = a + rng.normal(size=a.shape)
    s = pair_stats(a, b, levels=8, shuffles=0)
    assert float(s.entropy[0]) == pytest.approx(2 * np.log2(8) - float(s.mi_raw[0]), abs=1e-9)
    same = pair_stats(a, a, levels=8)
    assert same.row()["mutual_information"] == pytest.approx(3.0, abs=0.01)
    assert same.row()["entropy"] == pytest.approx(3.0) and same.row()["contrast"] == 0


def test_independent_maps_give_corrected_mi_about_zero_and_related_maps_do_not():
    rng = np.random.default_rng(2)
    mis = [pair_stats(rng.normal(size=(100, 100)), rng.normal(size=(100, 100)), seed=i)
           .row()["mutual_information"] for i in range(5)]
    raw = pair_stats(rng.normal(size=(100, 100)), rng.normal(size=(100, 100))).mi_raw[0]
    assert raw > 0.003  # the plug-in estimate is biased up ...
    assert abs(np.mean(mis)) < 0.002  # ... and the shuffled baseline removes it
    a = rng.normal(size=(100, 100))
    assert pair_stats(a, np.abs(a) + 0.3 * rng.normal(size=a.shape)).row()["mutual_information"] > 0.3


def test_constant_maps_have_defined_statistics():
    flat = np.full((30, 40), 2.5)
    s = map_stats(flat).row()
    assert s == {"entropy": 0.0, "energy": 1.0, "homogeneity": 1.0, "contrast": 0.0,
                 "mutual_information": 0.0, "mi_noise": 0.0}
    p = pair_stats(flat, np.random.default_rng(3).normal(size=flat.shape)).row()
    assert all(np.isfinite(v) for v in p.values())
    assert p["entropy"] == pytest.approx(3.0, abs=1e-6) and p["mutual_information"] == 0.0


def test_mismatched_shapes_and_tiny_maps_are_refused():
    with pytest.raises(SeisviewError, match=r"differ in shape: A \(30, 40\) vs B \(30, 41\)"):
        pair_stats(np.zeros((30, 40)), np.zeros((30, 41)))
    with pytest.raises(SeisviewError, match="valid positions"):
        pair_stats(np.zeros((3, 3)), np.zeros((3, 3)))


def test_map_stats_of_channel_stacks_and_smooth_maps():
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(4)
    noise = rng.normal(size=(3, 60, 60))
    smooth = gaussian_filter(noise, (0, 3, 3))
    s_noise, s_smooth = map_stats(noise), map_stats(smooth)
    assert s_noise.entropy.shape == (3,)
    # neighbours of a smooth map agree: lower GLCM entropy and contrast, higher MI
    assert (s_smooth.entropy < s_noise.entropy).all() and (s_smooth.contrast < s_noise.contrast).all()
    assert (s_smooth.mutual_information > 0.5).all() and (np.abs(s_noise.mutual_information) < 0.02).all()


def test_shift_baseline_removes_the_bias_of_smooth_independent_maps():
    from scipy.ndimage import gaussian_filter

    rng = np.random.default_rng(5)
    shuffled, shifted, marked = [], [], 0
    for _ in range(6):
        a = gaussian_filter(rng.normal(size=(60, 60)), 4)
        b = gaussian_filter(rng.normal(size=(60, 60)), 4)
        shuffled.append(pair_stats(a, b, baseline="shuffle").row()["mutual_information"])
        s = pair_stats(a, b)  # the default: shifts
        shifted.append(s.row()["mutual_information"])
        marked += above_noise(s.row())  # above every shifted MI: chance 1/16 for each pair
    # few independent blobs: permuting positions underestimates the plug-in bias ...
    assert np.mean(shuffled) > 0.04
    # ... a circular shift keeps the autocorrelation and removes it
    assert abs(np.mean(shifted)) < 0.03 and marked <= 2
    a = rng.normal(size=(60, 60))
    related = pair_stats(a, a + 0.5 * rng.normal(size=a.shape)).row()
    assert related["mutual_information"] > 0.3 and above_noise(related)
    assert above_noise({"mutual_information": 0.3}) is None  # a table without noise levels
    with pytest.raises(SeisviewError, match="baseline"):
        pair_stats(a, a, baseline="bootstrap")
