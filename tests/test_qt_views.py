"""Section, map and gather views offscreen: stepping, spin boxes, tools, colour maps, NaN, export."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import QEvent, QPointF, Qt
from PyQt6.QtGui import QImage, QMouseEvent
from PyQt6.QtWidgets import QApplication

from seisview.core.display_layers import Layer
from seisview.core.gathers import GatherSet
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.core.session import Session, build_u8_cube
from seisview.core.volume import Volume
from seisview.qt.colormaps import lut, to_uint8
from seisview.qt.gather_view import GatherView
from seisview.qt.map_view import MapView, window_attribute
from seisview.qt.section_view import SectionView
from seisview.qt.tools import SectionTool

AFFINE = (-0.6972, 24.9955, 598405.93, 24.9879, 0.6988, 6070848.08)  # F3's fitted transform


def _session(n_il=30, n_xl=40, n_s=60, nan=False):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((n_il, n_xl, n_s)).astype(np.float32)
    if nan:
        a[:, :, 10:20] = np.nan
        a[:, :, 20] = np.inf
    g = SurveyGeometry(LineAxis(100, 2, n_il), LineAxis(300, 1, n_xl), n_s, 4.0, 0.0, affine=AFFINE)
    s = Session()
    s.open_volume(Volume.from_array(a, g))
    return s


def _view(qtbot, s, kind, cls=SectionView):
    v = cls(s, kind) if cls is SectionView else cls(s)
    qtbot.addWidget(v)
    v.resize(500, 400)
    v.show()
    qtbot.waitExposed(v)
    return v


def _pixel_rgb(v, row, col):
    """The 0xRRGGBB drawn for array pixel (row, col) of the base image."""
    return int(v.image.image_array()[row, col]) & 0xFFFFFF


def _lut_rgb(name, i):
    r, g, b, _ = lut(name)[i]
    return (int(r) << 16) | (int(g) << 8) | int(b)


def _send(widget, kind, pos, button=Qt.MouseButton.LeftButton, buttons=Qt.MouseButton.LeftButton):
    gp = widget.mapToGlobal(pos.toPoint())
    QApplication.sendEvent(widget, QMouseEvent(kind, pos, QPointF(gp), button, buttons,
                                               Qt.KeyboardModifier.NoModifier))


def _widget_pos(v, row, col):
    x, y = v.pixel_to_plot(row, col)
    scene = v.viewbox.mapViewToScene(QPointF(x, y))
    return QPointF(v.plot_widget.mapFromScene(scene))


def _drag(qtbot, v, start, end, steps=6):
    vp = v.plot_widget.viewport()
    p0, p1 = _widget_pos(v, *start), _widget_pos(v, *end)
    _send(vp, QEvent.Type.MouseButtonPress, p0)
    for t in np.linspace(0, 1, steps)[1:]:
        _send(vp, QEvent.Type.MouseMove, p0 + (p1 - p0) * float(t), Qt.MouseButton.NoButton)
        qtbot.wait(5)
    _send(vp, QEvent.Type.MouseButtonRelease, p1, buttons=Qt.MouseButton.NoButton)


def test_inline_view_steps_by_slider_spin_and_keys(qtbot):
    s = _session()
    v = _view(qtbot, s, "inline")
    assert v.array_shape == (60, 40) and v.spin.value() == 100 + 2 * 15
    v.slider.setValue(3)
    assert s.il_idx == 3 and v.spin.value() == 106
    v.spin.setValue(120)  # line numbers, not indices
    assert s.il_idx == 10 and v.slider.value() == 10
    qtbot.keyClick(v.plot_widget, Qt.Key.Key_Right)
    qtbot.keyClick(v.plot_widget, Qt.Key.Key_PageDown)  # on: the next lines, as in a document
    assert s.il_idx == 21
    qtbot.keyClick(v, Qt.Key.Key_Up)
    assert s.il_idx == 20
    # the image shows the current inline: pixel (row=sample, col=xl) from the volume
    idx = to_uint8(s.volume.data[20, :, :].T, s.display_levels())
    for row, col in ((11, 7), (0, 0), (59, 39)):
        assert _pixel_rgb(v, row, col) == _lut_rgb("seismic", idx[row, col])


def test_display_cube_draws_the_same_picture(qtbot):
    s = _session(nan=True)
    views = [_view(qtbot, s, k) for k in ("inline", "crossline", "time")]
    s.set_display(gain=1.5)
    float_path = [v.image.image_array().copy() for v in views]
    key = s.display_key()
    s.set_u8_cube(key, build_u8_cube(s.volume, key[1], block=7))
    assert s.section_u8(s.spec("inline")) is not None
    for v, ref in zip(views, float_path, strict=True):
        v.redraw()
        np.testing.assert_array_equal(v.image.image_array(), ref)
    s.set_display(gain=2.0)  # the cube no longer matches: not used
    assert s.section_u8(s.spec("inline")) is None
    s.set_display(gain=1.5)
    assert s.section_u8(s.spec("time")) is not None
    s.set_display(agc_ms=100)
    assert s.display_key() is None and s.section_u8(s.spec("time")) is None


def test_time_slice_axes_position_lines_and_colormap(qtbot):
    s = _session()
    v = _view(qtbot, s, "time")
    assert v.array_shape == (30, 40) and v.spin.suffix() == " ms"
    v.spin.setValue(100.0)
    assert s.t_idx == 25
    s.set_position("inline", 4)
    assert v.pos_lines["inline"].value() == 108  # horizontal line at the inline number
    assert v.pos_lines["crossline"].value() == 300 + s.xl_idx
    before = v.image.image_array().copy()
    s.set_display(colormap="grey")
    after = v.image.image_array()
    assert not np.array_equal(before, after)
    r, g, b = (after >> 16) & 255, (after >> 8) & 255, after & 255
    assert np.array_equal(r, g) and np.array_equal(g, b)  # grey is grey
    v.pos_lines["inline"].setValue(120.0)  # dragging a position line moves the other view
    assert s.il_idx == 10


def test_nan_and_inf_draw_neutral(qtbot):
    s = _session(nan=True)
    v = _view(qtbot, s, "inline")
    lo, hi = s.display_levels()
    assert np.isfinite([lo, hi]).all() and 0 < hi < 10
    img = v.image.image_array()
    white_ish = [(int(c) >> 16 & 255, int(c) >> 8 & 255, int(c) & 255) for c in img[10:21, 5]]
    assert all(min(px) > 245 for px in white_ish), white_ish  # zero -> the white middle of "seismic"


def test_zoom_and_tool_hook_consumes_drags(qtbot):
    s = _session()
    v = _view(qtbot, s, "inline")
    r0 = v.viewbox.viewRange()
    v.zoom(2.0)
    r1 = v.viewbox.viewRange()
    assert (r1[0][1] - r1[0][0]) == pytest.approx((r0[0][1] - r0[0][0]) / 2, rel=0.05)

    class Recorder(SectionTool):
        name = label = "recorder"

        def __init__(self):
            self.events = []

        def press(self, ev):
            self.events.append(("press", ev))
            return True

        def move(self, ev):
            self.events.append(("move", ev))
            return True

        def release(self, ev):
            self.events.append(("release", ev))
            return True

    tool = Recorder()
    v.auto_range()
    v.set_tool(tool)
    rng_before = v.viewbox.viewRange()
    _drag(qtbot, v, (10.5, 5.5), (30.5, 20.5))
    kinds = [k for k, _ in tool.events]
    assert kinds[0] == "press" and kinds[-1] == "release" and "move" in kinds
    p, r = tool.events[0][1], tool.events[-1][1]
    assert p.spec == SectionSpec("inline", s.il_idx) and "left" in p.buttons
    assert abs(p.row - 10.5) < 1.5 and abs(p.col - 5.5) < 1.5
    assert abs(r.row - 30.5) < 1.5 and abs(r.col - 20.5) < 1.5 and r.inside
    assert v.viewbox.viewRange() == rng_before  # consumed: no pan
    v.set_tool(None)
    _drag(qtbot, v, (10.5, 5.5), (30.5, 20.5))
    assert v.viewbox.viewRange() != rng_before  # navigate tool pans


def test_overlay_layer_drawn_stretched_and_with_opacity(qtbot):
    s = _session()
    v = _view(qtbot, s, "crossline")
    table = np.zeros((3, 4), np.uint8)
    table[2] = (0, 255, 0, 255)
    coarse = np.zeros((6, 3), np.uint8)  # a coarse map stretched over (60 samples x 30 inlines)
    coarse[:, 1] = 2
    layer = s.layers.append(Layer("pred", "prediction", source=lambda spec: coarse, colormap=table,
                                  opacity=0.5))
    item = v.overlay_items[id(layer)]
    assert item.opacity() == 0.5 and item.image.shape == (6, 3, 4)
    br = item.mapRectToView(item.boundingRect())
    assert br.width() == pytest.approx(30 * 2, rel=1e-6)  # 30 inlines, step 2
    layer.opacity = 0.8
    assert item.opacity() == 0.8
    layer.visible = False
    assert id(layer) not in v.overlay_items
    layer.visible = True
    s.layers.remove(layer)
    assert not v.overlay_items


def test_crosshair_links_views_and_reads_amplitude(qtbot):
    s = _session()
    inl = _view(qtbot, s, "inline")
    xl = _view(qtbot, s, "crossline")
    inl.on_hover(12.5, 7.5, True)  # pixel centre of sample 12, crossline index 7
    cur = s.cursor
    assert (cur.il_idx, cur.xl_idx, cur.sample) == (s.il_idx, 7.0, 12.0)
    assert cur.amplitude == pytest.approx(float(s.volume.data[s.il_idx, 7, 12]))
    assert not xl.cross[1].isVisible()  # the crosshair follows once per frame, not per move
    xl.cursor_frame.flush()
    assert xl.cross[1].isVisible() and xl.cross[1].value() == pytest.approx(48.0)  # time of sample 12
    inl.on_hover(-5, -5, False)
    xl.cursor_frame.flush()
    assert s.cursor is None and not xl.cross[0].isVisible()


def test_map_in_world_coordinates_and_window_attributes(qtbot):
    s = _session()
    m = _view(qtbot, s, None, MapView)
    assert m.world
    for i, j in ((0, 0), (29, 39), (12, 5)):
        x, y = m.pixel_to_plot(i + 0.5, j + 0.5)
        wx, wy = s.geometry.world(100 + 2 * i, 300 + j)
        assert x == pytest.approx(float(wx), abs=1e-3) and y == pytest.approx(float(wy), abs=1e-3)
    m.attr_box.setCurrentText("RMS amplitude")
    m.window_box.setValue(20)  # 5 samples centred on t_idx
    rms = m.compute_now()
    k = s.t_idx
    ref = np.sqrt((s.volume.data[:, :, k - 2:k + 3].astype(np.float64) ** 2).mean(-1))
    np.testing.assert_allclose(rms, ref, rtol=1e-5)
    mx = window_attribute(s.volume, k, 2, "max |amplitude|")
    np.testing.assert_allclose(mx, np.abs(s.volume.data[:, :, k - 2:k + 3]).max(-1))
    m.runner.cancel_all()
    seen = []
    layer = s.layers.append(Layer("amp", "attribute", source=lambda spec: seen.append(spec) or
                                  np.arange(30 * 40, dtype=float).reshape(30, 40)))
    assert m.overlay_items[id(layer)].image.shape == (30, 40, 4) and seen[-1] == s.spec("time")
    s.step("time", 1)
    assert seen[-1] == s.spec("time")  # the map asks the layer for the new slice
    m.attr_box.setCurrentText("time slice")
    np.testing.assert_array_equal(m.values, s.display_section(s.spec("time")))


def test_gather_view_density_wiggle_normalisation_marks_and_export(qtbot, tmp_path):
    n_tr, n_s = 12, 80
    data = np.zeros((3 * n_tr, n_s), np.float32)
    for t in range(3 * n_tr):
        data[t, 20 + t % n_tr] = (t % n_tr + 1) * 10.0
    data[0, 5] = np.nan
    keys = np.repeat([11, 12, 13], n_tr)
    chans = np.tile(np.arange(1, n_tr + 1), 3)
    offs = np.tile(np.arange(n_tr) * 25.0 + 5, 3)
    s = Session()
    s.open_gathers(GatherSet(data, keys, chans, offs, 2.0), path="shots.sgy")
    v = _view(qtbot, s, None, GatherView)
    assert v.gather.key == 11 and v.array_shape == (n_s, n_tr)
    d = v.display_data()
    np.testing.assert_allclose(np.abs(d).max(0), 1.0)  # trace-normalised, NaN -> 0
    v.norm_box.setChecked(False)
    assert np.abs(v.display_data()).max() == pytest.approx(120.0)
    assert v.offset_axis.tickStrings([0, 3], 1, 1) == ["5", "80"]
    qtbot.keyClick(v.plot_widget, Qt.Key.Key_PageDown)
    assert s.gather_key == 12 and v.key_box.currentText() == "12"
    v.next_btn.click()
    assert s.gather_key == 13
    v.mode_box.setCurrentText("wiggle")
    assert not v.image.isVisible() and v.wiggle.isVisible()
    lobes = v.fill.path().boundingRect()  # variable area: positive lobes right of their baselines
    assert not v.fill.path().isEmpty() and lobes.left() >= -1e-6 and lobes.right() <= n_tr - 1 + 0.7
    item = v.set_marks("fb", np.arange(n_tr), 40 + 2.0 * np.arange(n_tr))
    xs, ys = item.getData()
    assert len(xs) == n_tr and ys[3] == 46.0
    v.set_marks("pts", [1, 2], [50, 60], style="points", colors=[(255, 0, 0), (0, 0, 255)])
    v.clear_marks("fb")
    assert set(v.marks) == {"pts"}
    out = tmp_path / "gather.png"
    v.export_png(out)
    img = QImage(str(out))  # the plot alone, as wide as on screen, without the header row
    plot = v.plot.sceneBoundingRect()
    assert img.width() == int(plot.width()) and abs(img.height() - plot.height()) <= 1


def test_slow_draws_decimate_while_dragging_and_full_on_release(qtbot):
    s = _session()
    v = _view(qtbot, s, "inline")
    v.last_draw_s = 1.0  # pretend full draws are slow
    v.slider.setSliderDown(True)
    v.slider.setValue(5)
    assert s.il_idx == 5 and v.decimation == 2 and v.image.image_array().shape == (30, 20)
    br = v.image.mapRectToView(v.image.boundingRect())
    assert br.width() == pytest.approx(40.0) and br.height() == pytest.approx(60 * 4.0)  # same extent
    v.slider.setSliderDown(False)
    v.slider.sliderReleased.emit()
    assert v.decimation == 1 and v.image.image_array().shape == (60, 40)


def test_fast_image_takes_strided_cube_slices_and_owns_its_pixels(qtbot):
    from seisview.qt.fast_image import FastImageItem, rgb32_table

    cube = np.random.default_rng(2).integers(0, 256, (7, 5, 9), dtype=np.uint8)  # (sample, il, xl)
    table = rgb32_table(lut("seismic"))
    item = FastImageItem()
    for sl in (cube[:, 3, :], cube[:, :, 4], cube[2], cube[::2, 1, ::2], cube[:0, 0, :]):
        item.set_indices(sl, table)
        got = item.image_array()
        if sl.size == 0:
            assert got is None and item.boundingRect().isEmpty()
            continue
        np.testing.assert_array_equal(got, np.take(table, sl))  # strided rows read in place
        assert (item.boundingRect().width(), item.boundingRect().height()) == (sl.shape[1], sl.shape[0])
    item.set_indices(cube[:, 3, :], table)
    expect = np.take(table, cube[:, 3, :])
    cube[:, 3, :] = 255 - cube[:, 3, :]  # the shown image is its own copy, not a view of the cube
    np.testing.assert_array_equal(item.image_array(), expect)


def test_step_sets_only_the_stepped_views_image(qtbot):
    s = _session()
    views = {k: _view(qtbot, s, k) for k in ("inline", "crossline", "time")}
    calls = {k: 0 for k in views}
    for k, v in views.items():
        orig = v.image.set_indices
        v.image.set_indices = lambda *a, k=k, orig=orig: (calls.__setitem__(k, calls[k] + 1), orig(*a))
    s.step("inline", 1)
    QApplication.processEvents()
    assert calls == {"inline": 1, "crossline": 0, "time": 0}  # the others only move a line
    assert views["crossline"].pos_lines["inline"].value() == s.line_number("inline")
