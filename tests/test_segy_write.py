"""Writers (volumes, gathers) round-tripped through scan/load, and the zarr cache."""

from __future__ import annotations

import numpy as np
import pytest

from seisview.core.gathers import GatherSet
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.io.cache import build_cache, open_cache
from seisview.io.segy import load, scan, write_gathers_segy, write_volume_segy

AFFINE = (3.0, -12.0, 431961.0, 12.0, 3.0, 6348566.0)


def _cube(shape=(6, 7, 40), seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32) * 100


def _geom(shape, **kw):
    base = dict(il=LineAxis(10, 2, shape[0]), xl=LineAxis(300, 4, shape[1]), n_samples=shape[2], dt=2.0,
                t0=-12.5, affine=AFFINE)
    base.update(kw)
    return SurveyGeometry(**base)


@pytest.mark.parametrize("fmt,order", [(5, "big"), (5, "little"), (1, "big"), (1, "little"), (2, "big")])
def test_volume_round_trip(tmp_path, fmt, order):
    data = _cube()
    if fmt == 2:
        data = np.rint(data)
    g = _geom(data.shape)
    p = write_volume_segy(tmp_path / "v.sgy", data, g, sample_format=fmt, byte_order=order)
    r = scan(p)
    assert (r.kind, r.byte_order, r.format_code, r.sorting) == ("poststack3d", order, fmt, "inline")
    assert not r.warnings
    assert (r.geometry.il, r.geometry.xl, r.geometry.dt, r.geometry.t0) == (g.il, g.xl, 2.0, -12.5)
    assert np.allclose(r.geometry.affine, AFFINE, atol=1e-3)
    v = load(p)
    if fmt == 1:
        np.testing.assert_allclose(v.data, data, rtol=5e-7)  # IBM keeps 21-24 fraction bits
    else:
        assert np.array_equal(v.data, data)
    import segyio  # the written file reads the same through segyio

    with segyio.open(p, endian=order) as f:
        assert np.array_equal(f.iline[12], v.data[1]) and list(f.xlines) == list(g.xl.numbers)


def test_depth_volume_and_dead_traces(tmp_path):
    data = _cube((4, 5, 30))
    live = np.ones((4, 5), bool)
    live[0, :2] = False
    data[~live] = 0
    g = _geom(data.shape, domain="depth", dt=20.0, t0=0.0)
    p = write_volume_segy(tmp_path / "d.sgy", data, g, live=live)
    r = scan(p)
    assert (r.domain, r.dt_us, r.dt) == ("depth", 20000.0, 20.0)
    v = load(p)
    assert np.array_equal(v.live, live)  # trace id 2 marks dead traces
    p2 = write_volume_segy(tmp_path / "d2.sgy", data, g, live=live, skip_dead=True)
    r2 = scan(p2)
    assert r2.n_traces == 18 and r2.missing_traces == 2
    assert np.array_equal(load(p2).live, live)


def test_write_refuses_a_shape_mismatch(tmp_path):
    from seisview.core.errors import SeisviewError

    with pytest.raises(SeisviewError):
        write_volume_segy(tmp_path / "x.sgy", _cube(), SurveyGeometry.regular(2, 2, 2))


def test_gathers_round_trip(tmp_path):
    rng = np.random.default_rng(2)
    n = 3 * 24
    keys = np.repeat([5, 7, 9], 24)
    ch = np.tile(np.arange(1, 25), 3)
    offsets = (ch - 12.5) * 5.0
    fb = np.where(ch % 7 == 0, -1, 20000 + ch * 1000)
    gs = GatherSet(rng.standard_normal((n, 500)).astype(np.float32), keys, ch, offsets, 0.25, 0.0, "ffid",
                   {"fb_us": fb, "sx_m": np.full(n, -2.5), "gx_m": (ch - 1) * 5.0})
    p = write_gathers_segy(tmp_path / "g.sgy", gs)
    r = scan(p)
    assert (r.kind, r.gathers["count"], r.dt_us) == ("prestack", 3, 250.0)
    g2 = load(p)
    assert np.array_equal(g2.data, gs.data) and np.array_equal(g2.keys, keys)
    assert np.array_equal(g2.channels, ch) and np.allclose(g2.offsets, offsets)
    assert np.array_equal(g2.headers["fb_us"], fb) and np.allclose(g2.headers["gx_m"], (ch - 1) * 5.0)
    assert g2.gather(7).data.shape == (500, 24)


def test_prestack_above_the_ram_budget_is_read_by_gather(tmp_path, monkeypatch):
    gs = GatherSet(np.arange(48 * 400, dtype=np.float32).reshape(48, 400), np.repeat([1, 2], 24),
                   np.tile(np.arange(1, 25), 2), np.zeros(48), 1.0)
    p = write_gathers_segy(tmp_path / "g.sgy", gs)
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-6))
    mapped = load(p)
    assert not isinstance(mapped.data, np.ndarray)  # samples stay in the file
    assert np.array_equal(mapped.gather(2).data, gs.gather(2).data)
    back = write_gathers_segy(tmp_path / "back.sgy", mapped)  # exported block by block
    assert np.array_equal(load(back, use_cache=False).data, gs.data)


def test_cache_serves_the_same_sections(tmp_path, monkeypatch):
    data = _cube((20, 18, 30))
    p = write_volume_segy(tmp_path / "c.sgy", data, _geom(data.shape))
    mem = load(p, use_cache=False)
    out = build_cache(scan(p), tmp_path / "c.zarr")
    z = open_cache(out)
    assert not z.in_memory and z.geometry == mem.geometry
    for k in (0, 17, 29):
        assert np.array_equal(z.time_slice(k), mem.time_slice(k))
    for i in (0, 19):
        assert np.array_equal(z.inline(i), mem.inline(i))
    for j in (0, 17):
        assert np.array_equal(z.crossline(j), mem.crossline(j))
    assert z.levels.clip == pytest.approx(mem.levels.clip, rel=0.05)
    assert np.array_equal(load(out).time_slice(3), mem.time_slice(3))  # load() opens a cache folder
    # a survey above the RAM budget goes to the cache by itself
    monkeypatch.setenv("SEISVIEW_RAM_BUDGET_GB", str(1e-6))
    auto = load(p)
    assert not auto.in_memory and np.array_equal(auto.crossline(5), mem.crossline(5))
    # and the cache can be exported back to SEG-Y
    p2 = write_volume_segy(tmp_path / "back.sgy", auto.data, auto.geometry)
    assert np.array_equal(load(p2, use_cache=False).data, data)
