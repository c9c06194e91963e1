"""Chunked volume jobs (io/volume_jobs.py): peak memory and predict throughput.

    nice -n 10 env OMP_WAIT_POLICY=PASSIVE python benchmarks/bench_volume_jobs.py [rss] [throughput]

Surveys are generated: the demo survey's amplitudes tiled to F3's trace length (462 samples)
and crossline count (951), as many inlines as a part needs; one quick U-Net run (default
recipe, 1 epoch x 2 steps: its weights cost what a trained one costs) predicts them.

* rss        : peak resident memory of `seisview predict PROJECT --run 1 --out OUT.sgy` (the
               chunked job into OUT.zarr, then the SEG-Y export from it) in a child process, with
               SEISVIEW_RAM_BUDGET_GB set so the survey is 4x and 8x the budget, against the section
               loop of before (`--out OUT.npy`, the same numbers in memory; 4x only). Peak: the
               child's own VmHWM at exit (its ru_maxrss includes this process's RSS, see peak_of),
               and VmRSS sampled every 10 ms per phase (open, job, export). Goal: at most the budget + 1 GB, whatever the survey
               size. Budget 1/64 GiB (BENCH_BUDGET_GB) so that 4x and 8x stay minutes of CPU;
               BENCH_FACTORS=2,4,8 picks the sizes, BENCH_LOOP=0 leaves the section loop out.
* throughput : samples/s of predict volume on a scaled-down F3 (32 inlines x 256 crosslines x 462
               samples: F3's trace length, fewer traces, so a pair takes minutes not hours),
               interleaved pairs (benchmarks/_timing.compare, 3 runs): the chunked job (default
               chunks: 2 tasks of 16 inlines, local scheduler, 2 threads) vs the section loop
               (`inference.predict_volume`, torch on 2 threads); local scheduler 1 vs 2 threads;
               distributed.LocalCluster 1 vs 2 worker processes (goal >= 1.7x). Every side runs
               phases=1 (one pass per section); chunk tasks run torch on 1 thread each.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _timing import compare, loadavg  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
N_XL, N_S = 951, 462


def f3_like(n_il: int) -> tuple[np.ndarray, np.ndarray]:
    """(amplitudes float32, facies uint8) of ``n_il`` inlines x 951 x 462, tiled from the demo."""
    from seisview.io.demo import demo_truth, demo_volume

    seis, truth = np.asarray(demo_volume().data), demo_truth()

    def tile(a):
        reps = (-(-n_il // a.shape[0]), -(-N_XL // a.shape[1]), -(-N_S // a.shape[2]))
        return np.tile(a, reps)[:n_il, :N_XL, :N_S]

    return tile(seis).astype(np.float32), tile(truth)


def make_project(folder: Path, n_il: int) -> Path:
    """A SEG-Y of ``n_il`` F3-sized inlines, a project with strokes on one inline, run 1 trained."""
    from seisview.cli import main
    from seisview.core.geometry import SurveyGeometry
    from seisview.core.section import SectionSpec
    from seisview.io.project import Project
    from seisview.io.segy import write_volume_segy
    from seisview.ml.evaluation import thin_strokes

    seis, truth = f3_like(n_il)
    sgy = write_volume_segy(folder / f"f3like-{n_il}.sgy", seis, SurveyGeometry.regular(n_il, N_XL, N_S))
    proj = folder / f"f3like-{n_il}.seisview"
    with Project.create(proj, sgy) as p:
        strokes = thin_strokes(truth[n_il // 2].T, fraction=0.02)
        idx = np.flatnonzero(strokes)
        p.labels.apply({SectionSpec("inline", n_il // 2): (idx, strokes.ravel()[idx])})
    del seis, truth
    env_budget = os.environ.pop("SEISVIEW_RAM_BUDGET_GB", None)
    assert main(["train", str(proj), "--epochs", "1", "--steps-per-epoch", "2", "--batch-size", "2",
                 "--quiet"]) == 0
    if env_budget:
        os.environ["SEISVIEW_RAM_BUDGET_GB"] = env_budget
    return proj


_CHILD = """
import json, resource, sys, threading, time
sys.path.insert(0, {root!r})
peaks, phase = {{}}, ["open"]  # VmRSS peak (MiB) per phase, sampled every 10 ms


