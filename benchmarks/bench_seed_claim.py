"""Seed 000's in-phase / out-of-phase claim on the demo survey, at full length (a few minutes).

Trains a U-Net with ``seisview.ml.training.train`` on fully labelled demo
inlines and crosslines, then, for every encoder layer and the head, reports
the share of (in-phase, out-of-phase) comparisons in which the in-phase pair
has the lower joint entropy (and the higher shuffle-corrected mutual
information), for the trained network, its randomly initialised copy and the
raw maps; separately for band-passed and envelope partners. Also the noise
control at every layer, the coarse head included: the corrected MI of pairs of
independent noise maps (200 x 200 like the demo's slices, and 64 x 64 like a
small held-out area) with the default baseline (circular shifts) and with
shuffled positions (the former default), and the share of those pairs marked
above the noise level. Beyond the seed: same-facies pairs (amplitude maps of
two slices cutting the same facies, ``facies_pairs``) against out-of-phase pairs,
by corrected MI, per layer.

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
    ap.add_argument("--noise-pairs", type=int, default=6, help="independent noise pairs per map size")
    ap.add_argument("--json", help="write the numbers here")
    args = ap.parse_args(argv)

    import torch

    torch.set_num_threads(args.threads)
    from seisview.core.section import SectionSpec
    from seisview.io.demo import demo_truth, demo_volume
    from seisview.ml.activations import layer_names
    from seisview.ml.data import make_training_data
    from seisview.ml.introspect import facies_pairs, introspect, phase_pairs, separation
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
    result["noise"] = noise_control(net, layers, args.levels, args.noise_pairs)
    result["noise_mi"] = {k: v["shift"]["mean"] for k, v in result["noise"]["200"].items()}
    fmaps, same, out = facies_pairs(vol, truth)
    frows = introspect(net, fmaps, layers=layers, pairs=same + out, single=False, levels=args.levels)
    result["facies"] = {"n_same": len(same), "n_out": len(out),
                        "mi": separation(frows, same, out, "mutual_information", False),
                        "same_above_noise": _share_above(frows, same),
                        "out_above_noise": _share_above(frows, out),
                        "same_mean_mi": _mean_mi(frows, same), "out_mean_mi": _mean_mi(frows, out)}
    # the pairs the raw maps cannot tell apart: same-facies pairs whose raw MI is no higher than
    # the 90th percentile of the out-of-phase pairs' raw MI
    raw_mi = {(r["a"], r["b"]): r["mutual_information"] for r in frows if r["layer"] == "raw"}
    limit = float(np.percentile([raw_mi[p] for p in out], 90))
    hard = [p for p in same if raw_mi[p] <= limit]
    result["facies"]["hard"] = {"n": len(hard), "raw_limit": limit, "pairs": hard,
                                "mi": separation(frows, hard, out, "mutual_information", False)}

    order = ["raw"] + layers + [f"random:{n}" for n in layers]
    print(f"\n{'layer':16s} {'H all':>6s} {'H band':>6s} {'H env':>6s} {'MI all':>6s} {'MI env':>6s} {'noise MI':>9s}")
    for lay in order:
        e, m = result["all"]["entropy"], result["all"]["mutual_information"]
        print(f"{lay:16s} {e.get(lay, np.nan):6.3f} {result['band']['entropy'].get(lay, np.nan):6.3f} "
              f"{result['envelope']['entropy'].get(lay, np.nan):6.3f} {m.get(lay, np.nan):6.3f} "
              f"{result['envelope']['mutual_information'].get(lay, np.nan):6.3f} "
              f"{result['noise_mi'].get(lay, np.nan):9.4f}")
    print("\nnoise control: independent noise pairs, corrected MI (bits) mean / max |.| and share "
          "marked above noise, default (shift) vs shuffled baseline")
    for size, table in result["noise"].items():
        print(f"maps {size} x {size}")
        for lay in order:
            if lay in table:
                sh, su = table[lay]["shift"], table[lay]["shuffle"]
                print(f"  {lay:16s} shift {sh['mean']:+.4f} / {sh['max_abs']:.4f} marked {sh['marked']:.2f}"
                      f"   shuffle {su['mean']:+.4f} / {su['max_abs']:.4f} marked {su['marked']:.2f}")
    f = result["facies"]
    print(f"\nsame-facies ({f['n_same']}) vs out-of-phase ({f['n_out']}) pairs: share of comparisons with "
          "higher MI for the same-facies pair; mean MI; share above noise")
    for lay in order:
        if lay in f["mi"]:
            print(f"  {lay:16s} {f['mi'][lay]:.3f}   MI {f['same_mean_mi'][lay]:+.4f} vs "
                  f"{f['out_mean_mi'][lay]:+.4f}   above noise {f['same_above_noise'][lay]:.2f} vs "
                  f"{f['out_above_noise'][lay]:.2f}")
    h = f["hard"]
    print(f"\nsame-facies pairs the raw maps cannot tell apart (raw MI <= {h['raw_limit']:.4f}, the "
          f"out-of-phase pairs' 90th percentile): {h['n']}; share of comparisons won per layer:")
    for lay in order:
        if lay in h["mi"]:
            print(f"  {lay:16s} {h['mi'][lay]:.3f}")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result, fh, indent=1)
    return 0


def noise_control(net, layers, levels: int, n_pairs: int) -> dict:
    """Per map size and layer: corrected MI of independent noise pairs, both baselines."""
    from seisview.attributes.cooccurrence import above_noise
    from seisview.ml.introspect import introspect

    out: dict = {}
    for size in (200, 64):
        rng = np.random.default_rng(11 + size)
        noise = {f"n{i}": rng.normal(size=(size, size)).astype(np.float32) for i in range(2 * n_pairs)}
        pairs = [(f"n{2 * i}", f"n{2 * i + 1}") for i in range(n_pairs)]
        table: dict = {}
        for baseline in ("shift", "shuffle"):
            rows = introspect(net, noise, layers=layers, pairs=pairs, single=False, levels=levels,
                              baseline=baseline)
            by: dict[str, list[dict]] = {}
            for r in rows:
                by.setdefault(r["layer"], []).append(r)
            for lay, rs in by.items():
                mi = np.array([r["mutual_information"] for r in rs])
                marked = [above_noise(r) for r in rs]
                table.setdefault(lay, {})[baseline] = {
                    "mean": float(mi.mean()), "max_abs": float(np.abs(mi).max()),
                    "marked": float(np.mean([bool(m) for m in marked])), "values": mi.tolist()}
        out[str(size)] = table
    return out


def _pair_rows(rows, pairs):
    want = set(pairs)
    by: dict[str, list[dict]] = {}
    for r in rows:
        if (r["a"], r["b"]) in want:
            by.setdefault(r["layer"], []).append(r)
    return by


def _share_above(rows, pairs) -> dict:
    from seisview.attributes.cooccurrence import above_noise

    return {lay: float(np.mean([bool(above_noise(r)) for r in rs])) for lay, rs in _pair_rows(rows, pairs).items()}


def _mean_mi(rows, pairs) -> dict:
    return {lay: float(np.mean([r["mutual_information"] for r in rs]))
            for lay, rs in _pair_rows(rows, pairs).items()}


if __name__ == "__main__":
    sys.exit(main())
