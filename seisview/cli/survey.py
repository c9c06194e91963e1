"""``seisview info`` and ``seisview convert``: the scan report and the survey store (zarr)."""

from __future__ import annotations

import json
import sys
import time


def _add_bytes(p) -> None:
    p.add_argument("path", help="SEG-Y or SU file")
    p.add_argument("--iline", type=int, metavar="BYTE", help="byte of the inline number (default 189)")
    p.add_argument("--xline", type=int, metavar="BYTE", help="byte of the crossline number (default 193)")
    p.add_argument("--gather-key", type=int, metavar="BYTE",
                   help="byte of the gather key; reads the file as pre-stack (FFID is 9)")
    p.add_argument("--format", type=int, dest="sample_format", metavar="CODE",
                   help="sample format code overriding the binary header (1 IBM, 5 IEEE, 2/3/8 int)")
    p.add_argument("--domain", choices=("time", "depth"), help="override the time/depth guess")


def register(subparsers, groups) -> None:
    p = subparsers.add_parser("info", help="print what a SEG-Y file holds (the scan report)")
    _add_bytes(p)
    p.add_argument("--json", action="store_true", help="print one JSON object")
    p.set_defaults(func=_info)
    c = subparsers.add_parser("convert", help="write the chunked, compressed store (zarr) of a post-stack "
                              "file; xarray.open_zarr reads it too")
    _add_bytes(c)
    c.add_argument("out", help="output folder (e.g. survey.zarr); `seisview OUT` opens it")
    c.add_argument("--scheduler", metavar="ADDRESS",
                   help="run on this dask.distributed scheduler (tcp://host:8786); its workers must "
                   "see PATH and OUT under the same paths. Default: threads on this machine")
    c.add_argument("--workers", type=int, metavar="N", help="local threads (default: one per core)")
    c.add_argument("--defer-time-major", action="store_true",
                   help="stop once the amplitudes are written (the store is usable); the time-major "
                   "copy that makes time slices fast is then built in the background when seisview "
                   "first shows one of its time slices. Default: build it right after, on this machine")
    c.set_defaults(func=_convert)


def _scan(args):
    from seisview.io.segy import scan

    return scan(args.path, args.iline, args.xline, args.gather_key,
                sample_format=args.sample_format, domain=args.domain)


def _info(args) -> int:
    from seisview.io.cache import cache_scan, is_cache

    if is_cache(args.path):  # a cache made by `seisview convert`: report the scan it was made from
        d = cache_scan(args.path)
        d["cache"] = str(args.path)
        print(json.dumps(d, ensure_ascii=False) if args.json else json.dumps(d, indent=2, ensure_ascii=False))
        return 0
    rep = _scan(args)
    d = rep.to_json_dict()
    if args.json:
        print(json.dumps(d, ensure_ascii=False))
        return 0
    unit = d["z_unit"]
    lines = [
        f"{d['path']}",
        f"  kind          {d['kind']} ({d['sorting']} sorted)" if d["kind"].startswith("post") else f"  kind          {d['kind']}",
        f"  traces        {d['n_traces']} x {d['n_samples']} samples, "
        f"{'dt' if rep.domain == 'time' else 'dz'} {rep.dt:g} {unit}, first sample {d['t0_ms']:g} {unit} ({d['domain']})",
        f"  samples       {d['sample_format']} (format {d['format_code']}), {d['byte_order']}-endian, rev {d['revision']}",
        f"  text header   {d['text_encoding']}",
    ]
    if "inlines" in d:
        for name in ("inlines", "crosslines"):
            a = d[name]
            lines.append(f"  {name:<13} {a['first']}-{a['last']} step {a['step']} ({a['count']})")
        lines.append(f"  line bytes    {d['iline_byte']}/{d['xline_byte']}")
        lines.append(f"  missing       {d['missing_traces']} traces")
        if d.get("affine"):
            a = d["affine"]
            lines.append(f"  world         x = {a[0]:.4f} il + {a[1]:.4f} xl + {a[2]:.2f}")
            lines.append(f"                y = {a[3]:.4f} il + {a[4]:.4f} xl + {a[5]:.2f}")
    if "gathers" in d:
        g = d["gathers"]
        lines.append(f"  gathers       {g['count']} by {g['key']}" + (f" (byte {g['byte']})" if g["byte"] else ""))
    for w in d["warnings"]:
        lines.append(f"  warning: {w}")
    print("\n".join(lines))
    return 0


def _convert(args) -> int:
    from seisview.core.tasks import TaskState
    from seisview.io.cache import build_cache

    rep = _scan(args)
    last = [-1]

    def progress(frac, msg):
        pct = int(frac * 100)
        if pct // 10 != last[0] // 10:
            print(f"  {pct:3d}% {msg}", file=sys.stderr)
        last[0] = pct

    if args.workers is not None and args.workers < 1:
        from seisview.core.errors import SeisviewError

        raise SeisviewError(f"--workers {args.workers} is not a number of threads", hint="give 1 or more")
    t0 = time.perf_counter()
    out = build_cache(rep, args.out, TaskState(progress), scheduler=args.scheduler, workers=args.workers)
    for w in rep.warnings:
        print(f"warning: {w}", file=sys.stderr)
    print(f"wrote {out} ({rep.geometry.il.count if rep.geometry else 1} inlines) in "
          f"{time.perf_counter() - t0:.1f} s; it is usable from now on")
    if not args.defer_time_major:
        from seisview.io.store_time_major import build_time_major

        t0, last[0] = time.perf_counter(), -1
        build_time_major(out, state=TaskState(progress), workers=args.workers)
        print(f"time-major copy (fast time slices) written in {time.perf_counter() - t0:.1f} s")
    return 0
