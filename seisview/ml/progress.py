"""Typed messages that training jobs yield (frozen dataclasses).

A training generator yields any number of :class:`TrainProgress` and ends
with exactly one terminal message: :class:`TrainDone`, :class:`TrainCancelled`
or :class:`TrainFailed`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from seisview.core.errors import SeisviewError
from seisview.ml.snapshot import ModelSnapshot


@dataclass(frozen=True)
class TrainProgress:
    """One report from a running training job.

    ``metrics`` holds e.g. ``train_acc``, ``val_loss``, ``val_acc``, ``steps_per_s``;
    ``snapshot`` is set when a new model snapshot was taken (then
    ``snapshot_version == snapshot.version``), else None.
    """

    epoch: int
    step: int
    loss: float
    metrics: dict = field(default_factory=dict)
    snapshot_version: int = 0
    snapshot: ModelSnapshot | None = None
    fraction: float = 0.0  # of the step/time budget
    message: str = ""


@dataclass(frozen=True)
class TrainDone:
    """Training finished. ``snapshot`` is the best model (early stopping), ``reason`` why it
    stopped (``"epochs"``, ``"time"``, ``"early stop"``), ``checkpoint`` the saved file or ""."""

    snapshot: ModelSnapshot
    metrics: dict
    epochs: int
    steps: int
    reason: str
    checkpoint: str = ""
    history: tuple[dict, ...] = ()


@dataclass(frozen=True)
class TrainCancelled:
    """The owner cancelled; ``snapshot`` is the best model so far (or None before one)."""

    snapshot: ModelSnapshot | None
    steps: int = 0
    checkpoint: str = ""


@dataclass(frozen=True)
class TrainFailed:
    """Training stopped on an error (``message`` is one line for the user); ``snapshot`` and
    ``checkpoint`` are the last good ones, kept."""

    message: str
    snapshot: ModelSnapshot | None = None
    checkpoint: str = ""


TERMINAL = (TrainDone, TrainCancelled, TrainFailed)


def final_done(messages: Iterable, cancelled: str) -> TrainDone:
    """Run a training generator to its end; return its ``TrainDone``, else raise.

    The error carries the terminal message's text (failure/cancel reason), or
    ``cancelled`` when the last message has none.
    """
    last = None
    for msg in messages:
        last = msg
    if isinstance(last, TrainDone):
        return last
    raise SeisviewError(getattr(last, "message", cancelled))
