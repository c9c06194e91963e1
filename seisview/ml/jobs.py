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


def predict_volume_job(snapshot, volume, threads=None, *, state):
    from seisview.ml.device import use_threads
    from seisview.ml.inference import predict_volume

    use_threads(threads)
    return predict_volume(snapshot, volume, state)
