"""``seisview reflectivity-lab LAS [--epochs N] [--json]`` (a plugin ``command`` contribution)."""

from __future__ import annotations

import json
import sys

SPLIT_TITLES = {"train": "training", "val": "validation", "new_rocks": "new rocks (0-20°)",
                "new_angle": "new angle (30°)", "blind": "blind: new rocks at 30°"}


def register(subparsers, groups) -> None:
    from .lab import NETS

    p = subparsers.add_parser(
        "reflectivity-lab", help="train the Zoeppritz tutorial network on a well (plugin)",
        description="Reproduce the tutorial (seed 002): 7-300-1 sigmoid network, per-sample gradient "
                    "descent, lr 0.001; print training, validation, new-rocks and new-angle errors.")
    p.add_argument("las", help="LAS file with P and S sonic and density (e.g. R-39.las)")
    p.add_argument("--epochs", type=int, default=100, help="training epochs (default 100)")
    p.add_argument("--nets", default=",".join(NETS),
                   help=f"comma-separated networks to train (default all: {','.join(NETS)})")
    p.add_argument("--seed", type=int, default=0, help="weight initialisation seed (default 0)")
    p.add_argument("--json", action="store_true", help="print JSON (errors, AVO curve, loss history)")
    p.set_defaults(func=cmd_lab)


def cmd_lab(args) -> int:
    from seisview.core.errors import SeisviewError

    from .lab import NETS, run_lab

    nets = tuple(n.strip() for n in args.nets.split(",") if n.strip())
    bad = [n for n in nets if n not in NETS]
    if bad or not nets:
        raise SeisviewError(f"unknown network(s) {', '.join(bad) or '(none)'}",
                            hint=f"choose from {', '.join(NETS)}")
    if args.epochs < 1:
        raise SeisviewError(f"--epochs must be at least 1, got {args.epochs}", hint="try --epochs 100")
    if "torch" in nets:
        import torch

        torch.set_num_threads(1)  # per-sample steps: threads only add overhead

    def progress(rep):
        if not args.json and (rep.epoch == 1 or rep.epoch % 10 == 0):
            print(f"  epoch {rep.epoch:>4} {rep.net:<15} train MSE {rep.train_mse:.3e}  "
                  f"val MSE {rep.val_mse:.3e}", file=sys.stderr)

    result = run_lab(args.las, epochs=args.epochs, nets=nets, seed=args.seed, on_epoch=progress)
    if args.json:
        print(json.dumps(result.to_json_dict()))
        return 0
    for line in result.report:
        print(line)
    names = list(result.errors)
    print(f"\nRMSE after {args.epochs} epochs (std of the true reflectivity: validation "
          f"{result.target_std['val']:.4f}); Shuey and Aki-Richards are formulas, not networks")
    print(f"{'':<26}" + "".join(f"{n:>15}" for n in names))
    for split, title in SPLIT_TITLES.items():
        print(f"{title:<26}" + "".join(f"{result.errors[n][split] ** 0.5:>15.5f}" for n in names))
    print("\ntraining seconds: " + ", ".join(f"{n} {s:.1f}" for n, s in result.seconds.items()))
    a = result.avo
    print(f"\nAVO at interface {result.avo_interface} ({result.avo_depth:.1f} m), trained on 0-20°:")
    print(f"{'angle':>6} {'exact':>9}" + "".join(f"{n:>15}" for n in names if n in a))
    for deg in (0, 10, 20, 30, 40, 50):
        i = int(round(deg / (a["angle"][1] - a["angle"][0])))
        print(f"{deg:>6} {a['exact'][i]:>9.4f}" + "".join(f"{a[n][i]:>15.4f}" for n in names if n in a))
    return 0

