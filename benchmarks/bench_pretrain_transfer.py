"""Seed 001's transfer claim on facies: scratch vs autoencoder- vs GAN-pretrained U-Nets.

For each generated survey (the demo, and another generated with other settings:
lower frequency, more noise, another random earth model) it

1. pretrains an autoencoder and a GAN (``seisview.ml.pretrain``, the settings the
   Pretraining dock uses: widths 16-128, 64x32 patches) on sections of the survey
   (no labels), ``--pretrain-steps`` steps each;
2. trains the default facies U-Net recipe on the same labels (``--sections`` fully
   labelled inlines near the middle) from scratch and from each encoder, for each
   seed (the training seed changes the crops, the held-out split and the fresh layers),
   capped at ``--train-steps`` steps, the three starts interleaved per seed;
3. scores each run's final model on 10 inlines at least 9 lines from the labelled ones.

It prints a table per survey (accuracy per seed, mean, and the paired difference to
scratch) and writes the numbers as JSON. CPU budgets are short on purpose (the machine is
shared); say so next to every figure.

    nice -n 10 python benchmarks/bench_pretrain_transfer.py --json /tmp/transfer.json
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import loadavg  # noqa: E402

OTHER = dict(n_il=120, n_xl=120, n_samples=300, ricker_hz=18.0, noise=0.2, seed=777)


def surveys(names):
    from seisview.core.volume import Volume
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.io.demo_model import ModelSpec, build_model

    for name in names:
        if name == "demo":
            yield name, demo_volume(), demo_truth()
        else:
            seis, truth = build_model(ModelSpec(**OTHER))
            yield name, Volume.from_array(seis), truth


def pretrain_encoders(vol, steps: int, threads: int) -> dict:
    from seisview.ml.pretrain import PretrainConfig, run_pretrain
    from seisview.ml.pretrain_data import survey_sections

    sections = survey_sections(vol, 48)
    out = {}
    for model in ("autoencoder", "gan"):
        t0 = time.monotonic()
        done = run_pretrain(PretrainConfig(model=model, steps=steps, threads=threads,
                                           report_every=max(1, steps // 4)), sections)
        out[model] = done.snapshot
        last = done.history[-1] if done.history else {}
        print(f"  pretrained {model}: {steps} steps in {time.monotonic() - t0:.0f} s, "
              f"loss {last.get('loss', float('nan')):.4f} | {loadavg()}", flush=True)
    return out


def test_inlines(n_il: int, labelled: list[int]) -> list[int]:
    pool = [int(i) for i in np.linspace(3, n_il - 4, 30).round()]
    far = [i for i in pool if min(abs(i - j) for j in labelled) > 8]
    return far[:: max(1, len(far) // 10)][:10]


def facies_score(snapshot, vol, truth, inlines) -> dict:
    from seisview.ml.evaluation import score
    from seisview.ml.inference import predict_section

    k = int(truth.max())
    preds = [predict_section(snapshot, vol.inline(i)).classes for i in inlines]
    return score(np.stack(preds), np.stack([truth[i].T for i in inlines]), k)


def train_one(data, init, seed: int, steps: int, threads: int):
    from seisview.ml.progress import TrainDone
    from seisview.ml.training import TrainConfig, train

    cfg = TrainConfig(model="unet", epochs=max(1, steps // 10), steps_per_epoch=10, seed=seed,
                      init=init, threads=threads, first_snapshot_s=1e9)
    t0 = time.monotonic()
    last = None
    for msg in train(cfg, data):
        last = msg
    if not isinstance(last, TrainDone):
        raise RuntimeError(f"training ended with {type(last).__name__}")
    return last, time.monotonic() - t0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--surveys", default="demo,other")
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--sections", type=int, default=1, help="fully labelled inlines (1 or 2)")
    ap.add_argument("--pretrain-steps", type=int, default=400)
    ap.add_argument("--train-steps", type=int, default=120)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from seisview.core.section import SectionSpec
    from seisview.ml.data import make_training_data

    seeds = [int(s) for s in args.seeds.split(",")]
    result: dict = {"args": vars(args), "other_survey": OTHER, "surveys": {}}
    print(f"seed-001 transfer on facies | {loadavg()}", flush=True)
    for name, vol, truth in surveys(args.surveys.split(",")):
        n_il = vol.shape[0]
        labelled = [n_il // 2] if args.sections == 1 else [n_il // 3, 2 * n_il // 3]
        inlines = test_inlines(n_il, labelled)
        print(f"\n== {name}: {vol.shape}, labelled inline index {labelled}, test {inlines}",
              flush=True)
        encoders = pretrain_encoders(vol, args.pretrain_steps, args.threads)
        labels = {SectionSpec("inline", i): truth[i].T.copy() for i in labelled}
        data = make_training_data(vol, labels, n_classes=int(truth.max()))
        rows: dict = {"scratch": [], "autoencoder": [], "gan": []}
        for seed in seeds:
            order = ["scratch", "autoencoder", "gan"]
            order = order if seed % 2 == 0 else order[::-1]  # a drifting load hurts all alike
            for start in order:
                done, secs = train_one(data, encoders.get(start), seed, args.train_steps,
                                       args.threads)
                s = facies_score(done.snapshot, vol, truth, inlines)
                rows[start].append({"seed": seed, "accuracy": s["accuracy"],
                                    "min_recall": s["min_recall"], "steps": done.steps,
                                    "seconds": secs})
                print(f"  seed {seed} {start:11s} acc {s['accuracy']:.3f} min recall "
                      f"{s['min_recall']:.2f} ({done.steps} steps, {secs:.0f} s) | {loadavg()}",
                      flush=True)
        base = np.array([r["accuracy"] for r in rows["scratch"]])
        print(f"  {'start':11s} " + " ".join(f"seed {s}" for s in seeds) + "   mean  vs scratch")
        for start, rs in rows.items():
            acc = np.array([r["accuracy"] for r in rs])
            diff = acc - base
            print(f"  {start:11s} " + " ".join(f"{a:6.3f}" for a in acc)
                  + f"  {acc.mean():.3f}  {diff.mean():+.3f} (per seed "
                  + ", ".join(f"{d:+.3f}" for d in diff) + ")")
        result["surveys"][name] = {"labelled": labelled, "test_inlines": inlines, "runs": rows}
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