def sample():
    while True:
        with open("/proc/self/status") as f:
            kb = next(int(x.split()[1]) for x in f if x.startswith("VmRSS"))
        peaks[phase[0]] = max(peaks.get(phase[0], 0), kb // 1024)
        time.sleep(0.01)


threading.Thread(target=sample, daemon=True).start()
import seisview.cli.volume as cv
run0, export0 = cv.run, cv.export


def run(*a, **k):
    phase[0] = "job"
    try:
        return run0(*a, **k)
    finally:
        phase[0] = "after"


def export(*a, **k):
    phase[0] = "export"
    try:
        return export0(*a, **k)
    finally:
        phase[0] = "after"


cv.run, cv.export = run, export
from seisview.cli import main
t = time.perf_counter()
rc = main({argv!r})
with open("/proc/self/status") as f:  # this process's own high-water mark (see peak_of)
    hwm = next(int(x.split()[1]) for x in f if x.startswith("VmHWM")) / 1024
print("RESULT " + json.dumps({{"rc": rc, "s": time.perf_counter() - t, "phases": peaks, "peak_mb": hwm,
      "ru_maxrss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}}), file=sys.stderr)
"""


def peak_of(argv: list[str], budget_gb: float) -> dict:
    """Run ``seisview ARGV`` in a child; its peak is the child's ``VmHWM``. Not ``ru_maxrss``:
    Linux carries the high-water mark across fork and exec, so a child's ``ru_maxrss`` is at
    least the RSS of this benchmark process when it started the child (which grows with the
    survey it generated and trained on): the 911 MiB at 4x and 1,275 MiB at 8x of the first
    measurement were this process's size, not seisview's."""
    env = {**os.environ, "SEISVIEW_RAM_BUDGET_GB": str(budget_gb), "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(ROOT), argv=argv)], env=env,
                         capture_output=True, text=True)
    line = [x for x in out.stderr.splitlines() if x.startswith("RESULT ")]
    if not line:
        raise RuntimeError(out.stderr[-2000:])
    got = json.loads(line[-1][7:])
    got["how"] = " ".join(x for x in out.stderr.splitlines() if "chunks computed" in x)
    return got


def part_rss(work: Path) -> None:
    budget_gb = float(os.environ.get("BENCH_BUDGET_GB", 1 / 64))
    budget = budget_gb * 1024**3
    print(f"peak RSS, RAM budget {budget / 2**20:.0f} MiB ({loadavg()})")
    factors = [float(f) for f in os.environ.get("BENCH_FACTORS", "4,8").split(",")]
    loop = os.environ.get("BENCH_LOOP", "1") == "1"
    for factor in factors:
        n_il = int(np.ceil(factor * budget / (N_XL * N_S * 4)))
        proj = make_project(work, n_il)
        size = n_il * N_XL * N_S * 4
        # the survey's store is built once first (its conversion is measured by bench_store),
        # so both sides below open it the same way
        peak_of(["info", str(proj.with_suffix(".sgy"))], budget_gb)
        _open_once = ("import sys; sys.path.insert(0, {root!r}); from seisview.io.project import Project; "
                      "from seisview.ml.runs import project_volume; "
                      "p = Project.open({proj!r}); project_volume(p); p.close()")
        subprocess.run([sys.executable, "-c", _open_once.format(root=str(ROOT), proj=str(proj))],
                       env={**os.environ, "SEISVIEW_RAM_BUDGET_GB": str(budget_gb)}, check=True,
                       capture_output=True)
        rows = []
        sides = [("chunked -> .sgy", work / f"p{n_il}.sgy")]
        if factor == 4 and loop:  # the section loop of before, once: its peak grows with the survey
            sides.append(("section loop -> .npy", work / f"p{n_il}.npy"))
        for label, out in sides:
            argv = ["predict", str(proj), "--run", "1", "--out", str(out), "--phases", "1", "--quiet"]
            r = peak_of(argv, budget_gb)
            rows.append((label, r))
        print(f"  survey {n_il} x {N_XL} x {N_S} = {size / 2**20:.0f} MiB ({size / budget:.1f}x the budget):")
        for label, r in rows:
            ok = "meets" if r["peak_mb"] * 2**20 <= budget + 2**30 else "misses"
            print(f"    {label}: peak {r['peak_mb']:.0f} MiB in {r['s']:.0f} s (rc {r['rc']}); "
                  f"{ok} budget + 1 GiB = {(budget + 2**30) / 2**20:.0f} MiB")
            print(f"      peak per phase (MiB, sampled): {r.get('phases')}; ru_maxrss {r['ru_maxrss_mb']:.0f} MiB "
                  f"(includes this benchmark's own RSS); {r.get('how', '')}")
        for f in work.glob(f"p{n_il}.*"):
            shutil.rmtree(f) if f.is_dir() else f.unlink()
    print(f"  ({loadavg()})")


def part_throughput(work: Path) -> None:
    from distributed import LocalCluster

    from seisview.core.geometry import SurveyGeometry
    from seisview.core.volume import Volume
    from seisview.io.project import Project
    from seisview.io.volume_jobs import run_job
    from seisview.ml.device import use_threads
    from seisview.ml.inference import predict_volume
    from seisview.ml.predict_blocks import predict_job
    from seisview.ml.runs import run_snapshot

    n_il = int(os.environ.get("BENCH_INLINES", 32))
    n_xl = int(os.environ.get("BENCH_CROSSLINES", 256))
    proj = make_project(work, 8)
    with Project.open(proj) as p:
        snap = run_snapshot(p, 1)
    seis, _ = f3_like(n_il)
    seis = np.ascontiguousarray(seis[:, :n_xl])
    vol = Volume(seis, SurveyGeometry.regular(n_il, n_xl, N_S))
    samples = seis.size
    fn, shared = predict_job(snap, phases=1, torch_threads=1)
    chunk = None  # the default (auto_chunk)
    outs = iter(range(10**6))

    def job(threads=None, scheduler=None):
        def call():
            out = work / f"o{next(outs)}.zarr"
            run_job(vol, fn, out, chunk=chunk, threads=threads, scheduler=scheduler, shared=shared)
            shutil.rmtree(out)
        return call

    def loop():
        use_threads(2)
        predict_volume(snap, vol, phases=1)

    from seisview.io.volume_jobs import auto_chunk

    print(f"predict throughput, {n_il} x {n_xl} x {N_S} = {samples / 1e6:.2f} M samples, "
          f"kernel {fn.signature()['kernel']}, halo {fn.halo}, chunks {auto_chunk(fn, vol.shape)} "
          f"({loadavg()})")

    def report(label, cmp, goal="", names=("subject", "baseline")):
        sm, bm = cmp.stats("subj")[0], cmp.stats("base")[0]
        print(cmp.line(label, goal, names))
        print(f"      {names[0]} {samples / sm / 1e6:.3f} M samples/s, {names[1]} {samples / bm / 1e6:.3f} M samples/s")

    report("section loop / chunked (2 threads) time", compare(job(threads=2), loop, n=1, rewarm=False),
           names=("section loop", "chunked"))
    report("local 1 / 2 threads time (speed-up)", compare(job(threads=2), job(threads=1), n=1, rewarm=False),
           "goal >= 1.7x", names=("1 thread", "2 threads"))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0",
                      silence_logs=40) as one, \
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0",
                         silence_logs=40) as two:
        report("LocalCluster 1 / 2 workers time (speed-up)",
               compare(job(scheduler=two.scheduler_address), job(scheduler=one.scheduler_address), n=1,
                       rewarm=False), "goal >= 1.7x", names=("1 worker", "2 workers"))
    print(f"  ({loadavg()})")


def main(parts: list[str]) -> None:
    parts = parts or ["rss", "throughput"]
    work = Path(tempfile.mkdtemp(prefix="bench_volume_jobs-"))
    os.environ.setdefault("SEISVIEW_HOME", str(work / "home"))
    t = time.time()
    try:
        if "rss" in parts:
            part_rss(work)
        if "throughput" in parts:
            part_throughput(work)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"total {time.time() - t:.0f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
