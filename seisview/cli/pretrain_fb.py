"""``seisview pretrain`` and ``seisview picks predict``; also the body of
``seisview train --task firstbreak`` (called by ``seisview.cli.ml``).

Runs are ``seisview.ml.training_run.TrainingRun`` objects, recorded in the project
like facies runs: a ``model_runs`` row and a checkpoint
``<project>.runs/run-<id>.safetensors``. Heavy imports stay inside the functions so
``seisview info`` starts fast.
"""

from __future__ import annotations

import sys

from seisview.core.errors import SeisviewError

# --onset of `picks predict`: what fb_predict.predict_gather's ``onset`` takes
ONSET_CHOICES = {"auto": None, "aic": True, "off": False}


def register(sub, groups) -> None:
    p = sub.add_parser("pretrain", help="self-supervised pretraining on the survey (no labels)",
                       description="Pretrain an autoencoder or a GAN on every section or gather "
                       "of the project's survey; its encoder can start a first-break picker "
                       "(`seisview train --task firstbreak --init RUN`). Prints the run id last.")
    p.add_argument("project", help="the .seisview project file")
    p.add_argument("--model", choices=("autoencoder", "gan"), default="autoencoder")
    p.add_argument("--minutes", type=float, default=None, help="stop after this much time")
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_pretrain)

    picks = groups.get("picks")
    if picks is None:
        g = sub.add_parser("picks", help="first-break picks")
        picks = g.add_subparsers(dest="picks_command", metavar="ACTION")
        groups["picks"] = picks
    q = picks.add_parser("predict", help="pick every trace with the shipped or a trained "
                         "first-break picker",
                         description="Write ffid,channel,time_ms,confidence for every trace of "
                         "every gather of the project's survey (or of a pre-stack SEG-Y file "
                         "given instead of a project), a batch of gathers at a time (files "
                         "larger than the RAM budget are read gather by gather). Without --run "
                         "the picker shipped with seisview picks them, no hand pick needed.")
    q.add_argument("project", help="the .seisview project, or a pre-stack .sgy file")
    q.add_argument("--run", type=int, default=None,
                   help="run id printed by `seisview train` (default: the shipped picker)")
    q.add_argument("--out", required=True,
                   help="output .csv, .json, or .sgy (a copy of the survey with the picks at byte 233)")
    q.add_argument("--batch", type=int, default=32, metavar="N",
                   help="gathers read and picked between writes of the output (default 32)")
    q.add_argument("--quiet", action="store_true", help="no progress bar")
    q.add_argument("--accept", type=float, default=None, metavar="CONF",
                   help="also store predictions with confidence >= CONF in the project's picks "
                        "(one undo step; hand picks are kept)")
    q.add_argument("--onset", choices=tuple(ONSET_CHOICES), default="auto",
                   help="aic: place each pick on the AIC onset near it; off: keep the network's "
                        "step; auto (default): aic for the shipped picker, off for a trained run "
                        "(it learnt where you pick)")
    q.add_argument("--continuity", action="store_true",
                   help="pick the best continuous path through each gather's arrival "
                        "probability, within 8 ms of the per-trace picks (default: off)")
    q.set_defaults(func=cmd_picks_predict)


def project_gathers(project):
    """The project's survey as a ``GatherSet`` (first-break work needs pre-stack gathers)."""
    from pathlib import Path

    from seisview.core.gathers import GatherSet
    from seisview.io.segy import load

    ref = project.survey
    if not ref.path or not Path(ref.path).is_file():
        raise SeisviewError(f"the project's survey {ref.path or '(none)'} is missing",
                            hint="create the project with --survey PATH of a shot-gather file")
    data = load(ref.path, iline=ref.iline, xline=ref.xline, gather_key=ref.gather_key)
    if not isinstance(data, GatherSet):
        raise SeisviewError("first-break picking needs pre-stack gathers; this project holds a "
                            "post-stack survey", hint="make a project on a shot-gather SEG-Y")
    return data


