"""First-break picker, prediction side: picks and confidences from a trained snapshot.

``predict_picks(snapshot, gatherset)`` returns ``{(gather key, channel): (time_ms,
confidence)}`` for every trace; ``score_picks`` compares picks with true ones;
``choose_snap`` decides after training whether a classical onset snap suits the
interpreter's held-out picks. Training is in :mod:`seisview.ml.firstbreak`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import torch

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.onset import refine_onsets
from seisview.core.tasks import TaskState
from seisview.ml.fb_continuity import continuous_picks
from seisview.ml.fb_data import PickedGather, gather_input, input_channels
from seisview.ml.models.fb_unet import (
    FirstBreakUNet,
    consistent_picks,
    outward_picks,
    picks_from_probability,
    step_confidence,
)
from seisview.ml.snapshot import ModelSnapshot

MODEL = "fb-unet"
# Classical refinements tried on the held-out picks after training: (CF method, ±window ms).
# The network finds the arrival; a snap to the nearest onset of the CF can make it sharper.
# It is kept only when it places more held-out picks within tolerance than the network alone,
# so a convention the CF does not follow (a later phase) is left to the network.
SNAPS = (None, ("energy_ratio", 1.0), ("energy_ratio", 2.0), ("energy_ratio", 4.0),
         ("aic", 2.0), ("aic", 4.0))


def factor_for(dt_ms: float, target_dt_ms: float) -> int:
    return max(1, int(round(target_dt_ms / dt_ms)))


def build_picker(config: dict) -> FirstBreakUNet:
    return FirstBreakUNet(int(config.get("in_channels", 1)),
                          tuple(config.get("widths", (16, 32, 64, 128))))


def arrival_probability(net, x: np.ndarray, factor: int, n_amp: int | None = None) -> np.ndarray:
    """Arrival probability ``(fine sample, trace)`` of one prepared gather ``x`` (coarse);
    ``n_amp``: how many leading channels are amplitudes (the rest, offsets, keep their sign)."""
    dev = next(net.parameters()).device
    xt = torch.from_numpy(np.ascontiguousarray(x))[None].to(dev)
    neg = xt.clone()
    neg[:, :n_amp] *= -1
    # mean over polarity and trace direction (both seen in training): a pick must not
    # depend on them, and the mean of four views is steadier than any one
    views = torch.cat([xt, neg, xt.flip(-1), neg.flip(-1)])
    with torch.no_grad():
        q = torch.sigmoid(net(views))[:, 0]
        p = ((q[0] + q[1] + q[2].flip(-1) + q[3].flip(-1)) / 4).cpu().numpy()
    if factor == 1:
        return p
    # back to the data's sampling: the step is fitted on the interpolated probability,
    # which keeps sub-sample precision of the coarse grid (resample_poly is centred)
    fine = np.arange(p.shape[0] * factor) / factor
    grid = np.arange(p.shape[0])
    return np.stack([np.interp(fine, grid, p[:, j]) for j in range(p.shape[1])], axis=1)


def choose_snap(snap: ModelSnapshot, g: GatherSet, val: list[PickedGather],
                 tolerance: float) -> ModelSnapshot:
    """The snapshot with ``meta["snap"]``: the refinement that suits the held-out picks best."""
    net = load_picker(snap)
    rows = []
    for it in val:
        traces = g.data[g.trace_indices(it.key)]
        t, _ = predict_gather(net, snap.with_meta(snap=None), traces, g.dt_ms, g.t0_ms,
                              offsets=g.offsets[g.trace_indices(it.key)])
        ok = np.isfinite(it.pick)
        truth = g.t0_ms + it.pick[ok] * float(snap.meta["factor_dt_ms"])
        rows.append((traces[ok], t[ok], truth))
    errs = {cand: np.abs(np.concatenate([refine(tr, t, g.dt_ms, g.t0_ms, cand) - truth
                                         for tr, t, truth in rows])) for cand in SNAPS}
    tol_ms = tolerance * g.dt_ms + 1e-9
    base = errs[None]
    best, best_hits = None, int(np.sum(base <= tol_ms))
    for cand in SNAPS[1:]:
        err = errs[cand]
        hits = int(np.sum(err <= tol_ms))
        # a snap must win clearly: it must bring more held-out picks closer than it moves
        # away, beyond chance (one-sided sign test, p < 0.05), and lose no hits; counting
        # hits alone chose snaps that were worse on other shots (docs/measurements.md)
        if hits >= best_hits and hits > int(np.sum(base <= tol_ms)) and \
                _sign_test(int(np.sum(err < base - 0.05)), int(np.sum(err > base + 0.05))):
            best, best_hits = cand, hits
    best_score = best_hits / max(sum(r[2].size for r in rows), 1)
    return snap.with_meta(snap=list(best) if best else None, val_within=best_score)


def _sign_test(wins: int, losses: int, alpha: float = 0.05) -> bool:
    """Whether ``wins`` against ``losses`` is unlikely for a coin (one-sided binomial test)."""
    n = wins + losses
    if n == 0:
        return False
    tail = sum(math.comb(n, k) for k in range(wins, n + 1)) / 2.0 ** n
    return tail < alpha


def refine(traces: np.ndarray, t_ms: np.ndarray, dt_ms: float, t0_ms: float, snap) -> np.ndarray:
    """Snap each pick to the nearest onset of ``snap = (method, window_ms)`` (None: unchanged)."""
    if not snap:
        return np.asarray(t_ms, float)
    from seisview.core.onset import snap as onset_snap

    method, window = snap[0], float(snap[1])
    return np.array([onset_snap(tr, float(t), window, dt_ms, method=method, t0_ms=t0_ms,
                                cf_ms=max(4 * dt_ms, 2.0))
                     for tr, t in zip(traces, t_ms, strict=True)])


def onset_by_default(snapshot: ModelSnapshot) -> bool:
    """Whether picks go to the AIC onset unless told: for a picker trained on generated
    gathers only (the shipped one), whose onset convention is the generator's, not the
    interpreter's (it picks about 2 ms late on real shots); not for a run trained on the
    user's picks, which learnt their convention and whose held-out picks chose its own
    snap (:func:`choose_snap`). Measured both ways in docs/measurements.md, "Onset
    refinement and continuity"."""
    return bool(snapshot.meta.get("generator"))


