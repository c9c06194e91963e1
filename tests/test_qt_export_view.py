"""File → Export view writes the plot: axes, colour bar and legend, at a chosen size; no slider
row, no cursor crosshair; PNG, SVG and PDF; a wrong name is refused in one line."""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtGui import QImage

from seisview.core.display_layers import Layer
from seisview.core.errors import SeisviewError
from seisview.io.segy import load, scan
from seisview.qt.colormaps import lut
from seisview.qt.main_window import MainWindow


@pytest.fixture
def f3_window(qtbot, shared_data):
    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    w.resize(1366, 768)
    w.show()
    qtbot.waitExposed(w)
    path = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    w.session.open_volume(load(path), path=path, scan=scan(path))
    yield w
    w.files.shutdown()
    w.close()


def _rgb(path) -> np.ndarray:
    img = QImage(str(path)).convertToFormat(QImage.Format.Format_RGB888)
    arr = np.frombuffer(img.constBits().asstring(img.sizeInBytes()), np.uint8)
    return arr.reshape(img.height(), img.bytesPerLine())[:, :img.width() * 3].reshape(img.height(), img.width(), 3)


def _has_colour(rgb: np.ndarray, colour, tol: int = 12) -> np.ndarray:
    return (np.abs(rgb.astype(int) - np.array(colour)) <= tol).all(-1)


def test_png_has_axes_and_colour_bar_at_the_chosen_width_without_slider_or_cursor(f3_window, qtbot, tmp_path):
    w = f3_window
    v = w.section_views["inline"]
    v.on_hover(100.5, 5.5, True)  # the mouse over the view: the crosshair shows (once per frame)
    qtbot.waitUntil(lambda: all(c.isVisible() for c in v.cross), timeout=2000)
    out = w.files.export_view(tmp_path / "inline.png", view=v, width=1200)
    assert all(c.isVisible() for c in v.cross)  # put back after the export
    img = _rgb(out)
    plot = v.plot.sceneBoundingRect()
    assert img.shape[1] == 1200 and abs(img.shape[0] - 1200 * plot.height() / plot.width()) <= 2
    assert img.shape[0] / img.shape[1] < v.height() / v.width()  # the slider row is not in it
    # the colour bar: a vertical strip right of the data with the map's dark ends, top and bottom
    table = lut(w.session.colormap)
    right = img[:, int(0.8 * img.shape[1]):]
    for end in (table[0, :3], table[-1, :3]):
        assert _has_colour(right, end).sum() > 100
    # axes: black tick labels and lines left of and below the data
    assert (img[:, :80].max(-1) < 60).sum() > 200 and (img[-60:].max(-1) < 60).sum() > 200
    # the same picture with the cursor gone: the crosshair was not in it
    w.session.clear_cursor()
    qtbot.waitUntil(lambda: not any(c.isVisible() for c in v.cross), timeout=2000)
    again = _rgb(w.files.export_view(tmp_path / "again.png", view=v, width=1200))
    assert np.array_equal(img, again)


def test_overlay_bar_and_legend_are_exported(f3_window, qtbot, tmp_path, shared_data):
    from seisview.io.project import Project

    w = f3_window
    s = w.session
    v = w.section_views["inline"]
    shape = s.volume.section_shape(s.spec("inline"))
    probs = np.linspace(0, 1, shape[0] * shape[1], dtype=np.float32).reshape(shape)
    s.layers.append(Layer("probability", "probability", source=lambda spec: probs,
                          colormap="viridis", levels=(0.0, 1.0), opacity=0.6))
    assert v.keys.overlay.isVisible() and v.keys.overlay.axis.labelText == "probability"
    assert not v.keys.legend.isVisible()  # no labels, no prediction: no legend
    project = Project.create(tmp_path / "f3.seisview", s.path)
    try:
        s.project = project
        salt = project.palette.get(8)
        project.labels.paint(s.spec("inline"), [(100, 2), (100, 8)], salt.id, radius=3)
        w._update_legends()  # looked up once the views are still
        qtbot.waitUntil(lambda: v.keys.legend.isVisible(), timeout=2000)
        assert v.keys.legend.classes == ((salt.name, salt.color),)
        assert not w.section_views["crossline"].keys.legend.isVisible() or (
            w.section_views["crossline"].keys.legend.classes == ((salt.name, salt.color),))
        img = _rgb(w.files.export_view(tmp_path / "probability.png", view=v, width=900))
    finally:
        s.project = None
        project.close()
    assert img.shape[1] == 900
    # viridis' ends in a second bar at full strength (the overlay itself is 60 % opaque)
    vir = lut("viridis")
    bars = img[:, int(0.75 * img.shape[1]):]
    assert _has_colour(bars, vir[0, :3]).sum() > 100 and _has_colour(bars, vir[-1, :3]).sum() > 100
    # the legend's salt swatch in the top right corner of the data
    corner = img[:img.shape[0] // 3, int(0.4 * img.shape[1]):int(0.8 * img.shape[1])]
    assert _has_colour(corner, salt.color, 4).sum() > 20


def test_svg_and_pdf_and_a_refused_name(f3_window, tmp_path):
    w = f3_window
    v = w.section_views["crossline"]
    svg = w.files.export_view(tmp_path / "xl.svg", view=v)
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg")) and "amplitude" in text and "inline" in text
    pdf = w.files.export_view(tmp_path / "xl.pdf", view=v)
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 2000
    with pytest.raises(SeisviewError, match=r"\.jpeg.*name the file \.png, \.svg or \.pdf"):
        w.files.export_view(tmp_path / "xl.jpeg", view=v)
    assert not (tmp_path / "xl.jpeg").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["xl.pdf", "xl.svg"]  # no temporary left
