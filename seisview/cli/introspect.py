"""`seisview introspect stats`: co-occurrence statistics of maps through a trained network.

Maps are `.npy` files (2-D) or survey slices written `FILE:KIND:VALUE[:ATTRIBUTE]`:
`survey.sgy:time:800` (time or depth in survey units), `survey.sgy:inline:250`,
`survey.sgy:crossline:1100` (line numbers); `demo` stands for the demo survey, and
an optional attribute (`envelope`, `bandpass`, `rms`, `phase`, `frequency`)
computes that attribute along time before cutting the slice. One CSV row per map or
pair and layer: `a,b,layer,entropy,energy,homogeneity,contrast,mutual_information`
with `layer` a network layer, `raw` or `random:<layer>`.
"""

from __future__ import annotations

from pathlib import Path

from seisview.core.errors import SeisviewError


def register(sub, groups) -> None:
    grp = groups.get("introspect")
    if grp is None:
        p = sub.add_parser("introspect", help="activation statistics of maps through a trained network")
        grp = p.add_subparsers(dest="introspect_command", metavar="SUBCOMMAND")
        groups["introspect"] = grp
    s = grp.add_parser("stats", help="single-map and pair co-occurrence statistics per layer (CSV)",
                       description=__doc__.split("\n\n", 1)[1])
    s.add_argument("maps", nargs="+", metavar="MAP", help="map.npy or FILE:time:800 (see above)")
    s.add_argument("--project", help="seisview project file holding the model run")
    s.add_argument("--run", type=int, help="model run id in the project")
    s.add_argument("--checkpoint", help="checkpoint file instead of --project/--run")
    s.add_argument("--layers", help="comma-separated layer names (default: all of the model's)")
    s.add_argument("--pairs", default="consecutive", choices=("all", "consecutive", "none"),
                   help="which map pairs to compare (default: consecutive)")
    s.add_argument("--levels", type=int, default=8, help="quantile levels per map (default 8)")
    s.add_argument("--shuffles", type=int, default=None,
                   help="draws of the MI baseline (default: all 15 shifts, or 4 shuffles)")
    s.add_argument("--baseline", choices=("shift", "shuffle"), default="shift",
                   help="MI baseline: large circular shifts (default), which keep each map's spatial "
                        "autocorrelation, so independent maps give 0 bits at every layer; or shuffled "
                        "positions (biased upward for smooth maps of few cells). The column mi_noise "
                        "is the level a pair's MI must exceed to share information")
    s.add_argument("--no-single", action="store_true", help="pairs only, no single-map rows")
    s.add_argument("--no-random", action="store_true", help="skip the randomly initialised copy")
    s.add_argument("--out", required=True, help="output CSV path")
    s.set_defaults(func=run_stats)


def load_model(project: str | None, run: int | None, checkpoint: str | None):
    """The `ModelSnapshot` of a project's run, or of a checkpoint file."""
    from seisview.ml.checkpoint import load_checkpoint

    if checkpoint:
        return load_checkpoint(checkpoint)
    if not project or run is None:
        raise SeisviewError("no model given", hint="pass --project P --run ID, or --checkpoint FILE")
    from seisview.io.project import Project

    with Project.open(project) as p:
        rec = p.get_run(run)
    if not rec.checkpoint:
        raise SeisviewError(f"model run {run} ({rec.status}) has no checkpoint",
                            hint="train it to the end first, or pick another run (`seisview project runs`)")
    ckpt = Path(rec.checkpoint)
    if not ckpt.is_absolute():
        ckpt = Path(project).expanduser().resolve().parent / ckpt
    return load_checkpoint(ckpt)


def run_stats(args) -> int:
    import torch

    from seisview.ml.introspect import introspect, write_csv

    torch.set_num_threads(max(1, min(torch.get_num_threads(), 4)))
    if args.levels < 2:
        raise SeisviewError(f"--levels {args.levels}", hint="use at least 2 levels")
    # scipy.signal takes 1-4 s to import: only this command needs it
    from seisview.attributes.maps import load_map

    cache: dict = {}
    maps = {}
    for spec in args.maps:
        if spec in maps:
            raise SeisviewError(f"map {spec} given twice", hint="list each map once")
        maps[spec] = load_map(spec, cache)
    snap = load_model(args.project, args.run, args.checkpoint)
    layers = [s.strip() for s in args.layers.split(",") if s.strip()] if args.layers else None
    if args.pairs != "none" and len(maps) < 2 and args.no_single:
        raise SeisviewError("one map and --no-single leaves nothing to compute", hint="give two maps or more")
    rows = introspect(snap, maps, layers=layers, pairs=args.pairs if len(maps) > 1 else "none",
                      single=not args.no_single, levels=args.levels, shuffles=args.shuffles,
                      random=not args.no_random, baseline=args.baseline)
    out = write_csv(rows, args.out)
    print(f"{len(rows)} rows ({len(maps)} maps, layers: raw, "
          f"{', '.join(layers) if layers else 'all'}{'' if args.no_random else ' + random copy'}) -> {out}")
    from seisview.attributes.cooccurrence import above_noise

    pair_rows = [r for r in rows if r["b"]]
    if pair_rows:
        at_noise = sum(above_noise(r) is False for r in pair_rows)
        print(f"{at_noise} of {len(pair_rows)} pair rows share no more than chance (mutual_information "
              "<= mi_noise, the largest MI of the shifted baseline)")
    return 0
