"""Self-supervised pretraining on the survey's unlabelled data (seed 001), and transfer.

``pretrain(config, data, state)`` trains a convolutional autoencoder (masked,
denoising reconstruction) or a GAN (spectral normalisation, BCE on logits) on
random patches of every section or gather, labels or not. It is a generator
with the same messages as facies training (``TrainProgress`` …, then one of
``TrainDone`` / ``TrainCancelled`` / ``TrainFailed``), so the GUI worker and
the CLI drive it unchanged. The snapshot's ``encoder`` weights then start the
first-break U-Net (:func:`encoder_from_snapshot`) or a facies model
(:func:`transfer_encoder`).
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
from seisview.ml.fb_data import gather_input
from seisview.ml.models.autoencoder import ConvAutoencoder, encoder_state
from seisview.ml.models.gan import PatchGAN, discriminator_loss, generator_loss
from seisview.ml.progress import TrainCancelled, TrainDone, TrainFailed, TrainProgress, final_done
from seisview.ml.snapshot import ModelSnapshot

MODELS = ("autoencoder", "gan")


@dataclass(frozen=True)
class PretrainConfig:
    """What to pretrain and how long (``steps`` and ``minutes`` both cap the run).

    ``patch`` is (time, trace) samples; ``widths`` must equal the widths of the
    model the encoder will start (the first-break U-Net's default). For gathers,
    ``window_ms`` and ``target_dt_ms`` cut and decimate like the picker does.
    """

    model: str = "autoencoder"
    widths: tuple[int, ...] = (16, 32, 64, 128)
    patch: tuple[int, int] = (64, 32)
    steps: int = 2000
    minutes: float | None = None
    batch_size: int = 16
    lr: float = 2e-4  # 1e-3 sends the autoencoder to its all-zero output within ~30 steps
    latent: int = 8  # autoencoder bottleneck channels / 64 × GAN latent
    mask_fraction: float = 0.25  # autoencoder: traces blanked in the input, restored in output
    compress: float = 1000.0
    window_ms: float | None = None
    target_dt_ms: float = 1.0
    seed: int = 0
    report_every: int = 25
    snapshot_every: int = 200
    threads: int | None = None

    def model_config(self) -> dict:
        if self.model == "autoencoder":
            return {"widths": list(self.widths), "latent_channels": int(self.latent)}
        return {"widths": list(self.widths), "latent_dim": int(self.latent) * 8,
                "patch": list(self.patch)}


def build_pretrain_model(name: str, config: dict) -> torch.nn.Module:
    c = int(config.get("in_channels", 1))
    if name == "autoencoder":
        return ConvAutoencoder(c, tuple(config["widths"]), config.get("latent_channels", 8))
    if name == "gan":
        return PatchGAN(config.get("latent_dim", 64), tuple(config.get("patch", (64, 32))),
                        tuple(config["widths"]), in_channels=c)
    raise SeisviewError(f"unknown pretraining model {name!r}", hint=f"use one of {MODELS}")


# -- data --------------------------------------------------------------------------------
def sections_of(data, config: PretrainConfig) -> list[np.ndarray]:
    """``(channel, sample, trace)`` float32 arrays to cut patches from.

    ``data`` is a ``GatherSet`` (each gather, prepared as the picker sees it), a
    ``Volume`` (every inline and crossline, scaled by the volume's robust clip
    like the facies models' input) or a list of 2-D arrays used as they are.
    """
    if isinstance(data, GatherSet):
        n = data.n_samples if not config.window_ms else \
            min(data.n_samples, int(math.ceil(config.window_ms / data.dt_ms)))
        factor = max(1, int(round(config.target_dt_ms / data.dt_ms)))
        return [gather_input(data.data[data.trace_indices(k)], n, factor, config.compress)
                for k in data.gather_ids]
    if hasattr(data, "inline") and hasattr(data, "levels"):
        clip = float(data.levels.clip) or 1.0
        n_il, n_xl, _ = data.shape
        out = [np.clip(data.inline(i) / clip, -1, 1).astype(np.float32) for i in range(n_il)]
        out += [np.clip(data.crossline(j) / clip, -1, 1).astype(np.float32) for j in range(n_xl)]
        return [a[None] for a in out]
    out = [np.asarray(a, np.float32) for a in data]
    if not out or any(a.ndim != 2 for a in out):
        raise SeisviewError("pretraining needs gathers, a survey volume or 2-D sections",
                            hint="open a survey or a gather file first")
    return [a[None] for a in out]


class PatchSampler:
    """Random ``patch``-sized crops (zero-padded where a section is smaller), random mirror."""

    def __init__(self, sections: list[np.ndarray], patch: tuple[int, int], seed: int):
        self.sections = [s for s in sections if s.size]  # (channel, sample, trace)
        if not self.sections:
            raise SeisviewError("no data to pretrain on", hint="the survey or gathers are empty")
        self.patch = patch
        self.rng = np.random.default_rng(seed)
        sizes = np.array([s.size for s in self.sections], float)
        self.p = sizes / sizes.sum()

    def batch(self, n: int) -> torch.Tensor:
        ph, pw = self.patch
        out = np.zeros((n, self.sections[0].shape[0], ph, pw), np.float32)
        for b in range(n):
            s = self.sections[self.rng.choice(len(self.sections), p=self.p)]
            i = self.rng.integers(0, max(s.shape[1] - ph, 0) + 1)
            j = self.rng.integers(0, max(s.shape[2] - pw, 0) + 1)
            crop = s[:, i:i + ph, j:j + pw]
            if self.rng.random() < 0.5:
                crop = crop[:, :, ::-1]
            out[b, :, :crop.shape[1], :crop.shape[2]] = crop
        return torch.from_numpy(out)


# -- training ----------------------------------------------------------------------------
def _snapshot(net, config: PretrainConfig, version: int, meta: dict) -> ModelSnapshot:
    state = {k: v.detach().to("cpu", copy=True) for k, v in net.state_dict().items()}
    # n_classes 2 (real/fake, or input/not) satisfies build_model, which checkpoints use
    mcfg = {**config.model_config(), "in_channels": int(net.encoder.blocks[0].conv1.in_channels)}
    return ModelSnapshot(config.model, 2, mcfg, state, version, 1.0, (),
                         {"task": "pretrain", **meta})


def pretrain(config: PretrainConfig, data, state: TaskState | None = None) -> Iterator:
    """Pretrain ``config.model`` on ``data``; yields progress and one terminal message."""
    state = state or TaskState()
    if config.model not in MODELS:
        raise SeisviewError(f"unknown pretraining model {config.model!r}",
                            hint=f"use --model {' or '.join(MODELS)}")
    if config.threads:
        torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    sampler = PatchSampler(sections_of(data, config), (int(config.patch[0]), int(config.patch[1])),
                           config.seed)
    net = build_pretrain_model(config.model, {**config.model_config(),
                                              "in_channels": sampler.sections[0].shape[0]})
    net.train()
    from seisview.ml.device import import_optimizer_support

    import_optimizer_support()
    if isinstance(net, ConvAutoencoder):
        opts = [torch.optim.Adam(net.parameters(), lr=config.lr)]
    else:  # the usual GAN betas: less momentum keeps the two players from oscillating
        assert isinstance(net, PatchGAN)
        opts = [torch.optim.Adam(net.discriminator.parameters(), lr=config.lr * 2, betas=(0.5, 0.999)),
                torch.optim.Adam(net.generator.parameters(), lr=config.lr, betas=(0.5, 0.999))]
    t0 = time.monotonic()
    budget = config.minutes * 60 if config.minutes else None
    step, version, losses, history = 0, 0, [], []
    best: ModelSnapshot | None = None
    reason = "steps"

    def fraction() -> float:
        f = step / max(config.steps, 1)
        return min(max(f, (time.monotonic() - t0) / budget) if budget else f, 1.0)

    try:
        while step < config.steps:
            state.check()
            x = sampler.batch(config.batch_size)
            if isinstance(net, ConvAutoencoder):
                loss, extra = _ae_step(net, opts[0], x, config.mask_fraction)
            else:
                loss, extra = _gan_step(net, opts, x)
            if not math.isfinite(loss):
                yield TrainFailed(f"pretraining loss became {loss} at step {step}; the last "
                                  "good snapshot is kept", best)
                return
            step += 1
            losses.append(loss)
            if step % config.report_every == 0 or step == config.steps:
                metrics = {"loss": float(np.mean(losses[-config.report_every:])), **extra,
                           "steps_per_s": step / max(time.monotonic() - t0, 1e-9)}
                history.append({"step": step, **metrics})
                snap = None
                if step % config.snapshot_every == 0 or step == config.steps:
                    version += 1
                    snap = best = _snapshot(net, config, version, {"step": step, **metrics})
                yield TrainProgress(0, step, metrics["loss"], metrics, version, snap, fraction())
            if budget and time.monotonic() - t0 > budget:
                reason = "time"
                break
        version += 1
        metrics = {"loss": float(np.mean(losses[-config.report_every:])) if losses else math.nan,
                   "elapsed_s": time.monotonic() - t0, "steps": step}
        best = _snapshot(net, config, version, {"step": step, **metrics})
        yield TrainDone(best, metrics, 1, step, reason, "", tuple(history))
    except Cancelled:
        yield TrainCancelled(best, step)
    except SeisviewError as exc:
        yield TrainFailed(str(exc), best)


def _ae_step(net: ConvAutoencoder, opt, x: torch.Tensor, mask_fraction: float):
    """Masked reconstruction: blank random traces of the input, restore all of them.

    Plain reconstruction through a wide bottleneck can copy its input; filling in
    missing traces forces the encoder to model lateral continuity (moveout,
    reflector dip), which is what the picker and the facies models need.
    """
    keep = (torch.rand(x.shape[0], 1, 1, x.shape[-1]) >= mask_fraction).float()
    y = net(x * keep)
    loss = F.mse_loss(y, x)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    with torch.no_grad():
        hidden = 1 - keep
        masked = float(((y - x) ** 2 * hidden).sum() / (hidden.expand_as(x).sum() + 1e-9))
    return float(loss.detach()), {"masked_mse": masked}


def _gan_step(net: PatchGAN, opts, x: torch.Tensor):
    d_opt, g_opt = opts
    z = net.generator.sample_z(x.shape[0])
    fake = net.generator(z)
    d_loss = discriminator_loss(net.discriminator(x), net.discriminator(fake.detach()))
    d_opt.zero_grad(set_to_none=True)
    d_loss.backward()
    d_opt.step()
    g_loss = generator_loss(net.discriminator(fake))
    g_opt.zero_grad(set_to_none=True)
    g_loss.backward()
    g_opt.step()
    return float(d_loss.detach()), {"d_loss": float(d_loss.detach()),
                                    "g_loss": float(g_loss.detach())}


def run_pretrain(config: PretrainConfig, data, state: TaskState | None = None) -> TrainDone:
    """Run :func:`pretrain` to the end and return its ``TrainDone`` (raise on failure)."""
    return final_done(pretrain(config, data, state), "pretraining was cancelled")


# -- transfer ----------------------------------------------------------------------------
def encoder_from_snapshot(snapshot: ModelSnapshot) -> dict[str, torch.Tensor]:
    """Plain encoder weights (``blocks.*``) of an autoencoder or GAN snapshot."""
    if snapshot.model not in MODELS:
        raise SeisviewError(f"run of model {snapshot.model!r} is not a pretraining run",
                            hint="use a run made by `seisview pretrain`")
    net = build_pretrain_model(snapshot.model, snapshot.config)
    net.load_state_dict(snapshot.state)
    net.eval()
    return encoder_state(net)


def transfer_encoder(net: torch.nn.Module, source) -> int:
    """Copy a pretrained encoder into ``net``'s convolutions; returns the tensors copied.

    ``source`` is a pretraining ``ModelSnapshot`` or an encoder state dict. The
    encoder's convolutions and ``net``'s (those of ``net.encoder`` or ``net.down``
    when it has one) are walked in order; each of ``net``'s takes the next encoder
    convolution of the same shape, and a layer with no such convolution keeps its
    fresh weights. So a full-resolution facies U-Net takes the whole encoder, the
    coarse U-Net all but its strided 5x5 stem, VGG or ResNet what their widths
    share. Raises ``SeisviewError`` when nothing fits.
    """
    state = encoder_from_snapshot(source) if isinstance(source, ModelSnapshot) else source
    members = getattr(net, "members", None)
    if isinstance(members, torch.nn.ModuleList):  # an ensemble: every member starts from it
        return sum(transfer_encoder(m, state) for m in members)
    names = [k[:-len(".weight")] for k, v in state.items() if k.endswith(".weight") and v.ndim == 4]
    body = getattr(net, "encoder", None) or getattr(net, "down", None) or net
    convs = [m for m in body.modules() if isinstance(m, torch.nn.Conv2d)]
    n, nxt = 0, 0
    with torch.no_grad():
        for conv in convs:
            # in order: a layer may match a later encoder layer, never an earlier one
            k = next((i for i in range(nxt, len(names))
                      if state[f"{names[i]}.weight"].shape == conv.weight.shape), None)
            if k is None:
                continue
            conv.weight.copy_(state[f"{names[k]}.weight"])
            b = state.get(f"{names[k]}.bias")
            if conv.bias is not None and b is not None and conv.bias.shape == b.shape:
                conv.bias.copy_(b)
                n += 1
            n, nxt = n + 1, k + 1
    if n == 0:
        widths = sorted({int(state[f"{nm}.weight"].shape[0]) for nm in names})
        raise SeisviewError(f"no convolution of the pretrained encoder (widths {widths}) fits "
                            f"{type(net).__name__}",
                            hint="start this model fresh, or pick a model whose layer "
                                 "widths the encoder shares")
    return n


def config_dict(config: PretrainConfig) -> dict:
    return {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(config).items()}
