"""Zoeppritz and its approximations; the tutorial's arrays reproduced from the LAS file."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from seisview_reflectivity_lab.features import build
from seisview_reflectivity_lab.physics import (
    aki_richards_rpp,
    shuey_rpp,
    zoeppritz_rpp,
    zoeppritz_rpp_matrix,
)

from seisview.core.errors import SeisviewError

WELLS = Path(__file__).resolve().parents[3] / "tests" / "data" / "wells"  # the repository's test data
ROCK = (2500.0, 1200.0, 2300.0, 2800.0, 1500.0, 2400.0)


@pytest.fixture(scope="module")
def data():
    return build(WELLS / "R-39.las")


def test_normal_incidence_is_the_impedance_contrast():
    z1, z2 = ROCK[0] * ROCK[2], ROCK[3] * ROCK[5]
    assert zoeppritz_rpp(*ROCK, 0.0).real == pytest.approx((z2 - z1) / (z2 + z1), rel=1e-12)
    assert zoeppritz_rpp(*ROCK, 0.0).imag == 0
    assert zoeppritz_rpp(*ROCK[3:], *ROCK[:3], 0.0).real == pytest.approx(-(z2 - z1) / (z2 + z1))


@pytest.mark.parametrize("theta", [5.0, 25.0, 50.0, 70.0])  # 70° is past the critical angle (63°)
def test_closed_form_matches_the_4x4_system(theta):
    closed, solved = zoeppritz_rpp(*ROCK, theta), zoeppritz_rpp_matrix(*ROCK, theta)
    # past critical the sign of the imaginary part is a time convention; real part and modulus agree
    assert closed.real == pytest.approx(solved.real, abs=1e-12)
    assert abs(closed) == pytest.approx(abs(solved), abs=1e-12)


def test_past_critical_angle_the_coefficient_is_complex_with_unit_modulus_at_grazing():
    assert abs(zoeppritz_rpp(*ROCK, 70.0).imag) > 1e-3
    assert abs(zoeppritz_rpp(*ROCK, 89.999)) == pytest.approx(1.0, abs=1e-3)


def test_approximations_are_close_at_small_angles_and_drift_at_large():
    for fn in (shuey_rpp, aki_richards_rpp):
        assert fn(*ROCK, 0.0) == pytest.approx(zoeppritz_rpp(*ROCK, 0.0).real, abs=2e-3)
        assert abs(fn(*ROCK, 10.0) - zoeppritz_rpp(*ROCK, 10.0).real) < 3e-3
    assert abs(shuey_rpp(*ROCK, 45.0) - zoeppritz_rpp(*ROCK, 45.0).real) > 5e-3


def test_features_and_targets_reproduce_the_tutorial_arrays(data):
    for split in ("train", "val", "blind"):
        X = np.load(WELLS / f"X_{split}.npy")
        y = np.load(WELLS / f"y_{split}.npy")
        np.testing.assert_allclose(data.X(split), X, rtol=0, atol=1e-9)
        np.testing.assert_allclose(data.y(split), y, rtol=0, atol=1e-12)
    assert data.rocks.shape == (1548, 6)
    assert data.report[0].startswith("DT4S: 105 null or negative Vs samples replaced by the mean")
    raw = data.splits["train"].raw
    assert raw[:, 6].min() >= 0 and raw[:, 6].max() <= 20
    assert (data.splits["new_angle"].raw[:, 6] == 30).all()
    # new rocks are the deepest interfaces, never used for training
    assert set(data.splits["new_rocks"].interfaces).isdisjoint(data.splits["train"].interfaces)


def test_missing_curves_are_named(tmp_path):
    las = tmp_path / "gr_only.las"
    las.write_text("~VERSION\nVERS. 2.0 : v\nWRAP. NO : w\n~WELL\nSTRT.M 1 : s\nSTOP.M 2 : s\n"
                   "STEP.M 1 : s\nNULL. -999.25 : n\n~CURVE\nDEPT.M : d\nGR.GAPI : g\nDTC.US/M : p\n"
                   "~A\n1 10 300\n2 20 310\n")
    with pytest.raises(SeisviewError, match=r"lacks curves: needs DTS .*RHOB .*found: GR, DTC"):
        build(las)


def test_a_short_log_says_how_many_interfaces_the_recipe_needs(tmp_path):
    rows = "\n".join(f"{100 + 0.5 * i:.1f} {300 + i % 7} {600 + i % 5} {2300 + i % 3}" for i in range(300))
    las = tmp_path / "short.las"
    las.write_text("~VERSION\nVERS. 2.0 : v\nWRAP. NO : w\n~WELL\nSTRT.M 100 : s\nSTOP.M 249.5 : s\n"
                   "STEP.M 0.5 : s\nNULL. -999.25 : n\n~CURVE\nDEPT.M : d\nDTC.US/M : p\nDTSM.US/M : s\n"
                   "DEN.K/M3 : r\n~A\n" + rows + "\n")
    with pytest.raises(SeisviewError, match=r"short.las gives 39 interfaces; the tutorial needs 700"):
        build(las)
