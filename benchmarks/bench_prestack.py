"""Pre-stack files above the RAM budget (issue 17 item 5): peak memory and gather paging time.

Writes a generated shot-gather SEG-Y (``--gathers`` x ``--traces`` x ``--samples``, IEEE,
~580 MB by default), then, each in a fresh child process (peak RSS = ``VmHWM`` growth after
the imports):

* in memory: ``load(path, use_cache=False)`` and a page through every gather;
* mapped, first open: ``load`` under ``SEISVIEW_RAM_BUDGET_GB=--budget`` (scan + index) and the page;
* mapped, reopen: the same with the index saved by the first (no scan);
* the all-gathers first-break job (``predict_all_gathers``, a small random-weight picker,
  ``--job-gathers`` gathers) from the mapped file, its peak memory.

Paging time: interleaved pairs (``_timing.compare``) of showing the next gather from the
in-memory set vs from the mapped one, in one process, warm page cache (the file was just
written; dropping the machine's caches is not ours to do on a shared host).

Run: ``python benchmarks/bench_prestack.py [--gathers 600] [--json out.json]``
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _timing import compare, loadavg  # noqa: E402

REPO = str(Path(__file__).resolve().parents[1])

CHILD = textwrap.dedent("""
    import json, sys, time
    import numpy as np

    def hwm():
        for line in open("/proc/self/status"):
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    from seisview.io.segy import load
    mode, path = sys.argv[1], sys.argv[2]
    if mode == "job":
        import torch
        from seisview.ml.fb_job import predict_all_gathers
        torch.set_num_threads(1)
    base = hwm()
    t0 = time.perf_counter()
    gs = load(path, use_cache=False) if mode == "memory" else load(path)
    opened = time.perf_counter() - t0
    res = {"open_s": opened, "type": type(gs.data).__name__}
    if mode == "job":
        sys.path.insert(0, sys.argv[3])
        from bench_prestack import picker
        n = int(sys.argv[4])
        t0 = time.perf_counter()
        job = predict_all_gathers(picker(gs.dt_ms), gs, sys.argv[5], keys=gs.gather_ids[:n])
        res.update(job_s=time.perf_counter() - t0, traces=job.n_traces)
    else:
        t0 = time.perf_counter()
        for k in gs.gather_ids:
            gs.gather(k)
        res["page_all_s"] = time.perf_counter() - t0
    res["grown"] = hwm() - base
    print(json.dumps(res))
""")


def picker(dt_ms: float):
    """A small first-break U-Net with seeded random weights (the job's cost, not its quality)."""
    import torch

    from seisview.ml.fb_data import input_channels
    from seisview.ml.fb_predict import build_picker
    from seisview.ml.snapshot import ModelSnapshot

    torch.manual_seed(0)
    config = {"widths": [8, 16, 32], "in_channels": input_channels(20.0)}
    net = build_picker(config)
    return ModelSnapshot("fb-unet", 2, config, {k: v.clone() for k, v in net.state_dict().items()},
                         meta={"window_ms": 256 * dt_ms, "factor_dt_ms": 2 * dt_ms, "compress": 20.0})


class SyntheticTraces:
    """Shot records made a block of rows at a time (the writer never holds the file)."""

    def __init__(self, n: int, ns: int, per: int):
        self.shape, self.per = (n, ns), per

    def __getitem__(self, sl):
        rows = np.arange(*sl.indices(self.shape[0]))
        ch = rows % self.per
        t = np.arange(self.shape[1])[None, :]
        onset = 50 + 3 * np.abs(ch - self.per / 2)[:, None]
        wave = np.sin((t - onset) * 0.3) * np.exp(-np.maximum(t - onset, 0) / 200) * (t > onset)
        rng = np.random.default_rng(int(rows[0]) if rows.size else 0)
        return (wave + 0.05 * rng.normal(size=wave.shape)).astype(np.float32)


def child(mode: str, path: Path, env: dict, *extra: str) -> dict:
    r = subprocess.run([sys.executable, "-c", CHILD, mode, str(path), *extra], capture_output=True,
                       text=True, env=env, check=False)
    if r.returncode:
        raise SystemExit(f"{mode} child failed:\n{r.stderr[-2000:]}")
    return json.loads(r.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gathers", type=int, default=600)
    ap.add_argument("--traces", type=int, default=120)
    ap.add_argument("--samples", type=int, default=2000)
    ap.add_argument("--budget", type=float, default=0.1, help="SEISVIEW_RAM_BUDGET_GB of the mapped runs")
    ap.add_argument("--job-gathers", type=int, default=40)
    ap.add_argument("--pairs", type=int, default=60)
    ap.add_argument("--json")
    args = ap.parse_args(argv)
    from seisview.core.gathers import GatherSet
    from seisview.io.segy import load, write_gathers_segy

    tmp = Path(tempfile.mkdtemp(prefix="bench_prestack_"))
    n = args.gathers * args.traces
    gs = GatherSet(SyntheticTraces(n, args.samples, args.traces),
                   np.repeat(np.arange(1, args.gathers + 1), args.traces),
                   np.tile(np.arange(1, args.traces + 1), args.gathers),
                   np.tile(np.arange(args.traces) * 10.0, args.gathers), 0.5)
    t0 = time.perf_counter()
    path = write_gathers_segy(tmp / "shots.sgy", gs)
    size = path.stat().st_size
    print(f"{path.name}: {size / 1e6:.0f} MB, {args.gathers} gathers x {args.traces} traces x "
          f"{args.samples} samples, written in {time.perf_counter() - t0:.1f} s | {loadavg()}")
    env = {**os.environ, "PYTHONPATH": REPO + os.pathsep + os.environ.get("PYTHONPATH", ""),
           "SEISVIEW_HOME": str(tmp / "home"), "OMP_NUM_THREADS": "1"}
    budget_env = {**env, "SEISVIEW_RAM_BUDGET_GB": str(args.budget)}
    res = {"file_bytes": size, "budget_gb": args.budget, "load": loadavg()}
    res["memory"] = child("memory", path, env)
    res["first"] = child("mapped", path, budget_env)
    res["reopen"] = child("mapped", path, budget_env)
    res["job"] = child("job", path, budget_env, str(Path(__file__).resolve().parent),
                       str(args.job_gathers), str(tmp / "picks.csv"))
    for name in ("memory", "first", "reopen", "job"):
        r = res[name]
        extra = (f"page all {r['page_all_s']:.2f} s" if "page_all_s" in r
                 else f"job {r['job_s']:.1f} s for {r['traces']} traces")
        print(f"{name:7s} {r['type']:13s} open {r['open_s']:.2f} s, peak RSS growth "
              f"{r['grown'] / 1e6:.0f} MB ({r['grown'] / size:.2f} x the file), {extra}")
    # paging the gather view: next gather, in memory vs mapped (interleaved pairs, one process)
    os.environ["SEISVIEW_HOME"] = str(tmp / "home")
    mem = load(path, use_cache=False)
    mapped = load(path, use_cache=True)
    ids = list(mem.gather_ids)
    pos = {"baseline": 0, "subject": 0}

    def step(which, g):
        def fn():
            k = ids[pos[which] % len(ids)]
            pos[which] += 7  # jumps, as a user paging with Page Down / typing a shot number
            return g.gather(k)
        return fn

    cmp = compare(step("baseline", mem), step("subject", mapped), n=args.pairs)
    print(cmp.line("show a gather: mapped / in memory", names=("mapped", "in memory")))
    res["paging"] = cmp.as_dict()
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=1))
    for p in tmp.rglob("*"):
        if p.is_file():
            p.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main())
