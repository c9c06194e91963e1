"""Every place a user reads or types a position speaks line numbers and ms, never indices.

A survey on disk (SEG-Y) whose inlines start at 100, crosslines at 1000 every 5 and time at
500 ms every 4 ms, so an index, a line number and a time never look alike: inline 223 is
index 123, crossline 1005 index 1, 600 ms sample 25.
"""

from __future__ import annotations

import numpy as np
import pytest
from PyQt6.QtCore import Qt

from seisview.core.errors import SeisviewError
from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec

pytest.importorskip("pytestqt")

GEOM = SurveyGeometry(LineAxis(100, 1, 130), LineAxis(1000, 5, 24), 64, 4.0, 500.0)


@pytest.fixture(scope="module")
def survey(tmp_path_factory):
    from seisview.io.segy import write_volume_segy

    rng = np.random.default_rng(3)
    data = np.cumsum(rng.normal(size=GEOM.shape), axis=2).astype(np.float32)
    path = tmp_path_factory.mktemp("units") / "offset_numbers.sgy"
    write_volume_segy(path, data, GEOM)
    return path


@pytest.fixture
def window(qtbot, survey):
    from seisview.qt.main_window import MainWindow

    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    qtbot.waitExposed(w)
    worker = w.files.open_path(survey)
    assert worker is not None
    qtbot.waitUntil(lambda: w.files.worker is not None and not w.files.worker.running, timeout=30000)
    qtbot.waitUntil(lambda: w.session.volume is not None, timeout=5000)
    g = w.session.geometry
    assert (g.il.first, g.xl.first, g.xl.step, g.t0, g.dt) == (100, 1000, 5, 500.0, 4.0)
    yield w
    if w.session.project is not None:
        w.session.project.close()
    w.files.shutdown()
    w.close()


def test_page_down_goes_deeper_and_every_view_keys_the_same_way(window, qtbot):
    w = window
    s = w.session
    tv = w.section_views["time"]
    s.set_position("time", 25)  # 600 ms
    assert tv.spin.value() == 600
    qtbot.keyClick(tv.plot_widget, Qt.Key.Key_PageDown)
    assert s.t_idx == 35 and tv.spin.value() == 640  # deeper
    qtbot.keyClick(tv.plot_widget, Qt.Key.Key_Down)
    assert s.t_idx == 36
    qtbot.keyClick(tv.plot_widget, Qt.Key.Key_PageUp)
    qtbot.keyClick(tv.plot_widget, Qt.Key.Key_Up)
    assert s.t_idx == 25
    # the slider and the spin box page the same way (Qt's own slider PageDown goes shallower)
    qtbot.keyClick(tv.slider, Qt.Key.Key_PageDown)
    assert s.t_idx == 35
    qtbot.keyClick(tv.spin, Qt.Key.Key_PageDown)
    assert s.t_idx == 45 and tv.spin.value() == 680
    qtbot.keyClick(tv.spin, Qt.Key.Key_Up)  # a spin box's arrow: a larger number, here deeper
    assert s.t_idx == 46
    for kind in ("inline", "crossline"):  # on: the next line, back: the previous one
        v = w.section_views[kind]
        s.set_position(kind, 5)
        qtbot.keyClick(v.plot_widget, Qt.Key.Key_PageDown)
        assert s.position(kind) == 15
        qtbot.keyClick(v.plot_widget, Qt.Key.Key_Down)
        qtbot.keyClick(v.plot_widget, Qt.Key.Key_Right)
        assert s.position(kind) == 17
        qtbot.keyClick(v.plot_widget, Qt.Key.Key_Up)
        qtbot.keyClick(v.plot_widget, Qt.Key.Key_Left)
        qtbot.keyClick(v.plot_widget, Qt.Key.Key_PageUp)
        assert s.position(kind) == 5
        assert v.spin.value() == s.geometry.position(kind, 5)