def load_picker(snapshot: ModelSnapshot) -> FirstBreakUNet:
    if snapshot.model != MODEL:
        raise SeisviewError(f"run of model {snapshot.model!r} is not a first-break picker",
                            hint="use a run trained with `seisview train --task firstbreak`")
    net = build_picker(snapshot.config)
    net.load_state_dict(snapshot.state)
    net.eval()
    return net


def predict_gather(net, snapshot: ModelSnapshot, traces: np.ndarray, dt_ms: float,
                   t0_ms: float = 0.0, tol_ms: float | None = 8.0,
                   offsets: np.ndarray | None = None, *, continuity: bool = False,
                   onset: bool | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(time_ms, confidence)`` per trace of raw ``traces`` ``(trace, sample)``, spatial order.

    With ``tol_ms``, picks more than that from the moveout of their neighbours on
    both sides are re-fitted near it (:func:`consistent_picks`), and with
    ``offsets`` also picks far earlier than their neighbour nearer the source
    (:func:`outward_picks`); re-fitted picks get half the confidence, so the
    interpreter sees them. ``continuity``: then the best continuous path through the
    gather's probability within ``tol_ms`` of those picks
    (:func:`~seisview.ml.fb_continuity.continuous_picks`; off by default: no clear gain,
    docs/measurements.md, "Onset refinement and continuity");
    ``onset``: each pick placed on the AIC onset near it
    (:func:`~seisview.core.onset.refine_onsets`), before the run's own snap if it has one;
    None: :func:`onset_by_default`.
    """
    meta = snapshot.meta
    factor = factor_for(dt_ms, float(meta.get("factor_dt_ms", dt_ms)))
    n = int(round(float(meta.get("window_ms", traces.shape[1] * dt_ms)) / dt_ms))
    n = min(max(n, 1), traces.shape[1])
    scale = meta.get("offset_scale_m")
    if scale and offsets is None:
        raise SeisviewError("this picker was trained with an offset channel and needs offsets",
                            hint="predict on gathers with trace offsets (byte 37)")
    compress = float(meta.get("compress", 20.0))
    x = gather_input(traces, n, factor, compress, meta.get("decimate", "poly"), offsets, scale)
    prob = arrival_probability(net, x, factor, input_channels(compress))[:n]
    pick, conf = picks_from_probability(prob, meta.get("target", "step") == "ramp")
    if tol_ms and prob.shape[1] >= 3:
        tol = max(tol_ms / dt_ms, 8.0)
        pick, refit = consistent_picks(prob, pick, tol)
        if offsets is not None:
            pick, out = outward_picks(prob, pick, np.abs(np.asarray(offsets, float)), tol)
            refit |= out
        if continuity:
            path = continuous_picks(prob, pick, dt_ms, band_ms=tol * dt_ms)
            refit |= np.abs(path - pick) > tol
            pick = path
        conf = step_confidence(prob, pick) * np.where(refit, 0.5, 1.0)
    dead = ~np.any(traces[:, :n], axis=1)
    conf[dead] = 0.0
    t_ms = t0_ms + pick * dt_ms
    if onset is None:
        onset = onset_by_default(snapshot)
    if onset:
        live = ~dead
        t_ms[live] = refine_onsets(traces[live, :n], t_ms[live], dt_ms, t0_ms)
    t_ms = refine(traces, t_ms, dt_ms, t0_ms, meta.get("snap"))
    return t_ms, conf


def predict_picks(snapshot: ModelSnapshot, gatherset: GatherSet, state: TaskState | None = None,
                  keys=None, tol_ms: float | None = 8.0, *, continuity: bool = False,
                  onset: bool | None = None) -> dict[tuple[int, int], tuple[float, float]]:
    """``{(gather key, channel): (time_ms, confidence)}`` for every trace of the gathers
    (``continuity``, ``onset``: as :func:`predict_gather`)."""
    state = state or TaskState()
    net = load_picker(snapshot)
    ids = list(gatherset.gather_ids if keys is None else keys)
    out: dict[tuple[int, int], tuple[float, float]] = {}
    for i, key in enumerate(ids):
        state.check()
        idx = gatherset.trace_indices(int(key))
        t, c = predict_gather(net, snapshot, gatherset.data[idx], gatherset.dt_ms,
                              gatherset.t0_ms, tol_ms, gatherset.offsets[idx],
                              continuity=continuity, onset=onset)
        for ch, ti, ci in zip(gatherset.channels[idx], t, c, strict=True):
            out[(int(key), int(ch))] = (float(ti), float(ci))
        state.set_progress((i + 1) / len(ids), f"gather {key}")
    return out


def score_picks(predicted: Mapping, truth: Mapping, dt_ms: float, tolerance: float = 2.0,
                keys=None) -> dict:
    """Share of true picks matched within ±``tolerance`` samples, mean |error| and bias (ms)."""
    d = np.asarray([predicted[k][0] - t for k, t in truth.items()
                    if k in predicted and (keys is None or k[0] in keys)], float)
    if d.size == 0:
        return {"n": 0, "within": math.nan, "mae_ms": math.nan, "median_bias_ms": math.nan}
    return {"n": int(d.size), "within": float(np.mean(np.abs(d) <= tolerance * dt_ms + 1e-9)),
            "mae_ms": float(np.mean(np.abs(d))), "median_bias_ms": float(np.median(d))}
