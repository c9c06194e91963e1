"""``train(config, data, state)``: a generator that trains a facies model and reports.

It yields :class:`~seisview.ml.progress.TrainProgress` messages (a loss report
every few steps; at the end of each epoch a held-out evaluation and a new
:class:`~seisview.ml.snapshot.ModelSnapshot`) and ends with exactly one of
``TrainDone``, ``TrainCancelled`` or ``TrainFailed``. It runs the same in the
GUI worker, the CLI and tests. Recipes follow seed 004: Adam (lr 1e-3,
betas 0.9/0.999) for the patch CNN, the U-Net and the ResNet; SGD with
Nesterov momentum 0.9, lr 1e-4 and a 1/(1 + 1e-6 t) decay for VGG
fine-tuning; early stopping on the held-out labels.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from seisview.core.errors import SeisviewError
from seisview.core.tasks import Cancelled, TaskState
from seisview.ml.checkpoint import load_checkpoint, save_checkpoint
from seisview.ml.data import IGNORE, CropSampler, TrainingData
from seisview.ml.device import OOMFallback, is_oom, pick_device, seed_everything
from seisview.ml.models import build_model, model_meta
from seisview.ml.progress import TrainCancelled, TrainDone, TrainFailed, TrainProgress
from seisview.ml.self_training import pseudo_sampler
from seisview.ml.snapshot import ModelSnapshot

log = logging.getLogger(__name__)

PRETRAINED_ENCODERS = ("autoencoder", "gan")  # seisview.ml.pretrain snapshots


def model_settings(model: str, model_cfg: dict | None) -> dict:
    """``model_cfg``, or the default recipe's settings for ``model`` when none were picked."""
    return dict(model_cfg) if model_cfg else dict(model_meta(model).get("recipe", {}))


@dataclass(frozen=True)
class TrainConfig:
    """What to train and how long. ``minutes`` and ``epochs`` both cap the run.

    ``init`` is a ``ModelSnapshot`` or checkpoint path to start from (resume or
    transfer: matching tensors are copied, the rest stay fresh).
    ``checkpoint``: when set, the best model is saved there on each improvement,
    so a crash or a NaN keeps the last good weights.
    """

    model: str = "unet"
    model_cfg: dict = field(default_factory=dict)
    epochs: int = 30
    steps_per_epoch: int = 10
    minutes: float | None = None
    batch_size: int = 8
    crop: int = 128
    optimizer: str | None = None  # "adam" | "sgd"; default by model
    lr: float | None = None
    weight_decay: float = 1e-4
    phase_rotation: bool = True
    flip: bool = True
    gain: float = 0.0  # random amplitude scaling +- this fraction (amplitude is a facies cue)
    stretch: float = 0.3  # random time stretch of crops by (1 + s)^[-1, 1]: layer thickness varies
    patience: int = 2  # epochs without a strictly better held-out accuracy
    # no early stop before this many steps: the held-out strokes are fitted within ~30 steps,
    # while accuracy on unpainted sections still rises until ~60-100 (measured, bench quality)
    min_steps: int = 100
    label_smoothing: float = 0.0
    seed: int = 0
    device: str | None = None
    init: ModelSnapshot | str | Path | None = None  # weights to start from
    checkpoint: str | None = None
    report_every: int = 5
    first_snapshot_s: float = 2.0  # end the first epoch early so an overlay comes quickly...
    first_snapshot_steps: int = 6  # ...but not before this many steps
    ema: float = 0.9  # > 0: snapshots hold an exponential moving average of the weights
    threads: int | None = None
    # self-training (seisview.ml.self_training): rounds of pseudo-labels from the snapshot on
    # the unpainted pixels, the first after ``self_train_after`` steps, each trained that many
    # steps more before early stopping may end the run. Measured on thin strokes (bench
    # quality): 2 rounds lift unseen-inline accuracy by ~0.02 at about twice the steps' time.
    self_train: int = 2
    self_train_after: int = 60
    pseudo_weight: float = 0.5  # loss weight of pseudo-labels relative to the strokes
    pseudo_keep: float = 0.5  # fraction of each predicted class's (eroded) pixels kept
    pseudo_erode: int = 4  # pixels trimmed off predicted class boundaries
    # a run continued from a facies run of the same model (`--init RUN`, the live loop's next
    # round) starts where that run was: its self-training stages (``self_train_after``) and
    # ``min_steps`` are this fraction of a fresh run's (bench_active_learning, demo, three
    # rounds of suggestions: the full schedule 0.916 at 186 steps a round, half 0.911 at 96,
    # 36 steps without self-training 0.879)
    continued_scale: float = 0.5
    # > 1: in such a continued run, a painted pixel the starting model gets wrong is this many
    # times as likely to centre a crop as one it gets right. Off by default: measured with 4
    # (bench_active_learning, 3 surveys x 3 seeds) it cost random placement 0.01-0.04 after
    # three rounds on two surveys and did not lift the suggested rounds (docs/measurements.md)
    focus_weight: float = 1.0
    # batch-norm statistics of each snapshot from a strip of this many traces of each section
    # (0: whole sections)
    norm_width: int = 64


