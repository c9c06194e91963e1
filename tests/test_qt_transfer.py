"""File → Import/Export of labels and picks and Save project as, in the main window: the same
formats, checks and one-line refusals as `seisview labels|picks import|export` (offscreen)."""

from __future__ import annotations

import numpy as np
from PyQt6.QtWidgets import QFileDialog, QInputDialog

from seisview.cli import main
from seisview.core.section import SectionSpec
from seisview.io import project_transfer as pt
from seisview.io.pick_formats import read_csv
from seisview.io.segy import load, scan
from seisview.qt import project_actions, transfer_actions


def _f3(w, shared_data):
    path = shared_data / "segy" / "f3" / "F3_very_small.sgy"
    w.session.open_volume(load(path), path=path, scan=scan(path))
    return path


def _menu_action(w, *titles):
    menu = w.menu("File")
    for t in titles[:-1]:
        menu = next(a.menu() for a in menu.actions() if a.menu() and a.menu().title() == t)
    return next(a for a in menu.actions() if a.text() == titles[-1])


def test_labels_import_export_round_trip_matches_the_cli(labels_window, qtbot, shared_data, tmp_path,
                                                         monkeypatch):
    w = labels_window
    survey = _f3(w, shared_data)
    proj = project_actions.new_project(w, tmp_path / "gui.seisview")
    pts = tmp_path / "salt_on_crop.txt"
    pts.write_text("205 405 1000\n205 406 1004\n206 405 1000\n")
    # through the menu, with the file and class dialogs answered
    monkeypatch.setattr(QFileDialog, "getOpenFileNames",
                        lambda *a, **k: ([str(pts)], next(iter(pt.file_filters('label', 'import')))))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: ("salt", True))
    _menu_action(w, "Import", "Labels…").trigger()
    assert "imported 3 points of 1 class(es) on 2 section(s)" in w.statusBar().currentMessage()
    salt = proj.palette.by_name("salt").id
    il = w.session.geometry.il
    assert proj.labels.mask(SectionSpec("inline", (205 - il.first) // il.step))[250, 5] == salt
    # the import is one undo step
    proj.labels.undo()
    assert not proj.labels.labelled_sections()
    proj.labels.redo()
    out = transfer_actions.export_labels(w, tmp_path / "gui.npy", "npy")
    assert out is not None and "(11, 11, 463)" in out.summary
    # the command line on the same input gives the same cube
    cli = tmp_path / "cli.seisview"
    assert main(["project", "new", str(cli), "--survey", str(survey)]) == 0
    assert main(["labels", "import", str(cli), str(pts), "--format", "malenov", "--class", "salt"]) == 0
    assert main(["labels", "export", str(cli), str(tmp_path / "cli.npy"), "--format", "npy"]) == 0
    assert np.array_equal(np.load(tmp_path / "gui.npy"), np.load(tmp_path / "cli.npy"))


def test_labels_refusals_are_the_cli_lines_and_import_nothing(labels_window, qtbot, shared_data, tmp_path,
                                                              capsys):
    w = labels_window
    survey = _f3(w, shared_data)
    proj = project_actions.new_project(w, tmp_path / "gui.seisview")
    pts = shared_data / "labels" / "malenov" / "multi_salt_ilxl.pts"  # inline 339: off this crop
    assert transfer_actions.import_labels(w, [pts], "malenov") is None
    gui_line = w.last_dialog.text()
    assert "7499 of 7499 points" in gui_line and "\n" not in gui_line
    assert not proj.labels.labelled_sections()
    assert transfer_actions.export_labels(w, tmp_path / "x.npy", "npy") is None
    assert "has no labels to export" in w.last_dialog.text()
    spec = SectionSpec("inline", w.session.il_idx)
    proj.labels.begin(spec, 1, "brush", radius=2)
    proj.labels.stamp(100, 5)
    proj.labels.end()
    assert transfer_actions.export_labels(w, survey, "segy") is None  # never over the survey
    assert "will not write over" in w.last_dialog.text()
    cli = tmp_path / "cli.seisview"
    main(["project", "new", str(cli), "--survey", str(survey)])
    capsys.readouterr()
    assert main(["labels", "import", str(cli), str(pts), "--format", "malenov"]) == 2
    assert capsys.readouterr().err.strip() == f"seisview: error: {gui_line}"


def test_picks_import_export_round_trip(labels_window, qtbot, shared_data, tmp_path, monkeypatch):
    w = labels_window
    d = shared_data / "firstbreaks" / "refrapy-02"
    path = d / "field_example_02_shots_with_fb.sgy"
    w.session.open_gathers(load(path), path=path, scan=scan(path))
    proj = project_actions.new_project(w, tmp_path / "fb.seisview")
    monkeypatch.setattr(QFileDialog, "getOpenFileName",
                        lambda *a, **k: (str(d / "field_example_02_picks.csv"),
                                         next(iter(pt.file_filters('pick', 'import')))))
    _menu_action(w, "Import", "Picks…").trigger()
    assert len(proj.picks) == 207
    assert "imported 207 picks on 9 gather(s)" in w.statusBar().currentMessage()
    assert "picks" in w.gather_view.marks  # drawn on the gather
    out = tmp_path / "out.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName",
                        lambda *a, **k: (str(out), next(iter(pt.file_filters('pick', 'export')))))
    _menu_action(w, "Export", "Picks…").trigger()
    truth = read_csv(d / "field_example_02_picks.csv")
    back = read_csv(out)
    assert back.keys() == truth.keys()
    assert max(abs(back[k][0] - truth[k][0]) for k in truth) < 1e-3
    # a table with a trace the survey does not have is refused whole
    bad = tmp_path / "bad.csv"
    bad.write_text("ffid,channel,time_ms\n1,1,10\n999,1,10\n")
    assert transfer_actions.import_picks(w, bad, "csv") is None
    assert "\n" not in w.last_dialog.text() and len(proj.picks) == 207


def test_import_without_project_offers_one(labels_window, qtbot, shared_data, tmp_path):
    w = labels_window
    _f3(w, shared_data)
    assert transfer_actions.import_labels(w, [tmp_path / "x.txt"], "malenov") is None
    assert w.project_offer.isVisible() and w.session.project is None


def test_save_project_as_copies_labels_and_runs_and_goes_on_in_the_copy(labels_window, qtbot,
                                                                        shared_data, tmp_path):
    w = labels_window
    _f3(w, shared_data)
    old = project_actions.new_project(w, tmp_path / "a.seisview")
    spec = SectionSpec("inline", w.session.il_idx)
    old.labels.begin(spec, 1, "brush", radius=3)
    old.labels.stamp(100, 5)
    old.labels.end()
    run = old.add_run("facies", "unet", {"steps": 1})
    ckpt = old.path.with_name(old.path.name + ".runs") / f"run-{run}.safetensors"
    ckpt.parent.mkdir(exist_ok=True)
    ckpt.write_bytes(b"weights")
    old.update_run(run, status="done", checkpoint=str(ckpt))
    before = old.labels.mask(spec).copy()
    new = project_actions.save_project_as(w, tmp_path / "b")  # the suffix is added
    assert new is not None and w.session.project is new and new.path == tmp_path / "b.seisview"
    assert np.array_equal(new.labels.mask(spec), before)
    moved = new.get_run(run).checkpoint
    assert moved == str((tmp_path / "b.seisview.runs" / ckpt.name).resolve())
    assert open(moved, "rb").read() == b"weights"
    # work goes on in the copy; the original keeps what it had
    new.labels.begin(spec, 2, "brush", radius=3)
    new.labels.stamp(200, 5)
    new.labels.end()
    from seisview.io.project import Project

    with Project.open(tmp_path / "a.seisview") as again:
        assert np.array_equal(again.labels.mask(spec), before)
    assert project_actions.save_project_as(w, tmp_path / "a.seisview") is None  # never over a file
    assert "exists already" in w.last_dialog.text()
