"""The reflectivity lab as a plain function: train the tutorial's network(s), run the blind tests.

``run_lab(las, epochs, ...)`` trains, epoch by epoch and side by side, the numpy
network (the tutorial's inputs), the same network in torch, and the numpy network
on physics-carrying inputs (the three Shuey terms), reporting each epoch through
``on_epoch``, and a numpy network that learns only the correction to the Shuey
approximation (physics as a prior). It returns the errors on training, validation, new rocks, a new
angle (30°) and the tutorial's blind set (new rocks at 30°), with the
Shuey / Aki–Richards approximations as baselines, and an AVO curve 0–50° at one
interface against the exact Zoeppritz solution.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seisview.core.tasks import TaskState

from .features import TUTORIAL, Recipe, TutorialData, build, target
from .numpy_net import NumpyMLP
from .physics import aki_richards_rpp, shuey_rpp

SPLITS = ("train", "val", "new_rocks", "new_angle", "blind")
NETS = {  # name -> (implementation, inputs, learns the residual of Shuey's approximation)
    "numpy": ("numpy", "tutorial", False),
    "torch": ("torch", "tutorial", False),
    "numpy-shuey": ("numpy", "shuey", False),
    "numpy-residual": ("numpy", "tutorial", True),
}


@dataclass(frozen=True)
class EpochReport:
    net: str
    epoch: int  # 1-based
    train_mse: float  # mean squared error seen during the epoch's per-sample pass
    val_mse: float


@dataclass
class LabResult:
    epochs: int
    lr: float
    errors: dict[str, dict[str, float]]  # net or baseline -> split -> MSE
    history: dict[str, list[tuple[float, float]]]  # net -> [(train, val) per epoch]
    avo: dict[str, np.ndarray]  # "angle", "exact", one curve per net and baseline
    avo_interface: int
    avo_depth: float
    seconds: dict[str, float]
    target_std: dict[str, float]  # split -> standard deviation of the true reflectivity
    report: list[str] = field(default_factory=list)
    models: dict = field(default_factory=dict, repr=False)  # trained nets, for more AVO curves
    data: TutorialData | None = field(default=None, repr=False)

    def avo_at(self, k: int) -> dict[str, np.ndarray]:
        """AVO curves (exact, formulas, every trained net) at another interface ``k``."""
        return avo_curves(self.data, k, self.models, {n: NETS[n][1] for n in self.models})

    def to_json_dict(self) -> dict:
        rmse = {k: {s: float(np.sqrt(v)) for s, v in e.items()} for k, e in self.errors.items()}
        return {
            "epochs": self.epochs, "lr": self.lr, "mse": self.errors, "rmse": rmse,
            "seconds": self.seconds, "target_std": self.target_std, "report": self.report,
            "avo": {"interface": self.avo_interface, "depth_m": self.avo_depth,
                    **{k: [round(float(x), 6) for x in v] for k, v in self.avo.items()}},
            "loss_history": {k: [[round(a, 8), round(b, 8)] for a, b in v] for k, v in self.history.items()},
        }


def make_net(name: str, n_in: int, seed: int):
    impl = NETS[name][0]
    if impl == "torch":
        from .torch_net import TorchMLP

        return TorchMLP(n_in, 300, seed)
    return NumpyMLP(n_in, 300, seed)


def run_lab(source: str | Path | TutorialData, epochs: int = 100, lr: float = 1e-3,
            nets: tuple[str, ...] = tuple(NETS), seed: int = 0, avo_interface: int | None = None,
            on_epoch: Callable[[EpochReport], None] | None = None,
            state: TaskState | None = None, recipe: Recipe = TUTORIAL) -> LabResult:
    """Train and test; ``on_epoch`` receives every :class:`EpochReport` (see :func:`iter_lab`)."""
    gen = iter_lab(source, epochs, lr, nets, seed, avo_interface, state=state, recipe=recipe)
    while True:
        try:
            rep = next(gen)
        except StopIteration as stop:
            return stop.value
        if on_epoch is not None:
            on_epoch(rep)


def iter_lab(source: str | Path | TutorialData, epochs: int = 100, lr: float = 1e-3,
             nets: tuple[str, ...] = tuple(NETS), seed: int = 0, avo_interface: int | None = None,
             *, state: TaskState | None = None, recipe: Recipe = TUTORIAL):
    """Generator form for GUI workers: yields an :class:`EpochReport` per net and epoch,
    returns the :class:`LabResult`."""
    data = source if isinstance(source, TutorialData) else build(source, recipe)
    unknown = [n for n in nets if n not in NETS]
    if unknown:
        raise ValueError(f"unknown nets {unknown}; choose from {list(NETS)}")
    inputs = {n: NETS[n][1] for n in nets}
    X = {n: {s: data.X(s, inputs[n]) for s in SPLITS} for n in nets}
    y = {s: data.y(s) for s in SPLITS}
    prior = {n: {s: _prior(data.splits[s].raw, NETS[n][2]) for s in SPLITS} for n in nets}
    models = {n: make_net(n, X[n]["train"].shape[1], seed) for n in nets}
    history: dict[str, list[tuple[float, float]]] = {n: [] for n in nets}
    seconds = dict.fromkeys(nets, 0.0)
    for epoch in range(1, epochs + 1):
        for n, model in models.items():  # interleaved, so live curves grow side by side
            if state is not None:
                state.check()
            t0 = time.perf_counter()
            train_mse = model.train_epoch(X[n]["train"], y["train"] - prior[n]["train"], lr)
            seconds[n] += time.perf_counter() - t0
            val_mse = float(np.mean((model.predict(X[n]["val"]) + prior[n]["val"] - y["val"]) ** 2))
            history[n].append((train_mse, val_mse))
            yield EpochReport(n, epoch, train_mse, val_mse)
        if state is not None:
            state.set_progress(epoch / epochs, f"epoch {epoch}/{epochs}")
    errors = {n: {s: float(np.mean((m.predict(X[n][s]) + prior[n][s] - y[s]) ** 2)) for s in SPLITS}
              for n, m in models.items()}
    for name, fn in (("shuey", shuey_rpp), ("aki-richards", aki_richards_rpp)):
        errors[name] = {s: float(np.mean((fn(*data.splits[s].raw.T) - y[s]) ** 2)) for s in SPLITS}
    k = _avo_interface(data) if avo_interface is None else int(avo_interface)
    avo = avo_curves(data, k, models, inputs)
    return LabResult(epochs, lr, errors, history, avo, k, float(data.depth[k]),
                     {n: round(s, 3) for n, s in seconds.items()},
                     {s: float(np.std(y[s])) for s in SPLITS}, list(data.report), models, data)


def _prior(raw: np.ndarray, residual: bool) -> np.ndarray:
    return shuey_rpp(*raw.T) if residual else np.zeros(len(raw))


def _avo_interface(data: TutorialData) -> int:
    """A validation interface with a clear but typical reflection (90th percentile of |R(0°)|)."""
    val = data.splits["val"]
    r0 = np.abs(target(np.column_stack([val.raw[:, :6], np.zeros(len(val.y))])))
    return int(val.interfaces[np.argsort(r0)[int(0.9 * (len(r0) - 1))]])


def avo_curves(data: TutorialData, k: int, models: dict, inputs: dict[str, str],
               angles: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Reflectivity against angle (0–50°) at interface ``k``: exact, each network, baselines."""
    angles = np.arange(0.0, 50.5, 0.5) if angles is None else np.asarray(angles, float)
    if not 0 <= k < len(data.rocks):
        raise ValueError(f"interface {k} outside 0..{len(data.rocks) - 1}")
    raw = np.column_stack([np.repeat(data.rocks[k][None], angles.size, 0), angles])
    out = {"angle": angles, "exact": target(raw), "shuey": shuey_rpp(*raw.T),
           "aki-richards": aki_richards_rpp(*raw.T)}
    probe = TutorialData(data.rocks, data.depth, data.mean, data.std,
                         {**data.splits, "avo": _split("avo", raw)})
    for n, m in models.items():
        out[n] = m.predict(probe.X("avo", inputs[n])) + _prior(raw, NETS[n][2])
    return out


def _split(name, raw):
    from .features import Split

    return Split(name, raw, target(raw), np.zeros(len(raw), int))
