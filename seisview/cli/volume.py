"""Volume-wide jobs on the command line: chunked ``predict`` (called by ``cli.ml``) and
``seisview attribute``, both on dask's local scheduler or, with ``--scheduler``, a cluster.

Results go into a zarr store chunk by chunk (``OUT.zarr``, or for ``OUT.sgy`` a store
``OUT.zarr`` beside it that is then exported inline block by inline block); an interrupted
run keeps its finished chunks and the same command completes the rest.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from seisview.cli.progress import ProgressBar
from seisview.core.errors import SeisviewError

SEGY_SUFFIXES = (".sgy", ".segy")


def add_job_options(p) -> None:
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a dask.distributed cluster (e.g. tcp://host:8786, started with "
                        "`dask scheduler` and `dask worker`); the store and the survey must be on "
                        "a file system the workers see. Default: local threads")
    p.add_argument("--store", default=None,
                   help="for .sgy output: the zarr store the chunks go to first (default: "
                        "OUT with the suffix .zarr, beside it)")
    p.add_argument("--chunk", default=None,
                   help="inlines,crosslines per task (default: 8 inlines (more with an inline "
                        "halo) x the whole width up to 1024 crosslines, else 512, halved until a "
                        "task fits the RAM budget + 1 GiB)")
    p.add_argument("--threads", type=int, default=None, help="local scheduler threads (default: all cores)")


def register(sub, groups) -> None:
    p = sub.add_parser("attribute", help="compute an attribute volume in chunks",
                       description="Compute attribute NAME over a whole survey (SEG-Y file, .zarr "
                       "store or .seisview project) into a zarr store or a SEG-Y file, chunk by "
                       "chunk. Rerunning an interrupted command completes only the missing chunks.")
    p.add_argument("source", metavar="PATH_OR_PROJECT")
    p.add_argument("name", metavar="NAME",
                   help="envelope, instantaneous_frequency, instantaneous_phase, bandpass, rms, "
                        "glcm_energy, glcm_entropy, glcm_homogeneity, glcm_contrast, glcm_correlation")
    p.add_argument("--out", required=True, help="OUT.zarr or OUT.sgy")
    p.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                   help="attribute parameter, e.g. low_hz=8 high_hz=40 (bandpass), window=9 (glcm)")
    add_job_options(p)
    p.add_argument("--quiet", action="store_true")
    p.set_defaults(func=cmd_attribute)


def parse_chunk(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    try:
        a, b = (int(v) for v in text.split(","))
        if a < 1 or b < 1:
            raise ValueError
    except ValueError:
        raise SeisviewError(f"--chunk {text!r}", hint="two positive numbers, inlines,crosslines: 64,64") from None
    return a, b


def _params(items) -> dict:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise SeisviewError(f"--param {item!r}", hint="write KEY=VALUE, e.g. low_hz=8")
        try:
            out[key] = int(value)
        except ValueError:
            try:
                out[key] = float(value)
            except ValueError:
                out[key] = value
    return out


def output_paths(out, store=None) -> tuple[Path, Path | None]:
    """(store the job writes, SEG-Y file exported from it or None)."""
    out = Path(out).expanduser()
    suffix = out.suffix.lower()
    if suffix == ".zarr":
        if store:
            raise SeisviewError("--store is for .sgy output", hint="drop --store; OUT.zarr is the store")
        return out, None
    if suffix in SEGY_SUFFIXES:
        return Path(store).expanduser() if store else out.with_suffix(".zarr"), out
    raise SeisviewError(f"--out {out.name}: unknown format", hint="use OUT.zarr or OUT.sgy")


def check_scheduler(address: str | None) -> None:
    """Fail in one line before any work when the cluster cannot be reached."""
    if address:
        from seisview.io.store_cluster import connect

        with connect(address):
            pass


def run(source, fn, store: Path, args, *, geometry=None, shared=None) -> None:
    """Run the job with a progress bar; Ctrl-C keeps the finished chunks and says so."""
    from seisview.core.tasks import Cancelled, TaskState
    from seisview.io.job_store import ChunkRecord
    from seisview.io.volume_jobs import run_job

    bar = ProgressBar(args.quiet)
    state = TaskState(on_progress=lambda f, m: bar.update(f, m, force=f >= 1.0))
    try:
        res = run_job(source, fn, store, geometry=geometry, scheduler=args.scheduler,
                      chunk=parse_chunk(args.chunk), threads=args.threads, state=state, shared=shared)
    except (KeyboardInterrupt, Cancelled):
        state.cancel()  # running local tasks stop at their next check
        bar.close()
        job = "+".join(o.name for o in fn.outputs)
        n = len(ChunkRecord.of(Path(store).resolve(), job).done())
        raise SeisviewError(f"interrupted: {n} chunks of {job} complete in {store}",
                            hint="run the same command again to complete the rest") from None
    bar.close()
    before = f", {res.done_before} were complete already" if res.done_before else ""
    print(f"{res.job}: {res.ran} of {res.n_chunks} chunks computed on {res.scheduler}{before} -> {res.out}",
          file=sys.stderr)


def export(store: Path, name: str, sgy: Path, args, pr=None, live=None) -> None:
    from seisview.cli.project import writing_output
    from seisview.core.tasks import TaskState
    from seisview.io.store_export import export_variable

    bar = ProgressBar(args.quiet)
    state = TaskState(on_progress=lambda f, m: bar.update(f, f"export {m}", force=f >= 1.0))
    with writing_output(sgy, pr):
        export_variable(store, name, sgy, live=live, state=state)
    bar.close()
    print(f"{name} -> {sgy}", file=sys.stderr)


def open_source(path):
    """(source for run_job, geometry, live mask or None) of a SEG-Y file, a store or a project."""
    from seisview.io import job_store

    p = Path(path).expanduser()
    if not p.exists():
        raise SeisviewError(f"{path} does not exist", hint="give a SEG-Y file, a .zarr store or a .seisview project")
    if p.suffix.lower() == ".seisview":
        from seisview.io.project import Project
        from seisview.ml.runs import project_volume

        with Project.open(p) as pr:
            vol = project_volume(pr)
        return vol, vol.geometry, vol.live
    if job_store.is_store(p):
        from seisview.io.store import open_store

        store = open_store(p)
        if "amplitude" not in store:
            raise SeisviewError(f"{p} holds no survey amplitudes (it has {', '.join(store.variables())})",
                                hint="give the survey's store made by `seisview convert`")
        live = np.asarray(store.array("live")[...], bool) if "live" in store.group else None
        return (p, "amplitude"), store.geometry, live
    from seisview.io.segy import load

    vol = load(p)  # a SEG-Y file, or a cache made by `seisview convert`
    if not hasattr(vol, "geometry") or getattr(vol, "shape", None) is None:
        raise SeisviewError(f"{path} holds gathers", hint="attribute volumes need a post-stack survey")
    return vol, vol.geometry, vol.live


def cmd_attribute(args) -> int:
    from seisview.attributes.volume_attributes import attribute_block

    store, sgy = output_paths(args.out, args.store)
    params = _params(args.param)
    parse_chunk(args.chunk)
    check_scheduler(args.scheduler)
    source, geometry, live = open_source(args.source)
    if Path(args.source).expanduser().resolve() in (store.resolve(), (sgy or store).resolve()):
        raise SeisviewError("--out is the input", hint="give another output path")
    fn = attribute_block(args.name, source, geometry, **params)
    run(source, fn, store, args, geometry=geometry)
    if sgy is not None:
        export(store, args.name, sgy, args, live=live)
    return 0


def cmd_predict_volume(args, snap, volume, project, run_id: int) -> int:
    """``seisview predict --out OUT.zarr|OUT.sgy`` (whole survey, chunked)."""
    from seisview.ml.predict_blocks import predict_job

    store, sgy = output_paths(args.out, args.store)
    if sgy is not None and args.probability and args.uncertainty:
        raise SeisviewError("a SEG-Y file holds one cube", hint="give --probability or --uncertainty, "
                            "or write OUT.zarr to keep both")
    from seisview.ml.predict_blocks import snapshot_id

    fn, shared = predict_job(snap, probability=args.probability, uncertainty=args.uncertainty,
                             phases=args.phases, device=args.device,
                             model_id=f"run {run_id} {snapshot_id(snap)}")
    run(volume, fn, store, args, geometry=volume.geometry, shared=shared)
    if sgy is not None:
        name = "probability" if args.probability else "uncertainty" if args.uncertainty else "classes"
        export(store, name, sgy, args, pr=project, live=volume.live)
    return 0
