"""The tutorial's features and targets, built from a LAS file.

Recipe (seed 002, checked against its saved arrays): Vp = 1e6/DT, Vs = 1e6/DTS,
ρ = RHOB; drop the last 100 samples; replace invalid Vs (negative) by the mean Vs;
keep every 5th sample; each interface pairs a sample (upper layer) with the next
(lower layer). The first 500 interfaces get angles uniform in 0–20° and are split
80/20 into training and validation by a seeded permutation; the deepest 200 are
the blind "new rocks". Features are standardised with the mean and standard
deviation of the 500; the target is the real part of the exact Zoeppritz R_pp.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seisview.core.errors import SeisviewError
from seisview.io.wells import WellLog, elastic_logs, read_las

from .physics import shuey_inputs, zoeppritz_rpp

FEATURES = ("vp1", "vs1", "rho1", "vp2", "vs2", "rho2", "theta")


@dataclass(frozen=True)
class Recipe:
    drop_last: int = 100
    every: int = 5
    n_interfaces: int = 500
    val_fraction: float = 0.2
    n_blind: int = 200
    max_angle: float = 20.0
    new_angle: float = 30.0
    seed: int = 42


TUTORIAL = Recipe()


@dataclass(frozen=True)
class Split:
    """Raw features (n, 7: six rock properties and the angle in degrees) and targets."""

    name: str
    raw: np.ndarray
    y: np.ndarray
    interfaces: np.ndarray  # interface numbers (0 = shallowest), for depths and plots


@dataclass
class TutorialData:
    rocks: np.ndarray  # (n_interfaces_total, 6) vp1 vs1 rho1 vp2 vs2 rho2
    depth: np.ndarray  # depth of each interface (m), from the upper sample
    mean: np.ndarray  # (7,) standardisation of the tutorial inputs
    std: np.ndarray
    splits: dict[str, Split]
    report: list[str] = field(default_factory=list)

    def X(self, split: str, inputs: str = "tutorial") -> np.ndarray:
        """Standardised inputs of a split: ``tutorial`` (7) or ``shuey`` (3 physics terms)."""
        raw = self.splits[split].raw
        if inputs == "tutorial":
            return (raw - self.mean) / self.std
        if inputs == "shuey":
            mean, std = self._shuey_scale()
            return (shuey_inputs(raw[:, :6], raw[:, 6]) - mean) / std
        raise ValueError(f"unknown inputs {inputs!r}")

    def y(self, split: str) -> np.ndarray:
        return self.splits[split].y

    def _shuey_scale(self):
        fit = np.concatenate([self.splits["train"].raw, self.splits["val"].raw])
        s = shuey_inputs(fit[:, :6], fit[:, 6])
        return s.mean(0), s.std(0)


def target(raw: np.ndarray) -> np.ndarray:
    """Real part of the exact Zoeppritz R_pp for rows (vp1, vs1, rho1, vp2, vs2, rho2, theta)."""
    return zoeppritz_rpp(*raw.T).real


def tutorial_logs(log: WellLog, recipe: Recipe = TUTORIAL):
    """Vp, Vs, ρ and depth after the tutorial's cleaning (drop, fill, decimate) and a report."""
    el = elastic_logs(log, mask=False)
    n = log.depth.size - recipe.drop_last
    if n < 2 * recipe.every:
        raise SeisviewError(f"{log.path.name} has only {log.depth.size} samples",
                            hint=f"the tutorial recipe drops {recipe.drop_last} and needs more")
    report = []
    cols = {"Vp": el.vp[:n].copy(), "Vs": el.vs[:n].copy(), "rho": el.rho[:n].copy()}
    src = {"Vp": el.sources["vp"], "Vs": el.sources["vs"], "rho": el.sources["rho"]}
    for name, v in cols.items():
        bad = ~np.isfinite(v) | (v <= 0)
        if bad.any():
            if bad.all():
                raise SeisviewError(f"{log.path.name}: every {name} sample ({src[name]}) is null or negative",
                                    hint="check the curve and its unit")
            # the tutorial fills with the mean of the raw log (negatives included)
            fill = np.mean(v[np.isfinite(v)])
            v[bad] = fill
            report.append(f"{src[name]}: {int(bad.sum())} null or negative {name} samples "
                          f"replaced by the mean {fill:.1f} (tutorial recipe)")
    s = slice(None, None, recipe.every)
    return cols["Vp"][s], cols["Vs"][s], cols["rho"][s], log.depth[:n][s], report


def build(source: str | Path | WellLog, recipe: Recipe = TUTORIAL) -> TutorialData:
    """Build the tutorial's splits from a LAS file (or an already read log)."""
    log = source if isinstance(source, WellLog) else read_las(source)
    vp, vs, rho, depth, report = tutorial_logs(log, recipe)
    rocks = np.stack([vp[:-1], vs[:-1], rho[:-1], vp[1:], vs[1:], rho[1:]], axis=1)
    n_total, n = rocks.shape[0], recipe.n_interfaces
    if n_total < n + recipe.n_blind:
        raise SeisviewError(f"{log.path.name} gives {n_total} interfaces",
                            hint=f"the tutorial needs {n + recipe.n_blind} (training + blind rocks)")
    angles = np.random.RandomState(recipe.seed).uniform(0, recipe.max_angle, n)
    order = np.random.RandomState(recipe.seed).permutation(n)
    n_train = int(round(n * (1 - recipe.val_fraction)))
    fit = np.column_stack([rocks[:n], angles])
    mean, std = fit.mean(0), fit.std(0)
    rng = np.random.default_rng(recipe.seed + 1)
    blind_idx = np.arange(n_total - recipe.n_blind, n_total)
    val_idx = order[n_train:]

    def split(name, idx, theta):
        raw = np.column_stack([rocks[idx], np.broadcast_to(theta, idx.shape)])
        return Split(name, raw, target(raw), idx)

    splits = {
        "train": split("train", order[:n_train], angles[order[:n_train]]),
        "val": split("val", val_idx, angles[val_idx]),
        # new rocks at the training angles, and known rocks at a new angle
        "new_rocks": split("new_rocks", blind_idx, rng.uniform(0, recipe.max_angle, blind_idx.size)),
        "new_angle": split("new_angle", val_idx, recipe.new_angle),
        # the tutorial's blind set: new rocks at the new angle
        "blind": split("blind", blind_idx, recipe.new_angle),
    }
    report.append(f"{n_total} interfaces from {vp.size} samples; {n} for training/validation "
                  f"({n_train}/{n - n_train}), the deepest {recipe.n_blind} as new rocks")
    return TutorialData(rocks, depth[:-1], mean, std, splits, report)