def test_status_bar_tooltips_and_titles_read_line_numbers_and_ms(window, qtbot):
    w = window
    s = w.session
    s.set_position("inline", 123)
    s.set_position("time", 25)
    inl = w.section_views["inline"]
    assert inl.spin.value() == 223 and inl.slider.toolTip() == "inline 223"
    assert w.section_views["time"].slider.toolTip() == "time 600 ms"
    assert w.section_views["time"].pos_lines["inline"].toolTip() == "inline 223: drag to move"
    assert inl.pos_lines["time"].toolTip() == "time 600 ms: drag to move"
    inl.on_hover(25.5, 1.5, True)  # section pixel (sample 25, crossline index 1)
    qtbot.waitUntil(lambda: "IL" in w.readout.text(), timeout=2000)  # the read-out follows once per frame
    text = w.readout.text()
    assert "IL 223" in text and "XL 1005" in text and "t 600 ms" in text, text
    assert w.map_view.title.text() == "Map at time 600 ms"
    # exports are named by what they show
    assert w.files.export_name(inl) == "inline_223.png"
    assert w.files.export_name(w.section_views["time"]) == "time_600.png"
    assert w.files.export_name(w.map_view) == "map_time_600.png"
    from seisview.io.label_formats import section_from_filename

    assert section_from_filename("inline_223.png", s.geometry) == s.spec("inline")  # read back
    # typing a line number moves to that line, not to that index
    w.section_views["crossline"].spin.setValue(1010)
    assert s.xl_idx == 2


def test_activation_titles_name_the_inline_shown_not_its_index(window, qtbot):
    import torch

    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot
    from seisview.qt.activation_panel import make_panel

    torch.manual_seed(0)
    torch.set_num_threads(1)
    w = window
    s = w.session
    s.set_position("inline", 123)
    panel = make_panel(w)
    w.add_panel("activations", panel, "Activations")
    panel.show()
    try:
        snap = ModelSnapshot.of(build_model("unet", 3, base=4), "unet", {"base": 4}, version=1)
        with qtbot.waitSignal(panel.page_shown, timeout=30000) as sig:
            panel.set_snapshot(snap)
        page = sig.args[0]
        assert page.spec == SectionSpec("inline", 123)
        assert "on inline 223:" in panel.info.text() and "123" not in panel.info.text()
        panel.hover_at(25.5, 1.5, int(page.channels[0]))
        assert "at inline 223, crossline 1005, 600 ms:" in panel.info.text(), panel.info.text()
    finally:
        panel.shutdown()


def test_crossplot_maps_and_selections_are_in_ms(window):
    from seisview.ml.introspect import phase_pairs
    from seisview.qt.crossplot_panel import CrossplotPanel

    w = window
    s = w.session
    maps, in_phase, out_phase = phase_pairs(s.volume, times=(25, 60))
    assert set(maps) == {"amp@time:600", "band@time:600", "env@time:600",
                         "amp@time:740", "band@time:740", "env@time:740"}
    assert out_phase == [("amp@time:600", "amp@time:740")]
    xp = CrossplotPanel(s)
    try:
        xp.keys = [a for a, _ in in_phase]
        xp.xy = np.zeros((len(xp.keys), 2))
        xp.select([("amp@time:740", "")])
        assert s.t_idx == 60 and "amp@time:740" in xp.info.text()
        xp.select([("survey.sgy:inline:223:envelope", "")])  # a map typed as FILE:KIND:VALUE
        assert s.il_idx == 123
        xp.select([("other.sgy:time:99999", "")])  # another survey's map: nothing moves
        assert s.t_idx == 60
        # typed maps are named by the slice they read: 602 ms is the 604 ms sample here
        from seisview.qt.crossplot_panel import canonical_map

        assert canonical_map(s.geometry, "time:602") == "time:604"
        assert canonical_map(s.geometry, " crossline:1010:envelope") == "crossline:1010:envelope"
        with pytest.raises(SeisviewError, match="crossline 1012 is not a line"):
            canonical_map(s.geometry, "crossline:1012")
    finally:
        xp.shutdown()
        xp.deleteLater()


