"""The lab panel trains in a worker, draws live loss curves, the error table and the AVO plot."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("PyQt6")

WELLS = Path(__file__).resolve().parents[3] / "tests" / "data" / "wells"  # the repository's test data


def test_manifest_contributes_a_command_and_a_panel():
    from seisview.plugins import registry

    registry.discover()
    info = registry.plugins["reflectivity-lab"]
    assert {(c.kind, c.name) for c in info.contributions} == {
        ("command", "reflectivity-lab"), ("panel", "reflectivity-lab")}
    assert registry.get("panel", "reflectivity-lab").__name__ == "make_panel"


def test_panel_trains_and_shows_results(qtbot):
    from seisview_reflectivity_lab.panel import ReflectivityLabPanel

    p = ReflectivityLabPanel()
    qtbot.addWidget(p)
    p.path_edit.setText(str(WELLS / "R-39.las"))
    p.epochs.setValue(3)
    for n, box in p.net_boxes.items():
        box.setChecked(n in ("numpy", "numpy-residual"))
    worker = p.start()
    # wait on the panel's state, not the signal: a fast worker may finish before a waiter connects
    qtbot.waitUntil(lambda: p.result is not None, timeout=60000)
    assert not worker.running or worker.wait(5)
    assert [len(p.history[n]) for n in ("numpy", "numpy-residual")] == [3, 3]
    curve = p._curves[("numpy", "val")]
    xs, ys = curve.xData, curve.yData  # raw data (getData() is log10 in log mode)
    assert list(xs) == [1, 2, 3] and ys[-1] == pytest.approx(p.history["numpy"][-1][1])
    assert p.table.columnCount() == 4 and p.table.rowCount() == 5
    assert float(p.table.item(1, 0).text()) == pytest.approx(p.result.errors["numpy"]["val"] ** 0.5, abs=1e-4)
    names = [it.name() for it in p.avo_plot.getPlotItem().listDataItems()]
    assert names[:2] == ["exact Zoeppritz", "numpy"] and "shuey" in names
    assert p.status.text().startswith("done: 3 epochs") and p.run_btn.isEnabled()
    # another interface: the trained nets are evaluated there against the exact curve
    k = 1000
    p.interface.setValue(k)
    assert f"interface {k} (" in p.avo_plot.getPlotItem().titleLabel.text
    from seisview_reflectivity_lab.physics import zoeppritz_rpp

    exact = p.avo_plot.getPlotItem().listDataItems()[0].yData
    assert exact[0] == pytest.approx(zoeppritz_rpp(*p.result.data.rocks[k], 0.0).real)


def test_stop_cancels_training(qtbot):
    from seisview_reflectivity_lab.panel import ReflectivityLabPanel

    p = ReflectivityLabPanel()
    qtbot.addWidget(p)
    p.path_edit.setText(str(WELLS / "R-39.las"))
    p.epochs.setValue(5000)
    for n, box in p.net_boxes.items():
        box.setChecked(n == "numpy")
    worker = p.start()
    qtbot.waitUntil(lambda: len(p.history.get("numpy", [])) >= 1, timeout=30000)
    p.stop_btn.click()
    qtbot.waitUntil(lambda: p.status.text() == "stopped", timeout=30000)
    assert worker.wait(5)
    assert p.result is None and p.run_btn.isEnabled() and len(p.history["numpy"]) < 5000


def test_bad_las_fails_in_the_panel_not_the_app(qtbot, tmp_path):
    from seisview_reflectivity_lab.panel import ReflectivityLabPanel

    bad = tmp_path / "bad.las"
    bad.write_text("nonsense")
    p = ReflectivityLabPanel()
    qtbot.addWidget(p)
    p.path_edit.setText(str(bad))
    p.epochs.setValue(1)
    worker = p.start()
    qtbot.waitUntil(lambda: p.status.text().startswith("failed:"), timeout=30000)
    assert worker.wait(5)
    assert "cannot read bad.las as LAS" in p.status.text()
