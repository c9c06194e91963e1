"""The live loop as active learning: a scripted interpreter paints where seisview suggests.

    nice -n 10 python benchmarks/bench_active_learning.py [demo] [faulted] [flat] [--json OUT]

For each survey (the demo, and generated surveys of other styles: ``SURVEYS``) and each
seed: thin strokes on one inline (<= 2 % of it) train a first model (the default recipe);
then, in each round, K boxes are picked and the interpreter answers each with one thin
stroke (3 px) of the true class inside it, where the model is wrong there most (the
survey's ground truth plays the interpreter); training continues from the last model
(``TrainConfig(init=...)``, what ``seisview train --init RUN`` does, with its default
schedule for a continued run: ``TrainConfig.continued_scale``). The boxes are picked

* ``suggest``: by ``seisview.ml.suggest.suggest`` (what ``seisview suggest`` and the
  Training dock's "Label here next" show), over its default sections;
* ``random``: uniformly among the boxes of the same sections;
* ``plain`` (``--plain``): by uncertainty alone (no spreading over sections and classes,
  painted sections not discounted), as "Label here next" ranked before.

Accuracy is measured on 5 inlines and 5 crosslines that are never painted nor offered (and
where its errors lie: within ``EDGE`` pixels of a true class boundary or inside the bodies).
Budgets are in steps, not seconds, so the figures do not depend on the load.
``--init`` check (seed 0, round 1, ``suggest``): the continued run's accuracy after its
first epoch and the epoch of its best, against the same labels trained from scratch.
Environment: BENCH_AL_SEEDS (0,1), BENCH_AL_ROUNDS (3), BENCH_AL_K (5),
BENCH_AL_EPOCHS0 (20, x 10 steps, first model), BENCH_AL_EPOCHS (30, x 10 steps at most, each
round; early stopping ends it), BENCH_AL_THREADS (1), BENCH_AL_ARMS (suggest,random; ``--plain``
adds plain), BENCH_AL_FIRST (a folder: each first model is saved there and reused by later runs
with the same survey, seed and budget, so the arms can run in separate processes),
BENCH_AL_INIT_CHECK (1; 0 skips the ``--init`` check's run from scratch).
"""

from __future__ import annotations

import json
import os
import sys
import time

import numpy as np
import torch
from scipy import ndimage

from seisview.core.geometry import LineAxis, SurveyGeometry
from seisview.core.section import SectionSpec
from seisview.core.volume import Volume
from seisview.io.demo_model import DEMO_CLASSES, ModelSpec, build_model
from seisview.ml import suggest as suggest_mod
from seisview.ml.checkpoint import load_checkpoint, save_checkpoint
from seisview.ml.data import make_training_data
from seisview.ml.evaluation import score, thin_strokes
from seisview.ml.inference import predict_section
from seisview.ml.progress import TrainProgress
from seisview.ml.training import TrainConfig, train

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import loadavg  # noqa: E402

K_CLASSES = len(DEMO_CLASSES)
EDGE = 3  # pixels from a true class boundary that count as "at a boundary"
# generated surveys of other styles than the demo (whose ModelSpec() is the default)
SURVEYS = {
    "demo": None,
    # thin beds, steep tops, many large faults, strong noise, weak contrasts, higher frequency
    "faulted": ModelSpec(n_il=150, n_xl=150, seed=7, bed_scale=0.6, dip=0.35, n_faults=6,
                         throw_scale=2.0, noise=0.25, contrast=0.6, ricker_hz=35.0),
    # thick beds and units, flat, unfaulted, quiet, very weak contrasts, lower frequency
    "flat": ModelSpec(n_il=150, n_xl=150, seed=11, bed_scale=1.6, unit_scale=1.3, dip=0.0,
                      n_faults=0, noise=0.04, contrast=0.35, ricker_hz=22.0),
}


SCORES = ("accuracy", "min_recall", "recall", "boundary_err", "interior_err")


def first_model_path(name: str, seed: int, epochs0: int):
    folder = os.environ.get("BENCH_AL_FIRST")
    if not folder:
        return None
    os.makedirs(folder, exist_ok=True)
    from pathlib import Path

    return Path(folder) / f"first-{name}-seed{seed}-{epochs0}.safetensors"


def env_ints(name, default):
    return [int(v) for v in os.environ.get(name, default).split(",")]