def test_label_here_next_and_labelled_sections_in_line_numbers(window, qtbot, tmp_path):
    import torch

    from seisview.ml.inference import predict_section
    from seisview.ml.models import build_model
    from seisview.qt import project_actions
    from seisview.qt.labels_panel import make_panel
    from seisview.qt.training_panel import TrainingPanel

    torch.manual_seed(0)
    w = window
    s = w.session
    proj = project_actions.new_project(w, tmp_path / "u.seisview")
    labels_panel = make_panel(w)
    w.add_panel("labels", labels_panel, "Labels & picks")
    m = np.zeros((GEOM.n_samples, GEOM.xl.count), np.uint8)
    m[10:12, 3:9] = 2
    proj.labels.apply({SectionSpec("inline", 123): (np.flatnonzero(m), m.ravel()[np.flatnonzero(m)])})
    slice_mask = np.zeros((GEOM.il.count, GEOM.xl.count), np.uint8)
    slice_mask[5, 5] = 1
    proj.labels.apply({SectionSpec("time", 25): (np.flatnonzero(slice_mask), [1])})
    qtbot.waitUntil(lambda: labels_panel.sections.count() == 2, timeout=5000)
    texts = {labels_panel.sections.item(i).text() for i in range(2)}
    assert texts == {"inline 223  (12 px)", "time 600 ms  (1 px)"}, texts

    s.set_position("crossline", 1)  # 24 crosslines are too narrow: it runs along crosslines
    panel = TrainingPanel(w)
    qtbot.addWidget(panel)
    try:
        net = build_model("unet", 3, base=4).eval()
        spec = s.spec("crossline")
        pred = predict_section(net, s.volume.section_array(spec), clip=s.volume.levels.clip)
        panel._on_predictions({spec: pred})
        assert panel.next_list.count() > 0
        for i in range(panel.next_list.count()):
            item = panel.next_list.item(i)
            il, xl, row = item.data(Qt.ItemDataRole.UserRole)
            assert xl == 1
            assert item.text().startswith(f"inline {100 + il}, crossline 1005, {500 + 4 * row:g} ms: ")
    finally:
        panel.shutdown()


def test_cli_reads_and_prints_line_numbers_and_ms(survey, tmp_path, capsys):
    from seisview.cli import main
    from seisview.io.project import Project

    proj = tmp_path / "c.seisview"
    assert main(["project", "new", str(proj), "--survey", str(survey)]) == 0
    out = capsys.readouterr().out
    assert "inlines 100-229, crosslines 1000-1115 every 5, time 500-752 ms" in out, out
    with Project.open(proj) as pr:
        m = np.zeros((GEOM.il.count, GEOM.xl.count), np.uint8)
        m[1, 2] = 1
        pr.labels.apply({SectionSpec("time", 25): (np.flatnonzero(m), [1])})
    assert main(["project", "info", str(proj)]) == 0
    assert "time 600 ms (1 px)" in capsys.readouterr().out
    pts = tmp_path / "pts"
    assert main(["labels", "export", str(proj), str(pts), "--format", "opendtect"]) == 0
    capsys.readouterr()
    (line,) = next(pts.iterdir()).read_text().splitlines()
    assert line.split() == ["101", "1010", "600"]  # inline, crossline, ms
    assert main(["labels", "import", str(proj), str(next(pts.iterdir())), "--format", "opendtect",
                 "--on", "crossline"]) == 0
    capsys.readouterr()
    bad = tmp_path / "bad.txt"
    bad.write_text("101 1012 600\n")  # crossline off the step of 5
    assert main(["labels", "import", str(proj), str(bad), "--format", "opendtect"]) == 2
    err = capsys.readouterr().err
    assert "crossline 1012" in err and "1000-1115 every 5" in err and "\n" not in err.strip(), err


def test_a_depth_survey_reads_in_metres_with_its_line_step(qtbot, shared_data):
    """Volve: depth in m every 20 m, inlines 10087.. and crosslines 2148.. every 4."""
    from seisview.qt.main_window import MainWindow

    w = MainWindow(load_panels=False)
    qtbot.addWidget(w)
    w.show()
    try:
        assert w.files.open_path(shared_data / "segy/volve/volve10-migvel-depth-sub3d.sgy") is not None
        qtbot.waitUntil(lambda: w.session.volume is not None and not w.files.worker.running, timeout=30000)
        s = w.session
        s.set_position("inline", 1)
        s.set_position("time", 60)
        tv = w.section_views["time"]
        assert tv.spin.suffix() == " m" and tv.spin.value() == 1200
        assert tv.slider.toolTip() == "depth 1200 m" and w.map_view.title.text() == "Map at depth 1200 m"
        qtbot.keyClick(tv.plot_widget, Qt.Key.Key_PageDown)
        assert tv.spin.value() == 1400  # deeper
        w.section_views["inline"].on_hover(60.5, 2.5, True)
        qtbot.waitUntil(lambda: "IL" in w.readout.text(), timeout=2000)
        assert "IL 10091   XL 2156   z 1200 m" in w.readout.text(), w.readout.text()
        w.section_views["crossline"].spin.setValue(2160)  # a line number, on the step of 4
        assert s.xl_idx == 3
    finally:
        w.files.shutdown()
        w.close()
