"""The reflectivity lab's full tutorial schedule, side by side in one process.

    python benchmarks/bench_reflectivity_lab.py                 # 100 epochs, seeds 0-4
    python benchmarks/bench_reflectivity_lab.py --epochs 20 --seeds 1   # quick

On the tutorial's own arrays (../shared/data/wells/X_*.npy, which the lab
reproduces exactly from R-39.las):

* validation MSE after the full schedule (per-sample gradient descent, lr 0.001)
  for several weight seeds: the range the tests assert;
* the tutorial's update order (output weights first) against autograd's order;
* seconds per epoch of the numpy loop and of the same network in torch (per-sample
  autograd + in-place SGD, and ``loss.backward()`` + ``torch.optim.SGD``), as ratios;
* errors of every lab network on the blind tests (new rocks, new angle 30°),
  with the Shuey / Aki–Richards formulas for reference.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "plugins" / "reflectivity_lab"))
WELLS = HERE.parent / "tests" / "data" / "wells"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--epochs", type=int, default=100)
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)
    from seisview_reflectivity_lab.lab import run_lab
    from seisview_reflectivity_lab.numpy_net import NumpyMLP
    from seisview_reflectivity_lab.torch_net import TorchMLP

    X, y, Xv, yv = (np.load(WELLS / f"{n}.npy") for n in ("X_train", "y_train", "X_val", "y_val"))
    out: dict = {"epochs": args.epochs, "val_mse": {}, "order_effect": {}}
    for seed in range(args.seeds):
        a, b = NumpyMLP(seed=seed), NumpyMLP(seed=seed)
        for _ in range(args.epochs):
            a.train_epoch(X, y, 1e-3, w2_first=True)
            b.train_epoch(X, y, 1e-3, w2_first=False)
        va = float(np.mean((a.predict(Xv) - yv) ** 2))
        vb = float(np.mean((b.predict(Xv) - yv) ** 2))
        out["val_mse"][seed] = va
        out["order_effect"][seed] = abs(va - vb) / va
        print(f"seed {seed}: validation MSE {va:.3e} (R² {1 - va / yv.var():.3f}); "
              f"update-order effect {abs(va - vb) / va:.1e} relative", flush=True)

    # seconds per epoch, side by side (best of 3 epochs each)
    def per_epoch(net, **kw):
        times = []
        for _ in range(3):
            t0 = time.perf_counter()
            net.train_epoch(X, y, 1e-3, **kw)
            times.append(time.perf_counter() - t0)
        return min(times)

    t_np = per_epoch(NumpyMLP(seed=0))
    t_torch = per_epoch(TorchMLP(seed=0))
    t_optim = per_epoch(_OptimTorch(seed=0))
    out["seconds_per_epoch"] = {"numpy": t_np, "torch_autograd_grad": t_torch, "torch_optim_sgd": t_optim}
    print(f"seconds per epoch (400 per-sample steps): numpy {t_np:.3f}, torch autograd.grad "
          f"{t_torch:.3f} ({t_torch / t_np:.1f}x numpy), torch backward+optim.SGD {t_optim:.3f} "
          f"({t_optim / t_np:.1f}x numpy)", flush=True)

    t0 = time.perf_counter()
    r = run_lab(WELLS / "R-39.las", epochs=args.epochs, nets=("numpy", "numpy-shuey", "numpy-residual"))
    out["lab_seconds"] = time.perf_counter() - t0
    out["lab_rmse"] = r.to_json_dict()["rmse"]
    print(f"\nlab RMSE after {args.epochs} epochs (std of validation targets {r.target_std['val']:.4f}):")
    names = list(r.errors)
    print(f"{'':<12}" + "".join(f"{n:>16}" for n in names))
    for s in ("train", "val", "new_rocks", "new_angle", "blind"):
        print(f"{s:<12}" + "".join(f"{r.errors[n][s] ** 0.5:>16.5f}" for n in names))
    if args.json:
        print(json.dumps(out))
    return 0


class _OptimTorch:
    """The textbook torch loop (``backward`` + ``optim.SGD``), for the timing comparison only."""

    def __init__(self, seed: int):
        import torch
        from seisview_reflectivity_lab.torch_net import TorchMLP

        self.net = TorchMLP(seed=seed)
        self.torch = torch
        self.opt = torch.optim.SGD(self.net.model.parameters(), lr=1e-3)

    def train_epoch(self, X, y, lr):
        torch = self.torch
        Xt, yt = torch.as_tensor(X), torch.as_tensor(y)
        for i in range(len(y)):
            err = self.net.model(Xt[i])[0] - yt[i]
            self.opt.zero_grad()
            (0.5 * err * err).backward()
            self.opt.step()


if __name__ == "__main__":
    sys.exit(main())