def make_optimizer(cfg: TrainConfig, net: torch.nn.Module):
    from seisview.ml.device import import_optimizer_support

    import_optimizer_support()  # the first optimizer's big import, one thread at a time
    params = [p for p in net.parameters() if p.requires_grad]
    kind = cfg.optimizer or model_meta(cfg.model).get("optimizer", "adam")
    if kind == "adam":
        # foreach: one call per step for all tensors (the per-tensor loop holds the GIL,
        # which the GUI thread waits for while training runs beside it)
        opt = torch.optim.Adam(params, lr=cfg.lr or 1e-3, betas=(0.9, 0.999),
                               weight_decay=cfg.weight_decay, foreach=True)
        return opt, None
    if kind == "sgd":
        sgd = torch.optim.SGD(params, lr=cfg.lr or 1e-4, momentum=0.9, nesterov=True,
                              weight_decay=cfg.weight_decay, foreach=True)
        return sgd, torch.optim.lr_scheduler.LambdaLR(sgd, lambda t: 1.0 / (1.0 + 1e-6 * t))
    raise SeisviewError(f"unknown optimizer {kind!r}", hint="use adam or sgd")


def transfer_weights(net: torch.nn.Module, init) -> int:
    """Copy tensors of ``init`` (snapshot or checkpoint path) whose names and shapes match."""
    snap = init if isinstance(init, ModelSnapshot) else load_checkpoint(init)
    if snap.model in PRETRAINED_ENCODERS:  # self-supervised pretraining: copy its encoder
        from seisview.ml.pretrain import transfer_encoder

        members = getattr(net, "members", None)
        if isinstance(members, torch.nn.ModuleList):  # into every member of an ensemble
            return sum(transfer_encoder(m, snap) for m in members)
        return transfer_encoder(net, snap)
    own = net.state_dict()
    fit = {k: v for k, v in snap.state.items() if k in own and own[k].shape == v.shape}
    members = getattr(net, "members", None)
    if not fit and isinstance(members, torch.nn.ModuleList):
        # a single network's run into an ensemble: every member starts from it
        return sum(transfer_weights(m, snap) for m in members)
    if not fit and any(k.startswith("members.0.") for k in snap.state):
        # an ensemble's run into a single network: its first member
        first = {k[len("members.0."):]: v for k, v in snap.state.items()
                 if k.startswith("members.0.")}
        fit = {k: v for k, v in first.items() if k in own and own[k].shape == v.shape}
    if not fit:
        raise SeisviewError(f"no weights of the {snap.model!r} checkpoint fit model "
                            f"{type(net).__name__}", hint="start from a run of the same model")
    net.load_state_dict(fit, strict=False)
    return len(fit)


