"""``seisview suggest``: where to paint next, as the Training dock's "Label here next" shows it.

The ranking is ``seisview.ml.suggest`` (shared with the GUI); this module reads the
project, the run's model and the section the user named, and prints line numbers and
ms (or m) only.
"""

from __future__ import annotations

import json
import sys

from seisview.core.errors import SeisviewError


def register(sub, groups) -> None:
    p = sub.add_parser("suggest", help="regions to label next, best first",
                       description="Print the regions a run's model is least sure about, as "
                       "the Training dock's \"Label here next\" lists them: boxes spread over "
                       "sections and class pairs, painted sections counting less. Without "
                       "--section it ranks inlines and crosslines spread through the survey "
                       "(and the painted ones).")
    p.add_argument("project", help="the .seisview project file")
    p.add_argument("--run", required=True, type=int, help="facies run id printed by `seisview train`")
    p.add_argument("--section", default=None,
                   help="only this section: inline:N, crossline:N (line numbers), time:MS or depth:M")
    p.add_argument("--top", type=int, default=None, help="how many regions (default 6)")
    p.add_argument("--json", action="store_true",
                   help="a JSON list: section, inline/crossline/time (or depth) ranges, first and "
                        "last inclusive, unit, score")
    p.add_argument("--device", choices=("cpu", "cuda"), default=None)
    p.set_defaults(func=cmd_suggest)


def cmd_suggest(args) -> int:
    from seisview.io.project import Project
    from seisview.ml.runs import palette_classes, project_volume, run_snapshot
    from seisview.ml.suggest import TOP, suggest

    top = TOP if args.top is None else args.top
    if top < 1:
        raise SeisviewError(f"--top {top}: at least one region", hint="use --top 6 (default)")
    with Project.open(args.project) as project:
        try:
            run = project.get_run(args.run)
        except SeisviewError as exc:  # a wrong number: say which runs there are
            raise SeisviewError(exc.problem, hint=_facies_runs_hint(project)) from None
        if run.task != "facies":
            raise SeisviewError(f"run {args.run} is a {run.task} run; suggestions need a facies run",
                                hint=_facies_runs_hint(project))
        project.require_survey_unchanged("suggest regions on it")
        snap = run_snapshot(project, args.run)
        volume = project_volume(project)
        labels = project.labels.snapshot()
        class_names = palette_classes(project)[1]
    g = volume.geometry
    specs = [g.parse_spec(args.section)] if args.section else None
    found = suggest(snap, volume, labels, specs, top, device=args.device)
    if args.json:
        print(json.dumps([s.to_json(g) for s in found]))
        return 0
    if not found:
        print("nothing to suggest: every region of these sections is labelled", file=sys.stderr)
        return 0
    for k, s in enumerate(found, 1):
        d = s.to_json(g)
        print(f"{k}. {g.describe(s.spec)}: {_ranges(d, g)}  score {s.score:.2f} "
              f"(uncertainty {s.uncertainty:.2f}, {s.class_text(class_names)})")
    return 0


def _ranges(d: dict, g) -> str:
    """``inline 200, crosslines 380-411, time 400-524 ms`` (a line word is plural for a range)."""
    def span(lo, hi):
        return f"{lo:g}" if lo == hi else f"{lo:g}-{hi:g}"

    il, xl, z = d["inline"], d["crossline"], d[g.z_name]
    return (f"inline{'s' * (il[0] != il[1])} {span(*il)}, crossline{'s' * (xl[0] != xl[1])} "
            f"{span(*xl)}, {g.z_name} {span(*z)} {g.z_unit}")


def _facies_runs_hint(project) -> str:
    ids = [str(r.id) for r in project.runs("facies") if r.checkpoint]
    return f"facies runs with a model: {', '.join(ids)}" if ids else "train one with `seisview train`"
