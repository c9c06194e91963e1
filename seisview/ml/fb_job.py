"""First breaks over every gather of a pre-stack file, as a job in batches of gathers.

``predict_all_gathers`` picks the gathers a batch at a time with the same
per-gather prediction as :func:`seisview.ml.fb_predict.predict_picks` (so the picks
are the same to the bit) and hands each gather's picks to a
:class:`seisview.io.pick_stream.PickStream` as it goes: memory holds one batch of
gathers (read from the file when the gather set is mapped) and a confidence per
trace, whatever the size of the file. Progress is reported after every gather;
a cancel (``TaskState``) is honoured between gathers and removes the partial output.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from seisview.core.gathers import GatherSet
from seisview.core.tasks import TaskState
from seisview.io.pick_stream import PickStream
from seisview.ml.fb_predict import load_picker, predict_gather
from seisview.ml.snapshot import ModelSnapshot

BATCH_GATHERS = 32  # gathers read, picked and written between flushes of the output


@dataclass
class JobSummary:
    out: Path
    n_traces: int
    n_gathers: int
    confidence: np.ndarray = field(repr=False)  # float32 per trace, in the order written
    accepted: dict = field(default_factory=dict, repr=False)  # {(key, channel): (ms, conf)}

    @property
    def median_confidence(self) -> float:
        return float(np.median(self.confidence)) if self.confidence.size else float("nan")

    @property
    def share_below_half(self) -> float:
        return float(np.mean(self.confidence < 0.5)) if self.confidence.size else float("nan")


def batches(ids, size: int = BATCH_GATHERS):
    """The gather keys in lists of ``size``."""
    ids = list(ids)
    for i in range(0, len(ids), max(1, int(size))):
        yield ids[i:i + size]


def predict_all_gathers(snapshot: ModelSnapshot, gatherset: GatherSet, out, fmt: str | None = None,
                        *, source=None, state: TaskState | None = None, batch: int = BATCH_GATHERS,
                        accept: float | None = None, skip: Callable[[tuple[int, int]], bool] | None = None,
                        tol_ms: float | None = 8.0, byte: int = 233, keys=None,
                        continuity: bool = False, onset: bool | None = None) -> JobSummary:
    """Pick every trace of every gather into ``out`` (CSV, JSON, or with ``source`` (the survey
    file) a copy of it with the picks in the header word at ``byte``).

    ``accept``: also return the picks with confidence >= it (``skip(key)`` true leaves a
    trace out, e.g. one the interpreter picked by hand) for the caller to store. ``keys``: only
    these gathers (default all). ``continuity``, ``onset``: as ``fb_predict.predict_gather``.
    """
    state = state or TaskState()
    net = load_picker(snapshot)
    ids = [int(k) for k in (gatherset.gather_ids if keys is None else keys)]
    conf_all = np.empty(len(gatherset.keys), np.float32)
    n_done = 0
    accepted: dict = {}
    with PickStream(out, fmt, key_name=gatherset.key_name, source=source, byte=byte) as stream:
        done_gathers = 0
        for group in batches(ids, batch):
            for key in group:
                state.check()
                idx = gatherset.trace_indices(key)
                t, c = predict_gather(net, snapshot, gatherset.data[idx], gatherset.dt_ms,
                                      gatherset.t0_ms, tol_ms, gatherset.offsets[idx],
                                      continuity=continuity, onset=onset)
                chans = gatherset.channels[idx]
                stream.add(idx, np.full(len(idx), key), chans, t, c)
                conf_all[n_done:n_done + len(idx)] = c
                n_done += len(idx)
                if accept is not None:
                    for ch, ti, ci in zip(chans, t, c, strict=True):
                        k = (key, int(ch))
                        if ci >= accept and not (skip and skip(k)):
                            accepted[k] = (float(ti), float(ci))
                done_gathers += 1
                state.set_progress(done_gathers / max(len(ids), 1),
                                   f"gather {key} ({done_gathers} of {len(ids)})")
            stream.flush()
        state.check()  # a cancel after the last gather still leaves no file
        path = stream.close()
    return JobSummary(path, n_done, len(ids), conf_all[:n_done], accepted)
