"""First-break picker: train a gather U-Net on the interpreter's picks, predict every trace.

``train(config, data, state)`` is a generator with the same messages as facies
training (``TrainProgress`` … then one of ``TrainDone`` / ``TrainCancelled`` /
``TrainFailed``); ``predict_picks(snapshot, gatherset)`` (:mod:`seisview.ml.fb_predict`,
also importable from here) returns ``{(gather key, channel): (time_ms, confidence)}``
for every trace. The
network learns the interpreter's convention (first weak deflection or a later
strong phase) from a few picked gathers: see DESIGN.md, "First-break
conventions differ".
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import asdict, dataclass

import numpy as np
import torch
import torch.nn.functional as F

from seisview.core.errors import SeisviewError
from seisview.core.gathers import GatherSet
from seisview.core.tasks import Cancelled, TaskState
from seisview.ml.fb_data import (
    PickedGather,
    input_channels,
    offset_scale,
    picked_gathers,
    picks_by_trace,
    random_crops,
    window_samples,
)
from seisview.ml.fb_predict import (  # noqa: F401 (load_picker ... score_picks: re-exported)
    MODEL,
    arrival_probability,
    build_picker,
    choose_snap,
    factor_for,
    load_picker,
    predict_gather,
    predict_picks,
    score_picks,
)
from seisview.ml.fb_pretrained import PRETRAINED, SCRATCH, pretrained_snapshot
from seisview.ml.models.autoencoder import load_encoder
from seisview.ml.models.fb_unet import (
    FirstBreakUNet,
    picks_from_probability,
)
from seisview.ml.progress import TrainCancelled, TrainDone, TrainFailed, TrainProgress, final_done
from seisview.ml.snapshot import ModelSnapshot
from seisview.ml.training import WeightAverage


@dataclass(frozen=True)
class FirstBreakConfig:
    """How to train the picker. ``steps`` and ``minutes`` both cap the run.

    ``init``: a ``ModelSnapshot`` to start from: a first-break run (resume) or an
    autoencoder / GAN pretraining run (its encoder is transferred); ``"pretrained"``: the
    picker shipped with seisview (``ml.fb_pretrained``; what the CLI and the dock start
    from unless told otherwise); None or ``"scratch"``: random weights.
    ``tolerance`` is the ±samples (of the data's own sample interval) a pick
    must be within to count as right in the validation metric.
    """

    widths: tuple[int, ...] = (16, 32, 64, 128)
    steps: int = 1500
    minutes: float | None = None
    batch_size: int = 8
    crop: int = 256  # time samples of a training crop (after decimation)
    traces: int = 32  # traces of a training crop
    lr: float = 1e-3
    weight_decay: float = 1e-4
    compress: float = 20.0
    edge_weight: float = 4.0  # extra loss weight of samples near the pick (see random_crops)
    augment: bool = True  # polarity, trace spacing, stretch, noise, dropped traces (random_crops)
    cosine: bool = False  # cosine learning-rate decay over ``steps``
    # "ramp": the target rises over the sample holding the pick by the share after it, and
    # the pick is read where the probability crosses 0.5; "step": 0/1 (older snapshots)
    target: str = "step"
    ema: float = 0.99  # > 0: validate and keep an exponential moving average of the weights
    # which snapshot is kept: the "last" (averaged) one, or the best on the "heldout" picks
    # or on "all" picks; a dozen held-out picks are too noisy a judge to pick the best
    # (docs/measurements.md, First breaks)
    select: str = "last"
    decimate: str = "poly"  # low-pass before decimating to target_dt_ms (fb_data.decimate)
    target_dt_ms: float = 1.0
    val_fraction: float = 0.2
    tolerance: float = 2.0
    eval_every: int = 100
    report_every: int = 25
    # evaluations without improvement before stopping early: generous, because a dozen
    # held-out picks stop a run too early on a lucky best (docs/measurements.md, First breaks)
    patience: int = 15
    seed: int = 0
    threads: int | None = None
    device: str | None = None  # "cpu", "cuda" or None (CUDA when present)
    init: object | None = None
    # a constant |offset| channel (over the survey's largest): tried on the real shots, where
    # the misses are runs of far traces; see docs/measurements.md, "First breaks"
    offset_channel: bool = False

    def record(self) -> dict:
        d = {k: v for k, v in asdict(self).items() if k != "init"}
        if isinstance(self.init, str):
            d["init"] = self.init
        d["widths"] = list(self.widths)
        return d


@dataclass
class FirstBreakData:
    """Training data: the gathers and the picks, ``{(gather key, channel): time_ms}``."""

    gathers: GatherSet
    picks: dict

    def __post_init__(self):
        if not isinstance(self.gathers, GatherSet):
            raise SeisviewError("first-break training needs pre-stack gathers",
                                hint="open a shot-gather SEG-Y file (unstructured)")
        self.picks = normalise_picks(self.picks)
        t = picks_by_trace(self.gathers, self.picks)
        self.trace_ms = t
        if not np.isfinite(t).any():
            raise SeisviewError("no first-break picks on the traces of these gathers",
                                hint="pick a few gathers first (or import picks)")
        self.picked_keys = [int(k) for k in self.gathers.gather_ids
                            if np.isfinite(t[self.gathers.trace_indices(int(k))]).any()]

    def summary(self) -> str:
        return (f"{int(np.isfinite(self.trace_ms).sum())} picks on {len(self.picked_keys)} of "
                f"{len(self.gathers)} gathers")


def normalise_picks(picks) -> dict:
    """``{(key, channel): time_ms}`` from a PickSet, its snapshot or a plain mapping."""
    if hasattr(picks, "snapshot"):
        picks = picks.snapshot()
    out = {}
    for k, v in dict(picks).items():
        t = getattr(v, "time_ms", v)
        if isinstance(t, tuple):
            t = t[0]
        if t is not None and math.isfinite(float(t)):
            out[(int(k[0]), int(k[1]))] = float(t)
    return out


def _split(items: list[PickedGather], fraction: float, rng) -> tuple[list, list]:
    """Hold out a contiguous block of each gather's picked traces for early stopping.

    A block, not scattered traces: a held-out trace between two training traces
    is nearly free to predict, which made every refinement look useless and the
    scores far better than on unpicked gathers.
    """
    train, val = [], []
    for it in items:
        picked = np.flatnonzero(np.isfinite(it.pick))
        n_val = int(round(fraction * picked.size)) if picked.size >= 5 else 0
        start = int(rng.integers(0, picked.size - n_val + 1)) if n_val else 0
        held = picked[start:start + n_val]
        p_tr, p_val = it.pick.copy(), np.full_like(it.pick, np.nan)
        p_tr[held], p_val[held] = np.nan, it.pick[held]
        train.append(PickedGather(it.key, it.x, p_tr, it.channels))
        if n_val:
            val.append(PickedGather(it.key, it.x, p_val, it.channels))
    return train, val


def crop_size(config: FirstBreakConfig, n_time: int, n_trace: int, factor: int
              ) -> tuple[int, int]:
    """Training crop ``(time, traces)``: at most half the window and half the gather.

    A crop that holds the whole gather shows the network the same few images
    at the same place every step, and it learns where the picks of its 3
    gathers are instead of what a first break looks like (docs/measurements.md,
    First breaks: whole-gather crops against half-size crops with augmentation).
    """
    t = min(config.crop, n_time, max(64, n_time // 2))
    t = max(factor, t - t % factor)
    return t, min(config.traces, max(8, n_trace // 2))


def _init_weights(net: FirstBreakUNet, init, config: FirstBreakConfig) -> str:
    if init is None or init == SCRATCH:
        return ""
    if init == PRETRAINED:
        init = pretrained_snapshot()
        if tuple(init.config.get("widths", ())) != tuple(config.widths) or \
                int(init.config.get("in_channels", 0)) != input_channels(config.compress,
                                                                          config.offset_channel):
            raise SeisviewError("the pretrained picker has the default widths and inputs; this "
                                "run asks for others", hint="train from scratch (--init scratch) "
                                "or keep the default model options")
        net.load_state_dict(init.state)
        return f"pretrained picker ({init.meta.get('generator', '?')})"
    if isinstance(init, str):
        raise SeisviewError(f"unknown start {init!r} for the first-break picker",
                            hint=f"use {PRETRAINED!r}, {SCRATCH!r} or a snapshot")
    if isinstance(init, ModelSnapshot) and init.model == MODEL:
        net.load_state_dict(init.state)
        return f"resumed from {MODEL} v{init.version}"
    from seisview.ml.pretrain import encoder_from_snapshot

    state = encoder_from_snapshot(init) if isinstance(init, ModelSnapshot) else dict(init)
    n = load_encoder(net, state)
    if n == 0:
        raise SeisviewError("the pretrained encoder does not fit the picker",
                            hint="pretrain with the picker's widths")
    return f"encoder from {getattr(init, 'model', 'state')} ({n} tensors)"


def _validate(net, val: list[PickedGather], factor: int, tolerance: float,
              subsample: bool = False, n_amp: int | None = None) -> dict:
    net.eval()
    errs = []
    for it in val:
        pick, _ = picks_from_probability(arrival_probability(net, it.x, factor, n_amp), subsample)
        ok = np.isfinite(it.pick)
        errs.append(pick[ok] - it.pick[ok] * factor)
    net.train()
    e = np.concatenate(errs) if errs else np.array([])
    if e.size == 0:
        return {}
    # the soft score chooses the snapshot: full credit at 0, none beyond 2 × tolerance
    # *coarse* samples (the network's own grid): a dozen picks scored on the fine grid
    # jump in 7 % steps and chose early, poor snapshots (docs/measurements.md)
    soft = np.clip(1.0 - np.abs(e) / (2.0 * tolerance * factor), 0.0, 1.0)
    return {"val_within": float(np.mean(np.abs(e) <= tolerance + 1e-9)),
            "val_soft": float(np.mean(soft)),
            "val_mae_samples": float(np.mean(np.abs(e))), "val_n": float(e.size)}


def _snapshot(net, config: FirstBreakConfig, meta: dict, version: int) -> ModelSnapshot:  # CPU copy
    state = {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items()}
    # n_classes 2 (arrived or not) satisfies build_model, which load_checkpoint uses
    n_in = input_channels(config.compress, config.offset_channel)
    return ModelSnapshot(MODEL, 2, {"widths": list(config.widths), "in_channels": n_in},
                         state, version, 1.0, (),
                         {"task": "firstbreak", **meta})


def _prepare(config: FirstBreakConfig, data: FirstBreakData, net: FirstBreakUNet, factor: int,
             rng) -> tuple:
    """Network inputs of the picked gathers, their training / held-out split, the window
    and the crop size: ``(train_items, val_items, n_window, (n_time, n_trace))``."""
    g = data.gathers
    n_window = window_samples(g, data.picks, factor * net.factor)
    scale = offset_scale(g) if config.offset_channel else None
    items = picked_gathers(g, data.picks, n_window, config.compress, factor,
                           keys=data.picked_keys, how=config.decimate, scale_m=scale)
    train_items, val_items = _split(items, config.val_fraction, rng)
    crop = crop_size(config, items[0].x.shape[1], max(it.x.shape[2] for it in items), net.factor)
    return train_items, val_items, n_window, crop


def train(config: FirstBreakConfig, data: FirstBreakData, state: TaskState | None = None, *,
          relabel=None) -> Iterator:
    """Train the picker on ``data``; yields ``TrainProgress`` and one terminal message.

    ``relabel`` is called before each evaluation; when it returns new
    ``FirstBreakData`` (the interpreter picked more), training goes on with those
    picks, without a restart.
    """
    state = state or TaskState()
    best: ModelSnapshot | None = None
    step = 0
    try:
        if config.threads:
            torch.set_num_threads(config.threads)
        torch.manual_seed(config.seed)
        rng = np.random.default_rng(config.seed)
        g = data.gathers
        factor = factor_for(g.dt_ms, config.target_dt_ms)
        net = build_picker({"widths": config.widths,
                            "in_channels": input_channels(config.compress,
                                                          config.offset_channel)})
        how = _init_weights(net, config.init, config)
        from seisview.ml.device import import_optimizer_support, pick_device

        device = pick_device(config.device)
        net.to(device)
        train_items, val_items, n_window, (n_time, n_trace) = _prepare(config, data, net, factor,
                                                                       rng)
        meta = {"window_ms": n_window * g.dt_ms, "factor_dt_ms": factor * g.dt_ms,
                "compress": config.compress, "dt_ms": g.dt_ms, "init": how,
                "decimate": config.decimate, "target": config.target,
                "trained_on": data.picked_keys}
        if config.offset_channel:
            meta["offset_scale_m"] = offset_scale(g)
        import_optimizer_support()
        opt = torch.optim.AdamW(net.parameters(), lr=config.lr, weight_decay=config.weight_decay)
        avg = WeightAverage(net, config.ema, warmup=True) if config.ema > 0 else None
        ramp = config.target == "ramp"
        n_amp = input_channels(config.compress)
        # two early evaluations: the live view shows a first pick after a quarter of the
        # evaluation interval (demo gathers: ~3 s instead of ~12 s on one core)
        early = {max(config.eval_every // 4, 1), max(config.eval_every // 2, 1)}
        t0 = time.monotonic()
        budget = config.minutes * 60 if config.minutes else None
        best_score, stale, version, losses, history = (-math.inf, 0, 0, [], [])
        reason = "steps"
        net.train()

        def fraction() -> float:
            f = step / max(config.steps, 1)
            return min(max(f, (time.monotonic() - t0) / budget) if budget else f, 1.0)

        while step < config.steps:
            state.check()
            x, y, m = (torch.from_numpy(a).to(device) for a in
                       random_crops(train_items, rng, config.batch_size, n_time, n_trace,
                                    edge_weight=config.edge_weight, augment=config.augment,
                                    compress=config.compress, ramp=ramp))
            loss = (F.binary_cross_entropy_with_logits(net(x), y, reduction="none") * m).sum() \
                / m.sum().clamp(min=1)
            if not torch.isfinite(loss):
                yield TrainFailed(f"loss became {float(loss)} at step {step}: training stopped, "
                                  "the last good model is kept", best)
                return
            opt.zero_grad(set_to_none=True)
            loss.backward()
            if config.cosine:  # anneal towards 5 % of lr at the last step
                f = min(step / max(config.steps, 1), 1.0)
                for grp in opt.param_groups:
                    grp["lr"] = config.lr * (0.05 + 0.95 * 0.5 * (1 + math.cos(math.pi * f)))
            opt.step()
            if avg is not None:
                avg.update(net)
            step += 1
            losses.append(float(loss.detach()))
            out_of_time = bool(budget and time.monotonic() - t0 > budget)
            last = step == config.steps or out_of_time
            evaluate = step % config.eval_every == 0 or step in early
            if evaluate and relabel is not None and not last:
                fresh = relabel()
                if fresh is not None and fresh is not data:
                    data = fresh
                    train_items, val_items, n_window, (n_time, n_trace) = _prepare(
                        config, data, net, factor, rng)
                    meta = {**meta, "window_ms": n_window * g.dt_ms,
                            "trained_on": data.picked_keys}
            if evaluate or last:
                shown = avg.model(net) if avg is not None else net
                metrics = {"loss": float(np.mean(losses[-config.eval_every:])),
                           **_validate(shown, val_items or train_items, factor, config.tolerance,
                                       ramp, n_amp),
                           "elapsed_s": time.monotonic() - t0,
                           "steps_per_s": step / max(time.monotonic() - t0, 1e-9)}
                history.append({"step": step, **metrics})
                score = metrics.get("val_soft", 0.0)
                if config.select == "all" and val_items:
                    # the held-out block alone (a dozen picks) once chose the step-200
                    # model of a 1500-step run (real shots 3,7,9, seed 1: 42 % within 2 ms
                    # on the other shots, 64 % on its own); the fit of the training picks
                    # keeps an undertrained model from winning on a lucky block
                    fit = _validate(shown, train_items, factor, config.tolerance, ramp, n_amp)
                    n_v, n_t = metrics.get("val_n", 0.0), fit.get("val_n", 0.0)
                    score = (score * n_v + fit.get("val_soft", 0.0) * n_t) / max(n_v + n_t, 1)
                    metrics["fit_soft"] = fit.get("val_soft", math.nan)
                if config.select == "last":  # the newest (averaged) weights, no early stop
                    score = float(step)
                snap = None
                if score > best_score:
                    best_score, stale = score, 0
                    version += 1
                    snap = best = _snapshot(shown, config, {**meta, "step": step, **metrics}, version)
                else:
                    stale += 1
                yield TrainProgress(0, step, metrics["loss"], metrics, version, snap, fraction(),
                                    f"val within ±{config.tolerance:g}: "
                                    f"{metrics.get('val_within', math.nan):.0%}")
                if stale >= config.patience:
                    reason = "early stop"
                    break
            elif step % config.report_every == 0:
                yield TrainProgress(0, step, float(np.mean(losses[-config.report_every:])), {},
                                    version, None, fraction())
            if out_of_time:
                reason = "time"
                break
        if best is not None and val_items:
            state.check()
            version += 1
            best = choose_snap(best, g, val_items, config.tolerance)
            best = ModelSnapshot(best.model, best.n_classes, best.config, best.state, version,
                                 best.clip, best.class_names, best.meta)
            yield TrainProgress(0, step, float(np.mean(losses[-config.report_every:])),
                                {"val_within": best.meta["val_within"]}, version, best, 1.0,
                                f"refinement: {best.meta['snap'] or 'none'}")
        if best is None:
            raise SeisviewError("training ended before any model was kept", hint="train for more steps")
        metrics = {k: v for k, v in best.meta.items() if isinstance(v, int | float)}
        yield TrainDone(best, metrics, 1, step, reason, "", tuple(history))
    except Cancelled:
        yield TrainCancelled(best, step)
    except SeisviewError as exc:
        yield TrainFailed(str(exc), best)


def save_run_checkpoint(path, snapshot: ModelSnapshot, **extra):
    """Save a picker run's checkpoint (kept as a name for the CLI and the panel)."""
    from seisview.ml.checkpoint import save_checkpoint

    return save_checkpoint(path, snapshot, **extra)


def run_training(config: FirstBreakConfig, data: FirstBreakData,
                 state: TaskState | None = None) -> TrainDone:
    """Run :func:`train` to the end; returns ``TrainDone`` or raises ``SeisviewError``."""
    return final_done(train(config, data, state), "first-break training was cancelled")

