"""Glue between training and the project: survey volume, training data, checkpoints.

The run itself (start, pause, cancel, relabel, its record in the project) is
:class:`seisview.ml.run.TrainingRun`; this module holds what a front-end needs
around it: the project's survey as a volume, its labels as training data,
``--init`` resolution and the snapshot of a finished run.
"""

from __future__ import annotations

from pathlib import Path

from seisview.core.errors import SeisviewError
from seisview.core.volume import Volume
from seisview.ml.checkpoint import load_checkpoint
from seisview.ml.data import TrainingData, make_training_data
from seisview.ml.snapshot import ModelSnapshot


def project_volume(project) -> Volume:
    """Load the project's post-stack survey as a ``Volume``."""
    ref = project.survey
    if not ref.path:
        raise SeisviewError(f"project {project.path.name} has no survey file",
                            hint="create the project with --survey PATH")
    if not Path(ref.path).is_file():
        raise SeisviewError(f"the project's survey {ref.path} is missing",
                            hint="put the SEG-Y file back at that path")
    from seisview.io.segy import load

    vol = load(ref.path, iline=ref.iline, xline=ref.xline)
    if not isinstance(vol, Volume):
        raise SeisviewError("facies training needs a post-stack survey; this project holds gathers",
                            hint="use --task firstbreak for gathers")
    return vol


def palette_classes(project) -> tuple[int, tuple[str, ...]]:
    """Number of class ids (max palette id) and their names (id order, gaps named '')."""
    ids = {c.id: c.name for c in project.palette}
    n = max(ids) if ids else 0
    return n, tuple(ids.get(i, "") for i in range(1, n + 1))


def project_training_data(project, volume: Volume, **kw) -> TrainingData:
    n, names = palette_classes(project)
    labels = project.labels.snapshot()
    used = max((int(m.max()) for m in labels.values() if m.size), default=0)
    return make_training_data(volume, labels, n_classes=max(n, used), class_names=names, **kw)


def resolve_init(project, init: str | None):
    """``--init`` as a run id of this project, a seisview checkpoint, or a pretrained file.

    Returns ``(snapshot_or_None, pretrained_path_or_None)``.
    """
    if not init:
        return None, None
    if init.isdigit():
        run = project.get_run(int(init))
        if not run.checkpoint:
            raise SeisviewError(f"run {init} has no checkpoint", hint="pick a finished run")
        return load_checkpoint(run.checkpoint), None
    p = Path(init)
    if not p.is_file():
        raise SeisviewError(f"--init {init}: neither a run id of this project nor a file",
                            hint="see the run ids printed by `seisview train`")
    if p.suffix == ".safetensors":
        try:
            return load_checkpoint(p), None
        except SeisviewError as exc:
            if "not a seisview checkpoint" not in str(exc):
                raise
    return None, str(p)  # pretrained encoder weights (torchvision format)


def run_snapshot(project, run_id: int) -> ModelSnapshot:
    run = project.get_run(int(run_id))
    if not run.checkpoint:
        raise SeisviewError(f"run {run_id} has no checkpoint (status {run.status})",
                            hint="train it to the end or pick another run")
    return load_checkpoint(run.checkpoint)