def continued_schedule(config: TrainConfig) -> TrainConfig:
    """``config`` with its init loaded, and when it continues a facies run of the same model,
    the shorter schedule of ``continued_scale``."""
    init = config.init
    if init is None:
        return config
    if not isinstance(init, ModelSnapshot):
        init = load_checkpoint(init)
    config = replace(config, init=init)
    if init.model != config.model or config.continued_scale == 1:
        return config
    s = config.continued_scale
    return replace(config, self_train_after=max(1, round(config.self_train_after * s)),
                   min_steps=round(config.min_steps * s))


def build_for(config: TrainConfig, n_classes: int) -> tuple[torch.nn.Module, dict, int]:
    """The network ``config`` trains, its full settings, and how many tensors ``init`` gave it.

    Resuming a run of the same model without settings of one's own keeps that run's
    architecture; anything else (another model, a pretraining run) transfers what fits
    and raises ``SeisviewError`` when nothing does.
    """
    init = config.init
    if init is not None and not isinstance(init, ModelSnapshot):
        init = load_checkpoint(init)
    model_cfg = model_settings(config.model, config.model_cfg)
    if init is not None and init.model == config.model and not config.model_cfg:
        model_cfg = dict(init.config)
    net = build_model(config.model, n_classes, **model_cfg)
    n = transfer_weights(net, init) if init is not None else 0
    return net, model_cfg, n


@torch.no_grad()
def calibrate_norm(net: torch.nn.Module, data: TrainingData, device, width: int = 0) -> None:
    """Re-estimate batch-norm statistics on sections of this survey (labelled and context ones).

    Running averages over a few dozen augmented crops lag far behind the weights
    early in training, so a snapshot in eval mode would predict nonsense for the
    first minute; an average over sections of this survey fixes it. ``width`` > 0:
    a strip of that many traces (all samples) of each section, a different strip
    per section, in one batch per section shape: a fraction of the cost of whole
    sections, which took most of each epoch end.
    """
    bns = [m for m in net.modules() if isinstance(m, torch.nn.modules.batchnorm._BatchNorm)]
    if not bns:
        return
    images = [s.image for s in data.sections] + list(data.context)
    if width:
        images = [_strip(img, width, (i + 1) / (len(images) + 1)) for i, img in enumerate(images)]
    groups: dict[tuple, list[np.ndarray]] = {}
    for img in images:
        groups.setdefault(img.shape, []).append(img)
    saved = [(m, m.momentum) for m in bns]
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average
    net.eval()
    for m in bns:
        m.train()
    try:
        for imgs in groups.values():
            net(torch.from_numpy(np.stack(imgs))[:, None].to(device))
    finally:
        for m, mom in saved:
            m.momentum = mom
        net.eval()


@torch.no_grad()
def wrong_pixels(net: torch.nn.Module, data: TrainingData, device) -> list[np.ndarray]:
    """Per labelled section, the painted training pixels ``net`` labels wrong (bool masks)."""
    was_training = net.training
    net.eval()
    out = []
    for s in data.sections:
        pred = net(torch.from_numpy(s.image)[None, None].to(device))[0].argmax(0) + 1
        out.append((s.train > 0) & (pred.cpu().numpy() != s.train))
    net.train(was_training)
    return out


def focus_share(focus, data: TrainingData, weight: float) -> float:
    """The share of crops to centre on ``focus`` pixels: theirs if each counted ``weight`` times
    among the painted training pixels (0 without focus pixels)."""
    if not focus:
        return 0.0
    n_focus = sum(int(f.sum()) for f in focus)
    n_all = sum(int((s.train > 0).sum()) for s in data.sections)
    return weight * n_focus / max(weight * n_focus + n_all - n_focus, 1)


