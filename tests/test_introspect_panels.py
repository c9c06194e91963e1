"""Activation and crossplot panels in a main window (offscreen Qt)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

pytest.importorskip("pytestqt")
torch.set_num_threads(1)


@pytest.fixture
def window(qtbot):
    from seisview.core.volume import Volume
    from seisview.qt.activation_panel import make_panel as make_activations
    from seisview.qt.crossplot_panel import make_panel as make_crossplot
    from seisview.qt.main_window import MainWindow

    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    rng = np.random.default_rng(0)
    vol = Volume.from_array(np.cumsum(rng.normal(size=(40, 48, 96)), axis=2).astype(np.float32))
    w.session.open_volume(vol)
    act, xp = make_activations(w), make_crossplot(w)
    w.add_panel("activations", act, "Activations")
    w.add_panel("crossplot", xp, "Statistics crossplot", "bottom")
    w.resize(1200, 900)
    w.show()
    qtbot.waitExposed(w)
    yield w, act, xp
    act.shutdown()
    xp.shutdown()


@pytest.fixture(scope="module")
def snapshot():
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot

    torch.manual_seed(0)
    return ModelSnapshot.of(build_model("unet", 3, base=4), "unet", {"base": 4}, version=1)


def test_activation_panel_pages_follow_the_section_and_overlay(window, snapshot, qtbot):
    w, panel, _ = window
    s = w.session
    with qtbot.waitSignal(panel.page_shown, timeout=20000) as sig:
        panel.set_snapshot(snapshot)
    page = sig.args[0]
    assert page.spec == s.spec("inline") and page.layer == "enc0"
    assert len(page.channels) == min(16, page.activations["enc0"].n_channels)
    # ordered by the chosen statistic (std, descending)
    act = page.activations["enc0"]
    std = act.interior().reshape(act.n_channels, -1).std(axis=1)
    assert np.all(np.diff(std[page.order]) <= 1e-6)
    # the page is one mosaic image: tile i shows channel i coloured by its levels
    from seisview.qt.colormaps import lut, to_uint8

    m = page.mosaic
    (hn, wn), (ph, pw) = m.tile, m.pitch
    r, c = divmod(len(page.channels) - 1, m.columns)
    tile = m.rgba[r * ph:r * ph + hn, c * pw:c * pw + wn]
    want = lut("viridis")[to_uint8(act.native[int(page.channels[-1])], tuple(page.levels[-1]))]
    np.testing.assert_array_equal(tile, want)
    (sr, sc) = act.stride
    i, row, col = panel.tile_at(c * pw * sc + 12.7, r * ph * sr + 30.2)  # view point -> tile, pixel
    assert i == len(page.channels) - 1 and (row, col) == pytest.approx((30.2, 12.7))
    # hovering a channel map moves the linked crosshair to the same section position
    panel.hover_at(30.2, 12.7, int(page.channels[0]))
    assert s.cursor.origin == "activation" and s.cursor.il_idx == s.il_idx
    assert s.cursor.xl_idx == pytest.approx(12.2) and s.cursor.sample == pytest.approx(29.7)
    # click -> overlay layer; it follows the section when the inline changes
    layer = panel.add_overlay("enc0", int(page.channels[0]))
    assert layer.kind == "activation" and layer in list(s.layers)
    assert layer.data_for(s.spec("inline")).shape == (96, 48)
    with qtbot.waitSignal(panel.page_shown, timeout=20000) as sig:
        s.set_position("inline", 7)
    assert sig.args[0].spec.index == 7
    assert layer.data_for(s.spec("inline")) is not None
    assert layer.data_for(s.spec("crossline")) is None  # captured on inlines only


def test_activation_requests_latest_wins(window, snapshot, qtbot):
    w, panel, _ = window
    panel.set_snapshot(snapshot)
    panel._pending.stop()
    shown = []
    panel.page_shown.connect(shown.append)
    ids = []
    for i in (3, 9, 21):
        w.session.set_position("inline", i)
        panel._pending.stop()
        ids.append(panel.request())
    qtbot.waitUntil(lambda: bool(shown) and not panel.runner.busy, timeout=20000)
    assert [p.spec.index for p in shown] == [21]  # stale answers were dropped


def test_deep_layer_with_many_channels_is_paged(window, qtbot):
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot

    _, panel, _ = window
    wide = ModelSnapshot.of(build_model("unet", 3, base=16), "unet", {"base": 16}, version=1)
    with qtbot.waitSignal(panel.page_shown, timeout=20000):  # the worker lists the layers
        panel.set_snapshot(wide)
    deep = [panel.layer_box.itemText(i) for i in range(panel.layer_box.count())
            if panel.layer_box.itemText(i).startswith("enc")][-1]
    with qtbot.waitSignal(panel.page_shown, timeout=20000) as sig:
        panel.layer_box.setCurrentText(deep)
    page = sig.args[0]
    n = page.activations[deep].n_channels
    assert n > 16 and page.n_pages == -(-n // 16) and len(page.channels) == 16
    with qtbot.waitSignal(panel.page_shown, timeout=20000) as sig:
        panel.page_box.setValue(page.n_pages)
    last = sig.args[0]
    assert last.page == page.n_pages - 1 and len(last.channels) == n - 16 * (page.n_pages - 1)


def test_crossplot_live_lasso_and_exports(window, snapshot, qtbot, tmp_path):
    w, _, xp = window
    with qtbot.waitSignal(xp.runner.result, timeout=60000):
        xp.set_snapshot(snapshot)
    groups = set(xp.groups.values())
    assert groups == {"in phase", "out of phase"}
    layers = {xp.x_layer.itemText(i) for i in range(xp.x_layer.count())}
    assert "raw" in layers and any(n.startswith("random:") for n in layers)
    assert len(xp.keys) == len(xp.xy) > 0 and np.isfinite(xp.xy).all()
    # a lasso around the left half of the points selects exactly those points
    x, y = xp.xy[:, 0], xp.xy[:, 1]
    u = np.unique(x)
    cut = (u[len(u) // 2 - 1] + u[len(u) // 2]) / 2  # between two points, never on one
    poly = np.array([[x.min() - 1, y.min() - 1], [cut, y.min() - 1], [cut, y.max() + 1], [x.min() - 1, y.max() + 1]])
    with qtbot.waitSignal(xp.selection_changed) as sig:
        xp._on_lasso(poly)
    expect = [k for k, xv in zip(xp.keys, x, strict=True) if xv < cut]
    assert sorted(sig.args[0]) == sorted(expect)
    first = xp.selected[0][0]  # "amp@time:T" (ms): the map view moves to the slice at T
    assert first.split("@")[1] == w.session.geometry.spec_text(w.session.spec("time"))
    out = xp.export_csv(tmp_path / "points.csv").read_text().splitlines()
    assert len(out) == len(xp.keys) + 1 and out[0].startswith("a,b,group,x:")
    assert sum(line.endswith(",1") for line in out[1:]) == len(expect)
    png = xp.export_png(tmp_path / "plot.png")
    assert png.stat().st_size > 1000


def test_attributes_menu_adds_layers_computed_off_the_gui_thread(window, qtbot):
    from seisview.attributes.seismic import envelope

    w, _, _ = window
    menu = w.menu("Attributes")
    texts = [a.text() for a in menu.actions()]
    assert "Add envelope layer" in texts and "Add glcm entropy layer" in texts
    next(a for a in menu.actions() if a.text() == "Add envelope layer").trigger()
    layer = w.session.layers["attribute: envelope"]
    assert layer.kind == "attribute"
    src = layer.meta["async_source"]
    spec = w.session.spec("inline")
    qtbot.waitUntil(lambda: layer.data_for(spec) is not None and not src.busy, timeout=20000)
    np.testing.assert_allclose(layer.data_for(spec), envelope(w.session.volume.inline(spec.index)), rtol=1e-5)
    # a time slice is computed from the traces around it, not from the slice alone
    tspec = w.session.spec("time")
    qtbot.waitUntil(lambda: layer.data_for(tspec) is not None and not src.busy, timeout=20000)
    assert layer.data_for(tspec).shape == w.session.volume.section_shape(tspec)
    src.shutdown()


def test_panels_follow_the_current_model(window, snapshot, qtbot):
    """The activation and crossplot panels follow the session's current facies model (core
    state the Training dock writes), not another panel."""
    w, panel, xp = window
    with qtbot.waitSignal(panel.page_shown, timeout=20000):
        w.session.models.set("facies", snapshot)  # what the Training dock does on each new snapshot
    assert panel.snapshot is snapshot and xp.snapshot is snapshot
    xp.shutdown()  # disconnects: later snapshots are not followed
    panel.shutdown()
    w.session.models.set("facies", object())
    assert panel.snapshot is snapshot and xp.snapshot is snapshot and panel._following is None


def test_hidden_panels_do_no_work_until_shown(window, snapshot, qtbot):
    """A snapshot reaching a hidden tab submits nothing; showing it computes once, off the GUI thread."""
    import threading

    import seisview.qt.activation_panel as ap

    w, panel, xp = window
    w.panels["activations"].hide()
    w.panels["crossplot"].hide()
    qtbot.waitUntil(lambda: not panel.isVisible() and not xp.isVisible(), timeout=5000)
    ids = (panel.runner.latest_id, xp.runner.latest_id)
    panel.set_snapshot(snapshot)
    xp.set_snapshot(snapshot)
    qtbot.wait(100)  # past the 30 ms coalescing timer
    assert (panel.runner.latest_id, xp.runner.latest_id) == ids and not panel.runner.busy
    built_in = []
    real = ap.module_of
    ap.module_of = lambda m: built_in.append(threading.current_thread().name) or real(m)
    try:
        with qtbot.waitSignal(panel.page_shown, timeout=20000), \
                qtbot.waitSignal(xp.runner.result, timeout=60000):
            w.panels["activations"].show()
            w.panels["crossplot"].show()
    finally:
        ap.module_of = real
    assert panel.runner.latest_id != ids[0] and xp.runner.latest_id != ids[1]
    assert built_in and threading.main_thread().name not in built_in  # the network is built in a worker


def test_patch_under_the_cursor(window, snapshot, qtbot):
    from seisview.qt.activation_panel import PATCH

    w, panel, _ = window
    s = w.session
    panel.patch = 32
    panel.set_snapshot(snapshot)
    s.set_cursor(s.il_idx, 30.0, 50.0, origin="inline")  # crossline index 30, sample 50
    with qtbot.waitSignal(panel.page_shown, timeout=20000) as sig:
        panel.kind_box.setCurrentText(PATCH)
    page = sig.args[0]
    act = page.activations[page.layer]
    assert page.spec == s.spec("inline") and act.shape == (32, 32) and page.origin == (34, 14)
    full = panel.add_overlay(page.layer, int(page.channels[0])).data_for(s.spec("inline"))
    assert full.shape == (96, 48)
    inside = np.isfinite(full)
    assert inside[34:66, 14:46].all() and inside.sum() == 32 * 32  # NaN (transparent) elsewhere
    panel.hover_at(2.0, 3.0, int(page.channels[0]))  # patch pixel -> section pixel
    assert s.cursor.sample == pytest.approx(35.5) and s.cursor.xl_idx == pytest.approx(16.5)


def test_crossplot_rows_from_the_cli_link_to_survey_slices(window, tmp_path):
    from seisview.ml.introspect import read_csv, write_csv

    w, _, xp = window
    g = w.session.geometry
    t_ms = g.t0 + 40 * g.dt
    rows = [{"a": f"demo:time:{t_ms:g}", "b": f"demo:time:{t_ms:g}:envelope", "layer": lay, "entropy": e,
             "energy": 0.1, "homogeneity": 0.5, "contrast": 1.0, "mutual_information": 0.2}
            for lay, e in (("raw", 4.0), ("enc0", 3.0))]
    rows += [{"a": f"x.sgy:inline:{g.il.first + 5}", "b": "", "layer": lay, "entropy": 5.0, "energy": 0.1,
              "homogeneity": 0.5, "contrast": 1.0, "mutual_information": 0.3} for lay in ("raw", "enc0")]
    xp.set_rows(read_csv(write_csv(rows, tmp_path / "s.csv")))
    assert len(xp.keys) == 2 and set(xp.scatters) == {"pair", "single map"}
    xp.select([xp.keys[0]])
    assert w.session.t_idx == 40
    xp.select([xp.keys[1]])
    assert w.session.il_idx == 5


def test_crossplot_of_maps_listed_by_the_user(window, snapshot, qtbot):
    w, _, xp = window
    xp.snapshot = snapshot
    g = w.session.geometry
    xp.maps_edit.setText(f"time:{g.t0 + 40 * g.dt:g} time:{g.t0 + 40 * g.dt:g}:envelope time:{g.t0 + 80 * g.dt:g}")
    xp.pairs_box.setCurrentText("all")
    with qtbot.waitSignal(xp.runner.result, timeout=60000):
        xp.recompute()
    assert len(xp.keys) == 3 and {xp.group_of(k) for k in xp.keys} == {"pair"}
    xp.select([xp.keys[0]])
    assert w.session.t_idx == 40
    xp.maps_edit.setText("time:99999")
    with qtbot.waitSignal(xp.runner.failed, timeout=20000):  # submitted right after the last answer
        xp.recompute()
    assert "outside the survey" in xp.info.text()


def test_crossplot_marks_pairs_at_the_noise_level(window, snapshot):
    """Independent noise pairs through a network share nothing: the crossplot draws them as hollow
    rings (MI not above the shifted baseline's noise level), a related pair stays filled."""
    from seisview.attributes.cooccurrence import above_noise
    from seisview.ml.introspect import introspect

    _, _, xp = window
    rng = np.random.default_rng(3)
    maps = {f"n{i}": rng.normal(size=(64, 64)).astype(np.float32) for i in range(6)}
    maps["n0 + noise"] = maps["n0"] + 0.3 * rng.normal(size=(64, 64)).astype(np.float32)
    pairs = [("n0", "n1"), ("n2", "n3"), ("n4", "n5"), ("n0", "n0 + noise")]
    rows = introspect(snapshot, maps, layers=["enc0"], pairs=pairs, single=False, random=False)
    xp.set_rows(rows, {p: ("related" if "+" in p[1] else "independent") for p in pairs})
    xp.x_layer.setCurrentText("raw")
    xp.y_layer.setCurrentText("enc0")
    marked = dict(zip(xp.keys, xp.noise, strict=True))
    assert marked[("n0", "n0 + noise")] == False  # noqa: E712  (numpy bool)
    independent = [marked[p] for p in pairs[:3]]
    assert sum(independent) >= 2  # chance 1/16 per pair and layer to exceed every shift
    assert "independent (noise)" in xp.scatters and "noise legend" in xp.scatters
    assert "not above the noise level" in xp.info.text()
    assert all(above_noise(r) is not None for r in rows)