def project_data(project):
    """Gathers for gather projects, the volume for post-stack ones (pretraining takes either)."""
    if project.survey.geometry is not None:
        from seisview.ml.runs import project_volume

        return project_volume(project)
    return project_gathers(project)


def _finish(run, task: str) -> int:
    """Say how ``run`` ended (it is recorded already); 0 when done, 1 when cancelled."""
    from seisview.ml.progress import TrainDone, TrainFailed
    from seisview.ml.training_run import clean_metrics

    last = run.end
    if isinstance(last, TrainDone):
        metrics = {**clean_metrics(last.metrics), "steps": float(last.steps)}
        shown = " ".join(f"{k} {v:.3g}" for k, v in metrics.items()
                         if k in ("loss", "val_within", "val_mae_samples", "masked_mse", "steps"))
        print(f"{task} done ({last.reason}) after {last.steps} steps: {shown}", file=sys.stderr)
        print(f"checkpoint {run.checkpoint}", file=sys.stderr)
        return 0
    if isinstance(last, TrainFailed):
        from seisview.cli.ml import failure_hint

        raise SeisviewError(f"run {run.run_id} failed: {last.message}",
                            hint=failure_hint(last.message, diverged="check the picks, or train "
                                              "with fewer steps"))
    print(f"run {run.run_id} cancelled", file=sys.stderr)
    return 1


def _line(msg) -> str:
    return f"step {msg.step} loss {msg.loss:.4f} {msg.message}"


def cmd_pretrain(args) -> int:
    from seisview.cli.progress import ProgressBar, drive
    from seisview.io.project import Project
    from seisview.ml.pretrain import PretrainConfig
    from seisview.ml.training_run import pretrain_run

    with Project.open(args.project) as project:
        project.require_survey_unchanged("pretrain on it")
        data = project_data(project)
        config = PretrainConfig(model=args.model, minutes=args.minutes, steps=args.steps,
                                seed=args.seed, window_ms=_picked_window_ms(project, data))
        run = pretrain_run(project, data, config)
        print(f"run {run.run_id}: {args.model} pretraining on {type(data).__name__}",
              file=sys.stderr)
        drive(run, ProgressBar(args.quiet), _line)
        code = _finish(run, "pretraining")
        print(run.run_id)
        return code


def _picked_window_ms(project, data):
    """For gathers with picks, pretrain on the time window the picker will look at."""
    from seisview.core.gathers import GatherSet

    if not isinstance(data, GatherSet) or not len(project.picks):
        return None
    from seisview.ml.fb_data import window_samples
    from seisview.ml.firstbreak import normalise_picks

    return window_samples(data, normalise_picks(project.picks)) * data.dt_ms


def train_firstbreak(project, args) -> int:
    """``seisview train PROJECT --task firstbreak``; prints and returns the run id."""
    from seisview.cli.progress import ProgressBar, drive
    from seisview.ml.fb_pretrained import FINE_TUNE_STEPS, PRETRAINED, SCRATCH
    from seisview.ml.firstbreak import MODEL, FirstBreakConfig, FirstBreakData
    from seisview.ml.runs import resolve_init
    from seisview.ml.training_run import firstbreak_run

    model = getattr(args, "model", None) or MODEL
    if model != MODEL:
        raise SeisviewError(f"--task firstbreak trains model {MODEL!r}, not {model!r}",
                            hint=f"leave out --model or use --model {MODEL}")
    data = FirstBreakData(project_gathers(project), project.picks)
    init_arg = getattr(args, "init", None) or PRETRAINED  # the shipped picker, fine-tuned
    if init_arg in (PRETRAINED, SCRATCH):
        init, pretrained = init_arg, None
    else:
        init, pretrained = resolve_init(project, init_arg)
    if pretrained:
        raise SeisviewError(f"--init {args.init}: not a seisview checkpoint",
                            hint="use a run id of `seisview pretrain` or of a first-break run")
    # an epoch of the picker is 50 steps: the defaults give the step counts its quality was
    # measured with (docs/measurements.md, First breaks and Pretrained picker)
    epochs = 30 if init != PRETRAINED else FINE_TUNE_STEPS // 50
    steps = int(getattr(args, "epochs", None) or epochs) * int(
        getattr(args, "steps_per_epoch", None) or 50)
    config = FirstBreakConfig(steps=steps, minutes=getattr(args, "minutes", None),
                              batch_size=getattr(args, "batch_size", 8) or 8,
                              seed=getattr(args, "seed", 0) or 0, init=init,
                              device=getattr(args, "device", None))
    record = {**config.record(), "init": init_arg}
    run = firstbreak_run(project, data.gathers, config, data=data, record=record)
    print(f"run {run.run_id}: {MODEL} on {data.summary()}", file=sys.stderr)
    drive(run, ProgressBar(getattr(args, "quiet", False)), _line)
    _finish(run, "first-break training")
    return run.run_id  # cli.ml prints it on the last line


