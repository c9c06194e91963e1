"""``seisview well info LAS [--json]``: curves, units, depth range, nulls, problems found."""

from __future__ import annotations

import json


def register(subparsers, groups) -> None:
    p = subparsers.add_parser("well", help="well logs (LAS 2.0 / 3.0)")
    sub = p.add_subparsers(dest="well_command", metavar="ACTION")
    groups["well"] = sub
    info = sub.add_parser("info", help="curves, units, depth range, nulls and problems of a LAS file")
    info.add_argument("las", help="LAS 2.0 or 3.0 file")
    info.add_argument("--json", action="store_true", help="print JSON")
    info.set_defaults(func=cmd_info)


def cmd_info(args) -> int:
    from seisview.core.errors import SeisviewError
    from seisview.io.wells import elastic_logs, read_las

    log = read_las(args.las)
    try:  # Vp, Vs, density: which curves, how many samples are unusable
        el = elastic_logs(log)
        elastic = {"sources": el.sources, "masked": el.masked}
    except SeisviewError as exc:
        elastic = {"unavailable": str(exc)}
    d = log.to_json_dict()
    d["elastic"] = elastic
    if args.json:
        print(json.dumps(d, indent=1))
        return 0
    dep = d["depth"]
    step = f"{dep['step_m']:.4f} m" if dep["step_m"] else "irregular"
    print(f"{log.path.name}: well {d['well']!r}  UWI {d['uwi'] or '-'}  LAS {d['las_version']}")
    print(f"depth {dep['start_m']:.2f}-{dep['stop_m']:.2f} m, step {step}, {dep['samples']} samples "
          f"(unit in file: {dep['unit_in_file'] or '?'}); null value {d['null_value']}")
    loc = d["location"]
    if loc:
        ll = f"  lat {loc['lat']:.5f} lon {loc['lon']:.5f}" if loc["lat"] is not None else ""
        print(f"location x {loc['x']:.1f} y {loc['y']:.1f} ({loc['source']}){ll}")
    print(f"{'curve':<8} {'unit':<8} {'nulls':>6} {'min':>11} {'max':>11}  alias  description")
    for c in d["curves"]:
        lo = f"{c['min']:.4g}" if c["min"] is not None else "-"
        hi = f"{c['max']:.4g}" if c["max"] is not None else "-"
        print(f"{c['mnemonic']:<8} {c['unit']:<8} {c['n_null']:>6} {lo:>11} {hi:>11}  "
              f"{c['alias_of'] or '':<5}  {c['description']}")
    if "sources" in elastic:
        src = elastic["sources"]
        masked = ", ".join(f"{m} {n}" for m, n in elastic["masked"].items() if n) or "none"
        print(f"elastic logs: Vp from {src['vp']}, Vs from {src['vs']}, density from {src['rho']}; "
              f"samples masked (null, zero or negative): {masked}")
    else:
        print(f"elastic logs: unavailable ({elastic['unavailable']})")
    print("problems:" if d["problems"] else "problems: none")
    for p in d["problems"]:
        print(f"  - {p}")
    return 0