def _strip(image: np.ndarray, width: int, where: float) -> np.ndarray:
    """``width`` columns of ``image`` (all rows) centred at fraction ``where`` of its width."""
    w = image.shape[1]
    if w <= width:
        return image
    c0 = min(max(int(where * w) - width // 2, 0), w - width)
    return np.ascontiguousarray(image[:, c0:c0 + width])


@torch.no_grad()
def evaluate(net: torch.nn.Module, data: TrainingData, device, which: str = "val") -> dict:
    """Masked loss and pixel accuracy of ``net`` on the held-out (or training) pixels."""
    net.eval()
    tot_loss, n, correct = 0.0, 0, 0
    for s in data.sections:
        mask = s.val if which == "val" else s.train
        if not mask.any():
            continue
        x = torch.from_numpy(s.image)[None, None].to(device)
        logits = net(x)[0]
        y = torch.from_numpy(mask.astype(np.int64) - 1).to(device)
        sel = y >= 0
        lg = logits.permute(1, 2, 0)[sel]
        tot_loss += float(F.cross_entropy(lg, y[sel], reduction="sum"))
        correct += int((lg.argmax(1) == y[sel]).sum())
        n += int(sel.sum())
    if n == 0:
        return {}
    return {f"{which}_loss": tot_loss / n, f"{which}_acc": correct / n}


def train(config: TrainConfig, data: TrainingData, state: TaskState | None = None, *,
          relabel: Callable[[], TrainingData | None] | None = None) -> Iterator:
    """Train ``config.model`` on ``data``; see the module docstring for the messages.

    ``relabel`` is called between epochs; when it returns new ``TrainingData`` (the
    interpreter painted more), the next epoch trains on it without a restart.
    """
    state = state or TaskState()
    best: ModelSnapshot | None = None
    ckpt = ""
    step = 0
    try:
        if config.threads:
            torch.set_num_threads(config.threads)
        gen = seed_everything(config.seed)
        device = pick_device(config.device)
        config = continued_schedule(config)
        net, model_cfg, n_init = build_for(config, data.n_classes)
        if n_init:
            log.info("started %s from %s: %d tensors transferred", config.model, config.init, n_init)
        net.to(device)
        context: int = net.context  # type: ignore[assignment]  # torch types attributes Tensor | Module
        opt, sched = make_optimizer(config, net)
        oom = OOMFallback(device, config.batch_size)
        # continued_schedule loaded the init: a ModelSnapshot from here on
        continued = isinstance(config.init, ModelSnapshot) and config.init.model == config.model
        focused = continued and config.focus_weight > 1
        focus = wrong_pixels(net, data, device) if focused else None
        sampler = CropSampler(data, config.crop, context, phase_rotation=config.phase_rotation,
                              gain=config.gain, flip=config.flip, stretch=config.stretch,
                              seed=config.seed, focus=focus,
                              focus_share=focus_share(focus, data, config.focus_weight))
        del gen
        ema = WeightAverage(net, config.ema) if config.ema > 0 else None
        members = int(getattr(net, "n_members", 1))
        t0 = time.monotonic()
        budget = config.minutes * 60 if config.minutes else None
        total_steps = config.epochs * config.steps_per_epoch
        best_score, stale, version = -math.inf, 0, 0
        pseudo, rounds, stage_end = None, 0, 0
        history: list[dict] = []
        reason = "epochs"
        metrics: dict = {}

        def fraction() -> float:
            f = step / max(total_steps, 1)
            if budget:
                f = max(f, (time.monotonic() - t0) / budget)
            return min(f, 1.0)

        for epoch in range(config.epochs):
            if relabel is not None and epoch > 0:
                fresh = relabel()
                if fresh is not None and fresh is not data:
                    if fresh.n_classes != data.n_classes:
                        raise SeisviewError("the number of classes changed during training",
                                            hint="restart training to add a class")
                    data = fresh
                    shown = ema.model(net) if ema is not None else net
                    focus = wrong_pixels(shown, data, oom.device) if focused else None
                    sampler = CropSampler(data, config.crop, context,
                                          phase_rotation=config.phase_rotation,
                                          gain=config.gain, flip=config.flip,
                                          stretch=config.stretch, seed=config.seed + epoch,
                                          focus=focus, focus_share=focus_share(
                                              focus, data, config.focus_weight))
            net.train()
            losses, accs = [], []
            t_epoch = time.monotonic()
            done_in_epoch = 0
            while done_in_epoch < config.steps_per_epoch:  # an OOM retry is not a step
                state.check()
                # an ensemble (UNet members) trains each member on its own batch of crops
                x_np, y_np = sampler.batch(oom.batch_size * members)
                if not (y_np >= 0).any():  # every target masked: no loss to learn from
                    continue
                n_real = len(x_np)
                if pseudo is not None:
                    xp, yp = pseudo.batch(max(1, oom.batch_size // 2) * members)
                    x_np, y_np = np.concatenate([x_np, xp]), np.concatenate([y_np, yp])
                try:
                    x = torch.from_numpy(x_np).to(oom.device)
                    y_all = torch.from_numpy(y_np).to(oom.device)  # strokes, then pseudo-labels
                    out = net(x)
                    logits, y = out[:n_real], y_all[:n_real]
                    loss = F.cross_entropy(logits, y, ignore_index=IGNORE,
                                           label_smoothing=config.label_smoothing)
                    if pseudo is not None and (y_np[n_real:] >= 0).any():
                        loss = loss + config.pseudo_weight * F.cross_entropy(
                            out[n_real:], y_all[n_real:], ignore_index=IGNORE)
                    if not torch.isfinite(loss):
                        yield TrainFailed(f"loss became {loss.item()} at step {step}: training "
                                          "stopped, the last good model is kept",
                                          best, ckpt)
                        return
                    opt.zero_grad(set_to_none=True)
                    loss.backward()
                    opt.step()
                    if sched is not None:
                        sched.step()
                    if ema is not None:
                        ema.update(net)
                except Exception as exc:
                    if not is_oom(exc):
                        raise
                    msg = oom.on_oom()
                    net.to(oom.device)
                    _move_optimizer(opt, oom.device)
                    yield TrainProgress(epoch, step, math.nan, {}, version, None, fraction(), msg)
                    continue
                step += 1
                done_in_epoch += 1
                with torch.no_grad():  # argmax of the labelled pixels only (a few %)
                    sel = y >= 0
                    picked = logits.detach().permute(0, 2, 3, 1)[sel]
                    accs.append(float((picked.argmax(1) == y[sel]).float().mean()))
                losses.append(float(loss.detach()))
                if step % config.report_every == 0:
                    yield TrainProgress(epoch, step, float(np.mean(losses[-config.report_every:])),
                                        {"train_acc": float(np.mean(accs[-config.report_every:]))},
                                        version, None, fraction())
                if budget and time.monotonic() - t0 > budget:
                    reason = "time"
                    break
                # the first overlay should come soon, but not from a model that saw 1 batch
                if (epoch == 0 and len(losses) >= config.first_snapshot_steps
                        and time.monotonic() - t_epoch > config.first_snapshot_s):
                    break
            state.check()
            shown = ema.model(net) if ema is not None else net
            calibrate_norm(shown, data, oom.device, config.norm_width)
            metrics = {"train_loss": float(np.mean(losses)) if losses else math.nan,
                       "train_acc": float(np.mean(accs)) if accs else math.nan,
                       **evaluate(shown, data, oom.device), "elapsed_s": time.monotonic() - t0,
                       "n_labelled": float(sum(data.train_counts.values())
                                           + sum(data.val_counts.values())),
                       "steps_per_s": step / max(time.monotonic() - t0, 1e-9)}
            version += 1
            snap = ModelSnapshot.of(shown, config.model, model_cfg, version=version,
                                    clip=data.clip, class_names=data.class_names,
                                    meta={"epoch": epoch, "step": step,
                                          # what it learnt from: volume prediction predicts
                                          # along these section directions
                                          "section_kinds": sorted({s.spec.kind
                                                                   for s in data.sections}),
                                          **{k: v for k, v in metrics.items()
                                             if isinstance(v, float) and math.isfinite(v)}})
            history.append({"epoch": epoch, "step": step, **metrics})
            # Held-out strokes lie beside the training strokes, so their accuracy saturates
            # early while the net goes on to overfit the labelled section (measured: the
            # best unseen-section accuracy comes a few epochs after saturation). A tie keeps
            # the later snapshot but does not reset the patience counter.
            score = metrics.get("val_acc", -metrics["train_loss"])
            if best is None or score >= best_score - 1e-4:
                stale = 0 if best is None or score > best_score + 1e-4 else stale + 1
                best_score, best = max(score, best_score), snap
                if config.checkpoint:
                    ckpt = str(save_checkpoint(config.checkpoint, best))
            else:
                stale += 1
            yield TrainProgress(epoch, step, metrics["train_loss"], metrics, version, snap,
                                fraction())
            if reason == "time":
                break
            if rounds < config.self_train and step >= max(stage_end, config.self_train_after):
                pseudo = pseudo_sampler(shown, data, oom.device, config, context,
                                        seed=config.seed + 1000 * (rounds + 1),
                                        check=state.check)
                rounds += 1
                stage_end = step + config.self_train_after
                if pseudo is not None:  # the best snapshot is chosen again, after this round
                    best_score, stale = -math.inf, 0
                continue
            if ("val_acc" in metrics and stale >= config.patience and step >= config.min_steps
                    and rounds >= config.self_train and step >= stage_end):
                reason = "early stop"
                break
        if best is None:
            raise SeisviewError("training ended before any model was kept", hint="train for more steps")
        yield TrainDone(best, dict(best.meta), epoch + 1, step, reason, ckpt, tuple(history))
    except Cancelled:
        yield TrainCancelled(best, step, ckpt)
    except SeisviewError as exc:
        yield TrainFailed(str(exc), best, ckpt)
    except Exception as exc:  # a bug: keep the traceback in the log, one line for the user
        log.exception("training failed")
        yield TrainFailed(f"training failed: {type(exc).__name__}: {exc}", best, ckpt)


class WeightAverage:
    """Exponential moving average of a model's floating-point weights (smoother snapshots)."""

    def __init__(self, net: torch.nn.Module, decay: float, warmup: bool = False):
        self.decay = float(decay)
        # warmup: a shorter memory at first, so a short run's average is not half the
        # random initial weights (the first-break picker keeps the average as its result)
        self.warmup, self.n = warmup, 0
        self.state = {k: v.detach().clone() for k, v in net.state_dict().items()
                      if v.is_floating_point()}
        self._shadow: torch.nn.Module | None = None

    @torch.no_grad()
    def update(self, net: torch.nn.Module) -> None:
        self.n += 1
        decay = min(self.decay, (1.0 + self.n) / (10.0 + self.n)) if self.warmup else self.decay
        current = net.state_dict()
        for k, v in self.state.items():
            if v.device != current[k].device:
                self.state[k] = v.to(current[k].device)
        keys = list(self.state)  # one fused call: avg += (1 - decay) * (w - avg)
        torch._foreach_lerp_([self.state[k] for k in keys], [current[k].detach() for k in keys],
                             1 - decay)

    def model(self, net: torch.nn.Module) -> torch.nn.Module:
        """A copy of ``net`` holding the averaged weights (batch-norm stats recalibrated later).

        The same copy each call, refilled (a deep copy per epoch end cost ~40 ms): use it
        before the next call (snapshots copy its weights).
        """
        import copy

        if self._shadow is None or next(self._shadow.parameters()).device != \
                next(net.parameters()).device:
            self._shadow = copy.deepcopy(net)
        self._shadow.load_state_dict({**net.state_dict(), **self.state})
        return self._shadow


def _move_optimizer(opt: torch.optim.Optimizer, device) -> None:
    for st in opt.state.values():
        for k, v in st.items():
            if isinstance(v, torch.Tensor):
                st[k] = v.to(device)


__all__ = ["TrainConfig", "train", "evaluate", "transfer_weights", "build_for", "continued_schedule",
           "model_settings", "replace", "wrong_pixels", "focus_share"]