def _predict_file(args) -> int:
    """``seisview picks predict FILE.sgy``: the shipped picker on a pre-stack file, no project."""
    from pathlib import Path

    from seisview.core.gathers import GatherSet
    from seisview.io.segy import load
    from seisview.ml.fb_pretrained import pretrained_snapshot

    if args.run is not None or args.accept is not None:
        raise SeisviewError("--run and --accept need a project",
                            hint="give the .seisview project, or leave them out for the "
                                 "shipped picker's picks of the file")
    if Path(args.out).resolve() == Path(args.project).resolve():
        raise SeisviewError("--out is the survey file itself", hint="name another file")
    gathers = load(args.project)
    if not isinstance(gathers, GatherSet):
        raise SeisviewError(f"{Path(args.project).name} holds a post-stack survey, not gathers",
                            hint="first breaks are picked on pre-stack shot gathers")
    _predict_into(pretrained_snapshot(), gathers, args, source=args.project)
    return 0


def _predict_into(snap, gathers, args, source, skip=None):
    from seisview.cli.progress import ProgressBar
    from seisview.cli.project import writing_output
    from seisview.core.tasks import TaskState
    from seisview.ml.fb_job import predict_all_gathers

    bar = ProgressBar(getattr(args, "quiet", False))
    # gathers a batch at a time into the output (CSV, JSON or a SEG-Y copy with the picks
    # at byte 233): memory holds a batch, not the file (docs/guide/firstbreaks.md)
    with writing_output(args.out):
        job = predict_all_gathers(snap, gathers, args.out, source=source,
                                  state=TaskState(on_progress=lambda f, m: bar.update(f, m, force=f >= 1.0)),
                                  batch=args.batch, accept=args.accept, skip=skip,
                                  onset=ONSET_CHOICES[getattr(args, "onset", "auto")],
                                  continuity=getattr(args, "continuity", False))
    bar.close()
    print(f"{job.n_traces} traces of {job.n_gathers} gathers picked into {args.out} "
          f"(median confidence {job.median_confidence:.2f}, {job.share_below_half:.0%} below 0.5)",
          file=sys.stderr)
    return job


def cmd_picks_predict(args) -> int:
    from pathlib import Path

    from seisview.io.project import Project
    from seisview.ml.fb_pretrained import pretrained_snapshot
    from seisview.ml.runs import run_snapshot

    if Path(args.project).suffix.lower() in (".sgy", ".segy"):
        return _predict_file(args)
    with Project.open(args.project) as project:
        project.check_output(args.out)  # never over the project or its survey
        project.require_survey_unchanged("predict picks")
        snap = pretrained_snapshot() if args.run is None else run_snapshot(project, args.run)
        gathers = project_gathers(project)
        job = _predict_into(snap, gathers, args, project.survey.path,
                            skip=lambda k: project.picks.get(*k) is not None)
        if args.accept is not None:
            if job.accepted:
                project.picks.set_many(job.accepted, tool="predict")
            print(f"accepted {len(job.accepted)} predicted picks into the project", file=sys.stderr)
    return 0
