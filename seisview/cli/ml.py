"""``seisview train`` and ``seisview predict``: headless training and prediction.

Heavy imports (torch, the project store) happen inside the command functions so
that ``seisview info`` stays fast.
"""

from __future__ import annotations

import sys

from seisview.cli.progress import ProgressBar, drive
from seisview.cli.volume import add_job_options
from seisview.core.errors import SeisviewError


def _facies_models() -> str:
    """The facies models of the registry for the help text, the default marked."""
    from seisview.plugins import registry

    names = [c.name + (" (default)" if i == 0 else "") for i, c in enumerate(registry.models("facies"))]
    return ", ".join(names)


def register(sub, groups) -> None:
    p = sub.add_parser("train", help="train a model on the project's labels or picks",
                       description="Train a facies model on the painted labels (or a first-break "
                       "picker on the picks), record the run in the project and print its id "
                       "on the last line.")
    p.add_argument("project", help="the .seisview project file")
    p.add_argument("--task", choices=("facies", "firstbreak"), default="facies")
    p.add_argument("--model", default=None,
                   help=f"facies: {_facies_models()} (plugins add theirs)")
    p.add_argument("--epochs", type=int, default=None,
                   help="facies: passes of --steps-per-epoch steps (default 30 x 10, early "
                        "stopping usually ends sooner); firstbreak: 30 x 50 = 1500 steps")
    p.add_argument("--minutes", type=float, default=None, help="stop after this much time")
    p.add_argument("--device", choices=("cpu", "cuda"), default=None,
                   help="default: CUDA when present")
    p.add_argument("--init", default=None,
                   help="start from a run id of this project (a facies run, or a `seisview "
                        "pretrain` run: its encoder's layers go where their shapes fit), a "
                        "seisview checkpoint, or pretrained weights (torchvision-format file "
                        "for vgg16); firstbreak: also 'pretrained' (the picker shipped with "
                        "seisview, the default) or 'scratch'")
    p.add_argument("--steps-per-epoch", type=int, default=None,
                   help="default 10 (facies) or 50 (firstbreak)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_train)

    q = sub.add_parser("predict", help="predict facies with a trained run",
                       description="Predict the class ids of one section (.npy: samples x "
                       "traces) or of the whole survey: OUT.zarr (a store: classes, and with "
                       "--probability / --uncertainty those too), OUT.sgy (a cube on the survey "
                       "geometry, via the store OUT.zarr beside it) or .npy (in memory). The "
                       ".zarr and .sgy paths run in chunks, locally or on a dask cluster "
                       "(--scheduler), and an interrupted run resumes where it stopped.")
    q.add_argument("project")
    q.add_argument("--run", required=True, type=int, help="run id printed by `seisview train`")
    q.add_argument("--out", required=True, help="output .zarr, .sgy or .npy")
    q.add_argument("--section", default=None,
                   help="inline:N, crossline:N (line numbers), time:MS or depth:M; default whole survey")
    q.add_argument("--device", choices=("cpu", "cuda"), default=None)
    q.add_argument("--phases", type=int, default=4,
                   help="average over this many phase rotations (1 = a single pass, 4x faster)")
    q.add_argument("--probability", action="store_true",
                   help="also the per-class probability (.zarr); .sgy/.npy: the probability of "
                        "the predicted class instead of ids")
    q.add_argument("--uncertainty", action="store_true",
                   help="also the uncertainty (softmax entropy / log C, 0 = certain) (.zarr); "
                        ".sgy: that instead of ids")
    add_job_options(q)
    q.add_argument("--quiet", action="store_true")
    q.set_defaults(func=cmd_predict)


def failure_hint(message: str, checkpoint: str | None = None, *,
                 diverged: str = "check the labels and try a smaller learning rate") -> str | None:
    """What to try after a failed run, for its cause (a message from a SeisviewError
    carries its own hint already); ``diverged`` is the hint for a loss that blew up."""
    low = message.lower()
    if "disk is full" in low or "no space left" in low or "errno 28" in low:
        hint = "free disk space, then train again"
    elif "loss became" in low:
        hint = diverged
    elif low.startswith("training failed:"):  # not a user error: the log has the traceback
        from seisview.config import log_path

        hint = f"this is a seisview bug; details in {log_path()}"
    else:
        hint = ""
    if checkpoint:
        hint = f"{hint}; last good checkpoint {checkpoint}" if hint else f"last good checkpoint {checkpoint}"
    return hint or None


def _fmt(metrics: dict) -> str:
    keys = ("train_loss", "train_acc", "val_loss", "val_acc")
    return " ".join(f"{k} {metrics[k]:.3f}" for k in keys if k in metrics)


def cmd_train(args) -> int:
    from seisview.io.project import Project

    with Project.open(args.project) as project:
        project.require_survey_unchanged("train on it")  # the labels were painted on other samples
        if args.task == "firstbreak":
            return _train_firstbreak(project, args)
        return _train_facies(project, args)


def _train_firstbreak(project, args) -> int:
    from seisview.cli.pretrain_fb import train_firstbreak

    run_id = train_firstbreak(project, args)
    print(run_id)
    return 0


def _train_facies(project, args) -> int:
    from seisview.ml.progress import TrainDone, TrainFailed
    from seisview.ml.runs import project_training_data, project_volume, resolve_init
    from seisview.ml.training import TrainConfig, build_for
    from seisview.ml.training_run import facies_run
    from seisview.plugins import registry

    model = args.model or registry.default_model("facies")
    facies = [c.name for c in registry.models("facies")]
    if model not in facies:
        raise SeisviewError(f"unknown facies model {model!r}",
                            hint=f"available: {', '.join(facies)}")
    from seisview.ml.device import pick_device

    pick_device(args.device)  # an unavailable GPU is a user error before anything starts
    init, pretrained = resolve_init(project, args.init)
    volume = project_volume(project)
    data = project_training_data(project, volume, seed=args.seed)  # says so before starting
    model_cfg = {"pretrained": pretrained} if pretrained else {}
    encoders = [c.name for c in registry.models("facies") if c.meta.get("pretrained_encoder")]
    if pretrained and model not in encoders:
        raise SeisviewError(f"--init {args.init}: pretrained encoder files fit {', '.join(encoders)} only",
                            hint=f"use --model {encoders[0] if encoders else 'vgg16'}, or --init with a run id")
    config = TrainConfig(model=model, model_cfg=model_cfg, epochs=args.epochs or 30,
                         minutes=args.minutes, steps_per_epoch=args.steps_per_epoch or 10,
                         batch_size=args.batch_size, seed=args.seed, device=args.device, init=init)
    if init is not None:  # says what fits (or refuses) before a run is recorded
        n_init = build_for(config, data.n_classes)[2]
        print(f"--init {args.init}: {n_init} tensors of the {init.model} run transferred "
              f"into {model}", file=sys.stderr)
    record = {k: v for k, v in vars(config).items() if k not in ("init",)}
    record["init"] = args.init
    run = facies_run(project, volume, config, data=data, record=record, seed=args.seed)
    print(f"run {run.run_id}: {model} on {data.summary()}", file=sys.stderr)
    last = drive(run, ProgressBar(args.quiet),
                 lambda m: f"epoch {m.epoch + 1} step {m.step} loss {m.loss:.3f} {m.message}")
    if isinstance(last, TrainDone):
        print(f"done ({last.reason}) after {last.epochs} epochs, {last.steps} steps: "
              f"{_fmt(last.metrics)}", file=sys.stderr)
        print(f"checkpoint {run.checkpoint}", file=sys.stderr)
        print(run.run_id)
        return 0
    if isinstance(last, TrainFailed):
        raise SeisviewError(f"run {run.run_id} failed: {last.message}",
                            hint=failure_hint(last.message, run.checkpoint))
    print(f"run {run.run_id} cancelled", file=sys.stderr)
    print(run.run_id)
    return 1


def cmd_predict(args) -> int:
    from pathlib import Path

    import numpy as np

    from seisview.cli.project import writing_output
    from seisview.cli.volume import check_scheduler, output_paths, parse_chunk
    from seisview.core.tasks import TaskState
    from seisview.io.project import Project
    from seisview.ml.inference import export_segy, predict_section, predict_volume
    from seisview.ml.runs import project_volume, run_snapshot

    out = Path(args.out)
    if args.phases < 1:
        raise SeisviewError("--phases must be at least 1", hint="use 1 (fast) or 4 (default)")
    if out.suffix.lower() not in (".npy", ".sgy", ".segy", ".zarr"):
        raise SeisviewError(f"--out {out.name}: unknown format", hint="use .zarr, .sgy or .npy")
    chunked = out.suffix.lower() != ".npy" and not args.section
    if chunked:
        parse_chunk(args.chunk)
        check_scheduler(args.scheduler)
    elif args.scheduler or args.store:
        raise SeisviewError("--scheduler and --store are for whole-survey .zarr or .sgy output",
                            hint="write OUT.zarr or OUT.sgy")
    with Project.open(args.project) as project:
        project.check_output(out)  # never over the project or its survey
        if chunked:
            project.check_output(output_paths(out, args.store)[0])
        project.require_survey_unchanged("predict")
        snap = run_snapshot(project, args.run)
        volume = project_volume(project)
    if chunked:
        from seisview.cli.volume import cmd_predict_volume

        return cmd_predict_volume(args, snap, volume, None, args.run)
    if args.section:
        if out.suffix.lower() != ".npy":
            raise SeisviewError("a single section is written as .npy",
                                hint="drop --section to write a SEG-Y class cube")
        spec = volume.geometry.parse_spec(args.section)
        phases = args.phases if spec.kind != "time" else 1
        pred = predict_section(snap, volume.section_array(spec), device=args.device, phases=phases)
        arr = pred.probs.max(0) if args.probability else pred.classes
        with writing_output(out):
            np.save(out, arr)
        print(f"{volume.geometry.describe(spec)}: {arr.shape} {'probabilities' if args.probability else 'class ids'}"
              f" -> {out}", file=sys.stderr)
        return 0
    bar = ProgressBar(args.quiet)
    state = TaskState(on_progress=lambda f, m: bar.update(f, m, force=f >= 1.0))
    classes, conf = predict_volume(snap, volume, state, device=args.device, phases=args.phases)
    bar.close()
    cube = conf if args.probability else classes
    with writing_output(out):
        if out.suffix.lower() == ".npy":
            np.save(out, cube)
        else:
            export_segy(out, cube, volume)
    counts = np.bincount(classes.ravel(), minlength=snap.n_classes + 1)[1:]
    print(f"{classes.shape} class ids -> {out}; class fractions "
          + " ".join(f"{i + 1}:{c / classes.size:.2f}" for i, c in enumerate(counts)),
          file=sys.stderr)
    return 0
