"""Session and LayerList: the viewer's model, without Qt."""

from __future__ import annotations

import numpy as np
import pytest

from seisview.core.display_layers import Layer, LayerList
from seisview.core.gathers import GatherSet
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.core.session import Session, agc
from seisview.core.volume import Volume


def _volume(n_il=6, n_xl=7, n_s=50, nan=False):
    # values encode position: il*100 + xl + sample/1000
    i, j, k = np.meshgrid(np.arange(n_il), np.arange(n_xl), np.arange(n_s), indexing="ij")
    a = (i * 100 + j + k / 1000.0).astype(np.float32)
    if nan:
        a[1, 2, 3] = np.nan
        a[1, 3, 3] = np.inf
    g = SurveyGeometry(LineAxis(100, 2, n_il), LineAxis(300, 1, n_xl), n_s, 4.0, 8.0)
    return Volume.from_array(a, g)


def test_layerlist_events_order_and_validation():
    ll = LayerList()
    seen = []
    ll.events.inserted.connect(lambda i, layer: seen.append(("ins", i, layer.name)))
    ll.events.removed.connect(lambda i, layer: seen.append(("rm", i, layer.name)))
    ll.events.moved.connect(lambda a, b: seen.append(("mv", a, b)))
    ll.events.changed.connect(lambda layer, what: seen.append(("ch", layer.name, what)))
    a = ll.append(Layer("a", "labels"))
    ll.append(Layer("b", "probability", opacity=0.5))
    with pytest.raises(ValueError, match="exists already"):
        ll.append(Layer("a", "labels"))
    with pytest.raises(ValueError, match="kind"):
        Layer("x", "bogus")
    with pytest.raises(ValueError, match="opacity"):
        a.opacity = 1.5
    with pytest.raises(ValueError, match="levels"):
        Layer("y", "attribute", levels=(1, 1))
    a.visible = False
    a.visible = False  # no change, no event
    a.opacity = 0.25
    a.refresh()
    ll.move(0, 1)
    assert ll.names() == ["b", "a"]
    removed = ll.remove("a")
    removed.opacity = 0.9  # detached: no more relays
    assert seen == [("ins", 0, "a"), ("ins", 1, "b"), ("ch", "a", "visible"), ("ch", "a", "opacity"),
                    ("ch", "a", "data"), ("mv", 0, 1), ("rm", 1, "a")]


def test_layer_source_must_be_2d():
    layer = Layer("p", "prediction", source=lambda spec: np.zeros(3))
    with pytest.raises(ValueError, match="2-D"):
        layer.data_for(SectionSpec("inline", 0))
    assert Layer("n", "prediction", source=lambda spec: None).data_for(SectionSpec("inline", 0)) is None


def test_session_positions_events_and_line_numbers():
    s = Session()
    got = []
    s.events.position.connect(lambda k, i: got.append((k, i)))
    s.open_volume(_volume())
    assert (s.il_idx, s.xl_idx, s.t_idx) == (3, 3, 25)
    assert s.set_position("inline", 99) == 5  # clipped
    s.step("inline", -2)
    s.set_position("inline", 3)  # unchanged: no event
    assert got == [("inline", 5), ("inline", 3)]
    assert s.line_number("inline") == 106 and s.line_number("time", 0) == 8.0
    assert s.index_of_line("inline", 104) == 2 and s.index_of_line("crossline", 10_000) == 6
    assert s.index_of_line("time", 16.0) == 2
    assert s.spec("crossline") == SectionSpec("crossline", 3)
    with pytest.raises(ValueError):
        s.set_position("diagonal", 1)


def test_cursor_reads_amplitude_at_nearest_sample():
    s = Session()
    s.open_volume(_volume())
    cur = s.set_cursor(2.2, 4.4, 9.6, origin="inline")
    assert cur.amplitude == pytest.approx(204 + 10 / 1000.0)
    assert s.set_cursor(None, 1, 1).amplitude is None


def test_one_signed_cubes_get_percentile_levels_and_a_sequential_map():
    s = Session()
    s.open_volume(_volume())  # all values >= 0, like a velocity cube
    assert not s.symmetric and s.colormap == "viridis"
    lo, hi = s.display_levels()
    assert 0 <= lo < 60 and 450 < hi <= 507
    s.set_display(gain=2.0)
    lo2, hi2 = s.display_levels()
    assert (lo2 + hi2) / 2 == pytest.approx((lo + hi) / 2) and hi2 - lo2 == pytest.approx((hi - lo) / 2)


def test_display_settings_levels_gain_and_nan():
    s = Session()
    got = []
    s.events.display.connect(got.append)
    vol = _volume(nan=True)
    vol.data -= 250.0  # seismic: both signs
    s.open_volume(vol)
    assert s.symmetric and s.colormap == "seismic"
    lo, hi = s.display_levels()
    assert lo == -hi and hi > 0
    s.set_display(gain=2.0, colormap="grey", clip_percentile=90)
    assert s.display_levels()[1] < hi / 2 + 1e-6
    assert got == ["colormap", "clip_percentile", "gain"]
    assert s.colormap == "grey" and s.seismic_layer.colormap == "grey"
    sec = s.display_section(SectionSpec("inline", 1))
    assert np.isfinite(sec).all() and sec[3, 2] == 0 and sec[3, 3] == 0  # NaN/Inf -> neutral 0
    with pytest.raises(ValueError):
        s.set_display(gain=0)
    with pytest.raises(ValueError):
        s.set_display(clip_percentile=20)


def test_agc_equalises_amplitude_along_time():
    t = np.arange(400)
    trace = np.sin(t / 3.0) * np.where(t < 200, 1.0, 20.0)
    out = agc(trace[:, None], 41, axis=0)[:, 0]
    rms_early = np.sqrt(np.mean(out[50:150] ** 2))
    rms_late = np.sqrt(np.mean(out[250:350] ** 2))
    assert rms_early == pytest.approx(1.0, rel=0.1) and rms_late == pytest.approx(1.0, rel=0.1)
    s = Session()
    vol = np.broadcast_to(trace.astype(np.float32), (3, 4, 400)).copy()
    s.open_volume(Volume.from_array(vol))
    s.set_display(agc_ms=160)
    assert s.agc_samples() == 41
    sec = s.display_section(SectionSpec("inline", 1))
    np.testing.assert_allclose(sec[:, 0], out, rtol=1e-4, atol=1e-4)
    ts = s.display_section(SectionSpec("time", 300))
    assert np.allclose(ts, ts[0, 0]) and abs(ts[0, 0]) < 2.0  # same trace everywhere, unit RMS
    assert s.display_levels()[1] < 3.0


def test_gather_stepping():
    data = np.zeros((6, 10), np.float32)
    gs = GatherSet(data, np.array([7, 7, 3, 3, 9, 9]), np.array([1, 2, 1, 2, 1, 2]),
                   np.full(6, np.nan), 2.0)
    s = Session()
    keys = []
    s.events.gather.connect(keys.append)
    s.open_gathers(gs, path="x.sgy")
    assert s.gather_key == 3
    assert s.step_gather(1) == 7 and s.step_gather(5) == 9 and s.step_gather(-9) == 3
    with pytest.raises(KeyError):
        s.set_gather(4)
    assert keys == [3, 7, 9, 3]
