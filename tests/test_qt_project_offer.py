"""Tools that need a project say so: a brush or pick drag without one offers to make it beside
the survey (or open the survey's own) and never pans the view instead. Offscreen, real mouse events."""

from __future__ import annotations

import os
import shutil

import numpy as np
from PyQt6.QtWidgets import QMessageBox
from test_qt_paint import _drag

from seisview.core.section import SectionSpec
from seisview.io.segy import load, scan
from seisview.qt import project_actions


def _survey_copy(shared_data, tmp_path, rel):
    src = shared_data / rel
    dst = tmp_path / "survey" / src.name
    dst.parent.mkdir()
    shutil.copy(src, dst)
    return dst


def _range(v):
    return [list(r) for r in v.viewbox.viewRange()]


def _button(box, text):
    return next(b for b in box.buttons() if b.text() == text)


def test_brush_without_project_offers_one_beside_the_survey_and_does_not_pan(labels_window, qtbot,
                                                                            shared_data, tmp_path):
    w = labels_window
    path = _survey_copy(shared_data, tmp_path, "segy/f3/F3_very_small.sgy")
    w.session.open_volume(load(path), path=path, scan=scan(path))
    panel = w.labels_panel_for_test
    panel.use_tool("brush")
    v = w.section_views["inline"]
    v.zoom(2.0)  # zoomed in, so a pan would change the range
    before = _range(v)
    _drag(qtbot, v, [(230.5, 4.5), (260.5, 6.5)])
    assert _range(v) == before  # the drag did not pan
    box = w.project_offer
    assert box.isVisible() and "Create" in box.text()
    assert str(path.with_suffix(".seisview")) in box.text()
    assert w.session.project is None
    _drag(qtbot, v, [(230.5, 4.5), (260.5, 6.5)])  # one offer at a time
    assert w.project_offer is box
    _button(box, "Create project").click()
    qtbot.waitUntil(lambda: w.session.project is not None)
    assert w.session.project.path == path.with_suffix(".seisview")
    assert not box.isVisible()
    _drag(qtbot, v, [(230.5, 4.5), (230.5, 6.5)])  # now a drag paints
    spec = SectionSpec("inline", w.session.il_idx)
    assert np.count_nonzero(w.session.project.labels.mask(spec)) > 5


def test_pick_without_project_offers_the_surveys_own_project(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    path = _survey_copy(shared_data, tmp_path, "firstbreaks/refrapy-02/field_example_02_shots_with_fb.sgy")
    from seisview.io.project import Project

    Project.create(path.with_suffix(".seisview"), path, gather_key=9).close()  # made earlier
    w.session.open_gathers(load(path), path=path, scan=scan(path))
    w.set_tool(w.labels_panel_for_test.picking.tool, "gather")
    gv = w.gather_view
    gv.zoom(2.0)
    before = _range(gv)
    _drag(qtbot, gv, [(1900.5, 9.5), (2000.5, 14.5)])
    assert _range(gv) == before
    box = w.project_offer
    assert "Open field_example_02_shots_with_fb.seisview" in box.text()
    _button(box, "Open it").click()
    qtbot.waitUntil(lambda: w.session.project is not None)
    assert w.session.project.path == path.with_suffix(".seisview")
    qtbot.waitUntil(lambda: not box.isVisible())
    qtbot.wait(50)  # the opened project re-lays the window out (seen flaky in a full run without)
    _drag(qtbot, gv, [(1900.5, 9.5), (1900.5, 12.5)])
    assert len(w.session.project.picks) >= 3


def test_cancel_leaves_no_project_and_right_click_still_free(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    path = _survey_copy(shared_data, tmp_path, "segy/f3/F3_very_small.sgy")
    w.session.open_volume(load(path), path=path, scan=scan(path))
    w.labels_panel_for_test.use_tool("polygon")
    v = w.section_views["inline"]
    _drag(qtbot, v, [(100.5, 2.5)])
    box = w.project_offer
    box.button(QMessageBox.StandardButton.Cancel).click()
    assert w.session.project is None and not list(path.parent.glob("*.seisview"))


def test_default_project_path(tmp_path, monkeypatch):
    survey = tmp_path / "a" / "line.sgy"
    survey.parent.mkdir()
    survey.write_bytes(b"")
    assert project_actions.default_project_path(survey) == survey.with_suffix(".seisview")
    survey.with_suffix(".seisview").write_bytes(b"")
    assert project_actions.default_project_path(survey).name == "line-2.seisview"
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    if os.geteuid() != 0:  # root writes anywhere
        survey.parent.chmod(0o500)
        try:
            assert project_actions.default_project_path(survey) == home / "line.seisview"
        finally:
            survey.parent.chmod(0o700)
    from seisview import config

    cached = config.cache_dir() / "demo" / "x" / "demo_survey.sgy"
    assert project_actions.default_project_path(cached) == home / "demo_survey.seisview"