def survey(name: str) -> tuple[Volume, np.ndarray]:
    if SURVEYS[name] is None:
        from seisview.io.demo import demo_truth, demo_volume

        return demo_volume(), demo_truth()
    spec = SURVEYS[name]
    seis, truth = build_model(spec)
    g = SurveyGeometry(LineAxis(1000, 1, spec.n_il), LineAxis(2000, 1, spec.n_xl),
                       spec.n_samples, spec.dt_ms, 0.0)
    return Volume.from_array(seis, g), truth


def truth_section(truth: np.ndarray, spec: SectionSpec) -> np.ndarray:
    return truth[spec.index].T if spec.kind == "inline" else truth[:, spec.index].T


def answer(truth_sec: np.ndarray, pred_sec: np.ndarray, box, width: int = 3) -> np.ndarray:
    """The interpreter's stroke in a box ``(row, col, height, width)``: one thin line of the
    true class the model gets wrong most there (else the box's main class), along the middle
    of that class's body in each column. A uint8 mask of the section."""
    r, c, h, w = box
    t, p = truth_sec[r:r + h, c:c + w], pred_sec[r:r + h, c:c + w]
    wrong = np.bincount(t[t != p].ravel(), minlength=K_CLASSES + 1)
    cls = int(wrong.argmax()) if wrong.any() else int(np.bincount(t.ravel()).argmax())
    body = t == cls
    core = ndimage.binary_erosion(body, iterations=width // 2 + 1)
    core = core if core.any() else body
    out = np.zeros(truth_sec.shape, np.uint8)
    for j in np.nonzero(core.any(0))[0]:
        mid = int(np.median(np.nonzero(core[:, j])[0]))
        lo, hi = max(mid - width // 2, 0), min(mid + width // 2 + 1, h)
        col = out[r + lo:r + hi, c + j]
        out[r + lo:r + hi, c + j] = np.where(body[lo:hi, j], cls, col)
    return out


def test_sections(volume: Volume, painted: int) -> list[SectionSpec]:
    """5 inlines and 5 crosslines between the offered ones, at least 9 lines from the painted."""
    out = []
    for kind in ("inline", "crossline"):
        n = volume.n_sections(kind)
        for f in (1 / 6, 2 / 6, 3 / 6, 4 / 6, 5 / 6):
            i = int(f * n)
            if kind == "inline" and abs(i - painted) <= 8:
                i += 9 if i >= painted else -9
            out.append(SectionSpec(kind, i))
    return out


def near_boundary(truth_sec: np.ndarray, edge: int = EDGE) -> np.ndarray:
    """Pixels within ``edge`` pixels of a change of true class (bool, the section's shape)."""
    change = np.zeros(truth_sec.shape, bool)
    change[1:] |= truth_sec[1:] != truth_sec[:-1]
    change[:, 1:] |= truth_sec[:, 1:] != truth_sec[:, :-1]
    return ndimage.binary_dilation(change, iterations=edge)


def accuracy(snap, volume, truth, tests) -> dict:
    preds = [predict_section(snap, volume.section_array(s)).classes for s in tests]
    truths = [truth_section(truth, s) for s in tests]
    out = score(np.concatenate([p.ravel() for p in preds]),
                np.concatenate([t.ravel() for t in truths]), K_CLASSES)
    wrong = np.concatenate([(p != t).ravel() for p, t in zip(preds, truths, strict=True)])
    edge = np.concatenate([near_boundary(t).ravel() for t in truths])
    # shares of all scored pixels that are wrong at a boundary / inside a body
    out["boundary_err"] = float((wrong & edge).mean())
    out["interior_err"] = float((wrong & ~edge).mean())
    return out


def fit(data, seed, epochs, init=None, curve=None, **over) -> tuple[object, dict]:
    """Train (continuing from ``init``); ``curve(snapshot)`` is called on each epoch's model."""
    cfg = TrainConfig(model="unet", epochs=epochs, seed=seed, init=init, **over)
    done, best_epoch, t0 = None, 0, time.monotonic()
    for msg in train(cfg, data):
        if isinstance(msg, TrainProgress):
            if msg.snapshot is not None and curve is not None:
                curve(msg.snapshot)
        else:
            done = msg
    if not hasattr(done, "snapshot") or getattr(done, "steps", None) is None:
        raise RuntimeError(f"training ended with {done}")
    best_epoch = int(done.snapshot.meta.get("epoch", -1)) + 1
    return done.snapshot, {"steps": done.steps, "best_epoch": best_epoch,
                           "seconds": time.monotonic() - t0}


def random_boxes(volume, specs, k, rng, window=suggest_mod.WINDOW):
    out = []
    for _ in range(k):
        spec = specs[rng.integers(len(specs))]
        h, w = volume.section_array(spec).shape
        wh, ww = min(window, h), min(window, w)
        out.append((spec, (int(rng.integers(0, h - wh + 1)), int(rng.integers(0, w - ww + 1)),
                           wh, ww)))
    return out


def plain_suggest(snap, volume, labels, k):
    """Uncertainty alone: the diversity factors and the painted discount switched off."""
    factors = ("SAME_SECTION", "SAME_PAIR", "NEAR", "SAME_LEVEL", "PAINTED")
    saved = {n: getattr(suggest_mod, n) for n in factors}
    try:
        for n in saved:
            setattr(suggest_mod, n, 1.0)
        return suggest_mod.suggest(snap, volume, labels, n=k)
    finally:
        for n, v in saved.items():
            setattr(suggest_mod, n, v)


def _recorder(into: list, volume, truth, tests):
    """A ``fit`` curve hook appending each epoch model's accuracy on ``tests`` to ``into``."""
    return lambda snap: into.append(accuracy(snap, volume, truth, tests)["accuracy"])


def run_seed(name, volume, truth, seed, arms, rounds, k, epochs0, epochs):
    n_il = volume.n_sections("inline")
    offered = suggest_mod.spread_sections(volume)
    painted_il = [s.index for s in offered if s.kind == "inline"][[2, 3, 1][seed % 3]]
    tests = test_sections(volume, painted_il)
    assert not set(tests) & set(offered) and painted_il < n_il
    start = {SectionSpec("inline", painted_il):
             thin_strokes(truth[painted_il].T, 0.02, width=1, strokes_per_class=4, seed=seed)}

    def data_of(labels):
        return make_training_data(volume, labels, n_classes=K_CLASSES, seed=seed)

    saved = first_model_path(name, seed, epochs0)
    if saved is not None and saved.exists():
        snap0, info0 = load_checkpoint(saved), {"steps": -1, "seconds": 0.0}
    else:
        snap0, info0 = fit(data_of(start), seed, epochs0)
        if saved is not None:
            save_checkpoint(saved, snap0)
    acc0 = accuracy(snap0, volume, truth, tests)
    print(f"  {name:8s} seed {seed} inline {painted_il}: first model {acc0['accuracy']:.3f} "
          f"(min recall {acc0['min_recall']:.2f}, {info0['steps']} steps, {info0['seconds']:.0f} s) "
          f"| {loadavg()}", flush=True)
    rows = [{"survey": name, "seed": seed, "arm": arm, "round": 0, "strokes": 0,
             **{k: acc0[k] for k in SCORES}} for arm in arms]
    init_check = None
    rng = np.random.default_rng(1000 + seed)
    for arm in arms:
        labels = {s: m.copy() for s, m in start.items()}
        snap = snap0
        for rnd in range(1, rounds + 1):
            if arm == "suggest":
                boxes = [(s.spec, (s.row, s.col, s.height, s.width))
                         for s in suggest_mod.suggest(snap, volume, labels, n=k)]
            elif arm == "plain":
                boxes = [(s.spec, (s.row, s.col, s.height, s.width))
                         for s in plain_suggest(snap, volume, labels, k)]
            else:
                boxes = random_boxes(volume, offered + list(start), k, rng)
            for spec, box in boxes:
                pred = predict_section(snap, volume.section_array(spec)).classes
                stroke = answer(truth_section(truth, spec), pred, box)
                mask = labels.setdefault(spec, np.zeros_like(stroke))
                mask[stroke > 0] = stroke[stroke > 0]
            data = data_of(labels)
            curve: list[float] = []
            check = (arm == "suggest" and rnd == 1 and seed == 0
                     and os.environ.get("BENCH_AL_INIT_CHECK", "1") != "0")
            hook = _recorder(curve, volume, truth, tests[::2]) if check else None
            snap, info = fit(data, seed + rnd, epochs, init=snap, curve=hook)
            acc = accuracy(snap, volume, truth, tests)
            if check:  # the same labels from scratch, default recipe
                scratch_curve: list[float] = []
                _, sinfo = fit(data, seed + rnd, epochs0,
                               curve=_recorder(scratch_curve, volume, truth, tests[::2]))
                init_check = {"before": accuracy(snap0, volume, truth, tests[::2])["accuracy"],
                              "continued": curve, "continued_best_epoch": info["best_epoch"],
                              "continued_steps": info["steps"], "scratch": scratch_curve,
                              "scratch_best_epoch": sinfo["best_epoch"],
                              "scratch_steps": sinfo["steps"]}
                print(f"  --init check: before {init_check['before']:.3f}; continued per epoch "
                      + " ".join(f"{a:.3f}" for a in curve)
                      + f" (best epoch {info['best_epoch']}); scratch per epoch "
                      + " ".join(f"{a:.3f}" for a in scratch_curve)
                      + f" (best epoch {sinfo['best_epoch']}, {sinfo['steps']} steps)", flush=True)
            n_px = int(sum(int((m > 0).sum()) for m in labels.values()))
            rows.append({"survey": name, "seed": seed, "arm": arm, "round": rnd,
                         "strokes": rnd * k, **{k_: acc[k_] for k_ in SCORES},
                         "labelled_px": n_px,
                         "sections": len(labels), "steps": info["steps"]})
            print(f"  {name:8s} seed {seed} {arm:7s} round {rnd}: {acc['accuracy']:.3f} "
                  f"(min recall {acc['min_recall']:.2f}; wrong at boundaries "
                  f"{acc['boundary_err']:.3f}, inside {acc['interior_err']:.3f}; "
                  f"{len(labels)} sections, {n_px} px; {info['steps']} steps, "
                  f"{info['seconds']:.0f} s) | {loadavg()}", flush=True)
    return rows, init_check


def table(rows, arms, rounds):
    names = list(dict.fromkeys(r["survey"] for r in rows))
    print("\n  survey   round " + " ".join(f"{a:>16s}" for a in arms) + "   suggest-random")
    for name in names:
        for rnd in range(rounds + 1):
            cells, means = [], {}
            for arm in arms:
                acc = [r["accuracy"] for r in rows if r["survey"] == name and r["arm"] == arm
                       and r["round"] == rnd]
                means[arm] = float(np.mean(acc))
                cells.append(f"{np.mean(acc):.3f} ({' '.join(f'{a:.3f}' for a in acc)})")
            diff = (f"{means['suggest'] - means['random']:+.3f}"
                    if "suggest" in means and "random" in means else "")
            print(f"  {name:8s} {rnd:5d} " + " ".join(f"{c:>16s}" for c in cells) + f"   {diff}")


def main(argv):
    out = None
    if "--json" in argv:
        out = argv[argv.index("--json") + 1]
        argv = [a for a in argv if a not in ("--json", out)]
    arms = os.environ.get("BENCH_AL_ARMS", "suggest,random").split(",")
    arms += ["plain"] if "--plain" in argv and "plain" not in arms else []
    names = [a for a in argv if a in SURVEYS] or list(SURVEYS)
    seeds = env_ints("BENCH_AL_SEEDS", "0,1")
    rounds = int(os.environ.get("BENCH_AL_ROUNDS", 3))
    k = int(os.environ.get("BENCH_AL_K", 5))
    epochs0 = int(os.environ.get("BENCH_AL_EPOCHS0", 20))
    epochs = int(os.environ.get("BENCH_AL_EPOCHS", 30))
    torch.set_num_threads(int(os.environ.get("BENCH_AL_THREADS", 1)))
    print(f"== active learning: {names}, seeds {seeds}, {rounds} rounds of {k} strokes, "
          f"first model {epochs0 * 10} steps at most, {epochs * 10} steps per round at most, "
          f"arms {arms} | {loadavg()}",
          flush=True)
    rows, checks = [], []
    for name in names:
        volume, truth = survey(name)
        for seed in seeds:
            r, check = run_seed(name, volume, truth, seed, arms, rounds, k, epochs0, epochs)
            rows += r
            if check:
                checks.append({"survey": name, **check})
            if out:
                with open(out, "w") as fh:
                    json.dump({"rows": rows, "init_checks": checks}, fh, indent=1)
    table(rows, arms, rounds)


if __name__ == "__main__":
    main(sys.argv[1:])
