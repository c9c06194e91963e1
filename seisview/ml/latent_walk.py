"""The seed's "seismic dreams": walks through the latent space of a pretraining run, and the
live previews the Pretraining dock shows while it trains.

A GAN walk interpolates between two latent vectors drawn from seeds (spherical
interpolation: a straight line between two Gaussian draws passes through vectors
much shorter than any the generator was trained on, and its middle frames fade). An
autoencoder walk encodes two chosen sections into latent maps, interpolates those
linearly and decodes each step. Either way frame 0 and frame N-1 are exactly the
endpoints' images. numpy in, numpy out; the caller colours and exports the frames.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from seisview.core.errors import SeisviewError
from seisview.ml.models.autoencoder import ConvAutoencoder
from seisview.ml.models.gan import PatchGAN
from seisview.ml.pretrain import MODELS, build_pretrain_model
from seisview.ml.snapshot import ModelSnapshot

MAX_FRAMES = 240


def pretraining_snapshot(source) -> ModelSnapshot:
    """A pretraining run's snapshot from a snapshot or a checkpoint path; one clear line when
    the checkpoint holds another kind of model."""
    if isinstance(source, ModelSnapshot):
        snap, name = source, f"the {source.model} model"
    else:
        from seisview.ml.checkpoint import load_checkpoint

        snap, name = load_checkpoint(source), Path(source).name
    if snap.model not in MODELS:
        task = snap.meta.get("task", "facies") if isinstance(snap.meta, dict) else "facies"
        raise SeisviewError(f"{name} holds a {snap.model} {task} model, not an autoencoder or "
                            "GAN pretraining run",
                            hint="choose a run made by the Pretraining dock or `seisview pretrain`")
    return snap


@dataclass(frozen=True)
class Walk:
    """``frames`` ``(n, sample, trace)`` (channel 0 of the model's output) and the
    ``latents`` they were decoded from (``(n, latent_dim)`` or ``(n, c, h, w)``)."""

    frames: np.ndarray
    latents: np.ndarray
    kind: str
    clip: float = 1.0  # amplitude shown at full colour: the endpoints' inputs' (autoencoder)


class PretrainedModel:
    """A pretraining snapshot built once, in eval mode, on the CPU."""

    def __init__(self, source):
        self.snapshot = pretraining_snapshot(source)
        self.kind = self.snapshot.model
        net = build_pretrain_model(self.kind, self.snapshot.config)
        net.load_state_dict(self.snapshot.state)
        self.net = net.eval()  # the generator's batch norm uses its running statistics

    @property
    def in_channels(self) -> int:
        return int(self.snapshot.config.get("in_channels", 1))

    @property
    def factor(self) -> int:
        return self.net.encoder.factor

    @torch.no_grad()
    def generate(self, z: np.ndarray) -> np.ndarray:
        net = self._need(PatchGAN, "generate samples")
        return net.generator(torch.as_tensor(np.asarray(z, np.float32)))[:, 0].numpy()

    def latents(self, n: int, seed: int) -> np.ndarray:
        net = self._need(PatchGAN, "draw latent vectors")
        g = torch.Generator().manual_seed(int(seed))
        return net.generator.sample_z(n, generator=g).numpy()

    @torch.no_grad()
    def encode(self, x: np.ndarray) -> np.ndarray:
        """``(n, channel, H, W)`` with H, W multiples of :attr:`factor` -> latent maps."""
        net = self._need(ConvAutoencoder, "encode sections")
        return net.encode(torch.as_tensor(np.asarray(x, np.float32))).numpy()

    @torch.no_grad()
    def decode(self, z: np.ndarray) -> np.ndarray:
        net = self._need(ConvAutoencoder, "decode latent maps")
        return net.decode(torch.as_tensor(np.asarray(z, np.float32)))[:, 0].numpy()

    def _need(self, cls, what: str):
        if not isinstance(self.net, cls):
            other = "a GAN" if cls is PatchGAN else "an autoencoder"
            raise SeisviewError(f"a {self.kind} run cannot {what}", hint=f"choose {other} run")
        return self.net

    # -- what the dock shows while training -------------------------------------------------
    def preview(self, patches: np.ndarray | None = None, n: int = 8, seed: int = 0) -> np.ndarray:
        """Tiles to show: the autoencoder's ``patches`` over their reconstructions
        ``(2, n, H, W)``, or ``n`` GAN samples of fixed latents ``(1, n, H, W)``."""
        if self.kind == "gan":
            return self.generate(self.latents(n, seed))[None]
        if patches is None:
            raise SeisviewError("the autoencoder preview needs patches to reconstruct")
        with torch.no_grad():
            out = self.net(torch.as_tensor(patches))[:, 0].numpy()
        return np.stack([patches[:, 0], out])


def interpolate(a: np.ndarray, b: np.ndarray, n: int, how: str = "linear") -> np.ndarray:
    """``n`` steps from ``a`` to ``b`` (both included, exactly): ``(n, *a.shape)``.

    ``how="slerp"`` follows the great circle between the two vectors, scaling the
    norm linearly between theirs (for Gaussian latents); "linear" is a straight line.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape != b.shape:
        raise SeisviewError(f"endpoints of different shapes {a.shape} and {b.shape}")
    n = int(n)
    if not 2 <= n <= MAX_FRAMES:
        raise SeisviewError(f"{n} frames: a walk has 2 to {MAX_FRAMES}",
                            hint="choose fewer frames")
    t = np.linspace(0.0, 1.0, n)
    shape = (n,) + (1,) * a.ndim
    if how == "linear":
        out = (1 - t).reshape(shape) * a + t.reshape(shape) * b
    elif how == "slerp":
        na, nb = np.linalg.norm(a), np.linalg.norm(b)
        ua, ub = a / max(na, 1e-12), b / max(nb, 1e-12)
        omega = np.arccos(np.clip(np.sum(ua * ub), -1.0, 1.0))
        if omega < 1e-6:  # nearly the same direction: the line is the arc
            return interpolate(a, b, n, "linear").astype(np.float32)
        wa = np.sin((1 - t) * omega) / np.sin(omega)
        wb = np.sin(t * omega) / np.sin(omega)
        norm = (1 - t) * na + t * nb
        out = (wa.reshape(shape) * ua + wb.reshape(shape) * ub) * norm.reshape(shape)
    else:
        raise SeisviewError(f"unknown interpolation {how!r}", hint="use linear or slerp")
    out[0], out[-1] = a, b  # exactly the endpoints, whatever the rounding did
    return out.astype(np.float32)


def gan_walk(model: PretrainedModel, n: int, seed_a: int = 0, seed_b: int = 1) -> Walk:
    """Frames generated along the arc between the latent vectors of two seeds."""
    za, zb = model.latents(1, seed_a)[0], model.latents(1, seed_b)[0]
    z = interpolate(za, zb, n, "slerp")
    frames = model.generate(z)
    return Walk(frames, z, "gan", _level(frames))


def _common_crop(a: np.ndarray, b: np.ndarray, factor: int) -> tuple[np.ndarray, np.ndarray]:
    h = min(a.shape[1], b.shape[1]) // factor * factor
    w = min(a.shape[2], b.shape[2]) // factor * factor
    if h < factor or w < factor:
        raise SeisviewError(f"sections of {min(a.shape[1], b.shape[1])} x "
                            f"{min(a.shape[2], b.shape[2])} samples are too small to encode",
                            hint=f"choose sections at least {factor} x {factor} samples")
    return a[:, :h, :w], b[:, :h, :w]


def ae_walk(model: PretrainedModel, a: np.ndarray, b: np.ndarray, n: int,
            batch: int = 8) -> Walk:
    """Decoded frames along the line between the encodings of sections ``a`` and ``b``
    ``(channel, sample, trace)``, both cut to their common size (a multiple of the
    encoder's downsampling)."""
    if a.shape[0] != model.in_channels or b.shape[0] != model.in_channels:
        raise SeisviewError(f"this autoencoder was trained on {model.in_channels}-channel input, "
                            f"the endpoints have {a.shape[0]}",
                            hint="walk between sections for a run on sections, gathers for "
                                 "a run on gathers")
    a, b = _common_crop(a, b, model.factor)
    za, zb = model.encode(np.stack([a, b]))
    z = interpolate(za, zb, n, "linear")
    frames = np.concatenate([model.decode(z[i:i + batch]) for i in range(0, n, batch)])
    # the inputs' level: an undertrained decoder's faint output looks faint, not saturated
    return Walk(frames, z, "autoencoder", _level(np.stack([a[0], b[0]])))


def _level(a: np.ndarray) -> float:
    """The 99th percentile of |a| (as ``io.frame_export.stack_levels``), 1 when all zero."""
    v = np.abs(np.asarray(a, np.float32))
    return float(np.percentile(v, 99)) or 1.0
