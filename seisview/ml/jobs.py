"""Facies jobs besides the training run (``seisview.ml.training_run``), as plain functions
that take a ``state`` and run the same in a GUI worker, a script or a test: whole-volume
prediction, SEG-Y export, the start-up warm-up of torch, and the cheap label check done
before a run starts.
"""

from __future__ import annotations

import threading

import numpy as np


def warm_imports() -> None:
    """Import and run once what the first training step needs (a thread at panel creation).

    Making the first optimizer imports ``torch._dynamo`` and with it sympy:
    800 modules, 1-4 s, and import holds the interpreter lock in long chunks,
    which stalled the GUI for 200-280 ms right after "Train". The training,
    data and inference modules (scipy.signal for the phase rotation) come next,
    then one forward/backward/Adam step of a tiny conv net with batch norm, so
    torch's first-call set-up (oneDNN, autograd engine) is done too. Done while
    the window starts, the user's first Train costs none of it.
    """
    import torch

    from seisview.ml.device import background_threads, import_optimizer_support, use_threads

    use_threads(background_threads())
    import_optimizer_support()
    import seisview.ml.data  # noqa: F401
    import seisview.ml.inference  # noqa: F401
    import seisview.ml.training  # noqa: F401

    net = torch.nn.Sequential(torch.nn.Conv2d(1, 4, 3, padding=1), torch.nn.BatchNorm2d(4),
                              torch.nn.ReLU(), torch.nn.MaxPool2d(2), torch.nn.Conv2d(4, 2, 1),
                              torch.nn.Upsample(scale_factor=2, mode="bilinear"))
    opt = torch.optim.Adam(net.parameters())
    loss = torch.nn.functional.cross_entropy(net(torch.randn(2, 1, 32, 32)),
                                             torch.zeros(2, 32, 32, dtype=torch.long))
    loss.backward()
    opt.step()
    with torch.no_grad():
        net.eval()(torch.randn(1, 1, 32, 32)).softmax(1)
    warm_volume_imports()


def warm_volume_imports() -> None:
    """What the first run, Predict volume and capture import, imported then instead.

    The first Predict volume imported ~450 modules in its worker (dask asks ``distributed``
    for a client, so tornado and the rest come too; zarr, numcodecs): the interpreter lock
    held in long chunks, and the GUI thread's young-generation collections then walked the
    new objects (9-41 ms of its CPU in one timer interval, ``bench_stalls.py``). Here, before
    the window freezes its start-up objects out of later collections, none of that is left
    for the first use; a tiny graph and a zarr round trip in memory set up dask's and
    zarr's threads and codecs.
    """
    import dask
    import safetensors.torch  # noqa: F401 (checkpoints)
    import zarr

    import seisview.io.store  # noqa: F401
    import seisview.io.store_export  # noqa: F401
    import seisview.ml.activations  # noqa: F401
    import seisview.ml.introspect  # noqa: F401
    import seisview.ml.models.unet  # noqa: F401 (the default model)
    import seisview.ml.predict_blocks  # noqa: F401
    import seisview.ml.runs  # noqa: F401
    import seisview.ml.suggest  # noqa: F401
    import seisview.ml.training_run  # noqa: F401
    import seisview.ml.volume_predict  # noqa: F401

    dask.compute(dask.delayed(int)(0), scheduler="threads", num_workers=1)
    probe = zarr.create_array(store=zarr.storage.MemoryStore(), shape=(4, 4), chunks=(2, 2),
                              dtype="uint8")
    probe[:] = 1
    _ = probe[:]


_warm_thread: threading.Thread | None = None


def warm_up() -> threading.Thread:
    """Start (once per process) the import warm-up thread; join it to wait for it."""
    global _warm_thread
    if _warm_thread is None:
        _warm_thread = threading.Thread(target=warm_imports, name="seisview-warm-imports", daemon=True)
        _warm_thread.start()
    return _warm_thread


def export_segy_job(path, cube, volume, *, state):
    """Worker body: the SEG-Y writer (atomic: a cancelled or failed export leaves no file)."""
    from seisview.ml.inference import export_segy

    state.check()
    return export_segy(path, cube, volume)


def check_labels(labels) -> str:
    """The cheap part of the training-data checks, done at once in the GUI thread."""
    classes: set[int] = set()
    for mask in labels.values():
        classes.update(int(c) for c in np.unique(mask) if c)
    if not classes:
        return "no labels painted yet; paint strokes of two or more classes"
    if len(classes) == 1:
        return f"only one class is painted (class {classes.pop()}); paint at least two classes"
    return ""


def predict_volume_job(snapshot, volume, threads=None, *, state, out=None, scheduler=None):
    """Worker body of Predict volume: the chunked job (``io.volume_jobs``) writing classes and
    per-class probability into the store ``out`` (default: ``volume_store_path``), on local
    threads or the dask cluster at ``scheduler``. Progress comes per chunk, so the viewer can
    show the store's time slices filling in; a cancelled job keeps its chunks and the same
    call later completes the rest. Returns the store's path."""
    from seisview.io.volume_jobs import run_job
    from seisview.ml.predict_blocks import predict_job

    fn, shared = predict_job(snapshot, probability=True, torch_threads=1)
    out = out or volume_store_path(snapshot, volume)
    res = run_job(volume, fn, out, geometry=volume.geometry, scheduler=scheduler or None,
                  threads=threads, state=state, shared=shared)
    return res.out


def volume_store_path(snapshot, volume, project=None, survey_path=None):
    """Where Predict volume keeps a model's result for a survey: beside the project
    (``NAME.seisview.results/``), else in the cache folder; one store per model and survey."""
    import hashlib
    from pathlib import Path

    from seisview.config import cache_dir
    from seisview.ml.predict_blocks import snapshot_id

    key = hashlib.sha1(f"{survey_path}|{volume.geometry.to_dict()}".encode()).hexdigest()[:8]
    folder = Path(str(project.path) + ".results") if project is not None else cache_dir() / "results"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # a read-only project folder: the cache folder instead
        folder = cache_dir() / "results"
        folder.mkdir(parents=True, exist_ok=True)
    return folder / f"predict-{snapshot_id(snapshot)}-{key}.zarr"


def export_store_job(store, name, path, *, state):
    """Worker body: SEG-Y export of a store variable, inline block by inline block (atomic)."""
    from seisview.io.store_export import export_variable

    return export_variable(store, name, path, state=state)
