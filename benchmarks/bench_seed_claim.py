"""Seed 000's in-phase / out-of-phase claim on the demo survey, at full length (a few minutes).

Trains a U-Net with ``seisview.ml.training.train`` on fully labelled demo
inlines and crosslines, then, for every encoder layer and the head, reports
the share of (in-phase, out-of-phase) comparisons in which the in-phase pair
has the lower joint entropy (and the higher shuffle-corrected mutual
information), for the trained network, its randomly initialised copy and the
raw maps; separately for band-passed and envelope partners. Also the noise
control (mean corrected MI of independent noise pairs per layer).

Run: ``python benchmarks/bench_seed_claim.py [--epochs 12] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import numpy as np


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--steps", type=int, default=25)
    ap.add_argument("--base", type=int, default=8)
    ap.add_argument("--levels", type=int, default=8)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from seisview.core.section import SectionSpec
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.ml.activations import layer_names
    from seisview.ml.data import make_training_data
    from seisview.ml.introspect import introspect, phase_pairs, separation
    from seisview.ml.training import TrainConfig, train

    vol, truth = demo_volume(), demo_truth()
    labels = {SectionSpec("inline", i): truth[i].T for i in (20, 70, 120, 170)}
    labels.update({SectionSpec("crossline", j): truth[:, j].T for j in (40, 110, 160)})
    data = make_training_data(vol, labels, n_classes=int(truth.max()))
    cfg = TrainConfig(model="unet", model_cfg={"base": args.base}, epochs=args.epochs,
                      steps_per_epoch=args.steps, crop=96, batch_size=8, first_snapshot_s=1e9, seed=0)
    t0 = time.time()
    done = list(train(cfg, data))[-1]
    net = done.snapshot.build()
    print(f"trained {type(done).__name__} {done.reason} in {time.time() - t0:.0f} s: "
          f"val_acc {done.metrics.get('val_acc', float('nan')):.3f}")
    layers = layer_names(net)
    maps, in_phase, out_phase = phase_pairs(vol, truth)
    print(f"{len(maps)} maps, {len(in_phase)} in-phase and {len(out_phase)} out-of-phase pairs")
    rows = introspect(net, maps, layers=layers, pairs=in_phase + out_phase, single=False,
                      levels=args.levels)
    band = [p for p in in_phase if p[1].startswith("band")]
    env = [p for p in in_phase if p[1].startswith("env")]
    result = {"val_acc": done.metrics.get("val_acc"), "layers": layers}
    for name, ip in (("all", in_phase), ("band", band), ("envelope", env)):
        result[name] = {"entropy": separation(rows, ip, out_phase, "entropy", True),
                        "mutual_information": separation(rows, ip, out_phase, "mutual_information", False)}
    rng = np.random.default_rng(11)
    noise = {f"n{i}": rng.normal(size=maps[next(iter(maps))].shape).astype(np.float32) for i in range(8)}
    ctrl = introspect(net, noise, layers=layers, pairs=[(f"n{2 * i}", f"n{2 * i + 1}") for i in range(4)],
                      single=False, levels=args.levels)
    control: dict[str, list[float]] = {}
    for r in ctrl:
        control.setdefault(r["layer"], []).append(r["mutual_information"])
    result["noise_mi"] = {k: float(np.mean(v)) for k, v in control.items()}

    order = ["raw"] + layers + [f"random:{n}" for n in layers]
    print(f"\n{'layer':16s} {'H all':>6s} {'H band':>6s} {'H env':>6s} {'MI all':>6s} {'MI env':>6s} {'noise MI':>9s}")
    for lay in order:
        e, m = result["all"]["entropy"], result["all"]["mutual_information"]
        print(f"{lay:16s} {e.get(lay, np.nan):6.3f} {result['band']['entropy'].get(lay, np.nan):6.3f} "
              f"{result['envelope']['entropy'].get(lay, np.nan):6.3f} {m.get(lay, np.nan):6.3f} "
              f"{result['envelope']['mutual_information'].get(lay, np.nan):6.3f} "
              f"{result['noise_mi'].get(lay, np.nan):9.4f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
    return 0


if __name__ == "__main__":
    sys.exit(main())
