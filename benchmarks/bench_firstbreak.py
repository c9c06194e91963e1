"""First-break picking quality: the U-Net picker (from scratch, or started from an
autoencoder / GAN encoder pretrained on all gathers without labels) against the
classical STA/LTA picker, side by side in one run.

The picker learns from the picks of ``--train-gathers`` gathers (spread over the
line: first, middle, last) and is scored on every other gather: the share of
true picks within ±2 samples (the issue's target: ≥ 90 %), within ±8 samples,
the mean absolute error and the median bias in ms. Data: the demo shot gathers
(1 ms, known first breaks) and the real refrapy land shots (0.25 ms, hand picks;
2 samples = 0.5 ms there).

    python benchmarks/bench_firstbreak.py --data demo,real --steps 600 --json out.json

Runs for minutes on 2 CPU cores (one training per data set and start).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from seisview.core.onset import pick_gather
from seisview.ml.fb_data import picks_from_headers, window_samples
from seisview.ml.firstbreak import (
    FirstBreakConfig,
    FirstBreakData,
    predict_picks,
    run_training,
    score_picks,
)
from seisview.ml.pretrain import PretrainConfig, run_pretrain

REFRAPY = (Path(__file__).resolve().parents[1].parent / "shared" / "data" / "firstbreaks"
           / "refrapy-02" / "field_example_02_shots_with_fb.sgy")


def load(name: str):
    if name == "demo":
        from seisview.io.demo import demo_gatherset

        return demo_gatherset()
    from seisview.io.segy import load as load_segy

    return load_segy(REFRAPY)


def spread(ids, n: int) -> list[int]:
    """``n`` gathers spread over the line (first and last included)."""
    pos = np.unique(np.round(np.linspace(0, len(ids) - 1, n)).astype(int))
    return [int(ids[i]) for i in pos]


def score_all(pred: dict, truth: dict, dt: float, test: set) -> dict:
    s2 = score_picks(pred, truth, dt, 2, keys=test)
    s8 = score_picks(pred, truth, dt, 8, keys=test)
    return {"within2": s2["within"], "within8": s8["within"], "mae_ms": s2["mae_ms"],
            "bias_ms": s2["median_bias_ms"], "n": s2["n"]}


def sta_lta(gs, test) -> dict:
    out = {}
    for key in test:
        g = gs.gather(key)
        t = pick_gather(g.data, gs.dt_ms, t0_ms=gs.t0_ms, order=np.argsort(g.offsets))
        out.update({(key, int(c)): (float(ti), 1.0) for c, ti in zip(g.channels, t, strict=True)})
    return out


def run(name: str, args) -> list[dict]:
    gs = load(name)
    truth = picks_from_headers(gs)
    ids = list(gs.gather_ids)
    train_keys = spread(ids, args.train_gathers)
    test = {int(k) for k in ids if k not in train_keys}
    picks = {k: v for k, v in truth.items() if k[0] in train_keys}
    data = FirstBreakData(gs, picks)
    rows = []
    c0 = time.process_time()
    rows.append({"data": name, "method": "STA/LTA (core.onset.pick_gather)",
                 **score_all(sta_lta(gs, test), truth, gs.dt_ms, test),
                 "cpu_s": time.process_time() - c0})
    window_ms = window_samples(gs, picks) * gs.dt_ms
    for init in args.inits:
        c0 = time.process_time()
        snap, pre_s = None, 0.0
        if init != "scratch":
            done = run_pretrain(PretrainConfig(model=init, steps=args.pretrain_steps,
                                               window_ms=window_ms, seed=args.seed), gs)
            snap, pre_s = done.snapshot, time.process_time() - c0
        cfg = FirstBreakConfig(steps=args.steps, crop=args.crop, seed=args.seed, init=snap,
                               patience=10 ** 6)
        done = run_training(cfg, data)
        pred = predict_picks(done.snapshot, gs, keys=sorted(test))
        if args.save_dir:
            from seisview.ml.firstbreak import save_run_checkpoint

            save_run_checkpoint(Path(args.save_dir) / f"fb-{name}-{init}", done.snapshot)
        rows.append({"data": name, "method": f"U-Net, {init}" + (" pretrained" if snap else ""),
                     **score_all(pred, truth, gs.dt_ms, test), "cpu_s": time.process_time() - c0,
                     "pretrain_cpu_s": pre_s, "best_step": done.snapshot.meta.get("step"),
                     "history": [{k: h[k] for k in ("step", "val_within", "val_mae_samples")
                                  if k in h} for h in done.history]})
        print(_fmt(rows[-1]), flush=True)
    rows[0]["train_gathers"] = train_keys
    return rows


def _fmt(r: dict) -> str:
    return (f"{r['data']:5s} {r['method']:36s} ±2 samples {r['within2']:6.1%}  ±8 {r['within8']:6.1%}"
            f"  MAE {r['mae_ms']:6.2f} ms  bias {r['bias_ms']:+6.2f} ms  n {r['n']:4d}"
            f"  CPU {r['cpu_s']:6.0f} s")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="demo,real")
    ap.add_argument("--inits", default="scratch,autoencoder,gan")
    ap.add_argument("--steps", type=int, default=600)
    ap.add_argument("--pretrain-steps", type=int, default=400)
    ap.add_argument("--train-gathers", type=int, default=3)
    ap.add_argument("--crop", type=int, default=256)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--json", default=None)
    ap.add_argument("--save-dir", default=None, help="keep each picker's checkpoint here")
    args = ap.parse_args()
    args.inits = args.inits.split(",")
    torch.set_num_threads(args.threads)
    rows = []
    for name in args.data.split(","):
        rows += run(name, args)
    print("\nfirst breaks on the gathers not picked (picks of "
          f"{args.train_gathers} gathers, {args.steps} steps):")
    for r in rows:
        print(_fmt(r))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1, default=float))


if __name__ == "__main__":
    main()
