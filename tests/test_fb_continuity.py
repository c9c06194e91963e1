"""Trace-to-trace continuity of first-break picks (ml.fb_continuity)."""

from __future__ import annotations

import numpy as np

from seisview.ml.fb_continuity import continuous_picks, local_moveout
from seisview.ml.models.fb_unet import picks_from_probability


def _steps(picks, n: int = 200) -> np.ndarray:
    return 0.05 + 0.9 * (np.arange(n)[:, None] >= np.asarray(picks)[None, :])


def test_path_keeps_a_straight_moveout_and_fixes_an_isolated_miss():
    true = 40 + 3 * np.arange(12)
    prob = _steps(true)
    assert np.array_equal(continuous_picks(prob, true.astype(float), 1.0), true)
    # trace 6: an early half-rise (noise) before a weaker step at the true time
    prob[:, 6] = np.where(np.arange(200) >= 10, 0.55, 0.05)
    prob[true[6]:, 6] = 0.95
    first, _ = picks_from_probability(prob)
    assert first[6] == 10  # alone, the trace's step cost takes the early rise
    assert np.array_equal(local_moveout(first), np.full(11, 3.0))  # one miss bends nothing
    path = continuous_picks(prob, first, 1.0)
    # within the free 1 ms a sample or two, where the noise keeps the probability above 0.5
    assert np.abs(path - true).max() <= 2 and np.array_equal(np.delete(path, 6), np.delete(true, 6))


def test_path_on_a_coarse_state_grid_and_few_traces():
    true = 400 + 13 * np.arange(8)  # 0.25 ms samples: states every 4 samples
    prob = _steps(true, 800)
    assert np.array_equal(continuous_picks(prob, true.astype(float), 0.25), true)
    two = continuous_picks(prob[:, :2], np.array([1.0, 2.0]), 0.25)
    assert np.array_equal(two, [1.0, 2.0])  # fewer than 3 traces: as given


def test_band_keeps_the_path_near_the_checked_picks():
    """A trace whose probability says "arrived" from the first sample (a trained picker on
    a noisy far trace) drags an unbounded path to 0; within a band it stays on the moveout."""
    true = 40 + 3 * np.arange(12)
    prob = _steps(true)
    prob[:, 8] = 0.95
    first = true.astype(float)  # as the moveout checks re-fitted it
    assert continuous_picks(prob, first, 1.0)[8] < 20
    assert abs(continuous_picks(prob, first, 1.0, band_ms=8.0)[8] - true[8]) <= 8 + 1  # + a state
