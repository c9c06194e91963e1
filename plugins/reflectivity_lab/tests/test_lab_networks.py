"""The 7-300-1 network: numpy == torch step for step, validation error in the tutorial's range."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from seisview_reflectivity_lab.lab import run_lab
from seisview_reflectivity_lab.numpy_net import NumpyMLP

WELLS = Path(__file__).resolve().parents[3] / "tests" / "data" / "wells"  # the repository's test data


def _arrays():
    return [np.load(WELLS / f"{n}.npy") for n in ("X_train", "y_train", "X_val", "y_val")]


def test_numpy_and_torch_take_the_same_steps():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)
    from seisview_reflectivity_lab.torch_net import TorchMLP

    X, y, Xv, _ = _arrays()
    X, y = X[:200], y[:200]
    a, b = NumpyMLP(seed=3), TorchMLP(seed=3)
    np.testing.assert_allclose(a.predict(Xv), b.predict(Xv), atol=1e-14)  # same start
    for _ in range(2):
        la = a.train_epoch(X, y, 1e-3, w2_first=False)
        lb = b.train_epoch(X, y, 1e-3)
        assert la == pytest.approx(lb, rel=1e-10)
    np.testing.assert_allclose(a.predict(Xv), b.predict(Xv), atol=1e-12)
    # the tutorial's update order (output weights first) is a different, nearly identical path
    c = NumpyMLP(seed=3)
    for _ in range(2):
        c.train_epoch(X, y, 1e-3, w2_first=True)
    diff = np.abs(c.predict(Xv) - a.predict(Xv)).max()
    assert 0 < diff < 1e-4


def test_100_epochs_reach_the_tutorials_validation_error():
    """Full tutorial schedule (per-sample GD, lr 0.001, 100 epochs) on its own arrays, ~2 s.

    Across init seeds 0-5 the validation MSE ends at 6.7e-5 to 1.2e-4 (R² 0.96-0.98),
    tracking the training loss as in the tutorial's loss curves.
    """
    X, y, Xv, yv = _arrays()
    net = NumpyMLP(seed=0)
    before = np.mean((net.predict(Xv) - yv) ** 2)
    losses = [net.train_epoch(X, y, 1e-3) for _ in range(100)]
    val = np.mean((net.predict(Xv) - yv) ** 2)
    assert 3e-5 < val < 2.5e-4
    assert 1 - val / yv.var() > 0.95 and before > 10 * val
    assert losses[-1] < losses[9] < losses[0]  # the loss curve falls
    assert val < 2 * losses[-1]  # no overfitting: validation tracks training


def test_run_lab_reports_blind_tests_and_avo(tmp_path):
    from seisview_reflectivity_lab.features import build

    data = build(WELLS / "R-39.las")
    seen = []
    r = run_lab(data, epochs=3, nets=("numpy", "numpy-residual"), on_epoch=seen.append)
    assert [(e.net, e.epoch) for e in seen][:3] == [("numpy", 1), ("numpy-residual", 1), ("numpy", 2)]
    assert set(r.errors) == {"numpy", "numpy-residual", "shuey", "aki-richards"}
    assert set(r.errors["numpy"]) == {"train", "val", "new_rocks", "new_angle", "blind"}
    assert r.errors["shuey"]["val"] < 2e-6  # Shuey is accurate inside 0-20°
    avo = r.avo
    assert avo["angle"][0] == 0 and avo["angle"][-1] == 50 and len(avo["exact"]) == len(avo["angle"])
    k = r.avo_interface
    assert k in data.splits["val"].interfaces
    from seisview_reflectivity_lab.physics import zoeppritz_rpp

    assert avo["exact"][60] == pytest.approx(zoeppritz_rpp(*data.rocks[k], 30.0).real)
    d = r.to_json_dict()
    assert d["rmse"]["numpy"]["val"] == pytest.approx(r.errors["numpy"]["val"] ** 0.5)


def test_cli_json_and_bad_input(capsys, tmp_path):
    import json

    from seisview.cli import main

    las = str(WELLS / "R-39.las")
    assert main(["reflectivity-lab", las, "--epochs", "2", "--nets", "numpy", "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert len(d["loss_history"]["numpy"]) == 2 and "new_angle" in d["mse"]["numpy"]
    assert main(["reflectivity-lab", las, "--nets", "keras"]) == 2
    assert "unknown network(s) keras" in capsys.readouterr().err
    bad = tmp_path / "bad.las"
    bad.write_text("not a las file")
    assert main(["reflectivity-lab", str(bad), "--epochs", "1"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "cannot read bad.las as LAS" in err
