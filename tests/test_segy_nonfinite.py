"""Each kind of non-finite sample is found by the per-slice check of the block reader (issue 16:
the check moved from a summing pass over each block to min/max of each decoded slice)."""

import numpy as np
import pytest

from seisview.core.geometry import SurveyGeometry
from seisview.io.segy import load, write_volume_segy


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_one_non_finite_sample_is_replaced_and_reported(tmp_path, bad):
    data = np.random.default_rng(0).standard_normal((6, 7, 50)).astype(np.float32)
    data[3, 4, 17] = bad
    path = write_volume_segy(tmp_path / "bad.sgy", data, SurveyGeometry.regular(6, 7, 50), sample_format=5)
    vol = load(path, use_cache=False)
    assert np.isfinite(vol.data).all()
    assert vol.data[3, 4, 17] == 0.0
    good = np.isfinite(data)
    assert np.array_equal(vol.data[good], data[good])
    assert any("NaN/Inf" in w for w in vol.load_warnings)


def test_a_clean_file_gives_no_warning(tmp_path):
    data = np.random.default_rng(1).standard_normal((6, 7, 50)).astype(np.float32) * 1e3
    path = write_volume_segy(tmp_path / "clean.sgy", data, SurveyGeometry.regular(6, 7, 50), sample_format=5)
    vol = load(path, use_cache=False)
    assert np.array_equal(vol.data, data)
    assert not any("NaN/Inf" in w for w in vol.load_warnings)
