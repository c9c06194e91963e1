"""Trace attributes and windowed GLCM texture attributes."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.feature import graycomatrix, graycoprops

from seisview.attributes import seismic
from seisview.attributes.texture import FEATURES, glcm_attributes, quantize
from seisview.core.errors import SeisviewError
from seisview.core.section import SectionSpec

DT = 4.0


def _sine(f_hz, n=500, amp=2.0, traces=3):
    t = np.arange(n) * DT / 1000
    return (amp * np.sin(2 * np.pi * f_hz * t))[:, None].repeat(traces, axis=1)


def test_envelope_phase_frequency_of_a_sine():
    x = _sine(25.0)
    core = slice(50, -50)  # FFT Hilbert transform is exact away from the ends
    np.testing.assert_allclose(seismic.envelope(x)[core], 2.0, rtol=0.02)
    np.testing.assert_allclose(seismic.instantaneous_frequency(x, DT)[core], 25.0, rtol=0.02)
    # phase of sin is (2 pi f t - pi/2) wrapped: its increments are 2 pi f dt
    ph = np.unwrap(seismic.instantaneous_phase(x)[:, 0])
    np.testing.assert_allclose(np.diff(ph)[core], 2 * np.pi * 25.0 * DT / 1000, rtol=0.02)


def test_rms_and_bandpass():
    x = _sine(25.0)
    np.testing.assert_allclose(seismic.rms(x, window=41)[60:-60], 2.0 / np.sqrt(2), rtol=0.02)
    mix = _sine(8.0, amp=1.0) + _sine(40.0, amp=1.0)
    low = seismic.bandpass(mix, DT, 3.0, 15.0)
    high = seismic.bandpass(mix, DT, 30.0, 55.0)
    np.testing.assert_allclose(low[100:-100], _sine(8.0, amp=1.0)[100:-100], atol=0.08)
    np.testing.assert_allclose(high[100:-100], _sine(40.0, amp=1.0)[100:-100], atol=0.08)


def test_attribute_map_matches_whole_trace_computation():
    rng = np.random.default_rng(0)
    cube = rng.normal(size=(6, 5, 300)).astype(np.float32)
    for name in ("envelope", "bandpass", "rms"):
        whole = seismic.compute(name, cube, DT, axis=2)
        m = seismic.attribute_map(cube, 150, name, dt_ms=DT, margin=100)
        np.testing.assert_allclose(m, whole[:, :, 150], rtol=0.03, atol=0.03 * np.abs(whole).max())
    np.testing.assert_array_equal(seismic.attribute_map(cube, 7, "amplitude"), cube[:, :, 7])


def test_attribute_errors_are_one_line():
    with pytest.raises(SeisviewError, match="Nyquist"):
        seismic.bandpass(np.zeros((50, 2)), DT, 10, 200)
    with pytest.raises(SeisviewError, match="unknown attribute"):
        seismic.compute("sweetness2", np.zeros((50, 2)), DT)
    with pytest.raises(SeisviewError, match="sample index"):
        seismic.attribute_map(np.zeros((3, 3, 10)), 10, "envelope")
    with pytest.raises(SeisviewError, match="check the attribute's parameters"):
        seismic.compute("rms", np.zeros((50, 2)), DT, windw=3)


@pytest.mark.parametrize("symmetric", [True, False])
@pytest.mark.parametrize("angle", [0, 45, 90, 135])
def test_glcm_equals_scikit_image_per_window(symmetric, angle):
    rng = np.random.default_rng(1)
    x = rng.normal(size=(40, 45)).cumsum(axis=1)
    levels, window, distance = 8, 7, 2
    res = glcm_attributes(x, levels=levels, window=window, distance=distance, angles=(angle,),
                          symmetric=symmetric)
    q = quantize(x, levels)
    pad, h = window // 2 + distance, window // 2
    qp = np.pad(q, pad, mode="reflect")
    for i, j in [(0, 0), (20, 22), (39, 44), (3, 41)]:
        patch = qp[i + pad - h:i + pad + h + 1, j + pad - h:j + pad + h + 1]
        P = graycomatrix(patch, [distance], [np.deg2rad(angle)], levels=levels, symmetric=symmetric,
                         normed=True)
        p = P[:, :, 0, 0]
        ref = {"energy": (p ** 2).sum(), "entropy": -(p[p > 0] * np.log2(p[p > 0])).sum(),
               **{k: graycoprops(P, k)[0, 0] for k in ("contrast", "homogeneity", "correlation")}}
        for k, v in ref.items():
            assert res[k][i, j] == pytest.approx(v, abs=1e-5), (k, i, j)


def test_glcm_on_a_section_and_a_constant_map(shared_data):
    import segyio

    with segyio.open(shared_data / "segy/f3/F3_very_small.sgy", ignore_geometry=True) as f:
        sec = np.stack([f.trace[i] for i in range(11)], axis=1)  # (sample, trace): one inline
    res = glcm_attributes(sec, levels=16, window=7)
    assert set(res) == set(FEATURES)
    for v in res.values():
        assert v.shape == sec.shape and np.isfinite(v).all()
    assert (res["energy"] > 0).all() and (res["energy"] <= 1).all()
    assert res["entropy"].max() <= 2 * np.log2(16) + 1e-6
    flat = glcm_attributes(np.full((20, 30), 3.0))
    assert np.all(flat["entropy"] == 0) and np.all(flat["energy"] == 1) and np.all(flat["contrast"] == 0)


def test_glcm_bad_parameters():
    x = np.zeros((20, 20))
    with pytest.raises(SeisviewError, match="odd window"):
        glcm_attributes(x, window=8)
    with pytest.raises(SeisviewError, match="unknown texture"):
        glcm_attributes(x, features=("sweetness",))
    with pytest.raises(SeisviewError, match="2-D"):
        glcm_attributes(np.zeros((3, 4, 5)))


def test_attribute_layers_have_section_shapes():
    from seisview.attributes.section_attributes import attribute_layer
    from seisview.core.volume import Volume
    from seisview.plugins import registry

    rng = np.random.default_rng(2)
    vol = Volume.from_array(rng.normal(size=(12, 9, 80)).astype(np.float32))
    names = registry.names("attribute")
    for n in ("envelope", "phase", "frequency", "rms", "bandpass", "glcm_energy", "glcm_entropy",
              "glcm_homogeneity", "glcm_contrast", "glcm_correlation"):
        assert n in names
    for n in ("envelope", "glcm_entropy"):
        layer = attribute_layer(vol, n)
        assert layer.kind == "attribute"
        for spec in (SectionSpec("inline", 3), SectionSpec("crossline", 2), SectionSpec("time", 40)):
            a = layer.data_for(spec)
            assert a.shape == vol.section_shape(spec) and np.isfinite(a).all()
    env = attribute_layer(vol, "envelope").data_for(SectionSpec("inline", 3))
    np.testing.assert_allclose(env, seismic.envelope(vol.inline(3)), rtol=1e-5)
