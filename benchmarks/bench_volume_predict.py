"""Volume prediction: stripes and accuracy on the demo survey, throughput on an F3-sized one.

    nice -n 10 python benchmarks/bench_volume_predict.py            # both parts (~25 min, load 10)
    nice -n 10 python benchmarks/bench_volume_predict.py stripes    # or: throughput

* stripes    : a facies run (``ml.training_run.facies_run``, a short default recipe) on a
               project of the demo survey, thin strokes on inline 60 (run A) or on inline 60 and
               crossline 60 (run B); the whole survey predicted by the section loop (inline
               after inline: ``predict_block(directions=("inline",), blend=0)``, the classes
               of ``predict_volume(kind="inline")``) and by the default kernel. Accuracy and
               the smallest recall on the demo's ground truth (painted sections left out), and
               the stripe index on time slices every 20 samples (also both directions averaged,
               with and without the blending) (mean |change| of class
               probabilities between neighbouring inlines / between neighbouring crosslines;
               the ground truth's own index, as one-hot probabilities, is printed beside it).
* throughput : samples/s of the default U-Net recipe (weights untrained: the cost is the
               same) on a generated F3-sized survey (651 x 951 x 462), CPU: the section loop
               (``predict_section`` inline by inline, BENCH_VP_INLINES=4 inlines of full width)
               vs the kernel on blocks as the jobs cut them: a slab of 16 inlines (full
               crossline width, what ``predict_volume`` runs) and of 64, a 64 x 64 column and a
               64 x 256 column (volume jobs' chunks with the halo the kernel needs), and both
               directions averaged on a 64 x 64 column. Interleaved pairs
               (``_timing.compare``, one pair per run, three runs); throughput ratio = (core
               samples per call ratio) / (wall-time ratio). The whole survey at ~0.3 M
               samples/s per process is ~16 min per method here, so blocks are timed instead.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

from seisview.core.section import SectionSpec
from seisview.ml.evaluation import score, thin_strokes
from seisview.ml.volume_predict import (
    BLEND_SIGMA,
    blend_reach,
    block_halo,
    predict_block,
    required_halo,
    stripe_index,
)

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, loadavg  # noqa: E402

THREADS = int(os.environ.get("BENCH_VP_THREADS", 1))
STEPS = int(os.environ.get("BENCH_VP_STEPS", 60))
SLICES = list(range(10, 300, 20))


def _facies_model(painted: list[SectionSpec]):
    """A short default-recipe run on a project of the demo survey, strokes on ``painted``."""
    from seisview.io.demo import demo_survey_path, demo_truth, demo_volume
    from seisview.io.project import Project
    from seisview.ml.training import TrainConfig
    from seisview.ml.training_run import facies_run

    truth = demo_truth()
    with tempfile.TemporaryDirectory() as tmp, \
            Project.create(Path(tmp) / "p.seisview", demo_survey_path()) as project:
        for spec in painted:
            section = truth[spec.index].T if spec.kind == "inline" else truth[:, spec.index].T
            strokes = thin_strokes(section, 0.02, width=1, strokes_per_class=4)
            idx = np.flatnonzero(strokes)
            project.labels.apply({spec: (idx, strokes.ravel()[idx])})
        cfg = TrainConfig(epochs=STEPS // 10, steps_per_epoch=10, patience=100,
                          first_snapshot_s=1e9, threads=THREADS, self_train=1,
                          self_train_after=STEPS // 2)
        run = facies_run(project, demo_volume(), cfg)
        t0 = time.perf_counter()
        run.start()
        assert run.wait(3600) and run.snapshot is not None, run.status
        print(f"  run on {[s.key() for s in painted]}: {run.status}, "
              f"{time.perf_counter() - t0:.0f} s, section kinds {run.snapshot.meta['section_kinds']}")
        return run.snapshot


def _row(name, pred, truth, mask, seconds):
    s = score(np.where(mask, pred.classes, 0), np.where(mask, truth, 0), 6)
    idx = stripe_index(pred.probability, SLICES)
    print(f"    {name:34s} accuracy {s['accuracy']:.4f}  min recall {s['min_recall']:.3f}  "
          f"stripe index {idx:.2f}  ({seconds:.0f} s)")
    return s["accuracy"], idx


def stripes() -> None:
    from seisview.io.demo import demo_truth, demo_volume

    torch.set_num_threads(THREADS)
    print(f"stripes and accuracy on the demo survey ({loadavg()}, torch threads {THREADS})")
    vol, truth = demo_volume(), demo_truth()
    data = np.asarray(vol.data)
    onehot = np.stack([(truth == c).astype(np.float32) for c in range(1, 7)])
    print(f"  ground truth's own stripe index {stripe_index(onehot, SLICES):.2f}")
    runs = {"A (inline 60)": [SectionSpec("inline", 60)],
            "B (inline 60 + crossline 60)": [SectionSpec("inline", 60), SectionSpec("crossline", 60)]}
    for name, painted in runs.items():
        model = _facies_model(painted)
        mask = np.ones(truth.shape, bool)  # score on what nobody painted
        for spec in painted:
            mask[(spec.index,) if spec.kind == "inline" else (slice(None), spec.index)] = False
        print(f"  run {name}:")
        variants = {"section loop (inlines)": dict(directions=("inline",), blend=0),
                    "kernel default (inlines, blend 2)": {},
                    "kernel, both directions, blend 2": dict(directions=("inline", "crossline")),
                    "kernel, both directions, no blend": dict(directions=("inline", "crossline"),
                                                              blend=0)}
        if len(painted) > 1:
            variants["section loop (crosslines)"] = dict(directions=("crossline",), blend=0)
        for label, kw in variants.items():
            t0 = time.perf_counter()
            pred = predict_block(model, data, **kw)
            _row(label, pred, truth, mask, time.perf_counter() - t0)
    print(f"  ({loadavg()})")


def _f3_survey(shape=(651, 951, 462)) -> np.ndarray:
    rng = np.random.default_rng(0)
    data = np.empty(shape, np.float32)
    for i in range(shape[0]):  # band-limited-ish traces, an inline at a time
        data[i] = np.cumsum(rng.standard_normal(shape[1:], dtype=np.float32), axis=1)
    return data


def throughput() -> None:
    from seisview.ml.inference import predict_section
    from seisview.ml.models import build_model
    from seisview.ml.snapshot import ModelSnapshot
    from seisview.ml.training import model_settings

    torch.set_num_threads(THREADS)
    n = int(os.environ.get("BENCH_VP_INLINES", 4))
    print(f"throughput on an F3-sized survey (651 x 951 x 462), CPU, torch threads {THREADS}, "
          f"{loadavg()}")
    data = _f3_survey()
    cfg = model_settings("unet", {})
    torch.manual_seed(0)
    net = build_model("unet", 6, **cfg)
    one = ModelSnapshot.of(net, "unet", cfg, clip=float(np.percentile(np.abs(data[300]), 99)),
                           meta={"section_kinds": ["inline"]})
    both = one.with_meta(section_kinds=["crossline", "inline"])
    halo = required_halo(one)
    reach = blend_reach(BLEND_SIGMA)
    i0, j0 = 300, 400

    def loop():
        for i in range(i0, i0 + n):
            predict_section(one, data[i].T)

    def column(model, ci, cj, hi, hj):
        a0, a1 = i0 - hi, i0 + ci + hi
        b0, b1 = (0, data.shape[1]) if cj is None else (j0 - hj, j0 + cj + hj)
        pairs = ((hi, hi), (0, 0) if cj is None else (hj, hj), (0, 0))
        block = data[a0:a1, b0:b1]
        core = ci * (data.shape[1] if cj is None else cj) * data.shape[2]
        return (lambda: predict_block(model, block, pairs, origin=(a0, b0, 0))), core

    base_samples = n * data.shape[1] * data.shape[2]
    h_il, h_xl, _ = block_halo(one)
    cases = {f"slab 16 inlines x 951, halo ({reach}, 0)": column(one, 16, None, reach, 0),
             f"slab 64 inlines x 951, halo ({reach}, 0)": column(one, 64, None, reach, 0),
             f"column 64 x 64, halo ({h_il}, {h_xl}) (jobs' default chunk)": column(one, 64, 64, h_il, h_xl),
             f"column 64 x 256, halo ({h_il}, {h_xl})": column(one, 64, 256, h_il, h_xl),
             f"both directions, 64 x 64, halo {halo}": column(both, 64, 64, halo, halo)}
    pick = os.environ.get("BENCH_VP_CASES")  # e.g. "slab,both": cases whose label has a word
    if pick:
        cases = {k: v for k, v in cases.items() if any(w in k for w in pick.split(","))}
    t0 = time.perf_counter()
    loop()
    base_s = time.perf_counter() - t0
    print(f"  section loop: {n} inlines in {base_s:.1f} s = {base_samples / base_s / 1e6:.2f} M "
          f"samples/s (single call, warm-up)")
    for label, (fn, samples) in cases.items():
        cmp = compare(loop, fn, n=1, warmup=1, runs=3, rewarm=False)
        gain = samples / base_samples / np.array(cmp.run_ratios)
        sm, _ = cmp.stats("subj")
        bm, _ = cmp.stats("base")
        print(f"  {label}: {samples / sm / 1e6:.3f} M samples/s vs section loop "
              f"{base_samples / bm / 1e6:.3f}: throughput ratio {samples / base_samples / cmp.ratio:.2f}x "
              f"(runs {' '.join(f'{g:.2f}' for g in gain)}; {cmp.load_before.split(' on ')[0]} -> "
              f"{cmp.load_after[5:]})")


if __name__ == "__main__":
    parts = sys.argv[1:] or ["stripes", "throughput"]
    for part in parts:
        {"stripes": stripes, "throughput": throughput}[part]()
